"""Imports every model and workflow binding, so the metadata (and Alembic) sees the whole schema
and every workflow object can be fired."""
from grants.auth.models import (GroupMember, Invitation, LoginAttempt, Membership, Organisation,  # noqa: F401
                                Programme, RoleAssignment, User)
from grants.calls.models import Call, CallAmendment, CallDocument  # noqa: F401
from grants.applications.models import Application, ApplicationVersion, Attachment  # noqa: F401
from grants.finance.models import Payment  # noqa: F401
from grants.reporting.models import Report  # noqa: F401
from grants.control.models import Control, RecoveryCase  # noqa: F401
from grants.support.models import BridgingExtension, Job, PackageItem  # noqa: F401
from grants.engine.models import TransitionHistory  # noqa: F401
from grants.services.audit import AuditEntry  # noqa: F401
from grants.services.mail import OutboxMessage  # noqa: F401
from grants.applications import workflow as _application_workflow  # noqa: F401
from grants.finance import workflow as _finance_workflow  # noqa: F401
from grants.reporting import workflow as _reporting_workflow  # noqa: F401
from grants.control import workflow as _control_workflow  # noqa: F401
from grants.support import workflow as _support_workflow  # noqa: F401
