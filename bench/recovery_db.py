"""What 10,000 open recovery cases owe on one day, read from PostgreSQL: the cases, their repayments (two each)
and the tax-arrears rate table loaded in three queries, then each case's statement of account (interest split at
each rate change and repayment, rounded to full złoty) — against one plain SELECT of the same cases, in one run.

    .venv/bin/python bench/recovery_db.py [--cases 10000]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BATCH = 20_000


def seed(n: int) -> None:
    from sqlalchemy import insert, select

    from grants.applications.models import Application
    from grants.auth import operations as ops
    from grants.auth.models import Organisation, Role
    from grants.calls.models import Call, CallStatus
    from grants.control import recovery
    from grants.control.models import RecoveryCase, RecoveryRepayment
    from grants.extensions import db
    from grants.finance import rates
    from grants.types import utcnow

    rng, now = random.Random(2026), utcnow()
    auditor = ops.create_user("auditor@bench.example.org", "Auditor", "bench password 1", roles=[Role.AUDITOR],
                              confirmed=True)
    for day, value in ((date(2023, 10, 5), "14.50"), (date(2025, 5, 8), "13.50"), (date(2025, 11, 6), "12.50")):
        rates.add(recovery.RATE_TABLE, day, Decimal(value), auditor, "bench")
    organisation = Organisation(name="Spółdzielnia Bench", type="social_cooperative")
    call = Call(call_type="restructuring_grant", title="Bench", budget=Decimal("1000000000"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=900), closes_at=now - timedelta(days=870))
    db.session.add_all([organisation, call])
    db.session.flush()
    db.session.execute(insert(Application), [
        {"call_id": call.id, "organisation_id": organisation.id, "title": f"Wniosek {i}", "number": f"Z/{i:06d}",
         "status": "recovery", "requested_amount": Decimal("90000"), "awarded_amount": Decimal("90000"),
         "answers": {}, "correction_rounds": 0, "correction_items": [], "formal_checklist": {}, "created_at": now,
         "version": 1} for i in range(n)])
    ids = db.session.scalars(select(Application.id).order_by(Application.id)).all()
    rows = []
    for a in ids:
        transferred = date(2024, 1, 1) + timedelta(rng.randrange(0, 600))
        rows.append({"application_id": a, "status": "overdue", "principal": Decimal(rng.randrange(100, 90_000)),
                     "repaid": Decimal(0), "legal_basis": "art207", "interest_kind": "misuse",
                     "transferred_on": transferred, "interest_from": transferred, "served_on": transferred,
                     "due_on": transferred + timedelta(days=14), "facts": "bench", "created_at": now, "version": 1})
    db.session.execute(insert(RecoveryCase), rows)
    cases = db.session.execute(select(RecoveryCase.id, RecoveryCase.transferred_on)).all()
    db.session.execute(insert(RecoveryRepayment), [
        {"case_id": case_id, "paid_on": start + timedelta(days=30 * k + rng.randrange(1, 30)),
         "amount": Decimal(rng.randrange(10, 500)), "recorded_at": now}
        for case_id, start in cases for k in (1, 2)])
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import select

    from grants import create_app
    from grants.control import recovery
    from grants.control.models import RecoveryCase
    from grants.extensions import db
    from grants.types import utcnow
    from tests.support.postgres import create_roles, start_postgres

    superuser_url, stop = start_postgres()
    owner_url, url = create_roles(superuser_url)
    instance = tempfile.mkdtemp(prefix="pomost-bench-")
    try:
        app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench",
                          "INSTANCE_PATH": instance, "TESTING": True, "STORAGE_PATH": instance + "/storage"})
        with app.app_context(), app.test_request_context():
            upgrade()
            seed(args.cases)
            db.session.expire_all()
            started = time.perf_counter()
            plain = db.session.execute(select(RecoveryCase.id, RecoveryCase.principal)).all()
            baseline = time.perf_counter() - started
            db.session.expire_all()
            today = recovery.local_today(utcnow())
            started = time.perf_counter()
            owed = sum(recovery.owed_on(today).values())
            took = time.perf_counter() - started
        print(f"PostgreSQL, {len(plain):,} open recovery cases with 2 repayments each, 3 rates")
        print(f"baseline: one SELECT of the cases       {baseline:7.3f} s")
        print(f"loaded and owed on {today} (3 queries) {took:7.3f} s  ×{took / baseline:6.1f}  Σ {owed:,.2f} PLN")
    finally:
        stop()


if __name__ == "__main__":
    main()
