"""Bank files and statements at scale on PostgreSQL: exporting 10,000 approved payments (Elixir-O, then SEPA) and
importing a statement of 10,000 lines, against reading the same payments with one plain SELECT, in one run.

    .venv/bin/python bench/bank_files.py [--payments 10000]

Prints seconds and the process's resident-memory growth per step. Targets (issue 12): each step under 5 s and
under 100 MB of growth.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ACCOUNT = "PL61109010140000071219812874"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(n: int):
    from sqlalchemy import insert, select

    from grants.applications.models import Application
    from grants.auth import operations as ops
    from grants.auth.models import Organisation, Role
    from grants.calls.models import Call, CallStatus
    from grants.extensions import db
    from grants.finance.models import Payment
    from grants.types import utcnow

    now = utcnow()
    officer = ops.create_user("finance@bench.example.org", "Finance", "bench password 1",
                              roles=[Role.FINANCE_OFFICER], confirmed=True)
    organisation = Organisation(name="Spółdzielnia Bench", type="social_cooperative")
    call = Call(call_type="restructuring_grant", title="Bench", budget=Decimal("1000000000"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=30))
    db.session.add_all([organisation, call])
    db.session.flush()
    db.session.execute(insert(Application), [
        {"call_id": call.id, "organisation_id": organisation.id, "title": f"Wniosek {i}", "number": f"B/{i:05d}",
         "status": "implementation", "requested_amount": Decimal("90000"), "awarded_amount": Decimal("90000"),
         "answers": {}, "correction_rounds": 0, "correction_items": [], "formal_checklist": {}, "created_at": now,
         "version": 1} for i in range(n)])
    ids = db.session.scalars(select(Application.id).order_by(Application.id)).all()
    db.session.execute(insert(Payment), [
        {"application_id": a, "kind": "lump_sum", "amount": Decimal("1234.56"), "currency": "PLN",
         "bank_account": ACCOUNT, "status": "approved", "due_at": now, "created_at": now, "version": 1}
        for a in ids])
    db.session.commit()
    return officer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=10_000)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import select, update

    from grants import create_app
    from grants.extensions import db
    from grants.finance import batches, statements
    from grants.finance.models import Payment
    from tests.support.postgres import create_roles, start_postgres

    superuser_url, stop = start_postgres()
    owner_url, url = create_roles(superuser_url)
    instance = tempfile.mkdtemp(prefix="pomost-bench-")
    try:
        app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench",
                          "INSTANCE_PATH": instance, "TESTING": True, "STORAGE_PATH": instance + "/storage",
                          "PAYER_NAME": "OWES Bench", "PAYER_ACCOUNT": "PL10105000997603123456789123"})
        with app.app_context(), app.test_request_context():
            upgrade()
            officer = seed(args.payments)
            rows = []

            def step(name, fn):
                db.session.expire_all()
                before, started = rss_mb(), time.perf_counter()
                result = fn()
                db.session.commit()
                rows.append((name, time.perf_counter() - started, rss_mb() - before))
                return result

            step("baseline: one SELECT of the payments", lambda: db.session.execute(
                select(Payment.id, Payment.amount, Payment.bank_account).where(Payment.status == "approved")).all())
            step("export Elixir-O", lambda: batches.export("elixir", officer))
            db.session.execute(update(Payment).values(status="approved", batch_id=None))
            db.session.commit()
            step("export SEPA", lambda: batches.export("sepa", officer))
            ids = db.session.scalars(select(Payment.id).order_by(Payment.id)).all()
            lines = "".join(f":61:2612031203D1234,56NTRFNONREF//ELX/{i}\n:86:020~20PMST-{i} dotacja~38{ACCOUNT}\n"
                            for i in ids)
            statement = (":20:STMT\n:25:/PL10105000997603123456789123\n:28C:1/1\n:60F:C261201PLN1,00\n"
                         f"{lines}:62F:C261203PLN1,00\n-").encode()
            step(f"import a statement of {len(ids):,} lines",
                 lambda: statements.import_statement(statement, "bench.sta", officer))
        baseline = rows[0][1]
        print(f"PostgreSQL, {args.payments:,} payments; seconds (× the baseline), resident memory growth")
        for name, seconds, grown in rows:
            print(f"{name:<40} {seconds:8.2f} s  ×{seconds / baseline:7.1f}  +{grown:6.1f} MB")
    finally:
        stop()


if __name__ == "__main__":
    main()
