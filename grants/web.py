"""What every page shares when an action is refused: one handler for every `Refusal`.

A view acts (calls one operation) and commits; if the operation refuses, the handler rolls the
transaction back, so nothing half-done survives, and answers in the form the client wants:
- a person gets the message flashed and the page again, drawn by what the view registered with
  `on_refusal()` (its form with the person's input and errors) or, failing that, a redirect back;
- an API client (JSON) gets an RFC 9457 problem document with the refusal's status.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, jsonify, make_response, redirect, request, url_for
from flask_babel import get_locale
from werkzeug.routing import IntegerConverter

from grants.errors import Refusal
from grants.extensions import db
from grants.forms import CONTROL_CHARACTERS
from grants.types import LARGEST_ID

Render = Callable[[Refusal], Any]
PROBLEM = "application/problem+json"


def on_refusal(render: Render) -> None:
    """Register how this page is drawn again if the action it runs is refused (after the rollback, with
    the message flashed); the response gets the refusal's status."""
    g.pomost_on_refusal = render


def wants_json() -> bool:
    return request.path.startswith("/api/") or \
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _back() -> str:
    """The page the person came from, if it is one of ours; else their home."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc == request.host and parts.path.startswith("/") and not parts.path.startswith("//") \
            and "\\" not in parts.path:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for("core.home")


def problem(status: int, title: str, **extra):
    """An error as RFC 9457 problem details: how the API, and the pages to a client that asks for JSON, answer."""
    response = jsonify({"type": "about:blank", "title": title, "status": status, **extra})
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def handle_refusal(refusal: Refusal):
    db.session.rollback()
    locale = str(get_locale())
    if wants_json():
        extra = {}
        if refusal.errors:
            extra["errors"] = {key: str(value) for key, value in refusal.errors.items()}
        if len(refusal.messages) > 1:  # the conditions not met, one by one, as the page lists them
            extra["unmet"] = [Refusal(message).text(locale) for message in refusal.messages]
        return problem(refusal.status, refusal.text(locale), **extra)
    flash(refusal.text(locale), "danger")
    render = g.pop("pomost_on_refusal", None)
    if render is not None:
        response = make_response(render(refusal))
        if not 300 <= response.status_code < 400:  # a page drawn again says what went wrong; a redirect stays one
            response.status_code = refusal.status
        return response
    return redirect(_back(), 303)


# --- query arguments --------------------------------------------------------------------------------

LAST_PAGE = 1_000_000


def page_number(value: str) -> int:
    """A `?page=` argument (for request.args.get(..., type=page_number)); anything else falls back to the default."""
    number = int(value)
    if not 1 <= number <= LAST_PAGE:
        raise ValueError(value)
    return number


class IdConverter(IntegerConverter):
    """`<int:…>` in a route: a number an id column can hold, else the route does not match (404, not a database
    error on an out-of-range value)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def row_id(value: str) -> int:
    """An id in a query argument, within what an id column holds."""
    number = int(value)
    if not 1 <= number <= LARGEST_ID:
        raise ValueError(value)
    return number


def _refuse_control_characters():
    # Search and filter arguments reach SQL as text; PostgreSQL refuses a NUL in text, and nothing a person
    # types into a search box holds control characters.
    if any(CONTROL_CHARACTERS.search(text) for pair in request.args.items(multi=True) for text in pair):
        abort(400)


def init_app(app: Flask) -> None:
    app.register_error_handler(Refusal, handle_refusal)
    app.before_request(_refuse_control_characters)
