"""An officer opens a submitted application and reads what was sent: the answers under their questions
and the budget table with its totals, before doing the formal check."""
from __future__ import annotations

from tests.browser.conftest import shot

SUBMITTED = "Trzy miejsca pracy w kawiarni społecznej"  # submitted in the demo, not yet checked


def test_officer_reads_the_submitted_answers_and_budget(live_server, page):
    page.goto(f"{live_server}/login")
    page.fill("main input[name=email]", "officer@pomost.example")
    page.fill("main input[name=password]", "pomost-demo")
    page.locator("main form [type=submit]").click()
    if page.locator("html").get_attribute("lang") != "pl":  # another test may have left the officer in English
        with page.expect_navigation():
            page.select_option("#language-switch select[name=language]", "pl")
    page.get_by_role("link", name=SUBMITTED).first.click()

    version = page.get_by_test_id("version")
    answer = version.locator("[data-question=summary]")
    assert answer.locator("dt").inner_text().strip() == "Opis przedsięwzięcia"  # the demo officer reads Polish
    assert f"{SUBMITTED}: opis przedsięwzięcia" in answer.locator("dd").inner_text()
    budget = version.get_by_test_id("version-budget")
    assert budget.is_visible()
    assert "Wyposażenie" in budget.locator("tbody").inner_text()
    totals = budget.get_by_test_id("version-budget-totals").inner_text().replace("\xa0", " ")
    assert "116 199,60 zł" in totals and "Wnioskowana kwota: 105 636,00 zł" in totals
    assert version.get_by_test_id("version-pdf").is_visible()
    shot(page, "officer-reads-submitted-version")
