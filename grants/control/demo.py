"""Demo data of control and recovery on the demo's reporting grant: a control drawn at random, running, with a
finding for the grantee to answer; the tax-arrears interest rate table (demonstration values) and a recovery
case — misused money, the notice served, a partial repayment, overdue, with a rate change inside the period its
interest runs over."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from grants.applications.models import Application
from grants.auth.models import User
from grants.control import controls, recovery
from grants.control.models import Control, RecoveryCase
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.extensions import db
from grants.finance import rates
from grants.types import utcnow

DEMO_RATES = ((date(2023, 10, 5), "14.50"), (date(2025, 5, 8), "13.50"))


def seed(application: Application | None, auditor: User, finance: User) -> int:
    if application is None or db.session.scalar(select(RecoveryCase.id).limit(1)) is not None:
        return 0
    if not rates.rows(recovery.RATE_TABLE):
        for starts_on, value in DEMO_RATES:
            rates.add(recovery.RATE_TABLE, starts_on, Decimal(value), auditor,
                      "Obwieszczenie MF (wartość demonstracyjna – sprawdź przed użyciem)")
    case = recovery.open_case(application, auditor, Decimal("4500.00"), "art207", "misuse", date(2025, 3, 3),
                              "Laptop kupiony z dotacji (FV 2025/03/117) był używany przez członka zarządu poza "
                              "działalnością spółdzielni; kontrola z 20 października 2026.")
    fire(case, "notify", auditor, served_on=date(2026, 11, 10))
    recovery.record_repayment(case, finance, date(2026, 11, 20), Decimal("1000.00"), "PRZELEW/2026/11/20")
    fire(case, "mark_overdue", SYSTEM_ACTOR)
    # A control drawn at random (seed 2026) from the call, running, with a finding the grantee is to answer.
    plan = controls.draw(application.call, auditor, "random", 1, 2026, date(2026, 11, 30))
    control = db.session.scalar(select(Control).where(Control.plan_id == plan.id))
    fire(control, "start", auditor)
    controls.tick_checklist(control, auditor, ["documents", "accounts"])
    controls.add_finding(control, auditor, "Na laptopie (FV 2025/03/117) brak oznaczenia źródła finansowania.",
                         "Oznaczyć sprzęt naklejką z informacją o dofinansowaniu i przesłać zdjęcie.",
                         utcnow().date() + timedelta(days=14))
    fire(control, "record_findings", auditor)
    return 2
