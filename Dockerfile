# syntax=docker/dockerfile:1
# Backupchecks: multi-stage build, runs as a non-root user under gunicorn.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY backupchecks ./backupchecks
RUN pip install --upgrade pip && pip wheel --wheel-dir /wheels . \
    && pip install /wheels/*.whl

FROM python:3.11-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="Backupchecks" \
      org.opencontainers.image.description="Backup report checks for MSPs, with Autotask tickets"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    BACKUPCHECKS_ENV=production \
    BACKUPCHECKS_INSTANCE=/data \
    PORT=8080
RUN groupadd --system --gid 10001 backupchecks \
    && useradd --system --uid 10001 --gid backupchecks --home-dir /app --shell /usr/sbin/nologin backupchecks \
    && mkdir -p /app /data && chown backupchecks:backupchecks /data
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Templates, static files and migrations live beside the package (PROJECT_ROOT);
# PYTHONPATH=/app makes this copy the one imported, so they are found.
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY backupchecks ./backupchecks
COPY docker/entrypoint.sh /usr/local/bin/backupchecks-entrypoint
USER backupchecks
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os,urllib.request,sys; r=urllib.request.urlopen('http://127.0.0.1:%s/api/health' % os.environ.get('PORT','8080'), timeout=4); sys.exit(0 if r.status==200 else 1)"
ENTRYPOINT ["backupchecks-entrypoint"]
CMD ["web"]
