"""What the API's tests share: personal tokens, and a world with one user of every role and, for two applicant
organisations A and B, one object of every kind the API serves.

An area that adds endpoints adds its objects to `build_world`, under both organisations (`objects["A"]` and
`objects["B"]`), named as the API's addresses name them: `{call_id}` is the world's "call", a transition's
`{object_id}` of kind "payments" its "payment". The access matrix and the schema test then reach them with real ids.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from grants.api import tokens
from grants.auth.models import Membership, MembershipRole, Role, User
from grants.evaluation.models import PoolMember
from grants.extensions import db
from tests import factories

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
STATUTE = {"id": "statute", "name": {"pl": "Statut", "en": "Statute"}, "types": ["application/pdf"]}

# Who calls: nobody, the owner of organisation A, a member of A who only reads (viewer), the owner of B (an
# applicant of another organisation), and one user of each staff role.
ROLES = ("anonymous", "owner", "viewer", "stranger", "evaluator", "officer", "finance", "auditor", "admin")
STAFF = {"evaluator": Role.EVALUATOR, "officer": Role.PROGRAM_OFFICER, "finance": Role.FINANCE_OFFICER,
         "auditor": Role.AUDITOR, "admin": Role.ADMIN}


def bearer(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def token(user: User, write: bool = False, days: int = 30) -> str:
    """A new personal token of the user, committed; returns its secret."""
    _row, secret = tokens.create(user, "test", write, days)
    db.session.commit()
    return secret


@dataclass
class World:
    users: dict[str, User]
    objects: dict[str, dict[str, Any]]  # "A" / "B" → name → object
    _tokens: dict[tuple[str, bool], str] = field(default_factory=dict)

    def token(self, role: str, write: bool) -> str | None:
        """The role's read or read-write token (made once); None for the anonymous caller."""
        if role == "anonymous":
            return None
        if (role, write) not in self._tokens:
            self._tokens[role, write] = token(self.users[role], write)
        return self._tokens[role, write]


def _submitted(call, organisation, owner, title: str):
    """An application submitted as the web submits one: its statute uploaded, a frozen version, a timeline."""
    from grants.applications import operations as ops

    application = factories.application(call, organisation, status="draft", title=title, created_by_id=owner.id)
    ops.add_attachment(application, owner, "statute", io.BytesIO(PDF), "statut.pdf")
    ops.submit(application, owner)
    db.session.flush()
    return application


def build_world() -> World:
    """Users of every role (the evaluator in the published call's pool); a published call and a draft call (A's
    and B's "call": the public sees only the first); for each of the organisations A and B a draft and a submitted
    application of the published call. Committed."""
    owner, stranger = factories.user(Role.APPLICANT), factories.user(Role.APPLICANT)
    users = {"owner": owner, "stranger": stranger, "viewer": factories.user(Role.APPLICANT),
             **{name: factories.user(role) for name, role in STAFF.items()}}
    published = factories.call(required_attachments=[STATUTE])
    draft_call = factories.call(status="draft", required_attachments=[STATUTE])
    organisation_type = factories.OrganisationType(sorted(published.type.eligible_organisation_types)[0])
    objects: dict[str, dict[str, Any]] = {}
    for key, member, call in (("A", owner, published), ("B", stranger, draft_call)):
        organisation = factories.organisation(member, type=organisation_type, name=f"Spółdzielnia {key}")
        objects[key] = {
            "organisation": organisation,
            "call": call,
            "draft": factories.application(published, organisation, status="draft", title=f"Szkic {key}"),
            "application": _submitted(published, organisation, member, f"Wniosek {key}"),
        }
    db.session.add(Membership(user=users["viewer"], organisation=objects["A"]["organisation"],
                              role=MembershipRole.VIEWER))
    db.session.add(PoolMember(call_id=published.id, user_id=users["evaluator"].id))  # an evaluator of the call
    db.session.commit()
    return World(users=users, objects=objects)


def every_page(client, url: str, secret: str | None = None, limit: int = 2) -> list[dict]:
    """Every item of a list, following its cursor page by page (each id once, or the test fails)."""
    headers = bearer(secret) if secret else {}
    items, cursor = [], None
    while True:
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                              headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len({item["id"] for item in items}) == len(items)
    return items
