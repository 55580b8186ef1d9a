"""Money that must not move twice, raced in separate processes on PostgreSQL: two finance officers exporting the
approved payments at once, and one bank statement imported twice at once (DESIGN §4: no payment exported or
paid twice; a file only with its payments)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.auth.models import Role, User
from grants.engine.models import TransitionHistory
from grants.extensions import db as _db
from grants.finance import batches, statements
from grants.finance.models import Payment, PaymentBatch, StatementImport
from grants.services.storage import get_storage
from grants.types import utcnow
from tests import factories
from tests.support.processes import attempt, run_processes

pytestmark = pytest.mark.postgres_only

PAYER = {"PAYER_NAME": "OWES Pomost", "PAYER_ACCOUNT": "PL10105000997603123456789123"}
ACCOUNT = "PL61109010140000071219812874"


def _export(sync, actor_id: int, fmt: str) -> dict:
    actor = _db.session.get(User, actor_id)
    sync.together()
    return attempt(batches.export, fmt, actor)


def _import(sync, actor_id: int, data: bytes) -> dict:
    actor = _db.session.get(User, actor_id)
    sync.together()
    return attempt(statements.import_statement, data, "wyciag.sta", actor)


def _payments(db, n: int, status: str) -> list[int]:
    call = factories.call(budget="10000000.00")
    ids = []
    for _ in range(n):
        application = factories.application(call, status="implementation", awarded_amount=Decimal("50000.00"))
        payment = Payment(application_id=application.id, kind="lump_sum", amount=Decimal("1234.56"),
                          bank_account=ACCOUNT, due_at=utcnow() - timedelta(days=1), status=status)
        db.session.add(payment)
        db.session.flush()
        ids.append(payment.id)
    db.session.commit()
    return ids


def test_two_exports_at_once_put_every_payment_in_exactly_one_stored_file(app, db, app_config):
    _payments(db, 20, "approved")
    a, b = factories.user(Role.FINANCE_OFFICER), factories.user(Role.FINANCE_OFFICER)
    db.session.commit()
    results = run_processes({**app_config, **PAYER}, {"a": (_export, (a.id, "elixir")), "b": (_export, (b.id, "sepa"))})
    db.session.expire_all()
    won = [name for name, outcome in results.items() if outcome["outcome"] == "ok"]
    assert won, results
    made = db.session.scalars(select(PaymentBatch)).all()
    assert len(made) == len(won) and sum(batch.count for batch in made) == 20
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.status == "exported",
                                                                          Payment.batch_id.isnot(None))) == 20
    history = db.session.scalar(select(func.count()).select_from(TransitionHistory)
                                .where(TransitionHistory.trigger == "export"))
    assert history == 20  # no payment exported twice
    assert sorted(get_storage().keys("bank-files/")) == sorted(batch.storage_key for batch in made)  # no stray file


def test_a_statement_imported_twice_at_once_pays_each_payment_once(app, db, app_config):
    ids = _payments(db, 3, "exported")
    officer = factories.user(Role.FINANCE_OFFICER)
    db.session.commit()
    lines = "".join(f":61:2612031203D1234,56NTRFNONREF//ELX/{i}\n:86:020~20PMST-{i} dotacja~38{ACCOUNT}\n"
                    for i in ids)
    data = f":20:STMT\n:25:/PL10105000997603123456789123\n:28C:1/1\n:60F:C261201PLN100000,00\n{lines}" \
           f":62F:C261203PLN96296,32\n-".encode()
    results = run_processes(app_config, {"a": (_import, (officer.id, data)), "b": (_import, (officer.id, data))})
    db.session.expire_all()
    assert sorted(outcome["outcome"] for outcome in results.values()) == ["Refusal", "ok"], results
    assert db.session.scalar(select(func.count()).select_from(StatementImport)) == 1
    assert db.session.scalar(select(func.count()).select_from(Payment).where(Payment.status == "paid")) == 3
    assert db.session.scalar(select(func.count()).select_from(TransitionHistory)
                             .where(TransitionHistory.trigger == "confirm_paid")) == 3


def _approve_extension(sync, actor_id: int, extension_id: int) -> dict:
    from grants.engine.core import fire
    from grants.support.models import BridgingExtension

    actor, extension = _db.session.get(User, actor_id), _db.session.get(BridgingExtension, extension_id)
    sync.together()
    return attempt(fire, extension, "approve", actor)


def test_two_extensions_approved_at_once_never_pass_the_calls_budget(app, db, app_config):
    """Each approval adds 24,000 to its grant; the call has 40,000 free, so only one may pass (DESIGN §4.1)."""
    from grants.applications.models import Application
    from grants.finance.models import Agreement
    from grants.support.models import BridgingExtension

    call = factories.call("job_support", budget="100000.00")
    today, extensions = utcnow().date(), []
    for n in range(2):
        application = factories.application(call, status="implementation", awarded_amount=Decimal("30000.00"))
        db.session.add(Agreement(application_id=application.id, number=f"UM/RACE/{n}", award=Decimal("30000.00"),
                                 ranking_award=Decimal("30000.00"), schedule_model="job_grant_and_bridging",
                                 starts_on=today, ends_on=today + timedelta(days=365), bank_account=ACCOUNT,
                                 jobs=["1"], bridging_months=6, bridging_monthly=Decimal("4000.00"),
                                 signed_at=utcnow()))
        extension = BridgingExtension(application_id=application.id, status="requested", requested_months=6,
                                      requested_monthly_amount=Decimal("4000.00"),
                                      basic_monthly_amount=Decimal("4000.00"), justification="Wyścig.")
        db.session.add(extension)
        db.session.flush()
        extensions.append(extension.id)
    officers = [factories.user(Role.PROGRAM_OFFICER) for _ in range(2)]
    db.session.commit()
    results = run_processes(app_config, {f"officer {n}": (_approve_extension, (officers[n].id, extensions[n]))
                                         for n in range(2)})
    db.session.expire_all()
    assert sorted(outcome["outcome"] for outcome in results.values()) == ["Refusal", "ok"], results
    awarded = db.session.scalar(select(func.sum(Application.awarded_amount)).where(Application.call_id == call.id))
    assert awarded == Decimal("84000.00") <= call.budget
    assert sorted(db.session.scalars(select(BridgingExtension.status))) == ["approved", "requested"]
