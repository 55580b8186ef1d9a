"""The final settlement and the jobs of a grant in a real browser: the officer returns the ended grant's settlement
with a comment; the grantee reads it, removes a line, adds an invoice typed the Polish way and submits again
(confirming); the officer accepts it. On the job-creation grant the grantee replaces the lost job (the ¼-time
mistake refused on the certificate's field) and the replaced job names its replacement. Screenshots are kept."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

from grants.demo import ACCOUNTS, PASSWORD
from grants.types import utcnow
from tests.browser.conftest import REPO, shot
from tests.browser.test_evaluation_journey import _sign_out
from tests.browser.test_roles_journey import sign_in

FIND = r"""
import json
from sqlalchemy import select
from grants import create_app
from grants.applications.models import Application
from grants.extensions import db
from grants.support.models import Job

app = create_app()
with app.app_context():
    grants = dict(db.session.execute(select(Application.number, Application.id)
                                     .where(Application.number.in_(("DEMO/R/2", "DEMO/J/1")))).all())
    statuses = dict(db.session.execute(select(Application.number, Application.status)
                                       .where(Application.number == "DEMO/R/2")).all())
    lost = db.session.scalar(select(Job.id).where(Job.status == "lost", Job.application_id == grants["DEMO/J/1"]))
    print(json.dumps({"cafe": grants["DEMO/R/2"], "catering": grants["DEMO/J/1"], "lost": lost,
                      "cafe_status": statuses["DEMO/R/2"]}))
"""
INVOICE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _state(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", FIND], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_settlement_returned_fixed_and_accepted_and_a_lost_job_replaced(live_server, live_mail, page):
    base = live_server
    found = _state(live_mail.env)
    assert found["cafe_status"] == "settlement"
    settlement = f"{base}/settlements/{found['cafe']}"

    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(f"{base}/applications/{found['cafe']}")
    page.get_by_test_id("settlement-link").click()
    assert page.locator("[data-line]").count() == 3
    page.fill("#note", "Faktura FV/2025/131 dotyczy ekspresu, którego nie ma w budżecie – proszę ją usunąć.")
    page.locator("button[formaction$='/decision/return']").click()
    assert page.get_by_test_id("settlement-decision").count() == 0
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(settlement)
    assert "ekspresu" in page.get_by_test_id("settlement-returned").inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("[data-line]", has_text="FV/2025/131").get_by_role("button").click()
    assert page.locator("[data-line]").count() == 2
    page.select_option("#budget_line", index=1)
    page.fill("#invoice_number", "FV/2025/09/12")
    page.fill("#supplier", "Meble Gastronomiczne „Rynek”")
    page.fill("#amount", "2 150,00")
    day = (utcnow().date() - timedelta(days=200)).isoformat()
    page.fill("#invoice_date", day)
    page.fill("#paid_on", day)
    page.set_input_files("#invoice", files=[{"name": "fv-2025-09-12.pdf", "mimeType": "application/pdf",
                                             "buffer": INVOICE}])
    page.get_by_test_id("add-line").locator("button[type=submit]").click()
    assert page.locator("[data-line]").count() == 3
    shot(page, "settlement-corrected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("settlement-submit").locator("button").click()
    assert page.get_by_test_id("settlement-versions").locator("li").count() == 2
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(settlement)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[formaction$='/decision/accept']").click()
    assert page.get_by_test_id("settlement-decision").count() == 0
    assert page.get_by_test_id("settlement-versions").locator(".text-bg-success").count() == 1
    shot(page, "settlement-accepted")
    _sign_out(page)

    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(f"{base}/applications/{found['catering']}")
    page.get_by_test_id("jobs-link").click()
    page.select_option("#replaces", str(found["lost"]))
    page.fill("#person_name", "Jan Nowak")
    page.fill("#pesel", "44051401359")
    page.fill("#starts_on", utcnow().date().isoformat())
    page.select_option("#fte", "0.25")
    page.set_input_files("#eligibility_doc", files=[{"name": "pup.pdf", "mimeType": "application/pdf",
                                                     "buffer": INVOICE}])
    page.get_by_test_id("register-job").locator("button[type=submit]").click()
    assert page.locator("#disability_doc.is-invalid").count() == 1  # ¼ time: the certificate is missing
    assert page.input_value("#person_name") == "Jan Nowak"
    page.select_option("#fte", "0.5")
    page.set_input_files("#eligibility_doc", files=[{"name": "pup.pdf", "mimeType": "application/pdf",
                                                     "buffer": INVOICE}])
    page.get_by_test_id("register-job").locator("button[type=submit]").click()
    assert page.get_by_test_id("jobs").get_by_text("Jan Nowak").count() == 1
    page.goto(f"{base}/jobs/{found['lost']}")
    assert "Jan Nowak" in page.get_by_test_id("replaced-by").inner_text()
    shot(page, "job-replaced")
