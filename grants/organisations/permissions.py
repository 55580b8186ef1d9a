"""Who may see and manage an organisation."""
from __future__ import annotations

from grants.access import Permission, has_permission, membership_role
from grants.auth.models import MembershipRole


def can_view_organisation(user, organisation) -> bool:
    if has_permission(user, Permission.APPLICATION_ANY_READ):
        return True
    return membership_role(user, organisation.id) is not None


def can_manage_organisation(user, organisation) -> bool:
    return membership_role(user, organisation.id) == MembershipRole.OWNER
