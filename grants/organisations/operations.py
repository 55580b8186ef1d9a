"""Applicant organisations: creating them, their informal-group members, invitations to join."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from grants.auth.models import (
    GroupMember,
    Invitation,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationKindChange,
    OrganisationType,
    Programme,
    User,
)
from grants.errors import Refusal
from grants.extensions import db
from grants.identifiers import (
    ADULT_AGE,
    age_on,
    compact_digits,
    normalise_bank_account,
    pesel_birth_date,
    valid_bank_account,
    valid_krs,
    valid_nip,
    valid_regon,
)
from grants.services import audit
from grants.types import utcnow

MIN_GROUP_ADULTS = 3
INVITATION_DAYS = 14


class OrganisationInvalid(Refusal):
    """The organisation's data breaks a rule of its type; `errors` maps field names to messages."""

    status = 422

    def __init__(self, errors: dict[str, str]):
        super().__init__(_l("The organisation was not saved: correct the fields marked below."), errors=errors)


# The identifiers that name one organisation: registered once (grants.auth.models, the unique indexes).
TAKEN = {
    "nip": _l("An organisation with this NIP is already registered here: ask its owner to invite you to it."),
    "krs": _l("An organisation with this KRS number is already registered here: ask its owner to invite you to it."),
}


YOURS = {"nip": _l("Your organisation %(name)s already has this NIP."),
         "krs": _l("Your organisation %(name)s already has this KRS number.")}


def _taken(fields: dict, actor: User, organisation_id: int | None = None) -> dict[str, str]:
    """A message for each of the NIP and KRS given that another organisation already has: whom to ask, or, when
    it is one of the actor's own, which."""
    errors = {}
    for name, message in TAKEN.items():
        if fields.get(name):
            query = select(Organisation).where(getattr(Organisation, name) == fields[name])
            if organisation_id is not None:
                query = query.where(Organisation.id != organisation_id)
            other = db.session.scalar(query.limit(1))
            if other is not None:
                own = any(m.user_id == actor.id for m in other.memberships)
                errors[name] = str(YOURS[name] % {"name": other.name} if own else message)
    return errors


def _flush_once_registered(fields: dict) -> None:
    """Flush; when the same NIP or KRS was registered a moment ago by someone else (past _taken, stopped by the
    unique index), refuse as _taken would have."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        found = str(error.orig)
        names = [n for n in TAKEN if f"uq_organisation_{n}" in found or f"organisation.{n}" in found]
        raise OrganisationInvalid({n: str(TAKEN[n]) for n in names or [n for n in TAKEN if fields.get(n)]}) from None


@dataclass(frozen=True)
class MemberData:
    full_name: str
    birth_date: date
    is_leader: bool = False
    pesel: str | None = None


def check_rules(org_type: OrganisationType, fields: dict, members: list[MemberData], today: date) -> dict[str, str]:
    """Field → message for every rule of the type that the data breaks (identifiers are checked by the form)."""
    errors: dict[str, str] = {}
    if org_type in (OrganisationType.SOCIAL_COOPERATIVE, OrganisationType.NGO) and not fields.get("krs"):
        errors["krs"] = str(_l("A KRS number is required for this type of organisation."))
    if org_type in (OrganisationType.SOCIAL_COOPERATIVE, OrganisationType.SOCIAL_ENTERPRISE,
                    OrganisationType.SOCIAL_ECONOMY_ENTITY) and not fields.get("nip"):
        errors["nip"] = str(_l("A NIP is required for this type of organisation."))
    if org_type == OrganisationType.NGO and not fields.get("founded_on"):
        errors["founded_on"] = str(_l("Give the date the organisation was registered."))
    if org_type == OrganisationType.INFORMAL_GROUP:
        adults = [m for m in members if age_on(m.birth_date, today) >= ADULT_AGE]
        if len(adults) < MIN_GROUP_ADULTS or len(adults) != len(members):
            errors["members"] = str(_l("An informal group needs at least 3 members, all of them adults."))
        elif sum(m.is_leader for m in members) != 1:
            errors["members"] = str(_l("Mark exactly one member as the group's leader."))
        elif not next(m for m in members if m.is_leader).pesel:
            errors["members"] = str(_l("Give the leader's PESEL: the leader signs for the group."))
        elif any(m.pesel and pesel_birth_date(m.pesel) != m.birth_date for m in members):
            errors["members"] = str(_l("A PESEL does not match the date of birth given with it."))
        if bool(fields.get("patron_name")) != bool(fields.get("patron_krs")):
            errors["patron_krs"] = str(_l("Give both the patron organisation's name and its KRS number."))
    return errors


def _clean(fields: dict) -> dict:
    cleaned = dict(fields)
    for key in ("nip", "regon", "krs", "patron_krs"):
        if cleaned.get(key):
            cleaned[key] = compact_digits(cleaned[key])
    if cleaned.get("bank_account"):
        cleaned["bank_account"] = normalise_bank_account(cleaned["bank_account"])
    return {k: (v or None) for k, v in cleaned.items()}


def create_organisation(actor: User, org_type: OrganisationType, fields: dict,
                        members: list[MemberData] = ()) -> Organisation:
    """Create an applicant organisation with the actor as its owner."""
    fields = _clean(fields)
    errors = check_rules(org_type, fields, list(members), utcnow().date()) | _taken(fields, actor)
    if errors:
        raise OrganisationInvalid(errors)
    organisation = Organisation(type=org_type, **fields)
    organisation.memberships.append(Membership(user=actor, role=MembershipRole.OWNER))
    organisation.group_members = [GroupMember(full_name=m.full_name, birth_date=m.birth_date, is_leader=m.is_leader,
                                              pesel=m.pesel) for m in members]
    db.session.add(organisation)
    _flush_once_registered(fields)
    audit.record("organisation:organisation:created", actor=actor, obj=organisation,
                 data={"type": org_type.value, "name": organisation.name, "members": len(members)})
    return organisation


def update_organisation(organisation: Organisation, actor: User, fields: dict,
                        members: list[MemberData] | None = None) -> None:
    """Change an organisation's details (its type is fixed once created)."""
    fields = _clean(fields)
    members = list(members) if members is not None else [
        MemberData(m.full_name, m.birth_date, m.is_leader, m.pesel) for m in organisation.group_members]
    errors = check_rules(organisation.type, fields, members, utcnow().date())
    errors |= _taken(fields, actor, organisation.id)
    if errors:
        raise OrganisationInvalid(errors)
    changed = {k: [getattr(organisation, k), v] for k, v in fields.items() if getattr(organisation, k) != v}
    for key, value in fields.items():
        setattr(organisation, key, value)
    if organisation.type == OrganisationType.INFORMAL_GROUP:
        organisation.group_members = [GroupMember(full_name=m.full_name, birth_date=m.birth_date,
                                                  is_leader=m.is_leader, pesel=m.pesel) for m in members]
    _flush_once_registered(fields)
    audit.record("organisation:organisation:updated", actor=actor, obj=organisation, data={"changed": changed})


# What an informal group gives when it registers as a social cooperative (besides the day of registration).
CONVERSION_FIELDS = ("name", "krs", "nip", "regon", "address", "bank_account")
_IDENTIFIER_CHECKS = {
    "krs": (valid_krs, _l("A KRS number has 10 digits.")),
    "nip": (valid_nip, _l("This NIP is not valid (check the digits).")),
    "regon": (valid_regon, _l("This REGON is not valid (9 or 14 digits, check the digits).")),
    "bank_account": (valid_bank_account, _l("This bank account number is not valid (IBAN or 26-digit NRB).")),
}


class NotConvertible(Refusal):
    status = 409

    def __init__(self):
        super().__init__(_l("Only an informal group can be registered as a social cooperative."))


def may_convert(organisation: Organisation) -> bool:
    """Whether the organisation can be registered as a social cooperative: only an informal group can."""
    return organisation.type == OrganisationType.INFORMAL_GROUP


def local_day(moment) -> date:
    """The day a moment falls on in the programme's time zone."""
    return moment.astimezone(ZoneInfo(Programme.current().time_zone)).date()


def _conversion_errors(organisation: Organisation, actor: User, fields: dict,
                       changed_on: date | None) -> dict[str, str]:
    """The rules of a new social cooperative, its identifiers' check digits, and a registration day that is
    neither in the future nor before the group existed."""
    errors = {name: str(message) for name, (valid, message) in _IDENTIFIER_CHECKS.items()
              if fields.get(name) and not valid(fields[name])}
    errors = _taken(fields, actor, organisation.id) | errors
    if not fields.get("name"):
        errors["name"] = str(_l("Give the cooperative's name."))
    today = local_day(utcnow())
    for name, message in check_rules(OrganisationType.SOCIAL_COOPERATIVE, {**fields, "founded_on": changed_on}, [],
                                     today).items():
        errors.setdefault(name, message)
    # A group may have registered before it joined the programme here; never before the day it gave as its start.
    earliest = organisation.founded_on
    if changed_on is None:
        errors["changed_on"] = str(_l("Give the day of registration."))
    elif changed_on > today:
        errors["changed_on"] = str(_l("The day of registration cannot be in the future."))
    elif earliest is not None and changed_on < earliest:
        errors["changed_on"] = str(_l("The day of registration cannot be before the group began (%(day)s).",
                                      day=format_date(earliest)))
    return errors


def convert_to_social_cooperative(organisation: Organisation, actor: User, fields: dict,
                                  changed_on: date | None) -> OrganisationKindChange:
    """Register an informal group as a social cooperative: the same organisation (its people, applications,
    agreements and reports stay), a cooperative from the day of registration. Its group members stay as the
    members at registration; its patron no longer receives anything for it."""
    if not may_convert(organisation):
        raise NotConvertible()
    fields = _clean({name: fields.get(name) for name in CONVERSION_FIELDS})
    errors = _conversion_errors(organisation, actor, fields, changed_on)
    if errors:
        raise OrganisationInvalid(errors)
    from_type, old_name = organisation.type, organisation.name
    for key, value in fields.items():
        setattr(organisation, key, value)
    organisation.type = OrganisationType.SOCIAL_COOPERATIVE
    organisation.founded_on = changed_on
    organisation.patron_name = organisation.patron_krs = None
    change = OrganisationKindChange(organisation_id=organisation.id, from_type=from_type, to_type=organisation.type,
                                    changed_on=changed_on, krs=fields["krs"], actor_id=actor.id)
    db.session.add(change)
    _flush_once_registered(fields)
    audit.record("organisation:organisation:converted", actor=actor, obj=organisation,
                 data={"from": from_type.value, "to": organisation.type.value, "krs": fields["krs"],
                       "day": changed_on.isoformat(), "name": [old_name, organisation.name]})
    return change


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(organisation: Organisation, actor: User, email: str, role: MembershipRole) -> tuple[Invitation, str]:
    """Create an invitation; returns it with the token to put in the email (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation(organisation=organisation, email=User.normalise_email(email), role=role,
                            token_hash=_token_hash(token), invited_by_id=actor.id,
                            expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    audit.record("organisation:invitation:sent", actor=actor, obj=organisation,
                 data={"email": invitation.email, "role": role.value})
    return invitation, token


class InvitationUsed(Refusal):
    status = 409

    def __init__(self):
        super().__init__(_l("This invitation has already been accepted."))


def _join(user: User, invitation: Invitation) -> Membership:
    """The membership the invitation gives, or the one the person already has (another invitation to the
    same organisation accepted first, perhaps at the same moment)."""
    def existing():
        return db.session.scalar(select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == invitation.organisation_id))

    membership = existing()
    if membership is not None:
        return membership
    try:
        with db.session.begin_nested():
            membership = Membership(user=user, organisation=invitation.organisation, role=invitation.role)
            db.session.add(membership)
    except IntegrityError:
        membership = existing()
    return membership


def find_invitation(token: str) -> Invitation | None:
    """An open (unaccepted, unexpired) invitation for this token."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at < utcnow():
        return None
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Join the organisation as the invited role (the signed-in user's email must match)."""
    if user.email != invitation.email:
        raise PermissionError("invitation is for another email address")
    # Spent by a compare-and-set before anything is written: of two acceptances at once, one joins and
    # the other is told the invitation is used (never a duplicate membership).
    now = utcnow()
    spent = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise InvitationUsed()
    set_committed_value(invitation, "accepted_at", now)
    membership = _join(user, invitation)
    db.session.flush()
    audit.record("organisation:invitation:accepted", actor=user, obj=invitation.organisation,
                 data={"email": user.email, "role": invitation.role.value})
    return membership
