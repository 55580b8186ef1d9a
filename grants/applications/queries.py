"""Read-only rules about applications: what is editable, what is missing, what the budget adds up to.

Nothing here writes; the workflow binding, the operations and the views all read through it.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from grants.applications.models import Application, ApplicationVersion, Attachment
from grants.extensions import db

EDITABLE = ("draft", "correction")
# Where the call's money is committed: from selection until the grant is closed or recovered.
AWARDED_STATES = ("selected", "agreement", "implementation", "settlement", "durability", "recovery", "closed")
DEFAULT_FORMAL_CHECKLIST = (
    {"id": "signed", "label": {"pl": "Wniosek podpisany przez osoby uprawnione do reprezentacji",
                               "en": "Signed by the people entitled to represent the applicant"}},
    {"id": "registry", "label": {"pl": "Dane zgodne z rejestrem (KRS, CEIDG, REGON)",
                                 "en": "Details match the registers (KRS, CEIDG, REGON)"}},
    {"id": "legible", "label": {"pl": "Załączniki czytelne i kompletne", "en": "Attachments legible and complete"}},
)


def answer_item(question_id: str) -> str:
    return f"answer:{question_id}"


def attachment_item(requirement_id: str) -> str:
    return f"attachment:{requirement_id}"


def correction_items(call) -> list[str]:
    """Every item an officer may ask to correct: each question and each required attachment."""
    return [answer_item(q["id"]) for q in call.form or ()] + \
        [attachment_item(r["id"]) for r in call.required_attachments or ()]


def editable_items(application: Application) -> set[str] | None:
    """None: everything may change (a draft); a set: only these items (a correction); empty: nothing."""
    if application.status == "draft":
        return None
    if application.status == "correction":
        return set(application.correction_items or ())
    return set()


def budget_totals(lines: list[dict]) -> dict[str, Decimal]:
    """Totals of budget lines: cost, own contribution, requested (cost − own) and own share in percent."""
    cost = sum((Decimal(str(line.get("cost") or 0)) for line in lines), Decimal("0"))
    own = sum((Decimal(str(line.get("own") or 0)) for line in lines), Decimal("0"))
    share = (own * 100 / cost).quantize(Decimal("0.01")) if cost else Decimal("0")
    return {"cost": cost, "own": own, "requested": cost - own, "own_share": share}


def missing_answers(form: list[dict], answers: dict) -> list[str]:
    """Ids of required questions without an answer."""
    return [q["id"] for q in form or () if q.get("required") and answers.get(q["id"]) in (None, "", [], {})]


def last_version(application: Application) -> ApplicationVersion | None:
    return db.session.scalar(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                             .order_by(ApplicationVersion.number.desc()).limit(1))


def versions(application: Application) -> list[ApplicationVersion]:
    return list(db.session.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id == application.id)
                                   .order_by(ApplicationVersion.number)))


def current_attachments(application: Application, latest_version: ApplicationVersion | None = None, *,
                        versions_read: bool = False) -> list[Attachment]:
    """The attachments that make up the application now: for each requirement, the latest uploads that are
    either frozen in the last version or added since (a correction's new file replaces the old one).

    versions_read: the caller has read the versions and latest_version is the last (None: there is none)."""
    rows = db.session.scalars(select(Attachment).where(Attachment.application_id == application.id)
                              .order_by(Attachment.id)).all()
    if not versions_read:
        latest_version = latest_version or last_version(application)
    frozen_ids = {a["id"] for a in latest_version.attachments} if latest_version else set()
    by_requirement: dict[str, list[Attachment]] = {}
    for row in rows:
        by_requirement.setdefault(row.requirement_id, []).append(row)
    result = []
    for requirement_rows in by_requirement.values():
        fresh = [r for r in requirement_rows if r.frozen_at is None]
        result += fresh if fresh else [r for r in requirement_rows if r.id in frozen_ids]
    return sorted(result, key=lambda a: a.id)


def missing_attachments(application: Application, attachments: list[Attachment] | None = None) -> list[str]:
    present = {a.requirement_id for a in (current_attachments(application) if attachments is None else attachments)}
    return [r["id"] for r in application.call.required_attachments or ()
            if r.get("required") and r["id"] not in present]


def formal_checklist(call) -> list[tuple[str, dict]]:
    """The items an officer ticks by hand in the formal check: the call's own, else the default list."""
    items = call.parameter("formal_checklist") or DEFAULT_FORMAL_CHECKLIST
    return [(item["id"], item["label"]) for item in items]


def formal_checklist_missing(application: Application) -> list[str]:
    ticked = application.formal_checklist or {}
    return [item_id for item_id, _label in formal_checklist(application.call) if not ticked.get(item_id)]


def budget_available(call_id: int, budget: Decimal) -> Decimal:
    """The call's budget less what is awarded to applications holding money, summed in SQL."""
    committed = db.session.scalar(
        select(func.coalesce(func.sum(Application.awarded_amount), 0))
        .where(Application.call_id == call_id, Application.status.in_(AWARDED_STATES))
    )
    return Decimal(budget) - Decimal(committed)


def counts_by_call(model: type) -> dict[int, dict[str, int]]:
    """{call id: {state: number}} of objects that belong to an application (payments, reports …)."""
    query = (select(Application.call_id, model.status, func.count())
             .join(Application, Application.id == model.application_id)
             .group_by(Application.call_id, model.status))
    counts: dict[int, dict[str, int]] = {}
    for call_id, status, count in db.session.execute(query):
        counts.setdefault(call_id, {})[status] = count
    return counts
