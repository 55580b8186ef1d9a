"""Public pages of calls: what is open, until when, for whom."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from sqlalchemy import select

from grants.access import public
from grants.calls.documents import documents_of
from grants.calls.labels import field_label
from grants.calls.models import Call, CallAmendment, CallStatus
from grants.extensions import db
from grants.types import utcnow

bp = Blueprint("calls", __name__, url_prefix="/calls")


@bp.route("/")
@public
def index():
    now = utcnow()
    published = db.session.scalars(
        select(Call).where(Call.status == CallStatus.PUBLISHED, Call.closes_at > now).order_by(Call.closes_at)
    ).all()
    return render_template("calls/index.html", open_calls=[c for c in published if c.opens_at <= now],
                           upcoming=[c for c in published if c.opens_at > now], locale=str(get_locale()))


@bp.route("/<int:call_id>")
@public
def detail(call_id: int):
    call = db.session.get(Call, call_id)
    if call is None or call.status != CallStatus.PUBLISHED:
        abort(404)  # drafts are not public
    now = utcnow()
    amendments = db.session.scalars(select(CallAmendment).where(CallAmendment.call_id == call.id)
                                    .order_by(CallAmendment.at)).all()
    return render_template("calls/detail.html", call=call, is_open=call.opens_at <= now < call.closes_at,
                           locale=str(get_locale()), amendments=amendments, field_label=field_label,
                           documents=documents_of(call))
