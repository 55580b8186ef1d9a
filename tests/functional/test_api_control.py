"""Usage controls and recovery cases through the JSON API, within the web's rules: staff who read applications
read every one, the grantee's people their own grant's (controls with findings and answers, cases with their
repayments and what is owed today, as the web's list computes it, in decimal strings), anyone else nothing (404);
transitions only with a write token, by the roles the workflows name."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from grants.api import tokens
from grants.auth.models import Membership, MembershipRole, Role
from grants.control import controls, recovery
from grants.engine.core import fire
from grants.extensions import db as _db
from grants.finance import rates
from grants.types import utcnow
from tests import factories


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _token(user, write=False) -> str:
    _row, secret = tokens.create(user, "test", write, 30)
    _db.session.commit()
    return secret


@pytest.fixture
def world(db):
    auditor, finance = factories.user(Role.AUDITOR), factories.user(Role.FINANCE_OFFICER)
    call = factories.call(budget="900000.00")
    grant = factories.application(call, status="durability", number="K/1", awarded_amount=Decimal("60000.00"))
    theirs = factories.application(factories.call(), status="implementation", number="K/2",
                                   awarded_amount=Decimal("60000.00"))
    owner, stranger = grant.organisation.memberships[0].user, theirs.organisation.memberships[0].user
    viewer = factories.user(Role.APPLICANT)
    _db.session.add(Membership(user=viewer, organisation_id=grant.organisation_id, role=MembershipRole.VIEWER))
    control = controls.ad_hoc(grant, auditor, utcnow().date(), "Faktury i sprzęt")
    fire(control, "start", auditor)
    controls.add_finding(control, auditor, "Brak tablicy informacyjnej.", "Umieścić tablicę.",
                         utcnow().date() + timedelta(days=14))
    found = controls.findings(control)[0]
    controls.answer(found, control, owner, "Tablica wisi od wczoraj.")
    foreign_control = controls.ad_hoc(theirs, auditor, utcnow().date(), "Cudza kontrola")
    rates.add(recovery.RATE_TABLE, date(2023, 10, 5), Decimal("14.50"), None, "MF")
    case = recovery.open_case(grant, auditor, Decimal("10000.00"), "art207", "misuse", date(2025, 4, 1),
                              "Sprzęt nie był używany.")
    fire(case, "notify", auditor, served_on=date(2025, 6, 2))
    recovery.record_repayment(case, finance, date(2025, 6, 10), Decimal("1000.00"), "PRZELEW/1")
    opened = recovery.open_case(theirs, auditor, Decimal("2000.00"), "art252", "undue", None, "Nadwyżka.")
    _db.session.commit()
    return {"auditor": auditor, "finance": finance, "officer": factories.user(Role.PROGRAM_OFFICER),
            "evaluator": factories.user(Role.EVALUATOR), "admin": factories.user(Role.ADMIN), "owner": owner,
            "viewer": viewer, "stranger": stranger, "grant": grant, "theirs": theirs, "control": control,
            "foreign_control": foreign_control, "case": case, "opened": opened, "call": call}


def _listed(client, secret: str, path: str) -> list[int]:
    seen, cursor = [], None
    while True:
        response = client.get(f"{path}?limit=1" + (f"&cursor={cursor}" if cursor else ""), headers=_bearer(secret))
        assert response.status_code == 200, response.get_json()
        seen += [item["id"] for item in response.get_json()["items"]]
        cursor = response.get_json()["next_cursor"]
        if not cursor:
            return seen


@pytest.mark.parametrize("kind, mine, theirs", [("controls", "control", "foreign_control"),
                                                 ("recoveries", "case", "opened")])
def test_each_reads_the_controls_and_cases_the_web_shows_them_and_others_are_404(client, db, world, kind, mine,
                                                                                 theirs):
    own, foreign = world[mine].id, world[theirs].id
    for who, expected in (("owner", {own}), ("viewer", {own}), ("stranger", {foreign}),
                          ("auditor", {own, foreign}), ("finance", {own, foreign}), ("officer", {own, foreign}),
                          ("evaluator", set()), ("admin", set())):
        secret = _token(world[who])
        assert set(_listed(client, secret, f"/api/v1/{kind}")) == expected, who
        for one in (own, foreign):
            status = client.get(f"/api/v1/{kind}/{one}", headers=_bearer(secret)).status_code
            assert status == (200 if one in expected else 404), (who, one)
    assert client.get(f"/api/v1/{kind}").status_code == 401
    staff = _token(world["auditor"], True)
    assert client.get(f"/api/v1/{kind}/{2**40}", headers=_bearer(staff)).status_code == 404  # beyond any id
    assert client.post(f"/api/v1/{kind}/{2**40}/transitions/close", json={"version": 1},
                       headers=_bearer(staff)).status_code == 404
    assert client.get(f"/api/v1/{kind}?call_id={2**40}", headers=_bearer(staff)).status_code == 422


def test_the_grantee_reads_its_control_with_the_findings_and_its_answers(client, db, world):
    body = client.get(f"/api/v1/controls/{world['control'].id}", headers=_bearer(_token(world["owner"]))).get_json()
    assert body["status"] == "in_progress" and body["scope"] == "Faktury i sprzęt" and body["findings_count"] == 1
    assert body["findings"] == [{"id": body["findings"][0]["id"], "text": "Brak tablicy informacyjnej.",
                                 "recommendation": "Umieścić tablicę.", "answer": "Tablica wisi od wczoraj.",
                                 "deadline": (utcnow().date() + timedelta(days=14)).isoformat()}]
    secret = _token(world["auditor"])
    filtered = client.get(f"/api/v1/controls?status=planned&call_id={world['call'].id}", headers=_bearer(secret))
    assert filtered.get_json()["items"] == []
    by_grant = client.get(f"/api/v1/controls?application_id={world['theirs'].id}", headers=_bearer(secret))
    assert [c["id"] for c in by_grant.get_json()["items"]] == [world["foreign_control"].id]
    again = client.get(f"/api/v1/controls?application_id={world['theirs'].id}",
                       headers={**_bearer(secret), "If-None-Match": by_grant.headers["ETag"]})
    assert again.status_code == 304


def test_only_the_auditor_moves_a_control_and_only_with_a_write_token(client, db, world):
    control = world["control"]
    url = f"/api/v1/controls/{control.id}/transitions/record_findings"
    for who, status in (("owner", 403), ("finance", 403), ("stranger", 404), ("evaluator", 404)):
        response = client.post(url, json={"version": control.version}, headers=_bearer(_token(world[who], True)))
        assert response.status_code == status, who
    assert client.post(url, json={"version": control.version},
                       headers=_bearer(_token(world["auditor"]))).status_code == 403  # a read token
    done = client.post(url, json={"version": control.version}, headers=_bearer(_token(world["auditor"], True)))
    assert done.status_code == 200 and done.get_json()["status"] == "findings"


def test_a_case_owes_what_the_web_list_says_in_decimal_strings_with_its_repayments(client, db, world):
    case = world["case"]
    owed = recovery.outstanding(case, utcnow()).quantize(Decimal("0.01"))
    assert owed > Decimal("9000.00")  # interest has run since the transfer
    for who in ("owner", "finance"):
        body = client.get(f"/api/v1/recoveries/{case.id}", headers=_bearer(_token(world[who]))).get_json()
        assert body["principal"] == "10000.00" and body["repaid"] == "1000.00" and body["owed_today"] == str(owed)
        assert body["repayments"] == [{"paid_on": "2025-06-10", "amount": "1000.00"}]  # no bank reference
        assert body["facts"] == "Sprzęt nie był używany." and body["due_on"] == "2025-06-16"
    listed = client.get("/api/v1/recoveries", headers=_bearer(_token(world["auditor"]))).get_json()["items"]
    assert {item["id"]: item["owed_today"] for item in listed} == {
        case.id: str(owed), world["opened"].id: "2000.00"}
    assert all(isinstance(item["principal"], str) for item in listed)
    only = client.get("/api/v1/recoveries?status=opened", headers=_bearer(_token(world["auditor"]))).get_json()
    assert [item["id"] for item in only["items"]] == [world["opened"].id]


def test_recovery_transitions_keep_the_web_rules(client, db, world):
    opened = world["opened"]
    url = f"/api/v1/recoveries/{opened.id}/transitions/notify"
    assert client.post(url, json={"version": opened.version},
                       headers=_bearer(_token(world["stranger"], True))).status_code == 403  # the grantee
    assert client.post(url, json={"version": opened.version},
                       headers=_bearer(_token(world["owner"], True))).status_code == 404  # another's case
    assert client.post(url, json={"version": opened.version},
                       headers=_bearer(_token(world["finance"]))).status_code == 403  # a read token
    unserved = client.post(url, json={"version": opened.version}, headers=_bearer(_token(world["finance"], True)))
    assert unserved.status_code == 422  # the notice needs the day it was served, as its own form asks
    assert "served_on" in str(unserved.get_json())
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    assert client.post(url, json={"version": opened.version, "served_on": tomorrow},
                       headers=_bearer(_token(world["finance"], True))).status_code == 422  # not in the future
    _db.session.refresh(opened)
    assert opened.status == "opened"
    served = client.post(url, json={"version": opened.version, "served_on": "2026-03-02"},
                         headers=_bearer(_token(world["finance"], True)))
    assert served.status_code == 200 and served.get_json()["status"] == "notified"
    case = client.get(f"/api/v1/recoveries/{opened.id}", headers=_bearer(_token(world["finance"]))).get_json()
    assert case["served_on"] == "2026-03-02" and case["due_on"] > "2026-03-02"
