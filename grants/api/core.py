"""What every endpoint of the JSON API shares: the blueprint and the OpenAPI document (flask-smorest, marshmallow
schemas), signing in with a personal token, scopes, the per-token limit, errors as problem+json, cursor pages.

A request to /api/v1 is signed in by its `Authorization: Bearer <token>` header only: the web's session cookie
is ignored there, so no page of another site can make a browser call the API (and the API needs no CSRF token).
The token's user then meets exactly the web's checks: the same permissions, the same object-level functions.
"""
from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.exceptions import HTTPException, default_exceptions

from grants.access import ACCESS_ATTR, PUBLIC, Permission, permissions_of
from grants.api import tokens
from grants.api.schemas import ProblemSchema
from grants.extensions import db
from grants.types import utcnow
from grants.web import PROBLEM, problem

VERSION = "v1"
bp = Blueprint("api", __name__, url_prefix=f"/api/{VERSION}",
               description="Pomost's JSON API: calls, organisations, applications and what follows them.")
READ, WRITE = "read", "write"
PAGE_LIMIT = 100
# A list's query arguments: one it does not know is refused (422), not ignored, so that `?call=` for `call_id`
# does not quietly answer for everything.
QUERY = {"location": "query", "unknown": RAISE}


class PomostApi(Api):
    """flask-smorest's Api, leaving the web's error pages alone: its JSON errors serve the API's blueprint only.

    The document lists every status an operation answers, each error as what it is (problem+json): no catch-all
    `default` response stands in for an error nobody wrote down."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None):
        self._undocumented: list[tuple] = []
        self._documenting = threading.Lock()
        super().init_app(app, spec_kwargs=spec_kwargs)

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Registers the blueprint's routes now and writes its operations into the document when the document is
        first read: turning every schema into OpenAPI is most of the cost of making the app, and only
        /api/v1/openapi.json and /api/docs/ read the document."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    @property
    def spec(self):
        spec = self.__dict__.get("_spec")
        if spec is not None and getattr(self, "_undocumented", None):
            with self._documenting:  # two first readers at once document each blueprint once
                while self._undocumented:
                    blp, name, parameters = self._undocumented.pop(0)
                    blp.register_views_in_doc(self, self._app, spec, name=name, parameters=parameters)
                    spec.tag({"name": name, "description": blp.description})
        return spec

    @spec.setter
    def spec(self, value):
        self.__dict__["_spec"] = value

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM)
            self.spec.components.response(status.name, response, lazy=True)


api = PomostApi()


# --- signing in ---------------------------------------------------------------------------------------------

@bp.before_request
def _sign_in():
    """The bearer token decides who calls; a session cookie counts for nothing here."""
    g._login_user = current_app.login_manager.anonymous_user()
    header = request.headers.get("Authorization", "")
    if not header:
        return None  # anonymous: public endpoints answer, the others say 401
    scheme, _sep, secret = header.partition(" ")
    now = utcnow()
    token = tokens.authenticate(secret.strip(), now) if scheme.lower() == "bearer" else None
    if token is None:
        return _unauthorised(_("The token is unknown, expired or revoked."))
    left, reset = tokens.spend(token, int(current_app.config["API_RATE_LIMIT"]), now)
    g.api_token, g.api_limit = token, (max(left, 0), reset)
    g._login_user = token.user
    if left < 0:
        response = problem(429, _("Too many requests with this token: wait a minute."))
        response.headers["Retry-After"] = str(reset)
        return response
    return None


@bp.after_request
def _limit_headers(response):
    if "api_limit" in g:
        left, reset = g.api_limit
        response.headers["X-RateLimit-Limit"] = str(current_app.config["API_RATE_LIMIT"])
        response.headers["X-RateLimit-Remaining"] = str(left)
        response.headers["X-RateLimit-Reset"] = str(reset)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    return response


def _unauthorised(title: str):
    response = problem(401, title)
    response.headers["WWW-Authenticate"] = 'Bearer realm="pomost"'
    return response


def access(scope: str | None, *permissions: Permission) -> Callable:
    """Declare an endpoint: None for public ones (a token is optional), else the token's scope it needs and the
    user's permissions (as the web's `require`), checked before the endpoint runs."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if scope is not None:
                if not current_user.is_authenticated:
                    return _unauthorised(_("Sign in with a personal API token: Authorization: Bearer <token>."))
                if scope not in g.api_token.scope_set:
                    return problem(403, _("This token may only read."))
                granted = permissions_of(current_user)
                if not all(p in granted for p in permissions):
                    return problem(403, _("Your roles do not allow this action."))
            return view(*args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, PUBLIC if scope is None else tuple(permissions))
        wrapped.api_scope = scope
        # What is answered before the endpoint runs: 400 for a query with control characters (grants/web.py) or
        # a body that is not JSON, 401 for a token unknown, expired or revoked (a public endpoint checks a token
        # it is sent too), 429 over the token's limit, 403 for a read-only token or roles without the permissions.
        return answers(*(400, 401, 429) if scope is None else (400, 401, 403, 429))(wrapped)

    return decorator


def answers(*statuses: int) -> Callable:
    """Document errors an endpoint answers (each as problem+json), besides its arguments' 422 and the ETag's 304
    that flask-smorest lists by itself."""
    def decorator(view: Callable) -> Callable:
        for status in statuses:
            view = bp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator


# Errors in the caller's language: the statuses' titles, and marshmallow's messages about a field (English, and
# only these few reach a caller of this API: its fields are strings, numbers, dates and lists).
TITLES = {400: _l("The request is not valid."), 404: _l("Not found."), 405: _l("This method is not allowed here."),
          406: _l("This API answers JSON only."), 413: _l("The request is too large."),
          415: _l("Send the body as JSON or as a form, as the documentation says.")}
FIELD_MESSAGES = {
    "Missing data for required field.": _l("Give this field."), "Field may not be null.": _l("Give a value."),
    "Unknown field.": _l("No such field."), "Invalid input type.": _l("Send an object."),
    "Not a valid string.": _l("Give text."), "Not a valid integer.": _l("Give a whole number."),
    "Not a valid number.": _l("Give a number."), "Not a valid boolean.": _l("Give true or false."),
    "Not a valid date.": _l("Give a date as YYYY-MM-DD."), "Not a valid list.": _l("Give a list."),
    "Not a valid mapping type.": _l("Send an object."), "Invalid value.": _l("This value is not valid."),
    "String does not match expected pattern.": _l("This value is not valid."),
}
RANGE = re.compile(r"Must be (?:greater than or equal to (?P<min>\S+?))?(?: and )?"
                   r"(?:less than or equal to (?P<max>\S+?))?\.$")
LENGTH = re.compile(r"(?:Length must be between \d+ and|Longer than maximum length) (?P<max>\d+)\.$")


def _in_language(message):
    """A field's message from marshmallow, in the caller's language where it is one of those we know."""
    if isinstance(message, list):
        return [_in_language(m) for m in message]
    if isinstance(message, dict):
        return {key: _in_language(m) for key, m in message.items()}
    if message in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[message])
    if (found := RANGE.match(str(message))) and (found["min"] or found["max"]):
        low, high = found["min"], found["max"]
        if low and high:
            return _("Give a value from %(low)s to %(high)s.", low=low, high=high)
        return _("Give at least %(low)s.", low=low) if low else _("Give at most %(high)s.", high=high)
    if found := LENGTH.match(str(message)):
        return _("At most %(count)s characters.", count=found["max"])
    return message


def _http_error(error: HTTPException):
    data = getattr(error, "data", None) or {}
    body = {}
    title = data.get("message") or TITLES.get(error.code) or error.name or "Error"
    if data.get("messages"):  # webargs: the fields that did not validate, by where they were sent
        body["errors"] = {}
        for location, problems in data["messages"].items():  # a list: the whole of it (a body that is not JSON)
            body["errors"].update(_in_language(problems if isinstance(problems, dict) else {location: problems}))
        title = _("Some fields are not valid.")
    return problem(error.code or 500, str(title), **body)


for _code in default_exceptions:
    if _code >= 400:
        bp.register_error_handler(_code, _http_error)


# --- pages of a list ----------------------------------------------------------------------------------------

class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, PAGE_LIMIT),
                           metadata={"description": "How many items, 1–100."})
    cursor = fields.String(load_default=None, validate=(validate.Length(max=40),
                                                        validate.Regexp(r"^[A-Za-z0-9_-]*$")),
                           metadata={"description": "The `next_cursor` of the previous page."})


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item), required=True),
                                  "next_cursor": fields.String(allow_none=True, required=True)})


def _decode(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        from flask_smorest import abort

        abort(422, message=_("The cursor is not one this API gave."))


def paged(query, id_column, args: dict) -> dict:
    """One page of the query in the order of its ids (newest first), from after the cursor: a page costs the same
    however deep it is, and rows added meanwhile neither repeat nor shift it."""
    after = _decode(args.get("cursor"))
    if after is not None:
        query = query.where(id_column < after)
    rows = list(db.session.scalars(query.order_by(id_column.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    cursor = base64.urlsafe_b64encode(str(rows[-1].id).encode()).decode().rstrip("=") if more else None
    return {"items": rows, "next_cursor": cursor}
