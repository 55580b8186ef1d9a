"""A development-package call decided by a commission's vote: every member votes yes or no with a reason, the
majority decides, the chair's vote breaks a tie, and the ranking selects within the budget by the votes."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from grants.applications.models import Application
from grants.auth.models import Role
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.evaluation.models import PoolMember, Scorecard
from tests import factories
from tests.conftest import csrf_token

REASON = "Pakiet dobrze opisany."
# Votes of members 0 (the chair), 1, 2 and 3 on P/0 … P/3.
VOTES = {
    "P/0": (True, True, True, False),  # 3 : 1, carried
    "P/1": (True, False, True, False),  # 2 : 2, the chair voted yes: carried
    "P/2": (False, True, True, False),  # 2 : 2, the chair voted no: not carried
    "P/3": (False, False, True, False),  # 1 : 3, not carried
}


@pytest.fixture
def commission(db):
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    members = [factories.user(Role.EVALUATOR, locale="en", name=f"Członkini {n}") for n in range(4)]
    call = factories.call("development_package", budget="12000.00",
                          parameters={"commission_vote": True, "justification_min_chars": 10})
    applications = [factories.application(call, status="merit_review", requested="5000.00", number=number,
                                          submitted_at=datetime(2026, 3, 1, 10, n, tzinfo=timezone.utc))
                    for n, number in enumerate(VOTES)]
    for member in members:
        ops.add_to_pool(call, member, officer)
    factories.db.session.commit()
    return {"officer": officer, "members": members, "call": call, "applications": applications}


def _vote(card: Scorecard, member, yes: bool) -> None:
    ops.declare(card, member, "en")
    ops.save(card, member, {}, {}, yes, REASON)
    ops.submit(card, member)


def test_every_member_votes_the_majority_decides_and_the_chair_breaks_a_tie(client, auth, db, commission):
    officer, members, call = commission["officer"], commission["members"], commission["call"]
    auth.login(officer.email)
    path = f"/manage/calls/{call.id}/evaluation/"
    assert auth.post(f"{path}pool/{members[0].id}/chair", {}, token_from=path).status_code == 303
    assert auth.post(path + "draw", {}, token_from=path).status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "The commission" in page and 'data-testid="chair"' in page
    cards = db.session.scalars(select(Scorecard)).all()
    assert len(cards) == 16  # every member, every application
    assert db.session.scalars(select(PoolMember.user_id).where(PoolMember.chair.is_(True))).all() == [members[0].id]
    auth.logout()

    # One member votes through the page: the vote needs a reason, and there are no points to give.
    first = commission["applications"][0]
    card = next(c for c in cards if c.evaluator_id == members[1].id and c.application_id == first.id)
    auth.login(members[1].email)
    assert auth.post(f"/evaluation/{card.id}/declare", {}, token_from="/evaluation/").status_code == 303
    form = client.get(f"/evaluation/{card.id}").get_data(as_text=True)
    assert "Your vote" in form and 'data-testid="total"' not in form and "points-" not in form
    token = csrf_token(client, f"/evaluation/{card.id}")
    refused = client.post(f"/evaluation/{card.id}/scores", data={"csrf_token": token, "recommend": "yes",
                                                                "comment": "Tak.", "submit": "1"})
    assert refused.status_code == 422 and "reason for your vote in at least 10 characters" in \
        refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Scorecard, card.id).status == "declared"
    sealed = client.post(f"/evaluation/{card.id}/scores", data={"csrf_token": token, "recommend": "yes",
                                                               "comment": REASON, "submit": "1"})
    assert sealed.status_code == 303
    auth.logout()

    db.session.expire_all()
    for application in commission["applications"]:
        for member, yes in zip(members, VOTES[application.number]):
            card = db.session.scalars(select(Scorecard).where(Scorecard.application_id == application.id,
                                                              Scorecard.evaluator_id == member.id)).one()
            if card.status != "submitted":
                _vote(card, member, yes)
            db.session.commit()
            status = db.session.get(Application, application.id).status
            assert status == ("scored" if member is members[-1] else "merit_review")  # after the last vote only

    ranking = results.compute(call, officer)
    placed = {e.application_id: (e.position, e.passed, e.outcome, e.score) for e in results.entries(ranking)}
    by_number = {a.number: placed[a.id] for a in commission["applications"]}
    assert by_number["P/0"] == (1, True, "selected", Decimal("75.00"))
    assert by_number["P/1"] == (2, True, "selected", Decimal("50.00"))  # the chair's yes carried the tie
    assert by_number["P/2"] == (3, False, "rejected", Decimal("50.00"))  # the chair's no
    assert by_number["P/3"] == (4, False, "rejected", Decimal("25.00"))
    assert results.verify(ranking)
    results.publish(ranking, officer)
    db.session.commit()

    # The applicant reads the votes and their reasons, never who cast them.
    rejected = next(a for a in commission["applications"] if a.number == "P/2")
    owner = rejected.organisation.memberships[0].user
    auth.login(owner.email)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/evaluation/results/{rejected.id}").get_data(as_text=True)
    assert page.count('data-testid="vote"') == 4 and REASON in page
    assert not any(member.name in page for member in members)


def test_a_tie_without_the_chairs_vote_is_not_carried_and_an_upheld_appeal_is_re_voted(db, commission):
    """No chair named: 2 : 2 is not carried. The appeal is upheld; someone new votes yes, which carries it; a
    re-vote can only raise the result."""
    officer, members, call = commission["officer"], commission["members"], commission["call"]
    ops.draw(call, officer)
    db.session.commit()
    for application in commission["applications"]:
        for member, yes in zip(members, VOTES[application.number]):
            card = db.session.scalars(select(Scorecard).where(Scorecard.application_id == application.id,
                                                              Scorecard.evaluator_id == member.id)).one()
            _vote(card, member, yes)
    db.session.commit()
    results.publish(results.compute(call, officer), officer)
    db.session.commit()
    tied = db.session.scalars(select(Application).where(Application.number == "P/1")).one()
    assert tied.status == "rejected"  # 2 : 2 and nobody chairs

    from grants.engine.core import fire

    fire(tied, "appeal", tied.organisation.memberships[0].user, "Remis bez przewodniczącej.")
    fire(tied, "uphold", officer, "Głosowanie ponownie.")
    db.session.commit()
    newcomer = factories.user(Role.EVALUATOR, locale="en")
    ops.add_to_pool(call, newcomer, officer)
    made = ops.draw(call, officer)
    assert [row[1] for row in made.result] == [newcomer.id]  # only someone who never had it
    card = db.session.scalars(select(Scorecard).where(Scorecard.evaluator_id == newcomer.id)).one()
    _vote(card, newcomer, True)
    db.session.commit()
    assert db.session.get(Application, tied.id).status == "scored"
    entry = next(e for e in results.entries(results.compute(call, officer)) if e.application_id == tied.id)
    assert entry.passed and entry.score == Decimal("100.00") and entry.outcome == "selected"


def test_only_a_commission_has_a_chair_and_only_a_member_chairs_it(db, commission):
    from grants.errors import Refusal

    officer, call = commission["officer"], commission["call"]
    outsider = factories.user(Role.EVALUATOR)
    with pytest.raises(Refusal) as caught:
        ops.set_chair(call, outsider, officer)
    assert "not in this call's commission" in caught.value.text("en")
    db.session.rollback()
    scored_call = factories.call(budget="1000.00")
    ops.add_to_pool(scored_call, outsider, officer)
    with pytest.raises(Refusal) as caught:
        ops.set_chair(scored_call, outsider, officer)
    assert "no chair" in caught.value.text("en") and ops.chair_of(scored_call) is None


def test_a_member_taken_off_an_application_is_not_replaced_and_the_others_votes_decide(db, commission):
    """Before: taking back the last open card left the application in merit review for good (no draw could
    fill the place, and nothing moved it on)."""
    officer, members, call = commission["officer"], commission["members"], commission["call"]
    ops.set_chair(call, members[0], officer)
    ops.draw(call, officer)
    application = commission["applications"][0]
    cards = {c.evaluator_id: c for c in db.session.scalars(
        select(Scorecard).where(Scorecard.application_id == application.id))}
    for member, yes in zip(members[:3], (True, True, False)):
        _vote(cards[member.id], member, yes)
    db.session.commit()
    assert db.session.get(Application, application.id).status == "merit_review"
    ops.withdraw(cards[members[3].id], officer, "Nie odpowiada od dwóch tygodni.")
    db.session.commit()
    assert db.session.get(Application, application.id).status == "scored"
    assert all(row[0] != application.id for row in ops.draw(call, officer).result)  # nobody replaces them
