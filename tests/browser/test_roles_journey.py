"""Each demo role signs in, lands on its home page, switches language and signs out for good."""
from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from grants.auth.models import Role
from grants.demo import ACCOUNTS, PASSWORD
from tests.browser.conftest import IN_CI, shot

REPO = Path(__file__).resolve().parents[2]
# `make translations` compiles it from messages.po; without it every page is in English whatever the locale.
POLISH_CATALOGUE = REPO / "grants" / "translations" / "pl" / "LC_MESSAGES" / "messages.mo"

HOME_PATHS = {
    Role.APPLICANT: "/applicant",
    Role.PROGRAM_OFFICER: "/officer",
    Role.EVALUATOR: "/evaluation/",
    Role.FINANCE_OFFICER: "/finance",
    Role.AUDITOR: "/auditor",
    Role.ADMIN: "/admin/users",
}

SIGN_OUT = "form[action$='/logout'] button[type=submit]"
LANGUAGE = "#language-switch select[name=language]"


def path_of(page) -> str:
    return urlsplit(page.url).path


def sign_in(page, base_url: str, email: str, password: str):
    page.goto(f"{base_url}/login")
    page.fill("main input[name=email]", email)
    page.fill("main input[name=password]", password)
    with page.expect_navigation() as navigation:
        page.click("main form [type=submit]")
    return navigation.value


def test_every_role_has_a_home():
    assert {role for _, _, role in ACCOUNTS} == set(HOME_PATHS) == set(Role)


@pytest.mark.parametrize(("email", "name", "role"), ACCOUNTS, ids=[role.value for _, _, role in ACCOUNTS])
def test_role_signs_in_switches_language_and_signs_out(live_server, page, email, name, role):
    home = HOME_PATHS[role]

    # Sign in: the role's own home page, with the person's name in the top bar.
    sign_in(page, live_server, email, PASSWORD)
    assert path_of(page) == home, f"{role} landed on {page.url}"
    expect(page.get_by_test_id("current-user")).to_have_text(name)
    heading = page.get_by_test_id("home-heading")
    expect(heading).to_be_visible()
    shot(page, "home")

    # Switch the language with the top-bar select (it submits itself on change).
    before = page.locator("html").get_attribute("lang")
    assert before in ("pl", "en")
    target = "en" if before == "pl" else "pl"
    sign_out_before = page.locator(SIGN_OUT).inner_text().strip()
    with page.expect_navigation():
        page.select_option(LANGUAGE, target)
    expect(page.locator("html")).to_have_attribute("lang", target)
    assert path_of(page) == home, "the language switch should come back to the same page"
    expect(heading).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_have_text(name)
    expect(page.locator(LANGUAGE)).to_have_value(target)
    sign_out_after = page.locator(SIGN_OUT).inner_text().strip()
    texts = {before: sign_out_before, target: sign_out_after}
    assert texts["en"] == "Sign out"
    if POLISH_CATALOGUE.exists():
        assert texts["pl"] != texts["en"], "the sign-out button is not translated into Polish"
    elif IN_CI:
        pytest.fail(f"{POLISH_CATALOGUE.relative_to(REPO)} is missing: run `make translations` first")
    else:
        warnings.warn(f"{POLISH_CATALOGUE.relative_to(REPO)} is missing (run `make translations`): "
                      "the Polish text of the page was not checked")
    shot(page, f"language-{target}")

    # Sign out: back on the sign-in page, and the home page is closed again.
    with page.expect_navigation():
        page.click(SIGN_OUT)
    assert path_of(page) == "/login"
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    expect(page.locator(".alert")).to_be_visible()  # "You have been signed out."
    shot(page, "signed-out")

    response = page.goto(f"{live_server}{home}")
    assert response is not None and response.ok
    assert path_of(page) == "/login", f"{home} still opens after signing out"
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    expect(page.locator("main input[name=password]")).to_be_visible()
    shot(page, "home-after-sign-out")


def test_wrong_password_and_forbidden_page(live_server, page):
    email, name, _ = next(account for account in ACCOUNTS if account[2] is Role.APPLICANT)

    # A wrong password: an error message on the same sign-in page, not a crash.
    response = sign_in(page, live_server, email, PASSWORD + "-wrong")
    assert response is not None and response.status == 200
    assert path_of(page) == "/login"
    error = page.locator(".alert-danger")
    expect(error).to_be_visible()
    assert error.inner_text().strip()
    expect(page.get_by_test_id("current-user")).to_have_count(0)
    expect(page.locator("main input[name=email]")).to_have_value(email)
    shot(page, "wrong-password")

    # The applicant signs in properly but may not open the administrator's page.
    sign_in(page, live_server, email, PASSWORD)
    assert path_of(page) == HOME_PATHS[Role.APPLICANT]
    response = page.goto(f"{live_server}/admin/users")
    assert response is not None and response.status == 403
    assert path_of(page) == "/admin/users"
    expect(page.locator("main .display-4")).to_have_text("403")
    expect(page.get_by_test_id("current-user")).to_have_text(name)  # still signed in, just not allowed
    expect(page.get_by_test_id("home-heading")).to_have_count(0)
    shot(page, "forbidden")
