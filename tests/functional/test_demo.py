"""The demo data `make run` seeds: idempotent, consistent, and every account can sign in."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from grants import demo
from grants.applications.models import Application
from grants.auth.models import User
from grants.calls.models import Call
from grants.services import audit


def test_seeding_twice_changes_nothing_and_every_account_signs_in(app, db, client, auth):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["pomost", "seed-demo"])
    assert first.exit_code == 0, first.output
    counts = (db.session.scalar(select(func.count()).select_from(Call)),
              db.session.scalar(select(func.count()).select_from(Application)))
    second = runner.invoke(args=["pomost", "seed-demo"])
    assert "nothing new" in second.output
    assert (db.session.scalar(select(func.count()).select_from(Call)),
            db.session.scalar(select(func.count()).select_from(Application))) == counts == (10, 21)
    states = set(db.session.scalars(select(Application.status)))
    assert {"draft", "submitted", "formal_check", "correction", "merit_review", "formally_rejected",
            "third_review", "scored", "selected", "appeal"} <= states
    # The demo evaluator has something to do: declarations to make, a scorecard in progress, a third evaluation,
    # and a commission's vote.
    from grants.evaluation.models import Scorecard, ScorecardStatus

    evaluator = User.by_email(demo.ACCOUNTS[2][0])
    mine = [c.status for c in db.session.scalars(select(Scorecard).where(Scorecard.evaluator_id == evaluator.id))]
    assert sorted(mine) == ["assigned", "assigned", "assigned", "declared", "declared"]
    assert ScorecardStatus.SUBMITTED not in mine
    # A grantee reports quarterly: one report accepted with its photo, the next overdue, its advance held.
    from grants.finance.models import Payment
    from grants.reporting.models import Report, ReportFile

    assert {"accepted", "overdue"} <= set(db.session.scalars(select(Report.status)))
    # An ended grant's settlement, three invoices against two budget lines, waits for the officer.
    from grants.reporting import settlement

    cafe = db.session.scalar(select(Application).where(Application.number == "DEMO/R/2"))
    assert cafe.status == "settlement"
    figures = settlement.summary(cafe)
    assert (figures.spent, figures.paid, figures.unspent) == (Decimal("39350.00"), Decimal("40000.00"),
                                                              Decimal("650.00"))
    assert [v.totals["spent"] for v in settlement.versions(cafe)] == ["39350.00"]
    # Jobs of a job-creation grant: one kept in durability, one financed, one lost waiting for its replacement.
    from grants.support.models import Job, PsStatus

    assert sorted(db.session.scalars(select(Job.status))) == ["durability", "financed", "lost"]
    assert db.session.scalar(select(PsStatus.obtained_on)) is not None
    assert db.session.scalar(select(func.count()).select_from(ReportFile)) == 1
    held = db.session.scalar(select(Payment).join(Report, Report.application_id == Payment.application_id)
                             .where(Payment.status == "on_hold").limit(1))
    assert held is not None and held.kind == "advance"
    # A recovery case on the call's ended grant (its money went out a year ago), overdue after a partial
    # repayment, its interest across a rate change.
    from grants.control import recovery
    from grants.control.models import RecoveryCase

    case = db.session.scalar(select(RecoveryCase))
    assert case.application.number == "DEMO/R/2" and case.transferred_on < recovery.local_today()
    account = recovery.statement(case, recovery.local_today())
    assert case.status == "overdue" and {line.percent for line in account.lines if hasattr(line, "days")} == {
        Decimal("13.50"), Decimal("12.50")}
    assert account.repaid == Decimal("1000.00") and account.outstanding > case.principal - account.repaid
    from grants.control.models import Control, ControlPlan

    control = db.session.scalar(select(Control))
    assert control.status == "findings" and control.findings_count == 1
    assert control.application.number == "DEMO/R/1" and db.session.scalar(select(ControlPlan.seed)) >= 2026
    # A former informal group of the demo applicant, registered as a social cooperative two months ago.
    from grants.auth.models import OrganisationKindChange, OrganisationType

    [change] = db.session.scalars(select(OrganisationKindChange)).all()
    assert (change.from_type, change.to_type) == (OrganisationType.INFORMAL_GROUP, OrganisationType.SOCIAL_COOPERATIVE)
    assert audit.verify().ok
    for email, _name, role in demo.ACCOUNTS:
        assert email in first.output
        auth.login(email, demo.PASSWORD)
        assert client.get("/").status_code == 302 and client.get(client.get("/").headers["Location"]).status_code == 200
        auth.logout()
