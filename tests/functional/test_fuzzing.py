"""Every form, fed what an attacker or a slipping keyboard types, answers without a server error.

The forms are read from their pages (every input, select and textarea, with its type), so a field added
later is fuzzed without this file changing. Values: text with NUL and other control characters, huge and
special numbers (NaN, sNaN, Infinity, 1e999999), dates far out of range. Before: `sNaN` as an amount, a
NUL byte in a title and a budget cost of `Infinity` (numeric(14, 2) overflow) each answered 500.
"""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import Organisation, Role
from grants.calls.models import Call, CallStatus
from tests import factories
from tests.conftest import AuthActions

SPECIAL_NUMBERS = ["NaN", "sNaN", "-sNaN", "Infinity", "-Infinity", "inf", "1e999999", "-1e999999", "9" * 40,
                   "99999999999999.99", "1" + "0" * 5000, "0x10", "1_000", "1,5", "-0", "٣", "１２"]
SPECIAL_DATES = ["0001-01-01", "0999-12-31", "9999-12-31", "10000-01-01", "2024-02-30", "-0001-01-01",
                 "1970-01-01", "2100-01-01", "1753-01-01"]
SPECIAL_TIMES = [d + t for d in SPECIAL_DATES for t in ("T00:00", "T23:59")] + ["9999-12-31T23:59:59.999999"]
SPECIAL_TEXT = ["\x00", "a\x00b", "\x1b[31m", "\x7f", "\ufeff", "\ud7ff", "\u202e", "=1+1", "' OR 1=1 --",
                "<script>alert(1)</script>", "x" * 20_001, "\r\n" * 50, "😀" * 100, "%s%n", "{{ 7*7 }}"]

texts = st.one_of(st.sampled_from(SPECIAL_TEXT), st.text(max_size=40),
                  st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=5))
numbers = st.one_of(st.sampled_from(SPECIAL_NUMBERS),
                    st.decimals(allow_nan=True, allow_infinity=True).map(str),
                    st.floats().map(repr), st.integers(min_value=-(10**30), max_value=10**30).map(str), texts)
dates = st.one_of(st.sampled_from(SPECIAL_DATES), st.dates().map(str), texts)
times = st.one_of(st.sampled_from(SPECIAL_TIMES), st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")), texts)


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name → (kind, options))."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, tuple[str, list[str]]]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(((a.get("action") or ""), {}) if (a.get("method") or "").lower() == "post" else None)
            return
        form = self.forms[-1] if self.forms else None
        if form is None or not a.get("name"):
            if tag == "option" and form is not None and self._select:
                form[1][self._select][1].append(a.get("value", ""))
            return
        if tag == "input":
            form[1].setdefault(a["name"], ((a.get("type") or "text").lower(), []))[1].append(a.get("value", ""))
        elif tag == "textarea":
            form[1][a["name"]] = ("textarea", [])
        elif tag == "select":
            form[1][a["name"]] = ("select", [])
            self._select = a["name"]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def post_forms(page: str, path: str) -> list[tuple[str, dict]]:
    reader = _Forms()
    reader.feed(page)
    skip = ("/logout", "/language", "/delete", "/attachments", "/documents")
    return [(action or path, fields) for action, fields in filter(None, reader.forms)
            if not any(part in (action or path) for part in skip)]


CELLS = 60  # values drawn per example, whatever the page: the draws never depend on the database's state
cell = st.tuples(texts, numbers, dates, times, st.integers(min_value=0, max_value=99), st.booleans())
cells = st.lists(cell, min_size=CELLS, max_size=CELLS)


def fuzzed(drawn: list, fields: dict) -> dict:
    """A value per field from the drawn cells: the kind follows the input's type; hidden fields and the
    token stay as they are."""
    values = {}
    for (name, (kind, options)), (text, number, day, time, pick, flag) in zip(fields.items(), drawn * 10):
        if name == "csrf_token" or kind in ("hidden", "submit", "file"):
            values[name] = options[:1]
        elif kind in ("checkbox", "radio", "select"):
            choices = [*options, "", "\x00", "9" * 30, text]
            values[name] = [choices[pick % len(choices)]]
        elif kind == "number":
            values[name] = [number]
        elif kind == "date":
            values[name] = [day]
        elif kind == "datetime-local":
            values[name] = [time]
        else:  # a text input may hold an amount ('1 234,50') or a date as well
            values[name] = [text if flag else (number if pick % 2 else day)]
    return values


# Generate only: examples share the database (an action fuzzed once may change what the page offers next),
# so a replay would not draw the same; a failing example is reported as it was found.
FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _fuzz(client, data, path: str) -> None:
    pick, drawn = data.draw(st.integers(min_value=0, max_value=99)), data.draw(cells)
    page = client.get(path)
    assert page.status_code < 500, path
    forms = post_forms(page.get_data(as_text=True), path) if page.status_code == 200 else []
    if not forms:  # an earlier example moved things on (fired an action, required a second factor)
        return
    action, fields = forms[pick % len(forms)]
    answer = client.post(action, data=fuzzed(drawn, fields))
    assert answer.status_code < 500, (action, answer.status_code)
    follow = answer.headers.get("Location")
    if follow and follow.startswith("/"):  # the page the person is sent to draws too
        assert client.get(follow).status_code < 500, follow


@pytest.fixture
def world(db, client):
    applicant = factories.user(Role.APPLICANT, locale="en")
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    admin = factories.user(Role.ADMIN, locale="en")
    from tests.functional.test_applying import ATTACHMENTS, FORM

    questions = [*FORM, {"id": "jobs", "type": "number", "label": {"pl": "Miejsca", "en": "Jobs"}},
                 {"id": "start", "type": "date", "label": {"pl": "Start", "en": "Start"}},
                 {"id": "money", "type": "money", "label": {"pl": "Kwota", "en": "Amount"}}]
    call = factories.call(form=questions, required_attachments=ATTACHMENTS)
    draft_call = factories.call(status=CallStatus.DRAFT, form=questions)
    organisation = factories.organisation(applicant)
    draft = factories.application(call, organisation)
    submitted = factories.application(call, organisation, status="formal_check")
    return {"applicant": applicant, "officer": officer, "admin": admin, "call": call, "draft_call": draft_call,
            "organisation": organisation, "draft": draft, "submitted": submitted}


APPLICANT_PAGES = ["/organisations/new", "/organisations/{organisation.id}/edit", "/organisations/{organisation.id}",
                   "/applications/{draft.id}/edit", "/applications/new/{call.id}", "/account"]
OFFICER_PAGES = ["/manage/calls/new/restructuring_grant", "/manage/calls/new/job_support",
                 "/manage/calls/{draft_call.id}/edit", "/applications/{submitted.id}"]
ADMIN_PAGES = ["/admin/programme", "/admin/users/{applicant.id}"]
PUBLIC_PAGES = ["/register", "/login", "/password/forgot"]


def _sign_in(client, world, role: str | None) -> None:
    if role is not None:
        AuthActions(client).login(world[role].email)


@pytest.mark.parametrize("role, path", [("applicant", p) for p in APPLICANT_PAGES]
                         + [("officer", p) for p in OFFICER_PAGES] + [("admin", p) for p in ADMIN_PAGES]
                         + [(None, p) for p in PUBLIC_PAGES])
def test_no_form_answers_a_server_error_whatever_is_typed(client, world, role, path):
    _sign_in(client, world, role)
    url = path.format(**world)
    assert post_forms(client.get(url).get_data(as_text=True), url), f"no form to fuzz on {url}"

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        _fuzz(client, data, url)

    fuzz()


def test_the_reported_inputs_are_refused_with_a_message_and_nothing_is_stored(client, auth, db, world):
    """The probe's three: an amount of sNaN, a NUL byte in a title, a budget cost of Infinity."""
    auth.login(world["applicant"].email)
    draft = world["draft"]
    path = f"/applications/{draft.id}/edit"
    fields = dict(post_forms(client.get(path).get_data(as_text=True), path))[path]
    base = {name: options[:1] for name, (kind, options) in fields.items()}
    for change, message in (({"title": "Plan\x00"}, "control characters"),
                            ({"q_money": "sNaN"}, "Enter a number up to 999,999,999,999.99"),
                            ({"q_budget-0-item": "Piec", "q_budget-0-cost": "Infinity"}, "Enter a number up to")):
        answer = client.post(path, data={**base, "title": "Plan", **change})
        assert answer.status_code == 422, change
        assert message in answer.get_data(as_text=True), change
        assert "Nothing was saved: some answers need correcting" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, draft.id).title == draft.title
    assert db.session.get(Application, draft.id).answers == draft.answers
    auth.logout()
    auth.login(world["applicant"].email)
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    page = client.get("/organisations/new").get_data(as_text=True)
    (action, org_fields), *_ = post_forms(page, "/organisations/new")
    answer = client.post(action, data={**{n: o[:1] for n, (k, o) in org_fields.items()}, "name": "Spółdzielnia\x00"})
    assert answer.status_code in (200, 422) and "control characters" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before
    assert db.session.scalar(select(func.count()).select_from(Call)) == 2


@pytest.mark.parametrize("role, path", [
    ("admin", "/admin/users?q=a%00b"), ("admin", "/admin/users?page=99999999999999999999"),
    ("admin", "/admin/users?page=-5"), ("officer", "/manage/calls/{call.id}/applications/?page=1e99"),
    ("officer", "/manage/calls/{call.id}/applications/?q=%1b%5b31m"),
    ("auditor", "/audit?before=99999999999999999999999"),
])
def test_query_arguments_no_column_can_hold_give_no_server_error(client, world, db, role, path):
    """A review found 500s for these (a NUL in a search, page and id numbers beyond the columns)."""
    if role == "auditor":
        world["auditor"] = factories.user(Role.AUDITOR, locale="en")
    _sign_in(client, world, role)
    answer = client.get(path.format(**world))
    assert answer.status_code in (200, 400), answer.status_code
