"""Demo data of job durability: a job-creation grant that started fourteen months ago, with one job in its
durability period, one still financed, one lost three weeks ago and waiting for its replacement, and the PS
status obtained."""
from __future__ import annotations

import io
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from grants.applications.models import Application
from grants.auth.models import Organisation, User
from grants.calls.models import Call, CallStatus
from grants.engine.core import SYSTEM_ACTOR, fire
from grants.extensions import db
from grants.finance.agreements import months_after
from grants.finance.models import Agreement, Payment
from grants.support import jobs
from grants.types import utcnow

TITLE = "Miejsca pracy w przedsiębiorstwach społecznych 2025"
DOCUMENT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Valid PESEL numbers of made-up people (the check digits hold).
PEOPLE = (("Marta Zielińska", "87030512349", "1", "unemployed", 5),
          ("Tomasz Wójcik", "92111001238", "0.5", "homeless", 5),
          ("Karolina Mazur", "95060707893", "1", "leaving_care", None))


def seed(organisation: Organisation, applicant: User, officer: User, finance: User) -> int:
    if db.session.scalar(select(Call).where(Call.title == TITLE)) is not None:
        return 0
    now = utcnow()
    starts_on = months_after(now.date(), -14)
    call = Call(call_type="job_support", title=TITLE, budget=Decimal("300000.00"), status=CallStatus.PUBLISHED,
                opens_at=now - timedelta(days=520), closes_at=now - timedelta(days=490),
                published_at=now - timedelta(days=520), form=[], required_attachments=[])
    grant = Application(call=call, organisation=organisation, title="Catering „Zatorze” – trzy nowe etaty",
                        requested_amount=Decimal("88030.00"), awarded_amount=Decimal("88030.00"),
                        status="implementation", number="DEMO/J/1", submitted_at=now - timedelta(days=500))
    db.session.add_all([call, grant])
    db.session.flush()
    db.session.add(Agreement(application_id=grant.id, number="UM/DEMO/J/1", award=Decimal("88030.00"),
                             ranking_award=Decimal("88030.00"), schedule_model="job_grant_and_bridging",
                             starts_on=starts_on, ends_on=months_after(starts_on, 24) - timedelta(days=1),
                             bank_account=organisation.bank_account, jobs=["1", "1", "0.5"],
                             rates={"job_create": "35212.00"}, signed_at=now - timedelta(days=430)))
    db.session.add(Payment(application_id=grant.id, kind="job_grant", amount=Decimal("88030.00"),
                           bank_account=organisation.bank_account, status="paid",
                           paid_on=starts_on + timedelta(days=3), prepared_by_id=finance.id))
    db.session.flush()
    made = []
    for name, pesel, fte, eligibility, after in PEOPLE:
        start = starts_on + timedelta(days=after) if after is not None else months_after(now.date(), -4)
        made.append(jobs.register(grant, applicant, jobs.NewJob(name, pesel, eligibility, fte, start),
                                  (io.BytesIO(DOCUMENT), "zaswiadczenie.pdf"), None))
    for job in made:  # financing started two days after each job began
        fire(job, "finance", finance, now=datetime.combine(job.starts_on + timedelta(days=2), time(9), timezone.utc))
    kept, lost, _financed = made
    fire(kept, "start_durability", SYSTEM_ACTOR, now=kept.financed_until + timedelta(minutes=5))
    fire(lost, "report_loss", officer, "Pracownik złożył wypowiedzenie.", now=now - timedelta(days=21))
    jobs.record_ps_status(grant, applicant, months_after(starts_on, 5), io.BytesIO(DOCUMENT), "krs-ps.pdf")
    return 1
