"""The JSON API's foundations: personal tokens (made on the account page, shown once, kept hashed, scoped,
expiring, revoked), the session cookie counting for nothing, the per-token limit, applications read within the
web's rules with cursor pages and ETags, drafts, attachments checked by content, transitions refused with their
unmet conditions or a stale version, and the OpenAPI 3.1 document valid and shown at /api/docs."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select

from grants.api import tokens
from grants.api.models import ApiToken
from grants.auth.models import MembershipRole, Role
from grants.extensions import db as _db
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def _token(user, write=False, days=30) -> str:
    _token_row, secret = tokens.create(user, "test", write, days)
    _db.session.commit()
    return secret


@pytest.fixture
def applicants(db):
    call = factories.call(required_attachments=[{"id": "statute", "name": {"pl": "Statut", "en": "Statute"},
                                                 "types": ["application/pdf"]}])
    owner, other = factories.user(Role.APPLICANT), factories.user(Role.APPLICANT)
    mine = [factories.application(call, owner=owner, status="submitted", number=f"W/{n}", submitted_at=utcnow())
            for n in range(5)]
    draft = factories.application(call, mine[0].organisation, status="draft", title="Szkic")
    theirs = factories.application(call, owner=other, status="submitted", number="X/1", submitted_at=utcnow())
    officer = factories.user(Role.PROGRAM_OFFICER)
    _db.session.commit()
    return {"call": call, "owner": owner, "other": other, "mine": mine, "draft": draft, "theirs": theirs,
            "officer": officer}


def test_a_token_is_made_on_the_account_page_shown_once_and_kept_hashed(client, auth, db, applicants):
    auth.login(applicants["owner"].email)
    page = auth.post("/account/tokens/", {"name": "Księgowość", "days": "30"}, token_from="/account/tokens/")
    assert page.status_code == 201
    secret = re.search(r"(pmst_[A-Za-z0-9_-]{20,})", page.get_data(as_text=True)).group(1)
    stored = _db.session.scalar(select(ApiToken).where(ApiToken.name == "Księgowość"))
    assert stored.token_hash != secret and secret not in stored.token_hash and stored.prefix == secret[:12]
    assert stored.scopes == "read" and secret not in client.get("/account/tokens/").get_data(as_text=True)
    auth.logout()
    assert client.get("/api/v1/applications", headers=_bearer(secret)).status_code == 200
    auth.login(applicants["owner"].email)
    assert auth.post(f"/account/tokens/{stored.id}/revoke", token_from="/account/tokens/").status_code == 303
    assert client.get("/api/v1/applications", headers=_bearer(secret)).status_code == 401
    auth.logout()
    auth.login(applicants["other"].email)  # someone else's token: as if there were none
    assert auth.post(f"/account/tokens/{stored.id}/revoke", token_from="/account/tokens/").status_code == 404
    refused = auth.post("/account/tokens/", {"name": " ", "days": "999"}, token_from="/account/tokens/")
    assert refused.status_code == 422 and _db.session.scalar(select(func.count(ApiToken.id))) == 1


def test_who_calls_is_the_token_alone(client, auth, db, applicants):
    auth.login(applicants["owner"].email)  # a signed-in browser session is not the API's business
    assert client.get("/api/v1/applications").status_code == 401
    secret = _token(applicants["owner"])
    expired = _db.session.scalar(select(ApiToken).where(ApiToken.user_id == applicants["owner"].id))
    for header in ({"Authorization": "Bearer pmst_nothing"}, {"Authorization": "Basic abc"},
                   {"Authorization": "Bearer " + "x" * 5000}):
        response = client.get("/api/v1/applications", headers=header)
        assert response.status_code == 401 and response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    expired.expires_at = utcnow() - timedelta(seconds=1)
    _db.session.commit()
    assert client.get("/api/v1/applications", headers=_bearer(secret)).status_code == 401
    expired.expires_at, applicants["owner"].active = utcnow() + timedelta(days=1), False
    _db.session.commit()
    assert client.get("/api/v1/applications", headers=_bearer(secret)).status_code == 401  # a blocked account


def test_each_token_is_limited_per_minute(app, client, db, applicants):
    app.config["API_RATE_LIMIT"] = 3
    secret, other = _token(applicants["owner"]), _token(applicants["other"])
    answers = [client.get("/api/v1/calls", headers=_bearer(secret)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Remaining"] == "2" and int(answers[3].headers["Retry-After"]) <= 60
    assert client.get("/api/v1/calls", headers=_bearer(other)).status_code == 200  # another token has its own


def test_applications_within_the_web_rules_in_cursor_pages_with_etags(client, db, applicants):
    secret = _token(applicants["owner"])
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/applications?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=_bearer(secret)).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted([a.id for a in applicants["mine"]] + [applicants["draft"].id])
    assert len(seen) == len(set(seen))
    assert client.get(f"/api/v1/applications/{applicants['theirs'].id}", headers=_bearer(secret)).status_code == 404
    one = client.get(f"/api/v1/applications/{applicants['mine'][0].id}", headers=_bearer(secret))
    assert one.get_json()["requested_amount"] == "50000.00" and one.headers["ETag"]
    again = client.get(f"/api/v1/applications/{applicants['mine'][0].id}", headers={
        **_bearer(secret), "If-None-Match": one.headers["ETag"]})
    assert again.status_code == 304
    staff = _token(applicants["officer"])
    listed = client.get("/api/v1/applications?limit=100", headers=_bearer(staff)).get_json()["items"]
    assert applicants["draft"].id not in [i["id"] for i in listed] and len(listed) == 6  # drafts stay the applicant's
    assert client.get(f"/api/v1/applications/{applicants['draft'].id}", headers=_bearer(staff)).status_code == 404
    for beyond_any_id in (f"/api/v1/applications/{2**40}", f"/api/v1/calls/{2**31}"):  # no id, not a 500
        assert client.get(beyond_any_id, headers=_bearer(secret)).status_code == 404
    assert client.get(f"/api/v1/applications?call_id={2**40}", headers=_bearer(secret)).status_code == 422
    bad = client.get("/api/v1/applications?status=nonsense&limit=1000&cursor=%%%", headers=_bearer(secret))
    assert bad.status_code == 422 and set(bad.get_json()["errors"]) >= {"status", "limit"}


def test_drafts_and_attachments_need_a_write_token_and_the_organisation(client, db, applicants):
    reader, writer = _token(applicants["owner"]), _token(applicants["owner"], write=True)
    new = {"call_id": applicants["call"].id, "organisation_id": applicants["mine"][0].organisation_id,
           "title": "Nowa pralnia"}
    assert client.post("/api/v1/applications", json=new, headers=_bearer(reader)).status_code == 403
    made = client.post("/api/v1/applications", json=new, headers=_bearer(writer))
    assert made.status_code == 201 and made.get_json()["status"] == "draft"
    foreign = {**new, "organisation_id": applicants["theirs"].organisation_id}
    assert client.post("/api/v1/applications", json=foreign, headers=_bearer(writer)).status_code == 404
    draft_id = made.get_json()["id"]
    fake = client.post(f"/api/v1/applications/{draft_id}/attachments/statute", headers=_bearer(writer), data={
        "file": (io.BytesIO(b"MZ not a pdf"), "statut.pdf")})
    assert fake.status_code == 422  # checked by its content, not its name
    real = client.post(f"/api/v1/applications/{draft_id}/attachments/statute", headers=_bearer(writer), data={
        "file": (io.BytesIO(PDF), "statut.pdf")})
    assert real.status_code == 201 and real.get_json()["content_type"] == "application/pdf"
    theirs = client.post(f"/api/v1/applications/{applicants['theirs'].id}/attachments/statute",
                         headers=_bearer(writer), data={"file": (io.BytesIO(PDF), "statut.pdf")})
    assert theirs.status_code == 404


def test_transitions_as_the_web_fires_them(client, db, applicants):
    writer = _token(applicants["owner"], write=True)
    application = applicants["mine"][1]
    url = f"/api/v1/applications/{application.id}/transitions/withdraw"
    stale = client.post(url, json={"version": application.version + 5}, headers=_bearer(writer))
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    audits = _db.session.scalar(select(func.count(AuditEntry.id)))
    done = client.post(url, json={"version": application.version}, headers=_bearer(writer))
    assert done.status_code == 200 and done.get_json()["status"] == "withdrawn"
    assert _db.session.scalar(select(func.count(AuditEntry.id))) == audits + 1
    staff_only = client.post(f"/api/v1/applications/{applicants['mine'][2].id}/transitions/start_check",
                             json={"version": applicants["mine"][2].version}, headers=_bearer(writer))
    assert staff_only.status_code == 403
    officer = _token(applicants["officer"], write=True)
    unmet = client.post(f"/api/v1/applications/{applicants['mine'][3].id}/transitions/submit",
                        json={"version": 1}, headers=_bearer(officer))
    assert unmet.status_code in (403, 409, 422)
    theirs = client.post(f"/api/v1/applications/{applicants['theirs'].id}/transitions/withdraw",
                         json={"version": 1}, headers=_bearer(writer))
    assert theirs.status_code == 404
    assert client.post(f"/api/v1/reports/{2**40}/transitions/x", json={"version": 1},
                       headers=_bearer(writer)).status_code == 404


def test_the_openapi_document_is_valid_31_and_readable_at_api_docs(client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    validate_spec(document)
    assert "/applications/{application_id}/transitions/{trigger}" in document["paths"] or any(
        "transitions" in path for path in document["paths"])
    page = client.get("/api/docs/").get_data(as_text=True)
    main = page[page.index("<main"):page.index("</main>")]
    assert "GET" in main and "<code>/api/v1/applications</code>" in main and "<script" not in main
    assert "/api/v1/api/v1" not in main and "Bearer &lt;token&gt;" in main and ">None<" not in main
    assert re.search(r'(src|href)="(https?:)?//', page) is None  # nothing loaded from elsewhere
    transitions = main[main.index('data-operation="POST /api/v1/{kind}'):]
    assert "<code>recoveries</code>" in transitions[:3000]  # which objects, not a bare "string"
    assert main.count("<table") == main.count('<div class="table-responsive"><table')  # a phone scrolls within
    assert "None:" not in main  # JSON says null
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_a_member_who_is_only_a_viewer_reads_but_does_not_change(client, db, applicants):
    viewer = factories.user(Role.APPLICANT)
    from grants.auth.models import Membership

    _db.session.add(Membership(user=viewer, organisation_id=applicants["mine"][0].organisation_id,
                               role=MembershipRole.VIEWER))
    _db.session.commit()
    secret = _token(viewer, write=True)
    assert client.get(f"/api/v1/applications/{applicants['mine'][0].id}", headers=_bearer(secret)).status_code == 200
    refused = client.post(f"/api/v1/applications/{applicants['mine'][0].id}/transitions/withdraw",
                          json={"version": applicants["mine"][0].version}, headers=_bearer(secret))
    assert refused.status_code == 403


def test_a_body_that_is_not_json_and_an_address_no_route_has_answer_problem_documents(client, db, applicants):
    writer = _token(applicants["owner"], write=True)
    url = f"/api/v1/applications/{applicants['mine'][1].id}/transitions/withdraw"
    broken = client.post(url, data=b"\x00{", content_type="application/json", headers=_bearer(writer))
    assert broken.status_code == 400 and broken.mimetype == "application/problem+json"  # was a 500
    assert broken.get_json()["errors"] == {"json": ["Invalid JSON body."]}
    for method, address in (("GET", "/api/v1/applications/null"), ("GET", "/api/v1/nothing"), ("PUT", "/api/v1/calls")):
        answer = client.open(address, method=method, headers=_bearer(writer))
        assert answer.status_code in (404, 405) and answer.mimetype == "application/problem+json", address


def test_an_id_no_id_column_holds_is_refused_before_the_database(client, db, applicants):
    writer = _token(applicants["owner"], write=True)
    too_big = 2**31  # PostgreSQL refused it in the query: a 500 there, 404 on SQLite
    for address in (f"/api/v1/applications/{too_big}", f"/api/v1/calls/{too_big}",
                    f"/api/v1/applications/{too_big}/transitions/withdraw"):
        answer = client.open(address, method="POST" if "transitions" in address else "GET", json={"version": 1},
                             headers=_bearer(writer))
        assert answer.status_code == 404 and answer.mimetype == "application/problem+json", address
    assert client.get(f"/api/v1/applications?call_id={too_big}", headers=_bearer(writer)).status_code == 422
    made = client.post("/api/v1/applications", headers=_bearer(writer), json={
        "call_id": too_big, "organisation_id": applicants["mine"][0].organisation_id, "title": "Za duży"})
    assert made.status_code == 422 and set(made.get_json()["errors"]) == {"call_id"}


def test_a_page_of_the_list_costs_the_same_queries_for_few_or_many(client, db, applicants):
    from tests.support.queries import recorded_statements

    secret = _token(applicants["officer"])

    def statements() -> int:
        with recorded_statements(_db.engine) as seen:
            assert client.get("/api/v1/applications?limit=50", headers=_bearer(secret)).status_code == 200
        return len(seen)

    few = statements()
    for n in range(30):
        factories.application(applicants["call"], owner=applicants["other"], status="submitted", number=f"M/{n}",
                              submitted_at=utcnow())
    _db.session.commit()
    assert statements() == few


def test_errors_speak_the_callers_language_titles_and_fields_alike(client, db, applicants):
    """A Polish user's refusals are Polish through and through: the title, each field's message (marshmallow's own
    are English) and a 404's; an English user's are English."""
    applicants["owner"].locale, applicants["officer"].locale = "pl", "en"
    _db.session.commit()
    secret = _token(applicants["owner"])
    del client.environ_base["HTTP_ACCEPT_LANGUAGE"]
    bad = client.get("/api/v1/applications?limit=0&status=nothing&call_id=x", headers=_bearer(secret)).get_json()
    assert bad["title"] == "Niektóre pola są niepoprawne."
    assert bad["errors"]["limit"] == ["Podaj wartość od 1 do 100."]
    assert bad["errors"]["call_id"] == ["Podaj liczbę całkowitą."]
    assert client.get("/api/v1/applications/999999", headers=_bearer(secret)).get_json()["title"] == "Nie znaleziono."
    english = _token(applicants["officer"])
    bad = client.get("/api/v1/applications?limit=0&call_id=x", headers=_bearer(english)).get_json()
    assert bad["errors"] == {"limit": ["Give a value from 1 to 100."], "call_id": ["Give a whole number."]}
    unknown = client.get("/api/v1/applications?state=submitted", headers=_bearer(english))  # it is `status`
    assert unknown.status_code == 422 and unknown.get_json()["errors"] == {"state": ["No such field."]}
