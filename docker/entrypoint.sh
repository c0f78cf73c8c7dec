#!/bin/sh
# Container entrypoint.
#   web (default)  migrate the database (unless BACKUPCHECKS_MIGRATE=0), then serve with gunicorn
#   poller         poll the mailbox forever (one container of this kind is enough)
#   anything else  run it as a command, e.g. `backupchecks users create ...`
set -eu

mode="${1:-web}"
case "$mode" in
  web)
    if [ "${BACKUPCHECKS_MIGRATE:-1}" = "1" ]; then
      backupchecks db upgrade
    fi
    exec gunicorn \
      --bind "0.0.0.0:${PORT:-8080}" \
      --workers "${WEB_WORKERS:-4}" \
      --threads "${WEB_THREADS:-2}" \
      --timeout "${WEB_TIMEOUT:-60}" \
      --access-logfile - \
      --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
      "backupchecks:create_app()"
    ;;
  poller)
    exec backupchecks mail poll --loop --interval "${POLL_INTERVAL:-300}"
    ;;
  *)
    exec "$@"
    ;;
esac
