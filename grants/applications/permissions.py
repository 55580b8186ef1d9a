"""Who may do what with an application, for the views, the workflow's relations and the API."""
from __future__ import annotations

from grants.access import Permission, acts_for, has_permission, membership_role


def can_view_application(user, application) -> bool:
    """Staff who read applications, and any member of the applicant organisation."""
    if has_permission(user, Permission.APPLICATION_ANY_READ):
        return True
    return membership_role(user, application.organisation_id) is not None


def can_edit_application(user, application) -> bool:
    """Members who act for the organisation (owners, editors) change its applications."""
    return acts_for(user, application.organisation_id)


def is_staff_view(user) -> bool:
    """Staff see the whole case (checks, history, diffs); applicants see its public side."""
    return has_permission(user, Permission.APPLICATION_ANY_READ)
