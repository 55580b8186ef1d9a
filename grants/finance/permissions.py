"""Who may see what of agreements and money.

Program officers prepare agreements; finance officers and auditors read them; the applicant's own people read
their agreement and schedule and upload the signed scan. Evaluators see no money; anyone else gets 404.
Each rule is a function of one object, with its twin as an SQL condition for lists (the API's) where one is needed.
"""
from __future__ import annotations

from sqlalchemy import select, true
from sqlalchemy.sql.elements import ColumnElement

from grants.access import Permission, has_permission, membership_role
from grants.applications.models import Application
from grants.auth.models import Membership

# The application's states in which its agreement page is shown (from the selection on).
SHOWN_FROM = ("selected", "agreement", "implementation", "settlement", "durability", "recovery", "closed", "cancelled")
AGREEMENT_STAFF = (Permission.CALL_ANY_MANAGE, Permission.PAYMENT_ANY_MANAGE, Permission.CONTROL_ANY_MANAGE)


def reads_every_agreement(user) -> bool:
    """Program officers, finance officers and auditors."""
    return any(has_permission(user, permission) for permission in AGREEMENT_STAFF)


def can_read_agreement(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None or reads_every_agreement(user)


def shows_agreement(user, application) -> bool:
    """The agreement page of the application opens for the user (its schedule of payments included)."""
    return application.status in SHOWN_FROM and can_read_agreement(user, application)


def agreement_applications(user) -> ColumnElement[bool]:
    """`shows_agreement` as a condition on Application, for lists."""
    shown = Application.status.in_(SHOWN_FROM)
    if reads_every_agreement(user):
        return shown
    return shown & Application.organisation_id.in_(
        select(Membership.organisation_id).where(Membership.user_id == user.id))


def can_prepare_agreement(user, application) -> bool:
    return has_permission(user, Permission.CALL_ANY_MANAGE)


def is_applicant_side(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None


def can_read_payments(user, payment) -> bool:
    """The payment's own page and its actions: finance officers."""
    return has_permission(user, Permission.PAYMENT_ANY_MANAGE)


def reads_every_payment(user) -> bool:
    """The list of the payments of every call: finance officers, and auditors read-only."""
    return has_permission(user, Permission.PAYMENT_ANY_READ)


def can_view_payment(user, payment) -> bool:
    """A payment as anyone sees it somewhere: finance officers on its page, finance officers and auditors in the
    list of every call's payments, whoever opens the grant's agreement page in its payment schedule (the grantee's
    people, program officers)."""
    return can_read_payments(user, payment) or reads_every_payment(user) or \
        shows_agreement(user, payment.application)


def viewable_payments(user) -> ColumnElement[bool]:
    """`can_view_payment` as a condition on Payment joined with its Application, for lists."""
    return true() if can_read_payments(user, None) or reads_every_payment(user) else agreement_applications(user)
