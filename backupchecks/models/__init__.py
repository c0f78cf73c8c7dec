"""All models, imported here so Alembic and the app see one metadata."""

from backupchecks.models.api import ApiToken, ReportCache
from backupchecks.models.checks import Override, Remark, RunOverride
from backupchecks.models.jobs import Customer, Job, Run, RunObject
from backupchecks.models.mail import ImapFolderState, Mail, ParserRule
from backupchecks.models.settings import AuditEntry, Setting
from backupchecks.models.tickets import AutotaskReference, RunTicket, Ticket, TicketIntent
from backupchecks.models.users import LoginThrottle, Role, User

__all__ = [
    "ApiToken",
    "ReportCache",
    "AutotaskReference",
    "Override",
    "Remark",
    "RunOverride",
    "RunTicket",
    "Ticket",
    "TicketIntent",
    "AuditEntry",
    "Customer",
    "ImapFolderState",
    "Job",
    "LoginThrottle",
    "Mail",
    "ParserRule",
    "Role",
    "Run",
    "RunObject",
    "Setting",
    "User",
]
