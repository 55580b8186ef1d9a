"""One endpoint fires any workflow transition on any object the API knows, exactly as the web's buttons do: the
object is loaded (and locked) only if the caller may read it (404 otherwise), then the engine checks the caller's
role and relation, the guards and the version the caller last read."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from marshmallow import Schema, fields

from grants.access import Permission, get_or_404
from grants.api.core import WRITE, access, answers, bp
from grants.api.schemas import TransitionSchema
from grants.auth.operations import confirm_second_factor
from grants.engine.core import available_actions, fire
from grants.extensions import db

# URL name → (model, the area's check of who may read one, what the web does after firing if anything, the
# triggers that ask for the second factor again, what a trigger takes from the request besides the version)
OBJECTS: dict[str, tuple[type, Callable, Callable | None, frozenset[str], Callable]] = {}


def _nothing(_trigger: str, _data: dict) -> dict:
    return {}


def register_object(name: str, model: type, can_read: Callable, after: Callable | None = None, *,
                    step_up: Iterable[str] = (), takes: Callable[[str, dict], dict] = _nothing) -> None:
    """Let the API fire the transitions of a workflow object; each area registers its own. `after(obj, trigger,
    user)` does in the same transaction what the web's page does besides firing (e.g. release held payments).
    `step_up`: the triggers for which the web asks a person who uses a second factor for a fresh code (approving
    a payment); the API asks for it too, as `code`. `takes(trigger, body)`: what the trigger's effects read,
    as the web's form gives it (the day a recovery notice was served)."""
    OBJECTS[name] = (model, can_read, after, frozenset(step_up), takes)


class FiredSchema(Schema):
    status = fields.String(required=True, metadata={"description": "The state it is in now."})
    version = fields.Integer(required=True, metadata={"description": "Its version now."})


@bp.post("/<any(applications, payments, reports, controls, recoveries, jobs):kind>/<int:object_id>"
         "/transitions/<trigger>")
@access(WRITE, Permission.ACCOUNT_SELF_MANAGE)
@answers(404, 409)
@bp.arguments(TransitionSchema)
@bp.response(200, FiredSchema)
@bp.doc(tags=["Transitions"], summary="Fire a workflow transition", description=(
    "As the web's buttons: the engine checks the caller's role and relation, then the conditions. A refusal is "
    "problem+json: 403 for a role that may not, 422 with `unmet` listing the conditions not met, 409 when the "
    "object changed since the version sent or its state has moved on. The workflows and their triggers are "
    "described at /workflows. Approving a payment asks a person who uses a second factor for a fresh `code`, "
    "as the web does. Serving a recovery notice (`notify`) takes the day it was served as `served_on`; "
    "recording a job lost (`report_loss`) the day as `lost_on` (today when left out)."), security=[{"token": []}])
def fire_transition(data, kind: str, object_id: int, trigger: str):
    if kind not in OBJECTS:
        abort(404)
    model, can_read, after, step_up, takes = OBJECTS[kind]
    obj = get_or_404(model, object_id, can_read, for_update=True)
    # Only someone who may fire it is asked for the code (anyone else is refused by fire() below, a 403).
    if trigger in step_up and current_user.totp_enabled and \
            any(action.trigger == trigger for action in available_actions(obj, current_user)) and \
            not confirm_second_factor(current_user, data.get("code"), request.remote_addr):
        db.session.commit()  # the wrong code counts towards the sign-in lock, as in the web
        abort(422, message=_("Approving a payment asks for the code from your authenticator app again; that code "
                             "was not right."))
    fire(obj, trigger[:60], current_user, data.get("reason"), expected_version=data["version"],
         **takes(trigger, data))
    if after is not None:
        after(obj, trigger[:60], current_user)
    db.session.commit()
    return obj
