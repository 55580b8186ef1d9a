"""Load on loopback: the applicant's application page, the officer's list page, the evaluator's queue and the
officer's evaluation overview, against a bare one-row read of the same app, served by gunicorn (2 workers) on
PostgreSQL, in one run, on realistic data (bench/realistic.py: full answers, attachments, history, 52
evaluators, 3 assigned and 2 submitted scorecards per application, an organisation per application).

    .venv/bin/python bench/pages_load.py [--applications 10000] [--rounds 3] [--seconds 5] [--connections 8]

Needs `wrk` (Debian package). Prints requests/s and latency percentiles per endpoint and each
page's throughput as a ratio of the baseline's. Targets (issue 4): ≥ 0.5 of the baseline's
requests/s and p99 < 100 ms; the list page's median under 50 ms with 10,000 applications; (issue 11) the
queue and the overview, and (issue 12) the finance officer's payments page over 10 payments per application
(100,000), within 0.8 × the list page's requests/s.
Two reference endpoints show where a page's time goes: a signed-in request that only loads the user,
and one that renders the layout around an empty page.
"""
from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PASSWORD = "bench password 1"
# flask-login's strong session protection ties a session to the client's address and user agent,
# so the login and the load must present the same one.
USER_AGENT = "pomost-bench"
BASELINE = "baseline: one-row read"
LIST_PAGE = "officer: list page"


def seed(url: str, owner_url: str, applications: int, instance: str) -> dict:
    """Realistic data (bench/realistic.py), then what runs soon after a bulk load in production."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine

    from bench import realistic
    from grants import create_app

    app = create_app({"DATABASE_URL": url, "DATABASE_OWNER_URL": owner_url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": instance, "TESTING": True})
    with app.app_context():
        upgrade()
        seeded = realistic.seed(app, applications, PASSWORD)
        # What `flask pomost tick` (cron, every minute) does: fold the kept per-state counts.
        from grants.applications import counts

        counts.compact()
    # What autovacuum does soon after a bulk load in production: planner statistics and the
    # visibility map (index-only scans). Only the tables' owner may vacuum them.
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    owner.dispose()
    return seeded


def login(base: str, email: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                         urllib.request.ProxyHandler({}))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def wrk(url: str, cookie: str | None, seconds: int, connections: int, authorization: str | None = None) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "-H", f"User-Agent: {USER_AGENT}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    if authorization:
        command[1:1] = ["-H", f"Authorization: {authorization}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": percentile("50"), "p99": percentile("99"),
            "errors": int(non_2xx.group(1)) if non_2xx else 0}


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int, *extra: str):
    """Serve the app with gunicorn on a free loopback port until the block ends; yields (base URL, process)."""
    from tests.support.postgres import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", *extra, "wsgi:app"], cwd=REPO, env=env)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.wait(10)


def server_env(url: str, instance: str, **extra: str) -> dict[str, str]:
    """The environment gunicorn serves the bench with: this database, plain-HTTP cookies, the bench's endpoints."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POMOST_")}
    env.update({"POMOST_DATABASE_URL": url, "POMOST_SECRET_KEY": "bench-" + "x" * 40,
                "POMOST_AUDIT_KEY": "bench-audit-" + "x" * 40, "POMOST_REQUIRE_STAFF_2FA": "false",
                "POMOST_SESSION_COOKIE_SECURE": "false", "POMOST_REMEMBER_COOKIE_SECURE": "false",
                "POMOST_STORAGE_PATH": instance + "/storage", "POMOST_BENCH_ENDPOINTS": "true",
                "POMOST_MAIL_BACKGROUND": "false", **extra})
    return env


def check(name: str, url: str, cookie: str | None, authorization: str | None = None) -> None:
    """The load must hit the real page (200, signed in), not a redirect to the login form."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {}),
                                                   **({"Authorization": authorization} if authorization else {})})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
    with opener.open(request) as response:
        body = response.read()
        if response.status != 200 or not body:
            sys.exit(f"{name}: {url} answered {response.status}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise SystemExit(f"{req.full_url} redirected to {newurl}: not signed in?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    from tests.support.postgres import create_roles, start_postgres

    superuser_url, stop_db = start_postgres()
    # As in production: migrations as the owner, the app (here and in gunicorn) as a role that owns nothing.
    owner_url, url = create_roles(superuser_url)
    instance = tempfile.mkdtemp(prefix="pomost-bench-")
    try:
        started = time.perf_counter()
        ids = seed(url, owner_url, args.applications, instance)
        print(f"seeded {args.applications:,} applications in {time.perf_counter() - started:.0f} s")
        env = server_env(url, instance)
        with gunicorn(env, 2) as (base, _server):
            applicant, officer, evaluator, finance = (login(base, ids[who])
                                                      for who in ("owner", "officer", "evaluator", "finance"))
            targets = [
                (BASELINE, f"{base}/_bench/row", None),
                ("applicant: application page", f"{base}/applications/{ids['application_id']}", applicant),
                ("officer: list page", f"{base}/manage/calls/{ids['call_id']}/applications/", officer),
                ("evaluator: queue", f"{base}/evaluation/", evaluator),
                ("officer: evaluation overview", f"{base}/manage/calls/{ids['call_id']}/evaluation/", officer),
                ("finance: payments page", f"{base}/payments/", finance),
                ("reference: signed in, JSON", f"{base}/_bench/signed-in", applicant),
                ("reference: signed in, layout", f"{base}/_bench/layout", applicant),
            ]
            for name, target, cookie in targets:
                check(name, target, cookie)
            for _name, target, cookie in targets:  # warm up every worker and cache
                wrk(target, cookie, 2, args.connections)
            # Rounds interleave the endpoints, so a page and its baseline are measured minutes apart at
            # most and a slow spell of the machine shows in both; each ratio is taken within its round.
            rounds = [{name: wrk(target, cookie, args.seconds, args.connections) for name, target, cookie in targets}
                      for _ in range(args.rounds)]
        print(f"gunicorn 2 workers, PostgreSQL, {args.applications:,} applications in the call, wrk 2 threads "
              f"{args.connections} connections, {args.rounds} rounds of {args.seconds} s per endpoint; "
              "medians over the rounds, p99 the worst round's")
        for name, _target, _cookie in targets:
            runs = [r[name] for r in rounds]
            ratio = statistics.median(r[name]["rps"] / r[BASELINE]["rps"] for r in rounds)
            print(f"{name:<30} {statistics.median(r['rps'] for r in runs):8.1f} req/s  "
                  f"p50 {statistics.median(r['p50'] for r in runs):7.2f} ms  "
                  f"p99 {max(r['p99'] for r in runs):7.2f} ms  "
                  f"ratio {ratio:.2f}  non-2xx {sum(r['errors'] for r in runs)}")
        for name in ("evaluator: queue", "officer: evaluation overview", "finance: payments page"):
            against = statistics.median(r[name]["rps"] / r[LIST_PAGE]["rps"] for r in rounds)
            print(f"{name:<30} {against:.2f} × the officer's list page (target ≥ 0.8)")
    finally:
        stop_db()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
