"""Publishing an organisation in the registry, and searching it.

An owner of the organisation publishes it and picks what the public sees: products and services, the industry,
where it works, its social-economy status and which contact details. Search ignores case and accents on both
databases ("spoldzielnia" finds "Spółdzielnia"): the entry stores the fold of its name, products, services and
town (grants/search.py); PostgreSQL matches each word as a prefix with its full-text search over that folded text,
SQLite finds each word within it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, literal_column, select
from sqlalchemy.orm import contains_eager

from grants.access import membership_role
from grants.applications.models import Application
from grants.auth.models import MembershipRole, Organisation, OrganisationType, User
from grants.calls.models import Call
from grants.errors import Refusal
from grants.extensions import db
from grants.registry.models import SE_STATUSES, VOIVODESHIPS, RegistryEntry
from grants.search import fold
from grants.services import audit
from grants.types import utcnow

PAGE = 20
COUNT_LIMIT = 1000
RECEIVED = ("implementation", "settlement", "durability", "closed")  # an agreement signed: the grant was received
MAX_ID = 2**31 - 1
INDUSTRIES = {
    "catering": _l("Catering and food"), "cleaning": _l("Cleaning and maintenance"),
    "construction": _l("Construction and renovation"), "care": _l("Care and social services"),
    "crafts": _l("Crafts and manufacturing"), "culture": _l("Culture and events"),
    "education": _l("Education and training"), "green": _l("Green areas and recycling"),
    "it": _l("IT and office services"), "retail": _l("Shops and trade"), "tourism": _l("Tourism and leisure"),
    "other": _l("Other"),
}
SE_STATUS_LABELS = {"ps": _l("Social enterprise (PS status)"), "pes": _l("Social-economy entity (PES)"),
                    "none": _l("Not declared")}
FIELDS = ("products", "services", "industry", "town", "county", "voivodeship", "se_status", "email", "phone",
          "website", "show_email", "show_phone", "show_website", "show_address")
WORD = re.compile(r"[a-z0-9]+")


def entry_of(organisation: Organisation) -> RegistryEntry | None:
    return db.session.scalar(select(RegistryEntry).where(RegistryEntry.organisation_id == organisation.id))


def is_owner(user, organisation: Organisation) -> bool:
    return membership_role(user, organisation.id) == MembershipRole.OWNER


def save(organisation: Organisation, actor: User, published: bool, data: dict[str, Any]) -> RegistryEntry:
    """The owner's choices; published, the entry is public at once, unpublished it disappears at once."""
    if not is_owner(actor, organisation):
        raise Refusal(_l("Only an owner of the organisation decides what the registry shows."), status=403)
    errors = {}
    if data.get("industry") and data["industry"] not in INDUSTRIES:
        errors["industry"] = _l("Choose from the list.")
    if data.get("voivodeship") and data["voivodeship"] not in VOIVODESHIPS:
        errors["voivodeship"] = _l("Choose from the list.")
    if data.get("se_status") not in SE_STATUSES:
        errors["se_status"] = _l("Choose from the list.")
    if published and not (data.get("products") or data.get("services")):
        errors["services"] = _l("Say what you make or offer: the registry is searched by it.")
    if errors:
        raise Refusal(_l("The entry is not saved: see the marked fields."), status=422, errors=errors)
    entry = entry_of(organisation) or RegistryEntry(organisation_id=organisation.id)
    for name in FIELDS:
        value = data.get(name)
        setattr(entry, name, (value.strip() or None) if isinstance(value, str) else value)
    entry.se_status = data.get("se_status") or "none"
    entry.name = organisation.name
    entry.staff_published_by_id = entry.staff_published_at = None  # the owner's choices from now on
    if published and not entry.published:
        entry.published_at = utcnow()
    entry.published = published
    db.session.add(entry)
    db.session.flush()
    audit.record("registry:entry:saved", actor=actor, obj=organisation,
                 data={"published": published, "shown": [n for n in FIELDS if n.startswith("show_") and data.get(n)]})
    return entry


def grantees() -> list[tuple[Organisation, RegistryEntry | None, int]]:
    """Every organisation that received a grant (an agreement signed), with its entry and how many grants."""
    received = (select(Application.organisation_id, func.count().label("grants"))
                .where(Application.status.in_(RECEIVED)).group_by(Application.organisation_id).subquery())
    rows = db.session.execute(select(Organisation, RegistryEntry, received.c.grants)
                              .join(received, received.c.organisation_id == Organisation.id)
                              .outerjoin(RegistryEntry, RegistryEntry.organisation_id == Organisation.id)
                              .order_by(Organisation.name, Organisation.id))
    return [tuple(row) for row in rows]


def publish_basic(organisation: Organisation, actor: User, town: str | None) -> RegistryEntry:
    """Staff publish a grantee's basic data (name, kind, KRS, town, the grants it received): never its contact
    details, and never over the owner's own published entry."""
    if db.session.scalar(select(func.count()).where(Application.organisation_id == organisation.id,
                                                    Application.status.in_(RECEIVED))) == 0:
        raise Refusal(_l("Only a grantee's data is published this way: it has received no grant."), status=409)
    entry = entry_of(organisation)
    if entry is not None and entry.published:
        raise Refusal(_l("It is already in the registry."), status=409)
    entry = entry or RegistryEntry(organisation_id=organisation.id, se_status="none")
    entry.name, entry.town = organisation.name, (town or "").strip()[:120] or entry.town
    entry.show_email = entry.show_phone = entry.show_website = entry.show_address = False
    entry.published, entry.published_at = True, utcnow()
    entry.staff_published_by_id, entry.staff_published_at = actor.id, utcnow()
    db.session.add(entry)
    db.session.flush()
    audit.record("registry:entry:published_by_staff", actor=actor, obj=organisation, data={"town": entry.town})
    return entry


@dataclass(frozen=True)
class Filters:
    q: str = ""
    kind: str | None = None
    voivodeship: str | None = None
    industry: str | None = None
    se_status: str | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        def chosen(name, allowed):
            value = args.get(name)
            return value if value in allowed else None

        return cls(q=(args.get("q") or "").strip()[:200],
                   kind=chosen("kind", {t.value for t in OrganisationType}),
                   voivodeship=chosen("voivodeship", VOIVODESHIPS), industry=chosen("industry", INDUSTRIES),
                   se_status=chosen("status", SE_STATUSES))


def _matching(term: str):
    words = WORD.findall(fold(term))[:10]
    if not words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        # The stored to_tsvector('simple', search_text), a column only PostgreSQL has (grants/search.py).
        return literal_column("registry_entry.search_vector").op("@@")(func.to_tsquery("simple", query))
    return and_(*(RegistryEntry.search_text.contains(word, autoescape=True) for word in words))


def found(filters: Filters) -> Select | None:
    """The published entries the filters match (with their organisations), in no order; None for a search of
    symbols alone, which nothing can match."""
    query = (select(RegistryEntry).join(RegistryEntry.organisation).options(contains_eager(RegistryEntry.organisation))
             .where(RegistryEntry.published))  # as the partial index says it: its rows in its order
    if filters.q:
        matching = _matching(filters.q)
        if matching is None:
            return None
        query = query.where(matching)
    for column, value in ((Organisation.type, filters.kind), (RegistryEntry.voivodeship, filters.voivodeship),
                          (RegistryEntry.industry, filters.industry), (RegistryEntry.se_status, filters.se_status)):
        if value:
            query = query.where(column == value)
    return query


def search(filters: Filters, number: int) -> dict[str, Any]:
    query = found(filters)
    if query is None:  # only symbols: nothing can match them
        return {"entries": [], "total": 0, "more": False, "number": 1, "pages": 1}
    # Counted up to a limit: "more than 1,000" tells a person to narrow the search, and counting every match of
    # a common word over a large registry would cost more than the page itself.
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).limit(COUNT_LIMIT + 1)
                                                               .subquery()))
    pages = max(-(-min(total, COUNT_LIMIT) // PAGE), 1)
    number = min(max(number, 1), pages)
    entries = db.session.scalars(query.order_by(RegistryEntry.name, RegistryEntry.id)
                                 .limit(PAGE).offset((number - 1) * PAGE)).all()
    return {"entries": entries, "total": min(total, COUNT_LIMIT), "more": total > COUNT_LIMIT, "number": number,
            "pages": pages}


def shown_to(user, entry_id: int) -> RegistryEntry | None:
    """A published entry; an unpublished one only to the organisation's owners (their preview)."""
    entry = db.session.get(RegistryEntry, entry_id) if 0 < entry_id <= MAX_ID else None
    if entry is None or not (entry.published or is_owner(user, entry.organisation)):
        return None
    return entry


def shown_contact(entry: RegistryEntry) -> dict[str, str]:
    """The contact details the owner chose to show, of those given: address, email, phone, website."""
    ticked = {"address": entry.show_address and entry.organisation.address, "email": entry.show_email and entry.email,
              "phone": entry.show_phone and entry.phone, "website": entry.show_website and entry.website}
    return {name: value for name, value in ticked.items() if value}


def grants_of(organisation: Organisation) -> list[tuple[str, str, str | None, Any]]:
    """(project, call, grant number, amount awarded) of the grants the organisation received (its agreement
    signed) from this programme's calls."""
    return db.session.execute(
        select(Application.title, Call.title, Application.number, Application.awarded_amount)
        .join(Call, Call.id == Application.call_id)
        .where(Application.organisation_id == organisation.id, Application.status.in_(RECEIVED))
        .order_by(Application.submitted_at.desc())).all()
