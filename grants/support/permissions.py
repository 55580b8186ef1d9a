"""Who may see and do what with jobs: the grantee's people read them and register jobs (owners and editors);
staff who read applications read every job; finance starts the financing, program officers and auditors report
a job lost. Anyone else gets 404."""
from __future__ import annotations

from grants.access import Permission, acts_for, has_permission, membership_role


def can_read_jobs(user, application) -> bool:
    return membership_role(user, application.organisation_id) is not None or \
        has_permission(user, Permission.APPLICATION_ANY_READ)


def can_register_jobs(user, application) -> bool:
    return acts_for(user, application.organisation_id)


def can_read_job(user, job) -> bool:
    return can_read_jobs(user, job.application)
