"""The owner's registry entry form."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, Regexp

from grants.forms import BaseForm
from grants.registry.entries import INDUSTRIES, SE_STATUS_LABELS
from grants.registry.models import VOIVODESHIPS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _web_address(value):
    """'www.example.pl' as people type it: https:// is added when no scheme is given."""
    if value and "://" not in value and not value.lower().startswith(("javascript:", "data:")):
        return "https://" + value
    return value


VOIVODESHIP_LABELS = {
    "dolnoslaskie": "dolnośląskie", "kujawsko-pomorskie": "kujawsko-pomorskie", "lubelskie": "lubelskie",
    "lubuskie": "lubuskie", "lodzkie": "łódzkie", "malopolskie": "małopolskie", "mazowieckie": "mazowieckie",
    "opolskie": "opolskie", "podkarpackie": "podkarpackie", "podlaskie": "podlaskie", "pomorskie": "pomorskie",
    "slaskie": "śląskie", "swietokrzyskie": "świętokrzyskie", "warminsko-mazurskie": "warmińsko-mazurskie",
    "wielkopolskie": "wielkopolskie", "zachodniopomorskie": "zachodniopomorskie"}


class EntryForm(BaseForm):
    published = BooleanField(_l("Publish the organisation in the registry"))
    products = TextAreaField(_l("Products"), filters=[_strip], validators=[Optional(), Length(max=3000)])
    services = TextAreaField(_l("Services"), filters=[_strip], validators=[Optional(), Length(max=3000)])
    industry = SelectField(_l("Industry"), choices=lambda: [("", "—"), *INDUSTRIES.items()])
    town = StringField(_l("Town"), filters=[_strip], validators=[Optional(), Length(max=120)])
    county = StringField(_l("County (powiat)"), filters=[_strip], validators=[Optional(), Length(max=120)])
    voivodeship = SelectField(_l("Voivodeship"), choices=[("", "—"), *((v, VOIVODESHIP_LABELS[v])
                                                                       for v in VOIVODESHIPS)])
    se_status = SelectField(_l("Social-economy status"), choices=lambda: list(SE_STATUS_LABELS.items()),
                            default="none")
    email = StringField(_l("Contact e-mail"), filters=[_strip],
                        validators=[Optional(), Email(message=_l("Give an e-mail address.")), Length(max=254)])
    phone = StringField(_l("Telephone"), filters=[_strip], validators=[
        Optional(), Length(max=40),
        Regexp(r"^\+?[0-9][0-9 ()-]{4,30}[0-9]( ?(wew\.|ext\.) ?[0-9]{1,6})?$",
               message=_l("A telephone number, e.g. +48 600 100 200."))])
    website = StringField(_l("Website"), filters=[_strip, _web_address], validators=[
        Optional(), Length(max=300),
        Regexp(r"^https?://[^\s<>\"'/]+\.[^\s<>\"']+$", flags=re.IGNORECASE,
               message=_l("A web address, e.g. www.example.pl."))])
    show_email = BooleanField(_l("Show the e-mail"))
    show_phone = BooleanField(_l("Show the telephone"))
    show_website = BooleanField(_l("Show the website"))
    show_address = BooleanField(_l("Show the address"))

    def entry_data(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "products", "services", "industry", "town", "county", "voivodeship", "se_status", "email", "phone",
            "website", "show_email", "show_phone", "show_website", "show_address")}
