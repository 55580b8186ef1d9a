"""Binds the job, bridging-extension and package-item workflows."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from grants.applications.workflow import is_member
from grants.engine.registry import bind
from grants.support.models import BridgingExtension, Job, PackageItem
from workflows.base import MEMBER


def job_facts(job: Job, now: datetime) -> dict[str, Any]:
    return {"financed_until": job.financed_until, "durability_ends_at": job.durability_ends_at}


def extension_facts(extension: BridgingExtension, now: datetime) -> dict[str, Any]:
    return {
        "requested_months": extension.requested_months,
        "max_extension_months": extension.application.call.parameter("bridging_extended_months") or 0,
        "requested_monthly_amount": extension.requested_monthly_amount,
        "basic_monthly_amount": extension.basic_monthly_amount,
    }


JOB_BINDING = bind(Job, facts=job_facts)
EXTENSION_BINDING = bind(BridgingExtension, facts=extension_facts)
PACKAGE_ITEM_BINDING = bind(
    PackageItem,
    facts=lambda item, now: {},
    relations={MEMBER: lambda user, item: is_member(user, item.application.organisation_id)},
)
