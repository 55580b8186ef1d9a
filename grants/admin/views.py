"""Administrators: users, their roles, the programme's settings and the outgoing mail. Every change is audited."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from grants.access import Permission, require
from grants.auth import operations as ops
from grants.auth.forms import (
    ConfirmForm,
    DayOffForm,
    ProgrammeForm,
    RoleForm,
    StaffInvitationForm,
    currency_choices,
    time_zone_choices,
)
from grants.auth.models import DayOff, Programme, Role, User
from grants.extensions import db
from grants.labels import ROLE_LABELS
from grants.services import audit, mail
from grants.services.mail import MailStatus, OutboxMessage
from grants.web import on_refusal, page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users")
@require(Permission.USER_ANY_MANAGE)
def users():
    q = (request.args.get("q") or "").strip()
    page = request.args.get("page", 1, type=page_number)
    query = select(User)
    if q:
        query = query.where(User.matching(q))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(User.email).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("admin/users.html", users=rows, q=q, page=page, total=total, page_size=PAGE_SIZE)


@bp.route("/users/<int:user_id>")
@require(Permission.USER_ANY_MANAGE)
def user_detail(user_id: int):
    user = _user_or_404(user_id)
    return render_template("admin/user.html", user=user, role_form=RoleForm(), confirm=ConfirmForm())


def _send_invitation(user: User) -> None:
    """Mail the invited person their link, in their language."""
    programme = Programme.for_request().name
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "auth.accept_invitation", token=ops.make_invitation_token(user))
    mail.queue_mail(user.email, _l("Your account in %(programme)s", programme=programme), "staff_invitation",
                    locale=user.locale, user=user, inviter=current_user, programme=programme, link=link,
                    days=ops.INVITATION_DAYS, roles=[ROLE_LABELS[role] for role in sorted(user.roles)],
                    second_factor=user.is_staff)


@bp.route("/users/invite", methods=["GET", "POST"])
@require(Permission.USER_ANY_MANAGE)
def invite_staff():
    form = StaffInvitationForm()

    def page(existing: User | None = None):
        return render_template("admin/invite.html", form=form, existing=existing, days=ops.INVITATION_DAYS)

    if not form.validate_on_submit():
        return page()
    on_refusal(lambda refusal: page(getattr(refusal, "user", None)))
    user, new = ops.invite_staff(form.email.data, form.name.data, form.language.data, form.roles.data, current_user)
    _send_invitation(user)
    db.session.commit()
    if new:
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    else:
        flash(_("%(email)s was already invited and has not chosen a password yet: the invitation was sent again "
                "(the earlier link no longer works).", email=user.email), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@require(Permission.USER_ANY_MANAGE)
def resend_invitation(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        on_refusal(lambda refusal: redirect(url_for("admin.user_detail", user_id=user_id)))
        ops.reinvite_staff(user, current_user)
        _send_invitation(user)
        db.session.commit()
        flash(_("The invitation was sent again to %(email)s; the earlier link no longer works.", email=user.email),
              "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@require(Permission.USER_ANY_MANAGE)
def grant_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        ops.grant_role(user, Role(form.role.data), current_user)
        db.session.commit()
        flash(_("Role granted."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/roles/<role>/revoke", methods=["POST"])
@require(Permission.USER_ANY_MANAGE)
def revoke_role(user_id: int, role: str):
    user = _user_or_404(user_id)
    if role not in set(Role) or not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user_detail", user_id=user.id))
    if user.id == current_user.id and Role(role) == Role.ADMIN:
        flash(_("You cannot take the administrator role from yourself."), "warning")
    else:
        ops.revoke_role(user, Role(role), current_user)
        db.session.commit()
        flash(_("Role revoked."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require(Permission.USER_ANY_MANAGE)
def toggle_active(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        if user.id == current_user.id:
            flash(_("You cannot deactivate your own account."), "warning")
        else:
            ops.set_active(user, not user.active, current_user)
            db.session.commit()
            flash(_("Account activated.") if user.active else _("Account deactivated."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/2fa/reset", methods=["POST"])
@require(Permission.USER_ANY_MANAGE)
def reset_totp(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit() and user.totp_enabled:
        ops.disable_totp(user, current_user)
        db.session.commit()
        flash(_("The second factor was removed. The user can set up a new one from their account page."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/sessions/end", methods=["POST"])
@require(Permission.USER_ANY_MANAGE)
def end_sessions(user_id: int):
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        ops.end_sessions(user, current_user, "ended by an administrator")
        db.session.commit()
        if user.id == current_user.id:
            return redirect(url_for("auth.login"))
        flash(_("%(name)s is signed out in every browser.", name=user.name), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/programme", methods=["GET", "POST"])
@require(Permission.PROGRAMME_SETTINGS_MANAGE)
def programme():
    settings = Programme.current()
    form = ProgrammeForm(obj=settings)
    form.currency.choices = currency_choices()
    form.time_zone.choices = time_zone_choices()
    if form.validate_on_submit():
        fields = ("name", "currency", "time_zone", "require_staff_2fa", "staff_read_drafts")
        before = {field: getattr(settings, field) for field in fields}
        for field in fields:
            setattr(settings, field, getattr(form, field).data)
        if settings.id is None:
            db.session.add(settings)
            db.session.flush()
        changed = {field: [before[field], getattr(settings, field)] for field in fields
                   if before[field] != getattr(settings, field)}
        if changed:
            audit.record("admin:programme:updated", actor=current_user, obj=settings, data=changed)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for("admin.programme"))
    return render_template("admin/programme.html", form=form, settings=settings, day_off=DayOffForm(),
                           days_off=db.session.scalars(select(DayOff).order_by(DayOff.day)).all(),
                           confirm=ConfirmForm())


@bp.route("/programme/days-off", methods=["POST"])
@require(Permission.PROGRAMME_SETTINGS_MANAGE)
def add_day_off():
    """A day off beyond the public holidays: working-day deadlines (appeals) skip it from now on."""
    form = DayOffForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("admin.programme"))
    if db.session.scalar(select(DayOff).where(DayOff.day == form.day.data)) is None:
        day = DayOff(day=form.day.data, description=form.description.data)
        db.session.add(day)
        db.session.flush()
        audit.record("admin:day_off:added", actor=current_user, obj=day,
                     data={"day": day.day.isoformat(), "description": day.description})
        db.session.commit()
    flash(_("%(day)s is a day off; deadlines counted in working days skip it.",
            day=format_date(form.day.data, "long")), "success")
    return redirect(url_for("admin.programme"))


@bp.route("/programme/days-off/<int:day_id>/remove", methods=["POST"])
@require(Permission.PROGRAMME_SETTINGS_MANAGE)
def remove_day_off(day_id: int):
    day = db.session.get(DayOff, day_id)
    if day is None or not ConfirmForm().validate_on_submit():
        abort(404)
    audit.record("admin:day_off:removed", actor=current_user, obj=day,
                 data={"day": day.day.isoformat(), "description": day.description})
    db.session.delete(day)
    db.session.commit()
    flash(_("The day off is removed."), "info")
    return redirect(url_for("admin.programme"))


@bp.route("/mail")
@require(Permission.MAIL_OUTBOX_MANAGE)
def mail_outbox():
    """What was sent, what waits for the next attempt and why, what was given up. Never the bodies:
    they hold sign-in and password links meant for their recipients alone."""
    status = request.args.get("status")
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(PAGE_SIZE)
    if status in {s.value for s in MailStatus}:
        query = query.where(OutboxMessage.status == status)
    return render_template("admin/mail.html", messages=db.session.scalars(query).all(), counts=counts,
                           status=status, statuses=list(MailStatus), form=ConfirmForm(), limit=PAGE_SIZE)


@bp.route("/mail/retry", methods=["POST"])
@require(Permission.MAIL_OUTBOX_MANAGE)
def mail_retry():
    """After the mail server is back: every waiting message is due now, and given-up ones start over."""
    form = ConfirmForm()
    if form.validate_on_submit():
        requeued, due = mail.requeue_failed(), mail.retry_now()  # committed with their audit entry
        audit.record("admin:mail:retried", actor=current_user, object_type="outbox_message", object_id="*",
                     data={"requeued": requeued, "due_now": due})
        db.session.commit()
        flash(ngettext("%(num)d message is due now and goes out with the next delivery.",
                       "%(num)d messages are due now and go out with the next delivery.", due), "success")
    return redirect(url_for("admin.mail_outbox"))
