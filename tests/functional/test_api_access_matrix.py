"""The API's access matrix (DESIGN §4, invariant 4): every operation of the OpenAPI document × every role × the
object of organisation A and of organisation B answers what the web would answer that person.

The operations are read from the document, so an endpoint added later fails here until it has a row in MATRIX
(and the world in tests/support/api.py has its objects for both organisations). The roles: nobody, the owner of
A, a viewer member of A, the owner of B (an applicant of another organisation), and one user of each staff role.

A row says who may: for each role, the status for A's object, then for B's ("200 404"; one status: the same for
both); "*" is every role not named. A list's cell is its status and whose objects it shows ("200 AB", "200 A",
"200 -" for neither), and every item it shows must open at its own address for the same caller. Without a
token every operation the document secures answers 401 (an unknown token too, on every operation); anonymous
callers of a public one get the "*" cell. A read-only token gets 403 on every operation that changes something.
A refusal is a problem document that carries nothing of the object.
"""
from __future__ import annotations

import io
import re

import pytest

from grants.api.transitions import OBJECTS
from grants.auth.models import Programme
from grants.extensions import db
from tests.conftest import AuthActions
from tests.support.api import PDF, ROLES, bearer, build_world

# Staff who read every application once it is submitted. Evaluators read theirs only on their scorecards' pages,
# administrators none: at an application's own address the web answers both 404.
READERS = ("officer", "finance", "auditor")
APPLICATION_READ = {"*": "404", "owner": "200 404", "viewer": "200 404", "stranger": "404 200",
                    **dict.fromkeys(READERS, "200")}
# What follows a grant (its reports, controls, recovery cases, jobs, the scorecards behind its result) is read, as on
# the web, by the grantee's members (a viewer too) and by the same staff; evaluators and administrators get 404.
GRANT_READ = APPLICATION_READ
GRANT_LIST = {"*": "200 -", "owner": "200 A", "viewer": "200 A", "stranger": "200 B",
              **dict.fromkeys(READERS, "200 AB")}


def staff_fire(*who: str) -> dict[str, str]:
    """A transition staff fire: 200 for the roles named, 403 for whoever else reads the object, 404 for the rest."""
    return {"*": "404", "owner": "403 404", "viewer": "403 404", "stranger": "404 403",
            **dict.fromkeys(READERS, "403"), **dict.fromkeys(who, "200")}


MATRIX: dict[str, dict[str, str]] = {
    # The public's calls are the published ones (A's call); officers see drafts too (B's call).
    "GET /calls": {"*": "200 A", "officer": "200 AB"},
    "GET /calls/{call_id}": {"*": "200 404", "officer": "200"},
    "GET /applications": {"*": "200 -", "owner": "200 A", "viewer": "200 A", "stranger": "200 B",
                          **dict.fromkeys(READERS, "200 AB")},
    "GET /applications/{application_id}": APPLICATION_READ,
    "GET /applications/{application_id}/versions": APPLICATION_READ,
    "GET /applications/{application_id}/timeline": APPLICATION_READ,
    # Only owners and editors act for an organisation: a viewer's own organisation is not one of "theirs" here.
    "POST /applications": {"*": "403", "owner": "201 404", "viewer": "404", "stranger": "404 201"},
    "POST /applications/{application_id}/attachments/{requirement_id}": {
        "*": "403", "owner": "201 404", "viewer": "403 404", "stranger": "404 201"},
    "POST /applications/{object_id}/transitions/withdraw": {
        "*": "404", "owner": "200 404", "viewer": "403 404", "stranger": "404 200", **dict.fromkeys(READERS, "403")},
    # Staff read the scorecards behind any result; the applicant's members once the results are published (they
    # are here), anonymised; an evaluator, even one who scored the grant, never through this page.
    "GET /applications/{application_id}/scorecards": GRANT_READ,
    "GET /reports": GRANT_LIST,
    "GET /reports/{report_id}": GRANT_READ,
    # The grantee's owners and editors submit; a viewer and staff read it and may not.
    "POST /reports/{object_id}/transitions/submit": {
        "*": "404", "owner": "200 404", "viewer": "403 404", "stranger": "404 200", **dict.fromkeys(READERS, "403")},
    "GET /controls": GRANT_LIST,
    "GET /controls/{control_id}": GRANT_READ,
    "POST /controls/{object_id}/transitions/record_findings": staff_fire("auditor"),
    "GET /recoveries": GRANT_LIST,
    "GET /recoveries/{case_id}": GRANT_READ,
    # Finance closes a case repaid in full; the auditor who opened it may not.
    "POST /recoveries/{object_id}/transitions/close": staff_fire("finance"),
    # A grant's jobs are listed by grant: A's here, which B's people do not read.
    "GET /jobs": {"*": "404", "owner": "200 A", "viewer": "200 A", **dict.fromkeys(READERS, "200 A")},
    "GET /jobs/{job_id}": GRANT_READ,
    "POST /jobs/{object_id}/transitions/finance": staff_fire("finance"),
    # An organisation's page: its members (a viewer too) and the staff who read applications.
    "GET /organisations": GRANT_LIST,
    "GET /organisations/{organisation_id}": GRANT_READ,
    # A grant's agreement page and the payment schedule on it: the grantee's members, officers, finance, auditors
    # (finance and auditors also list every payment, the grants' here included).
    "GET /agreements": GRANT_LIST,
    "GET /agreements/{agreement_id}": GRANT_READ,
    "GET /payments": GRANT_LIST,
    "GET /payments/{payment_id}": GRANT_READ,
    # Finance puts a payment on hold; whoever else reads it may not.
    "POST /payments/{object_id}/transitions/suspend": staff_fire("finance"),
    # The public registry shows published entries (A's) to anyone, signed in or not; B's unpublished one to nobody.
    "GET /registry": {"*": "200 A"},
    "GET /registry/{entry_id}": {"*": "200 404"},
    # The dashboard's figures: staff who read applications; the programme's, not an organisation's.
    "GET /indicators": {"*": "403", **dict.fromkeys(READERS, "200")},
}

# What a list shows, by the names of the world's objects (the others of its kind may show or not); each item it
# shows must open at the list's address + /{id}.
LISTED = {"GET /calls": ("call",), "GET /applications": ("application",), "GET /reports": ("report",),
          "GET /controls": ("control",), "GET /recoveries": ("recovery",), "GET /jobs": ("job",),
          "GET /organisations": ("organisation",), "GET /agreements": ("agreement",), "GET /payments": ("payment",),
          "GET /registry": ("entry",)}

# How an operation is called for organisation A's object and B's, where the names of its path parameters do not
# say it (each {name_id} is the world's `name` of that organisation; a transition's {object_id} is the object
# named after its kind) or it needs a body (a transition's: the object's version).
REQUESTS = {
    "POST /applications": lambda world, org: {"json": {
        "call_id": world.objects["A"]["call"].id, "organisation_id": world.objects[org]["organisation"].id,
        "title": "Nowa pralnia"}},
    "POST /applications/{application_id}/attachments/{requirement_id}": lambda world, org: {
        "path": {"application_id": world.objects[org]["draft"].id, "requirement_id": "statute"},
        "data": {"file": (io.BytesIO(PDF), "statut.pdf")}},
    "GET /applications/{application_id}/scorecards": lambda world, org: {
        "path": {"application_id": world.objects[org]["grant"].id}},
    "GET /recoveries/{case_id}": lambda world, org: {"path": {"case_id": world.objects[org]["recovery"].id}},
    "GET /jobs": lambda world, org: {"query_string": {"application_id": world.objects[org]["grant"].id}},
    "POST /payments/{object_id}/transitions/suspend": lambda world, org: {"json": {
        "version": world.objects[org]["payment"].version, "reason": "Brak zaświadczenia de minimis."}},
}
SINGULAR = {"recoveries": "recovery"}
PROBLEM_KEYS = {"type", "title", "status", "errors", "unmet"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def world(app, db):
    app.config["API_RATE_LIMIT"] = 10**6
    return build_world()


def operations(document: dict) -> list[tuple[str, str, str, dict]]:
    """(row, method, path, operation) for every operation of the document, paths without /api/v1; the endpoint
    that fires transitions once per trigger its rows name, for every kind of object it serves."""
    found = []
    for path, item in document["paths"].items():
        path = path.removeprefix("/api/v1")
        for method, operation in item.items():
            if method == "parameters":
                continue
            if "{kind}" not in path:
                found.append((f"{method.upper()} {path}", method.upper(), path, operation))
                continue
            for kind in sorted(OBJECTS):
                stem = path.replace("{kind}", kind).removesuffix("{trigger}")
                rows = [row for row in MATRIX if row.startswith(f"{method.upper()} {stem}")] or \
                    [f"{method.upper()} {stem}<a trigger of {kind}>"]
                found += [(row, method.upper(), row.split(" ", 1)[1], operation) for row in rows]
    return found


def _cell(row: str, role: str) -> tuple[int, str | int]:
    """(status for A, status for B) or (status, whose objects a list shows)."""
    first, _sep, second = MATRIX[row].get(role, MATRIX[row].get("*", "")).partition(" ")
    return int(first), (int(second) if second.isdigit() else second or int(first))


def _request(world, row: str, path: str, org: str, operation: dict) -> tuple[str, dict]:
    """The address and the client's keyword arguments for the operation on organisation `org`'s object."""
    made = REQUESTS[row](world, org) if row in REQUESTS else {}
    values = made.pop("path", {})
    for name in re.findall(r"{(\w+)}", path):
        if name not in values:
            kind = row.split("/")[1]
            key = SINGULAR.get(kind, kind.removesuffix("s")) if name == "object_id" else name.removesuffix("_id")
            assert key in world.objects[org], f"{row}: no `{key}` in the world (tests/support/api.py) for {{{name}}}"
            values[name] = world.objects[org][key].id
            if name == "object_id":
                made.setdefault("json", {"version": world.objects[org][key].version})
    assert "requestBody" not in operation or made, f"{row} takes a body: say how to call it in REQUESTS"
    return "/api/v1" + path.format(**values), made


def test_every_operation_has_a_row(client):
    document = client.get("/api/v1/openapi.json").get_json()
    rows = {row for row, *_ in operations(document)}
    assert not rows - MATRIX.keys(), f"operations without a row in MATRIX (who may call them?): {rows - MATRIX.keys()}"
    assert not MATRIX.keys() - rows, f"rows of operations the API no longer has: {MATRIX.keys() - rows}"
    for row, cells in MATRIX.items():
        assert set(cells) <= {"*", *ROLES}, f"{row}: unknown roles {set(cells) - {'*', *ROLES}}"
        assert "*" in cells or set(ROLES[1:]) <= set(cells), f"{row}: say what every role gets (or '*')"
        for cell in cells.values():
            assert re.fullmatch(r"\d{3}( \d{3}| A| B| AB| -)?", cell), f"{row}: a cell reads '{cell}'"
        assert (row in LISTED) == any(cell[4:] in ("A", "B", "AB", "-") for cell in cells.values()), \
            f"{row}: a list says whose objects it shows, and LISTED names them"


def _check(world, client, row, method, path, operation, role, write, wrong) -> None:
    secured = bool(operation.get("security"))
    lists = row in LISTED
    for org in ("A", "B"):
        url, kwargs = _request(world, row, path, org, operation)
        token = world.token(role, write) if role != "anonymous" else None
        response = client.open(url, method=method, headers=bearer(token), **kwargs)
        if role == "anonymous" and secured:
            expected = 401
        elif method in WRITES and not write:
            expected = 403
        else:
            a, b = _cell(row, role)
            expected = a if lists or org == "A" else b
        if response.status_code != expected:
            wrong.append(f"{row} as {role}{'' if write else ' (read-only)'} on {org}'s: {response.status_code}, "
                         f"expected {expected}")
            continue
        if response.status_code >= 400:
            if response.mimetype != "application/problem+json" or not set(response.get_json()) <= PROBLEM_KEYS:
                wrong.append(f"{row} as {role} on {org}'s: a refusal that is not a bare problem document: "
                             f"{response.get_data(as_text=True)[:200]}")
        elif lists and response.status_code == 200:
            _check_list(world, client, row, role, token, response.get_json()["items"], wrong)
        if lists:
            return  # a list has no object of A or B: once is enough


def _check_list(world, client, row, role, token, items, wrong) -> None:
    shown = {item["id"] for item in items}
    whose = _cell(row, role)[1]
    for org in ("A", "B"):
        ids = {world.objects[org][name].id for name in LISTED[row]}
        if (org in whose and not ids <= shown) or (org not in whose and ids & shown):
            wrong.append(f"{row} as {role}: shows {sorted(shown)}, expected {whose} ({org}'s are {sorted(ids)})")
    for item in items:  # nothing is listed that its own address refuses
        status = client.get(f"/api/v1{row.split(' ', 1)[1]}/{item['id']}", headers=bearer(token)).status_code
        if status != 200:
            wrong.append(f"{row} as {role} shows {item['id']}, which answers {status} at its address")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_meets_the_matrix(client, world, role):
    document = client.get("/api/v1/openapi.json").get_json()
    wrong: list[str] = []
    for row, method, path, operation in operations(document):
        assert row in MATRIX, f"{row} has no row in MATRIX"
        if role == "anonymous":
            for org in ("A", "B"):
                url, kwargs = _request(world, row, path, org, operation)
                status = client.open(url, method=method, headers=bearer("pmst_unknown"), **kwargs).status_code
                if status != 401:
                    wrong.append(f"{row} with an unknown token: {status}, expected 401")
        elif method in WRITES:
            _check(world, client, row, method, path, operation, role, False, wrong)
        _check(world, client, row, method, path, operation, role, method in WRITES, wrong)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("staff_read_drafts", [False, True])
def test_staff_read_drafts_through_the_api_as_on_the_web_and_only_when_the_programme_lets_them(
        app, client, world, staff_read_drafts):
    """A draft is its applicant's own until it is submitted, unless the programme lets staff read drafts (an
    administrator's setting): then officers, finance and auditors read both organisations' drafts, at their
    addresses and in the list, and the web's application page answers them the same."""
    db.session.add(Programme(name="Pomost", staff_read_drafts=staff_read_drafts))
    db.session.commit()
    drafts = {org: world.objects[org]["draft"].id for org in ("A", "B")}
    for role in ROLES[1:]:
        token = world.token(role, False)
        listed = {item["id"] for item in client.get("/api/v1/applications?limit=100",
                                                    headers=bearer(token)).get_json()["items"]}
        web = app.test_client()
        web.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        AuthActions(web).login(world.users[role].email)
        for org, draft in drafts.items():
            own = (role in ("owner", "viewer") and org == "A") or (role == "stranger" and org == "B")
            readable = own or (staff_read_drafts and role in READERS)
            api = client.get(f"/api/v1/applications/{draft}", headers=bearer(token)).status_code
            page = web.get(f"/applications/{draft}").status_code
            assert (api, page) == ((200, 200) if readable else (404, 404)), (role, org, staff_read_drafts)
            assert (draft in listed) == readable, (role, org, staff_read_drafts)
