"""An administrator invites a program officer from the users' list; the invitee chooses a password from the
emailed link and is led to set up the second factor."""
from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from grants.auth.models import Role
from grants.demo import ACCOUNTS, PASSWORD
from tests.browser.conftest import shot
from tests.browser.test_roles_journey import sign_in

INVITEE = "nowa.opiekunka@pomost.example"


def test_an_admin_invites_staff_and_the_invitee_sets_a_password(live_server, live_mail, page, browser):
    email = next(account[0] for account in ACCOUNTS if account[2] is Role.ADMIN)
    sign_in(page, live_server, email, PASSWORD)

    with page.expect_navigation():
        page.get_by_test_id("invite-staff").click()
    assert urlsplit(page.url).path == "/admin/users/invite"
    expect(page.get_by_test_id("invite-heading")).to_be_visible()

    # Sent empty first: every field says what it needs, and nothing is created.
    with page.expect_navigation():
        page.click("main form [type=submit]")
    expect(page.locator("main .invalid-feedback")).to_have_count(3)
    shot(page, "invite-form-errors")

    page.goto(f"{live_server}/admin/users/invite")
    page.fill("main input[name=email]", INVITEE)
    page.fill("main input[name=name]", "Zofia Nowacka")
    page.select_option("main select[name=language]", "en")
    page.check("main input[name=roles][value=program_officer]")
    page.check("main input[name=roles][value=evaluator]")
    shot(page, "invite-form-filled")
    with page.expect_navigation():
        page.click("main form [type=submit]")

    # The person's page: the confirmation, their roles and the invitation waiting for the password.
    assert urlsplit(page.url).path.startswith("/admin/users/")
    expect(page.locator(".alert-success")).to_contain_text(INVITEE)
    expect(page.get_by_test_id("invitation-status")).to_be_visible()
    shot(page, "invitation-sent")

    # Sending it again asks first (data-confirm, no inline script); dismissed, nothing is sent.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Send the invitation again").click()
    assert questions and "Zofia Nowacka" in questions[0]
    expect(page.locator(".alert-success")).to_be_visible()  # still the same page, not reloaded

    # The invitee, in a browser of their own, opens the emailed link.
    live_mail.deliver()
    link = live_mail.last_link(INVITEE, "/welcome/")
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    try:
        invitee = context.new_page()
        invitee.goto(link)
        expect(invitee.get_by_test_id("welcome-heading")).to_contain_text("choose your password")
        invitee.fill("main input[name=password]", "a long enough passphrase")
        invitee.fill("main input[name=confirm]", "a long enough passphrase")
        shot_path = page._pomost_artefacts.shot(invitee, "welcome")
        assert shot_path.exists()
        with invitee.expect_navigation():
            invitee.click("main form [type=submit]")
        assert urlsplit(invitee.url).path == "/account/2fa"
        expect(invitee.get_by_test_id("current-user")).to_have_text("Zofia Nowacka")
        expect(invitee.get_by_test_id("totp-secret")).to_be_visible()
        page._pomost_artefacts.shot(invitee, "second-factor")

        # The link works once.
        invitee.goto(link)
        assert "/welcome/" not in invitee.url
        expect(invitee.locator(".alert-danger")).to_contain_text("invalid, used or expired")
    finally:
        context.close()
