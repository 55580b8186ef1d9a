"""Calling the JSON API in tests: a user's personal token and the header that carries it."""
from __future__ import annotations

from grants.api import tokens
from grants.extensions import db


def token(user, write: bool = False, days: int = 30) -> str:
    """A new personal token of the user (read, or read and write), committed."""
    _row, secret = tokens.create(user, "test", write, days)
    db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def every_page(client, url: str, secret: str | None = None, limit: int = 2) -> list[dict]:
    """Every item of a list, following its cursor page by page (each id once, or the test fails)."""
    headers = bearer(secret) if secret else {}
    items, cursor = [], None
    while True:
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                              headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len({item["id"] for item in items}) == len(items)
    return items
