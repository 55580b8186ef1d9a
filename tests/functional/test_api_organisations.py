"""Organisations through the JSON API, exactly where the web's organisation page opens: its people (any role) read
their own, staff who read applications every one, evaluators and admins none, and another organisation is 404;
its kind history as the page shows it; group members by name only, never a PESEL or a date of birth."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from grants.auth.models import GroupMember, Membership, MembershipRole, Organisation, OrganisationType, Role
from grants.extensions import db as _db
from grants.organisations import demo, kinds
from tests import factories
from tests.conftest import AuthActions
from tests.support.api import bearer, every_page, token

PESELS = ("88060212348", "02270803628", "44051401359")


@pytest.fixture
def organisations(db):
    owner, viewer, stranger = (factories.user(Role.APPLICANT) for _ in range(3))
    assert demo.seed(owner) == 1  # an informal group registered as a social cooperative, with a leader's PESEL
    converted = _db.session.scalar(select(Organisation).where(Organisation.name == demo.COOPERATIVE["name"]))
    _db.session.add(Membership(user=viewer, organisation=converted, role=MembershipRole.VIEWER))
    group = factories.organisation(stranger, name="Grupa „Sąsiedzi”", type=OrganisationType.INFORMAL_GROUP)
    group.group_members = [GroupMember(full_name="Anna Sąsiadka", birth_date=date(2002, 7, 8), pesel=PESELS[1],
                                       is_leader=True),
                           GroupMember(full_name="Jan Sąsiad", birth_date=date(1944, 5, 14), pesel=PESELS[2])]
    ngo = factories.organisation(stranger, name="Fundacja Cudza", type=OrganisationType.NGO)
    people = {"owner": owner, "viewer": viewer, "stranger": stranger,
              **{role.value: factories.user(role) for role in (Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER,
                                                               Role.AUDITOR, Role.EVALUATOR, Role.ADMIN)}}
    _db.session.commit()
    return {"people": people, "converted": converted, "group": group, "ngo": ngo}


def test_organisations_are_read_exactly_where_the_web_shows_them(app, client, db, organisations):
    every = {o.id for o in (organisations["converted"], organisations["group"], organisations["ngo"])}
    seen_by = {}
    for name, user in organisations["people"].items():
        browser = app.test_client()
        assert AuthActions(browser).login(user.email).status_code in (302, 303)
        shown = {oid for oid in every if browser.get(f"/organisations/{oid}").status_code == 200}
        secret = token(user)
        assert {item["id"] for item in every_page(client, "/api/v1/organisations", secret, limit=1)} == shown, name
        for oid in every:
            answer = client.get(f"/api/v1/organisations/{oid}", headers=bearer(secret))
            assert answer.status_code == (200 if oid in shown else 404), (name, oid)
            text = answer.get_data(as_text=True)
            assert not any(pesel in text for pesel in PESELS) and "birth" not in text  # to nobody, as the page
        seen_by[name] = shown
    assert seen_by["owner"] == seen_by["viewer"] == {organisations["converted"].id}
    assert seen_by["stranger"] == {organisations["group"].id, organisations["ngo"].id}
    assert seen_by["program_officer"] == seen_by["finance_officer"] == seen_by["auditor"] == every
    assert seen_by["evaluator"] == seen_by["admin"] == set()


def test_the_kind_history_the_group_members_and_the_type_filter(client, db, organisations):
    secret = token(organisations["people"]["auditor"])
    converted = organisations["converted"]
    one = client.get(f"/api/v1/organisations/{converted.id}", headers=bearer(secret))
    body = one.get_json()
    assert body["type"] == "social_cooperative" and body["krs"] == demo.COOPERATIVE["krs"]
    assert body["nip"] == demo.COOPERATIVE["nip"] and body["address"] == demo.COOPERATIVE["address"]
    (group, first, last), (cooperative, since, until) = kinds.periods(converted)
    assert body["kind_history"] == [
        {"type": "informal_group", "first_day": None, "last_day": last.isoformat()},
        {"type": "social_cooperative", "first_day": since.isoformat(), "last_day": None}]
    assert first is None and until is None and group == OrganisationType.INFORMAL_GROUP
    assert body["group_members"] == [{"full_name": "Tomasz Ogrodnik", "is_leader": True},
                                     {"full_name": "Irena Sadowska", "is_leader": False},
                                     {"full_name": "Paweł Lipa", "is_leader": False}]
    again = client.get(f"/api/v1/organisations/{converted.id}", headers={**bearer(secret),
                                                                          "If-None-Match": one.headers["ETag"]})
    assert again.status_code == 304
    groups = every_page(client, "/api/v1/organisations?type=informal_group", secret)
    assert [item["id"] for item in groups] == [organisations["group"].id] and groups[0]["kind_history"] == []
    assert client.get("/api/v1/organisations?type=cartel", headers=bearer(secret)).status_code == 422
    assert client.get(f"/api/v1/organisations/{organisations['ngo'].id}").status_code == 401  # no token
