"""Who may see and manage an organisation."""
from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.sql.elements import ColumnElement

from grants.access import Permission, has_permission, membership_role
from grants.auth.models import Membership, MembershipRole, Organisation


def can_view_organisation(user, organisation) -> bool:
    if has_permission(user, Permission.APPLICATION_ANY_READ):
        return True
    return membership_role(user, organisation.id) is not None


def viewable_organisations(user) -> ColumnElement[bool]:
    """`can_view_organisation` as a condition on Organisation, for lists."""
    if has_permission(user, Permission.APPLICATION_ANY_READ):
        return true()
    return Organisation.id.in_(select(Membership.organisation_id).where(Membership.user_id == user.id))


def can_manage_organisation(user, organisation) -> bool:
    return membership_role(user, organisation.id) == MembershipRole.OWNER
