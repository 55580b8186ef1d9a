"""Names of the foundation's codes (roles, organisation types, memberships, mail states) in the
person's language, for pages, exports and messages alike."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from grants.auth.models import MembershipRole, OrganisationType, Role
from grants.services.mail import MailStatus

ROLE_LABELS = {
    Role.APPLICANT: _l("Applicant"),
    Role.PROGRAM_OFFICER: _l("Program officer"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.FINANCE_OFFICER: _l("Finance officer"),
    Role.AUDITOR: _l("Auditor"),
    Role.ADMIN: _l("Administrator"),
}

ORGANISATION_TYPE_LABELS = {
    OrganisationType.SOCIAL_COOPERATIVE: _l("Social cooperative"),
    OrganisationType.SOCIAL_ENTERPRISE: _l("Social enterprise"),
    OrganisationType.SOCIAL_ECONOMY_ENTITY: _l("Social-economy entity"),
    OrganisationType.NGO: _l("Non-governmental organisation"),
    OrganisationType.INFORMAL_GROUP: _l("Informal group"),
}

MEMBERSHIP_LABELS = {
    MembershipRole.OWNER: _l("Owner"),
    MembershipRole.EDITOR: _l("Editor"),
    MembershipRole.VIEWER: _l("Viewer"),
}

MAIL_STATUS_LABELS = {
    MailStatus.PENDING: _l("waiting"),
    MailStatus.SENT: _l("sent"),
    MailStatus.FAILED: _l("given up"),
}
