"""Usage control and recovery in a real browser: the auditor draws a seeded random sample, runs a control with a
finding, sends it to recovery, opens the case (the form refuses what the law does not allow) and serves the
notice; finance records a repayment. Screenshots are kept as artefacts."""
from __future__ import annotations

from datetime import timedelta

from grants.demo import ACCOUNTS, PASSWORD
from grants.types import utcnow
from tests.browser.conftest import shot
from tests.browser.test_evaluation_journey import _sign_out
from tests.browser.test_roles_journey import sign_in


def test_a_sampled_control_with_a_finding_goes_to_recovery(live_server, page):
    base = live_server
    sign_in(page, base, ACCOUNTS[4][0], PASSWORD)
    page.goto(f"{base}/controls/")
    page.select_option("#call", label="Miejsca pracy ze wsparciem pomostowym – nabór wiosenny 2026")  # its signed grant
    page.fill("#size", "1")
    page.fill("#seed", "42")
    page.get_by_test_id("draw-sample").click()
    assert page.get_by_test_id("plans").get_by_text("42").count() == 1
    shot(page, "control-sample-drawn")
    page.locator("[data-control] a").first.click()
    page.locator("[data-trigger=start] button").click()
    page.check("#item-documents")
    page.get_by_role("button", name="Zapisz listę kontrolną").click()
    page.fill("#text", "Brak protokołu odbioru sprzętu.")
    page.fill("#recommendation", "")
    page.get_by_test_id("add-finding").locator("button").click()
    assert page.locator("#recommendation.is-invalid").count() == 1
    page.fill("#text", "Brak protokołu odbioru sprzętu.")
    page.fill("#recommendation", "Przesłać protokół odbioru.")
    page.fill("#deadline", (utcnow().date() + timedelta(days=14)).isoformat())
    page.get_by_test_id("add-finding").locator("button").click()
    assert page.locator("[data-finding]").count() == 1
    page.locator("[data-trigger=record_findings] button").click()
    page.fill("#reason-open_recovery", "Sprzęt nie został odebrany.")
    page.locator("[data-trigger=open_recovery] button").click()
    assert "/recoveries/new/" in page.url

    page.fill("#principal", "2 000,00")
    page.select_option("#basis", "art207")
    page.select_option("#interest_kind", "undue")
    page.fill("#facts", "Sprzęt nie został odebrany.")
    page.get_by_test_id("open-case").locator("button").click()
    assert page.locator("#interest_kind.is-invalid").count() == 1  # art. 207: interest from the transfer
    page.select_option("#interest_kind", "misuse")
    page.fill("#transferred_on", (utcnow().date() - timedelta(days=200)).isoformat())
    page.get_by_test_id("open-case").locator("button").click()
    page.fill("#served_on", (utcnow().date() - timedelta(days=1)).isoformat())
    page.get_by_test_id("serve").locator("button").click()
    assert page.get_by_test_id("due-on").inner_text() != "—"
    case = page.url
    shot(page, "recovery-served")
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[3][0], PASSWORD)
    page.goto(case)
    page.fill("#paid_on", utcnow().date().isoformat())
    page.fill("#amount", "500")
    page.get_by_test_id("repay").locator("button").click()
    assert page.locator("[data-line=repayment]").count() == 1
    shot(page, "recovery-repayment")
