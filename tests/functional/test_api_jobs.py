"""A grant's jobs through the JSON API, within the web's rules: the grantee's people and staff who read applications
read a running job-creation grant's jobs, anyone else gets 404; the PESEL is always masked as the web's list masks
it; finance starts the financing and officers report a job lost, never the grantee, never with a read token."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from grants.api import tokens
from grants.auth.models import Role
from grants.extensions import db as _db
from grants.support.models import Job
from grants.types import utcnow
from tests import factories

PESELS = ("85041201238", "90010112344")


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _token(user, write=False) -> str:
    _row, secret = tokens.create(user, "test", write, 30)
    _db.session.commit()
    return secret


def _grant(number: str, status: str = "implementation", call_type: str = "job_support"):
    application = factories.application(factories.call(call_type), status=status, number=number,
                                        awarded_amount=Decimal("52818.00"))
    factories.agreement(application, starts_on=utcnow().date() - timedelta(days=30), award="52818.00",
                        schedule_model="job_grant_and_bridging", jobs=["1", "0.5"], rates={"job_create": "35212.00"})
    return application


def _job(application, pesel: str, fte: str = "1") -> Job:
    job = Job(application_id=application.id, person_name="Jan Kowalski", pesel=pesel, eligibility="unemployed",
              fte=Decimal(fte), starts_on=utcnow().date() - timedelta(days=20), status="created")
    _db.session.add(job)
    _db.session.flush()
    return job


@pytest.fixture
def world(db):
    grant, theirs = _grant("J/1"), _grant("J/2")
    jobs = [_job(grant, PESELS[0]), _job(grant, PESELS[1], "0.5")]
    foreign = _job(theirs, PESELS[0])
    _db.session.commit()
    return {"grant": grant, "theirs": theirs, "jobs": jobs, "foreign": foreign,
            "owner": grant.organisation.memberships[0].user, "stranger": theirs.organisation.memberships[0].user,
            "officer": factories.user(Role.PROGRAM_OFFICER), "finance": factories.user(Role.FINANCE_OFFICER),
            "auditor": factories.user(Role.AUDITOR), "evaluator": factories.user(Role.EVALUATOR),
            "admin": factories.user(Role.ADMIN)}


def test_a_grants_jobs_for_its_people_and_staff_with_the_pesel_masked(client, db, world):
    url = f"/api/v1/jobs?application_id={world['grant'].id}"
    mine = {job.id for job in world["jobs"]}
    for who in ("owner", "officer", "finance", "auditor"):
        secret = _token(world[who])
        response = client.get(url + "&limit=1", headers=_bearer(secret))
        assert response.status_code == 200, who
        page = response.get_json()
        second = client.get(f"{url}&limit=1&cursor={page['next_cursor']}", headers=_bearer(secret)).get_json()
        assert {page["items"][0]["id"], second["items"][0]["id"]} == mine and second["next_cursor"] is None
        for job in world["jobs"]:
            one = client.get(f"/api/v1/jobs/{job.id}", headers=_bearer(secret))
            assert one.status_code == 200 and one.get_json()["pesel"] == f"{job.pesel[:2]}•••••••{job.pesel[-2:]}"
            assert job.pesel not in one.get_data(as_text=True)
        assert not any(p in response.get_data(as_text=True) for p in PESELS)
    body = client.get(f"/api/v1/jobs/{world['jobs'][1].id}", headers=_bearer(_token(world["owner"]))).get_json()
    assert body["fte"] == "0.50" and body["share"] == "17606.00" and body["status"] == "created"
    for who in ("stranger", "evaluator", "admin"):
        secret = _token(world[who])
        assert client.get(url, headers=_bearer(secret)).status_code == 404, who
        assert client.get(f"/api/v1/jobs/{world['jobs'][0].id}", headers=_bearer(secret)).status_code == 404, who
    owner = _token(world["owner"])
    assert client.get(f"/api/v1/jobs/{world['foreign'].id}", headers=_bearer(owner)).status_code == 404
    assert client.get("/api/v1/jobs", headers=_bearer(owner)).status_code == 422  # which grant's
    assert client.get(f"/api/v1/jobs/{2**40}", headers=_bearer(owner)).status_code == 404
    assert client.get(f"/api/v1/jobs?application_id={2**40}", headers=_bearer(owner)).status_code == 422


def test_only_a_running_job_creation_grant_lists_jobs(client, db, world):
    staff = _token(world["officer"])
    for application in (_grant("J/3", status="agreement"), _grant("R/1", call_type="restructuring_grant")):
        _db.session.commit()
        assert client.get(f"/api/v1/jobs?application_id={application.id}", headers=_bearer(staff)).status_code == 404


def test_staff_move_a_job_the_grantee_never_and_a_read_token_never(client, db, world):
    job = world["jobs"][0]
    url = f"/api/v1/jobs/{job.id}/transitions"
    assert client.post(f"{url}/finance", json={"version": job.version},
                       headers=_bearer(_token(world["owner"], True))).status_code == 403
    assert client.post(f"{url}/finance", json={"version": job.version},
                       headers=_bearer(_token(world["stranger"], True))).status_code == 404
    assert client.post(f"{url}/finance", json={"version": job.version},
                       headers=_bearer(_token(world["finance"]))).status_code == 403
    financed = client.post(f"{url}/finance", json={"version": job.version},
                           headers=_bearer(_token(world["finance"], True)))
    assert financed.status_code == 200 and financed.get_json()["status"] == "financed"
    officer = _token(world["officer"], True)
    version = financed.get_json()["version"]
    assert client.post(f"{url}/report_loss", json={"version": version}, headers=_bearer(officer)).status_code == 422
    before_it_began = (job.starts_on - timedelta(days=1)).isoformat()
    early = client.post(f"{url}/report_loss", json={"version": version, "reason": "Umowa rozwiązana.",
                                                    "lost_on": before_it_began}, headers=_bearer(officer))
    assert early.status_code == 422 and "lost_on" in str(early.get_json())
    day = (job.starts_on + timedelta(days=5)).isoformat()
    lost = client.post(f"{url}/report_loss", json={"version": version, "reason": "Umowa rozwiązana.",
                                                   "lost_on": day}, headers=_bearer(officer))
    assert lost.status_code == 200 and lost.get_json()["status"] == "lost"
    body = client.get(f"/api/v1/jobs/{job.id}", headers=_bearer(_token(world["owner"]))).get_json()
    assert body["status"] == "lost" and body["lost_on"] == day and body["replace_by"] > day
