import zoneinfo
from datetime import date
from functools import lru_cache

from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from grants.auth.models import Role
from grants.forms import BaseForm
from grants.ui import LANGUAGES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


PASSWORD_RULE = Length(min=10, max=128, message=_l("Use between 10 and 128 characters."))


class LoginForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[_strip])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class RegistrationForm(BaseForm):
    name = StringField(_l("Full name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[_strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Create account"))


class TotpForm(BaseForm):
    code = StringField(_l("Code from your authenticator app"),
                       validators=[DataRequired(), Length(min=6, max=8, message=_l("Enter the 6-digit code."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True})
    submit = SubmitField(_l("Verify"))


class PasswordResetRequestForm(BaseForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[_strip])
    submit = SubmitField(_l("Send reset link"))


class NewPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), PASSWORD_RULE])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ConfirmForm(BaseForm):
    """A button that only posts (with its CSRF token)."""

    submit = SubmitField(_l("Confirm"))


class LanguageForm(BaseForm):
    language = SelectField(choices=LANGUAGES)


def role_choices():
    from grants.ui import role_label

    return [(r.value, role_label(r)) for r in Role]


class RoleForm(BaseForm):
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Grant"))


def staff_role_choices():
    """Every role but the applicant's: applicants register themselves."""
    return [(value, label) for value, label in role_choices() if value != Role.APPLICANT]


class StaffInvitationForm(BaseForm):
    email = EmailField(_l("Email"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the email address.")),
        Email(message=_l("Enter a valid email address.")), Length(max=254)])
    name = StringField(_l("Full name"), filters=[_strip], validators=[
        DataRequired(message=_l("Enter the person's name.")), Length(max=200)])
    language = SelectField(_l("Language of the invitation"), choices=LANGUAGES, default="pl",
                           description=_l("Emails to this person are written in it; they can change it later."))
    roles = SelectMultipleField(_l("Roles"), choices=staff_role_choices, widget=ListWidget(prefix_label=False),
                                option_widget=CheckboxInput(),
                                validators=[DataRequired(message=_l("Choose at least one role."))])
    submit = SubmitField(_l("Send the invitation"))


def time_zone_choices() -> list[str]:
    return sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})


FIRST_CURRENCIES = ("PLN", "EUR")


@lru_cache(maxsize=1)
def current_currencies() -> tuple[str, ...]:
    """ISO 4217 codes legal tender somewhere today (CLDR's territory data): no withdrawn or fund codes."""
    today = date.today()
    codes = {code for territory in get_global("territory_currencies")
             for code in get_territory_currencies(territory, today, tender=True)}
    return tuple(sorted(codes, key=lambda code: (code not in FIRST_CURRENCIES, FIRST_CURRENCIES.index(code)
                                                 if code in FIRST_CURRENCIES else 0, code)))


def currency_choices() -> list[tuple[str, str]]:
    """The programme's currency: PLN and EUR first, then every current currency by code."""
    from flask_babel import get_locale

    locale = str(get_locale())
    return [(code, f"{code} · {get_currency_name(code, locale=locale)}") for code in current_currencies()]


class DayOffForm(BaseForm):
    day = DateField(_l("Day off"), validators=[InputRequired(message=_l("Give the date."))])
    description = StringField(_l("What it is"), filters=[_strip], validators=[
        DataRequired(message=_l("Say what the day is (e.g. an office closure).")), Length(max=200)])


class ProgrammeForm(BaseForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=200)])
    currency = SelectField(_l("Currency of new calls"), description=_l("Calls already created keep theirs."))
    time_zone = SelectField(_l("Time zone"), description=_l(
        "Call dates and deadlines are entered and shown in it (they are stored in UTC)."))
    require_staff_2fa = BooleanField(_l("Require two-factor sign-in for staff roles"))
    staff_read_drafts = BooleanField(_l("Staff may read applications still in draft"), description=_l(
        "Off: officers, evaluators and auditors see an application only once it has been submitted."))
    submit = SubmitField(_l("Save"))
