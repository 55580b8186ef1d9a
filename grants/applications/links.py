"""Links other areas add to the case page (a grant's reports, its controls): each shown when its check passes
for the person and the application, so an area plugs in without editing the case page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for


@dataclass(frozen=True)
class CaseLink:
    endpoint: str
    label: object
    testid: str
    shown: Callable[[object, object], bool]  # (user, application) -> bool


_LINKS: list[CaseLink] = []


def add_link(endpoint: str, label, testid: str, shown: Callable[[object, object], bool]) -> None:
    if any(link.endpoint == endpoint for link in _LINKS):
        return  # a view module imported twice (tests build several apps)
    _LINKS.append(CaseLink(endpoint, label, testid, shown))


def shown(user, application) -> list[tuple[str, str, str]]:
    """(url, label, test id) of the links this person sees on this case."""
    return [(url_for(link.endpoint, application_id=application.id), str(link.label), link.testid)
            for link in _LINKS if link.shown(user, application)]
