"""The scheduler's reporting work at scale on PostgreSQL: `pomost tick`'s report steps over N running grants
reporting monthly (each agreement started a year ago), against one plain SELECT of the same grants, in one run.

    .venv/bin/python bench/report_tick.py [--grants 100000]

Steps: create the reports due (12 months each, first run), the same again with nothing new (second run), the
reminders, then the whole engine tick (marks the late ones overdue). Prints seconds and × the baseline.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ACCOUNT = "PL61109010140000071219812874"
BATCH = 20_000


def seed(n: int) -> None:
    from sqlalchemy import insert, select

    from grants.applications.models import Application
    from grants.auth import operations as ops
    from grants.auth.models import Organisation, Role
    from grants.calls.models import Call, CallStatus
    from grants.extensions import db
    from grants.finance.models import Agreement
    from grants.reporting import operations
    from grants.types import utcnow

    now = utcnow()
    officer = ops.create_user("officer@bench.example.org", "Officer", "bench password 1",
                              roles=[Role.PROGRAM_OFFICER], confirmed=True)
    organisation = Organisation(name="Spółdzielnia Bench", type="social_cooperative")
    call = Call(call_type="job_support", title="Bench", budget=Decimal("1000000000"), status=CallStatus.PUBLISHED,
                opens_at=now - timedelta(days=500), closes_at=now - timedelta(days=450))
    db.session.add_all([organisation, call])
    db.session.flush()
    for start in range(0, n, BATCH):
        db.session.execute(insert(Application), [
            {"call_id": call.id, "organisation_id": organisation.id, "title": f"Wniosek {i}", "number": f"B/{i:06d}",
             "status": "implementation", "requested_amount": Decimal("90000"), "awarded_amount": Decimal("90000"),
             "answers": {}, "correction_rounds": 0, "correction_items": [], "formal_checklist": {},
             "created_at": now, "version": 1} for i in range(start, min(start + BATCH, n))])
    ids = db.session.scalars(select(Application.id).order_by(Application.id)).all()
    first = (now - timedelta(days=365)).date()
    for start in range(0, n, BATCH):
        db.session.execute(insert(Agreement), [
            {"application_id": a, "number": f"UM/B/{a}", "award": Decimal("90000"), "ranking_award": Decimal("90000"),
             "schedule_model": "advance_and_final", "starts_on": first, "ends_on": first + timedelta(days=729),
             "bank_account": ACCOUNT, "signed_at": now, "created_at": now} for a in ids[start:start + BATCH]])
    form = operations.start_form(call, officer, "owes")
    form.cadence = "monthly"
    operations.publish_form(form, officer, version=None)
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=100_000)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import select

    from grants import create_app
    from grants.applications.models import Application
    from grants.engine.tick import tick
    from grants.extensions import db
    from grants.reporting import operations
    from tests.support.postgres import create_roles, start_postgres

    superuser_url, stop = start_postgres()
    owner_url, url = create_roles(superuser_url)
    instance = tempfile.mkdtemp(prefix="pomost-bench-")
    try:
        app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench",
                          "INSTANCE_PATH": instance, "TESTING": True, "STORAGE_PATH": instance + "/storage"})
        with app.app_context(), app.test_request_context():
            upgrade()
            seed(args.grants)
            rows = []

            def step(name, fn):
                db.session.expire_all()
                started = time.perf_counter()
                result = fn()
                db.session.commit()
                rows.append((name, time.perf_counter() - started, result))

            step("baseline: one SELECT of the grants", lambda: len(db.session.execute(
                select(Application.id, Application.status).where(Application.status == "implementation")).all()))
            step("create the reports due (first run)", operations.create_due)
            step("create the reports due (nothing new)", operations.create_due)
            step("reminders", operations.remind)
            step("engine tick (marks late reports overdue)", lambda: sum(tick().values()))
        baseline = rows[0][1]
        print(f"PostgreSQL, {args.grants:,} grants reporting monthly; seconds (× the baseline), result")
        for name, seconds, result in rows:
            print(f"{name:<44} {seconds:8.2f} s  ×{seconds / baseline:8.1f}  {result}")
    finally:
        stop()


if __name__ == "__main__":
    main()
