"""Forms of agreements."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from grants.calls.forms import AmountField
from grants.finance.agreements import SCHEDULE_LABELS, SECURITY_KINDS
from grants.forms import BaseForm


class AgreementForm(BaseForm):
    award = AmountField(_l("Amount to award"), places=2, validators=[InputRequired(message=_l("Give the amount."))])
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
    security_amount = AmountField(_l("Security amount (a guarantee)"), places=2, validators=[Optional()])
    security_received_on = DateField(_l("Security received on"), validators=[Optional()])
    de_minimis_prior_eur = AmountField(_l("De minimis aid in the last three years (EUR, as declared)"), places=2,
                                       validators=[Optional()])


class ScanForm(BaseForm):
    scan = FileField(_l("Scan of the signed agreement (PDF, JPEG or PNG)"),
                     validators=[InputRequired(message=_l("Choose the file."))])
