"""Merit evaluation in a real browser, in Polish: two evaluators declare and score one application and disagree,
a third is drawn by itself and scores, the officer computes and publishes the ranking, the applicant reads
the anonymised scorecards and appeals, the officer upholds and assigns someone new, whose re-evaluation is
recorded. Screenshots are kept as artefacts."""
from __future__ import annotations

import json
import subprocess
import sys

from grants.demo import ACCOUNTS, EXPERTS, PASSWORD
from tests.browser.conftest import REPO, shot
from tests.browser.test_roles_journey import sign_in

NEWCOMER = "ekspert3@pomost.example"
SETUP = r"""
import io, json
from datetime import timedelta
from decimal import Decimal
from sqlalchemy import select
from grants import create_app
from grants.applications import operations as apply_ops
from grants.auth import operations as ops
from grants.auth.models import Organisation, Role, User
from grants.calls.models import Call, CallStatus
from grants.demo import ACCOUNTS, DEMO_ATTACHMENTS, DEMO_FORM, DEMO_ORGANISATION, DEMO_PDF, EXPERTS, PASSWORD
from grants.engine.core import fire
from grants.evaluation import operations as evaluation
from grants.extensions import db
from grants.types import utcnow

app = create_app()
with app.app_context(), app.test_request_context():
    now = utcnow()
    officer, applicant = User.by_email(ACCOUNTS[1][0]), User.by_email(ACCOUNTS[0][0])
    newcomer = User.by_email("%(newcomer)s") or ops.create_user("%(newcomer)s", "Ernest Nowy", PASSWORD,
                                                               roles=[Role.EVALUATOR], confirmed=True)
    call = Call(call_type="restructuring_grant", title="Nabór do oceny w przeglądarce", budget=Decimal("300000"),
                status=CallStatus.PUBLISHED, opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=1),
                published_at=now, form=DEMO_FORM, required_attachments=DEMO_ATTACHMENTS, parameters={
                    "justification_min_chars": 10},
                criteria=[{"id": "need", "name": {"pl": "Potrzeba", "en": "Need"}, "max_points": 40, "weight": "1",
                           "section_min": None},
                          {"id": "plan", "name": {"pl": "Plan", "en": "Plan"}, "max_points": 30, "weight": "2",
                           "section_min": None}])
    db.session.add(call)
    db.session.flush()
    for email in (ACCOUNTS[2][0], EXPERTS[0][0], EXPERTS[1][0]):
        evaluation.add_to_pool(call, User.by_email(email), officer)
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == DEMO_ORGANISATION))
    application = apply_ops.start_application(call, organisation, applicant, "Warsztat naprawy sprzętu AGD")
    apply_ops.save_answers(application, applicant, {"summary": "Naprawiamy sprzęt dla sąsiadów.",
                                                    "budget": [{"item": "Narzędzia", "cost": "55000", "own": "5000"}]})
    apply_ops.add_attachment(application, applicant, "plan", io.BytesIO(DEMO_PDF), "biznesplan.pdf")
    apply_ops.submit(application, applicant)
    fire(application, "start_check", officer)
    apply_ops.tick_formal_checklist(application, officer, ["signed", "registry", "legible"])
    fire(application, "accept", officer)
    call.closes_at = now - timedelta(hours=1)
    for email in (ACCOUNTS[2][0], EXPERTS[0][0]):
        evaluation.assign(application, User.by_email(email), officer)
    db.session.commit()
    print(json.dumps({"call": call.id, "application": application.id}))
"""


def _setup(env: dict[str, str]) -> dict[str, int]:
    done = subprocess.run([sys.executable, "-c", SETUP % {"newcomer": NEWCOMER}], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sign_out(page):
    page.locator("form[action$='/logout'] button[type=submit]").click()


def _score(page, base: str, email: str, need: int, plan: int, recommend: str, name: str):
    """Sign in as the evaluator, declare for the test call's card, score, submit (confirming), sign out."""
    sign_in(page, base, email, PASSWORD)
    page.goto(f"{base}/evaluation/")
    row = page.locator("tr[data-card]", has_text="Nabór do oceny w przeglądarce").filter(
        has_not=page.locator(".text-bg-success"))
    row.locator("a").click()
    assert "Warsztat naprawy" not in page.content()  # nothing before the declaration
    page.get_by_test_id("declare").click()
    assert "Warsztat naprawy sprzętu AGD" in page.content()
    page.fill("input[name=points-need]", str(need))
    page.fill("input[name=points-plan]", str(plan))
    # Live, as the page's language writes it: points × weight.
    assert page.locator("[data-total]").inner_text() == f"{need + 2 * plan:.2f}".replace(".", ",")
    for field in ("justification-need", "justification-plan"):
        page.fill(f"textarea[name={field}]", f"Uzasadnienie oceny: {name}.")
    page.check(f"input[name=recommend][value={recommend}]")
    shot(page, f"scorecard-{name}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("submit-scorecard").click()
    page.wait_for_url(f"{base}/evaluation/")
    _sign_out(page)


def test_two_disagree_a_third_scores_the_ranking_is_published_and_an_appeal_is_re_evaluated(
        live_server, live_mail, page):
    base = live_server
    ids = _setup(live_mail.env)
    application = f"{base}/applications/{ids['application']}"

    # Two evaluators: 35 + 2×25 = 85 (recommends) and 10 + 2×10 = 30 (does not): a third is drawn by itself.
    _score(page, base, ACCOUNTS[2][0], 35, 25, "yes", "ewa")
    _score(page, base, EXPERTS[0][0], 10, 10, "no", "edward")
    _score(page, base, EXPERTS[1][0], 20, 15, "yes", "elzbieta")  # 50: closer to 30, so the final is 40

    # The officer: the overview flags the discrepancy; the ranking is computed, checked and published.
    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(f"{base}/manage/calls/{ids['call']}/evaluation/")
    assert page.get_by_test_id("discrepancy").count() == 1
    shot(page, "overview")
    page.goto(f"{base}/manage/calls/{ids['call']}/ranking/")
    page.get_by_test_id("compute").click()
    assert page.locator("tr[data-outcome=rejected]").count() == 1
    page.get_by_test_id("verify").click()
    assert page.get_by_test_id("verified").get_attribute("class").endswith("text-success")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("publish").click()
    assert page.get_by_test_id("ranking-status").inner_text() in ("Opublikowany", "Published")
    shot(page, "ranking-published")
    _sign_out(page)

    # The applicant: three anonymised scorecards and the final 40; an appeal within the window.
    sign_in(page, base, ACCOUNTS[0][0], PASSWORD)
    page.goto(application)
    assert page.get_by_test_id("appeal-due").is_visible()
    page.get_by_test_id("results-link").click()
    assert page.get_by_test_id("scorecard").count() == 3
    assert "40,00" in page.get_by_test_id("final-score").inner_text()
    content = page.content()
    assert not any(name in content for name in ("Ewa Oceniająca", "Edward Ekspert", "Elżbieta Ekspertka"))
    shot(page, "applicant-scorecards")
    page.goto(application)
    appeal = page.locator("form:has([data-trigger=appeal])")
    appeal.locator("textarea[name=reason]").fill("Plan oceniono zbyt nisko; dołączamy listy poparcia.")
    appeal.locator("[data-trigger=appeal]").click()
    shot(page, "appealed")
    _sign_out(page)

    # The officer upholds; the pool gets someone new, who is assigned by hand.
    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(application)
    uphold = page.locator("form:has([data-trigger=uphold])")
    uphold.locator("textarea[name=reason]").fill("Ponowna ocena przez nowego oceniającego.")
    uphold.locator("[data-trigger=uphold]").click()
    page.goto(f"{base}/manage/calls/{ids['call']}/evaluation/")
    page.select_option("form[action$='/evaluation/pool'] select[name=evaluator]", label="Ernest Nowy · " + NEWCOMER)
    page.locator("form[action$='/evaluation/pool'] button[type=submit]").click()
    row = page.locator(f"tr[data-application='{ids['application']}']")
    assert row.locator("select[name=evaluator] option").all_inner_texts() == ["Ernest Nowy"]  # never the three
    row.locator("form[action$='/evaluation/assign'] button[type=submit]").click()
    shot(page, "reassigned")
    _sign_out(page)

    _score(page, base, NEWCOMER, 38, 28, "yes", "ernest")  # 94: the re-evaluation

    sign_in(page, base, ACCOUNTS[1][0], PASSWORD)
    page.goto(f"{base}/evaluation/results/{ids['application']}")
    assert page.get_by_test_id("scorecard").count() == 4
    assert "Ernest Nowy" in page.content()  # staff see who scored
    shot(page, "re-evaluated")
