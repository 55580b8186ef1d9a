"""Memory of a gunicorn worker while a 200 MB attachment is uploaded through the app to S3.

    .venv/bin/python bench/upload_memory.py [--megabytes 200]

Starts moto's S3 server and one gunicorn worker on 127.0.0.1 (SQLite database), signs in as an
applicant and posts the file with curl; samples the worker's resident memory every 20 ms. The
upload is spooled to disk by the form parser and streamed to S3 in 8 MiB parts, so the growth
should stay far below the file's size (target: < 50 MB for 200 MB).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.pages_load import PASSWORD, USER_AGENT, gunicorn, login  # noqa: E402


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


def seed(env: dict, instance: str, limit: int) -> int:
    code = f"""
from decimal import Decimal
from grants import create_app
from grants.auth import operations as ops
from grants.auth.models import Membership, MembershipRole, Organisation, Role
from grants.calls.models import Call, CallStatus
from grants.applications.models import Application
from grants.extensions import db
from grants.types import utcnow
from flask_migrate import upgrade
app = create_app()
with app.app_context():
    upgrade()
    from grants.services.storage import get_storage
    get_storage().ensure_bucket()
    owner = ops.create_user("owner@bench.example.org", "Owner", {PASSWORD!r}, roles=[Role.APPLICANT], confirmed=True)
    org = Organisation(name="Bench", type="social_cooperative")
    org.memberships.append(Membership(user=owner, role=MembershipRole.OWNER))
    now = utcnow()
    call = Call(call_type="restructuring_grant", title="Bench", budget=Decimal("1000000"), status=CallStatus.PUBLISHED,
                opens_at=now.replace(year=now.year - 1), closes_at=now.replace(year=now.year + 1),
                required_attachments=[{{"id": "big", "name": {{"pl": "Plik", "en": "File"}},
                                       "types": ["application/pdf"], "max_size": {limit}, "required": True}}])
    application = Application(call=call, organisation=org, title="Bench", requested_amount=Decimal("0"), answers={{}})
    db.session.add_all([org, call, application])
    db.session.commit()
    print(application.id)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def write_payload(path: Path, megabytes: int) -> str:
    """A PDF-looking file of the given size; returns its sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        head = b"%PDF-1.7\n"
        f.write(head)
        digest.update(head)
        block = os.urandom(1024 * 1024)
        for _ in range(megabytes):
            f.write(block)
            digest.update(block)
    return digest.hexdigest()


def upload_and_sample(base: str, server, application_id: int, payload: Path) -> tuple[str, float, float, float]:
    """Post the file as a signed-in applicant; (HTTP status, seconds, RSS before, peak RSS) of the worker."""
    worker = int(subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0])
    cookie = login(base, "owner@bench.example.org")
    page = subprocess.run(["curl", "-s", "-A", USER_AGENT, "-H", f"Cookie: {cookie}",
                           f"{base}/applications/{application_id}/edit"], capture_output=True, text=True).stdout
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    before = rss_mib(worker)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_mib(worker))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    result = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-A", USER_AGENT,
                             "-H", f"Cookie: {cookie}", "-F", f"csrf_token={token}", "-F", "requirement=big",
                             "-F", f"file=@{payload};type=application/pdf",
                             f"{base}/applications/{application_id}/attachments"], capture_output=True, text=True)
    took = time.perf_counter() - started
    done.set()
    sampler.join()
    return result.stdout, took, before, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    import boto3

    from tests.support.s3 import start_s3_server

    endpoint, stop_s3 = start_s3_server()
    instance = tempfile.mkdtemp(prefix="pomost-upload-")
    size = args.megabytes * 1024 * 1024
    env = {k: v for k, v in os.environ.items() if not k.startswith("POMOST_")}
    env.update({"POMOST_DATABASE_URL": f"sqlite:///{instance}/bench.db", "POMOST_SECRET_KEY": "bench-" + "x" * 40,
                "POMOST_AUDIT_KEY": "bench-audit-" + "x" * 40,
                "POMOST_SESSION_COOKIE_SECURE": "false", "POMOST_STORAGE": "s3", "POMOST_S3_ENDPOINT_URL": endpoint,
                "POMOST_S3_BUCKET": "bench", "POMOST_S3_ACCESS_KEY_ID": "bench", "POMOST_S3_SECRET_ACCESS_KEY": "bench",
                "POMOST_MAX_CONTENT_LENGTH": str(size + 10 * 1024 * 1024), "POMOST_MAIL_BACKGROUND": "false",
                "TMPDIR": instance})
    try:
        application_id = seed(env, instance, size + 1024 * 1024)
        payload = Path(instance) / "big.pdf"
        sha256 = write_payload(payload, args.megabytes)
        with gunicorn(env, 1, "--timeout", "300") as (base, server):
            status, took, before, peak = upload_and_sample(base, server, application_id, payload)
        s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench",
                          region_name="us-east-1")
        objects = s3.list_objects_v2(Bucket="bench").get("Contents", [])
        recorded = sqlite3.connect(f"{instance}/bench.db").execute("SELECT sha256 FROM attachment").fetchone()
        print(f"upload of {args.megabytes} MB through one gunicorn worker to S3 (moto over HTTP): HTTP {status}, "
              f"{took:.1f} s, object of {objects[0]['Size'] if objects else 0:,} bytes stored "
              f"(file: {payload.stat().st_size:,} bytes)")
        print(f"worker RSS before {before:.1f} MiB, peak during the upload {peak:.1f} MiB, "
              f"growth {peak - before:+.1f} MiB (target < 50 MB)")
        print(f"sha256 recorded by the app equals the file's: {bool(recorded) and recorded[0] == sha256}")
    finally:
        stop_s3()
        shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
