"""Demo data of the registry: the demo cooperative published with its products and services and its e-mail shown,
and a second organisation, not published (the public never sees it)."""
from __future__ import annotations

from grants.auth.models import Organisation, User
from grants.registry import entries


def seed(organisation: Organisation | None, owner: User) -> int:
    if organisation is None or entries.entry_of(organisation) is not None:
        return 0
    entries.save(organisation, owner, True, {
        "products": "Meble z drewna z odzysku, skrzynki i donice na zamówienie.",
        "services": "Catering dla szkół i przedszkoli, obsługa wydarzeń, prace stolarskie i remontowe.",
        "industry": "catering", "town": "Legnica", "county": "Legnica", "voivodeship": "dolnoslaskie",
        "se_status": "ps", "email": "biuro@pomost.example", "phone": "+48 76 000 00 00", "website": None,
        "show_email": True, "show_phone": False, "show_website": False, "show_address": True})
    return 1
