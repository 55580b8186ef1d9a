"""Builders for test data: one call makes a valid object, keyword arguments change what matters.

Builders flush and never commit: the test decides when its data is committed (the test client
commits what the test built before each request, as it would be by the time a real person acts)."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from grants.auth import operations as ops
from grants.auth.models import Membership, MembershipRole, Organisation, OrganisationType, Role, User  # noqa: F401
from grants.extensions import db

if TYPE_CHECKING:
    from grants.applications.models import Application
    from grants.calls.models import Call

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def user(*roles: Role, email: str | None = None, name: str | None = None, password: str = PASSWORD,
         **fields) -> User:
    n = next(_seq)
    made = ops.create_user(email or f"user{n}@example.org", name or f"User {n}", password, roles=roles,
                           confirmed=True)
    for key, value in fields.items():
        setattr(made, key, value)
    db.session.flush()
    return made


def organisation(owner: User | None = None, *, name: str | None = None,
                 type: OrganisationType = OrganisationType.SOCIAL_COOPERATIVE) -> Organisation:
    org = Organisation(name=name or f"Spółdzielnia {next(_seq)}", type=type)
    if owner is not None:
        org.memberships.append(Membership(user=owner, role=MembershipRole.OWNER))
    db.session.add(org)
    db.session.flush()
    return org


def call(call_type: str = "restructuring_grant", *, budget: str = "500000.00", open_now: bool = True,
         parameters: dict | None = None, form: list | None = None, **fields) -> Call:
    from datetime import timedelta
    from decimal import Decimal

    from grants.calls.models import Call, CallStatus
    from grants.types import utcnow

    now = utcnow()
    opens = fields.pop("opens_at", None) or (now - timedelta(days=1) if open_now else now + timedelta(days=10))
    fields.setdefault("closes_at", opens + timedelta(days=30))
    fields.setdefault("status", CallStatus.PUBLISHED)
    made = Call(call_type=call_type, title=fields.pop("title", f"Nabór {next(_seq)}"), budget=Decimal(budget),
                opens_at=opens, parameters=parameters or {}, form=form or [], **fields)
    db.session.add(made)
    db.session.flush()
    return made


def application(call=None, organisation=None, *, owner: User | None = None, status: str = "draft",
                requested: str = "50000.00", **fields) -> Application:
    """An application in any state of the workflow (one trait per state: pass status=...)."""
    from decimal import Decimal

    from grants.applications.models import Application

    call = call or globals()["call"]()
    if organisation is None:
        organisation_type = sorted(call.type.eligible_organisation_types)[0]
        organisation = globals()["organisation"](owner or user(Role.APPLICANT),
                                                 type=OrganisationType(organisation_type))
    # The formal-check list ticked by default, so that `accept` depends on what a test sets up.
    fields.setdefault("formal_checklist", {"signed": True, "registry": True, "legible": True})
    made = Application(call=call, organisation=organisation, title=fields.pop("title", "Wniosek"),
                       requested_amount=Decimal(requested), status=status, **fields)
    db.session.add(made)
    db.session.flush()
    return made


def payments(status: str, *, accounts=("PL61109010140000071219812874", "PL27114020040000300201355387"),
             amounts=("64000.00", "4800.50"), prefix: str = "P") -> list:
    """One running grant per account (its organisation named with Polish letters) and its advance, in a state."""
    from datetime import timedelta
    from decimal import Decimal

    from grants.finance.models import Payment
    from grants.types import utcnow

    grant_call = call(budget="400000.00")
    made = []
    for n, (account, amount) in enumerate(zip(accounts, amounts)):
        grantee = organisation(user(Role.APPLICANT), name=f"Spółdzielnia „Żuraw” {prefix}{n}")
        grant = application(grant_call, grantee, status="implementation", number=f"{prefix}/{n}",
                            awarded_amount=Decimal("90000.00"))
        payment = Payment(application_id=grant.id, kind="advance", amount=Decimal(amount), bank_account=account,
                          due_at=utcnow() - timedelta(days=1), status=status)
        db.session.add(payment)
        made.append(payment)
    db.session.flush()
    return made


def agreement(application, *, starts_on=None, ends_on=None, award: str = "90000.00", **fields):
    """A signed agreement of a running grant, from `starts_on` (today) for a year unless told otherwise."""
    from datetime import timedelta
    from decimal import Decimal

    from grants.finance.models import Agreement
    from grants.types import utcnow

    starts_on = starts_on or utcnow().date()
    fields.setdefault("schedule_model", "advance_and_final")
    fields.setdefault("bank_account", "PL61109010140000071219812874")
    fields.setdefault("signed_at", utcnow())
    made = Agreement(application_id=application.id, number=f"UM/T/{next(_seq)}", award=Decimal(award),
                     ranking_award=Decimal(award), starts_on=starts_on,
                     ends_on=ends_on or starts_on + timedelta(days=364), **fields)
    db.session.add(made)
    db.session.flush()
    return made
