"""Demo data of organisations: a former informal group of the demo applicant, registered as a social cooperative
two months ago after its development package, so its page shows the kind history and its members at
registration."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from grants.auth.models import GroupMember, Membership, MembershipRole, Organisation, OrganisationType, User
from grants.extensions import db
from grants.organisations import operations as ops
from grants.types import utcnow

GROUP_NAME = "Grupa nieformalna „Ogrodnicy z Zatorza”"
COOPERATIVE = {"name": "Spółdzielnia Socjalna „Ogrodnicy z Zatorza”", "krs": "0000987654", "nip": "7761234560",
               "regon": "631112220", "address": "ul. Ogrodowa 1, 59-220 Legnica",
               "bank_account": "PL73114020040000360201234567"}


def seed(owner: User) -> int:
    if db.session.scalar(select(Organisation.id).where(
            Organisation.name.in_((GROUP_NAME, COOPERATIVE["name"])))) is not None:
        return 0
    group = Organisation(name=GROUP_NAME, type=OrganisationType.INFORMAL_GROUP,
                         patron_name="Stowarzyszenie Zatorze Razem", patron_krs="0000098765",
                         created_at=utcnow() - timedelta(days=420))
    group.memberships.append(Membership(user=owner, role=MembershipRole.OWNER))
    group.group_members = [
        GroupMember(full_name=name, birth_date=born, is_leader=leader, pesel=pesel)
        for name, born, leader, pesel in (("Tomasz Ogrodnik", date(1988, 6, 2), True, "88060212348"),
                                          ("Irena Sadowska", date(1962, 11, 19), False, None),
                                          ("Paweł Lipa", date(1995, 2, 8), False, None))]
    db.session.add(group)
    db.session.flush()
    ops.convert_to_social_cooperative(group, owner, COOPERATIVE, ops.local_day(utcnow()) - timedelta(days=60))
    return 1
