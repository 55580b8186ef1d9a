"""The Polish catalogue covers every translatable string in the source and stays usable.

Plain tests with no app or database fixtures, so each runs once. The extraction mirrors the
Makefile's `extract-messages` target (babel.cfg, default keywords plus `_l`, `lazy_gettext` and `lazy_ngettext`),
so a new `_("...")` or `_l("...")` that nobody translated makes the first test fail.
"""
from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

REPO_ROOT = Path(__file__).resolve().parents[2]
PL_PO = REPO_ROOT / "grants" / "translations" / "pl" / "LC_MESSAGES" / "messages.po"

# %(name)s, %(count)d, %(amount).2f, %(x)-5s ... : the name and the conversion type.
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +\-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")


def _strings(value) -> tuple[str, ...]:
    """A message's id or string as a tuple; plural messages already are tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _label(message) -> str:
    text = _strings(message.id)[0]
    return f"{text!r}" + (f" (context {message.context!r})" if message.context else "")


def _placeholders(text: str) -> set[tuple[str, str]]:
    return {(m.group(1), m.group(0)[-1]) for m in PLACEHOLDER.finditer(text)}


@pytest.fixture(scope="module")
def polish():
    with PL_PO.open("rb") as handle:
        return read_po(handle, locale="pl")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The template Babel extracts from the source now, as in `make extract-messages`."""
    pot = tmp_path_factory.mktemp("extract") / "messages.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO_ROOT)  # babel.cfg's patterns and the input directory are relative
        status = CommandLineInterface().run([
            "pybabel", "-q", "extract",
            "-F", "babel.cfg",
            "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2",
            "-o", str(pot),
            "--no-location", "--sort-output",
            ".",
        ])
    assert not status, f"pybabel extract failed with status {status}"
    with pot.open("rb") as handle:
        return read_po(handle)


def test_every_msgid_has_a_polish_translation(extracted, polish):
    source_ids = [message for message in extracted if message.id]
    assert source_ids, "the extraction found no messages; is babel.cfg in the repository root?"

    problems = []
    for message in source_ids:
        translated = polish.get(message.id, message.context)
        if translated is None:
            problems.append(f"missing from the PL catalogue: {_label(message)}")
        elif translated.fuzzy:
            problems.append(f"fuzzy: {_label(message)}")
        elif not all(_strings(translated.string)):
            problems.append(f"empty msgstr: {_label(message)}")

    assert not problems, (
        f"{len(problems)} of {len(source_ids)} source messages lack a Polish translation "
        "(run `make extract-messages` and translate them in "
        "grants/translations/pl/LC_MESSAGES/messages.po):\n" + "\n".join(problems)
    )


def test_placeholders_match(polish):
    mismatches = []
    for message in polish:
        if not message.id or not any(_strings(message.string)):
            continue
        expected = set().union(*(_placeholders(text) for text in _strings(message.id)))
        for translation in _strings(message.string):
            found = _placeholders(translation)
            if found != expected:
                mismatches.append(
                    f"{_label(message)}: msgid has {sorted(expected)}, "
                    f"msgstr {translation!r} has {sorted(found)}"
                )
    assert not mismatches, "placeholders differ between msgid and msgstr:\n" + "\n".join(mismatches)


def test_catalogue_compiles(polish, tmp_path):
    mo_path = tmp_path / "messages.mo"
    with mo_path.open("wb") as handle:
        write_mo(handle, polish)
    assert mo_path.stat().st_size > 0

    with mo_path.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.gettext("Sign out") == "Wyloguj"
    assert translations.gettext("Sign in") == "Zaloguj się"
    assert translations.gettext("Hello %(name)s,") % {"name": "Ala"} != "Hello Ala,"
