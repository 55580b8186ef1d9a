"""Grantee reports in a real browser: the grantee fills the overdue community-wealth-building report, saves it,
adds a photo and submits; the officer returns it with a comment; the grantee fixes and resubmits; the officer
accepts it and the advance the late report held is released. Screenshots are kept as artefacts."""
from __future__ import annotations

import base64
import json
import subprocess
import sys

from grants.demo import ACCOUNTS, PASSWORD
from tests.browser.conftest import REPO, shot
from tests.browser.test_evaluation_journey import _sign_out
from tests.browser.test_roles_journey import sign_in

FIND = r"""
import json
from sqlalchemy import select
from grants import create_app
from grants.extensions import db
from grants.finance.models import Payment
from grants.reporting.models import Report

app = create_app()
with app.app_context():
    report = db.session.scalar(select(Report).where(Report.status.in_(("overdue", "accepted")))
                               .order_by(Report.status.desc(), Report.id).limit(1))
    payment = db.session.scalar(select(Payment.status).where(Payment.application_id == report.application_id,
                                                             Payment.kind == "advance"))
    print(json.dumps({"report": report.id, "status": report.status, "grant": report.application_id,
                      "payment": payment}))
"""
PHOTO = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                         "AAAABJRU5ErkJggg==")


def _state(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", FIND], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_report_is_submitted_returned_fixed_and_accepted_and_the_held_payment_released(live_server, live_mail,
                                                                                        page):
    base = live_server
    found = _state(live_mail.env)
    assert found["status"] == "overdue" and found["payment"] == "on_hold"
    report = f"{base}/reports/{found['report']}"

    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(f"{base}/reports/grant/{found['grant']}")
    page.locator(f"[data-report='{found['report']}'] a").click()
    page.fill("[name='q.goals_progress']", "Trzy grupy założycielskie, jedna zarejestrowana w KRS.")
    page.check("#q\\.new_partnerships-yes")
    page.fill("[name='q.new_partnerships.details']", "Cech Rzemiosł Różnych")
    page.check("#q\\.collaboration-no")
    page.fill("[name='q.one_on_one_sessions']", "-3")  # refused on the question, the rest kept
    page.get_by_test_id("save-report").click()
    assert page.locator("#q-one_on_one_sessions .invalid-feedback").count() == 1
    assert page.input_value("[name='q.goals_progress']").startswith("Trzy grupy")
    page.fill("[name='q.one_on_one_sessions']", "21")
    page.fill("[name='q.group_workshops']", "0")
    page.fill("[name='q.hours_by_stage.pre_development.hours']", "30,5")
    page.fill("[name='q.businesses_developed']", "1")
    page.fill("[name='q.jobs_created']", "0")
    page.fill("[name='q.gender.woman.participants']", "12")
    page.fill("[name='q.organisations.0.name']", "Spółdzielnia „Rowerownia”")
    page.set_input_files("input[name='file.media']",
                         files=[{"name": "warsztat.png", "mimeType": "image/png", "buffer": PHOTO}])
    page.get_by_test_id("upload-media").click()  # saves the answers typed so far with the photo
    assert page.get_by_test_id("files-media").get_by_text("warsztat.png").count() == 1
    assert page.input_value("[name='q.hours_by_stage.pre_development.hours']") == "30,5"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-report").click()
    assert page.get_by_test_id("submitted").count() == 1
    shot(page, "report-submitted")
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(report)
    page.fill("#note", "Proszę podać liczbę warsztatów grupowych – w kalendarzu były dwa.")
    page.get_by_test_id("return-report").click()
    assert page.get_by_test_id("decision").count() == 0
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(report)
    assert "dwa" in page.get_by_test_id("returned-note").inner_text()
    page.fill("[name='q.group_workshops']", "2")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-report").click()
    assert page.get_by_test_id("versions").locator("li").count() == 2
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(report)
    page.get_by_test_id("accept-report").click()
    shot(page, "report-accepted")
    after = _state(live_mail.env)
    assert after["payment"] == "planned"  # the late report's hold is taken off at once
