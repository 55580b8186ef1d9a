"""The public registry: an owner publishes the organisation and chooses the contact details shown; anyone, signed
in or not, finds it by words without Polish letters ("spoldzielnia" finds "Spółdzielnia") and by filters; an
unpublished entry is 404; only an owner changes the entry; the page lists the grants it received."""
from __future__ import annotations

from decimal import Decimal

import pytest

from grants.auth.models import Membership, MembershipRole, OrganisationType, Role
from grants.extensions import db as _db
from grants.registry import entries
from tests import factories
from tests.conftest import csrf_token


@pytest.fixture
def owners(db):
    bakery_owner, laundry_owner = factories.user(Role.APPLICANT), factories.user(Role.APPLICANT)
    bakery = factories.organisation(bakery_owner, name="Spółdzielnia Socjalna „Łódeczka”")
    bakery.address = "ul. Źródlana 4, 59-220 Legnica"
    laundry = factories.organisation(laundry_owner, name="Pralnia Społeczna", type=OrganisationType.NGO)
    grant = factories.application(factories.call(), bakery, status="implementation", number="R/9",
                                  awarded_amount=Decimal("42000.00"))
    _db.session.commit()
    return {"bakery": bakery, "laundry": laundry, "bakery_owner": bakery_owner, "laundry_owner": laundry_owner,
            "grant": grant}


def _publish(client, organisation, published=True, **fields):
    page = f"/registry/organisations/{organisation.id}"
    data = {"csrf_token": csrf_token(client, page), "se_status": "ps", "industry": "catering",
            "voivodeship": "dolnoslaskie", "town": "Legnica", "services": "Catering na wesela, obiady dla szkół",
            "products": "Pieczywo na zakwasie", "email": "kontakt@lodeczka.example", "phone": "+48 600 100 200",
            "show_email": "y", **fields}
    if published:
        data["published"] = "y"
    return client.post(page, data=data)


def test_an_owner_publishes_and_anyone_finds_it_without_polish_letters(client, auth, db, owners):
    auth.login(owners["bakery_owner"].email)
    assert _publish(client, owners["bakery"]).status_code == 303
    auth.logout()
    found = client.get("/registry/?q=spoldzielnia+lodeczka").get_data(as_text=True)
    assert "Łódeczka" in found and found.count("data-entry=") == 1
    assert "Łódeczka" in client.get("/registry/?q=zakwas").get_data(as_text=True)  # a word of its products
    assert "Łódeczka" not in client.get("/registry/?q=pralnia").get_data(as_text=True)
    assert "Łódeczka" in client.get("/registry/?voivodeship=dolnoslaskie&status=ps&industry=catering"
                                    "&kind=social_cooperative").get_data(as_text=True)
    assert "Łódeczka" not in client.get("/registry/?voivodeship=mazowieckie").get_data(as_text=True)
    entry = entries.entry_of(owners["bakery"])
    page = client.get(f"/registry/{entry.id}").get_data(as_text=True)
    assert "kontakt@lodeczka.example" in page  # the e-mail was ticked to show
    assert "600 100 200" not in page and "Źródlana" not in page  # the telephone and address were not
    assert "R/9" in page and "42\u00a0000,00\u00a0zł" in page  # the grant it received (the public reads Polish)


def test_an_unpublished_entry_is_not_shown_and_only_an_owner_changes_it(client, auth, db, owners):
    auth.login(owners["bakery_owner"].email)
    _publish(client, owners["bakery"])
    entry = entries.entry_of(owners["bakery"])
    assert _publish(client, owners["bakery"], published=False).status_code == 303
    auth.logout()
    assert client.get(f"/registry/{entry.id}").status_code == 404
    assert "Łódeczka" not in client.get("/registry/?q=lodeczka").get_data(as_text=True)
    auth.login(owners["laundry_owner"].email)
    assert client.get(f"/registry/organisations/{owners['bakery'].id}").status_code == 404
    auth.logout()
    editor = factories.user(Role.APPLICANT)
    _db.session.add(Membership(user=editor, organisation=owners["bakery"], role=MembershipRole.EDITOR))
    _db.session.commit()
    auth.login(editor.email)
    assert client.get(f"/registry/organisations/{owners['bakery'].id}").status_code == 404


def test_publishing_needs_what_the_organisation_offers_and_bad_input_is_refused(client, auth, db, owners):
    auth.login(owners["bakery_owner"].email)
    empty = _publish(client, owners["bakery"], services="", products="")
    assert empty.status_code == 422 and "Napisz, co wytwarzasz lub oferujesz" in empty.get_data(as_text=True)
    assert _publish(client, owners["bakery"], website="javascript:alert(1)").status_code == 422
    assert _publish(client, owners["bakery"], voivodeship="atlantyda").status_code == 422
    assert entries.entry_of(owners["bakery"]) is None


@pytest.mark.postgres_only  # SQLite finds words within the folded text
def test_the_full_text_index_serves_the_search_on_postgresql(db):
    from sqlalchemy import text

    index = _db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_registry_entry_search'"))
    assert "gin" in index and "(search_vector)" in index
    stored = _db.session.scalar(text("SELECT generation_expression FROM information_schema.columns "
                                     "WHERE table_name = 'registry_entry' AND column_name = 'search_vector'"))
    assert "to_tsvector('simple'::regconfig, search_text)" in stored  # made on save, not by every search


def test_the_search_costs_the_same_queries_for_1_and_for_25_organisations(client, db, owners):
    from tests.support.queries import recorded_statements

    def publish(organisation):
        owner = organisation.memberships[0].user
        entries.save(organisation, owner, True, {"services": "Catering", "se_status": "pes", "town": "Legnica"})

    def queries() -> int:
        client.get("/registry/?q=catering")
        with recorded_statements(_db.engine) as statements:
            assert client.get("/registry/?q=catering").status_code == 200
        return len(statements)

    publish(owners["bakery"])
    _db.session.commit()
    one = queries()
    for n in range(24):
        publish(factories.organisation(factories.user(Role.APPLICANT), name=f"Spółdzielnia {n}"))
    _db.session.commit()
    assert queries() == one


def test_odd_input_finds_nothing_and_an_owner_previews_an_unpublished_page(client, auth, db, owners):
    auth.login(owners["bakery_owner"].email)
    assert _publish(client, owners["bakery"], published=False, website="www.lodeczka.example").status_code == 303
    entry = entries.entry_of(owners["bakery"])
    assert entry.website == "https://www.lodeczka.example"  # as people type it
    assert 'data-testid="owner-preview"' in client.get(f"/registry/{entry.id}").get_data(as_text=True)
    _publish(client, owners["bakery"])
    auth.logout()
    for q in ("%", "_", "!!!", "%_&'\"<>"):  # only symbols: nothing can match
        assert client.get("/registry/", query_string={"q": q}).get_data(as_text=True).count("data-entry=") == 0
    assert client.get("/registry/99999999999999999999999").status_code == 404
    assert client.get("/registry/?page=999&kind=foo").status_code == 200
    offered = factories.application(factories.call(), owners["bakery"], status="selected", number="R/10",
                                    awarded_amount=Decimal("1000.00"))
    _db.session.commit()
    page = client.get(f"/registry/{entry.id}").get_data(as_text=True)
    assert "R/9" in page and offered.number not in page  # no agreement signed yet: not a grant received


def test_an_id_no_column_holds_is_404_on_every_route(client, auth, db, owners):
    for path in ("/calls/99999999999999999999999", "/registry/2147483648"):
        assert client.get(path).status_code == 404, path
    auth.login(owners["bakery_owner"].email)
    assert client.get("/applications/99999999999999999999").status_code == 404


def test_staff_publish_a_grantees_basic_data_and_never_its_contacts(client, auth, db, owners):
    from grants.services.audit import AuditEntry

    auth.login(owners["bakery_owner"].email)
    assert _publish(client, owners["bakery"], published=False, show_phone="y").status_code == 303  # withdrawn
    auth.logout()
    officer = factories.user(Role.PROGRAM_OFFICER)
    _db.session.commit()
    auth.login(officer.email)
    listed = client.get("/registry/grantees").get_data(as_text=True)
    assert "Łódeczka" in listed and "Pralnia" not in listed  # only grantees
    published = auth.post(f"/registry/grantees/{owners['bakery'].id}", {"town": "Legnica"},
                          token_from="/registry/grantees")
    assert published.status_code == 303
    entry = entries.entry_of(owners["bakery"])
    assert entry.published and entry.staff_published_by_id == officer.id and not entry.show_phone
    assert _db.session.query(AuditEntry).filter(AuditEntry.action == "registry:entry:published_by_staff").count() == 1
    again = auth.post(f"/registry/grantees/{owners['bakery'].id}", {}, token_from="/registry/grantees")
    assert again.status_code == 303 and _db.session.query(AuditEntry).filter(
        AuditEntry.action == "registry:entry:published_by_staff").count() == 1  # refused: already published
    not_a_grantee = auth.post(f"/registry/grantees/{owners['laundry'].id}", {}, token_from="/registry/grantees")
    assert not_a_grantee.status_code == 303 and entries.entry_of(owners["laundry"]) is None
    auth.logout()
    page = client.get(f"/registry/{entry.id}").get_data(as_text=True)
    assert "R/9" in page and "600 100 200" not in page and "kontakt@lodeczka.example" not in page
    assert 'data-testid="staff-published"' in page
    auth.login(owners["laundry_owner"].email)
    assert client.get("/registry/grantees").status_code == 403
    assert auth.post(f"/registry/grantees/{owners['bakery'].id}", {}).status_code == 403
    auth.logout()
    auth.login(owners["bakery_owner"].email)  # the owner's own choices take over
    assert _publish(client, owners["bakery"]).status_code == 303
    assert entries.entry_of(owners["bakery"]).staff_published_at is None
