"""Labels, navigation and small helpers the templates share."""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from babel.units import format_unit
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from grants.access import Permission, permissions_of
from grants.auth.models import Role
from grants.calls.labels import FILE_TYPE_LABELS
from grants.labels import (  # noqa: F401
    AUDIT_ACTION_LABELS,
    MAIL_STATUS_LABELS,
    MEMBERSHIP_LABELS,
    OBJECT_TYPE_LABELS,
    ORGANISATION_TYPE_LABELS,
    ROLE_LABELS,
)
from workflows import WORKFLOWS

# The interface's languages, each named in itself (the switcher in the layout, the account page).
LANGUAGES = [("pl", "Polski"), ("en", "English")]

# Each role's home page, in the order a person holding several roles sees them.
ROLE_HOMES = {
    Role.PROGRAM_OFFICER: "core.officer_home",
    Role.FINANCE_OFFICER: "core.finance_home",
    Role.EVALUATOR: "evaluation.queue",
    Role.AUDITOR: "core.auditor_home",
    Role.ADMIN: "admin.users",
    Role.APPLICANT: "core.applicant_home",
}


def localised(value: Any) -> str:
    """A text kept in both languages ({"pl": …, "en": …}) in the person's language, else the other one."""
    if isinstance(value, dict):
        return value.get(str(get_locale())) or value.get("pl") or value.get("en") or ""
    return value or ""


def file_size(size: int | None) -> str:
    """A file's size in the reader's language: '91 bajtów', '12,3 kB', '1,5 MB' (Babel's units, binary steps)."""
    if size is None:
        return ""
    locale = str(get_locale())
    if size < 1024:
        return format_unit(size, "digital-byte", locale=locale)
    for unit in ("digital-kilobyte", "digital-megabyte", "digital-gigabyte"):
        size /= 1024
        if size < 1024 or unit == "digital-gigabyte":
            break
    return format_unit(size, unit, length="short", format="#,##0.#", locale=locale)


def file_types(types) -> str:
    """A requirement's accepted types as people know them: 'PDF, DOCX', never MIME names."""
    return ", ".join(FILE_TYPE_LABELS.get(t, t.rsplit("/", 1)[-1]) for t in types or ())


def audit_action(code: str) -> str:
    """An audit entry's action as people say it: a workflow's transition by its label, others from the list."""
    source, subject, action = (code.split(":") + ["", ""])[:3]
    if source == "workflow" and subject in WORKFLOWS:
        workflow = WORKFLOWS[subject]
        transition = next((t for t in workflow.transitions if t.trigger == action), None)
        if transition is not None:
            locale = str(get_locale())
            return f"{workflow.label(locale)}: {transition.label(locale)}"
    return str(AUDIT_ACTION_LABELS.get(code, code))


def object_label(object_type: str | None) -> str:
    return str(OBJECT_TYPE_LABELS.get(object_type, object_type or ""))


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def navigation(user) -> list[tuple[str, str]]:
    """(endpoint, label) pairs for the top bar: the user's role homes, then shared tools."""
    # The administrator's home is the list of users, and says so.
    items = [(ROLE_HOMES[role], str(_l("Users")) if role == Role.ADMIN else role_label(role))
             for role in ROLE_HOMES if role in user.roles]
    granted = permissions_of(user)
    if Permission.CALL_ANY_MANAGE in granted or Permission.PAYMENT_ANY_MANAGE in granted:
        items.append(("all_applications.index", str(_l("Applications"))))
        # Auditors reach both lists from their controls; finance's payments of every call, from its payments.
        items.append(("all_agreements.index", str(_l("Agreements"))))
    if Permission.APPLICATION_ANY_READ in granted:
        items.append(("dashboards.programme", str(_l("Dashboard"))))
    if Permission.CALL_ANY_MANAGE in granted or Permission.CONTROL_ANY_MANAGE in granted:
        items.append(("reports.index", str(_l("Reports"))))
    elif Role.APPLICANT in user.roles:
        items.append(("reports.mine", str(_l("Reports"))))
    if Permission.CONTROL_ANY_MANAGE in granted:
        items.append(("controls.index", str(_l("Controls"))))
    if Permission.PAYMENT_ANY_MANAGE in granted or Permission.CONTROL_ANY_MANAGE in granted:
        items.append(("recoveries.index", str(_l("Recoveries"))))
    if Permission.AUDIT_LOG_READ in granted:
        items.append(("core.audit_log", str(_l("Audit log"))))
    if Permission.WORKFLOW_DEFINITION_READ in granted:
        items.append(("workflows.index", str(_l("Workflows"))))
    if Permission.PROGRAMME_SETTINGS_MANAGE in granted:
        items.append(("admin.programme", str(_l("Settings"))))
    if Permission.MAIL_OUTBOX_MANAGE in granted:
        items.append(("admin.mail_outbox", str(_l("Mail"))))
    return items


def home_endpoint(user) -> str:
    for role, endpoint in ROLE_HOMES.items():
        if role in user.roles:
            return endpoint
    return "auth.account"


def is_safe_next(target: str | None) -> bool:
    """Only same-site relative paths may be used as a post-login redirect."""
    if not target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target


# --- money ----------------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _money_style(locale: str, currency: str) -> tuple | None:
    """What Babel's standard currency format of the locale needs, read once: (positive prefix, suffix,
    negative prefix, suffix, group and decimal symbols, digits). None when the pattern does not group
    by threes (then Babel formats each amount itself)."""
    babel_locale = Locale.parse(locale)
    pattern = babel_locale.currency_formats["standard"]
    if pattern.grouping != (3, 3):
        return None
    symbol = get_currency_symbol(currency, babel_locale)
    return (pattern.prefix[0].replace("¤", symbol), pattern.suffix[0].replace("¤", symbol),
            pattern.prefix[1].replace("¤", symbol), pattern.suffix[1].replace("¤", symbol),
            get_group_symbol(babel_locale), get_decimal_symbol(babel_locale), get_currency_precision(currency))


def money(value, currency: str, locale: str | None = None) -> str:
    """An amount as Babel's format_currency writes it ("1 234,50 zł", "PLN1,234.50"), at a fraction of
    its cost: long lists format one amount per row."""
    if value is None:
        return ""
    locale = locale or str(get_locale())
    style = _money_style(locale, currency)
    if style is None:
        return format_currency(value, currency, locale=locale)
    prefix, suffix, negative_prefix, negative_suffix, group, decimal, digits = style
    amount = (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(
        Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    text = f"{abs(amount):,.{digits}f}".replace(",", "\0").replace(".", decimal).replace("\0", group)
    if amount.is_signed():
        return negative_prefix + text + negative_suffix
    return prefix + text + suffix


def number(value, places: int = 2) -> str:
    """A decimal in the person's locale, with `places` decimals: "4,2500" in Polish, "4.2500" in English."""
    if value is None:
        return ""
    return format_decimal(Decimal(str(value)), format="#,##0." + "0" * places if places else "#,##0")


def decimal(value) -> str:
    """A decimal kept as text in JSON (hours), in the person's locale with only the decimals it has: "10,5"."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(str(value)), format="#,##0.##")


def day(iso: str | None) -> str:
    """A date kept as ISO text (in JSON) as the person reads dates: "16 marca 2027", "March 16, 2027"."""
    from datetime import date

    return format_date(date.fromisoformat(iso), "long") if iso else ""


def country_name(code: str) -> str:
    """A holiday calendar's country as people name it, in their language ("Polska", "Poland")."""
    from babel import Locale

    return Locale.parse(str(get_locale())).territories.get(code.upper(), code)


def to_the_minute(value) -> str:
    """A moment as people read a deadline: the date and the time to the minute, in the programme's zone."""
    from flask_babel import format_date, format_time

    return f"{format_date(value, 'medium')}, {format_time(value, 'short')}" if value is not None else ""
