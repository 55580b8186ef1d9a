"""Defining calls: drafts the officer edits freely, publishing (which freezes them), audited amendments.

Every operation takes the acting user, validates before it changes anything, flushes and writes its
audit entry in the caller's transaction; the request boundary commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from grants.auth.models import Membership, MembershipRole, User
from grants.calls.labels import FILE_TYPE_LABELS, QUESTION_TYPE_LABELS, field_label, parameter_spec
from grants.calls.models import MONEY_PARAMETERS, Call, CallAmendment, CallStatus
from grants.errors import Refusal
from grants.extensions import db
from grants.services import audit
from grants.services.mail import queue_mail
from grants.types import finite_decimal, utcnow
from workflows.call_types import INFORMAL_GROUP, NGO, CallType

QUESTION_TYPES = tuple(QUESTION_TYPE_LABELS)
CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
FILE_TYPES = tuple(FILE_TYPE_LABELS)
MB = 1024 * 1024
MAX_ATTACHMENT_MB = 100
MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_WEIGHT = Decimal("1000")  # a criterion's weight multiplies its points
ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
CENT = Decimal("0.01")
REASON_REQUIRED = _l("Give the reason for the amendment; applicants will read it.")

# Eligibility rules the officer sets per call (beyond the call type's own parameters).
ELIGIBILITY = ("eligible_organisation_types", "max_requested_amount", "max_ngo_age_months", "min_group_adults",
               "max_jobs")
# Set once per call type, not per call: currency comes from the programme, rates from dated tables.
FIXED_PARAMETERS = frozenset({"currency"})


# --- errors --------------------------------------------------------------------------------------

class CallError(Refusal):
    """A refusal with a message for the officer; `status` is what a view answers with."""


class CallInvalid(CallError):
    """The data breaks rules; `errors` maps field paths ('budget', 'questions.2.id', …) to messages."""

    status = 422

    def __init__(self, errors: dict[str, Any]):
        super().__init__(_l("The call was not saved: correct the fields marked below."), errors=errors)


class CallChanged(CallError):
    """Someone saved the call after this form was opened."""

    def __init__(self):
        super().__init__(_l("This call was changed meanwhile by someone else. Your changes were not saved: "
                            "reload the page to see the current version, then make them again."))


class CallFrozen(CallError):
    def __init__(self):
        super().__init__(_l("This call is published, so it can no longer be edited. Changes to a published "
                            "call are made as an amendment, with a reason."))


class NotPublished(CallError):
    def __init__(self):
        super().__init__(_l("Only a published call is amended; edit the draft instead."))


class NothingChanged(CallError):
    status = 422

    def __init__(self):
        super().__init__(_l("Nothing changed: the amendment was not recorded."))


class PublishRefused(CallError):
    status = 422

    def __init__(self, problems: list):
        super().__init__(_l("The call was not published."))
        self.problems = problems


# --- what a call is made of ----------------------------------------------------------------------

@dataclass
class CallData:
    """Everything the officer defines about a call, in stored shape (UTC datetimes, Decimal money)."""

    title: str
    description: str | None
    budget: Decimal | None
    opens_at: datetime | None
    closes_at: datetime | None
    parameters: dict[str, Any] = field(default_factory=dict)
    form: list[dict[str, Any]] = field(default_factory=list)
    required_attachments: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)


def eligibility_parameters(call_type: CallType) -> dict[str, Any]:
    """The eligibility rules that apply to this call type, with their defaults (None: no limit)."""
    defaults = call_type.defaults()
    types = call_type.eligible_organisation_types
    rules: dict[str, Any] = {"eligible_organisation_types": sorted(types)}
    if "package_cap" not in defaults:  # a package's value cap is its amount limit
        rules["max_requested_amount"] = defaults.get("max_requested_amount")
    if NGO in types:
        rules["max_ngo_age_months"] = defaults.get("max_ngo_age_months")
    if INFORMAL_GROUP in types:
        rules["min_group_adults"] = defaults.get("min_group_adults", 3)
    if "max_jobs" in defaults:
        rules["max_jobs"] = defaults["max_jobs"]
    return rules


def rule_parameters(call_type: CallType) -> dict[str, Any]:
    """The type's other parameters an officer may change per call (numbers and yes/no), with defaults."""
    editable = {}
    for name, default in call_type.defaults().items():
        if name in ELIGIBILITY or name in FIXED_PARAMETERS or name.endswith("_table"):
            continue
        if name == "discrepancy_percent" and not call_type.uses("request_third_review"):
            continue  # one evaluator: there is no second score to differ from
        if isinstance(default, (bool, int, Decimal)):
            editable[name] = default
    return editable


def editable_parameters(call_type: CallType) -> dict[str, Any]:
    return {**eligibility_parameters(call_type), **rule_parameters(call_type)}


def effective_parameters(call: Call) -> dict[str, Any]:
    """The call's value of every editable parameter (its own, else its type's default)."""
    values = {}
    for name, default in editable_parameters(call.type).items():
        stored = (call.parameters or {}).get(name, default)
        values[name] = _native(name, default, stored)
    return values


def _native(name: str, default: Any, value: Any) -> Any:
    if value is None:
        return None
    if name == "eligible_organisation_types":
        return sorted(value)
    if name in MONEY_PARAMETERS or isinstance(default, Decimal):
        return Decimal(str(value))
    return value


def _plain(value: Decimal) -> str:
    """Decimal as text without exponent or trailing zeros: 1.50 → '1.5', 100 → '100'."""
    return format(value.normalize(), "f")


def _json_parameter(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in MONEY_PARAMETERS:
        return str(Decimal(str(value)).quantize(CENT))
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(value)
    return value


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _bilingual(value: Any) -> dict[str, str]:
    value = value if isinstance(value, dict) else {}
    return {"pl": _text(value.get("pl")), "en": _text(value.get("en"))}


def normalise_question(q: dict) -> dict:
    return {
        "id": _text(q.get("id")),
        "type": q.get("type") or "short_text",
        "label": _bilingual(q.get("label")),
        "help": _bilingual(q.get("help")),
        "required": bool(q.get("required")),
        "options": [_text(o) for o in q.get("options") or () if _text(o)],
    }


def normalise_attachment(a: dict) -> dict:
    return {
        "id": _text(a.get("id")),
        "name": _bilingual(a.get("name")),
        "types": [t for t in FILE_TYPES if t in set(a.get("types") or ())],
        "max_size": None if a.get("max_size") is None else int(a["max_size"]),
        "required": bool(a.get("required")),
    }


def normalise_criterion(c: dict) -> dict:
    weight = finite_decimal(c.get("weight"))
    return {
        "id": _text(c.get("id")),
        "name": _bilingual(c.get("name")),
        "max_points": None if c.get("max_points") is None else int(c["max_points"]),
        "weight": _plain(weight) if weight is not None else None,
        "section_min": None if c.get("section_min") in (None, "") else int(c["section_min"]),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(CENT))


def _snapshot(call_type: CallType, data: CallData) -> dict[str, Any]:
    """The comparable, JSON-ready form of a call's definition, one key per field (parameters one each)."""
    snapshot: dict[str, Any] = {
        "title": _text(data.title),
        "description": _text(data.description) or None,
        "budget": _money(data.budget),
        "opens_at": _iso(data.opens_at),
        "closes_at": _iso(data.closes_at),
        "form": [normalise_question(q) for q in data.form or ()],
        "required_attachments": [normalise_attachment(a) for a in data.required_attachments or ()],
        "criteria": [normalise_criterion(c) for c in data.criteria or ()],
    }
    for name in editable_parameters(call_type):
        snapshot[f"parameters.{name}"] = _json_parameter(name, data.parameters.get(name))
    return snapshot


def call_data(call: Call) -> CallData:
    """What the call defines now, as CallData (parameters resolved against the type's defaults)."""
    return CallData(title=call.title, description=call.description, budget=call.budget, opens_at=call.opens_at,
                    closes_at=call.closes_at, parameters=effective_parameters(call), form=list(call.form or ()),
                    required_attachments=list(call.required_attachments or ()), criteria=list(call.criteria or ()))


def differences(call: Call, data: CallData) -> dict[str, list]:
    """{field: [before, after]} for every field whose stored value the new data changes."""
    before, after = _snapshot(call.type, call_data(call)), _snapshot(call.type, data)
    return {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}


# --- validation ----------------------------------------------------------------------------------

def _check_id(prefix: str, value: str, seen: set[str], errors: dict) -> None:
    if not value:
        errors[f"{prefix}.id"] = _l("Give an id.")
    elif not ID_PATTERN.fullmatch(value):
        errors[f"{prefix}.id"] = _l("Use lowercase letters, digits and underscores (at most 40), "
                                    "starting with a letter.")
    elif value in seen:
        errors[f"{prefix}.id"] = _l("This id is already used in this list.")
    seen.add(value)


def _check_bilingual(prefix: str, kind: str, value: dict, errors: dict) -> None:
    if not value["pl"]:
        errors[f"{prefix}.{kind}_pl"] = _l("Give it in Polish.")
    if not value["en"]:
        errors[f"{prefix}.{kind}_en"] = _l("Give it in English.")


def validate(call_type: CallType, data: CallData) -> dict[str, Any]:
    """Field path → message for every rule the data breaks; empty when it may be saved."""
    errors: dict[str, Any] = {}
    if not _text(data.title):
        errors["title"] = _l("Give the call a title.")
    if data.budget is None or not data.budget.is_finite() or data.budget <= 0:
        errors["budget"] = _l("The budget must be more than 0.")
    elif data.budget > MAX_MONEY:
        errors["budget"] = _l("At most %(max)s.", max=MAX_MONEY)
    elif data.budget != data.budget.quantize(CENT):
        errors["budget"] = _l("Use at most 2 decimal places.")
    if data.opens_at is None:
        errors["opens_at"] = _l("Give the opening time.")
    if data.closes_at is None:
        errors["closes_at"] = _l("Give the closing time.")
    elif data.opens_at is not None and data.closes_at <= data.opens_at:
        errors["closes_at"] = _l("The call must close after it opens.")
    _validate_parameters(call_type, data.parameters, errors)

    seen: set[str] = set()
    for i, raw in enumerate(data.form or ()):
        q, prefix = normalise_question(raw), f"questions.{i}"
        _check_id(prefix, q["id"], seen, errors)
        if q["type"] not in QUESTION_TYPES:
            errors[f"{prefix}.type"] = _l("Choose a question type.")
        _check_bilingual(prefix, "label", q["label"], errors)
        if q["type"] in CHOICE_TYPES:
            if len(q["options"]) < 2:
                errors[f"{prefix}.options"] = _l("List at least two options, one per line.")
            elif len(set(q["options"])) != len(q["options"]):
                errors[f"{prefix}.options"] = _l("Each option must be different.")
        elif q["options"]:
            errors[f"{prefix}.options"] = _l("Only choice questions have options; clear this field.")

    seen = set()
    for i, raw in enumerate(data.required_attachments or ()):
        a, prefix = normalise_attachment(raw), f"attachments.{i}"
        _check_id(prefix, a["id"], seen, errors)
        _check_bilingual(prefix, "name", a["name"], errors)
        if not a["types"] or len(a["types"]) != len(set(raw.get("types") or ())):
            errors[f"{prefix}.types"] = _l("Choose at least one of the listed file types.")
        if a["max_size"] is None or not MB <= a["max_size"] <= MAX_ATTACHMENT_MB * MB:
            errors[f"{prefix}.max_size"] = _l("Between 1 and %(max)d MB.", max=MAX_ATTACHMENT_MB)

    seen = set()
    for i, raw in enumerate(data.criteria or ()):
        c, prefix = normalise_criterion(raw), f"criteria.{i}"
        _check_id(prefix, c["id"], seen, errors)
        _check_bilingual(prefix, "name", c["name"], errors)
        if c["max_points"] is None or c["max_points"] <= 0:
            errors[f"{prefix}.max_points"] = _l("Give the maximum points (more than 0).")
        weight = finite_decimal(c["weight"])
        if weight is None or weight <= 0:
            errors[f"{prefix}.weight"] = _l("The weight must be more than 0.")
        elif weight > MAX_WEIGHT:
            errors[f"{prefix}.weight"] = _l("At most %(max)s.", max=MAX_WEIGHT)
        if c["section_min"] is not None:
            if c["section_min"] < 0:
                errors[f"{prefix}.section_min"] = _l("The section minimum cannot be negative.")
            elif c["max_points"] is not None and c["section_min"] > c["max_points"]:
                errors[f"{prefix}.section_min"] = _l("The section minimum cannot exceed the maximum points.")
    return errors


def _validate_parameters(call_type: CallType, parameters: dict[str, Any], errors: dict) -> None:
    for name, default in editable_parameters(call_type).items():
        value, path = parameters.get(name), f"parameters.{name}"
        if name == "eligible_organisation_types":
            chosen = set(value or ())
            if not chosen:
                errors[path] = _l("Choose at least one type of applicant.")
            elif not chosen <= call_type.eligible_organisation_types:
                errors[path] = _l("Only the types this kind of call admits may be chosen.")
            continue
        optional = name in ("max_requested_amount", "max_ngo_age_months")
        if value is None:
            if not optional and not isinstance(default, bool):
                errors[path] = _l("Give a value.")
            continue
        spec = parameter_spec(name)
        if isinstance(default, bool) or isinstance(value, bool):
            continue
        number = finite_decimal(value)
        if number is None:
            errors[path] = _l("Give a value.")
        elif spec.minimum is not None and number < Decimal(str(spec.minimum)):
            errors[path] = _l("At least %(min)s.", min=spec.minimum)
        elif spec.maximum is not None and number > Decimal(str(spec.maximum)):
            errors[path] = _l("At most %(max)s.", max=spec.maximum)
        elif name in MONEY_PARAMETERS and number > MAX_MONEY:
            errors[path] = _l("At most %(max)s.", max=MAX_MONEY)
        elif name in MONEY_PARAMETERS and number != number.quantize(CENT):
            errors[path] = _l("Use at most 2 decimal places.")


# --- changing calls ------------------------------------------------------------------------------

def _apply(call: Call, data: CallData) -> None:
    call.title = _text(data.title)
    call.description = _text(data.description) or None
    call.budget = Decimal(data.budget).quantize(CENT)
    call.opens_at, call.closes_at = data.opens_at, data.closes_at
    parameters = dict(call.parameters or {})
    for name in editable_parameters(call.type):
        parameters[name] = _json_parameter(name, data.parameters.get(name))
    if parameters != (call.parameters or {}):
        call.parameters = parameters
    for attribute, rows, normalise in (("form", data.form, normalise_question),
                                       ("required_attachments", data.required_attachments, normalise_attachment),
                                       ("criteria", data.criteria, normalise_criterion)):
        stored = [normalise(r) for r in rows or ()]
        if stored != (getattr(call, attribute) or []):
            setattr(call, attribute, stored)


def _flush() -> None:
    try:
        # The UPDATE … WHERE version = :seen; no row means someone else saved first.
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise CallChanged() from None


def _check_version(call: Call, version: int | None) -> None:
    if version is not None and version != call.version:
        raise CallChanged()


def _check_valid(call_type: CallType, data: CallData) -> None:
    errors = validate(call_type, data)
    if errors:
        raise CallInvalid(errors)


def create_call(actor: User, call_type: CallType, data: CallData, currency: str) -> Call:
    """Create a draft call of a type (fixed from now on) in the programme's currency."""
    _check_valid(call_type, data)
    call = Call(call_type=call_type.name, status=CallStatus.DRAFT, currency=currency, parameters={}, form=[],
                required_attachments=[], criteria=[])
    _apply(call, data)
    db.session.add(call)
    db.session.flush()
    audit.record("calls:call:created", actor=actor, obj=call,
                 data={"call_type": call_type.name, "title": call.title, "budget": call.budget,
                       "currency": currency, "opens_at": call.opens_at, "closes_at": call.closes_at})
    return call


def update_call(call: Call, actor: User, data: CallData, *, version: int | None) -> list[str]:
    """Change a draft call; returns the names of the fields that changed (none: nothing is written)."""
    if call.status != CallStatus.DRAFT:
        raise CallFrozen()
    _check_version(call, version)
    _check_valid(call.type, data)
    changes = differences(call, data)
    if not changes:
        return []
    _apply(call, data)
    _flush()
    audit.record("calls:call:updated", actor=actor, obj=call, data={"fields": sorted(changes)})
    return sorted(changes)


def publish_problems(call: Call, now: datetime | None = None) -> list:
    """Why the call cannot be published yet (empty when it can)."""
    now = now or utcnow()
    problems = []
    if not call.form:
        problems.append(_l("Add at least one question to the application form."))
    if call.closes_at <= now:
        problems.append(_l("The closing time has passed; move it to the future."))
    return problems


def publish_call(call: Call, actor: User, *, version: int | None, now: datetime | None = None) -> None:
    """Publish a draft: it becomes public and its definition is frozen (later changes are amendments)."""
    now = now or utcnow()
    if call.status != CallStatus.DRAFT:
        raise CallFrozen()
    _check_version(call, version)
    problems = publish_problems(call, now)
    if problems:
        raise PublishRefused(problems)
    call.status = CallStatus.PUBLISHED
    call.published_at = now
    _flush()
    audit.record("calls:call:published", actor=actor, obj=call,
                 data={"published_at": now, "opens_at": call.opens_at, "closes_at": call.closes_at,
                       "questions": len(call.form or ()), "attachments": len(call.required_attachments or ()),
                       "criteria": len(call.criteria or ())})


def amend_call(call: Call, actor: User, data: CallData, reason: str, *, version: int | None) -> CallAmendment:
    """Change a published call with a reason; records what changed (before → after) as an amendment."""
    if call.status != CallStatus.PUBLISHED:
        raise NotPublished()
    _check_version(call, version)
    errors = validate(call.type, data)
    reason = _text(reason)
    if not reason:
        errors["reason"] = REASON_REQUIRED
    if errors:
        raise CallInvalid(errors)
    changes = differences(call, data)
    if not changes:
        raise NothingChanged()
    _apply(call, data)
    _flush()
    amendment = CallAmendment(call_id=call.id, actor_id=actor.id, reason=reason, changes=changes)
    db.session.add(amendment)
    db.session.flush()
    audit.record("calls:call:amended", actor=actor, obj=call,
                 data={"amendment_id": amendment.id, "reason": reason, "fields": sorted(changes)})
    return amendment


def draft_applicant_members(call: Call) -> list[User]:
    """Active owners and editors of organisations with a draft application in the call."""
    from grants.applications.models import Application

    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Application, Application.organisation_id == Membership.organisation_id)
        .where(Application.call_id == call.id, Application.status == "draft",
               Membership.role.in_((MembershipRole.OWNER, MembershipRole.EDITOR)), User.active.is_(True))
        .distinct().order_by(User.id)
    ))


def notify_amendment(call: Call, amendment: CallAmendment, link: str) -> int:
    """Queue an email, in each recipient's language, to the people drafting an application in the call."""
    recipients = draft_applicant_members(call)
    changed = [field_label(name) for name in sorted(amendment.changes)]
    for user in recipients:
        with force_locale(user.locale or "pl"):
            subject = _("The call “%(title)s” has been amended", title=call.title)
        queue_mail(user.email, subject, "call_amended", locale=user.locale, call=call, amendment=amendment,
                   changed=changed, link=link, user=user)
    return len(recipients)
