"""Signing in, throttling, password resets and TOTP second factor."""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from grants.auth.models import INVITED_PASSWORD_PREFIX, LoginAttempt, Role, RoleAssignment, User
from grants.errors import Refusal
from grants.extensions import db
from grants.locking import lock, mark_locked
from grants.services import audit
from grants.types import utcnow

TOTP_ISSUER = "Pomost"


class LoginLocked(Refusal):
    """Too many failed attempts; try again after `minutes`."""

    status = 429

    def __init__(self, minutes: int):
        super().__init__(_l("Too many failed attempts. Try again in %(minutes)d minutes or reset your password.",
                            minutes=minutes))
        self.minutes = minutes


def _failures(since, *where, reset_by=None) -> int:
    """Failed attempts matching `where` inside the window, counted since the last success matching
    `reset_by` (when given)."""
    last_ok = None if reset_by is None else db.session.scalar(
        select(func.max(LoginAttempt.at)).where(reset_by, LoginAttempt.succeeded.is_(True)))
    start = max(since, last_ok) if last_ok else since
    return db.session.scalar(select(func.count()).select_from(LoginAttempt)
                             .where(*where, LoginAttempt.succeeded.is_(False), LoginAttempt.at > start))


def check_not_locked(email: str, remote_addr: str | None) -> None:
    """Raise LoginLocked while an account or an address has failed too often (passwords and codes alike).

    Three locks: the account from this address (a few tries), the account from anywhere (guessing spread
    over many addresses) and the address for any account (one machine trying many accounts). The last two
    are wider, so that nobody elsewhere can lock a person out with a handful of wrong passwords. A sign-in or
    a password reset ends an account's failures, but not an address's (or one's own account would buy
    guesses at others').
    Behind a reverse proxy the address is the client's only where POMOST_PROXY_COUNT says how many proxies
    to trust.
    """
    config = current_app.config
    since = utcnow() - timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
    limit, wide = config["LOGIN_MAX_FAILURES"], config["LOGIN_MAX_FAILURES"] * 4
    account = LoginAttempt.email == email
    locked = (
        _failures(since, account, LoginAttempt.remote_addr == remote_addr, reset_by=account) >= limit
        or _failures(since, account, reset_by=account) >= wide
        or (remote_addr is not None and _failures(since, LoginAttempt.remote_addr == remote_addr) >= wide)
    )
    if locked:
        raise LoginLocked(config["LOGIN_LOCK_MINUTES"])


def authenticate(email: str, password: str, remote_addr: str | None) -> User | None:
    """Check a password; raises LoginLocked after repeated failures. A right password is not yet a
    sign-in (record_login says when it is): with a second factor, wrong codes still count."""
    email = User.normalise_email(email)
    user = User.by_email(email)
    if user is not None:
        lock(user)  # attempts on one account queue up, so none is checked against a count that misses another
    check_not_locked(email, remote_addr)
    if user is not None and user.check_password(password) and user.active:
        return user
    db.session.add(LoginAttempt(email=email, remote_addr=remote_addr, succeeded=False, factor="password"))
    audit.record("auth:login:failed", data={"email": email, "remote_addr": remote_addr})
    return None


def record_login(user: User, remote_addr: str | None, method: str) -> None:
    """A completed sign-in (after the second factor where there is one): it clears the failures before it."""
    db.session.add(LoginAttempt(email=user.email, remote_addr=remote_addr, succeeded=True,
                                factor="totp" if "totp" in method else "password"))
    audit.record("auth:login:succeeded", actor=user, obj=user, data={"remote_addr": remote_addr, "method": method})


def end_sessions(user: User, actor: User | None, reason: str) -> None:
    """Sign the user out of every browser: sessions carry the version they were signed in with."""
    user.session_version = (user.session_version or 1) + 1
    audit.record("auth:sessions:ended", actor=actor, obj=user, data={"reason": reason})


# --- password reset ---------------------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pomost-password-reset")


def make_reset_token(user: User) -> str:
    # The current hash's tail is signed in: once the password changes, the token is spent.
    return _reset_serializer().dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    try:
        payload = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_TTL"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or user.password_hash[-16:] != payload.get("ph"):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Set a new password from a reset link; every session of the account ends, and the account's sign-in
    lock is lifted (the link proves the mailbox is theirs; the lock message offers this way out)."""
    user.set_password(password)
    audit.record("auth:password:reset", actor=user, obj=user)
    end_sessions(user, user, "password reset")
    db.session.add(LoginAttempt(email=user.email, remote_addr=None, succeeded=True, factor="reset"))


def change_password(user: User, password: str) -> None:
    """Set a new password chosen by the signed-in user; every session ends (the caller signs the current
    one in again)."""
    user.set_password(password)
    audit.record("auth:password:changed", actor=user, obj=user)
    end_sessions(user, user, "password changed")


# --- registration and email confirmation ----------------------------------------------------------

class EmailTaken(Exception):
    pass


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pomost-email-confirm")


def _inserted(user: User) -> bool:
    """Add a new account; False when its address was taken meanwhile (a concurrent registration or
    invitation committed first: the unique index decides, and this transaction carries on)."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        return False
    return True


def register(email: str, name: str, password: str, locale: str) -> User:
    """A new applicant account; it can sign in once the email address is confirmed."""
    if User.by_email(email) is not None:
        raise EmailTaken(email)
    return create_user(email, name, password, roles=[Role.APPLICANT], locale=locale, confirmed=False)


def make_confirmation_token(user: User) -> str:
    return _confirm_serializer().dumps({"uid": user.id, "email": user.email})


def confirm_email(token: str) -> User | None:
    """Mark the address confirmed; None for a forged, expired or outdated token."""
    try:
        payload = _confirm_serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRM_TTL"])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record("auth:email:confirmed", actor=user, obj=user)
    return user


# --- TOTP -------------------------------------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(utcnow())
    # One step either side absorbs clock drift; a step already used is never accepted again.
    for step in (now_step - 1, now_step, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def enable_totp(user: User, secret: str, code: str) -> bool:
    """Turn on the second factor once the user proves their authenticator shows the right code."""
    step = _matching_step(secret, code, None)
    if step is None:
        return False
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    audit.record("auth:totp:enabled", actor=user, obj=user)
    end_sessions(user, user, "second factor set up")  # the usual answer to a suspected intrusion
    return True


def verify_totp(user: User, code: str, remote_addr: str | None) -> bool:
    """Check a sign-in code and spend its time step. Wrong codes count towards the sign-in lock and are
    audited. The step is spent by a compare-and-set, so one code cannot sign in two requests at once."""
    lock(user)
    check_not_locked(user.email, remote_addr)
    step = _matching_step(user.totp_secret, code, user.totp_last_step) if user.totp_enabled else None
    if step is None or not _spend_step(user, step):
        db.session.add(LoginAttempt(email=user.email, remote_addr=remote_addr, succeeded=False, factor="totp"))
        audit.record("auth:totp:failed", obj=user, data={"remote_addr": remote_addr})
        return False
    return True


def confirm_second_factor(user: User, code: str, remote_addr: str | None) -> bool:
    """The user's code asked again before a weighty act (approving a payment), checked and spent as at sign-in
    (the account's row locked by id alone). The caller commits a refusal too: a wrong code counts towards the
    sign-in lock."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    mark_locked(user)
    return verify_totp(user, (code or "").strip(), remote_addr)


def _spend_step(user: User, step: int) -> bool:
    spent = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def disable_totp(user: User, actor: User) -> None:
    """Remove the second factor (by the user, or by an admin for a user who lost their device)."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    audit.record("auth:totp:disabled", actor=actor, obj=user)
    end_sessions(user, actor, "second factor removed")


def totp_required(user: User) -> bool:
    """Staff must use a second factor when the programme says so."""
    from grants.auth.models import Programme

    return user.is_staff and Programme.for_request().require_staff_2fa


def needs_totp_enrolment(user: User) -> bool:
    """A staff member without a second factor where the programme requires one."""
    return not user.totp_enabled and totp_required(user)


# --- accounts ---------------------------------------------------------------------------------

def create_user(email: str, name: str, password: str, *, roles=(), locale: str = "pl", actor: User | None = None,
                confirmed: bool = False) -> User:
    """Create an account with the given roles."""
    user = User(email=User.normalise_email(email), name=name, locale=locale,
                email_confirmed_at=utcnow() if confirmed else None)
    user.set_password(password)
    if not _inserted(user):
        raise EmailTaken(email)
    audit.record("auth:user:created", actor=actor, obj=user, data={"email": user.email})
    for role in roles:
        grant_role(user, Role(role), actor)
    return user


def grant_role(user: User, role: Role, actor: User | None) -> None:
    """Give a role (no-op when held)."""
    if role in user.roles:
        return
    user.role_assignments.append(RoleAssignment(role=role, granted_by_id=getattr(actor, "id", None)))
    db.session.flush()
    audit.record("auth:role:granted", actor=actor, obj=user, data={"role": role.value})


def revoke_role(user: User, role: Role, actor: User) -> None:
    """Take a role away (no-op when not held)."""
    for assignment in list(user.role_assignments):
        if assignment.role == role:
            user.role_assignments.remove(assignment)
            db.session.flush()
            audit.record("auth:role:revoked", actor=actor, obj=user, data={"role": role.value})


def set_active(user: User, active: bool, actor: User) -> None:
    """Activate or deactivate an account."""
    if user.active == active:
        return
    user.active = active
    audit.record("auth:user:activated" if active else "auth:user:deactivated", actor=actor, obj=user)
    if not active:
        end_sessions(user, actor, "deactivated")


# --- staff invitations ------------------------------------------------------------------------------

INVITATION_DAYS = 7


class AccountExists(Refusal):
    """The invited address belongs to an account that already has a password."""

    def __init__(self, user: User):
        super().__init__(_l("This person already has an account; give them roles on their page."))
        self.user = user


class NotAwaitingPassword(Refusal):
    """An invitation sent again to an account whose person has already chosen a password."""

    def __init__(self):
        super().__init__(_l("This person has already chosen a password; there is no invitation to send again."))


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="pomost-staff-invitation")


def _new_invitation_hash(user: User) -> None:
    # A fresh unusable hash per invitation: the link signs its tail, so the link sent before stops working.
    user.password_hash = INVITED_PASSWORD_PREFIX + secrets.token_urlsafe(32)


def invite_staff(email: str, name: str, locale: str, roles: Iterable[Role], actor: User) -> tuple[User, bool]:
    """Create an account without a usable password, with the given roles, to be completed from an emailed
    link; an address already invited and still without a password gets a new link (and any new roles).
    Returns the account and whether it was new. Raises AccountExists for an account with a password."""
    roles = sorted({Role(role) for role in roles})
    user = User.by_email(email)
    if user is not None:
        lock(user)
        if not user.awaiting_password:
            raise AccountExists(user)
        for role in roles:
            grant_role(user, role, actor)
        reinvite_staff(user, actor)
        return user, False
    # The address needs no confirmation: nobody can sign in before opening a link mailed to it.
    user = User(email=User.normalise_email(email), name=name, locale=locale, email_confirmed_at=utcnow())
    _new_invitation_hash(user)
    if not _inserted(user):
        # Another administrator invited the same address at the same moment: theirs stands, and this
        # becomes a new link for it, as if it had come a moment later.
        return invite_staff(email, name, locale, roles, actor)
    audit.record("auth:user:invited", actor=actor, obj=user,
                 data={"email": user.email, "roles": [r.value for r in roles], "locale": locale})
    for role in roles:
        grant_role(user, role, actor)
    return user, True


def reinvite_staff(user: User, actor: User) -> None:
    """A new invitation link for an account still waiting for its password (the one sent before stops working)."""
    lock(user)
    if not user.awaiting_password:
        raise NotAwaitingPassword()
    if not user.active:
        raise Refusal(_l("The account is deactivated; activate it before sending the invitation again."))
    _new_invitation_hash(user)
    audit.record("auth:user:reinvited", actor=actor, obj=user, data={"roles": sorted(r.value for r in user.roles)})


def make_invitation_token(user: User) -> str:
    return _invitation_serializer().dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_for_invitation_token(token: str) -> User | None:
    """The invited account for a link that is genuine, unexpired, the newest one sent and not yet used."""
    try:
        payload = _invitation_serializer().loads(token, max_age=INVITATION_DAYS * 24 * 3600)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or not user.active or not user.awaiting_password or user.password_hash[-16:] != payload.get("ph"):
        return None
    return user


def accept_invitation(user: User, token: str, password: str) -> User | None:
    """Set the first password from an invitation link; None if the link was spent meanwhile (two tabs)."""
    lock(user)  # re-reads the row: a link used by another request in between no longer matches
    if user_for_invitation_token(token) is not user:
        return None
    user.set_password(password)
    audit.record("auth:password:set", actor=user, obj=user, data={"from": "invitation"})
    return user
