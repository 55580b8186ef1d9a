"""The outbox: queued in the request's transaction, delivered over SMTP, retried with backoff."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from grants.auth.models import Role
from grants.services import mail
from grants.services.mail import MailStatus, OutboxMessage
from grants.types import utcnow
from tests import factories


def _queue(app, n=1, **kw):
    with app.test_request_context():
        messages = [mail.queue_mail(f"person{i}@example.org", "Temat: zażółć", "password_reset",
                                    user=type("U", (), {"name": "Zofia"})(), link="http://x/y",
                                    ttl_minutes=60, **kw) for i in range(n)]
    mail.db.session.commit()
    return messages


def test_delivers_over_smtp(app, db, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    [message] = _queue(app)
    assert mail.deliver_due() == {"sent": 1, "retried": 0, "failed": 0}
    [received] = smtp.messages
    assert received["To"] == "person0@example.org"
    assert received["Subject"] == "Temat: zażółć"
    assert received["Message-ID"] == message.message_id
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MailStatus.SENT
    assert mail.deliver_due()["sent"] == 0  # never sent twice


def test_the_console_backend_prints_the_message_and_marks_it_sent(app, db, capsys):
    """The demo's default: confirmation and reset links can be followed without a mail server."""
    app.config.update(MAIL_BACKEND="console", SMTP_PORT=1)  # nothing listens there: it must not be tried
    [message] = _queue(app)
    assert mail.deliver_due() == {"sent": 1, "retried": 0, "failed": 0}
    out = capsys.readouterr().out
    assert "To: person0@example.org" in out and "Subject: Temat: zażółć" in out and "http://x/y" in out
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MailStatus.SENT


def test_the_demo_prints_mail_unless_told_otherwise(tmp_path, monkeypatch):
    from grants import create_app

    monkeypatch.delenv("POMOST_MAIL_BACKEND", raising=False)
    demo = {"DEMO": True, "INSTANCE_PATH": str(tmp_path), "MAIL_BACKGROUND": False}
    assert create_app(demo).config["MAIL_BACKEND"] == "console"
    assert create_app({**demo, "MAIL_BACKEND": "smtp"}).config["MAIL_BACKEND"] == "smtp"
    assert create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path)}
                      ).config["MAIL_BACKEND"] == "smtp"


def test_smtp_down_means_retry_with_backoff_then_delivery(app, db, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    [message] = _queue(app)
    smtp.refuse()
    assert mail.deliver_due()["retried"] == 1
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == MailStatus.PENDING and stored.attempts == 1
    assert stored.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert "451" in stored.last_error
    assert mail.deliver_due()["sent"] == 0  # not due yet
    smtp.refuse(False)
    mail.retry_now()
    assert mail.deliver_due()["sent"] == 1
    assert len(smtp.messages) == 1


def test_unreachable_server_is_retried_and_given_up_after_the_limit(app, db):
    app.config.update(SMTP_PORT=1, MAIL_MAX_ATTEMPTS=3)
    [message] = _queue(app)
    for _ in range(3):
        mail.retry_now()
        mail.deliver_due()
    db.session.expire_all()
    stored = db.session.get(OutboxMessage, message.id)
    assert stored.status == MailStatus.FAILED and stored.attempts == 3


def test_backoff_doubles_and_is_capped():
    assert [mail.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert mail.backoff(20) == timedelta(hours=1)


def test_concurrent_senders_send_each_message_once(app, db, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    _queue(app, n=20)
    barrier = threading.Barrier(3)

    def sender():
        with app.app_context():
            barrier.wait()
            mail.deliver_due()
            db.session.remove()

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == sorted(f"person{i}@example.org" for i in range(20))


def test_a_request_that_queues_mail_succeeds_while_smtp_is_down(app, db, auth):
    # SMTP_PORT points at a closed port in tests; the background sender is what would deliver.
    user = factories.user(Role.APPLICANT)
    response = auth.post("/password/forgot", {"email": user.email}, token_from="/password/forgot")
    assert response.status_code == 302
    assert db.session.scalars(select(OutboxMessage.status)).all() == [MailStatus.PENDING]
    assert mail.deliver_due()["retried"] == 1


def test_a_rolled_back_request_leaves_no_mail(app, db):
    _queue(app)
    db.session.rollback()
    with app.test_request_context():
        mail.queue_mail("x@example.org", "s", "password_reset", user=type("U", (), {"name": "Z"})(),
                        link="l", ttl_minutes=1)
    db.session.rollback()
    assert len(db.session.scalars(select(OutboxMessage)).all()) == 1


def test_cli_send(app, db, smtp):
    app.config.update(SMTP_PORT=smtp.port)
    _queue(app, n=2)
    result = app.test_cli_runner().invoke(args=["pomost", "mail", "send"])
    assert result.exit_code == 0 and "sent 2" in result.output


def test_an_admin_sees_the_outbox_without_bodies_and_sends_again_after_an_outage(app, db, auth, client, smtp):
    from grants.services.audit import AuditEntry

    app.config.update(SMTP_PORT=1, MAIL_MAX_ATTEMPTS=1)  # nothing listens: one attempt and it is given up
    failed, = _queue(app)
    assert mail.deliver_due()["failed"] == 1
    waiting, = _queue(app)
    db.session.get(OutboxMessage, waiting.id).next_attempt_at = utcnow() + timedelta(hours=1)
    db.session.commit()

    auth.login(factories.user(Role.ADMIN, locale="en").email)
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "person0@example.org" in page and "Temat: zażółć" in page and "ConnectionRefusedError" in page
    assert "http://x/y" not in page  # the body's link is for the recipient alone
    assert 'data-status="failed"' in page and "given up" in page and "waiting" in page
    assert client.get("/admin/mail?status=sent").get_data(as_text=True).count("person0@example.org") == 0

    app.config.update(SMTP_PORT=smtp.port, MAIL_MAX_ATTEMPTS=8)  # the server is back
    response = auth.post("/admin/mail/retry", {}, token_from="/admin/mail")
    assert response.status_code == 302
    assert "2 messages are due now" in client.get("/admin/mail").get_data(as_text=True)
    assert mail.deliver_due()["sent"] == 2 and len(smtp.messages) == 2
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "admin:mail:retried")).one()
    assert entry.data == {"requeued": 1, "due_now": 2}
