"""Binds the control and recovery workflows, and tells the application workflow about its controls."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

import grants.applications.workflow  # noqa: F401 - Application is bound before this area plugs into it
from grants.applications.models import Application
from grants.applications.queries import counts_by_call
from grants.control import controls, recovery
from grants.control.models import Control, RecoveryCase
from grants.engine.registry import bind, plug
from grants.extensions import db
from workflows.base import Context


def _statuses(model, application: Application) -> list[str]:
    return list(db.session.scalars(select(model.status).where(model.application_id == application.id)))


def _recovery_settled(application: Application) -> bool:
    found = _statuses(RecoveryCase, application)
    return bool(found) and all(status == "closed" for status in found)


CONTROL_BINDING = bind(Control, counts=lambda: counts_by_call(Control))
RECOVERY_BINDING = bind(RecoveryCase, counts=lambda: counts_by_call(RecoveryCase))
def _cancelled(control: Control, actor, ctx: Context, from_state: str) -> None:
    control.cancelled_at = ctx.now
    controls.tell_grantee(control, "control_cancelled", _l("%(number)s: the planned control is called off",
                                                          number=control.application.number), reason=ctx.reason)


CONTROL_PLUG = plug(Control, facts={
    "findings_count": lambda control, now: control.findings_count,
    "recommendations_waiting": controls.waiting,
}, effects={
    "cancel": _cancelled,
    "record_findings": lambda control, actor, ctx, from_state: controls.tell_grantee(
        control, "control_findings", _l("%(number)s: the control's findings and recommendations",
                                        number=control.application.number)),
    "close": lambda control, actor, ctx, from_state: controls.tell_grantee(
        control, "control_closed", _l("%(number)s: the control is closed", number=control.application.number)),
})
# What is owed today with interest from the dated table; serving the notice sets the due date.
RECOVERY_PLUG = plug(RecoveryCase, facts={
    "outstanding": recovery.outstanding,
    "due_at": lambda case, now: case.due_at,
}, effects={"notify": recovery.served})
APPLICATION_PLUG = plug(Application, facts={
    "control_required": lambda application, now: bool(application.call.parameter("control_required")),
    "control_closed": lambda application, now: bool(db.session.scalar(select(Control.id).where(
        Control.application_id == application.id, Control.status == "closed", Control.cancelled_at.is_(None))
        .limit(1))),
    "recovery_settled": lambda application, now: _recovery_settled(application),
})
