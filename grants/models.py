"""Imports every model so that the metadata (and Alembic) sees the whole schema."""
from grants.auth.models import LoginAttempt, Membership, Organisation, Programme, RoleAssignment, User  # noqa: F401
from grants.services.audit import AuditEntry  # noqa: F401
from grants.services.mail import OutboxMessage  # noqa: F401
