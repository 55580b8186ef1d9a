"""Program officers define calls: drafts of each type, the form as rows, publishing, freezing, amendments."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from grants.auth.models import Membership, MembershipRole, Role
from grants.calls.models import Call, CallAmendment, CallStatus
from grants.services import mail
from grants.services.audit import AuditEntry
from grants.types import utcnow
from tests import factories
from workflows.call_types import CALL_TYPES

UTC = timezone.utc
QUESTION = {"id": "plan", "type": "long_text", "label": {"pl": "Plan", "en": "Plan"},
            "help": {"pl": "", "en": ""}, "required": True, "options": []}


class _FormReader(HTMLParser):
    """What a browser would submit from the form with the given id: its fields as they are rendered."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, {}
        self._select = self._textarea = None
        self._select_default = None

    def _add(self, name, value):
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "y"))
            else:
                self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select, self._select_default = a.get("name"), None
        elif tag == "option" and self._select:
            if self._select_default is None:
                self._select_default = a.get("value")
            if "selected" in a:
                self._add(self._select, a.get("value"))
                self._select_default = False
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if self._select_default:
                self._add(self._select, self._select_default)
            self._select = None
        elif tag == "textarea" and self._textarea:
            name, text = self._textarea
            # As browsers do, drop the one line break that follows <textarea>.
            self._add(name, text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._textarea[1] += data


def form_of(page: str, form_id: str = "call-form") -> dict[str, list[str]]:
    reader = _FormReader(form_id)
    reader.feed(page)
    assert reader.fields, f"no form #{form_id} on the page"
    return reader.fields


def post_form(client, path: str, fields: dict, **changes):
    """Submit a form as read from its page, with some fields changed (a str, a list, or None to untick)."""
    data = {name: list(values) for name, values in fields.items()}
    for name, value in changes.items():
        name = name.replace("__", "-")
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return client.post(path, data=data)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def officer(auth, db):
    user = factories.user(Role.PROGRAM_OFFICER, locale="en")
    auth.login(user.email)
    return user


def _audit(db, action: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def _fresh(db, call_id: int) -> Call:
    db.session.expire_all()
    return db.session.get(Call, call_id)


# --- creating --------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_name", list(CALL_TYPES))
def test_officer_creates_a_draft_of_each_type_with_defaults_and_local_times(client, db, officer, type_name):
    call_type = CALL_TYPES[type_name]
    page = client.get(f"/manage/calls/new/{type_name}")
    assert page.status_code == 200 and call_type.label("en") in text(page)
    fields = form_of(text(page))
    defaults = call_type.defaults()
    assert fields["parameters-correction_days"] == [str(defaults["correction_days"])]
    assert fields["parameters-evaluators_per_application"] == [str(defaults["evaluators_per_application"])]
    assert fields["parameters-pass_threshold_percent"] == ["60"]
    assert "parameters-currency" not in fields and not any(n.endswith("_table") for n in fields)
    assert sorted(fields["parameters-eligible_organisation_types"]) == sorted(call_type.eligible_organisation_types)

    response = post_form(client, f"/manage/calls/new/{type_name}", fields, title="Nabór 2030",
                         budget="250 000,50", opens_at="2030-06-01T09:00", closes_at="2030-07-01T00:00")
    assert response.status_code == 303, text(response)[:3000]
    call = db.session.scalar(select(Call).where(Call.title == "Nabór 2030"))
    assert call.call_type == type_name and call.status == CallStatus.DRAFT and call.currency == "PLN"
    assert call.budget == Decimal("250000.50")
    # Warsaw is UTC+2 in summer: midnight on 1 July is 22:00 UTC on 30 June.
    assert call.closes_at == datetime(2030, 6, 30, 22, 0, tzinfo=UTC)
    assert call.opens_at == datetime(2030, 6, 1, 7, 0, tzinfo=UTC)
    for name, default in defaults.items():
        if f"parameters-{name}" in fields and isinstance(default, Decimal):
            assert Decimal(call.parameters[name]) == default and isinstance(call.parameters[name], str)
            assert call.parameter(name) == default
        elif f"parameters-{name}" in fields and not isinstance(default, bool):
            assert call.parameters[name] == default, name
    if type_name == "job_support":
        assert call.parameters["max_jobs"] == 10 and call.parameters["bridging_basic_months"] == 6
        assert call.parameters["requires_security"] is True
    if type_name == "development_package":
        assert call.parameters["package_cap"] == "5000.00" and call.parameters["min_group_adults"] == 3
        assert "discrepancy_percent" not in call.parameters  # one evaluator: nothing to differ
    if type_name == "restructuring_grant":
        assert call.parameter("max_requested_amount") == Decimal("100000.00")
    [created] = _audit(db, "calls:call:created")
    assert created.object_id == str(call.id) and created.data["call_type"] == type_name

    edit = text(client.get(response.headers["Location"]))
    shown = form_of(edit)
    assert shown["closes_at"] == ["2030-07-01T00:00"] and shown["opens_at"] == ["2030-06-01T09:00"]
    assert "Europe/Warsaw" in edit


def test_new_call_form_refuses_bad_basics_and_saves_nothing(client, db, officer):
    fields = form_of(text(client.get("/manage/calls/new/development_package")))
    response = post_form(client, "/manage/calls/new/development_package", fields, title="", budget="0",
                         opens_at="2030-06-01T09:00", closes_at="2030-05-01T09:00", parameters__min_group_adults="2",
                         parameters__eligible_organisation_types=None)
    page = text(response)
    assert response.status_code == 422
    for message in ("Give the call a title.", "The budget must be more than 0.", "The call must close after it opens.",
                    "At least 3.", "Choose at least one type of applicant."):
        assert message in page
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0
    assert _audit(db, "calls:call:created") == []


def test_a_time_skipped_by_the_clock_change_is_refused(client, db, officer):
    fields = form_of(text(client.get("/manage/calls/new/restructuring_grant")))
    # On 31 March 2030 Polish clocks jump from 02:00 to 03:00.
    response = post_form(client, "/manage/calls/new/restructuring_grant", fields, title="X", budget="1000",
                         opens_at="2030-03-31T02:30", closes_at="2030-05-01T09:00")
    assert response.status_code == 422 and "does not exist in Europe/Warsaw" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Call)) == 0


def test_the_type_list_leads_to_each_type(client, db, officer):
    page = text(client.get("/manage/calls/new"))
    for name, call_type in CALL_TYPES.items():
        assert f"/manage/calls/new/{name}" in page and call_type.label("en") in page
    assert client.get("/manage/calls/new/no_such_type").status_code == 404


# --- questions, attachments, criteria --------------------------------------------------------------

def _rows(**rows):
    """Form fields for rows: _rows(questions=[{...}, ...]) → {'questions-0-key': ..., ...}."""
    data = {}
    for list_name, items in rows.items():
        for i, row in enumerate(items):
            for key, value in row.items():
                data[f"{list_name}__{i}__{key}"] = value
    return data


def test_rows_are_validated_with_errors_per_row_and_nothing_is_saved(client, db, officer):
    call = factories.call(status=CallStatus.DRAFT, title="Szkic")
    version = call.version
    path = f"/manage/calls/{call.id}/edit"
    fields = form_of(text(client.get(path)))
    assert "questions-2-key" in fields and "questions-3-key" not in fields  # three spare rows
    bad = _rows(
        questions=[
            {"key": "plan", "kind": "long_text", "label_pl": "Plan", "label_en": "Plan"},
            {"key": "plan", "kind": "short_text", "label_pl": "", "label_en": "Name"},
            {"key": "sector", "kind": "single_choice", "label_pl": "Branża", "label_en": "Sector", "options": ""},
        ],
        attachments=[{"key": "statute", "name_pl": "Statut", "name_en": "Statute", "types": None}],
        criteria=[{"key": "impact", "name_pl": "Wpływ", "name_en": "Impact", "max_points": "10",
                   "section_min": "12"}],
    )
    response = post_form(client, path, fields, **bad)
    page = text(response)
    assert response.status_code == 422
    assert "The call was not saved." in page
    for message in ("This id is already used in this list.", "Give it in Polish.",
                    "List at least two options, one per line.", "Choose at least one of the listed file types.",
                    "The section minimum cannot exceed the maximum points."):
        assert page.count(message) == 1, message
    # The messages sit in the rows they concern, and the typed rows are kept.
    second = page[page.index('name="questions-1-key"'):page.index('name="questions-2-key"')]
    assert "already used" in second and "Give it in Polish." in second
    assert form_of(page)["questions-2-label_en"] == ["Sector"]
    stored = _fresh(db, call.id)
    assert stored.form == [] and stored.required_attachments == [] and stored.criteria == []
    assert stored.version == version and _audit(db, "calls:call:updated") == []

    options_on_text = post_form(client, path, fields, **_rows(questions=[
        {"key": "name", "kind": "short_text", "label_pl": "Nazwa", "label_en": "Name", "options": "a\nb"}]))
    assert options_on_text.status_code == 422 and "Only choice questions have options" in text(options_on_text)


def test_rows_are_saved_in_order_of_position_in_stored_shape(client, db, officer):
    call = factories.call(status=CallStatus.DRAFT, title="Szkic")
    version = call.version
    path = f"/manage/calls/{call.id}/edit"
    fields = form_of(text(client.get(path)))
    good = _rows(
        questions=[
            {"position": "2", "key": "sector", "kind": "single_choice", "label_pl": "Branża", "label_en": "Sector",
             "help_pl": "Wybierz jedną", "help_en": "Pick one", "options": "Usługi\r\nHandel\r\n\r\nProdukcja",
             "required": "y"},
            {"position": "1", "key": "plan", "kind": "long_text", "label_pl": "Plan", "label_en": "Plan",
             "required": None},
        ],
        attachments=[{"key": "statute", "name_pl": "Statut", "name_en": "Statute",
                      "types": ["application/pdf", "image/png"], "max_mb": "5", "required": "y"}],
        criteria=[{"key": "impact", "name_pl": "Wpływ", "name_en": "Impact", "max_points": "20", "weight": "1,50",
                   "section_min": "8"},
                  {"key": "budget", "name_pl": "Budżet", "name_en": "Budget", "max_points": "10", "weight": "1",
                   "section_min": ""}],
    )
    response = post_form(client, path, fields, **good)
    assert response.status_code == 303, text(response)[:3000]
    stored = _fresh(db, call.id)
    assert [q["id"] for q in stored.form] == ["plan", "sector"]
    assert stored.form[1] == {"id": "sector", "type": "single_choice", "label": {"pl": "Branża", "en": "Sector"},
                              "help": {"pl": "Wybierz jedną", "en": "Pick one"}, "required": True,
                              "options": ["Usługi", "Handel", "Produkcja"]}
    assert stored.form[0]["required"] is False and stored.form[0]["options"] == []
    assert stored.required_attachments == [{"id": "statute", "name": {"pl": "Statut", "en": "Statute"},
                                            "types": ["application/pdf", "image/png"], "max_size": 5 * 1024 * 1024,
                                            "required": True}]
    assert stored.criteria == [
        {"id": "impact", "name": {"pl": "Wpływ", "en": "Impact"}, "max_points": 20, "weight": "1.5", "section_min": 8},
        {"id": "budget", "name": {"pl": "Budżet", "en": "Budget"}, "max_points": 10, "weight": "1",
         "section_min": None},
    ]
    assert stored.version == version + 1
    [updated] = _audit(db, "calls:call:updated")
    assert updated.data["fields"] == ["criteria", "form", "required_attachments"]

    # The page shows the rows back; saving it unchanged writes nothing.
    again = form_of(text(client.get(path)))
    assert again["questions-0-key"] == ["plan"] and again["questions-1-options"] == ["Usługi\nHandel\nProdukcja"]
    assert again["attachments-0-max_mb"] == ["5"] and again["criteria-0-weight"] == ["1.5"]
    assert post_form(client, path, again).status_code == 303
    assert _fresh(db, call.id).version == version + 1 and len(_audit(db, "calls:call:updated")) == 1


def test_attachment_size_is_limited_to_100_mb(client, db, officer):
    call = factories.call(status=CallStatus.DRAFT)
    path = f"/manage/calls/{call.id}/edit"
    fields = form_of(text(client.get(path)))
    response = post_form(client, path, fields, **_rows(attachments=[
        {"key": "scan", "name_pl": "Skan", "name_en": "Scan", "types": ["application/pdf"], "max_mb": "101"}]))
    assert response.status_code == 422 and "Between 1 and 100 MB." in text(response)
    assert _fresh(db, call.id).required_attachments == []


# --- publishing ------------------------------------------------------------------------------------

def _publish(auth, call, version=None):
    return auth.post(f"/manage/calls/{call.id}/publish", {"version": call.version if version is None else version},
                     token_from="/manage/calls/new")


def test_publishing_is_refused_without_questions_or_after_closing(client, db, auth, officer):
    empty = factories.call(status=CallStatus.DRAFT)
    response = _publish(auth, empty)
    assert response.status_code == 422
    assert "Add at least one question to the application form." in text(response)
    assert _fresh(db, empty.id).status == CallStatus.DRAFT

    past = factories.call(status=CallStatus.DRAFT, form=[QUESTION], closes_at=utcnow() - timedelta(hours=1))
    response = _publish(auth, past)
    assert response.status_code == 422 and "The closing time has passed" in text(response)
    assert _fresh(db, past.id).status == CallStatus.DRAFT
    assert _audit(db, "calls:call:published") == []


def test_publishing_freezes_the_call(client, db, auth, officer):
    call = factories.call(status=CallStatus.DRAFT, form=[QUESTION], title="Gotowy")
    confirm = text(client.get(f"/manage/calls/{call.id}/publish"))
    assert "Once published, the call is public" in confirm
    assert client.get(f"/calls/{call.id}").status_code == 404
    response = _publish(auth, call)
    assert response.status_code == 303
    call = _fresh(db, call.id)
    assert call.status == CallStatus.PUBLISHED and call.published_at is not None
    [published] = _audit(db, "calls:call:published")
    assert published.object_id == str(call.id) and published.actor_id == officer.id
    assert client.get(f"/calls/{call.id}").status_code == 200

    path = f"/manage/calls/{call.id}/edit"
    view = client.get(path)
    assert view.status_code == 200 and 'data-testid="frozen"' in text(view)
    assert "<fieldset disabled" in text(view)
    fields = form_of(text(view))
    refused = post_form(client, path, fields, title="Zmieniony")
    assert refused.status_code == 409 and "can no longer be edited" in text(refused)
    assert _fresh(db, call.id).title == "Gotowy" and _audit(db, "calls:call:updated") == []
    assert _publish(auth, call).status_code == 303  # a second publish changes nothing
    assert len(_audit(db, "calls:call:published")) == 1


# --- amendments ------------------------------------------------------------------------------------

def _published(**fields):
    return factories.call(form=[QUESTION], published_at=utcnow(), title=fields.pop("title", "Nabór"), **fields)


def test_amendment_needs_a_reason_and_a_change(client, db, officer):
    call = _published()
    version = call.version
    path = f"/manage/calls/{call.id}/amend"
    fields = form_of(text(client.get(path)))
    no_reason = post_form(client, path, fields, budget="600000", reason="  ")
    assert no_reason.status_code == 422 and "Give the reason for the amendment" in text(no_reason)
    no_change = post_form(client, path, fields, reason="Korekta")
    assert no_change.status_code == 422 and "Nothing changed" in text(no_change)
    assert db.session.scalar(select(func.count()).select_from(CallAmendment)) == 0
    assert _fresh(db, call.id).version == version and _audit(db, "calls:call:amended") == []


def test_amendment_is_recorded_audited_and_mailed_to_draft_applicants(client, db, app, officer, smtp):
    app.config["SMTP_PORT"] = smtp.port
    call = _published(closes_at=datetime(2030, 6, 30, 22, 0, tzinfo=UTC))
    owner = factories.user(Role.APPLICANT, email="owner@example.org", locale="en")
    editor = factories.user(Role.APPLICANT, email="editor@example.org", locale="pl")
    viewer = factories.user(Role.APPLICANT, email="viewer@example.org")
    drafting = factories.application(call, owner=owner)
    db.session.add_all([Membership(user=editor, organisation=drafting.organisation, role=MembershipRole.EDITOR),
                        Membership(user=viewer, organisation=drafting.organisation, role=MembershipRole.VIEWER)])
    db.session.commit()
    factories.application(call, owner=factories.user(Role.APPLICANT, email="submitted@example.org"),
                          status="submitted")
    factories.application(_published(title="Inny"), owner=factories.user(Role.APPLICANT, email="other@example.org"))

    path = f"/manage/calls/{call.id}/amend"
    fields = form_of(text(client.get(path)))
    assert fields["closes_at"] == ["2030-07-01T00:00"]
    response = post_form(client, path, fields, closes_at="2030-07-15T12:00", budget="750000",
                         parameters__correction_days="10", reason="Przedłużenie naboru")
    assert response.status_code == 303, text(response)[:3000]

    call = _fresh(db, call.id)
    assert call.closes_at == datetime(2030, 7, 15, 10, 0, tzinfo=UTC) and call.budget == Decimal("750000.00")
    assert call.parameter("correction_days") == 10
    [amendment] = db.session.scalars(select(CallAmendment)).all()
    assert amendment.reason == "Przedłużenie naboru" and amendment.actor_id == officer.id
    assert amendment.changes == {
        "budget": ["500000.00", "750000.00"],
        "closes_at": ["2030-06-30T22:00:00+00:00", "2030-07-15T10:00:00+00:00"],
        "parameters.correction_days": [7, 10],
    }
    [amended] = _audit(db, "calls:call:amended")
    assert amended.data["reason"] == "Przedłużenie naboru"
    assert amended.data["fields"] == ["budget", "closes_at", "parameters.correction_days"]
    assert amended.data["amendment_id"] == amendment.id

    assert mail.deliver_due()["sent"] == 2
    assert sorted(m["To"] for m in smtp.messages) == ["editor@example.org", "owner@example.org"]
    to_owner = next(m for m in smtp.messages if m["To"] == "owner@example.org")
    body = to_owner.get_body(("plain",)).get_content()
    assert "has been amended" in to_owner["Subject"] and "Nabór" in to_owner["Subject"]
    assert "Przedłużenie naboru" in body and "Closes" in body and "Budget" in body
    assert "Correction window (days)" in body and f"/calls/{call.id}" in body
    assert "July 15, 2030" in body  # the new deadline, in the programme's time zone
    to_editor = next(m for m in smtp.messages if m["To"] == "editor@example.org")
    polish = to_editor.get_body(("plain",)).get_content()
    assert "Przedłużenie naboru" in polish and "Correction window (days)" not in polish  # in the editor's language

    page = text(client.get(f"/manage/calls/{call.id}/edit"))
    assert "2 people drafting an application in this call are notified" in page
    assert "Przedłużenie naboru" in page and 'data-testid="amendments"' in page


def test_drafts_cannot_be_amended_and_amendment_keeps_the_type(client, db, officer):
    draft = factories.call(status=CallStatus.DRAFT)
    assert client.get(f"/manage/calls/{draft.id}/amend").headers["Location"].endswith(f"/manage/calls/{draft.id}/edit")
    call = _published(call_type="job_support")
    fields = form_of(text(client.get(f"/manage/calls/{call.id}/amend")))
    assert "call_type" not in fields
    response = post_form(client, f"/manage/calls/{call.id}/amend", fields, call_type="restructuring_grant",
                         title="Nowy tytuł", reason="Literówka")
    assert response.status_code == 303
    call = _fresh(db, call.id)
    assert call.call_type == "job_support" and call.title == "Nowy tytuł"
    assert db.session.scalar(select(CallAmendment.changes)) == {"title": ["Nabór", "Nowy tytuł"]}


# --- who may, what exists, who was first ---------------------------------------------------------

@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.FINANCE_OFFICER, Role.AUDITOR],
                         ids=lambda r: r.value)
def test_only_call_managers_reach_the_manage_pages(client, db, auth, role):
    draft, published = factories.call(status=CallStatus.DRAFT, form=[QUESTION]), _published()
    auth.login(factories.user(role).email)
    assert client.get("/manage/calls/new").status_code == 403
    paths = ["/manage/calls/new/restructuring_grant", f"/manage/calls/{draft.id}/edit",
             f"/manage/calls/{draft.id}/publish", f"/manage/calls/{published.id}/amend",
             f"/manage/calls/{published.id}/edit"]
    for path in paths:
        assert client.get(path).status_code == 403, path
        assert auth.post(path, {"title": "x", "version": "1", "reason": "x"}).status_code == 403, path
    assert _fresh(db, draft.id).status == CallStatus.DRAFT and _audit(db, "calls:call:published") == []
    assert "/manage/calls/" not in text(client.get("/"))


def test_anonymous_users_are_sent_to_sign_in(client, db):
    call = factories.call(status=CallStatus.DRAFT)
    for path in ("/manage/calls/new", f"/manage/calls/{call.id}/edit"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_calls_answer_404(client, db, auth, officer):
    for path in ("/manage/calls/999999/edit", "/manage/calls/999999/publish", "/manage/calls/999999/amend"):
        assert client.get(path).status_code == 404, path
        assert auth.post(path, {"version": "1"}, token_from="/manage/calls/new").status_code == 404, path


def test_a_stale_form_is_refused_with_409(client, db, auth, officer):
    call = factories.call(status=CallStatus.DRAFT, form=[QUESTION], title="Pierwszy")
    first_version = call.version
    path = f"/manage/calls/{call.id}/edit"
    mine = form_of(text(client.get(path)))
    theirs = form_of(text(client.get(path)))
    assert post_form(client, path, theirs, title="Ich zmiana").status_code == 303
    response = post_form(client, path, mine, title="Moja zmiana")
    assert response.status_code == 409 and "changed meanwhile" in text(response)
    assert _fresh(db, call.id).title == "Ich zmiana"

    stale_publish = _publish(auth, call, version=first_version)
    assert stale_publish.status_code == 409 and "changed meanwhile" in text(stale_publish)
    assert _fresh(db, call.id).status == CallStatus.DRAFT

    published = _published()
    amend = f"/manage/calls/{published.id}/amend"
    mine = form_of(text(client.get(amend)))
    assert post_form(client, amend, form_of(text(client.get(amend))), title="A", reason="r").status_code == 303
    response = post_form(client, amend, mine, title="B", reason="r")
    assert response.status_code == 409 and _fresh(db, published.id).title == "A"


def test_officer_home_lists_drafts_with_status_and_links(client, db, officer):
    draft = factories.call(status=CallStatus.DRAFT, title="Szkic naboru")
    published = _published(title="Otwarty nabór")
    page = text(client.get("/officer"))
    assert "/manage/calls/new" in page
    draft_row = page[page.index(f'data-testid="call-row-{draft.id}"'):][:1500]
    assert "Szkic naboru" in draft_row and "Draft" in draft_row and f"/manage/calls/{draft.id}/edit" in draft_row
    published_row = page[page.index(f'data-testid="call-row-{published.id}"'):][:1500]
    assert "Published" in published_row and f"/manage/calls/{published.id}/amend" in published_row
    assert "Szkic naboru" not in text(client.get("/calls/"))
