"""Engine transition vs plain ORM update + insert, on PostgreSQL; and memory over many transitions.

    .venv/bin/python bench/engine_vs_orm.py [--rounds 2000] [--objects 100000] [--database-url URL]

The transition is `start_check` (submitted → formal_check): the engine's own cost (lock, role check,
state change, history row, audit entry); guards add the queries of the facts they read.
Both sides run in one process against one database, alternating in blocks so that drift (cache
warm-up, autovacuum) hits both alike; each transition is its own transaction (one commit each),
as a request would be. Prints per-transition medians and their ratio.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="transitions per side for the timing")
    parser.add_argument("--objects", type=int, default=100_000, help="objects transitioned for the memory check")
    parser.add_argument("--database-url", default=os.environ.get("POMOST_BENCH_DATABASE_URL"))
    args = parser.parse_args()

    stop, owner_url = None, None
    url = args.database_url
    if not url:
        from tests.support.postgres import create_roles, start_postgres

        # As in production: migrations as the owner, the app as a role that owns nothing.
        superuser_url, stop = start_postgres()
        owner_url, url = create_roles(superuser_url)
    try:
        run(url, args.rounds, args.objects, owner_url)
    finally:
        if stop:
            stop()


def run(url: str, rounds: int, objects: int, owner_url: str | None = None) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from grants import create_app
    from grants.applications.models import Application
    from grants.auth import operations as ops
    from grants.auth.models import Membership, MembershipRole, Organisation, Role, User
    from grants.calls.models import Call, CallStatus
    from grants.engine.core import fire
    from grants.engine.models import TransitionHistory
    from grants.extensions import db
    from grants.locking import load_for_update
    from grants.types import utcnow

    app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench", "TESTING": True,
                      "MAIL_BACKGROUND": False, "INSTANCE_PATH": "/tmp/pomost-bench-instance"})
    with app.app_context():
        upgrade()
        officer = ops.create_user(f"officer{time.time_ns()}@bench.invalid", "Officer", "x" * 12,
                                  roles=[Role.PROGRAM_OFFICER])
        owner = ops.create_user(f"owner{time.time_ns()}@bench.invalid", "Owner", "x" * 12, roles=[Role.APPLICANT])
        org = Organisation(name="Bench", type="social_cooperative")
        org.memberships.append(Membership(user=owner, role=MembershipRole.OWNER))
        now = utcnow()
        call = Call(call_type="restructuring_grant", title="Bench", budget=Decimal("1000000000"),
                    status=CallStatus.PUBLISHED, opens_at=now.replace(year=now.year - 1),
                    closes_at=now.replace(year=now.year + 1))
        db.session.add_all([org, call])
        db.session.commit()
        officer_id, call_id, org_id = officer.id, call.id, org.id

        def make(n: int, status: str) -> list[int]:
            rows = [{"call_id": call_id, "organisation_id": org_id, "title": "bench", "status": status,
                     "requested_amount": Decimal("1000"), "answers": {}, "correction_rounds": 0, "version": 1,
                     "created_at": now} for _ in range(n)]
            ids = []
            for start in range(0, n, 5000):
                result = db.session.execute(insert(Application).returning(Application.id), rows[start:start + 5000])
                ids += list(result.scalars())
            db.session.commit()
            return ids

        def signed_in_user():
            # What flask-login does at the start of every request, for both sides, outside the timing.
            user = db.session.get(User, officer_id)
            user.roles  # noqa: B018 - loads the role assignments
            return user

        def engine_one(application_id: int, user) -> None:
            # As a view does it: load the row locked, then fire (the lock is not taken twice).
            fire(load_for_update(Application, application_id), "start_check", user)
            db.session.commit()

        def plain_one(application_id: int, user) -> None:
            application = db.session.get(Application, application_id)
            application.status = "formal_check"
            db.session.add(TransitionHistory(workflow="application", object_type="application",
                                             object_id=application.id, from_state="submitted", to_state="formal_check",
                                             trigger="start_check", actor_id=user.id, data={}))
            db.session.commit()

        # --- timing: alternate blocks of both sides ---------------------------------------------------
        engine_ids, plain_ids = make(rounds, "submitted"), make(rounds, "submitted")
        for i in engine_ids[:50]:
            engine_one(i, signed_in_user())
        for i in plain_ids[:50]:
            plain_one(i, signed_in_user())
        engine_times, plain_times = [], []
        block = 100
        for start in range(50, rounds, block):
            for side, ids, sink in ((engine_one, engine_ids, engine_times), (plain_one, plain_ids, plain_times)):
                for i in ids[start:start + block]:
                    user = signed_in_user()
                    t0 = time.perf_counter()
                    side(i, user)
                    sink.append(time.perf_counter() - t0)
                db.session.expunge_all()
        e, p = statistics.median(engine_times), statistics.median(plain_times)
        e_mean, p_mean = statistics.fmean(engine_times), statistics.fmean(plain_times)
        print(f"database: PostgreSQL {db.session.execute(text('SHOW server_version')).scalar()}")
        print(f"transitions timed per side: {len(engine_times)}")
        print(f"engine fire  median {e * 1000:.3f} ms  mean {e_mean * 1000:.3f} ms")
        print(f"plain ORM    median {p * 1000:.3f} ms  mean {p_mean * 1000:.3f} ms")
        print(f"ratio engine/plain: median {e / p:.2f}x  mean {e_mean / p_mean:.2f}x  (target <= 2x)")

        # --- memory over many transitions ---------------------------------------------------------------
        if objects:
            ids = make(objects, "submitted")
            officer = signed_in_user()
            gc.collect()
            marks = {}
            start_rss = rss_mib()
            t0 = time.perf_counter()
            for n, application_id in enumerate(ids, 1):
                fire(load_for_update(Application, application_id), "start_check", officer)
                if n % 200 == 0:
                    db.session.commit()
                    db.session.expunge_all()
                    officer = signed_in_user()
                if n in (objects // 10, objects // 2, objects):
                    db.session.commit()
                    gc.collect()
                    marks[n] = rss_mib()
            db.session.commit()
            took = time.perf_counter() - t0
            print(f"memory: RSS {start_rss:.1f} MiB before, " + ", ".join(
                f"{v:.1f} MiB after {k:,}" for k, v in marks.items()) + f" transitions ({took:.0f} s)")
            first, last = marks[objects // 10], marks[objects]
            print(f"memory growth from {objects // 10:,} to {objects:,} transitions: {last - first:+.1f} MiB")


if __name__ == "__main__":
    main()
