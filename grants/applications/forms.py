from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput


class TransitionForm(FlaskForm):
    """Every action button posts the version the page showed, so a stale page cannot overwrite."""

    version = IntegerField(widget=HiddenInput(), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])
