"""The tenant's reference data (picklists) cached in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from backupchecks.autotask import reference
from backupchecks.autotask.client import AutotaskClient
from backupchecks.autotask.errors import AutotaskError
from backupchecks.extensions import db
from backupchecks.models.tickets import AutotaskReference
from backupchecks.models.types import utcnow


@dataclass(frozen=True)
class CachedReference:
    fields: list[dict[str, Any]]
    refreshed_at: datetime
    web_url: str | None = None

    def ticket_url(self, autotask_id: int) -> str | None:
        if not self.web_url:
            return None
        return f"{self.web_url}Mvc/ServiceDesk/TicketDetail.mvc?ticketId={int(autotask_id)}"

    def picklist(self, name: str) -> list[reference.PicklistValue]:
        return reference.picklist(self.fields, name)

    def label(self, name: str, value: Any) -> str | None:
        return reference.label_for(self.fields, name, value)

    def is_valid(self, name: str, value: Any) -> bool:
        return reference.is_valid_value(self.fields, name, value)


def load() -> CachedReference | None:
    row = db.session.scalar(select(AutotaskReference).where(AutotaskReference.entity == "Tickets"))
    if row is None:
        return None
    return CachedReference(list(row.fields or []), row.refreshed_at, row.web_url)


def refresh(client: AutotaskClient) -> CachedReference:
    """One API call; stores the picklist fields (not committed)."""
    fields = client.ticket_fields()
    wanted = {name.lower() for name in reference.TICKET_PICKLISTS}
    kept = [f for f in fields if str(f.get("name", "")).lower() in wanted]
    row = db.session.scalar(select(AutotaskReference).where(AutotaskReference.entity == "Tickets"))
    if row is None:
        row = AutotaskReference(entity="Tickets")
        db.session.add(row)
    row.fields = kept
    row.refreshed_at = utcnow()
    try:
        row.web_url = client.web_url
    except AutotaskError:
        # A hand-set base URL has no zone lookup behind it: links show the number only.
        row.web_url = None
    return CachedReference(kept, row.refreshed_at, row.web_url)
