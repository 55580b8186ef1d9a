"""The whole path of one application in a real browser: register, organisation, apply with an
attachment, submit; the officer asks for a correction; the applicant corrects; the officer accepts."""
from __future__ import annotations

import re
import secrets

from tests.browser.conftest import shot

PDF = b"%PDF-1.4\n% journey\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
RESTRUCTURING_CALL = "Granty na restrukturyzację spółdzielni socjalnych 2026"


def _sign_in(page, base, email, password):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form:has(input[name=password]) [type=submit]").click()


def test_apply_correct_and_accept(live_server, live_mail, browser, page, tmp_path):
    base = live_server
    email, password = f"ola.{secrets.token_hex(3)}@example.org", "bardzo tajne hasło 1"

    # 1. Register and confirm the address.
    page.goto(f"{base}/register")
    page.fill("input[name=name]", "Ola Nowak")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.fill("input[name=confirm]", password)
    page.locator("form:has(input[name=confirm]) [type=submit]").click()
    assert page.url.endswith("/login")
    shot(page, "registered")
    live_mail.deliver()
    page.goto(live_mail.last_link(email, "/confirm/"))
    _sign_in(page, base, email, password)
    assert page.url.endswith("/applicant")

    # 2. Create the cooperative.
    page.goto(f"{base}/organisations/new")
    members, patron = page.get_by_test_id("group-members"), page.locator("input[name=patron_name]")
    page.select_option("select[name=type]", "informal_group")
    assert members.is_visible() and patron.is_visible()  # a group's members and patron, asked of a group only
    page.select_option("select[name=type]", "social_cooperative")
    assert members.is_hidden() and patron.is_hidden() and patron.is_disabled()  # and not sent
    page.fill("input[name=name]", "Spółdzielnia Socjalna Przystań")
    # Identifiers of its own: the demo's cooperatives already have theirs, and each is registered once.
    page.fill("input[name=nip]", "1234563218")
    page.fill("input[name=krs]", "0000555123")
    page.fill("input[name=bank_account]", "PL61109010140000071219812874")
    page.locator("form [type=submit]").last.click()
    assert re.search(r"/organisations/\d+$", page.url)
    shot(page, "organisation")

    # 3. Apply to the open restructuring call.
    page.goto(f"{base}/calls/")
    page.get_by_role("link", name=RESTRUCTURING_CALL).click()
    page.locator("a[href*='/applications/new/']").click()
    page.fill("input[name=title]", "Przystań: catering dla przedszkoli")
    page.locator("form [type=submit]").last.click()
    assert page.url.endswith("/edit")
    page.fill("textarea[name=q_summary]", "Zmieniamy profil na catering dla przedszkoli w dzielnicy.")
    page.fill("input[name='q_budget-0-item']", "Wyposażenie kuchni")
    page.fill("input[name='q_budget-0-cost']", "55000")
    page.fill("input[name='q_budget-0-own']", "5000")
    # Three lines to start with; typing into the last one adds the next.
    lines = page.locator("input[name^='q_budget-'][name$='-item']")
    assert lines.count() == 3
    page.locator("input[name='q_budget-2-item']").press_sequentially("Szkolenia")
    assert lines.count() == 4 and page.locator("input[name='q_budget-3-item']").input_value() == ""
    page.fill("input[name='q_budget-2-item']", "")
    page.locator("#answers [type=submit]").click()
    assert "50" in page.locator("[data-testid=budget-totals]").inner_text()
    pdf = tmp_path / "biznesplan.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("input[type=file]", str(pdf))
    page.locator("form[enctype='multipart/form-data'] [type=submit]").click()
    assert page.locator("[data-testid=attachments]").get_by_text("biznesplan.pdf").count() == 1
    shot(page, "filled")
    page.locator("[data-testid=submit]").click()
    assert re.search(r"/applications/\d+\?version=1$", page.url)
    application_url = page.url.split("?")[0]
    shot(page, "submitted")

    # 4. The officer starts the formal check and asks for a correction of the summary.
    officer = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    officer_page = officer.new_page()
    officer_page._pomost_artefacts = page._pomost_artefacts
    _sign_in(officer_page, base, "officer@pomost.example", "pomost-demo")
    officer_page.goto(application_url)
    officer_page.locator("[data-trigger=start_check]").click()
    form = officer_page.locator("[data-testid=correction]")
    form.locator("input[value='answer:summary']").check()
    form.locator("textarea[name=reason]").fill("Opisz, ile osób zatrudnicie i od kiedy.")
    form.locator("[type=submit]").click()
    # the demo officer reads Polish
    assert officer_page.locator("[data-testid=state]").inner_text().strip() == "Do poprawy"
    shot(officer_page, "correction-requested")

    # 5. The applicant corrects only what was asked and resubmits.
    live_mail.deliver()
    page.goto(application_url)
    page.locator("a[href$='/edit']").click()
    assert page.locator("input[name=q_start]").is_disabled()  # not one of the items to correct
    page.fill("textarea[name=q_summary]", "Catering dla przedszkoli; zatrudnimy 3 osoby od lutego.")
    page.locator("#answers [type=submit]").click()
    shot(page, "corrected")
    page.locator("[data-testid=submit]").click()
    shot(page, "resubmitted")

    # 6. The officer sees what changed and accepts.
    officer_page.goto(application_url)
    assert "zatrudnimy 3 osoby" in officer_page.locator("[data-testid=diff]").inner_text()
    assert officer_page.locator("[data-trigger=accept]").is_disabled()  # the checklist is not ticked yet
    checklist = officer_page.locator("[data-testid=checklist]")
    for box in checklist.locator("input[type=checkbox]").all():
        box.check()
    checklist.locator("[type=submit]").click()
    officer_page.locator("[data-trigger=accept]").click()
    assert officer_page.locator("[data-testid=state]").inner_text().strip() == "Ocena merytoryczna"
    shot(officer_page, "accepted")
    officer.close()

    # The applicant sees the public label, not the staff one.
    page.goto(application_url)
    assert page.locator("[data-testid=state]").inner_text().strip() == "W ocenie"
    shot(page, "applicant-view")
