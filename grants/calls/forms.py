"""The officer's call form: basics, eligibility, the type's parameters, and rows of questions,
required attachments and scoring criteria (with spare blank rows, like an informal group's members).

The form only parses what was typed (local times, '1 234,50', one option per line); the rules live in
grants.calls.operations.validate, whose errors the form puts back next to the fields they concern.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import get_decimal_symbol
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from grants.auth.models import OrganisationType
from grants.calls import operations as ops
from grants.calls.labels import FILE_TYPE_LABELS, QUESTION_TYPE_LABELS, parameter_spec
from grants.forms import BaseForm, SubForm
from workflows.call_types import CALL_TYPES, CallType

SPARE_ROWS = {"questions": 3, "attachments": 2, "criteria": 2}
MAX_ROWS = 200
DEFAULT_ATTACHMENT_MB = 10
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
# Row field names where the form's differ from the stored ones (FormField has its own `id` and `type`).
ROW_FIELDS = {"id": "key", "type": "kind", "max_size": "max_mb"}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AmountField(DecimalField):
    """A decimal typed either way: '1 234,50' as well as '1234.50'; shown with the person's decimal sign and no
    grouping ('1500,00' in Polish), which reads back the same."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [v.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
                         for v in valuelist]
        super().process_formdata(valuelist)

    def _value(self):
        shown = super()._value()
        if self.raw_data or not shown:
            return shown
        return shown.replace(".", get_decimal_symbol(get_locale() or "en"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def question_type_choices():
    return list(QUESTION_TYPE_LABELS.items())


def file_type_choices():
    return list(FILE_TYPE_LABELS.items())


# --- local time (programme time zone) <-> UTC ----------------------------------------------------

def to_local(value: datetime | None, time_zone: str) -> datetime | None:
    """A stored UTC time as the naive wall-clock time the officer sees in the programme's zone."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None, second=0, microsecond=0)


def to_utc(value: datetime, time_zone: str) -> datetime | None:
    """Wall-clock time in the programme's zone → UTC; None for a time skipped when clocks go forward."""
    zone = ZoneInfo(time_zone)
    moment = value.replace(tzinfo=zone).astimezone(timezone.utc)
    if moment.astimezone(zone).replace(tzinfo=None) != value:
        return None
    return moment


# --- rows ----------------------------------------------------------------------------------------

class QuestionRow(SubForm):
    position = IntegerField(_l("Position"), validators=[Optional()])
    key = StringField(_l("Id"), filters=[_strip])
    kind = SelectField(_l("Type"), choices=question_type_choices, default="short_text")
    label_pl = StringField(_l("Question (Polish)"), filters=[_strip], validators=[Length(max=500)])
    label_en = StringField(_l("Question (English)"), filters=[_strip], validators=[Length(max=500)])
    help_pl = TextAreaField(_l("Help text (Polish)"), filters=[_strip])
    help_en = TextAreaField(_l("Help text (English)"), filters=[_strip])
    required = BooleanField(_l("Answer required"))
    options = TextAreaField(_l("Options, one per line"), filters=[_strip])

    def is_blank(self) -> bool:
        return not any(f.data for f in (self.key, self.label_pl, self.label_en, self.help_pl, self.help_en,
                                         self.options))

    def row(self) -> dict[str, Any]:
        return {
            "id": self.key.data or "", "type": self.kind.data,
            "label": {"pl": self.label_pl.data or "", "en": self.label_en.data or ""},
            "help": {"pl": self.help_pl.data or "", "en": self.help_en.data or ""},
            "required": bool(self.required.data),
            "options": [line.strip() for line in (self.options.data or "").splitlines() if line.strip()],
        }

    @staticmethod
    def initial(question: dict, position: int) -> dict[str, Any]:
        q = ops.normalise_question(question)
        return {"position": position, "key": q["id"], "kind": q["type"], "label_pl": q["label"]["pl"],
                "label_en": q["label"]["en"], "help_pl": q["help"]["pl"], "help_en": q["help"]["en"],
                "required": q["required"], "options": "\n".join(q["options"])}


class AttachmentRow(SubForm):
    key = StringField(_l("Id"), filters=[_strip])
    name_pl = StringField(_l("Name (Polish)"), filters=[_strip], validators=[Length(max=300)])
    name_en = StringField(_l("Name (English)"), filters=[_strip], validators=[Length(max=300)])
    types = MultiCheckboxField(_l("Allowed file types"), choices=file_type_choices, default=[],
                               validate_choice=False)
    max_mb = IntegerField(_l("Largest file (MB)"), default=DEFAULT_ATTACHMENT_MB, validators=[Optional()])
    required = BooleanField(_l("Required"), default=True)

    def is_blank(self) -> bool:
        return not any((self.key.data, self.name_pl.data, self.name_en.data, self.types.data))

    def row(self) -> dict[str, Any]:
        return {"id": self.key.data or "", "name": {"pl": self.name_pl.data or "", "en": self.name_en.data or ""},
                "types": list(self.types.data or ()),
                "max_size": None if self.max_mb.data is None else self.max_mb.data * ops.MB,
                "required": bool(self.required.data)}

    @staticmethod
    def initial(attachment: dict) -> dict[str, Any]:
        a = ops.normalise_attachment(attachment)
        return {"key": a["id"], "name_pl": a["name"]["pl"], "name_en": a["name"]["en"], "types": a["types"],
                "max_mb": None if a["max_size"] is None else -(-a["max_size"] // ops.MB), "required": a["required"]}


class CriterionRow(SubForm):
    key = StringField(_l("Id"), filters=[_strip])
    name_pl = StringField(_l("Name (Polish)"), filters=[_strip], validators=[Length(max=300)])
    name_en = StringField(_l("Name (English)"), filters=[_strip], validators=[Length(max=300)])
    max_points = IntegerField(_l("Max points"), validators=[Optional()])
    weight = AmountField(_l("Weight"), places=None, default=Decimal("1"), validators=[Optional()])
    section_min = IntegerField(_l("Section minimum"), validators=[Optional()])

    def is_blank(self) -> bool:
        return not any((self.key.data, self.name_pl.data, self.name_en.data)) \
            and self.max_points.data is None and self.section_min.data is None

    def row(self) -> dict[str, Any]:
        return {"id": self.key.data or "", "name": {"pl": self.name_pl.data or "", "en": self.name_en.data or ""},
                "max_points": self.max_points.data, "weight": self.weight.data,
                "section_min": self.section_min.data}

    @staticmethod
    def initial(criterion: dict) -> dict[str, Any]:
        c = ops.normalise_criterion(criterion)
        return {"key": c["id"], "name_pl": c["name"]["pl"], "name_en": c["name"]["en"],
                "max_points": c["max_points"], "weight": Decimal(c["weight"]) if c["weight"] else None,
                "section_min": c["section_min"]}


# --- parameters, generated from the call type ----------------------------------------------------

def _parameter_field(call_type: CallType, name: str, default: Any):
    spec = parameter_spec(name)
    if name == "eligible_organisation_types":
        from grants.ui import ORGANISATION_TYPE_LABELS

        types = sorted(call_type.eligible_organisation_types)
        return MultiCheckboxField(spec.label, validate_choice=False, description=spec.help,
                                  choices=lambda: [(t, ORGANISATION_TYPE_LABELS[OrganisationType(t)]) for t in types])
    if isinstance(default, bool):
        return BooleanField(spec.label, description=spec.help)
    required = name not in ("max_requested_amount", "max_ngo_age_months")
    validators = [InputRequired(message=_l("Give a value."))] if required else [Optional()]
    if name in ops.MONEY_PARAMETERS:
        return AmountField(spec.label, places=2, validators=validators, description=spec.help)
    if isinstance(default, Decimal):
        return AmountField(spec.label, places=None, validators=validators, description=spec.help)
    return IntegerField(spec.label, validators=validators, description=spec.help)


@functools.cache
def parameters_form_class(type_name: str) -> type[Form]:
    call_type = CALL_TYPES[type_name]
    fields = {name: _parameter_field(call_type, name, default)
              for name, default in ops.editable_parameters(call_type).items()}
    return type(f"{type_name.title().replace('_', '')}Parameters", (Form,), fields)


# --- the call ------------------------------------------------------------------------------------

class CallForm(BaseForm):
    title = StringField(_l("Title"), filters=[_strip], validators=[InputRequired(message=_l("Give the call a title.")),
                                                                   Length(max=300)])
    description = TextAreaField(_l("Description"), filters=[_strip],
                                description=_l("Shown on the public page of the call."))
    budget = AmountField(_l("Budget"), places=2, validators=[InputRequired(message=_l("Give the budget."))])
    opens_at = DateTimeLocalField(_l("Opens"), format=LOCAL_FORMATS,
                                  validators=[InputRequired(message=_l("Give the opening time."))])
    closes_at = DateTimeLocalField(_l("Closes"), format=LOCAL_FORMATS,
                                   validators=[InputRequired(message=_l("Give the closing time."))])
    questions = FieldList(FormField(QuestionRow), max_entries=MAX_ROWS)
    attachments = FieldList(FormField(AttachmentRow), max_entries=MAX_ROWS)
    criteria = FieldList(FormField(CriterionRow), max_entries=MAX_ROWS)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    amendment = False

    @classmethod
    def initial(cls, data: ops.CallData, time_zone: str, version: int | None = None) -> dict[str, Any]:
        """Keyword data that fills the form with a call's definition, times in the programme's zone."""
        return {
            "title": data.title, "description": data.description, "budget": data.budget,
            "opens_at": to_local(data.opens_at, time_zone), "closes_at": to_local(data.closes_at, time_zone),
            "parameters": dict(data.parameters),
            "questions": [QuestionRow.initial(q, i) for i, q in enumerate(data.form or (), start=1)],
            "attachments": [AttachmentRow.initial(a) for a in data.required_attachments or ()],
            "criteria": [CriterionRow.initial(c) for c in data.criteria or ()],
            "version": version,
        }

    def _time(self, field, time_zone: str, existing: datetime | None) -> datetime | None:
        if field.data is None or field.errors:
            return None
        if existing is not None and to_local(existing, time_zone) == field.data:
            return existing  # unchanged to the minute the form shows: keep the stored seconds
        moment = to_utc(field.data, time_zone)
        if moment is None:
            field.errors = [*field.errors, _l("This time does not exist in %(zone)s (the clocks move forward).",
                                              zone=time_zone)]
        return moment

    def call_data(self, time_zone: str, existing: ops.CallData | None = None) -> ops.CallData:
        """What was typed, as CallData; rows that were left blank are dropped, questions ordered by position."""
        self._rows: dict[str, list[int]] = {}
        questions = [(i, entry.form) for i, entry in enumerate(self.questions) if not entry.form.is_blank()]
        questions.sort(key=lambda item: (item[1].position.data is None, item[1].position.data or 0, item[0]))
        self._rows["questions"] = [i for i, _row in questions]
        attachments = [(i, e.form) for i, e in enumerate(self.attachments) if not e.form.is_blank()]
        criteria = [(i, e.form) for i, e in enumerate(self.criteria) if not e.form.is_blank()]
        self._rows["attachments"] = [i for i, _row in attachments]
        self._rows["criteria"] = [i for i, _row in criteria]
        parameters = {name: (f.data if not f.errors else None) for name, f in self.parameters.form._fields.items()}
        return ops.CallData(
            title=self.title.data or "", description=self.description.data or None,
            budget=None if self.budget.errors else self.budget.data,
            opens_at=self._time(self.opens_at, time_zone, existing.opens_at if existing else None),
            closes_at=self._time(self.closes_at, time_zone, existing.closes_at if existing else None),
            parameters=parameters,
            form=[row.row() for _i, row in questions],
            required_attachments=[row.row() for _i, row in attachments],
            criteria=[row.row() for _i, row in criteria],
        )

    def field_for(self, path: str):
        """The field an error path of grants.calls.operations names ('questions.2.id' → that row's id)."""
        head, _sep, rest = path.partition(".")
        if head == "parameters":
            return self.parameters.form._fields.get(rest)
        if head in SPARE_ROWS:
            index, _sep, name = rest.partition(".")
            rows = getattr(self, "_rows", {}).get(head, [])
            if not index.isdigit() or int(index) >= len(rows):
                return None
            return getattr(self, head).entries[rows[int(index)]].form._fields.get(ROW_FIELDS.get(name, name))
        return self._fields.get(head)

    def add_errors(self, errors: dict[str, Any]) -> list:
        """Put each message next to its field (unless the field already says what is wrong); returns the rest."""
        unplaced = []
        for path, message in errors.items():
            field = self.field_for(path)
            if field is None:
                unplaced.append(message)
            elif not field.errors:
                field.errors = [message]
        return unplaced

    def has_errors(self) -> bool:
        def walk(field) -> bool:
            if isinstance(field, FieldList):
                return any(walk(entry) for entry in field.entries)
            if isinstance(field, FormField):
                return any(walk(f) for f in field.form)
            return bool(field.errors)

        return any(walk(field) for field in self)

    def add_spare_rows(self) -> None:
        """Blank rows at the end of each list, to add questions, attachments or criteria without scripts."""
        for name, spare in SPARE_ROWS.items():
            rows = getattr(self, name)
            trailing = 0
            for entry in reversed(rows.entries):
                if not entry.form.is_blank():
                    break
                trailing += 1
            for _n in range(max(spare - trailing, 0)):
                if len(rows.entries) >= MAX_ROWS:
                    break
                rows.append_entry()

    def eligibility_fields(self) -> list:
        return [f for name, f in self.parameters.form._fields.items() if name in ops.ELIGIBILITY]

    def rule_fields(self) -> list:
        return [f for name, f in self.parameters.form._fields.items() if name not in ops.ELIGIBILITY]


@functools.cache
def call_form_class(type_name: str, amendment: bool = False) -> type[CallForm]:
    """The call form for one call type (its parameters differ); with a reason field for amendments."""
    fields: dict[str, Any] = {"parameters": FormField(parameters_form_class(type_name)), "amendment": amendment}
    if amendment:
        fields["reason"] = TextAreaField(
            _l("Reason for the amendment"), filters=[_strip],
            description=_l("Applicants drafting an application are emailed this reason with the list of changes."))
        fields["submit"] = SubmitField(_l("Record the amendment"))
    return type(f"{type_name.title().replace('_', '')}{'Amendment' if amendment else 'Call'}Form", (CallForm,), fields)


class VersionForm(BaseForm):
    """A confirmation button that carries the version of the call it was shown for."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    submit = SubmitField(_l("Publish the call"))


def new_call_data(call_type: CallType) -> ops.CallData:
    """An empty call of the type, with the type's parameters pre-filled."""
    return ops.CallData(title="", description=None, budget=None, opens_at=None, closes_at=None,
                        parameters=ops.editable_parameters(call_type))
