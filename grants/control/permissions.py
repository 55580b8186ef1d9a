"""Who may see and do what with recovery cases: auditors and finance officers open cases and serve notices,
finance officers record repayments; program officers read them; the grantee's people read their own case
(the notice is addressed to them); anyone else gets 404."""
from __future__ import annotations

from grants.access import Permission, has_permission, membership_role


def can_read_recovery(user, case) -> bool:
    return membership_role(user, case.application.organisation_id) is not None or \
        has_permission(user, Permission.APPLICATION_ANY_READ)


def can_handle_recovery(user, obj) -> bool:
    return has_permission(user, Permission.CONTROL_ANY_MANAGE) or has_permission(user, Permission.PAYMENT_ANY_MANAGE)


def can_record_repayment(user, case) -> bool:
    return has_permission(user, Permission.PAYMENT_ANY_MANAGE)
