"""Filters a person keeps under a name on a staff list, to open the same list again in one click.

Each list adds the two routes (save, delete) to its blueprint with `add_routes` and draws the bar with the
partial templates/_saved_filters.html from what `bar` returns. Saved filters are each person's own: another
person neither sees them nor can delete them (404, as if they did not exist).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete, select
from wtforms import HiddenField, StringField
from wtforms.validators import DataRequired, Length

from grants.access import Permission, require
from grants.applications.models import SavedFilter
from grants.extensions import db
from grants.forms import BaseForm

MAX_SAVED = 50


class SaveFilterForm(BaseForm):
    name = StringField(_l("Name these filters"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(message=_l("Give them a name.")),
                                   Length(max=80, message=_l("At most 80 characters."))])
    query = HiddenField()


@dataclass(frozen=True)
class Bar:
    """What the partial draws: the person's saved filters and the form that saves the filters in use."""

    items: list[SavedFilter]
    form: SaveFilterForm
    index: str  # the list's endpoint
    save: str
    delete: str


def saved_filters(list_name: str) -> list[SavedFilter]:
    """The current user's saved filters of a list, by name."""
    return list(db.session.scalars(select(SavedFilter).where(SavedFilter.user_id == current_user.id,
                                                             SavedFilter.list_name == list_name)
                                   .order_by(SavedFilter.name)))


def bar(bp: Blueprint, list_name: str, index_endpoint: str, args: dict[str, str]) -> Bar:
    """The bar of a list whose routes `add_routes` added to `bp`, offering to save the filters in `args`."""
    return Bar(items=saved_filters(list_name), form=SaveFilterForm(query=urlencode(args)), index=index_endpoint,
               save=f"{bp.name}.save_filter", delete=f"{bp.name}.delete_filter")


def add_routes(bp: Blueprint, list_name: str, keys: Iterable[str], index_endpoint: str,
               permission: Permission) -> None:
    """Add POST <prefix>/filters (save) and POST <prefix>/filters/<id>/delete to the list's blueprint, for those
    holding `permission`; a saved query keeps only the list's own `keys`."""
    keys = frozenset(keys)

    def back(query: str = ""):
        return redirect(url_for(index_endpoint) + ("?" + query if query else ""), 303)

    @bp.route("/filters", methods=["POST"], endpoint="save_filter")
    @require(permission)
    def save_filter():
        """Keep the list's filters under a name (the same name again replaces them)."""
        form = SaveFilterForm()
        if not form.validate_on_submit():
            flash(" ".join(str(e) for e in form.name.errors) or _("Give the filters a name."), "danger")
            return back()
        query = urlencode({k: v for k, v in parse_qsl(form.query.data or "") if k in keys and v})
        saved = saved_filters(list_name)
        found = next((f for f in saved if f.name == form.name.data.strip()), None)
        if found is None and len(saved) >= MAX_SAVED:
            flash(_("At most %(n)d saved filters: delete one first.", n=MAX_SAVED), "danger")
            return back(query)
        if found is None:
            found = SavedFilter(user_id=current_user.id, list_name=list_name, name=form.name.data.strip())
            db.session.add(found)
        found.query = query
        db.session.commit()
        flash(_("The filters are saved as “%(name)s”.", name=found.name), "success")
        return back(query)

    @bp.route("/filters/<int:filter_id>/delete", methods=["POST"], endpoint="delete_filter")
    @require(permission)
    def delete_filter(filter_id: int):
        if not BaseForm().validate_on_submit():
            abort(400)
        deleted = db.session.execute(delete(SavedFilter).where(
            SavedFilter.id == filter_id, SavedFilter.user_id == current_user.id,
            SavedFilter.list_name == list_name)).rowcount
        if not deleted:
            abort(404)
        db.session.commit()
        flash(_("The saved filters are deleted."), "success")
        return back()
