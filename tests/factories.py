"""Builders for test data: one call makes a valid object, keyword arguments change what matters."""
from __future__ import annotations

import itertools

from grants.auth import operations as ops
from grants.auth.models import Membership, MembershipRole, Organisation, OrganisationType, Role, User
from grants.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def user(*roles: Role, email: str | None = None, name: str | None = None, password: str = PASSWORD,
         **fields) -> User:
    n = next(_seq)
    made = ops.create_user(email or f"user{n}@example.org", name or f"User {n}", password, roles=roles,
                           confirmed=True)
    for key, value in fields.items():
        setattr(made, key, value)
    db.session.commit()
    return made


def organisation(owner: User | None = None, *, name: str | None = None,
                 type: OrganisationType = OrganisationType.SOCIAL_COOPERATIVE) -> Organisation:
    org = Organisation(name=name or f"Spółdzielnia {next(_seq)}", type=type)
    if owner is not None:
        org.memberships.append(Membership(user=owner, role=MembershipRole.OWNER))
    db.session.add(org)
    db.session.commit()
    return org
