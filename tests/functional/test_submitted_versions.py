"""What was submitted can be read back: the answers under their questions, the budget with its totals,
the files with their hashes, each version as it was, as a page, on paper and as a PDF; and what a
correction changed, in words a person reads."""
from __future__ import annotations

import hashlib
import html
import io
import re
import zlib

import pytest

from grants.applications import operations as ops
from grants.auth.models import Role
from grants.engine.core import fire
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
SIGNED_PDF = PDF + b"% podpisany\n"
POLISH = "Zażółć gęślą jaźń"
FORM = [
    {"id": "plan", "type": "long_text", "label": {"pl": "Opis planu", "en": "The plan in brief"}, "required": True},
    {"id": "budget", "type": "budget_table", "label": {"pl": "Budżet", "en": "Budget"}, "required": True},
    {"id": "start", "type": "date", "label": {"pl": "Planowany start", "en": "Planned start"}},
    {"id": "vat", "type": "yes_no", "label": {"pl": "Płatnik VAT?", "en": "VAT payer?"}},
    {"id": "sector", "type": "single_choice", "label": {"pl": "Branża", "en": "Sector"},
     "options": ["Gastronomia", "Usługi opiekuńcze"]},
]
ATTACHMENTS = [{"id": "plan_pdf", "name": {"pl": "Biznesplan", "en": "Business plan"}, "types": ["application/pdf"],
                "max_size": 1024 * 1024, "required": True}]
FIRST_BUDGET = [{"item": "Piec konwekcyjny", "cost": "45000.50", "own": "4500.50"},
                {"item": "Szkolenia", "cost": "10000", "own": "1000"}]
SECOND_BUDGET = [{"item": "Piec konwekcyjny", "cost": "42000.00", "own": "4500.50"},
                 {"item": "Szkolenia", "cost": "10000", "own": "1000"},
                 {"item": "Chłodnia", "cost": "8000", "own": "800"}]


@pytest.fixture
def submitted(db):
    """A submitted application (version 1) of an applicant who reads English, and an officer."""
    owner = factories.user(Role.APPLICANT, locale="en")
    organisation = factories.organisation(owner)
    call = factories.call(form=FORM, required_attachments=ATTACHMENTS)
    application = factories.application(call, organisation, requested="0", title="Catering dla szkół")
    ops.save_answers(application, owner, {"plan": f"{POLISH}: obiady dla trzech szkół.", "budget": FIRST_BUDGET,
                                          "start": "2026-09-01", "vat": False, "sector": "Gastronomia"})
    ops.add_attachment(application, owner, "plan_pdf", io.BytesIO(PDF), "biznesplan.pdf")
    version = ops.submit(application, owner)
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    return {"owner": owner, "officer": officer, "application": application, "version": version}


def _corrected(db, setting):
    """The officer asks for the plan, the budget and the business plan again; the applicant resubmits."""
    application, owner, officer = setting["application"], setting["owner"], setting["officer"]
    fire(application, "start_check", officer)
    ops.request_correction(application, officer, ["answer:plan", "answer:budget", "attachment:plan_pdf"],
                           "Brak harmonogramu i podpisu.")
    ops.save_answers(application, owner, {"plan": "Obiady dla czterech szkół, od września.", "budget": SECOND_BUDGET})
    ops.add_attachment(application, owner, "plan_pdf", io.BytesIO(SIGNED_PDF), "biznesplan-podpisany.pdf")
    return ops.submit(application, owner)


def _text(page: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities decoded, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _version_section(page: str) -> str:
    return _text(page.split('data-testid="version"', 1)[1].split("</section>", 1)[0])


@pytest.mark.parametrize("who", ["owner", "officer"])
def test_the_submitted_answers_are_shown_to_the_applicant_and_the_officer(client, auth, db, submitted, who):
    application, version = submitted["application"], submitted["version"]
    auth.login(submitted[who].email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    shown = _version_section(page)
    assert "Submitted application, version 1" in shown and version.content_hash in shown
    assert f"The plan in brief {POLISH}: obiady dla trzech szkół." in shown
    assert "Piec konwekcyjny PLN45,000.50 PLN4,500.50" in shown
    assert "Total PLN55,000.50 PLN5,500.50" in shown  # the budget's totals and the own contribution
    assert "Requested: PLN49,500.00; own contribution 10.00% of the total." in shown
    assert "Planned start Sep 1, 2026" in shown and "2026-09-01" not in shown  # the programme's date format
    assert "VAT payer? No" in shown and "Sector Gastronomia" in shown
    assert "Business plan biznesplan.pdf" in shown and hashlib.sha256(PDF).hexdigest() in shown
    assert f'href="/applications/{application.id}/versions/1.pdf"' in page


def test_the_answers_are_read_in_the_readers_language(client, auth, db, submitted):
    submitted["owner"].locale = "pl"
    auth.login(submitted["owner"].email)
    shown = _version_section(client.get(f"/applications/{submitted['application'].id}").get_data(as_text=True))
    assert "Opis planu" in shown and "Płatnik VAT?" in shown and "The plan in brief" not in shown
    assert "1 wrz 2026" in shown and "45 000,50 zł" in shown.replace("\xa0", " ")


def test_a_draft_shows_no_version_but_says_when_the_answers_appear(client, auth, db):
    owner = factories.user(Role.APPLICANT, locale="en")
    application = factories.application(factories.call(form=FORM), factories.organisation(owner))
    auth.login(owner.email)
    shown = _version_section(client.get(f"/applications/{application.id}").get_data(as_text=True))
    assert "shown here once the application is submitted" in shown and "version 1" not in shown
    assert client.get(f"/applications/{application.id}?version=1").status_code == 404
    assert client.get(f"/applications/{application.id}/versions/1.pdf").status_code == 404


def test_each_version_can_be_read_after_a_correction(client, auth, db, submitted):
    application = submitted["application"]
    _corrected(db, submitted)
    for who in ("owner", "officer"):
        auth.login(submitted[who].email)
        latest = _version_section(client.get(f"/applications/{application.id}").get_data(as_text=True))
        second = _version_section(client.get(f"/applications/{application.id}?version=2").get_data(as_text=True))
        first = _version_section(client.get(f"/applications/{application.id}?version=1").get_data(as_text=True))
        assert latest == second and "version 2" in second and "Chłodnia" in second
        assert "biznesplan-podpisany.pdf" in second and "Obiady dla czterech szkół" in second
        assert "version 1" in first and "Chłodnia" not in first and "obiady dla trzech szkół" in first
        assert "biznesplan-podpisany.pdf" not in first
        for missing in ("3", "0", "x", "-1"):
            assert client.get(f"/applications/{application.id}?version={missing}").status_code == 404, missing
        auth.logout()


def test_a_version_of_someone_elses_application_is_not_found(client, auth, db, submitted):
    application = submitted["application"]
    stranger = factories.user(Role.APPLICANT)
    evaluator = factories.user(Role.EVALUATOR)
    for user in (stranger, evaluator):
        auth.login(user.email)
        for path in (f"/applications/{application.id}?version=1", f"/applications/{application.id}/versions/1.pdf"):
            assert client.get(path).status_code == 404, (user.email, path)
        auth.logout()
    assert client.get(f"/applications/{application.id}/versions/1.pdf").status_code == 302  # sign in first


def _streams(document: bytes) -> list[bytes]:
    """Every stream of the PDF, inflated where it is compressed (WeasyPrint packs objects into streams)."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            found.append(match.group(1))
    return found


def _extracted_text(streams: list[bytes]) -> str:
    """The PDF's text as a text extractor reads it: the glyphs of each text run mapped to characters by the
    fonts' ToUnicode maps. Runs are decoded with each map and every readable decoding is kept."""
    maps = []
    for stream in streams:
        if b"begincmap" in stream:
            pairs = re.findall(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>", stream.split(b"endcodespacerange", 1)[-1])
            maps.append({int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs})
    runs = [re.findall(rb"<([0-9a-fA-F]+)>", array) for stream in streams if b" Tf" in stream
            for array in re.findall(rb"\[(.*?)\]\s*TJ", stream, re.S)]
    decoded = []
    for run in runs:
        codes = [int(h[i:i + 4], 16) for h in run for i in range(0, len(h), 4)]
        decoded += ["".join(m[c] for c in codes) for m in maps if all(c in m for c in codes)]
    return "\n".join(decoded)


def test_the_pdf_of_a_version_embeds_its_font_its_hash_and_polish_text(client, auth, db, submitted):
    application, version = submitted["application"], submitted["version"]
    auth.login(submitted["owner"].email)
    response = client.get(f"/applications/{application.id}/versions/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = response.data
    assert document.startswith(b"%PDF-")
    streams = _streams(document)
    assert any(b"/FontFile" in s for s in streams)  # the fonts travel with the document
    text = _extracted_text(streams)
    assert POLISH in text  # Polish letters come out as the letters, not as boxes or lookalikes
    assert version.content_hash in text.replace("\n", "") and application.number in text
    assert "Piec konwekcyjny" in text and "55,000.50" in text


def test_the_correction_shows_what_changed_per_question_budget_cell_and_file(client, auth, db, submitted):
    application = submitted["application"]
    old_hash = hashlib.sha256(PDF).hexdigest()
    new_hash = hashlib.sha256(SIGNED_PDF).hexdigest()
    _corrected(db, submitted)
    auth.login(submitted["officer"].email)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    diff = page.split('data-testid="diff"', 1)[1].split("</section>", 1)[0]
    assert "[{" not in page and "&#39;cost&#39;" not in page and "'cost'" not in page
    text = _text(diff)
    assert "The plan in brief" in text and "obiady dla trzech szkół" in text and "Obiady dla czterech szkół" in text
    assert "budget" not in text and "Budget" in text  # the question's label, not its key
    # The changed cell is marked (a class, and words for a screen reader); unchanged cells are not.
    assert re.search(r'<td class="text-end diff-changed">.*?PLN45,000.50.*?PLN42,000.00', diff, re.S)
    assert "Changed from PLN45,000.50 to PLN42,000.00." in text
    assert diff.count("diff-changed") == 3  # the oven's cost and both totals; its own contribution stays put
    assert 'class="diff-line-added"' in diff and "Line added: Chłodnia" in text
    # The file: old name → new name, each with its hash shortened and the full hash in a title.
    assert f"biznesplan.pdf · sha256 {old_hash[:12]}" in text
    assert f"biznesplan-podpisany.pdf · sha256 {new_hash[:12]}" in text
    assert f'title="{old_hash}"' in diff and f'title="{new_hash}"' in diff
    first = client.get(f"/applications/{application.id}?version=1").get_data(as_text=True)
    assert 'data-testid="diff"' not in first  # the first version changed nothing
