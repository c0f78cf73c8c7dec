"""Autotask PSA integration: the HTTP client, safe ticket workflows, a simulator.

Import from here; ``client`` is the only module that speaks HTTP to Autotask.
The simulator is not imported here (it is a test and demo tool).
"""

from backupchecks.autotask.client import (
    AutotaskClient,
    AutotaskCredentials,
    ZoneInfo,
    clear_zone_cache,
)
from backupchecks.autotask.errors import (
    AutotaskAuthError,
    AutotaskConfigError,
    AutotaskError,
    AutotaskNotFound,
    AutotaskPermissionError,
    AutotaskRateLimited,
    AutotaskUnavailable,
    AutotaskValidationError,
)
from backupchecks.autotask.filters import F
from backupchecks.autotask.reference import PicklistValue, label_for, picklist
from backupchecks.autotask.tickets import (
    CreateOutcome,
    Intent,
    IntentStore,
    MemoryIntentStore,
    ResolveOutcome,
    add_note,
    create_ticket_idempotent,
    resolve,
    resolve_ticket_reference,
    set_resolution,
    update_ticket,
)

__all__ = [
    "AutotaskAuthError",
    "AutotaskClient",
    "AutotaskConfigError",
    "AutotaskCredentials",
    "AutotaskError",
    "AutotaskNotFound",
    "AutotaskPermissionError",
    "AutotaskRateLimited",
    "AutotaskUnavailable",
    "AutotaskValidationError",
    "CreateOutcome",
    "F",
    "Intent",
    "IntentStore",
    "MemoryIntentStore",
    "PicklistValue",
    "ResolveOutcome",
    "ZoneInfo",
    "add_note",
    "clear_zone_cache",
    "create_ticket_idempotent",
    "label_for",
    "picklist",
    "resolve",
    "resolve_ticket_reference",
    "set_resolution",
    "update_ticket",
]
