"""From the agreement to the money in the bank, in a real browser, in Polish: the officer prepares the agreement
and accepts the security, the applicant uploads the signed scan, the officer records the signing; finance
officer A prepares the first payment, B approves it and exports an Elixir-O file, and a statement import
marks it paid. Screenshots are kept as artefacts."""
from __future__ import annotations

import json
import subprocess
import sys

from grants.demo import ACCOUNTS, PASSWORD, SECOND_FINANCE
from tests.browser.conftest import REPO, shot
from tests.browser.test_evaluation_journey import _sign_out
from tests.browser.test_roles_journey import sign_in

SETUP = r"""
import json
from datetime import timedelta
from decimal import Decimal
from sqlalchemy import select
from grants import create_app
from grants.applications.models import Application
from grants.auth.models import Organisation, User
from grants.calls.models import Call, CallStatus
from grants.demo import ACCOUNTS, DEMO_FORM, DEMO_ORGANISATION
from grants.extensions import db
from grants.types import utcnow

app = create_app()
with app.app_context(), app.test_request_context():
    now = utcnow()
    call = Call(call_type="restructuring_grant", title="Nabór do umowy w przeglądarce", budget=Decimal("300000"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=60), closes_at=now - timedelta(days=20),
                published_at=now, form=DEMO_FORM, parameters={"requires_security": True})
    db.session.add(call)
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    application = Application(call=call, organisation=organisation, title="Pralnia ekologiczna w umowie",
                              number="BRW/1", status="selected", requested_amount=Decimal("90000.00"),
                              awarded_amount=Decimal("90000.00"), submitted_at=now - timedelta(days=30),
                              created_by_id=User.by_email(ACCOUNTS[0][0]).id)
    db.session.add(application)
    db.session.commit()
    print(json.dumps({"application": application.id, "call": application.call_id}))
"""
SCAN = b"%PDF-1.4\n% podpisana umowa\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _setup(env: dict[str, str]) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-c", SETUP], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_agreement_signing_payment_approval_bank_file_and_statement(live_server, live_mail, page, tmp_path):
    base, ids = live_server, _setup(live_mail.env)
    agreement = f"{base}/agreements/{ids['application']}"

    # The officer prepares the agreement (a lump sum, a blank promissory note received today).
    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(agreement)
    page.fill("#ends_on", "2027-12-31")
    page.select_option("#security_kind", "promissory_note")
    page.fill("#security_received_on", page.input_value("#starts_on"))
    page.get_by_test_id("save-agreement").click()
    assert "UM/" in page.locator("h1").inner_text()
    page.get_by_test_id("accept-security").click()
    page.get_by_test_id("verify-account").click()
    shot(page, "officer-agreement")
    _sign_out(page)

    # The applicant uploads the signed scan.
    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(agreement)
    page.set_input_files("#scan", files=[{"name": "umowa-podpisana.pdf", "mimeType": "application/pdf",
                                          "buffer": SCAN}])
    page.get_by_test_id("upload-scan").click()
    assert page.locator("[data-condition=signed_scan]").inner_text().startswith("✓")
    shot(page, "applicant-scan")
    _sign_out(page)

    # The officer records the signing.
    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(agreement)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("record-signing").click()
    assert page.get_by_test_id("signed").is_visible()
    _sign_out(page)

    # Finance officer A prepares the payment; B approves it (A could not).
    sign_in(page, base, ACCOUNTS[3][0], PASSWORD)
    page.goto(f"{base}/payments/?call={ids['call']}&status=planned")
    page.locator("[data-testid=payments] a:visible").first.click()
    payment_url = page.url
    page.locator("[data-trigger=request]").click()
    assert page.locator("[data-trigger=approve]").count() == 0  # the preparer is not offered the approval
    shot(page, "finance-a-prepared")
    _sign_out(page)
    sign_in(page, base, SECOND_FINANCE[0], PASSWORD)
    page.goto(payment_url)
    page.locator("[data-trigger=approve]").click()
    page.goto(f"{base}/payments/batches/")
    page.select_option("#format", "elixir")
    page.get_by_test_id("export").click()
    with page.expect_download() as download:
        page.locator("[data-testid=batches] a").first.click()
    content = (tmp_path / "przelewy.pli")
    download.value.save_as(content)
    payment_id = payment_url.rstrip("/").rsplit("/", 1)[1]
    lines = content.read_bytes().decode("cp1250").splitlines()  # with the demo's approved payments
    line = next(line for line in lines if f'"PMST-{payment_id} ' in line)
    assert all(line.startswith("110,") for line in lines)
    amount = line.split(",")[2]  # grosze

    # The bank's statement marks it paid.
    statement = (f":20:STMT\n:25:/PL10105000997603123456789123\n:28C:1/1\n:60F:C261201PLN900000,00\n"
                 f":61:2612031203D{int(amount) // 100},{int(amount) % 100:02d}NTRFNONREF//ELX/BRW\n"
                 f":86:020~20PMST-{payment_id} dotacja\n:62F:C261203PLN810000,00\n-").encode()
    page.set_input_files("input[name=statement]", files=[{"name": "wyciag.sta", "mimeType": "text/plain",
                                                           "buffer": statement}])
    page.get_by_test_id("import-statement").click()
    page.goto(payment_url)
    assert "ELX/BRW" in page.get_by_test_id("paid").inner_text()
    shot(page, "finance-b-paid")
