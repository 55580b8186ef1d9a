"""Binds the job, bridging-extension and package-item workflows."""
from __future__ import annotations

from grants.access import acts_for
from grants.applications.queries import counts_by_call
from grants.engine.registry import bind, plug
from grants.support import jobs
from grants.support.models import BridgingExtension, Job, PackageItem
from workflows.base import MEMBER

JOB_BINDING = bind(Job, counts=lambda: counts_by_call(Job))
EXTENSION_BINDING = bind(BridgingExtension, counts=lambda: counts_by_call(BridgingExtension))
PACKAGE_ITEM_BINDING = bind(PackageItem, counts=lambda: counts_by_call(PackageItem))

JOB_PLUG = plug(Job, facts={
    "financed_until": lambda job, now: job.financed_until,
    "durability_ends_at": lambda job, now: job.durability_ends_at,
}, relations={MEMBER: lambda user, job: acts_for(user, job.application.organisation_id)},
    effects={"finance": jobs.financed, "report_loss": jobs.lost})
EXTENSION_PLUG = plug(BridgingExtension, facts={
    "requested_months": lambda extension, now: extension.requested_months,
    "max_extension_months": lambda extension, now:
        extension.application.call.parameter("bridging_extended_months") or 0,
    "requested_monthly_amount": lambda extension, now: extension.requested_monthly_amount,
    "basic_monthly_amount": lambda extension, now: extension.basic_monthly_amount,
})
PACKAGE_ITEM_PLUG = plug(PackageItem, relations={
    MEMBER: lambda user, item: acts_for(user, item.application.organisation_id)})
