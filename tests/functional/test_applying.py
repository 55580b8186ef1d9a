"""An applicant fills in, attaches, submits and corrects an application; the officer checks it."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from grants.applications.models import Application, ApplicationVersion, Attachment
from grants.auth.models import Membership, MembershipRole, Role
from grants.engine.core import GuardsFailed, fire
from grants.engine.tick import tick
from grants.services import mail
from grants.types import utcnow
from tests import factories
from tests.conftest import csrf_token
from tests.support.queries import recorded_statements

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MB = 1024 * 1024
FORM = [
    {"id": "plan", "type": "long_text", "label": {"pl": "Plan", "en": "Plan"}, "required": True},
    {"id": "budget", "type": "budget_table", "label": {"pl": "Budżet", "en": "Budget"}, "required": True},
    {"id": "vat", "type": "yes_no", "label": {"pl": "VAT?", "en": "VAT payer?"}, "required": False},
]
ATTACHMENTS = [{"id": "plan_pdf", "name": {"pl": "Biznesplan", "en": "Business plan"}, "types": ["application/pdf"],
                "max_size": 1 * MB, "required": True}]


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.fixture
def setting(db):
    owner = factories.user(Role.APPLICANT, locale="en")
    organisation = factories.organisation(owner)
    call = factories.call(form=FORM, required_attachments=ATTACHMENTS)
    application = factories.application(call, organisation, requested="0")
    return {"owner": owner, "organisation": organisation, "call": call, "application": application}


def _edit_page(client, application):
    page = client.get(f"/applications/{application.id}/edit").get_data(as_text=True)
    version = int(re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1))
    return page, version


def _save(client, application, **answers):
    page, version = _edit_page(client, application)
    data = {"csrf_token": csrf_token(client, f"/applications/{application.id}/edit"), "version": version,
            "title": application.title, **answers}
    return client.post(f"/applications/{application.id}/edit", data=data)


def _upload(client, application, content: bytes, name: str, requirement="plan_pdf"):
    token = csrf_token(client, f"/applications/{application.id}")
    return client.post(f"/applications/{application.id}/attachments", content_type="multipart/form-data",
                       data={"csrf_token": token, "requirement": requirement, "file": (io.BytesIO(content), name)})


def _submit(client, application):
    _, version = _edit_page(client, application)
    return client.post(f"/applications/{application.id}/submit",
                       data={"csrf_token": csrf_token(client, f"/applications/{application.id}/edit"),
                             "version": version})


def _complete(client, application):
    _save(client, application, **{"q_plan": "Catering dla szkół", "q_budget-0-item": "Piec", "q_budget-0-cost": "30000",
                                  "q_budget-0-own": "3000", "q_budget-1-item": "Szkolenia", "q_budget-1-cost": "10000",
                                  "q_budget-1-own": "1000", "q_vat": "no"})
    assert _upload(client, application, PDF, "biznesplan.pdf").status_code == 303


def test_the_budget_table_starts_small_and_offers_more_lines_as_they_fill(client, auth, db, setting):
    """Before: twelve empty lines, and no thirteenth. Now three empty lines after the last filled one (the page's
    script adds more as they fill; without it, saving does), up to a hundred; lines may come with gaps."""
    from grants.applications.forms import BUDGET_MAX_ROWS

    application = setting["application"]
    auth.login(setting["owner"].email)
    page, _ = _edit_page(client, application)
    assert re.findall(r'name="q_budget-(\d+)-item"', page) == ["0", "1", "2"]
    assert f'data-grow="{BUDGET_MAX_ROWS}"' in page and "Save the draft and more empty lines appear" in page
    # As the script posts it after adding lines: row 7 follows row 2 (the rows between were never added).
    lines = {f"q_budget-{i}-{k}": v for i in (0, 1, 2, 7) for k, v in
             (("item", f"Pozycja {i}"), ("cost", "100"), ("own", "10"))}
    assert _save(client, application, q_plan="Plan", **lines).status_code == 303
    db.session.expire_all()
    saved = db.session.get(Application, application.id).answers["budget"]
    assert [line["item"] for line in saved] == ["Pozycja 0", "Pozycja 1", "Pozycja 2", "Pozycja 7"]
    page, _ = _edit_page(client, application)
    assert len(re.findall(r'name="q_budget-\d+-item"', page)) == 4 + 3
    # A hundred filled lines: no more empty ones are offered, and a hundred and first is not kept.
    many = {f"q_budget-{i}-{k}": v for i in range(BUDGET_MAX_ROWS + 1) for k, v in (("item", f"L{i}"), ("cost", "1"))}
    assert _save(client, application, q_plan="Plan", **many).status_code == 303
    db.session.expire_all()
    assert len(db.session.get(Application, application.id).answers["budget"]) == BUDGET_MAX_ROWS
    page, _ = _edit_page(client, application)
    assert len(re.findall(r'name="q_budget-\d+-item"', page)) == BUDGET_MAX_ROWS


def test_fill_attach_and_submit_freezes_a_version_and_sends_a_receipt(client, auth, db, app, setting, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    application = setting["application"]
    auth.login(setting["owner"].email)
    _complete(client, application)
    page, _ = _edit_page(client, application)
    assert "Requested: PLN36,000.00; own contribution 10.00% of the total." in page
    assert 'value="Piec"' in page and 'value="30000.00"' in page  # saved budget lines are shown again
    db.session.expire_all()
    assert db.session.get(Application, application.id).requested_amount == Decimal("36000.00")

    response = _submit(client, application)
    assert response.status_code == 303
    # To the version just frozen, by the argument the page reads (before: ?v=1, which it ignored).
    assert response.headers["Location"] == f"/applications/{application.id}?version=1"
    assert 'data-testid="version-pdf"' in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/applications/{application.id}?version=2").status_code == 404
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == "submitted" and application.number
    [version] = db.session.scalars(select(ApplicationVersion)).all()
    assert version.number == 1 and version.answers["plan"] == "Catering dla szkół"
    assert version.attachments[0]["sha256"] == __import__("hashlib").sha256(PDF).hexdigest()
    assert all(a.frozen_at is not None for a in db.session.scalars(select(Attachment)))
    mail.deliver_due()
    [receipt] = smtp.messages
    body = receipt.get_body(("plain",)).get_content()
    assert application.number in receipt["Subject"] and version.content_hash in body
    # Frozen: the edit page is gone, uploads and removals are refused.
    assert client.get(f"/applications/{application.id}/edit").status_code == 302
    _upload(client, application, PDF, "inny.pdf")
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_submission_is_refused_with_every_missing_item(client, auth, db, setting):
    application = setting["application"]
    auth.login(setting["owner"].email)
    page = client.post(f"/applications/{application.id}/submit",
                       data={"csrf_token": csrf_token(client, f"/applications/{application.id}/edit"),
                             "version": application.version}, follow_redirects=True).get_data(as_text=True)
    assert "Some required answers are missing." in page and "Some required attachments are missing." in page
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "draft"


@pytest.mark.parametrize("content,name,message", [
    (b"%PDF-" + b"x" * (1 * MB), "duzy.pdf", "larger than the allowed 1 MB"),
    (b"just some text, not a PDF", "umowa.pdf", "not accepted here"),
    (b"", "pusty.pdf", "The file is empty"),
    (docx_bytes(), "plan.pdf", "not accepted here"),
])
def test_bad_uploads_are_refused_and_leave_nothing(client, auth, db, app, setting, content, name, message):
    application = setting["application"]
    auth.login(setting["owner"].email)
    page = _upload(client, application, content, name)
    follow = client.get(page.headers["Location"]).get_data(as_text=True)
    assert message in follow
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    storage = app.config["STORAGE_PATH"]
    import os
    assert not os.path.exists(storage) or not any(files for _, _, files in os.walk(storage))


OFFICE_ATTACHMENT = {"id": "budget_xlsx", "name": {"pl": "Budżet", "en": "Budget sheet"}, "max_size": 1 * MB,
                     "types": ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               "application/vnd.oasis.opendocument.text"], "required": False}


def _deflated(entries: dict[str, int]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for name, mib in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with package.open(info, "w") as entry:
                for _ in range(mib):
                    entry.write(bytes(MB))
    return out.getvalue()


@pytest.mark.parametrize("entries", [{"mimetype": 150}, {"[Content_Types].xml": 0, "xl/workbook.xml": 150}],
                         ids=["odt-mimetype-bomb", "xlsx-huge-entry"])
def test_compression_bombs_are_refused_with_a_reason_and_leave_nothing(client, auth, db, app, setting, entries):
    setting["call"].required_attachments = [*ATTACHMENTS, OFFICE_ATTACHMENT]
    application = setting["application"]
    auth.login(setting["owner"].email)
    bomb = _deflated(entries)
    assert len(bomb) < 200 * 1024
    token = csrf_token(client, f"/applications/{application.id}")
    answer = client.post(f"/applications/{application.id}/attachments", content_type="multipart/form-data",
                         headers={"Accept": "application/json"},
                         data={"csrf_token": token, "requirement": "budget_xlsx", "file": (io.BytesIO(bomb), "b.xlsx")})
    assert answer.status_code == 422
    assert "would unpack to far more than its size" in answer.get_data(as_text=True)
    page = _upload(client, application, bomb, "budzet.xlsx", requirement="budget_xlsx")
    assert "would unpack to far more than its size" in client.get(page.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_file_names_are_kept_safely_and_repeated_names_are_separate_files(client, auth, db, setting):
    application = setting["application"]
    auth.login(setting["owner"].email)
    _upload(client, application, PDF, "../../etc/passwd.pdf")
    _upload(client, application, PDF, "Załącznik nr 1 – budżet.pdf")
    _upload(client, application, PDF, "Załącznik nr 1 – budżet.pdf")
    rows = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [r.original_name for r in rows] == ["passwd.pdf", "Załącznik nr 1 – budżet.pdf",
                                               "Załącznik nr 1 – budżet.pdf"]
    assert len({r.storage_key for r in rows}) == 3
    assert all(r.storage_key.startswith(f"applications/{application.id}/") and ".." not in r.storage_key for r in rows)
    download = client.get(f"/applications/{application.id}/attachments/{rows[1].id}")
    assert download.status_code == 200 and download.data == PDF
    assert "filename*=UTF-8''Za%C5%82%C4%85cznik" in download.headers["Content-Disposition"]


def test_who_may_see_and_change_an_application(client, auth, db, setting):
    application = setting["application"]
    auth.login(setting["owner"].email)
    _upload(client, application, PDF, "plan.pdf")
    attachment = db.session.scalars(select(Attachment)).one()
    auth.logout()
    paths = [f"/applications/{application.id}", f"/applications/{application.id}/edit",
             f"/applications/{application.id}/attachments/{attachment.id}"]
    viewer = factories.user(Role.APPLICANT)
    db.session.add(Membership(user=viewer, organisation=setting["organisation"], role=MembershipRole.VIEWER))
    db.session.commit()
    expected = {
        factories.user(Role.APPLICANT).email: [404, 404, 404],  # a stranger: as if it did not exist
        factories.user(Role.EVALUATOR).email: [404, 403, 404],  # editing is not an evaluator's permission at all
        viewer.email: [200, 403, 200],
        # A draft is the applicant's own until submitted (the programme's default rule).
        factories.user(Role.PROGRAM_OFFICER).email: [404, 403, 404],
        factories.user(Role.AUDITOR).email: [404, 403, 404],
    }
    for email, statuses in expected.items():
        auth.login(email)
        assert [client.get(p).status_code for p in paths] == statuses, email
        auth.logout()
    assert client.get(paths[2]).status_code == 302  # anonymous: sign in first
    application.status = "submitted"
    db.session.commit()
    for role in (Role.PROGRAM_OFFICER, Role.AUDITOR):
        auth.login(factories.user(role).email)
        assert [client.get(p).status_code for p in (paths[0], paths[2])] == [200, 200], role
        auth.logout()


def test_correction_opens_only_the_listed_items_and_the_officer_sees_the_difference(client, auth, db, app, setting):
    application = setting["application"]
    auth.login(setting["owner"].email)
    _complete(client, application)
    _submit(client, application)
    auth.logout()
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    db.session.expire_all()
    fire(db.session.get(Application, application.id), "start_check", officer)
    db.session.commit()
    auth.login(officer.email)
    page = f"/applications/{application.id}"
    assert "Formal check" in client.get(page).get_data(as_text=True)
    # Nothing ticked and no reason (the first click a person makes): both are said, nothing is written.
    version = db.session.get(Application, application.id).version
    refused = client.post(f"{page}/correction", data={"csrf_token": csrf_token(client, page), "version": version})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Choose at least one item to correct." in text
    assert "Say what to correct and why" in text
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "formal_check"
    response = client.post(f"{page}/correction", data={
        "csrf_token": csrf_token(client, page), "version": db.session.get(Application, application.id).version,
        "items": ["answer:plan", "attachment:plan_pdf"], "reason": "Plan bez harmonogramu; brak podpisu."})
    assert response.status_code == 303
    auth.logout()

    auth.login(setting["owner"].email)
    edit = client.get(f"{page}/edit").get_data(as_text=True)
    assert "only the highlighted items" in edit
    # As a browser posts it: the locked fields (title, budget, vat) are not sent at all.
    _save(client, application, **{"q_plan": "Catering z harmonogramem", "q_vat": "yes", "title": ""})
    db.session.expire_all()
    answers = db.session.get(Application, application.id).answers
    assert answers["plan"] == "Catering z harmonogramem" and answers["vat"] is False  # vat was not opened
    _upload(client, application, PDF + b"% podpisany\n", "biznesplan-podpisany.pdf")
    assert _submit(client, application).status_code == 303
    auth.logout()

    auth.login(officer.email)
    detail = client.get(page).get_data(as_text=True)
    assert "Changes in the correction" in detail and "Catering z harmonogramem" in detail
    assert "biznesplan-podpisany.pdf" in detail
    versions = db.session.scalars(select(ApplicationVersion).order_by(ApplicationVersion.number)).all()
    assert [v.number for v in versions] == [1, 2] and versions[0].content_hash != versions[1].content_hash
    assert versions[0].answers["plan"] == "Catering dla szkół"  # the first version never changes


def test_unanswered_correction_is_left_unconsidered_by_tick(db, setting):
    application = factories.application(setting["call"], setting["organisation"], status="correction",
                                        correction_due_at=utcnow() - timedelta(seconds=1))
    assert tick()["application:leave_unconsidered"] == 1
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "formally_rejected"


@pytest.mark.parametrize("closing_local", ["2026-10-26 00:00:00", "2026-03-30 00:00:00", "2026-07-01 00:00:00"],
                         ids=["day-after-dst-ends", "day-after-dst-starts", "summer"])
def test_a_second_before_local_midnight_passes_and_midnight_fails(db, setting, closing_local):
    warsaw = ZoneInfo("Europe/Warsaw")
    closes = datetime.fromisoformat(closing_local).replace(tzinfo=warsaw)
    call = factories.call(form=[], opens_at=closes - timedelta(days=60), closes_at=closes.astimezone(ZoneInfo("UTC")))
    owner = setting["owner"]
    on_time = factories.application(call, setting["organisation"], requested="1000")
    late = factories.application(call, setting["organisation"], requested="1000")
    last_second = (closes - timedelta(seconds=1)).astimezone(ZoneInfo("UTC"))
    assert last_second.astimezone(warsaw).strftime("%H:%M:%S") == "23:59:59"
    fire(on_time, "submit", owner, now=last_second)
    with pytest.raises(GuardsFailed, match="not accepting"):
        fire(late, "submit", owner, now=closes.astimezone(ZoneInfo("UTC")))


def test_smtp_down_does_not_stop_a_submission_and_the_receipt_follows(client, auth, db, app, setting, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    smtp.refuse()
    application = setting["application"]
    auth.login(setting["owner"].email)
    _complete(client, application)
    assert _submit(client, application).status_code == 303
    assert mail.deliver_due()["retried"] == 1 and smtp.messages == []
    smtp.refuse(False)
    mail.retry_now()
    assert mail.deliver_due()["sent"] == 1
    assert "received" in smtp.messages[0]["Subject"]


def test_storage_down_during_upload_leaves_the_draft_intact(client, auth, db, app, setting):
    from grants.services import storage

    application = setting["application"]
    auth.login(setting["owner"].email)
    _save(client, application, q_plan="Plan")
    app.extensions["pomost_storage"] = storage.create_storage({
        **app.config, "STORAGE": "s3", "S3_ENDPOINT_URL": "http://127.0.0.1:9", "S3_BUCKET": "down",
        "S3_ACCESS_KEY_ID": "x", "S3_SECRET_ACCESS_KEY": "y", "S3_CONNECT_TIMEOUT": 1, "S3_MAX_ATTEMPTS": 1})
    response = _upload(client, application, PDF, "plan.pdf")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not be stored just now" in page and "Your draft is safe" in page
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    db.session.expire_all()
    assert db.session.get(Application, application.id).answers["plan"] == "Plan"


def test_accept_waits_for_the_manual_checklist(client, auth, db, setting):
    from grants.services.audit import AuditEntry

    application = factories.application(factories.call(), setting["organisation"], status="formal_check",
                                        formal_checklist={})
    officer = factories.user(Role.PROGRAM_OFFICER, locale="en")
    db.session.commit()
    with pytest.raises(GuardsFailed, match="formal-check list"):
        fire(application, "accept", officer)
    db.session.rollback()
    auth.login(officer.email)
    page = f"/applications/{application.id}"
    version = db.session.get(Application, application.id).version
    client.post(f"{page}/checklist", data={"csrf_token": csrf_token(client, page), "version": version,
                                           "items": ["signed", "registry"]})
    db.session.expire_all()
    assert db.session.get(Application, application.id).formal_checklist == {"signed": True, "registry": True,
                                                                             "legible": False}
    assert 'data-trigger="accept" disabled' in client.get(page).get_data(as_text=True)
    version = db.session.get(Application, application.id).version
    client.post(f"{page}/checklist", data={"csrf_token": csrf_token(client, page), "version": version,
                                           "items": ["signed", "registry", "legible"]})
    db.session.expire_all()
    fire(db.session.get(Application, application.id), "accept", officer)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "applications:formal_check:ticked")) == 2


def test_with_s3_the_download_is_a_short_lived_presigned_redirect(client, auth, db, app, setting, s3_endpoint):
    import urllib.request

    from grants.services import storage

    s3 = storage.create_storage({**app.config, "STORAGE": "s3", "S3_ENDPOINT_URL": s3_endpoint,
                                 "S3_BUCKET": f"pomost-{setting['application'].id}-{db.engine.dialect.name}",
                                 "S3_ACCESS_KEY_ID": "test", "S3_SECRET_ACCESS_KEY": "test", "S3_URL_TTL": 120})
    s3.ensure_bucket()
    app.extensions["pomost_storage"] = s3
    application = setting["application"]
    auth.login(setting["owner"].email)
    assert _upload(client, application, PDF, "plan.pdf").status_code == 303
    attachment = db.session.scalars(select(Attachment)).one()
    response = client.get(f"/applications/{application.id}/attachments/{attachment.id}")
    assert response.status_code == 302
    url = response.headers["Location"]
    assert url.startswith(s3_endpoint) and "X-Amz-Expires=120" in url
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    assert opener.open(url).read() == PDF
    auth.logout()
    auth.login(factories.user(Role.APPLICANT).email)  # a stranger gets no URL at all
    assert client.get(f"/applications/{application.id}/attachments/{attachment.id}").status_code == 404


def test_the_application_page_runs_a_fixed_number_of_queries(client, auth, db, app, setting):
    """Whatever the number of attachments, versions and transitions, and for the applicant as for the
    officer: the user with roles and memberships, the application with call and organisation, its
    history, versions and attachments, and the programme (time zone) when a date is shown."""
    application, application_id = setting["application"], setting["application"].id
    auth.login(setting["owner"].email)

    def queries() -> list[str]:
        with recorded_statements(db.engine) as statements:
            assert client.get(f"/applications/{application_id}").status_code == 200
        return statements

    draft = queries()
    _complete(client, application)
    for n in range(3):
        assert _upload(client, application, PDF, f"aneks-{n}.pdf").status_code == 303
    assert _submit(client, application).status_code == 303
    submitted = queries()
    assert len(draft) == 5 and len(submitted) == 6, submitted
    auth.logout()
    auth.login(factories.user(Role.PROGRAM_OFFICER).email)
    assert len(queries()) == 6


def test_starting_an_application_offers_an_admitted_organisation_first(client, auth, db):
    """Before: the alphabetically first organisation was chosen, an informal group for a cooperatives' call."""
    from grants.auth.models import OrganisationType

    owner = factories.user(Role.APPLICANT, locale="en")
    factories.organisation(owner, name="Grupa Sąsiedzi", type=OrganisationType.INFORMAL_GROUP)
    coop = factories.organisation(owner, name="Spółdzielnia Zorza")
    call = factories.call()  # restructuring grants: social cooperatives only
    auth.login(owner.email)
    page = client.get(f"/applications/new/{call.id}").get_data(as_text=True)
    options = re.findall(r'<option( selected)? value="(\d+)">([^<]+)</option>', page)
    assert options[0] == (" selected", str(coop.id), "Spółdzielnia Zorza")
