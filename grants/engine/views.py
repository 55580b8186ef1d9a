"""Staff pages that show each declared workflow: its diagram and, per call, objects in each state."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from sqlalchemy import func, select

from grants.access import Permission, require
from grants.applications.counts import state_counts as application_counts
from grants.applications.models import Application
from grants.calls.models import Call
from grants.engine.diagrams import DiagramUnavailable, svg
from grants.engine.registry import bindings
from grants.extensions import db
from workflows import WORKFLOWS

bp = Blueprint("workflows", __name__, url_prefix="/workflows")


def state_counts(workflow_name: str) -> dict[int, dict[str, int]]:
    """{call id: {state: number of objects}} for the model bound to the workflow, in one query
    (applications: the counts the database keeps)."""
    binding = next(b for b in bindings() if b.workflow.name == workflow_name)
    model = binding.model
    if model is Application:
        return application_counts()
    query = (select(Application.call_id, model.status, func.count())
             .join(Application, Application.id == model.application_id)
             .group_by(Application.call_id, model.status))
    counts: dict[int, dict[str, int]] = {}
    for call_id, status, count in db.session.execute(query):
        counts.setdefault(call_id, {})[status] = count
    return counts


@bp.route("/")
@require(Permission.WORKFLOW_DEFINITION_READ)
def index():
    return render_template("workflows/index.html", workflows=list(WORKFLOWS.values()))


@bp.route("/<name>")
@require(Permission.WORKFLOW_DEFINITION_READ)
def detail(name: str):
    workflow = WORKFLOWS.get(name)
    if workflow is None:
        abort(404)
    locale = str(get_locale())
    try:
        diagram, diagram_error = svg(name, locale), None
    except DiagramUnavailable as error:
        diagram, diagram_error = None, str(error)
    counts = state_counts(name)
    calls = db.session.scalars(select(Call).where(Call.id.in_(counts)).order_by(Call.opens_at.desc())).all()
    return render_template("workflows/detail.html", workflow=workflow, locale=locale, diagram=diagram,
                           diagram_error=diagram_error, counts=counts, calls=calls)
