"""Users, roles, organisations and the operator's programme settings."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from grants.extensions import db
from grants.search import Searchable
from grants.types import UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    PROGRAM_OFFICER = "program_officer"
    EVALUATOR = "evaluator"
    FINANCE_OFFICER = "finance_officer"
    AUDITOR = "auditor"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES


STAFF_ROLES = frozenset({Role.PROGRAM_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR, Role.ADMIN})
# The password hash of an invited account until its person chooses a password: no "$", so Werkzeug's
# check_password_hash answers False for every password (the random rest makes each invitation link unique).
INVITED_PASSWORD_PREFIX = "!invited:"


class OrganisationType(enum.StrEnum):
    SOCIAL_COOPERATIVE = "social_cooperative"
    SOCIAL_ENTERPRISE = "social_enterprise"
    SOCIAL_ECONOMY_ENTITY = "social_economy_entity"
    NGO = "ngo"
    INFORMAL_GROUP = "informal_group"


class MembershipRole(enum.StrEnum):
    OWNER = "owner"
    EDITOR = "editor"
    VIEWER = "viewer"


class User(Searchable, UserMixin, db.Model):
    __tablename__ = "user_account"
    search_fields = ("name", "email")

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="pl")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last accepted TOTP time step; a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Signed into every session; raising it ends all of them (logout, new password, "sign out everywhere").
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="RoleAssignment.user_id",
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    @classmethod
    def by_email(cls, email: str) -> User | None:
        return db.session.scalar(select(cls).where(cls.email == cls.normalise_email(email)))

    def set_password(self, password: str) -> None:
        # Werkzeug's default is scrypt with a per-password salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def awaiting_password(self) -> bool:
        """Invited by an administrator and has not yet chosen a password."""
        return self.password_hash.startswith(INVITED_PASSWORD_PREFIX)

    def get_id(self) -> str:
        """What the session keeps: the id and the session version, so raising the version ends the session."""
        return f"{self.id}:{self.session_version or 1}"

    @property
    def is_active(self) -> bool:  # flask-login asks this
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(a.role) for a in self.role_assignments)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_staff(self) -> bool:
        return any(r.is_staff for r in self.roles)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleAssignment(db.Model):
    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="role_assignments", foreign_keys=[user_id])


class Programme(db.Model):
    """The operator running calls, with the settings every deadline and amount depends on."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    time_zone: Mapped[str] = mapped_column(String(64), default="Europe/Warsaw")
    holiday_country: Mapped[str] = mapped_column(String(2), default="PL")
    require_staff_2fa: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether staff read applications still in draft; by default an application is the applicant's own
    # until it is submitted.
    staff_read_drafts: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @classmethod
    def for_request(cls) -> Programme:
        """Programme.current(), looked up once per request (the layout, the time zone and the
        second-factor rule all read it)."""
        from flask import g, has_app_context

        if not has_app_context():
            return cls.current()
        if "pomost_programme" not in g:
            g.pomost_programme = cls.current()
        return g.pomost_programme

    @classmethod
    def current(cls) -> Programme:
        """The installation's programme (one operator per installation); until an administrator saves
        one, the defaults, unsaved, so that reading settings never writes."""
        from flask import current_app

        programme = db.session.scalar(select(cls).order_by(cls.id).limit(1))
        if programme is not None:
            return programme
        return cls(name="Pomost", currency="PLN", time_zone="Europe/Warsaw", holiday_country="PL",
                   require_staff_2fa=current_app.config["REQUIRE_STAFF_2FA"], staff_read_drafts=False)


class DayOff(db.Model):
    """A day off the programme adds to its holiday calendar (a bridge day, an office closure): working-day
    deadlines skip it."""

    __tablename__ = "day_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    description: Mapped[str] = mapped_column(String(200))

    @classmethod
    def all_days(cls) -> frozenset[date]:
        return frozenset(db.session.scalars(select(cls.day)))


class Organisation(Searchable, db.Model):
    __tablename__ = "organisation"
    # A NIP or a KRS number names one organisation: a second registration of the same one is refused, here and
    # by the database (two people registering it at the same moment).
    __table_args__ = tuple(Index(f"uq_organisation_{column}", column, unique=True,
                                 postgresql_where=text(f"{column} IS NOT NULL"),
                                 sqlite_where=text(f"{column} IS NOT NULL")) for column in ("nip", "krs"))
    search_fields = ("name",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, "organisation_type"))
    nip: Mapped[str | None] = mapped_column(String(10))
    regon: Mapped[str | None] = mapped_column(String(14))
    krs: Mapped[str | None] = mapped_column(String(10))
    bank_account: Mapped[str | None] = mapped_column(String(34))
    founded_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(300))
    # An informal group's cash goes to its patron NGO, if it has one.
    patron_name: Mapped[str | None] = mapped_column(String(300))
    patron_krs: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")
    group_members: Mapped[list[GroupMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="GroupMember.id")
    # Read only: a change of kind is written once, by its operation, and never changed.
    kind_changes: Mapped[list[OrganisationKindChange]] = relationship(
        viewonly=True, order_by="(OrganisationKindChange.changed_on, OrganisationKindChange.id)")


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "membership_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class GroupMember(db.Model):
    """An adult member of an informal group (who need not have an account)."""

    __tablename__ = "group_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    pesel: Mapped[str | None] = mapped_column(String(11))  # required for the leader, who signs for the group
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship(back_populates="group_members")


class OrganisationKindChange(db.Model):
    """The day an organisation became another kind while staying the same organisation (an informal group
    registered in the KRS as a social cooperative keeps its people, applications, agreements and reports).
    From `changed_on` it counts as `to_type`; before it, as `from_type`. Append-only."""

    __tablename__ = "organisation_kind_change"
    __table_args__ = (
        CheckConstraint("from_type <> to_type", name="kind_differs"),
        Index("ix_organisation_kind_change_day", "organisation_id", "changed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    from_type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, "from_type"))
    to_type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType, "to_type"))
    changed_on: Mapped[date] = mapped_column(Date)  # the day of registration, as the owner gave it
    krs: Mapped[str | None] = mapped_column(String(10))  # the KRS number given with the registration
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class Invitation(db.Model):
    """An invitation to join an organisation, sent by email; only a hash of its token is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MembershipRole] = mapped_column(str_enum(MembershipRole, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()


class LoginAttempt(db.Model):
    """One password attempt; repeated failures lock the email (and the address) for a while."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    remote_addr: Mapped[str | None] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    factor: Mapped[str] = mapped_column(String(20), default="password", server_default="password")  # or "totp"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
