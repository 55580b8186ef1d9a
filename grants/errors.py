"""One kind of refusal for everything a person asks that cannot be done.

An operation raises a `Refusal` with a message for the person (a `Label` in both languages or a
Flask-Babel string) and the HTTP status that fits; nothing it wrote survives, because one handler
rolls the transaction back and answers: a flashed message and the page again for people, a JSON
problem document (RFC 9457) for the API.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_app_context
from flask_babel import force_locale

from workflows.base import Label


def _in(message: Any, locale: str | None) -> str:
    if isinstance(message, Label):
        return message(locale)
    if locale is None or not has_app_context():
        return str(message)
    with force_locale(locale):
        return str(message)


class Refusal(Exception):
    """A request that cannot be done; `status` is the HTTP status, `messages` say why."""

    status = 409

    def __init__(self, *messages: Any, status: int | None = None, errors: Mapping[str, Any] | None = None):
        super().__init__(" ".join(m.en if isinstance(m, Label) else str(m) for m in messages))
        self.messages = messages
        if status is not None:
            self.status = status
        # Messages per form field ('budget', 'questions.2.id', …), for a page that places them.
        self.errors = dict(errors or {})

    def text(self, locale: str | None = None) -> str:
        """The messages in the given language (by default the request's)."""
        return " ".join(_in(m, locale) for m in self.messages)

    @property
    def message(self) -> Any:
        return self.messages[0] if len(self.messages) == 1 else self.text()
