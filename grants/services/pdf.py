"""Documents as PDF, made by WeasyPrint from the app's own HTML and stylesheets.

Nothing is fetched while a PDF is made: no network, and no file but the stylesheets given. Fonts come
from the system (fontconfig); the stylesheets ask for DejaVu, which has every Polish letter, and
WeasyPrint embeds the glyphs a document uses, so it reads the same on any machine.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask_babel import lazy_gettext as _l

from grants.errors import Refusal


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"a PDF is made from the app's own files only, not {url}")


def html_to_pdf(html: str, stylesheets: Iterable[str | Path]) -> bytes:
    """The HTML page as a PDF, styled by the given stylesheets only."""
    try:
        # Imported on first use: it loads Pango, which most requests of a worker never need.
        from weasyprint import CSS, HTML
    except OSError as error:  # Pango missing on this machine: say so, the page itself still prints
        raise Refusal(_l("This server cannot make PDFs just now; print the page instead."), status=503) from error
    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf(
        stylesheets=[CSS(filename=str(path), url_fetcher=_fetch_nothing) for path in stylesheets])
