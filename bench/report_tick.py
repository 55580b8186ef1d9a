"""The scheduler's reporting and job work at scale on PostgreSQL: `pomost tick` over N running grants reporting
monthly, against one plain SELECT of the same grants, in one run.

    .venv/bin/python bench/report_tick.py [--grants 100000]            # a year's backlog at once
    .venv/bin/python bench/report_tick.py --grants 100000 --daily      # a day's run, 2 jobs a grant

Backlog (default): every agreement started a year ago; create the reports due (12 months each), the same again
with nothing new, the reminders, then the whole engine tick (marks the late ones overdue).
Daily (--daily): agreements started on each day of the past year and two jobs a grant (financed, their periods
following from the start); everything up to the day before is brought up to date while seeding, then the two
busiest days of a month are timed, each with a second run with nothing due: the 1st (every grant's report for
the month begins) and the 16th (every report of the month before that nobody submitted becomes overdue, as none
is submitted here). Each day's `tick`: create, remind, the engine's timers (reports overdue, jobs into
durability), the job duties. Prints seconds and × the baseline.
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


def seed(n: int, daily: bool = False) -> None:
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

    def starts(a: int):
        return first + timedelta(days=a % 365) if daily else first

    for start in range(0, n, BATCH):
        db.session.execute(insert(Agreement), [
            {"application_id": a, "number": f"UM/B/{a}", "award": Decimal("90000"), "ranking_award": Decimal("90000"),
             "schedule_model": "advance_and_final", "starts_on": starts(a), "ends_on": starts(a) + timedelta(days=729),
             "bank_account": ACCOUNT, "signed_at": now, "created_at": now} for a in ids[start:start + BATCH]])
    if daily:
        _jobs(ids, starts, now)
    form = operations.start_form(call, officer, "owes")
    form.cadence = "monthly"
    operations.publish_form(form, officer, version=None)
    db.session.commit()


def _jobs(ids: list[int], starts, now) -> None:
    """Two financed jobs a grant, each financed 12 months from the agreement's start, then 6 of durability."""
    from datetime import datetime, timezone

    from sqlalchemy import insert

    from grants.extensions import db
    from grants.finance.agreements import months_after
    from grants.support.models import Job

    def moment(day):
        return datetime.combine(day, datetime.min.time(), timezone.utc)

    rows = []
    for a in ids:
        day = starts(a)
        financed = months_after(day, 12)
        status = "financed" if moment(financed) > now - timedelta(days=1) else "durability"
        rows += [{"application_id": a, "status": status, "fte": Decimal("1"), "starts_on": day,
                  "financed_until": moment(financed), "durability_ends_at": moment(months_after(financed, 6)),
                  "person_name": f"Osoba {a}-{k}", "pesel": None, "disability": False, "created_at": now, "version": 1}
                 for k in (1, 2)]
        if len(rows) >= BATCH:
            db.session.execute(insert(Job), rows)
            rows = []
    if rows:
        db.session.execute(insert(Job), rows)


def _up_to_yesterday(now) -> None:
    """Seeding only: the reports due until the day before, those past their deadline marked overdue in one
    UPDATE, the reminders taken as sent."""
    from sqlalchemy import update

    from grants.extensions import db
    from grants.reporting import operations
    from grants.reporting.models import Report

    yesterday = now - timedelta(days=1)
    operations.create_due(yesterday)
    db.session.execute(update(Report).where(Report.due_at < yesterday).values(status="overdue"))
    db.session.execute(update(Report).where(Report.status == "due").values(reminded_before_at=yesterday))
    db.session.commit()


def _busy_days(now):
    """Noon of the next 1st and of the 16th after it."""
    first = now.replace(day=1, hour=12, minute=0, second=0, microsecond=0) + timedelta(days=32)
    first = first.replace(day=1)
    return [first, first.replace(day=16)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=100_000)
    parser.add_argument("--daily", action="store_true", help="one day's run over a year of spread agreements")
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import select

    from grants import create_app
    from grants.applications.models import Application
    from grants.engine.tick import tick
    from grants.extensions import db
    from grants.reporting import operations
    from grants.support import jobs
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
            seed(args.grants, args.daily)
            days = _busy_days(utcnow()) if args.daily else []
            if args.daily:
                _up_to_yesterday(days[0])
            rows = []

            def step(name, fn):
                db.session.expire_all()
                started = time.perf_counter()
                result = fn()
                db.session.commit()
                rows.append((name, time.perf_counter() - started, result))

            step("baseline: one SELECT of the grants", lambda: len(db.session.execute(
                select(Application.id, Application.status).where(Application.status == "implementation")).all()))
            for day in days:
                for run in ("run", "again"):
                    label = f"{day:%d %b} {run}:"
                    step(f"{label} create the reports due", lambda: operations.create_due(day))
                    step(f"{label} reminders", lambda: operations.remind(day))
                    step(f"{label} engine tick", lambda: dict(tick(day)))
                    step(f"{label} job duties", lambda: {k: v for k, v in jobs.duties(day).items() if v})
            if not args.daily:
                step("create the reports due (first run)", operations.create_due)
                step("create the reports due (nothing new)", operations.create_due)
                step("reminders", operations.remind)
                step("engine tick (marks late reports overdue)", lambda: sum(tick().values()))
        baseline = rows[0][1]
        jobs_said = f" and {2 * args.grants:,} jobs, agreements spread over a year (the busiest days)" \
            if args.daily else ", a year's backlog at once"
        print(f"PostgreSQL, {args.grants:,} grants reporting monthly{jobs_said}; seconds (× the baseline), result")
        for name, seconds, result in rows:
            print(f"{name:<44} {seconds:8.2f} s  ×{seconds / baseline:8.1f}  {result}")
    finally:
        stop()


if __name__ == "__main__":
    main()
