"""Every trigger of the payment workflow through its one route (/payments/<id>/actions/<trigger>): the whole
transition with its effects, or a refusal that leaves nothing behind. Exporting and confirming a payment paid
need their own data (a bank file, the bank's confirmation), so the bare route must refuse them."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import grants.models  # noqa: F401 - every area plugged in
from grants.auth.models import Role
from grants.engine.models import TransitionHistory
from grants.engine.registry import binding_for
from grants.finance.models import Payment
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token
from workflows import WORKFLOWS

WORKFLOW = WORKFLOWS["payment"]
MARKS = {
    "request": lambda payment: payment.prepared_by_id is not None,
    "release": lambda payment: payment.prepared_by_id is not None,
    "export": None,  # only inside a bank file
    "confirm_paid": None,  # only with the day and the bank's reference
}


def test_every_payment_trigger_with_effects_has_its_mark_here():
    assert {t for t in WORKFLOW.triggers if binding_for(Payment).effects_of(t)} == set(MARKS)


@pytest.mark.parametrize("trigger", [t for t in WORKFLOW.triggers if t not in ("release", "hold")])  # timers
def test_the_payment_route_runs_the_whole_transition_or_refuses(client, auth, db, trigger):
    declared = next(t for t in WORKFLOW.transitions if t.trigger == trigger)
    preparer, officer = factories.user(Role.FINANCE_OFFICER), factories.user(Role.FINANCE_OFFICER)
    application = factories.application(factories.call(), status="implementation", awarded_amount=Decimal("1000"))
    payment = Payment(application_id=application.id, kind="lump_sum", amount=Decimal("500"), status=declared.source[0],
                      bank_account="PL61109010140000071219812874", due_at=utcnow() - timedelta(days=1),
                      prepared_by_id=preparer.id)
    factories.db.session.add(payment)
    factories.db.session.commit()
    history = db.session.scalar(select(func.count()).select_from(TransitionHistory))
    auth.login(officer.email)
    page = f"/payments/{payment.id}"
    response = client.post(f"{page}/actions/{trigger}", data={"csrf_token": csrf_token(client, page),
                                                             "version": payment.version, "reason": "Powód"})
    db.session.expire_all()
    payment = db.session.get(Payment, payment.id)
    if response.status_code == 303:
        assert MARKS.get(trigger, "no effects") is not None, f"{trigger} must not go through without its data"
        assert payment.status in {t.dest for t in WORKFLOW.transitions_from(declared.source[0], trigger)}
        assert db.session.scalar(select(func.count()).select_from(TransitionHistory)) == history + 1
        if MARKS.get(trigger):
            assert MARKS[trigger](payment), f"{trigger} went through without its effects"
    else:
        assert 400 <= response.status_code < 500
        assert payment.status == declared.source[0]
        assert db.session.scalar(select(func.count()).select_from(TransitionHistory)) == history
