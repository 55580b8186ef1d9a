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

# What each audited action means, for the audit log (auditors see the code too). Transitions of the
# declared workflows are named by the workflow and its transition (ui.audit_action).
AUDIT_ACTION_LABELS = {
    "admin:day_off:added": _l("Day off added"),
    "admin:day_off:removed": _l("Day off removed"),
    "admin:mail:retried": _l("Mail delivery retried"),
    "admin:programme:updated": _l("Programme settings changed"),
    "applications:application:created": _l("Application started"),
    "applications:application:saved": _l("Application saved"),
    "applications:attachment:deleted": _l("Attachment removed"),
    "applications:attachment:uploaded": _l("Attachment uploaded"),
    "applications:formal_check:ticked": _l("Formal check item ticked"),
    "applications:version:frozen": _l("Submitted version frozen"),
    "audit:chain:verified": _l("Audit chain verified"),
    "audit:chain:sealed": _l("Audit chain sealed with the key"),
    "auth:email:confirmed": _l("Email address confirmed"),
    "auth:login:failed": _l("Sign-in failed"),
    "auth:login:succeeded": _l("Signed in"),
    "auth:password:changed": _l("Password changed"),
    "auth:password:reset": _l("Password reset"),
    "auth:role:granted": _l("Role granted"),
    "auth:role:revoked": _l("Role revoked"),
    "auth:sessions:ended": _l("Sessions ended"),
    "auth:totp:disabled": _l("Second factor removed"),
    "auth:totp:enabled": _l("Second factor set up"),
    "auth:totp:failed": _l("Wrong second-factor code"),
    "auth:user:activated": _l("Account activated"),
    "auth:user:created": _l("Account created"),
    "auth:user:deactivated": _l("Account deactivated"),
    "auth:user:invited": _l("Staff member invited"),
    "auth:user:reinvited": _l("Invitation sent again"),
    "calls:call:amended": _l("Call amended"),
    "calls:call:created": _l("Call created"),
    "calls:call:published": _l("Call published"),
    "calls:call:updated": _l("Call changed"),
    "calls:document:added": _l("Call document added"),
    "calls:document:removed": _l("Call document removed"),
    "evaluation:amount:reduced": _l("Amount to award reduced"),
    "evaluation:application:downloaded": _l("Application downloaded by an evaluator"),
    "evaluation:application:opened": _l("Application opened by an evaluator"),
    "evaluation:attachment:downloaded": _l("Attachment downloaded by an evaluator"),
    "evaluation:conflict:declared": _l("Conflict of interest declared"),
    "evaluation:declaration:made": _l("Impartiality declared"),
    "evaluation:draw:made": _l("Evaluators drawn"),
    "evaluation:pool:added": _l("Evaluator added to the pool"),
    "evaluation:pool:removed": _l("Evaluator removed from the pool"),
    "evaluation:ranking:computed": _l("Ranking computed"),
    "evaluation:ranking:published": _l("Ranking published"),
    "evaluation:scorecard:assigned": _l("Evaluator assigned"),
    "evaluation:scorecard:overdue": _l("Scorecard overdue"),
    "evaluation:scorecard:submitted": _l("Scorecard submitted"),
    "evaluation:scorecard:withdrawn": _l("Assignment taken back"),
    "organisation:invitation:accepted": _l("Invitation accepted"),
    "organisation:invitation:sent": _l("Invitation sent"),
    "organisation:organisation:converted": _l("Informal group registered as a social cooperative"),
    "organisation:organisation:created": _l("Organisation registered"),
    "organisation:organisation:updated": _l("Organisation details changed"),
}

# The kinds of object an audit entry is about.
OBJECT_TYPE_LABELS = {
    "user_account": _l("Account"),
    "organisation": _l("Organisation"),
    "application": _l("Application"),
    "call": _l("Call"),
    "day_off": _l("Day off"),
    "programme": _l("Programme"),
    "payment": _l("Payment"),
    "report": _l("Report"),
    "control": _l("Control"),
    "recovery_case": _l("Recovery"),
}
