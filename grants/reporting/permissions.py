"""Who may see and do what with reports.

The grantee's people read and write their organisation's reports; staff who read applications (program and
finance officers, auditors) read every report; program officers set up the forms and decide reports. Anyone
else, an evaluator included, gets 404.
"""
from __future__ import annotations

from grants.access import Permission, acts_for, has_permission, membership_role


def is_grantee(user, report) -> bool:
    """Owners and editors of the grantee write its reports; a viewer reads them."""
    return acts_for(user, report.application.organisation_id)


def is_member(user, report) -> bool:
    return membership_role(user, report.application.organisation_id) is not None


def can_read_report(user, report) -> bool:
    return is_member(user, report) or has_permission(user, Permission.APPLICATION_ANY_READ)


def can_decide_report(user, report) -> bool:
    return has_permission(user, Permission.CALL_ANY_MANAGE)


def can_read_grant_reports(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None or \
        has_permission(user, Permission.APPLICATION_ANY_READ)
