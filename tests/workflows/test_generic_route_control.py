"""Every trigger of the control and recovery workflows, fired through their pages' generic action route, either
runs whole (state, history, audit) or is refused and leaves nothing behind; the triggers with forms of their own
(serving a notice, recording a repayment) are refused there."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role
from grants.control.models import Control, RecoveryCase
from grants.engine.models import TransitionHistory
from grants.services.audit import AuditEntry
from tests import factories
from workflows import WORKFLOWS
from workflows.base import SYSTEM

CASES = [("control", trigger) for trigger in WORKFLOWS["control"].triggers] + \
        [("recovery", trigger) for trigger in WORKFLOWS["recovery"].triggers]


def _counts(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(TransitionHistory)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


@pytest.mark.parametrize("workflow, trigger", CASES)
def test_each_trigger_runs_whole_or_leaves_nothing(client, auth, db, workflow, trigger):
    declared = next(t for t in WORKFLOWS[workflow].transitions if t.trigger == trigger)
    role = next((r for r in sorted(declared.who) if r != SYSTEM), "auditor")
    actor = factories.user(Role(role), locale="en")
    application = factories.application(factories.call(), status="durability", awarded_amount=Decimal("50000.00"))
    if workflow == "control":
        obj = Control(application_id=application.id, status=declared.source[0], checklist={}, findings_count=1)
        route = "controls"
    else:
        obj = RecoveryCase(application_id=application.id, status=declared.source[0], principal=Decimal("100.00"),
                           repaid=Decimal("100.00") if declared.source[0] == "repaid" else Decimal(0),
                           legal_basis="art207", interest_kind="misuse", transferred_on=date(2026, 1, 2),
                           interest_from=date(2026, 1, 2))
        route = "recoveries"
    db.session.add(obj)
    db.session.commit()
    status = obj.status
    auth.login(actor.email)
    page = f"/{route}/{obj.id}"
    shown = client.get(page)
    assert shown.status_code == 200, shown.headers.get("Location")  # also with no interest rate in force
    before = _counts(db)
    response = auth.post(f"{page}/actions/{trigger}", {"version": obj.version, "reason": "Powód zmiany."},
                         token_from=page)
    db.session.expire_all()
    after = db.session.get(type(obj), obj.id)
    if after.status != status:
        assert response.status_code == 303 and after.status == declared.dest
        assert _counts(db) == (before[0] + 1, before[1] + 1)
    else:
        assert response.status_code in (400, 403, 409, 422)
        assert _counts(db) == before
