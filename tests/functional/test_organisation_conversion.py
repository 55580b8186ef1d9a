"""An informal group registered in the KRS as a social cooperative: the same organisation, a new kind from the day of
registration, its history kept; only its owner converts it."""
from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from grants.auth.models import (
    GroupMember,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKindChange,
    OrganisationType,
    Role,
)
from grants.extensions import db as database
from grants.organisations import operations as ops
from grants.organisations.kinds import kind_on, kind_on_day
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories

VALID = {"name": "Spółdzielnia Socjalna „Zatorze”", "krs": "0000123456", "nip": "526-104-08-28",
         "regon": "012100784", "address": "ul. Ogrodowa 1, 59-220 Legnica",
         "bank_account": "PL61109010140000071219812874"}
GROUP = OrganisationType.INFORMAL_GROUP
COOPERATIVE = OrganisationType.SOCIAL_COOPERATIVE


def _today() -> date:
    return ops.local_day(utcnow())


def _group(owner, *, name: str = "Sąsiedzi z Zatorza", days_old: int = 400) -> Organisation:
    """An informal group with three adult members and a patron, added here `days_old` days ago."""
    group = factories.organisation(owner, name=name, type=GROUP)
    group.created_at = utcnow() - timedelta(days=days_old)
    group.patron_name, group.patron_krs = "Stowarzyszenie Zatorze Razem", "0000098765"
    group.bank_account = "PL27114020040000300201355387"  # the patron's
    group.group_members = [GroupMember(full_name="Anna Nowak", birth_date=date(1980, 1, 1), is_leader=True,
                                       pesel="80010112340"),
                           GroupMember(full_name="Jan Kowal", birth_date=date(1990, 5, 5)),
                           GroupMember(full_name="Ewa Lis", birth_date=date(1970, 3, 3))]
    database.session.flush()
    return group


def _converted_count(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(OrganisationKindChange)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "organisation:organisation:converted")))


def _convert(auth, group, data):
    page = f"/organisations/{group.id}/convert"
    return auth.post(page, data, token_from=page)


def test_the_owner_registers_the_group_as_a_cooperative_and_keeps_its_history(client, auth, db):
    owner = factories.user(Role.APPLICANT, locale="en")
    group = _group(owner)
    application = factories.application(factories.call("development_package"), group, title="Sąsiedzki ogród")
    agreement = factories.agreement(application)
    group_id, day = group.id, _today() - timedelta(days=30)
    auth.login(owner.email)
    detail = client.get(f"/organisations/{group_id}").get_data(as_text=True)
    assert f'href="/organisations/{group_id}/convert"' in detail and "kind-history" not in detail
    form = client.get(f"/organisations/{group_id}/convert").get_data(as_text=True)
    assert "data-confirm=" in form and "Sąsiedzi z Zatorza" in form
    assert "PL27114020040000300201355387" not in form  # the patron's account is not offered as the cooperative's

    response = _convert(auth, group, {**VALID, "changed_on": day.isoformat()})
    assert response.status_code == 303 and response.headers["Location"] == f"/organisations/{group_id}"
    db.session.expire_all()
    cooperative = db.session.get(Organisation, group_id)
    assert (cooperative.type, cooperative.name, cooperative.krs, cooperative.nip, cooperative.founded_on) == (
        COOPERATIVE, VALID["name"], "0000123456", "5261040828", day)
    assert cooperative.patron_name is None and cooperative.patron_krs is None
    assert cooperative.bank_account == VALID["bank_account"]
    assert [m.full_name for m in cooperative.group_members] == ["Anna Nowak", "Jan Kowal", "Ewa Lis"]
    assert [(m.user_id, m.role) for m in cooperative.memberships] == [(owner.id, MembershipRole.OWNER)]
    assert application.organisation_id == group_id and agreement.application.organisation_id == group_id
    assert "Sąsiedzki ogród" in client.get("/applicant").get_data(as_text=True)

    [change] = db.session.scalars(select(OrganisationKindChange)).all()
    assert (change.organisation_id, change.from_type, change.to_type, change.changed_on, change.krs,
            change.actor_id) == (group_id, GROUP, COOPERATIVE, day, "0000123456", owner.id)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation:organisation:converted"))
    assert entry.object_id == str(group_id) and entry.actor_id == owner.id
    assert entry.data == {"from": "informal_group", "to": "social_cooperative", "krs": "0000123456",
                          "day": day.isoformat(), "name": ["Sąsiedzi z Zatorza", VALID["name"]]}

    page = html.unescape(client.get(f"/organisations/{group_id}").get_data(as_text=True))
    assert "Kind history" in page and "Members of the informal group at registration" in page
    assert "/convert" not in page  # a cooperative is not converted again
    assert client.get(f"/organisations/{group_id}/convert").status_code == 404


@pytest.mark.parametrize("field,value,message", [
    ("krs", "12345", "A KRS number has 10 digits."),
    ("krs", "", "This field is required."),
    ("nip", "5261040829", "This NIP is not valid"),
    ("nip", "", "This field is required."),
    ("regon", "012100785", "This REGON is not valid"),
    ("bank_account", "PL61109010140000071219812875", "This bank account number is not valid"),
    ("name", "   ", "This field is required."),
])
def test_bad_data_is_refused_by_its_field_and_changes_nothing(client, auth, db, field, value, message):
    owner = factories.user(Role.APPLICANT, locale="en")
    group = _group(owner)
    auth.login(owner.email)
    response = _convert(auth, group, {**VALID, field: value, "changed_on": _today().isoformat()})
    assert response.status_code == 422
    assert message in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert (group.type, group.name, group.krs, group.patron_name) == (GROUP, "Sąsiedzi z Zatorza", None,
                                                                      "Stowarzyszenie Zatorze Razem")
    assert _converted_count(db) == (0, 0)


@pytest.mark.parametrize("field,taken", [("krs", {"krs": "0000123456", "nip": "7761234560"}),
                                         ("nip", {"krs": "0000987654", "nip": "5261040828"})])
def test_a_krs_or_nip_another_organisation_has_is_refused(client, auth, db, field, taken):
    """The cooperative is one organisation: if it is registered here already, the group is told to ask its owner."""
    owner = factories.user(Role.APPLICANT, locale="en")
    group = _group(owner)
    other = factories.organisation(factories.user(Role.APPLICANT))
    other.krs, other.nip = taken["krs"], taken["nip"]
    db.session.commit()
    auth.login(owner.email)
    response = _convert(auth, group, {**VALID, "changed_on": _today().isoformat()})
    assert response.status_code == 422
    assert "is already registered here: ask its owner to invite you" in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert (group.type, group.krs) == (GROUP, None) and _converted_count(db) == (0, 0)


@pytest.mark.parametrize("day,message", [
    (lambda today: (today + timedelta(days=1)).isoformat(), "cannot be in the future"),
    (lambda today: (today - timedelta(days=401)).isoformat(), "cannot be before the group began"),
    (lambda today: "2026-13-45", "Not a valid date value."),
    (lambda today: "", "Give the day of registration."),
])
def test_a_day_in_the_future_or_before_the_group_is_a_field_error(client, auth, db, day, message):
    owner = factories.user(Role.APPLICANT, locale="en")
    group = _group(owner, days_old=30)  # it may have registered before it joined here, not before it began
    group.founded_on = _today() - timedelta(days=400)
    db.session.commit()
    auth.login(owner.email)
    response = _convert(auth, group, {**VALID, "changed_on": day(_today())})
    assert response.status_code == 422 and message in html.unescape(response.get_data(as_text=True))
    db.session.expire_all()
    assert group.type == GROUP and _converted_count(db) == (0, 0)


def test_the_operation_checks_what_the_form_checks(db):
    """Called without the form (the API, a script), the same rules hold."""
    owner = factories.user(Role.APPLICANT)
    group = _group(owner)
    with pytest.raises(ops.OrganisationInvalid) as refused, force_locale("en"):
        ops.convert_to_social_cooperative(group, owner, {**VALID, "krs": "", "nip": "5261040829"}, _today())
    assert set(refused.value.errors) == {"krs", "nip"}
    assert "KRS number is required" in refused.value.errors["krs"]
    with pytest.raises(ops.OrganisationInvalid) as refused:
        ops.convert_to_social_cooperative(group, owner, VALID, None)
    assert set(refused.value.errors) == {"changed_on"}
    cooperative = factories.organisation(owner)
    with pytest.raises(ops.NotConvertible):
        ops.convert_to_social_cooperative(cooperative, owner, VALID, _today())
    assert group.type == GROUP and _converted_count(db) == (0, 0)


@pytest.mark.parametrize("who,status", [("editor", 403), ("viewer", 403), ("stranger", 404), ("officer", 403),
                                        ("auditor", 403)])
def test_only_the_owner_converts(client, auth, db, who, status):
    owner = factories.user(Role.APPLICANT)
    group = _group(owner)
    if who in ("editor", "viewer"):
        person = factories.user(Role.APPLICANT)
        db.session.add(Membership(user=person, organisation=group, role=MembershipRole(who)))
    elif who == "stranger":
        person = factories.user(Role.APPLICANT)
        factories.organisation(person, type=GROUP)  # the owner of another group
    else:
        person = factories.user(Role.PROGRAM_OFFICER if who == "officer" else Role.AUDITOR)
    auth.login(person.email)
    page = f"/organisations/{group.id}/convert"
    assert client.get(page).status_code == status
    assert auth.post(page, {**VALID, "changed_on": _today().isoformat()}).status_code == status
    if who in ("editor", "viewer"):
        assert "/convert" not in client.get(f"/organisations/{group.id}").get_data(as_text=True)
    db.session.expire_all()
    assert group.type == GROUP and _converted_count(db) == (0, 0)


def test_an_organisation_that_is_not_a_group_has_no_conversion_page(client, auth, db):
    owner = factories.user(Role.APPLICANT)
    organisations = [factories.organisation(owner, type=kind) for kind in OrganisationType if kind != GROUP]
    auth.login(owner.email)
    for organisation in organisations:
        page = f"/organisations/{organisation.id}/convert"
        assert client.get(page).status_code == 404
        assert auth.post(page, {**VALID, "changed_on": _today().isoformat()}).status_code == 404
    assert _converted_count(db) == (0, 0)


def test_kind_on_a_day_in_sql_equals_the_kind_in_python(db):
    owner = factories.user(Role.APPLICANT)
    group, unchanged_group = _group(owner), _group(owner, name="Druga grupa")
    ngo = factories.organisation(owner, type=OrganisationType.NGO)
    day = _today() - timedelta(days=30)
    ops.convert_to_social_cooperative(group, owner, VALID, day)
    db.session.commit()
    days = (day - timedelta(days=365), day - timedelta(days=1), day, day + timedelta(days=1), _today())
    expected = {group.id: [GROUP, GROUP, COOPERATIVE, COOPERATIVE, COOPERATIVE],
                unchanged_group.id: [GROUP] * 5, ngo.id: [OrganisationType.NGO] * 5}
    for organisation in (group, unchanged_group, ngo):
        assert [kind_on_day(organisation, d) for d in days] == expected[organisation.id]
        assert [db.session.scalar(select(kind_on(organisation.id, d))) for d in days] == expected[organisation.id]
    # As a column of a query over organisations (its subqueries do not mix with the query's own tables).
    for index, d in enumerate(days):
        rows = dict(db.session.execute(select(Organisation.id, kind_on(Organisation.id, d))).all())
        assert rows == {org_id: kinds[index] for org_id, kinds in expected.items()}
    # Counting rows dated by a column: the group's application before the day, the cooperative's after it.
    from grants.finance.models import Agreement

    grant_call = factories.call("development_package")
    for starts_on in (day - timedelta(days=10), day, day + timedelta(days=5)):
        factories.agreement(factories.application(grant_call, group), starts_on=starts_on)
    from grants.applications.models import Application

    kind = kind_on(Application.organisation_id, Agreement.starts_on)
    counted = dict(db.session.execute(select(kind, func.count()).select_from(Agreement)
                                      .join(Application, Application.id == Agreement.application_id)
                                      .group_by(kind)).all())
    assert counted == {GROUP: 1, COOPERATIVE: 2}
