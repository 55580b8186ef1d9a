"""Job-creation support after the signing, in a real browser, in Polish: the officer accepts a month's
employment proof, the grantee uploads the next one and asks for extended bridging support, the officer approves
it and the schedule grows by those months, documented by an annex. Screenshots are kept as artefacts."""
from __future__ import annotations

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
from grants.applications.models import Application
from grants.extensions import db

app = create_app()
with app.app_context():
    found = db.session.scalar(select(Application.id).where(Application.title == "Kawiarnia społeczna: trzy nowe etaty",
                                                           Application.status == "implementation"))
    print(json.dumps({"application": found}))
"""
PROOF = b"%PDF-1.4\n% ZUS DRA\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _demo_grant(env: dict[str, str]) -> int:
    done = subprocess.run([sys.executable, "-c", FIND], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])["application"]


def test_proofs_and_extended_bridging_support(live_server, live_mail, page):
    base = live_server
    agreement = f"{base}/agreements/{_demo_grant(live_mail.env)}"

    # The officer accepts month 2's proof, waiting since the demo began.
    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(agreement)
    page.locator("[data-month='2'] [data-testid=accept-proof]").click()
    assert page.locator("[data-month='2'] [data-proof=accepted]").count() == 1
    _sign_out(page)

    # The grantee uploads month 3's proof and asks for three more months of bridging support.
    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(agreement)
    page.select_option("#period", "3")
    page.set_input_files("#proof", files=[{"name": "zus-dra-3.pdf", "mimeType": "application/pdf", "buffer": PROOF}])
    page.get_by_test_id("upload-proof").click()
    assert page.locator("[data-month='3'] [data-proof=submitted]").count() == 1
    page.fill("#months", "3")
    page.fill("#monthly", "9000")  # more than the basic 4 000 a month: refused on the field
    page.fill("#justification", "Sprzedaż w kawiarni rośnie wolniej, niż zakładał biznesplan.")
    page.get_by_test_id("request-extension").click()
    assert page.locator("#monthly.is-invalid").count() == 1
    page.fill("#monthly", "4 000,00")
    page.get_by_test_id("request-extension").click()
    assert page.locator("[data-extension=requested]").count() == 1
    shot(page, "job-extension-requested")
    _sign_out(page)

    # The officer approves it: months 7–9 join the schedule, and an annex documents them.
    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(agreement)
    page.locator("[data-extension=requested] [data-trigger=approve]").click()
    assert page.locator("[data-extension=approved]").count() == 1
    assert page.locator("[data-month='9']").count() == 1 and page.locator("[data-month='10']").count() == 0
    assert page.locator("[data-annex='1']").count() == 1
    shot(page, "job-extension-approved")
