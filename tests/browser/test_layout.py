"""What a person sees on a phone and on a common laptop screen: wide tables scroll within their card, and the
administrator's top bar keeps to one line at 1280 px in both languages."""
from __future__ import annotations

import pytest

from grants.demo import PASSWORD
from tests.browser.conftest import PAGE_TIMEOUT_MS, shot
from tests.browser.test_roles_journey import sign_in


def _page(browser, artefacts, width: int, height: int, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    page._pomost_artefacts = artefacts
    return context, page


def test_on_a_phone_the_officers_list_scrolls_within_its_card(live_server, browser, artefacts):
    """Before: the table ran off the right edge and the whole page scrolled sideways."""
    context, page = _page(browser, artefacts, 390, 844, "pl-PL")
    try:
        sign_in(page, live_server, "officer@pomost.example", PASSWORD)
        # Another test may have left the officer in English; the switch is folded away on a phone, so post it.
        token = page.locator("#language-switch input[name=csrf_token]").get_attribute("value")
        page.request.post(f"{live_server}/language", form={"language": "pl", "csrf_token": token})
        page.reload()
        page.locator("[data-testid=applications-link]").first.click()
        page.wait_for_load_state()
        shot(page, "phone-list")
        table = page.get_by_test_id("applications")
        card = table.locator("xpath=..")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert card.evaluate("el => el.scrollWidth > el.clientWidth && getComputedStyle(el).overflowX == 'auto'")
        assert "Numer" in table.locator("thead").inner_text()  # the application's number, not a count
    finally:
        context.close()


def test_on_a_phone_the_evaluators_queue_shows_every_button_without_scrolling(live_server, browser, artefacts):
    """Before: the status column pushed the action buttons past the right edge of a 390 px screen."""
    context, page = _page(browser, artefacts, 390, 844, "pl-PL")
    try:
        sign_in(page, live_server, "evaluator@pomost.example", PASSWORD)
        page.goto(f"{live_server}/evaluation/")
        shot(page, "phone-queue")
        table = page.get_by_test_id("queue")
        assert table.evaluate("el => el.scrollWidth <= el.parentElement.clientWidth")
        buttons = table.locator("a.btn")
        assert buttons.count() >= 3
        assert all(buttons.nth(i).evaluate("el => el.getBoundingClientRect().right <= window.innerWidth")
                   for i in range(buttons.count()))
    finally:
        context.close()


@pytest.mark.parametrize("locale", ["pl-PL", "en-GB"])
@pytest.mark.parametrize("who", ["admin", "auditor", "finance", "officer"])
def test_a_staff_top_bar_keeps_to_one_line_at_1280_px(live_server, browser, artefacts, locale, who):
    """Before: seven links, the name, two buttons and the language wrapped onto two lines in Polish; the auditor's
    eight ran past the page's edge. Beyond five, links go under "More"."""
    context, page = _page(browser, artefacts, 1280, 800, locale)
    try:
        sign_in(page, live_server, f"{who}@pomost.example", PASSWORD)
        shot(page, "admin-bar")
        links = page.locator("nav .nav-link")
        heights = {round(box["height"]) for box in (links.nth(i).bounding_box() for i in range(links.count()))}
        tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        assert len(tops) == 1 and max(heights) < 50, (tops, heights)  # one row, no link on two lines
        assert page.locator("nav").bounding_box()["height"] < 70
        assert page.locator("nav").evaluate("el => el.scrollWidth <= el.clientWidth")  # nothing past the edge
        select = page.locator("#language-switch select")
        assert select.evaluate("el => el.scrollWidth <= el.clientWidth")  # the language's name is not cut
    finally:
        context.close()
