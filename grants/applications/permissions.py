"""Who may do what with an application, for the views, the workflow's relations and the API."""
from __future__ import annotations

from sqlalchemy import true

from grants.access import Permission, acts_for, has_permission, membership_role
from grants.applications.models import Application
from grants.auth.models import Programme


def staff_read_drafts() -> bool:
    """The programme's rule: by default a draft is the applicant's own until it is submitted."""
    return Programme.for_request().staff_read_drafts


def can_view_application(user, application) -> bool:
    """Members of the applicant organisation; staff who read applications, once submitted (or, where
    the programme allows it, already in draft)."""
    if membership_role(user, application.organisation_id) is not None:
        return True
    if not has_permission(user, Permission.APPLICATION_ANY_READ):
        return False
    return application.status != "draft" or staff_read_drafts()


def visible_to_staff():
    """The condition that keeps drafts out of staff lists and counts unless the programme allows them."""
    return true() if staff_read_drafts() else Application.status != "draft"


def can_edit_application(user, application) -> bool:
    """Members who act for the organisation (owners, editors) change its applications."""
    return acts_for(user, application.organisation_id)


def is_staff_view(user) -> bool:
    """Staff see the whole case (checks, history, diffs); applicants see its public side."""
    return has_permission(user, Permission.APPLICATION_ANY_READ)
