"""Staff pages that show each declared workflow: its diagram and, per call, objects in each state."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import get_locale
from sqlalchemy import select

from grants.access import Permission, require
from grants.calls.models import Call
from grants.engine.registry import bindings
from grants.extensions import db
from grants.processes.diagrams import DiagramUnavailable, svg
from workflows import WORKFLOWS

bp = Blueprint("workflows", __name__, url_prefix="/workflows")


def state_counts(workflow_name: str) -> dict[int, dict[str, int]]:
    """{call id: {state: number of objects}} for the model bound to the workflow, as its area counts them."""
    binding = next(b for b in bindings() if b.workflow.name == workflow_name)
    return binding.counts() if binding.counts else {}


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
