"""Binds the control and recovery workflows, and tells the application workflow about its controls."""
from __future__ import annotations

from sqlalchemy import select

import grants.applications.workflow  # noqa: F401 - Application is bound before this area plugs into it
from grants.applications.models import Application
from grants.applications.queries import counts_by_call
from grants.control.models import Control, RecoveryCase
from grants.engine.registry import bind, plug
from grants.extensions import db


def _statuses(model, application: Application) -> list[str]:
    return list(db.session.scalars(select(model.status).where(model.application_id == application.id)))


def _recovery_settled(application: Application) -> bool:
    found = _statuses(RecoveryCase, application)
    return bool(found) and all(status == "closed" for status in found)


CONTROL_BINDING = bind(Control, counts=lambda: counts_by_call(Control))
RECOVERY_BINDING = bind(RecoveryCase, counts=lambda: counts_by_call(RecoveryCase))
CONTROL_PLUG = plug(Control, facts={"findings_count": lambda control, now: control.findings_count})
# Interest from the dated rate table is added by the recovery area; principal alone until then.
RECOVERY_PLUG = plug(RecoveryCase, facts={
    "outstanding": lambda case, now: case.principal - case.repaid,
    "due_at": lambda case, now: case.due_at,
})
APPLICATION_PLUG = plug(Application, facts={
    "control_required": lambda application, now: bool(application.call.parameter("control_required")),
    "control_closed": lambda application, now: "closed" in _statuses(Control, application),
    "recovery_settled": lambda application, now: _recovery_settled(application),
})
