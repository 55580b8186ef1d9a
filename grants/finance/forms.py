"""Forms of agreements."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from grants.calls.forms import AmountField
from grants.finance.agreements import SCHEDULE_LABELS, SECURITY_KINDS
from grants.forms import BaseForm


def cents(form, field) -> None:
    """Money has two decimal places: 3999,999 is refused, not rounded."""
    if field.data is not None and field.data != field.data.quantize(Decimal("0.01")):
        raise ValidationError(_l("At most two decimal places."))


JOBS = [Optional(), NumberRange(0, 100, message=_l("A whole number, 0 or more."))]


class WholeNumberField(IntegerField):
    """A whole number, with the house's message when what was typed is not one."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("Give a whole number, e.g. 3.")) from None


class AgreementForm(BaseForm):
    award = AmountField(_l("Amount to award"), places=2, validators=[Optional(), cents])  # job support: computed
    award_reason = TextAreaField(_l("Why less than the ranking awarded (if less)"),
                                 validators=[Optional(), Length(max=2000)])
    schedule_model = RadioField(_l("Payment schedule"), choices=list(SCHEDULE_LABELS.items()),
                                validators=[InputRequired(message=_l("Choose a payment schedule."))])
    starts_on = DateField(_l("Starts on"), validators=[InputRequired(message=_l("Give the date."))])
    ends_on = DateField(_l("Ends on"), validators=[InputRequired(message=_l("Give the date."))])
    bank_account = StringField(_l("Grantee's bank account (IBAN or NRB)"),
                               validators=[InputRequired(message=_l("Give the account number.")), Length(max=40)])
    security_kind = SelectField(_l("Security"), choices=[("", _l("None"))] + list(SECURITY_KINDS.items()),
                                validators=[Optional()])
    security_amount = AmountField(_l("Security amount (a guarantee)"), places=2, validators=[Optional(), cents])
    security_received_on = DateField(_l("Security received on"), validators=[Optional()])
    de_minimis_prior_eur = AmountField(_l("De minimis aid in the last three years (EUR, as declared)"), places=2,
                                       validators=[Optional(), cents])
    in_kind_amount = AmountField(_l("Part bought in kind by the operator"), places=2, validators=[Optional(), cents])
    # Job-creation support: how many jobs of each FTE, and the basic bridging support.
    jobs_full = IntegerField(_l("Full-time jobs"), validators=JOBS)
    jobs_three_quarters = IntegerField(_l("¾-time jobs"), validators=JOBS)
    jobs_half = IntegerField(_l("Half-time jobs"), validators=JOBS)
    bridging_months = IntegerField(_l("Months of basic bridging support"), validators=JOBS)
    bridging_monthly = AmountField(_l("Bridging support a month (all jobs)"), places=2, validators=[Optional(), cents])

    JOB_FIELDS = (("jobs_full", "1"), ("jobs_three_quarters", "0.75"), ("jobs_half", "0.5"))

    def jobs(self) -> tuple:
        """Each job's FTE, from the counts."""
        return tuple(Decimal(fte) for name, fte in self.JOB_FIELDS for _ in range(self[name].data or 0))

    def show_jobs(self, ftes) -> None:
        """The counts of a saved agreement's jobs."""
        for name, fte in self.JOB_FIELDS:
            self[name].data = sum(1 for value in ftes or () if str(value) == fte)


class ScanForm(BaseForm):
    scan = FileField(_l("Scan of the signed agreement (PDF, JPEG or PNG)"),
                     validators=[InputRequired(message=_l("Choose the file."))])


class ProofForm(BaseForm):
    period = SelectField(_l("Month"), coerce=int, validators=[InputRequired(message=_l("Choose the month."))])
    proof = FileField(_l("Proof of employment (PDF, JPEG or PNG)"),
                      validators=[InputRequired(message=_l("Choose the file."))])


class NoteForm(BaseForm):
    note = TextAreaField(_l("Note for the grantee"), validators=[Optional(), Length(max=2000)])


class ExtensionForm(BaseForm):
    months = WholeNumberField(_l("More months"), validators=[Optional()])
    monthly = AmountField(_l("Amount a month"), places=2, validators=[Optional(), cents])
    justification = TextAreaField(_l("Why the enterprise needs it"), validators=[Optional(), Length(max=4000)])


class ItemForm(BaseForm):
    name = StringField(_l("Item"), validators=[Optional(), Length(max=200)])
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=200)])
    order_number = StringField(_l("Purchase order number"), validators=[Optional(), Length(max=60)])
    amount = AmountField(_l("Amount"), places=2, validators=[Optional(), cents])


class DeliveryForm(BaseForm):
    invoice_number = StringField(_l("Invoice number"), validators=[Optional(), Length(max=60)])
    supplier_account = StringField(_l("Supplier's bank account"), validators=[Optional(), Length(max=40)])


class ProtocolForm(BaseForm):
    protocol = FileField(_l("Scan of the signed handover protocol (PDF, JPEG or PNG)"),
                         validators=[InputRequired(message=_l("Choose the file."))])
