"""Ranking a call of 100,000 scored applications with 2–3 scorecards each on PostgreSQL: compute + store, against
a baseline measured in the same run (reading the same rows with one plain SELECT each, the least any ranking
must do), and the parts of the work (reading, ranking in Python, writing the list, the inputs' JSON).

    .venv/bin/python bench/ranking.py [--applications 100000] [--rounds 3] [--url postgresql+psycopg://…]

Without --url a throwaway PostgreSQL cluster is started (as in the tests). Prints seconds per step (best of
the rounds) and the whole compute + store as a ratio of the baseline. Target (issue 11): compute + store < 2 s.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CRITERIA = [{"id": key, "name": {"pl": key, "en": key}, "max_points": points, "weight": weight, "section_min": None}
            for key, points, weight in (("need", 20, "1"), ("plan", 30, "1.5"), ("team", 20, "1"),
                                        ("budget", 20, "1"), ("impact", 30, "2"), ("risk", 10, "0.5"))]


def seed(n: int) -> int:
    """A closed call with n scored applications, each with two scorecards (a tenth with a discrepancy and a
    third); inserted set-wise. Returns the call's id."""
    from sqlalchemy import insert

    from grants.applications.models import Application
    from grants.auth import operations as ops
    from grants.auth.models import Organisation, Role
    from grants.calls.models import Call, CallStatus
    from grants.evaluation.models import Scorecard
    from grants.extensions import db
    from grants.types import utcnow

    rng = random.Random(11)
    now = utcnow()
    evaluators = [ops.create_user(f"e{i}.{time.time_ns()}@bench.invalid", f"E{i}", "x" * 12, roles=[Role.EVALUATOR])
                  for i in range(52)]
    organisation = Organisation(name="Bench", type="social_cooperative")
    call = Call(call_type="restructuring_grant", title="Bench ranking", budget=Decimal("500000000.00"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=90), closes_at=now - timedelta(days=30),
                criteria=CRITERIA, parameters={})
    db.session.add_all([organisation, call])
    db.session.commit()
    first = 10_000_000 + call.id * 1_000_000
    for start in range(0, n, 5000):
        rows, cards = [], []
        for i in range(start, min(n, start + 5000)):
            rows.append({"id": first + i, "call_id": call.id, "organisation_id": organisation.id, "title": "Bench",
                         "status": "scored", "number": f"{call.id}/{i:06d}", "search_text": "",
                         "requested_amount": Decimal(rng.randrange(20, 100) * 1000), "answers": {},
                         "correction_rounds": 0, "correction_items": [], "formal_checklist": {}, "version": 1,
                         "created_at": now, "submitted_at": now - timedelta(days=31, seconds=i)})
            base = {c["id"]: rng.randrange(c["max_points"] // 2, c["max_points"] + 1) for c in CRITERIA}
            third = i % 10 == 0
            for slot in range(1, 4 if third else 3):
                points = dict(base) if not (third and slot == 2) else {k: 0 for k in base}
                cards.append({"application_id": first + i, "call_id": call.id, "slot": slot, "round": 1,
                              "evaluator_id": evaluators[(i + slot) % len(evaluators)].id, "status": "submitted",
                              "assigned_at": now, "submitted_at": now, "points": points, "justifications": {},
                              "recommend": not (third and slot == 2), "content_hash": "0" * 64})
        db.session.execute(insert(Application), rows)
        db.session.execute(insert(Scorecard), cards)
        db.session.commit()
    return call.id


def measure(call_id: int) -> dict[str, float]:
    from sqlalchemy import delete, select

    from grants.applications.models import Application
    from grants.calls.models import Call
    from grants.evaluation import ranking as algorithm
    from grants.evaluation import results
    from grants.evaluation.models import Ranking, Scorecard
    from grants.extensions import db

    times = {}
    start = time.perf_counter()
    db.session.execute(select(Application.id, Application.number, Application.submitted_at,
                              Application.requested_amount).where(Application.call_id == call_id)).all()
    db.session.execute(select(Scorecard.application_id, Scorecard.points, Scorecard.recommend)
                       .where(Scorecard.call_id == call_id)).all()
    times["baseline: read the rows"] = time.perf_counter() - start
    db.session.rollback()

    call = db.session.get(Call, call_id)
    start = time.perf_counter()
    rows = results.candidates(call)
    times["read into candidates"] = time.perf_counter() - start
    params = results.parameters(call, Decimal(call.budget))
    start = time.perf_counter()
    algorithm.rank(rows, params)
    times["rank (Python)"] = time.perf_counter() - start
    start = time.perf_counter()
    algorithm.inputs_digest(rows, params)
    times["inputs digest"] = time.perf_counter() - start
    db.session.rollback()

    db.session.execute(delete(Ranking).where(Ranking.call_id == call_id))
    db.session.commit()
    call = db.session.get(Call, call_id)
    start = time.perf_counter()
    results.compute(call, None)
    db.session.commit()
    times["compute + store (whole)"] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--url")
    args = parser.parse_args()
    stop, url, owner_url = None, args.url, None
    if not url:
        from tests.support.postgres import create_roles, start_postgres

        superuser_url, stop = start_postgres()
        owner_url, url = create_roles(superuser_url)
    try:
        from flask_migrate import upgrade

        from grants import create_app
        from grants.extensions import db

        app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench",
                          "TESTING": True, "MAIL_BACKGROUND": False, "INSTANCE_PATH": "/tmp/pomost-bench-instance"})
        with app.app_context(), app.test_request_context():
            upgrade()
            started = time.perf_counter()
            call_id = seed(args.applications)
            print(f"seeded {args.applications} applications in {time.perf_counter() - started:.1f} s")
            best: dict[str, float] = {}
            for _ in range(args.rounds):
                for name, seconds in measure(call_id).items():
                    best[name] = min(seconds, best.get(name, seconds))
                db.session.rollback()
            baseline = best["baseline: read the rows"]
            for name, seconds in best.items():
                print(f"{name:28s} {seconds:7.3f} s   {seconds / baseline:5.1f} × baseline")
    finally:
        if stop:
            stop()


if __name__ == "__main__":
    main()
