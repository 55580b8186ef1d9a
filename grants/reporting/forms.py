"""The officer's report-form editor (rows of questions, spare blank rows to add more) and the small forms of the
report pages. The grantee's answers are read by grants.reporting.questions, not by a form class: their fields
come from the call's definition."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FileField,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput, TextInput

from grants.calls.forms import AmountField
from grants.forms import BaseForm, SubForm
from grants.reporting.builtin import TEMPLATES
from grants.reporting.questions import QUESTION_TYPES, normalise
from grants.ui import localised

SPARE_ROWS, MAX_ROWS = 3, 200
CADENCE_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"), "final": _l("Final report only")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _items(text: str | None) -> list[dict]:
    """'id | Polish | English' (or '… | count' for a column's type), one per line."""
    found = []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split("|")]
        if not parts[0]:
            continue
        polish = parts[1] if len(parts) > 1 else parts[0]
        item: dict[str, Any] = {"id": parts[0], "label": {"pl": polish, "en": parts[2] if len(parts) > 2 else polish}}
        if len(parts) > 3:
            item["type"] = parts[3]
        found.append(item)
    return found


def _lines(items: list[dict], with_type: bool = False) -> str:
    return "\n".join(" | ".join([i["id"], i["label"]["pl"], i["label"]["en"]]
                                + ([i["type"]] if with_type and i.get("type") else [])) for i in items)


def _pair(text: str | None) -> dict[str, str]:
    polish, _sep, english = (text or "").partition("|")
    return {"pl": polish.strip(), "en": (english or polish).strip()}


class QuestionRow(SubForm):
    key = StringField(_l("Id"), filters=[_strip], validators=[Length(max=40)])
    kind = SelectField(_l("Type"), choices=lambda: list(QUESTION_TYPES.items()), default="long_text")
    label_pl = StringField(_l("Question (Polish)"), filters=[_strip], validators=[Length(max=500)])
    label_en = StringField(_l("Question (English)"), filters=[_strip], validators=[Length(max=500)])
    help_pl = StringField(_l("Help text (Polish)"), filters=[_strip], validators=[Length(max=1000)])
    help_en = StringField(_l("Help text (English)"), filters=[_strip], validators=[Length(max=1000)])
    required = BooleanField(_l("Answer required"))
    options = TextAreaField(_l("Options or a table's rows: id | Polish | English, one per line"), filters=[_strip])
    columns = TextAreaField(_l("Columns: id | Polish | English | type (text, count, hours), one per line"),
                            filters=[_strip])
    unknown = BooleanField(_l("Allow “unknown”"))
    low = StringField(_l("Rating 1 means: Polish | English"), filters=[_strip], validators=[Length(max=200)])
    high = StringField(_l("Rating 5 means: Polish | English"), filters=[_strip], validators=[Length(max=200)])

    def is_blank(self) -> bool:
        return not any(f.data for f in (self.key, self.label_pl, self.label_en, self.options, self.columns))

    def row(self) -> dict[str, Any]:
        return {"id": self.key.data or "", "type": self.kind.data,
                "label": {"pl": self.label_pl.data or "", "en": self.label_en.data or ""},
                "help": {"pl": self.help_pl.data or "", "en": self.help_en.data or ""},
                "required": bool(self.required.data), "options": _items(self.options.data),
                "columns": _items(self.columns.data), "unknown": bool(self.unknown.data),
                "ends": {"low": _pair(self.low.data), "high": _pair(self.high.data)}}

    @staticmethod
    def initial(question: dict) -> dict[str, Any]:
        q = normalise(question)
        ends = q["ends"]
        return {"key": q["id"], "kind": q["type"], "label_pl": q["label"]["pl"], "label_en": q["label"]["en"],
                "help_pl": q["help"]["pl"], "help_en": q["help"]["en"], "required": q["required"],
                "options": _lines(q["options"]), "columns": _lines(q["columns"], with_type=True),
                "unknown": q["unknown"],
                "low": f"{ends['low']['pl']} | {ends['low']['en']}" if ends["low"]["pl"] else "",
                "high": f"{ends['high']['pl']} | {ends['high']['en']}" if ends["high"]["pl"] else ""}


def _days(label):
    return IntegerField(label, validators=[InputRequired(message=_l("Give a number of days.")),
                                           NumberRange(min=0, max=365)])


class ReportFormEditor(BaseForm):
    cadence = SelectField(_l("Reports are due"), choices=lambda: list(CADENCE_LABELS.items()))
    due_days = _days(_l("Days after a period ends to submit its report"))
    final_due_days = _days(_l("Days after the grant ends to submit the final report"))
    remind_days = _days(_l("Remind the grantee this many days before a deadline"))
    questions = FieldList(FormField(QuestionRow), max_entries=MAX_ROWS)
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    @classmethod
    def initial(cls, form) -> dict[str, Any]:
        return {"cadence": form.cadence, "due_days": form.due_days, "final_due_days": form.final_due_days,
                "remind_days": form.remind_days, "version": form.version,
                "questions": [QuestionRow.initial(q) for q in form.questions or ()]}

    def data_for_save(self) -> dict[str, Any]:
        return {"cadence": self.cadence.data, "due_days": self.due_days.data,
                "final_due_days": self.final_due_days.data, "remind_days": self.remind_days.data,
                "questions": [e.form.row() for e in self.questions if not e.form.is_blank()]}

    def add_spare_rows(self) -> None:
        trailing = 0
        for entry in reversed(self.questions.entries):
            if not entry.form.is_blank():
                break
            trailing += 1
        while trailing < SPARE_ROWS and len(self.questions.entries) < MAX_ROWS:
            self.questions.append_entry()
            trailing += 1

    def place_errors(self, errors: dict[str, Any]) -> list:
        """Each message next to its row's field ('questions.2.options'); the rest returned for the top."""
        fields = {"id": "key", "type": "kind", "label": "label_en", "options": "options", "columns": "columns"}
        rows = [e for e in self.questions if not e.form.is_blank()]
        unplaced = []
        for path, message in errors.items():
            head, _dot, rest = path.partition(".")
            index, _dot, name = rest.partition(".")
            field = getattr(self, path, None) if head != "questions" else None
            if head == "questions" and index.isdigit() and int(index) < len(rows) and name in fields:
                field = getattr(rows[int(index)].form, fields[name])
            if field is None:
                unplaced.append(message)
            else:
                field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        return unplaced


class StartForm(BaseForm):
    source = SelectField(_l("Start from"), validators=[InputRequired()], validate_choice=False)

    def offer(self, other_forms: list) -> None:
        self.source.choices = [(key, localised(t.name)) for key, t in TEMPLATES.items()] + \
            [(f"form:{f.id}", f.call.title) for f in other_forms]


class VersionForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class DecisionForm(BaseForm):
    note = TextAreaField(_l("Comments for the grantee"), validators=[Optional(), Length(max=5000)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])



class SettlementForm(BaseForm):
    own_contribution = AmountField(_l("Own contribution put in"), places=2, widget=TextInput(),
                                   render_kw={"inputmode": "decimal"},
                                   validators=[InputRequired(message=_l("Give the amount, zero if none."))])
    remarks = TextAreaField(_l("Remarks for the officer"), validators=[Optional(), Length(max=5000)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ExpenditureForm(BaseForm):
    budget_line = SelectField(_l("Budget line"), coerce=int, validate_choice=False)
    invoice_number = StringField(_l("Invoice number"), filters=[_strip],
                                 validators=[InputRequired(message=_l("Give the invoice number.")), Length(max=60)])
    invoice_date = DateField(_l("Invoice date"), validators=[InputRequired(message=_l("Give the day."))])
    supplier = StringField(_l("Supplier"), filters=[_strip],
                           validators=[InputRequired(message=_l("Name the supplier.")), Length(max=200)])
    amount = AmountField(_l("Amount paid from the grant"), places=2, widget=TextInput(),
                         render_kw={"inputmode": "decimal"},
                         validators=[InputRequired(message=_l("Give the amount."))])
    paid_on = DateField(_l("Day paid"), validators=[InputRequired(message=_l("Give the day."))])
    invoice = FileField(_l("The invoice (PDF or a photo)"),
                        validators=[InputRequired(message=_l("Attach the invoice."))])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def data_for_line(self) -> dict:
        return {name: getattr(self, name).data for name in ("budget_line", "invoice_number", "invoice_date",
                                                            "supplier", "amount", "paid_on")}
