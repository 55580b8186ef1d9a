"""Forms of the recovery pages: opening a case, serving its notice, recording a repayment, the account's date."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput, TextInput

from grants.calls.forms import AmountField
from grants.control.recovery import BASES, INTEREST_KINDS
from grants.forms import BaseForm


class OpenCaseForm(BaseForm):
    principal = AmountField(_l("Amount to return (principal)"), places=2, widget=TextInput(),
                            render_kw={"inputmode": "decimal"},
                            validators=[InputRequired(message=_l("Give the amount."))])
    basis = SelectField(_l("Legal basis"), choices=lambda: [(k, b.label) for k, b in BASES.items()])
    interest_kind = SelectField(_l("Interest"), choices=lambda: list(INTEREST_KINDS.items()))
    transferred_on = DateField(_l("Day the money was transferred"), validators=[Optional()])
    facts = TextAreaField(_l("What was found"), validators=[InputRequired(message=_l("Describe what was found.")),
                                                            Length(max=10000)])


class ServeForm(BaseForm):
    served_on = DateField(_l("Day the notice was served"), validators=[InputRequired(message=_l("Give the day."))])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class RepaymentForm(BaseForm):
    paid_on = DateField(_l("Day credited"), validators=[InputRequired(message=_l("Give the day."))])
    amount = AmountField(_l("Amount"), places=2, widget=TextInput(), render_kw={"inputmode": "decimal"},
                         validators=[InputRequired(message=_l("Give the amount."))])
    bank_reference = StringField(_l("Bank reference"), validators=[Optional(), Length(max=100)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])  # a second click finds it changed


class DrawForm(BaseForm):
    call = SelectField(_l("Call"), coerce=int, validate_choice=False)
    method = SelectField(_l("Sample"), choices=[("random", _l("Random, with a seed")),
                                                ("risk", _l("By risk: late reports, then the largest awards"))])
    size = IntegerField(_l("Number of grants"), validators=[Optional()])
    share = IntegerField(_l("…or a share of them (%)"), validators=[Optional()])
    seed = IntegerField(_l("Seed (random samples)"), validators=[Optional()])
    planned_on = DateField(_l("Planned for"), validators=[InputRequired(message=_l("Give the day."))])


class AdHocForm(BaseForm):
    planned_on = DateField(_l("Planned for"), validators=[InputRequired(message=_l("Give the day."))])
    scope = TextAreaField(_l("Scope"), validators=[Optional(), Length(max=5000)])


class FindingForm(BaseForm):
    text = TextAreaField(_l("Finding"), validators=[Optional(), Length(max=10000)])
    recommendation = TextAreaField(_l("Recommendation"), validators=[Optional(), Length(max=10000)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])


class AnswerForm(BaseForm):
    answer = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=10000)])
    document = FileField(_l("A document with it (PDF or a photo), if any"))


class DocumentForm(BaseForm):
    document = FileField(_l("Document (PDF or a photo)"))
