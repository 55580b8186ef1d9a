"""The evaluator's pages: the queue, the declaration, the submitted application and the scorecard."""
from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only

from grants.access import Permission, get_or_404, require
from grants.applications import queries
from grants.applications.models import Application, Attachment
from grants.applications.permissions import is_staff_view
from grants.applications.views import version_context
from grants.calls.models import Call
from grants.evaluation import operations as ops
from grants.evaluation import results
from grants.evaluation.forms import ConfirmForm, ConflictForm, scorecard_form_class
from grants.evaluation.models import AmountReduction, Scorecard, ScorecardStatus
from grants.evaluation.permissions import can_hold_scorecard, can_read_assigned_application, can_read_results
from grants.extensions import db
from grants.services import audit, pdf, uploads
from grants.types import utcnow
from grants.ui import localised
from grants.web import on_refusal, page_number
from workflows import WORKFLOWS

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
QUEUE_PAGE = 50
# What the queue shows of a card; points and justifications are long and shown only on the card's page.
QUEUE_COLUMNS = (Scorecard.id, Scorecard.application_id, Scorecard.status, Scorecard.due_at, Scorecard.saved_at)


def _locale() -> str:
    return str(get_locale())


@bp.route("/")
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def queue():
    """Assigned applications with their deadlines, those still to score first, a page at a time; titles only
    for those declared."""
    page = request.args.get("page", 1, type=page_number)
    mine = select(Scorecard).where(
        Scorecard.evaluator_id == current_user.id,
        Scorecard.status.in_((ScorecardStatus.ASSIGNED, ScorecardStatus.DECLARED, ScorecardStatus.SUBMITTED)))
    total = db.session.scalar(select(func.count()).select_from(mine.subquery()))
    cards = db.session.scalars(
        mine.options(load_only(*QUEUE_COLUMNS),
                     joinedload(Scorecard.application).load_only(Application.id, Application.number,
                                                                 Application.title, Application.call_id)
                     .joinedload(Application.call).load_only(Call.id, Call.title))
        .order_by(Scorecard.status == ScorecardStatus.SUBMITTED, Scorecard.due_at, Scorecard.id)
        .limit(QUEUE_PAGE).offset((page - 1) * QUEUE_PAGE)).all()
    return render_template("evaluation/queue.html", cards=cards, now=utcnow(), page=page, total=total,
                           page_size=QUEUE_PAGE)


def _card(card_id: int, check=can_hold_scorecard, *, for_update: bool = False) -> Scorecard:
    return get_or_404(Scorecard, card_id, check, for_update=for_update)


def _scorecard_form(card: Scorecard, formdata=None):
    criteria = ops.criteria_scored(card.application.call)
    form_class = scorecard_form_class(criteria, vote=ops.is_commission(card.application.call))
    if formdata is not None:
        return form_class(formdata)
    data = {f"points-{c['id']}": (card.points or {}).get(c["id"]) for c in criteria}
    data |= {f"justification-{c['id']}": (card.justifications or {}).get(c["id"]) for c in criteria}
    recommend = None if card.recommend is None else ("yes" if card.recommend else "no")
    return form_class(data=data | {"recommend": recommend, "comment": card.comment})


def render_card(card: Scorecard, form=None, errors: dict | None = None):
    """The declaration while assigned; afterwards the submitted version beside the scorecard."""
    if card.status == ScorecardStatus.ASSIGNED:
        return render_template("evaluation/declare.html", card=card, confirm=ConfirmForm(), conflict=ConflictForm(),
                               declaration=ops.DECLARATION.get(_locale(), ops.DECLARATION["en"]))
    application = card.application
    shown = version_context(application, queries.versions(application))
    return render_template("evaluation/scorecard.html", card=card, application=application, **shown,
                           form=form or _scorecard_form(card), errors=errors or {}, confirm=ConfirmForm(),
                           criteria=ops.criteria_scored(application.call), text=localised,
                           commission=ops.is_commission(application.call),
                           minimum=int(application.call.parameter("justification_min_chars") or 0))


@bp.route("/<int:card_id>")
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def card(card_id: int):
    card = _card(card_id)
    if card.status != ScorecardStatus.ASSIGNED:
        audit.record("evaluation:application:opened", actor=current_user, obj=card.application,
                     data={"scorecard": card.id})
        db.session.commit()
    return render_card(card)


@bp.route("/<int:card_id>/declare", methods=["POST"])
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def declare(card_id: int):
    card = _card(card_id, for_update=True)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(lambda refusal: redirect(url_for("evaluation.queue"), 303))
    ops.declare(card, current_user, _locale())
    db.session.commit()
    flash(_("Declaration recorded. You can now read and score the application."), "success")
    return redirect(url_for("evaluation.card", card_id=card.id), 303)


@bp.route("/<int:card_id>/conflict", methods=["POST"])
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def conflict(card_id: int):
    card = _card(card_id, for_update=True)
    form = ConflictForm()
    if not form.validate_on_submit():
        return render_template("evaluation/declare.html", card=card, confirm=ConfirmForm(), conflict=form,
                               declaration=ops.DECLARATION.get(_locale(), ops.DECLARATION["en"])), 422
    on_refusal(lambda refusal: redirect(url_for("evaluation.queue"), 303))
    ops.declare_conflict(card, current_user, form.reason.data)
    db.session.commit()
    flash(_("Conflict of interest recorded; the assignment is removed and the officer is told."), "info")
    return redirect(url_for("evaluation.queue"), 303)


def _posted_scores(card: Scorecard, form) -> tuple[dict, dict, bool | None, str]:
    criteria = ops.criteria_scored(card.application.call)
    points = {c["id"]: form[f"points-{c['id']}"].data for c in criteria}
    justifications = {c["id"]: form[f"justification-{c['id']}"].data or "" for c in criteria}
    recommend = {"yes": True, "no": False}.get(form.recommend.data)
    return points, justifications, recommend, form.comment.data or ""


@bp.route("/<int:card_id>/scores", methods=["POST"])
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def save(card_id: int):
    """Save the draft; with "submit", also seal it."""
    card = _card(card_id, can_read_assigned_application, for_update=True)
    form = _scorecard_form(card, request.form)
    if not form.validate():
        flash(_("Nothing was saved: some points need correcting (marked below)."), "danger")
        return render_card(card, form), 422
    on_refusal(lambda refusal: render_card(card, form, refusal.errors))
    ops.save(card, current_user, *_posted_scores(card, form))
    if "submit" in request.form:
        ops.submit(card, current_user)
        db.session.commit()
        flash(_("Vote submitted and sealed.") if ops.is_commission(card.application.call) else
              _("Scorecard submitted and sealed."), "success")
        return redirect(url_for("evaluation.queue"), 303)
    db.session.commit()
    flash(_("Draft saved."), "success")
    return redirect(url_for("evaluation.card", card_id=card.id), 303)


@bp.route("/<int:card_id>/version.pdf")
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def version_pdf(card_id: int):
    card = _card(card_id, can_read_assigned_application)
    application = card.application
    shown = version_context(application, queries.versions(application))
    if shown["shown"] is None:
        abort(404)
    audit.record("evaluation:application:downloaded", actor=current_user, obj=application,
                 data={"scorecard": card.id, "version": shown["shown"].number})
    db.session.commit()
    html = render_template("applications/version_pdf.html", application=application, locale=_locale(), **shown)
    document = pdf.html_to_pdf(html, [Path(current_app.static_folder, "css", "pdf.css")])
    name = f"{application.number or application.id}-v{shown['shown'].number}.pdf".replace("/", "-")
    return send_file(io.BytesIO(document), mimetype="application/pdf", as_attachment=True, download_name=name)


@bp.route("/<int:card_id>/files/<int:attachment_id>")
@require(Permission.APPLICATION_ASSIGNED_SCORE)
def download(card_id: int, attachment_id: int):
    """A file of the submitted version; every opening is audited."""
    card = _card(card_id, can_read_assigned_application)
    shown = version_context(card.application, queries.versions(card.application))
    frozen = {f.get("id") for f in (shown["shown"].attachments if shown["shown"] else ())}
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != card.application_id or attachment.id not in frozen:
        abort(404)
    audit.record("evaluation:attachment:downloaded", actor=current_user, obj=card.application,
                 data={"scorecard": card.id, "attachment": attachment.id, "sha256": attachment.sha256})
    db.session.commit()
    return uploads.send_stored(attachment)


AWARDED_STATES = ("selected", "agreement", "implementation", "settlement", "durability", "closed")


@bp.route("/results/<int:application_id>")
@require(Permission.ACCOUNT_SELF_MANAGE)
def application_results(application_id: int):
    """The scorecards behind a result: for staff with the evaluators' names; for the applicant, once the
    results are published, as "Evaluator 1, 2, 3" (never who)."""
    application = get_or_404(Application, application_id, can_read_results)
    cards = results.shown_scorecards(current_user, application)
    if cards is None:
        abort(404)  # the applicant before the results; someone still scoring it
    staff = is_staff_view(current_user)
    awarded = application.awarded_amount if application.status in AWARDED_STATES else None
    reduction = db.session.scalar(select(AmountReduction).where(AmountReduction.application_id == application.id))
    return render_template("evaluation/results.html", application=application, cards=cards, staff=staff,
                           score=ops.final_score(application), criteria=ops.criteria_scored(application.call),
                           commission=ops.is_commission(application.call), awarded=awarded, reduction=reduction,
                           workflow=WORKFLOWS["application"])
