"""Forms of the application area; the application form itself is generated from the call's questions."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from grants.forms import BaseForm, SubForm


class TransitionForm(BaseForm):
    """Every action button posts the version the page showed, so a stale page cannot overwrite."""

    version = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])


# --- the application form, generated from the call's questions ---------------------------------------

BUDGET_BLANK_ROWS = 3  # empty lines offered after the last filled one; the page adds more as they fill
BUDGET_MAX_ROWS = 100


class BudgetLineForm(SubForm):
    item = StringField(_l("Cost item"), validators=[Optional(), Length(max=300)])
    cost = DecimalField(_l("Cost"), places=2, validators=[Optional(), NumberRange(min=0)])
    own = DecimalField(_l("Own contribution"), places=2, validators=[Optional(), NumberRange(min=0)])


def _text(value: dict | str | None) -> str:
    if isinstance(value, dict):
        return value.get(str(get_locale())) or value.get("pl") or value.get("en") or ""
    return value or ""


def _field(question: dict):
    kind, label, help_text = question["type"], _text(question.get("label")), _text(question.get("help"))
    common = {"label": label, "description": help_text}
    options = [(o, o) for o in question.get("options") or ()]
    if kind == "short_text":
        return StringField(validators=[Optional(), Length(max=500)], **common)
    if kind == "long_text":
        return TextAreaField(validators=[Optional(), Length(max=20000)], **common)
    if kind == "number":
        return DecimalField(validators=[Optional()], **common)
    if kind == "money":
        return DecimalField(places=2, validators=[Optional(), NumberRange(min=0)], **common)
    if kind == "date":
        return DateField(validators=[Optional()], **common)
    if kind == "single_choice":
        return SelectField(choices=[("", "—")] + options, validators=[Optional()], **common)
    if kind == "multiple_choice":
        return SelectMultipleField(choices=options, validators=[Optional()], option_widget=CheckboxInput(),
                                   widget=ListWidget(prefix_label=False), **common)
    if kind == "yes_no":
        return RadioField(choices=[("yes", _l("Yes")), ("no", _l("No"))], validators=[Optional()], **common)
    if kind == "budget_table":
        return FieldList(FormField(BudgetLineForm), max_entries=BUDGET_MAX_ROWS, **common)
    raise ValueError(f"unknown question type {kind!r}")


def answers_form_class(call) -> type[BaseForm]:
    """A form class with one field per question of the call (ids prefixed, so they never clash)."""
    fields = {f"q_{q['id']}": _field(q) for q in call.form or ()}
    # Optional: while a correction is open the title is locked, and a browser does not post locked fields.
    fields["title"] = StringField(_l("Title of the project"), validators=[Optional(), Length(max=300)])
    fields["requested_amount"] = DecimalField(_l("Requested amount"), places=2,
                                              validators=[Optional(), NumberRange(min=0)])
    fields["version"] = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    return type("AnswersForm", (BaseForm,), fields)


def _blank(row) -> bool:
    return not (row.item.data or row.cost.data is not None or row.own.data is not None)


def offer_blank_budget_rows(form) -> None:
    """A few empty budget lines after the last filled one (without JavaScript, saving offers more)."""
    for field in form:
        if isinstance(field, FieldList):
            trailing = 0
            for row in reversed(field.entries):
                if not _blank(row):
                    break
                trailing += 1
            while trailing < BUDGET_BLANK_ROWS and len(field.entries) < BUDGET_MAX_ROWS:
                field.append_entry()
                trailing += 1


def to_answer(question: dict, field) -> object:
    """A form value as JSON stores it: text, money as a decimal string, dates ISO, lists, booleans."""
    kind, value = question["type"], field.data
    if kind == "budget_table":
        lines = []
        for row in value:
            if row.get("item") or row.get("cost") is not None:
                lines.append({"item": row.get("item") or "", "cost": str(row.get("cost") or Decimal("0")),
                              "own": str(row.get("own") or Decimal("0"))})
        return lines
    if value in (None, "", []):
        return None
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if kind == "yes_no":
        return value == "yes"
    return value


def from_answer(question: dict, value):
    """A stored answer as the form field expects it."""
    kind = question["type"]
    if value is None:
        return None
    if kind in ("money", "number"):
        return Decimal(str(value))
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "yes_no":
        return "yes" if value else "no"
    if kind == "budget_table":
        # FormField rows read their values as attributes of an object, not as dictionary keys.
        return [SimpleNamespace(item=line.get("item"), cost=Decimal(str(line.get("cost") or 0)),
                                own=Decimal(str(line.get("own") or 0))) for line in value]
    return value


class StartApplicationForm(BaseForm):
    organisation = SelectField(_l("Apply as"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title of the project"), validators=[DataRequired(), Length(max=300)])


class UploadForm(BaseForm):
    requirement = StringField(validators=[DataRequired()])


class CorrectionForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    items = SelectMultipleField(_l("Items to correct"), choices=[], validate_choice=False,
                                validators=[DataRequired(message=_l("Choose at least one item to correct."))])
    reason = TextAreaField(_l("What to correct and why"), validators=[
        DataRequired(message=_l("Say what to correct and why: the applicant reads it.")), Length(max=4000)])
