"""Forms of merit evaluation; the scorecard is generated from the call's criteria."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from grants.calls.forms import AmountField
from grants.forms import BaseForm


class ConfirmForm(BaseForm):
    """A button that changes something: the CSRF token is all it carries."""


class ConflictForm(BaseForm):
    reason = TextAreaField(_l("What the conflict is"), validators=[
        DataRequired(message=_l("Say briefly what the conflict is: the officer reads it.")), Length(max=2000)])


class PoolForm(BaseForm):
    evaluator = SelectField(_l("Evaluator"), coerce=int, validators=[InputRequired(message=_l("Choose an evaluator."))])


class AssignForm(BaseForm):
    application = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    evaluator = SelectField(_l("Evaluator"), coerce=int, validators=[InputRequired(message=_l("Choose an evaluator."))])


class DrawForm(BaseForm):
    seed = StringField(_l("Seed (optional)"), validators=[Optional(), Length(max=64)], description=_l(
        "Leave empty for a random one; it is recorded, so the same seed on the same data gives the same draw."))


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Why"), validators=[DataRequired(message=_l("Say why the assignment is taken back.")),
                                                  Length(max=2000)])


class ReductionForm(BaseForm):
    amount = AmountField(_l("Amount to award"), places=2, validators=[InputRequired(message=_l("Give the amount."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why the amount is reduced.")),
                                                     Length(max=2000)])


def scorecard_form_class(criteria: list[dict], *, vote: bool = False) -> type[BaseForm]:
    """Points and a justification per criterion, a recommendation and a comment; points are checked
    against each criterion's maximum by the operation, so a draft may be saved incomplete. A commission
    member's card (`vote`) is a yes/no vote with its reason."""
    fields = {}
    for criterion in criteria:
        fields[f"points-{criterion['id']}"] = IntegerField(validators=[Optional()])
        fields[f"justification-{criterion['id']}"] = TextAreaField(validators=[Optional(), Length(max=10000)])
    fields["recommend"] = RadioField(_l("Your vote: fund the package?") if vote else _l("Do you recommend funding it?"),
                                     choices=[("yes", _l("Yes")), ("no", _l("No"))], validators=[Optional()])
    fields["comment"] = TextAreaField(_l("Reason for your vote") if vote else _l("Overall comment"),
                                      validators=[Optional(), Length(max=10000)])
    return type("ScorecardForm", (BaseForm,), fields)
