"""Labels, navigation and small helpers the templates share."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from grants.access import Permission, permissions_of
from grants.auth.models import MembershipRole, OrganisationType, Role

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

# Each role's home page, in the order a person holding several roles sees them.
ROLE_HOMES = {
    Role.PROGRAM_OFFICER: "core.officer_home",
    Role.FINANCE_OFFICER: "core.finance_home",
    Role.EVALUATOR: "core.evaluator_home",
    Role.AUDITOR: "core.auditor_home",
    Role.ADMIN: "admin.users",
    Role.APPLICANT: "core.applicant_home",
}


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def navigation(user) -> list[tuple[str, str]]:
    """(endpoint, label) pairs for the top bar: the user's role homes, then shared tools."""
    items = [(ROLE_HOMES[role], role_label(role)) for role in ROLE_HOMES if role in user.roles]
    granted = permissions_of(user)
    if Permission.AUDIT_LOG_READ in granted:
        items.append(("core.audit_log", str(_l("Audit log"))))
    if Permission.WORKFLOW_DEFINITION_READ in granted:
        items.append(("workflows.index", str(_l("Workflows"))))
    if Permission.PROGRAMME_SETTINGS_MANAGE in granted:
        items.append(("admin.programme", str(_l("Programme settings"))))
    return items


def home_endpoint(user) -> str:
    for role, endpoint in ROLE_HOMES.items():
        if role in user.roles:
            return endpoint
    return "auth.account"


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths may be used as a post-login redirect."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target
