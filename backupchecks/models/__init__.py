"""All models, imported here so Alembic and the app see one metadata."""

from backupchecks.models.settings import AuditEntry, Setting
from backupchecks.models.users import LoginThrottle, Role, User

__all__ = ["AuditEntry", "LoginThrottle", "Role", "Setting", "User"]
