"""Authorisation: named permissions per role, a declaration on every view, object-level checks.

Every view function is declared either `@public` or `@require(Permission.X)`; a test walks the
URL map and fails on any endpoint that is neither. Object-level checks are plain functions
`can_<verb>_<thing>(user, obj) -> bool`, kept in each area's `permissions.py` next to its models and
used by its views, its workflow relations and the API alike; `get_or_404` turns "not yours" into 404,
so a foreign id looks exactly like a missing one. The one relation every area shares — acting for an
organisation — is here.
"""
from __future__ import annotations

import enum
from functools import wraps
from typing import Callable, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user

from grants.auth.models import MembershipRole, Role
from grants.extensions import db
from grants.locking import load_for_update

T = TypeVar("T")
ACCESS_ATTR = "_pomost_access"
PUBLIC = "public"


class Permission(enum.StrEnum):
    """scope:resource:action"""

    ACCOUNT_SELF_MANAGE = "account:self:manage"
    ORGANISATION_OWN_MANAGE = "organisation:own:manage"
    APPLICATION_OWN_MANAGE = "application:own:manage"
    CALL_ANY_MANAGE = "call:any:manage"
    APPLICATION_ANY_READ = "application:any:read"
    APPLICATION_ASSIGNED_SCORE = "application:assigned:score"
    PAYMENT_ANY_MANAGE = "payment:any:manage"
    PAYMENT_ANY_READ = "payment:any:read"  # the lists of payments across calls: finance, and auditors read-only
    AUDIT_LOG_READ = "audit:log:read"
    AUDIT_LOG_VERIFY = "audit:log:verify"
    CONTROL_ANY_MANAGE = "control:any:manage"
    USER_ANY_MANAGE = "user:any:manage"
    PROGRAMME_SETTINGS_MANAGE = "programme:settings:manage"
    WORKFLOW_DEFINITION_READ = "workflow:definition:read"
    MAIL_OUTBOX_MANAGE = "mail:outbox:manage"


# Every signed-in user may manage their own account, whatever their roles.
BASE_PERMISSIONS = frozenset({Permission.ACCOUNT_SELF_MANAGE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.APPLICANT: frozenset({Permission.ORGANISATION_OWN_MANAGE, Permission.APPLICATION_OWN_MANAGE}),
    Role.PROGRAM_OFFICER: frozenset({
        Permission.CALL_ANY_MANAGE, Permission.APPLICATION_ANY_READ, Permission.WORKFLOW_DEFINITION_READ,
    }),
    Role.EVALUATOR: frozenset({Permission.APPLICATION_ASSIGNED_SCORE}),
    # Finance officers read the applications behind the grants they pay (budget, organisation, history).
    Role.FINANCE_OFFICER: frozenset({Permission.PAYMENT_ANY_MANAGE, Permission.PAYMENT_ANY_READ,
                                     Permission.APPLICATION_ANY_READ, Permission.WORKFLOW_DEFINITION_READ}),
    Role.AUDITOR: frozenset({
        Permission.APPLICATION_ANY_READ, Permission.AUDIT_LOG_READ, Permission.AUDIT_LOG_VERIFY,
        Permission.CONTROL_ANY_MANAGE, Permission.WORKFLOW_DEFINITION_READ, Permission.PAYMENT_ANY_READ,
    }),
    Role.ADMIN: frozenset({
        Permission.USER_ANY_MANAGE, Permission.PROGRAMME_SETTINGS_MANAGE, Permission.AUDIT_LOG_READ,
        Permission.WORKFLOW_DEFINITION_READ, Permission.MAIL_OUTBOX_MANAGE,
    }),
}


def permissions_of(user) -> frozenset[Permission]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    granted = set(BASE_PERMISSIONS)
    for role in user.roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


def has_permission(user, permission: Permission) -> bool:
    return permission in permissions_of(user)


def public(view: Callable) -> Callable:
    """Declare a view open to anyone, signed in or not."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def require(*permissions: Permission) -> Callable[[Callable], Callable]:
    """Declare a view for signed-in users holding all the given permissions (403 otherwise)."""
    if not permissions:
        raise ValueError("require() needs at least one permission; use @public for open views")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            granted = permissions_of(current_user)
            if not all(p in granted for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, tuple(permissions))
        return wrapped

    return decorator


def access_of(view: Callable) -> str | tuple[Permission, ...] | None:
    return getattr(view, ACCESS_ATTR, None)


def get_or_404(model: type[T], object_id, check: Callable[[object, T], bool], *, for_update: bool = False,
               options=()) -> T:
    """Load an object the current user may see, or answer 404 as if it did not exist.

    for_update: lock the row for a transition in this request (SELECT … FOR UPDATE).
    options: loader options for what the page reads next (e.g. joinedload of a parent).
    """
    if for_update:
        obj = load_for_update(model, object_id)
    else:
        obj = db.session.get(model, object_id, options=options)
    if obj is None or not check(current_user, obj):
        abort(404)
    return obj


# --- the relation every area shares ------------------------------------------------------------

def membership_role(user, organisation_id: int) -> MembershipRole | None:
    """The user's role in the organisation (None for none). Read from the user's memberships, which
    the session loads once per request whatever the number of checks."""
    for membership in getattr(user, "memberships", ()):
        if membership.organisation_id == organisation_id:
            return membership.role
    return None


def acts_for(user, organisation_id: int) -> bool:
    """The user may act for the organisation: its owners and editors (viewers only read). This is the
    `member` relation of every workflow whose objects belong to an organisation."""
    return membership_role(user, organisation_id) in (MembershipRole.OWNER, MembershipRole.EDITOR)
