"""The public registry through the JSON API, no token needed: the web's search and filters find the same entries;
an unpublished entry is nowhere, whoever asks (its owner included); an entry shows only the contact details its
owner ticked and the grants it received (an agreement signed)."""
from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from grants.auth.models import OrganisationType, Role
from grants.extensions import db as _db
from grants.registry import entries
from tests import factories
from tests.support.api import bearer, every_page, token

BAKERY = {"se_status": "ps", "industry": "catering", "voivodeship": "dolnoslaskie", "town": "Legnica",
          "services": "Catering na wesela", "products": "Pieczywo na zakwasie", "email": "kontakt@lodeczka.example",
          "phone": "+48 600 100 200", "website": "https://lodeczka.example", "show_email": True, "show_phone": False,
          "show_website": False, "show_address": False}  # as the owner's form sends it: only the e-mail ticked
EVERYTHING = {"show_email": True, "show_phone": True, "show_website": True, "show_address": True}


@pytest.fixture
def registry(db):
    def organisation(name, kind, address, data, published=True):
        owner = factories.user(Role.APPLICANT)
        made = factories.organisation(owner, name=name, type=kind)
        made.address = address
        return made, owner, entries.save(made, owner, published, data)

    bakery, bakery_owner, bakery_entry = organisation(
        "Spółdzielnia Socjalna „Łódeczka”", OrganisationType.SOCIAL_COOPERATIVE, "ul. Źródlana 4, Legnica", BAKERY)
    received = factories.application(factories.call(title="Restrukturyzacja 2026"), bakery, status="implementation",
                                     number="R/9", awarded_amount=Decimal("42000.00"))
    factories.application(factories.call(), bakery, status="selected", number="R/10",
                          awarded_amount=Decimal("1000.00"))  # no agreement signed: not a grant received
    laundry, laundry_owner, laundry_entry = organisation(
        "Pralnia Społeczna", OrganisationType.NGO, "ul. Tajna 1, Warszawa",
        {**BAKERY, **EVERYTHING, "services": "Pranie", "email": "tajne@pralnia.example"}, published=False)
    cafe, _owner, cafe_entry = organisation(
        "Kawiarnia Integracyjna", OrganisationType.SOCIAL_ENTERPRISE, "ul. Jasna 2, Warszawa",
        {"se_status": "pes", "industry": "tourism", "voivodeship": "mazowieckie", "town": "Warszawa",
         "services": "Kawa i ciasto, catering", "email": "cafe@example.org", "phone": "22 100 20 30",
         "website": "https://cafe.example.org", "county": None, "products": None, **EVERYTHING})
    _db.session.commit()
    return {"bakery": bakery_entry, "laundry": laundry_entry, "cafe": cafe_entry, "received": received,
            "laundry_owner": laundry_owner, "bakery_owner": bakery_owner}


QUERIES = ("", "q=spoldzielnia+lodeczka", "q=catering", "q=zakwas", "q=pralnia", "q=%25_%26", "kind=social_cooperative",
           "kind=ngo", "voivodeship=mazowieckie", "industry=catering", "status=pes", "status=ps&industry=catering",
           "q=catering&voivodeship=dolnoslaskie")


def test_the_same_entries_as_the_web_search_and_never_an_unpublished_one(client, db, registry):
    for query in QUERIES:
        web = set(map(int, re.findall(r'data-entry="(\d+)"', client.get(f"/registry/?{query}").get_data(
            as_text=True))))
        api = every_page(client, f"/api/v1/registry?{query}")  # no token: the registry is public
        assert {item["id"] for item in api} == web, query
        assert registry["laundry"].id not in web
    assert len(every_page(client, "/api/v1/registry?q=catering")) == 2  # the search finds something to compare


def test_an_unpublished_entry_is_404_to_everyone_and_bad_filters_are_refused(client, db, registry):
    owner = token(registry["laundry_owner"])  # the owner previews it in the web, not here
    for headers in ({}, bearer(owner)):
        assert client.get(f"/api/v1/registry/{registry['laundry'].id}", headers=headers).status_code == 404
        listed = client.get("/api/v1/registry?q=pralnia", headers=headers)
        assert listed.status_code == 200 and listed.get_json()["items"] == []
        assert "tajne@pralnia.example" not in listed.get_data(as_text=True)
    assert client.get(f"/api/v1/registry/{2**31}").status_code == 404
    for bad in ("kind=cartel", "voivodeship=atlantyda", "industry=piracy", "status=vip", "q=" + "x" * 201):
        assert client.get(f"/api/v1/registry?{bad}").status_code == 422, bad


def test_only_the_contact_details_the_owner_ticked_and_the_grants_received(client, db, registry):
    bakery = client.get(f"/api/v1/registry/{registry['bakery'].id}")
    body = bakery.get_json()
    text = json.dumps(body, ensure_ascii=False)
    assert body["email"] == "kontakt@lodeczka.example"  # ticked
    assert body["phone"] is None and body["website"] is None and body["address"] is None  # not ticked
    assert "600 100 200" not in text and "https://lodeczka.example" not in text and "Źródlana" not in text
    assert body["name"] == "Spółdzielnia Socjalna „Łódeczka”" and body["kind"] == "social_cooperative"
    assert body["se_status"] == "ps" and body["industry"] == "catering" and body["town"] == "Legnica"
    assert body["grants"] == [{"project": registry["received"].title, "call": "Restrukturyzacja 2026",
                               "number": "R/9", "amount": "42000.00"}]
    cafe = client.get(f"/api/v1/registry/{registry['cafe'].id}").get_json()
    assert (cafe["email"], cafe["phone"], cafe["website"], cafe["address"]) == (
        "cafe@example.org", "22 100 20 30", "https://cafe.example.org", "ul. Jasna 2, Warszawa")
    assert cafe["grants"] == []
    web = client.get(f"/registry/{registry['bakery'].id}").get_data(as_text=True)  # the page shows the same
    assert "kontakt@lodeczka.example" in web and "600 100 200" not in web and "Źródlana" not in web
    again = client.get(f"/api/v1/registry/{registry['bakery'].id}", headers={"If-None-Match": bakery.headers["ETag"]})
    assert again.status_code == 304
    entries.save(registry["bakery"].organisation, registry["bakery_owner"], True, {**BAKERY, "show_email": False})
    _db.session.commit()  # the owner unticks the e-mail: gone at once
    assert client.get(f"/api/v1/registry/{registry['bakery'].id}").get_json()["email"] is None
