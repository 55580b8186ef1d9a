"""Load on loopback over a whole programme's data: the staff's list of every call's applications, the public
registry's search, the programme dashboard and the JSON API's list endpoints, against the officer's list page of
one call, a bare one-row read and the signed-in JSON reference, served by gunicorn (2 workers) on PostgreSQL.

    .venv/bin/python bench/programme_load.py [--applications 100000] [--calls 20] [--rounds 3] [--seconds 5]

Data, inserted in bulk: the applications spread over the calls and two years, one organisation each (all of
them published in the registry, with products, services, a town and a voivodeship), an agreement for every
second application (50,000) with ten payments each (500,000), the history of each decision, repayments.
Targets (issue 14): p99 < 100 ms and req/s within 0.8 × the officer's list page for the cross-call list, the
registry search and the dashboard; the API's lists within 0.8 × the signed-in JSON reference.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.pages_load import BASELINE, PASSWORD, check, gunicorn, login, server_env, wrk  # noqa: E402

LIST_PAGE = "officer: one call's list page"
JSON_REFERENCE = "reference: signed in, JSON"
BATCH = 5000
TOWNS = ("Legnica", "Łódź", "Kraków", "Gdańsk", "Lublin", "Poznań", "Opole", "Kielce", "Toruń", "Białystok")
VOIVODESHIPS = ("dolnoslaskie", "lodzkie", "malopolskie", "pomorskie", "lubelskie", "wielkopolskie", "opolskie",
                "swietokrzyskie", "kujawsko-pomorskie", "podlaskie")
STATES = ("submitted", "merit_review", "rejected", "reserve", "implementation", "implementation", "settlement",
          "durability", "closed", "formally_rejected")
PAYMENT_STATES = ("paid", "paid", "paid", "paid", "paid", "planned", "planned", "on_hold", "requested", "approved")


def _insert(table, rows) -> None:
    from sqlalchemy import insert

    from grants.extensions import db

    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(table), rows[start:start + BATCH])


def seed(url: str, owner_url: str, applications: int, calls: int, instance: str) -> dict:
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select

    from grants import create_app
    from grants.api import tokens
    from grants.applications import counts
    from grants.applications.models import Application
    from grants.auth import operations as ops
    from grants.auth.models import Organisation, Role
    from grants.calls.models import Call, CallStatus
    from grants.control.models import RecoveryCase, RecoveryRepayment
    from grants.engine.models import TransitionHistory
    from grants.extensions import db
    from grants.finance.models import Agreement, Payment
    from grants.registry.models import RegistryEntry

    app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": instance, "TESTING": True})
    with app.app_context():
        upgrade()
        officer = ops.create_user("officer@bench.example.org", "Officer", PASSWORD, roles=[Role.PROGRAM_OFFICER],
                                  confirmed=True)
        start = datetime(2025, 1, 1, 9, tzinfo=timezone.utc)
        call_rows = [Call(call_type=("restructuring_grant", "job_support", "development_package")[n % 3],
                          title=f"Nabór {n + 1}", budget=Decimal("50000000"), status=CallStatus.PUBLISHED,
                          opens_at=start, closes_at=start + timedelta(days=60), form=[], criteria=[])
                     for n in range(calls)]
        db.session.add_all(call_rows)
        db.session.flush()
        _insert(Organisation, [{"name": f"Spółdzielnia Socjalna nr {i}", "type": "social_cooperative",
                                "founded_on": date(2005 + i % 20, 1 + i % 12, 1), "created_at": start}
                               for i in range(applications)])
        organisations = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
        _insert(RegistryEntry, [{"organisation_id": o, "published": True, "published_at": start,
                                 "name": f"Spółdzielnia Socjalna nr {i}", "products": "Pieczywo, ciasta, catering",
                                 "services": f"Sprzątanie biur i usługi opiekuńcze {i % 97}",
                                 "town": TOWNS[i % len(TOWNS)], "voivodeship": VOIVODESHIPS[i % len(VOIVODESHIPS)],
                                 "industry": "catering", "se_status": ("ps", "pes", "none")[i % 3]}
                                for i, o in enumerate(organisations)])
        rows = []
        for i, organisation in enumerate(organisations):
            submitted = start + timedelta(days=(i * 7) % 700, minutes=i % 600)
            state = STATES[i % len(STATES)]
            awarded = Decimal("90000") if state in ("implementation", "settlement", "durability", "closed") else None
            rows.append({"call_id": call_rows[i % calls].id, "organisation_id": organisation,
                         "number": f"B/{i:06d}", "title": f"Zmiana profilu działalności {i}", "status": state,
                         "requested_amount": Decimal("90000") + i % 1000, "awarded_amount": awarded,
                         "answers": {}, "submitted_at": submitted, "correction_items": [], "formal_checklist": {},
                         "created_at": submitted, "version": 3})
        _insert(Application, rows)
        grants = db.session.execute(select(Application.id, Application.submitted_at, Application.status)
                                    .order_by(Application.id)).all()
        decided = [g for g in grants if g.status not in ("submitted", "merit_review")]
        _insert(TransitionHistory, [{"workflow": "application", "object_type": "application", "object_id": g.id,
                                     "from_state": "scored", "to_state": "rejected" if g.status in (
                                         "rejected", "formally_rejected") else "selected", "trigger": "publish",
                                     "at": g.submitted_at + timedelta(days=40 + g.id % 30), "data": {}}
                                    for g in decided])
        awarded = [g for g in grants if g.status in ("implementation", "settlement", "durability", "closed")]
        awarded += [g for g in grants if g.status == "reserve"][: max(applications // 2 - len(awarded), 0)]
        _insert(Agreement, [{"application_id": g.id, "number": f"UM/B/{g.id}", "award": Decimal("90000"),
                             "ranking_award": Decimal("90000"), "schedule_model": "monthly",
                             "starts_on": (g.submitted_at + timedelta(days=60)).date(),
                             "ends_on": (g.submitted_at + timedelta(days=425)).date(),
                             "bank_account": "PL61109010140000071219812874",
                             "signed_at": g.submitted_at + timedelta(days=55), "rates": {}}
                            for g in awarded])
        _insert(Payment, [{"application_id": g.id, "kind": "bridging", "period": m + 1, "amount": Decimal("9000.00"),
                           "currency": "PLN", "status": PAYMENT_STATES[(g.id + m) % 10],
                           "due_at": g.submitted_at + timedelta(days=60 + 30 * m),
                           "paid_on": (g.submitted_at + timedelta(days=62 + 30 * m)).date()
                           if PAYMENT_STATES[(g.id + m) % 10] == "paid" else None, "version": 1}
                          for g in awarded for m in range(10)])
        for g in awarded[:500]:
            case = RecoveryCase(application_id=g.id, principal=Decimal("5000"), status="notified")
            db.session.add(case)
            db.session.flush()
            db.session.add(RecoveryRepayment(case_id=case.id, paid_on=(g.submitted_at + timedelta(days=300)).date(),
                                             amount=Decimal("1000")))
        _token, secret = tokens.create(officer, "bench", False, 30)
        db.session.commit()
        counts.compact()
        seeded = {"officer": officer.email, "token": secret, "call_id": call_rows[0].id,
                  "agreements": len(awarded), "payments": len(awarded) * 10}
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    owner.dispose()
    return seeded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    from tests.support.postgres import create_roles, start_postgres

    superuser_url, stop_db = start_postgres()
    owner_url, url = create_roles(superuser_url)
    instance = tempfile.mkdtemp(prefix="pomost-bench-")
    try:
        started = time.perf_counter()
        ids = seed(url, owner_url, args.applications, args.calls, instance)
        print(f"seeded {args.applications:,} applications in {args.calls} calls, {ids['agreements']:,} agreements, "
              f"{ids['payments']:,} payments in {time.perf_counter() - started:.0f} s")
        env = server_env(url, instance, POMOST_API_RATE_LIMIT="100000000")
        with gunicorn(env, 2) as (base, _server):
            officer = login(base, ids["officer"])
            bearer = f"Bearer {ids['token']}"
            targets = [
                (BASELINE, f"{base}/_bench/row", None, None),
                (LIST_PAGE, f"{base}/manage/calls/{ids['call_id']}/applications/", officer, None),
                (JSON_REFERENCE, f"{base}/_bench/signed-in", officer, None),
                ("cross-call list", f"{base}/applications/all/", officer, None),
                ("cross-call list, filtered", f"{base}/applications/all/?state=implementation&sort=amount",
                 officer, None),
                ("registry search", f"{base}/registry/?q=spoldzielnia+catering", None, None),
                ("registry, a voivodeship", f"{base}/registry/?voivodeship=pomorskie", None, None),
                ("programme dashboard", f"{base}/dashboards/", officer, None),
                ("API: applications", f"{base}/api/v1/applications?limit=50", None, bearer),
                ("API: calls", f"{base}/api/v1/calls", None, bearer),
            ]
            for name, target, cookie, token in targets:
                check(name, target, cookie, token)
            for _name, target, cookie, token in targets:
                wrk(target, cookie, 2, args.connections, token)
            rounds = [{name: wrk(target, cookie, args.seconds, args.connections, token)
                       for name, target, cookie, token in targets} for _ in range(args.rounds)]
        print(f"gunicorn 2 workers, PostgreSQL, wrk 2 threads {args.connections} connections, {args.rounds} rounds of "
              f"{args.seconds} s per endpoint; medians over the rounds, p99 the worst round's")
        for name, *_rest in targets:
            runs = [r[name] for r in rounds]
            reference = JSON_REFERENCE if name.startswith("API") else LIST_PAGE
            ratio = statistics.median(r[name]["rps"] / r[reference]["rps"] for r in rounds)
            print(f"{name:<28} {statistics.median(r['rps'] for r in runs):8.1f} req/s  "
                  f"p50 {statistics.median(r['p50'] for r in runs):7.2f} ms  p99 {max(r['p99'] for r in runs):7.2f} ms"
                  f"  × {reference.split(':')[0] if ':' in reference else reference} {ratio:.2f}  "
                  f"non-2xx {sum(r['errors'] for r in runs)}")
    finally:
        stop_db()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
