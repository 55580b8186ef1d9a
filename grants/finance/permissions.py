"""Who may see what of agreements and money.

Program officers prepare agreements; finance officers and auditors read them; the applicant's own people read
their agreement and schedule and upload the signed scan. Evaluators see no money; anyone else gets 404.
"""
from __future__ import annotations

from grants.access import Permission, has_permission, membership_role


def can_read_agreement(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None or \
        has_permission(user, Permission.CALL_ANY_MANAGE) or has_permission(user, Permission.PAYMENT_ANY_MANAGE) or \
        has_permission(user, Permission.CONTROL_ANY_MANAGE)


def can_prepare_agreement(user, application) -> bool:
    return has_permission(user, Permission.CALL_ANY_MANAGE)


def is_applicant_side(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None


def can_read_payments(user, payment) -> bool:
    return has_permission(user, Permission.PAYMENT_ANY_MANAGE)
