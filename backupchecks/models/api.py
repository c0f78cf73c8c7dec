"""API tokens for the JSON API, and the short-lived cache of Autotask report data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backupchecks.extensions import db
from backupchecks.models.types import UTCDateTime, utcnow
from backupchecks.models.users import User


class ApiToken(db.Model):
    """A bearer token for GET /api/autotask/*; only its sha256 is stored.

    The token is random (256 bits), so a fast hash is enough: there is nothing
    to brute-force, and the lookup by hash stays one indexed query.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters, so an admin can tell tokens apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix}… {self.name!r}>"


class ReportCache(db.Model):
    """One cached answer (Autotask rows or computed figures) under a key.

    A table, not process memory, so every gunicorn worker shares it. Rows
    outlive their freshness on purpose: when Autotask is unreachable the page
    shows the last figures with their age.
    """

    __tablename__ = "report_cache"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
