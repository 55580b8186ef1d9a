"""Transitions racing in real, separate OS processes on PostgreSQL: whoever fires first wins, the other is
told clearly that the object moved on, and nothing happens twice (DESIGN §3, §3.4, invariants 1–2).

The parent builds the data and commits; each child (tests/support/processes.py) builds its own app from
the same configuration, loads the objects by id, waits at a shared barrier so both fire at the same
moment, then fires and commits. The row lock (SELECT … FOR UPDATE), the version counter and the scheduler's
SKIP LOCKED claim are what keep these invariants; the module fails when they are taken away.
"""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import OrganisationType, Role, User
from grants.engine.core import fire
from grants.engine.models import TransitionHistory
from grants.engine.tick import tick
from grants.extensions import db as _db
from grants.finance.models import Payment
from grants.services import audit
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories
from tests.support.processes import attempt, run_processes
from workflows import WORKFLOWS

pytestmark = pytest.mark.postgres_only

ROUNDS = 5
# Milliseconds one side starts late in each round (see _stagger); the other side gets the mirror image.
EARLY, LATE = (0, 0.004, 0, 0.008, 0), (0.004, 0, 0.008, 0, 0)
VALID_ACCOUNT = "PL61109010140000071219812874"
LOSING = {"InvalidTransition", "StaleObject"}  # after the lock the state has moved on / the version changed
MODELS = {"application": Application, "payment": Payment}


# --- jobs: run in the child processes --------------------------------------------------------------

def _stagger(offsets: tuple[float, ...], n: int) -> None:
    """Start round n a few milliseconds late: shorter than a transition takes, so the two still overlap,
    but it lets either side win some rounds instead of whichever the barrier happens to wake first."""
    if n < len(offsets) and offsets[n]:
        time.sleep(offsets[n])


def _fire_each(sync, model_name: str, ids: list[int], trigger: str, actor_id: int | None, reason: str | None,
               moments: list | None = None, offsets: tuple[float, ...] = ()) -> list[dict]:
    """For each object: load it (what the page showed), wait for the other process, fire, commit."""
    model = MODELS[model_name]
    outcomes = []
    for n, object_id in enumerate(ids):
        obj = _db.session.get(model, object_id)
        actor = _db.session.get(User, actor_id) if actor_id else None
        assert obj.status and (actor is None or actor.roles)  # loaded before the race starts
        now = moments[n] if moments else None
        sync.together()
        _stagger(offsets, n)
        outcomes.append(attempt(fire, obj, trigger, actor, reason, now=now))
    return outcomes


def _tick_each(sync, moments: list, offsets: tuple[float, ...] = ()) -> list[dict]:
    """For each moment: wait for the other process, then run one scheduler pass as of that moment."""
    counts = []
    for n, now in enumerate(moments):
        sync.together()
        _stagger(offsets, n)
        counts.append(dict(tick(now=now)))
    return counts


def _fire_and_hold(sync, rounds: list[tuple], hold: float) -> list[dict]:
    """Per round (model, id, trigger, actor id, reason): fire, tell the other process, keep the
    transaction (and its locks) open `hold` seconds, then commit."""
    outcomes = []
    for n, (model_name, object_id, trigger, actor_id, reason) in enumerate(rounds):
        obj = _db.session.get(MODELS[model_name], object_id)
        actor = _db.session.get(User, actor_id)
        assert obj.status and actor.roles
        sync.together()
        fire(obj, trigger, actor, reason)
        sync.signal(f"fired{n}")
        time.sleep(hold)
        _db.session.commit()
        outcomes.append({"outcome": "ok"})
    return outcomes


def _fire_after_signal(sync, rounds: list[tuple]) -> list[dict]:
    """Per round: fire once the other process has fired (and still holds its transaction open)."""
    outcomes = []
    for n, (model_name, object_id, trigger, actor_id, reason) in enumerate(rounds):
        obj = _db.session.get(MODELS[model_name], object_id)
        actor = _db.session.get(User, actor_id)
        assert obj.status and actor.roles
        sync.together()
        sync.wait_for(f"fired{n}")
        outcomes.append(attempt(fire, obj, trigger, actor, reason))
    return outcomes


# --- helpers in the parent -------------------------------------------------------------------------

def _label(workflow: str, state: str) -> str:
    return WORKFLOWS[workflow].state(state).label.en


def _history(db, object_type: str, object_id: int) -> list[TransitionHistory]:
    return list(db.session.scalars(select(TransitionHistory).where(
        TransitionHistory.object_type == object_type, TransitionHistory.object_id == object_id)))


def _only_history(db, object_type: str, object_id: int) -> TransitionHistory:
    rows = _history(db, object_type, object_id)
    assert len(rows) == 1, [(r.trigger, r.from_state, r.to_state, r.actor_id) for r in rows]
    return rows[0]


def _audit_count(db, action: str, object_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.object_id == str(object_id)))


def _flip_and_compact(sync, ids: list[int], rounds: int) -> int:
    """Move each application back and forth, one commit each, folding the kept counts after every round."""
    from sqlalchemy import update

    from grants.applications import counts

    sync.together()
    for n in range(rounds):
        for application_id in ids:
            _db.session.execute(update(Application).where(Application.id == application_id)
                                .values(status="formal_check" if n % 2 == 0 else "submitted"))
            _db.session.commit()
        counts.compact()
    return rounds


def _assert_kept_counts_are_exact(call_id: int) -> None:
    from grants.applications import counts

    grouped = dict(_db.session.execute(select(Application.status, func.count())
                                       .where(Application.call_id == call_id).group_by(Application.status)).all())
    assert counts.state_counts([call_id]).get(call_id, {}) == grouped


def _fresh(db) -> None:
    """End the parent's transaction and forget what it loaded, so it reads what the children committed."""
    db.session.commit()
    db.session.expire_all()


def _assert_chain_verifies() -> None:
    result = audit.verify()
    assert result.ok, result


def _assert_refused_because_moved_on(outcome: dict, workflow: str, winner_state: str) -> None:
    assert outcome["refused"] and outcome["outcome"] in LOSING, outcome
    if outcome["outcome"] == "InvalidTransition":
        assert f"“{_label(workflow, winner_state)}”" in outcome["message"], outcome
        assert "someone may have acted first" in outcome["message"], outcome
        assert "ktoś mógł działać wcześniej" in outcome["message_pl"], outcome
    else:
        assert "changed meanwhile by someone else" in outcome["message"], outcome


@pytest.fixture
def setting(db):
    """One call and one applicant organisation (its owner is a member), shared by a test's applications."""
    owner = factories.user(Role.APPLICANT)
    call = factories.call()
    kind = OrganisationType(sorted(call.type.eligible_organisation_types)[0])
    organisation = factories.organisation(owner, type=kind)
    return {"call": call, "organisation": organisation, "owner": owner}


def _applications(setting, n: int, **fields) -> list[int]:
    return [factories.application(setting["call"], setting["organisation"], **fields).id for _ in range(n)]


# --- 1. accept vs reject ---------------------------------------------------------------------------

def test_accept_and_reject_at_once_exactly_one_wins(db, app_config, setting):
    ids = _applications(setting, ROUNDS, status="formal_check")
    officer_a, officer_b = factories.user(Role.PROGRAM_OFFICER), factories.user(Role.PROGRAM_OFFICER)
    a_id, b_id = officer_a.id, officer_b.id
    _fresh(db)

    results = run_processes(app_config, {
        "accept": (_fire_each, ("application", ids, "accept", a_id, None, None, EARLY)),
        "reject": (_fire_each, ("application", ids, "reject", b_id, "Brak wymaganego załącznika.", None, LATE)),
    })

    _fresh(db)
    destination = {"accept": "merit_review", "reject": "formally_rejected"}
    for n, application_id in enumerate(ids):
        outcomes = {name: results[name][n] for name in results}
        won = [name for name, o in outcomes.items() if o["outcome"] == "ok"]
        assert len(won) == 1, (n, outcomes)
        winner = won[0]
        loser = "reject" if winner == "accept" else "accept"
        _assert_refused_because_moved_on(outcomes[loser], "application", destination[winner])

        application = db.session.get(Application, application_id)
        assert application.status == destination[winner]
        assert application.version == 2  # changed exactly once
        row = _only_history(db, "application", application_id)
        assert (row.trigger, row.from_state, row.to_state) == (winner, "formal_check", destination[winner])
        assert row.actor_id == {"accept": a_id, "reject": b_id}[winner]
        assert _audit_count(db, f"workflow:application:{winner}", application_id) == 1
        assert _audit_count(db, f"workflow:application:{loser}", application_id) == 0
    _assert_chain_verifies()


def test_the_loser_waits_for_the_row_lock_and_sees_the_committed_state(db, app_config, setting):
    """A holds its transaction open after firing; B's fire blocks on the row lock until A commits, then
    re-reads the row and is refused because the state moved on (not by a version conflict at write)."""
    ids = _applications(setting, 1, status="formal_check")
    officer_a, officer_b = factories.user(Role.PROGRAM_OFFICER), factories.user(Role.PROGRAM_OFFICER)
    a_id, b_id = officer_a.id, officer_b.id
    _fresh(db)
    hold = 0.6

    results = run_processes(app_config, {
        "accept": (_fire_and_hold, ([("application", ids[0], "accept", a_id, None)], hold)),
        "reject": (_fire_after_signal, ([("application", ids[0], "reject", b_id, "Wniosek niekompletny.")],)),
    }, events=("fired0",))

    (refused,) = results["reject"]
    assert refused["outcome"] == "InvalidTransition", refused
    assert "“Merit review”" in refused["message"]
    assert refused["elapsed"] >= hold * 0.75, f"B did not wait for A's lock ({refused['elapsed']:.3f} s)"
    _fresh(db)
    assert db.session.get(Application, ids[0]).status == "merit_review"
    _only_history(db, "application", ids[0])
    _assert_chain_verifies()


# --- 2. the scheduler against a resubmission at the correction deadline ------------------------------

# A tick runs a few queries before it claims a row, so without a handicap the applicant would always win.
RESUBMIT_LATE = (0, 0.001, 0.002, 0.003, 0.004)


def test_tick_and_resubmit_at_the_correction_deadline_exactly_one_happens(db, app_config, setting):
    base = utcnow().replace(microsecond=0) + timedelta(days=1)
    # One application per round, its deadline an hour after the previous one's, so the tick of round n
    # (one second past deadline n) finds only application n still due.
    deadlines = [base + timedelta(hours=n) for n in range(ROUNDS)]
    ids = [factories.application(setting["call"], setting["organisation"], status="correction",
                                 correction_rounds=1, correction_due_at=due).id for due in deadlines]
    applicant_id = setting["owner"].id
    _fresh(db)

    results = run_processes(app_config, {
        "tick": (_tick_each, ([due + timedelta(seconds=1) for due in deadlines],)),
        "resubmit": (_fire_each, ("application", ids, "resubmit", applicant_id, None,
                                  [due - timedelta(seconds=1) for due in deadlines], RESUBMIT_LATE)),
    })

    _fresh(db)
    for n, application_id in enumerate(ids):
        ticked = results["tick"][n].get("application:leave_unconsidered", 0)
        resubmit = results["resubmit"][n]
        assert sum(results["tick"][n].values()) == ticked, results["tick"][n]  # nothing else was due
        assert ticked + (resubmit["outcome"] == "ok") == 1, (n, results["tick"][n], resubmit)
        application = db.session.get(Application, application_id)
        row = _only_history(db, "application", application_id)
        if ticked:
            _assert_refused_because_moved_on(resubmit, "application", "formally_rejected")
            assert application.status == "formally_rejected"
            assert (row.trigger, row.actor_id) == ("leave_unconsidered", None)
        else:
            assert application.status == "formal_check"
            assert (row.trigger, row.actor_id) == ("resubmit", applicant_id)
        assert row.from_state == "correction" and row.to_state == application.status
        assert application.version == 2  # changed exactly once
    _assert_chain_verifies()


# --- 3. two approvers of one payment -----------------------------------------------------------------

def test_two_approvers_at_once_approve_a_payment_only_once(db, app_config, setting):
    preparer = factories.user(Role.FINANCE_OFFICER)
    approver_2, approver_3 = factories.user(Role.FINANCE_OFFICER), factories.user(Role.FINANCE_OFFICER)
    ids = []
    for application_id in _applications(setting, ROUNDS, status="implementation",
                                        awarded_amount=Decimal("50000.00")):
        payment = Payment(application_id=application_id, kind="advance", amount=Decimal("20000.00"),
                          bank_account=VALID_ACCOUNT, status="requested", prepared_by_id=preparer.id)
        db.session.add(payment)
        db.session.flush()
        ids.append(payment.id)
    db.session.commit()
    f2, f3 = approver_2.id, approver_3.id
    _fresh(db)

    results = run_processes(app_config, {
        "f2": (_fire_each, ("payment", ids, "approve", f2, None, None, EARLY)),
        "f3": (_fire_each, ("payment", ids, "approve", f3, None, None, LATE)),
    })

    _fresh(db)
    for n, payment_id in enumerate(ids):
        outcomes = {name: results[name][n] for name in results}
        won = [name for name, o in outcomes.items() if o["outcome"] == "ok"]
        assert len(won) == 1, (n, outcomes)
        (loser,) = set(outcomes) - set(won)
        _assert_refused_because_moved_on(outcomes[loser], "payment", "approved")
        payment = db.session.get(Payment, payment_id)
        assert payment.status == "approved" and payment.version == 2
        row = _only_history(db, "payment", payment_id)
        assert (row.trigger, row.from_state, row.to_state) == ("approve", "requested", "approved")
        assert row.actor_id == {"f2": f2, "f3": f3}[won[0]]
        assert _audit_count(db, "workflow:payment:approve", payment_id) == 1
    _assert_chain_verifies()


# --- 4. two schedulers at once -----------------------------------------------------------------------

def test_two_ticks_at_once_fire_each_due_transition_once(db, app_config, setting):
    ids = _applications(setting, 30, status="correction", correction_rounds=1,
                        correction_due_at=utcnow() - timedelta(days=1))
    _fresh(db)

    results = run_processes(app_config, {
        "cron": (_tick_each, ([None],)),
        "worker": (_tick_each, ([None],)),
    })

    counts = [results["cron"][0], results["worker"][0]]
    assert all(set(c) <= {"application:leave_unconsidered"} for c in counts), counts
    assert sum(c.get("application:leave_unconsidered", 0) for c in counts) == len(ids), counts
    _fresh(db)
    statuses = db.session.execute(select(Application.status, func.count()).where(Application.id.in_(ids))
                                  .group_by(Application.status)).all()
    assert dict(statuses) == {"formally_rejected": len(ids)}
    per_object = dict(db.session.execute(
        select(TransitionHistory.object_id, func.count())
        .where(TransitionHistory.object_type == "application", TransitionHistory.object_id.in_(ids))
        .group_by(TransitionHistory.object_id)).all())
    assert per_object == {i: 1 for i in ids}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "workflow:application:leave_unconsidered")) == len(ids)
    _assert_chain_verifies()
    _assert_kept_counts_are_exact(setting["call"].id)


# --- 5. the kept per-state counts under concurrent writers and folders -------------------------------

def test_kept_state_counts_stay_exact_while_writers_and_folders_run_at_once(db, app_config, setting):
    ids = _applications(setting, 24, status="submitted")
    _fresh(db)

    run_processes(app_config, {
        "first": (_flip_and_compact, (ids[0::3], 5)),
        "second": (_flip_and_compact, (ids[1::3], 5)),
        "third": (_flip_and_compact, (ids[2::3], 4)),
    })

    _fresh(db)
    assert dict(db.session.execute(select(Application.status, func.count()).where(Application.id.in_(ids))
                                   .group_by(Application.status)).all()) == {"formal_check": 16, "submitted": 8}
    _assert_kept_counts_are_exact(setting["call"].id)


# --- guards that sum over *other* rows: the engine locks their scope (the grant, the call) first ------

def test_guards_over_sibling_rows_hold_when_two_processes_fire_at_once(db, app_config, setting):
    """Two payments of one grant (30 000 awarded, 20 000 each) approved at once by two approvers, then two
    reserve applications (40 000 each, 60 000 of the budget left) promoted at once by two officers.

    within_award and budget_allows sum *other* rows; the engine locks the grant (the application) or
    the call before evaluating them, so the second process sees the first one's result and is refused.
    DESIGN §4 invariant 1: Σ awarded ≤ budget and Σ paid ≤ award, under concurrent requests.
    """
    (grant_id,) = _applications(setting, 1, status="implementation", awarded_amount=Decimal("30000.00"))
    preparer, approver_2, approver_3 = (factories.user(Role.FINANCE_OFFICER) for _ in range(3))
    payments = [Payment(application_id=grant_id, kind="advance", amount=Decimal("20000.00"),
                        bank_account=VALID_ACCOUNT, status="requested", prepared_by_id=preparer.id)
                for _ in range(2)]
    db.session.add_all(payments)
    call = factories.call(budget="100000.00")
    factories.application(call, setting["organisation"], status="implementation",
                          awarded_amount=Decimal("40000.00"))
    reserve = [factories.application(call, setting["organisation"], status="reserve", requested="40000.00",
                                     awarded_amount=Decimal("40000.00")).id for _ in range(2)]
    officer_a, officer_b = factories.user(Role.PROGRAM_OFFICER), factories.user(Role.PROGRAM_OFFICER)
    ids = {"payments": [p.id for p in payments], "call": call.id,
           "f2": approver_2.id, "f3": approver_3.id, "po_a": officer_a.id, "po_b": officer_b.id}
    _fresh(db)

    results = run_processes(app_config, {
        "first": (_fire_and_hold, ([("payment", ids["payments"][0], "approve", ids["f2"], None),
                                    ("application", reserve[0], "promote", ids["po_a"], None)], 0.3)),
        "second": (_fire_after_signal, ([("payment", ids["payments"][1], "approve", ids["f3"], None),
                                         ("application", reserve[1], "promote", ids["po_b"], None)],)),
    }, events=("fired0", "fired1"))

    _fresh(db)
    approved = db.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.application_id == grant_id, Payment.status == "approved"))
    awarded = db.session.scalar(select(func.coalesce(func.sum(Application.awarded_amount), 0)).where(
        Application.call_id == ids["call"], Application.status.in_(("selected", "implementation"))))
    broken = []
    if approved > Decimal("30000.00"):
        broken.append(f"approved {approved} on a grant of 30000.00: {results['second'][0]}")
    if awarded > Decimal("100000.00"):
        broken.append(f"awarded {awarded} in a call of 100000.00: {results['second'][1]}")
    assert not broken, "; ".join(broken)
    assert [o["outcome"] for o in results["second"]] == ["GuardsFailed", "GuardsFailed"], results


def test_two_officers_promoting_from_a_real_ranking_at_once_never_exceed_the_budget(db, app_config, setting):
    """From real selections (a ranking computed and published, not a preset awarded amount): a 400 000 call
    selects 200 000 and puts two applications of 250 000 on the reserve list; the selected one resigns, and
    two officers promote the two reserves at the same moment from two processes. One wins; the other is
    refused by the budget, and Σ awarded stays within the budget (DESIGN §4 invariant 1)."""
    from datetime import datetime, timezone

    from grants.evaluation import operations as ops
    from grants.evaluation import results as ranking

    criteria = [{"id": "c", "name": {"pl": "K", "en": "C"}, "max_points": 10, "weight": "1", "section_min": None}]
    call = factories.call(budget="400000.00", criteria=criteria, parameters={"justification_min_chars": 1})
    officer_a, officer_b = factories.user(Role.PROGRAM_OFFICER), factories.user(Role.PROGRAM_OFFICER)
    evaluators = [factories.user(Role.EVALUATOR) for _ in range(2)]
    for evaluator in evaluators:
        ops.add_to_pool(call, evaluator, officer_a)
    ids = []
    for n, (amount, points) in enumerate((("200000.00", 10), ("250000.00", 9), ("250000.00", 8))):
        application = factories.application(call, setting["organisation"], status="merit_review", requested=amount,
                                            number=f"R/{n}", submitted_at=datetime(2026, 3, 1, tzinfo=timezone.utc))
        for evaluator in evaluators:
            card = ops.assign(application, evaluator, officer_a)
            ops.declare(card, evaluator, "pl")
            ops.save(card, evaluator, {"c": points}, {"c": "Uzasadnienie."}, True, "")
            ops.submit(card, evaluator)
        ids.append(application.id)
    ranking.publish(ranking.compute(call, officer_a), officer_a)
    db.session.commit()
    assert [db.session.get(Application, i).status for i in ids] == ["selected", "reserve", "reserve"]
    fire(db.session.get(Application, ids[0]), "resign", setting["owner"], "Rezygnujemy.")
    db.session.commit()
    _fresh(db)

    results = run_processes(app_config, {
        "a": (_fire_each, ("application", [ids[1]], "promote", officer_a.id, None)),
        "b": (_fire_each, ("application", [ids[2]], "promote", officer_b.id, None)),
    })

    _fresh(db)
    # The one that came second is refused: by the budget, or (if it was the lower one and came first) by the
    # order of the reserve list; never both promoted.
    outcomes = sorted(r[0]["outcome"] for r in results.values())
    assert outcomes[1] == "ok" and outcomes[0] in ("GuardsFailed", "Refusal"), results
    awarded = db.session.scalar(select(func.coalesce(func.sum(Application.awarded_amount), 0)).where(
        Application.call_id == call.id, Application.status == "selected"))
    assert awarded == Decimal("250000.00") <= Decimal("400000.00")
