"""All models, imported here so Alembic and the app see one metadata."""

from backupchecks.models.jobs import Customer, Job, Run, RunObject
from backupchecks.models.mail import ImapFolderState, Mail, ParserRule
from backupchecks.models.settings import AuditEntry, Setting
from backupchecks.models.users import LoginThrottle, Role, User

__all__ = [
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
