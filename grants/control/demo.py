"""Demo data of control and recovery on the demo's reporting call: a control drawn at random, running, with a
finding for the grantee to answer; the tax-arrears interest rate table (demonstration values) and a recovery
case on the call's ended grant — misused money, the notice served, a partial repayment, overdue, with a rate
change inside the period its interest runs over."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import User
from grants.control import controls, recovery
from grants.control.models import Control, RecoveryCase
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.extensions import db
from grants.finance import rates
from grants.finance.models import Payment
from grants.types import utcnow

DEMO_RATES = ((date(2023, 10, 5), "14.50"), (date(2025, 5, 8), "13.50"))


def seed(application: Application | None, auditor: User, finance: User, ended: Application | None = None) -> int:
    """`application` gets the control; `ended` (a grant whose money went out a year ago) the recovery case."""
    if application is None or db.session.scalar(select(RecoveryCase.id).limit(1)) is not None:
        return 0
    ended = ended or application
    today = utcnow().date()
    transferred = db.session.scalar(select(func.min(Payment.paid_on)).where(
        Payment.application_id == ended.id, Payment.status == "paid")) or today - timedelta(days=380)
    if not rates.rows(recovery.RATE_TABLE):
        # The last change four months after the transfer, so that the interest runs over two rates.
        changed = max(transferred + timedelta(days=120), DEMO_RATES[-1][0] + timedelta(days=1))
        for starts_on, value in (*DEMO_RATES, (changed, "12.50")):
            rates.add(recovery.RATE_TABLE, starts_on, Decimal(value), auditor,
                      "Obwieszczenie MF (wartość demonstracyjna – sprawdź przed użyciem)")
    case = recovery.open_case(ended, auditor, Decimal("4500.00"), "art207", "misuse", transferred,
                              "Ekspres do kawy kupiony z dotacji (FV/2025/131) był używany przez członka zarządu "
                              "poza działalnością spółdzielni; ustalenia z kontroli doraźnej.")
    fire(case, "notify", auditor, served_on=today - timedelta(days=30))
    recovery.record_repayment(case, finance, today - timedelta(days=20), Decimal("1000.00"), "PRZELEW/DEMO/1")
    fire(case, "mark_overdue", SYSTEM_ACTOR)
    # A control drawn at random from the call (the first seed from 2026 on that draws this grant), running, with a
    # finding the grantee is to answer.
    population = controls.population(application.call)
    seed = next(s for s in range(2026, 3026) if controls.random_sample(population, 1, s) == [application.id])
    plan = controls.draw(application.call, auditor, "random", 1, seed, today + timedelta(days=7))
    control = db.session.scalar(select(Control).where(Control.plan_id == plan.id))
    fire(control, "start", auditor)
    controls.tick_checklist(control, auditor, ["documents", "accounts"])
    controls.add_finding(control, auditor, "Na laptopie (FV 2025/03/117) brak oznaczenia źródła finansowania.",
                         "Oznaczyć sprzęt naklejką z informacją o dofinansowaniu i przesłać zdjęcie.",
                         utcnow().date() + timedelta(days=14))
    fire(control, "record_findings", auditor)
    return 2
