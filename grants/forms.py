"""The base of every form: flask-wtf's (CSRF, file data), with wtforms' own messages in the request's
language read from their catalogue once per process instead of once per request, and a guard in front
of every field's validators against input no column can hold."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import support
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation


@lru_cache(maxsize=8)
def _catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _Translations:
    """wtforms asks for its messages (\"This field is required.\") through this object."""

    def gettext(self, string: str) -> str:
        return _catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalogue(str(get_locale())).ungettext(singular, plural, n)


_TRANSLATIONS = _Translations()


# C0 controls other than tab, line feed and carriage return, and DEL: PostgreSQL refuses NUL in text, and
# none of them belongs in anything a person types.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LARGEST_NUMBER = Decimal("999999999999.99")  # the widest money column, Numeric(14, 2)
LARGEST_INTEGER = 2**31 - 1  # Integer columns
FIRST_YEAR, LAST_YEAR = 1800, 2999


def unusable(field) -> str | None:
    """Why a field's input can be neither stored nor computed with, or None. Runs before its validators, in the
    request (the limits are written in its language's number format)."""
    if any(isinstance(raw, str) and CONTROL_CHARACTERS.search(raw) for raw in field.raw_data or ()):
        if isinstance(field.data, str):  # drawn again without them, for the person to check
            field.data = CONTROL_CHARACTERS.sub("", field.data)
        return _l("This text contained control characters (such as NUL), which cannot be saved. They have been "
                  "removed: check the text and save again.")
    data = field.data
    if isinstance(data, Decimal) and not (data.is_finite() and abs(data) <= LARGEST_NUMBER):
        return _l("Enter a number up to %(largest)s.", largest=format_decimal(LARGEST_NUMBER, format="#,##0.00"))
    if isinstance(data, int) and not isinstance(data, bool) and abs(data) > LARGEST_INTEGER:
        return _l("Enter a whole number up to %(largest)s.", largest=format_decimal(LARGEST_INTEGER))
    if isinstance(data, (date, datetime)) and not FIRST_YEAR <= data.year <= LAST_YEAR:
        return _l("Enter a date between the years %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
    return None


def _guard(form, field) -> None:
    message = unusable(field)
    if message is not None:
        if not isinstance(field.data, str):
            field.data = None  # a number field draws what was typed again; nothing computes with it
        raise StopValidation(str(message))  # in the request's language; templates test errors for strings


def _leaves(fields):
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


class _TranslatedMeta:
    def get_translations(self, form):
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return _TRANSLATIONS


class SubForm(Form):
    """The rows of a FieldList or FormField (a budget line, a group member): wtforms' own messages in the
    request's language too (a plain wtforms Form says "Number must be at least 0." in English)."""

    class Meta(_TranslatedMeta, Form.Meta):
        pass


class BaseForm(FlaskForm):
    class Meta(_TranslatedMeta, FlaskForm.Meta):
        pass

    def validate(self, extra_validators=None) -> bool:
        # The guard goes first on every field, nested rows included, so that no validator (nor the operation
        # after them) ever sees NaN, an overflowing number, a date in the year 9999 or a NUL byte.
        for field in _leaves(self):
            if _guard not in field.validators:
                field.validators = [_guard, *field.validators]
        return super().validate(extra_validators)


def placed(form, errors: dict | None):
    """A refusal's messages next to the fields they concern (by field name); returns the form."""
    for name, message in (errors or {}).items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [message]
    return form
