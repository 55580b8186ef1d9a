from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from grants.auth.models import MembershipRole, OrganisationType
from grants.forms import BaseForm, SubForm
from grants.identifiers import (
    BankAccountValidator,
    KrsValidator,
    NipValidator,
    PeselValidator,
    RegonValidator,
    compact_pesel,
)

GROUP_ROWS = 8


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def type_choices():
    from grants.ui import ORGANISATION_TYPE_LABELS

    return [(t.value, ORGANISATION_TYPE_LABELS[t]) for t in OrganisationType]


def membership_choices():
    from grants.ui import MEMBERSHIP_LABELS

    return [(r.value, MEMBERSHIP_LABELS[r]) for r in MembershipRole]


class GroupMemberForm(SubForm):
    full_name = StringField(_l("Full name"), filters=[_strip], validators=[Optional(), Length(max=200)])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    pesel = StringField("PESEL", filters=[compact_pesel], validators=[Optional(), PeselValidator])
    is_leader = BooleanField(_l("Leader"))


class OrganisationDetailsForm(BaseForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(), Length(max=300)])
    nip = StringField("NIP", filters=[_strip], validators=[Optional(), NipValidator])
    regon = StringField("REGON", filters=[_strip], validators=[Optional(), RegonValidator])
    krs = StringField("KRS", filters=[_strip], validators=[Optional(), KrsValidator])
    founded_on = DateField(_l("Registered on"), validators=[Optional()])
    address = StringField(_l("Address"), filters=[_strip], validators=[Optional(), Length(max=300)])
    bank_account = StringField(_l("Bank account (IBAN)"), filters=[_strip],
                               validators=[Optional(), BankAccountValidator])
    patron_name = StringField(_l("Patron organisation (informal groups)"), filters=[_strip],
                              validators=[Optional(), Length(max=300)])
    patron_krs = StringField(_l("Patron's KRS"), filters=[_strip], validators=[Optional(), KrsValidator])
    members = FieldList(FormField(GroupMemberForm), min_entries=GROUP_ROWS, max_entries=GROUP_ROWS)
    submit = SubmitField(_l("Save"))

    DETAIL_FIELDS = ("name", "nip", "regon", "krs", "founded_on", "address", "bank_account", "patron_name",
                     "patron_krs")

    def details(self) -> dict:
        return {name: getattr(self, name).data for name in self.DETAIL_FIELDS}

    def member_rows(self):
        from grants.organisations.operations import MemberData

        rows = []
        for entry in self.members:
            if entry.full_name.data or entry.birth_date.data:
                if not (entry.full_name.data and entry.birth_date.data):
                    entry.full_name.errors.append(_l("Give both the name and the date of birth."))
                    continue
                rows.append(MemberData(entry.full_name.data, entry.birth_date.data, entry.is_leader.data,
                                       entry.pesel.data or None))
        return rows


class NewOrganisationForm(OrganisationDetailsForm):
    type = SelectField(_l("Type"), choices=type_choices, validators=[DataRequired()])


class ConversionForm(BaseForm):
    """An informal group registered in the KRS as a social cooperative: the cooperative's data as registered."""

    name = StringField(_l("Name of the cooperative"), filters=[_strip], validators=[DataRequired(), Length(max=300)])
    changed_on = DateField(_l("Registered in the KRS on"),
                           validators=[InputRequired(message=_l("Give the day of registration."))])
    krs = StringField("KRS", filters=[_strip], validators=[DataRequired(), KrsValidator])
    nip = StringField("NIP", filters=[_strip], validators=[DataRequired(), NipValidator])
    regon = StringField("REGON", filters=[_strip], validators=[Optional(), RegonValidator])
    address = StringField(_l("Address"), filters=[_strip], validators=[Optional(), Length(max=300)])
    bank_account = StringField(_l("The cooperative's bank account (IBAN)"), filters=[_strip],
                               validators=[Optional(), BankAccountValidator])
    submit = SubmitField(_l("Register as a social cooperative"))

    def details(self) -> dict:
        return {name: getattr(self, name).data for name in ("name", "krs", "nip", "regon", "address", "bank_account")}


class InvitationForm(BaseForm):
    email = EmailField(_l("Email"), filters=[_strip], validators=[DataRequired(), Email()])
    role = SelectField(_l("Role"), choices=membership_choices, default=MembershipRole.EDITOR.value)
    submit = SubmitField(_l("Send invitation"))
