"""Sign-in, sign-out, password reset, second factor and the user's own account."""
from __future__ import annotations

import io
import time

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from grants.access import Permission, public, require
from grants.auth import operations as ops
from grants.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    RegistrationForm,
    TotpForm,
)
from grants.auth.models import Programme, User
from grants.extensions import db
from grants.services.mail import queue_mail
from grants.ui import LANGUAGES, is_safe_next
from grants.web import on_refusal

bp = Blueprint("auth", __name__)
PENDING_2FA = "pending_2fa"
PENDING_2FA_SECONDS = 600  # between the right password and the code
ENROL_SECRET = "totp_enrol_secret"
# Paths a staff member without a second factor may still reach when the programme requires one.
ENROLMENT_ALLOWED = {"auth.totp_setup", "auth.logout", "core.set_language", "static", "bootstrap.static",
                     "core.healthz"}


def _remote_addr() -> str | None:
    return request.remote_addr


def _finish_login(user: User, method: str):
    next_url = session.get("login_next")
    chosen = session.get("locale") if session.get("locale_chosen") else None
    session.clear()  # a fresh session on sign-in: nothing from before carries over...
    if chosen in dict(LANGUAGES) and chosen != user.locale:
        user.locale = chosen  # ...but the language the person chose on the way in is theirs from now on
    login_user(user)
    ops.record_login(user, _remote_addr(), method)
    db.session.commit()
    if ops.needs_totp_enrolment(user):
        flash(_("Your programme requires two-factor sign-in for staff. Set it up to continue."), "warning")
        return redirect(url_for("auth.totp_setup"))
    return redirect(next_url if is_safe_next(next_url) else url_for("core.home"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if request.method == "GET" and is_safe_next(request.args.get("next")):
        session["login_next"] = request.args["next"]
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    on_refusal(lambda refusal: render_template("auth/login.html", form=form))
    user = ops.authenticate(form.email.data, form.password.data, _remote_addr())
    if user is None:
        db.session.commit()  # keep the failed attempt: it counts towards the lock
        flash(_("Wrong email or password."), "danger")
        return render_template("auth/login.html", form=form), 200
    if user.email_confirmed_at is None:
        _send_confirmation(user)
        db.session.commit()
        flash(_("Confirm your email address first: we have sent a new link to %(email)s.", email=user.email),
              "warning")
        return render_template("auth/login.html", form=form), 200
    if user.totp_enabled:
        session[PENDING_2FA] = {"user": user.id, "version": user.session_version,
                                "until": time.time() + PENDING_2FA_SECONDS}
        db.session.commit()
        return redirect(url_for("auth.login_verify"))
    return _finish_login(user, "password")


def _send_confirmation(user: User) -> None:
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "auth.confirm_email", token=ops.make_confirmation_token(user))
    queue_mail(user.email, _("Confirm your email address for Pomost"), "confirm_email", locale=user.locale,
               user=user, link=link)


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            user = ops.register(form.email.data, form.name.data, form.password.data, str(get_locale()))
        except ops.EmailTaken:
            # Say the same as for a new address: the form must not reveal who has an account.
            existing = User.by_email(form.email.data)
            if existing.email_confirmed_at is None:
                _send_confirmation(existing)
            db.session.commit()
        else:
            _send_confirmation(user)
            db.session.commit()
        flash(_("Almost done: open the link we have sent to %(email)s to confirm your address.",
                email=form.email.data), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/confirm/<token>")
@public
def confirm_email(token: str):
    user = ops.confirm_email(token)
    if user is None:
        flash(_("This confirmation link is invalid or expired. Sign in to get a new one."), "danger")
        return redirect(url_for("auth.login"))
    db.session.commit()
    flash(_("Your email address is confirmed. You can sign in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/login/verify", methods=["GET", "POST"])
@public
def login_verify():
    pending = session.get(PENDING_2FA)
    if not isinstance(pending, dict) or pending.get("until", 0) < time.time():
        session.pop(PENDING_2FA, None)
        return redirect(url_for("auth.login"))
    user = db.session.get(User, pending["user"])
    # A password changed (or sessions ended) since the password step voids it too.
    if user is None or not user.active or user.session_version != pending.get("version"):
        session.pop(PENDING_2FA, None)
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        on_refusal(lambda refusal: render_template("auth/verify.html", form=form))
        if ops.verify_totp(user, form.code.data, _remote_addr()):
            session.pop(PENDING_2FA, None)
            return _finish_login(user, "password+totp")
        db.session.commit()  # keep the failed attempt: it counts towards the lock
        flash(_("That code is not valid. Check your device's clock and try the current code."), "danger")
    return render_template("auth/verify.html", form=form)


@bp.route("/logout", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def logout():
    ops.end_sessions(current_user, current_user, "signed out")
    db.session.commit()
    locale = current_user.locale
    logout_user()
    session.clear()
    session["locale"] = locale  # the sign-in page that follows stays in the person's language
    flash(_("You have been signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def password_forgot():
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None and user.active:
            link = current_app.config["BASE_URL"].rstrip("/") + url_for(
                "auth.password_reset", token=ops.make_reset_token(user))
            queue_mail(user.email, _("Reset your Pomost password"), "password_reset", locale=user.locale,
                       user=user, link=link, ttl_minutes=current_app.config["PASSWORD_RESET_TTL"] // 60)
            db.session.commit()
        # The same answer either way: the form must not reveal who has an account.
        flash(_("If an account exists for that address, we have sent it a reset link."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/password_forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def password_reset(token: str):
    user = ops.user_for_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid, used or expired. Ask for a new one."), "danger")
        return redirect(url_for("auth.password_forgot"))
    form = NewPasswordForm()
    if form.validate_on_submit():
        ops.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    """An invited person chooses their password, is signed in and, for staff, sets up the second factor."""
    user = ops.user_for_invitation_token(token)
    form = NewPasswordForm()
    if user is not None and form.validate_on_submit():
        user = ops.accept_invitation(user, token, form.password.data)
        if user is not None:
            return _welcome(user)
    if user is None:
        flash(_("This invitation link is invalid, used or expired. Ask an administrator to send it again."),
              "danger")
        return redirect(url_for("auth.login"))
    return render_template("auth/welcome.html", form=form, user=user, programme=Programme.for_request().name)


def _welcome(user: User):
    """Sign in the person who has just chosen their first password. Staff go to the second factor's set-up
    first: where the programme requires it they cannot go anywhere else until it is done; where it does
    not, they are shown it once and may leave it for later."""
    session.clear()
    login_user(user)
    ops.record_login(user, _remote_addr(), "invitation")
    db.session.commit()
    if not user.is_staff or user.totp_enabled:
        flash(_("Welcome! Your password is set."), "success")
        return redirect(url_for("core.home"))
    if ops.totp_required(user):
        flash(_("Your password is set. Your programme requires two-factor sign-in for staff: set it up now "
                "to continue."), "warning")
    else:
        flash(_("Your password is set. Now protect your account with two-factor sign-in (you can also do it "
                "later from your account page)."), "info")
    return redirect(url_for("auth.totp_setup"))


@bp.route("/account", methods=["GET", "POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            ops.change_password(current_user, form.password.data)
            db.session.commit()
            login_user(current_user._get_current_object())  # this browser stays signed in; the others end
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, disable_form=ConfirmForm())


def _qr_svg(uri: str) -> Markup:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])  # drop the XML prolog; the SVG is our own output


@bp.route("/account/2fa", methods=["GET", "POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def totp_setup():
    if current_user.totp_enabled:
        return redirect(url_for("auth.account"))
    secret = session.get(ENROL_SECRET) or ops.new_totp_secret()
    session[ENROL_SECRET] = secret
    form = TotpForm()
    if form.validate_on_submit():
        if ops.enable_totp(current_user, secret, form.code.data):
            session.pop(ENROL_SECRET, None)
            db.session.commit()
            login_user(current_user._get_current_object())  # this browser stays signed in; the others end
            flash(_("Two-factor sign-in is on."), "success")
            return redirect(url_for("core.home"))
        flash(_("That code is not valid. Check your device's clock and try the current code."), "danger")
    uri = ops.totp_uri(current_user, secret)
    return render_template("auth/totp_setup.html", form=form, secret=secret, qr=_qr_svg(uri))


@bp.route("/account/2fa/disable", methods=["POST"])
@require(Permission.ACCOUNT_SELF_MANAGE)
def totp_disable():
    form = ConfirmForm()
    if form.validate_on_submit() and current_user.totp_enabled:
        if ops.totp_required(current_user):
            flash(_("Your programme requires two-factor sign-in for staff; it cannot be turned off."), "warning")
        else:
            ops.disable_totp(current_user, current_user)
            db.session.commit()
            login_user(current_user._get_current_object())
            flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("auth.account"))


@bp.before_app_request
def enforce_staff_second_factor():
    if not current_user.is_authenticated or request.endpoint in ENROLMENT_ALLOWED:
        return None
    if ops.needs_totp_enrolment(current_user):
        return redirect(url_for("auth.totp_setup"))
    return None
