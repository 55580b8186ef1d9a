"""Who may manage calls, and the one way a view loads a call."""
from __future__ import annotations

from grants.access import Permission, get_or_404, has_permission
from grants.calls.models import Call


def can_manage_call(user, call) -> bool:
    """Program officers manage every call, drafts included."""
    return has_permission(user, Permission.CALL_ANY_MANAGE)


def can_view_call(user, call) -> bool:
    """Anyone sees a published call; officers see drafts too."""
    return call.status != "draft" or can_manage_call(user, call)


def can_read_applications_of(user, call) -> bool:
    """Staff who read applications see every call's applications (drafts of calls included)."""
    return has_permission(user, Permission.APPLICATION_ANY_READ)


def get_call_or_404(call_id: int, check=can_view_call, *, for_update: bool = False) -> Call:
    """The call, if the current user may see it (404 otherwise); for_update locks its row."""
    return get_or_404(Call, call_id, check, for_update=for_update)
