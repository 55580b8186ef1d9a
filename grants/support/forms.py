"""Forms of the job pages: registering a job with its person and documents, the PS status, a job's decisions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FileField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from grants.forms import BaseForm
from grants.support.jobs import ELIGIBILITY, FTES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class JobForm(BaseForm):
    person_name = StringField(_l("Person employed"), filters=[_strip],
                              validators=[InputRequired(message=_l("Give the person's name.")), Length(max=200)])
    pesel = StringField(_l("PESEL"), filters=[_strip], validators=[InputRequired(message=_l("Give the PESEL.")),
                                                                  Length(max=20)])
    eligibility = SelectField(_l("Eligible as"), choices=lambda: list(ELIGIBILITY.items()))
    fte = SelectField(_l("Working time"), choices=lambda: list(FTES.items()))
    starts_on = DateField(_l("Employed from"), validators=[InputRequired(message=_l("Give the day."))])
    replaces = SelectField(_l("Replaces"), coerce=int, validate_choice=False, default=0)
    eligibility_doc = FileField(_l("Eligibility document (PDF or a photo)"))
    disability_doc = FileField(_l("Disability certificate, if any"))


class PsStatusForm(BaseForm):
    obtained_on = DateField(_l("Day the PS status was obtained"),
                            validators=[InputRequired(message=_l("Give the day."))])
    document = FileField(_l("The register's entry or the decision (PDF or a photo)"))


class LossForm(BaseForm):
    lost_on = DateField(_l("Day the job was lost"), validators=[Optional()])
    reason = TextAreaField(_l("What happened"), validators=[InputRequired(message=_l("Say what happened.")),
                                                            Length(max=2000)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class JobActionForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
