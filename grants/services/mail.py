"""Outgoing mail: an outbox table filled inside the request's transaction, and a retrying sender.

Queuing never talks to SMTP, so a mail outage cannot fail the request that queued the message.
The sender claims each due message with a conditional UPDATE (a lease), so any number of senders
(worker threads, cron runs) may run at once without sending a message twice.
"""
from __future__ import annotations

import enum
import logging
import smtplib
import sys
import threading
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from grants.extensions import db
from grants.types import UTCDateTime, str_enum, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus, "mail_status"), default=MailStatus.PENDING,
                                               index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def waiting(self) -> bool:
        """Still to be sent (at next_attempt_at)."""
        return self.status == MailStatus.PENDING


def absolute_url(endpoint: str, **values) -> str:
    """A link for a message, on the configured base URL, also when the message is queued outside a request
    (the scheduler, a command)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context():
        return base + url_for(endpoint, **values)


def queue_mail(recipient: str, subject: str, template: str, *, locale: str | None = None, **context) -> OutboxMessage:
    """Render templates/emails/<template>.txt (and .html if present) and add the message to the outbox."""
    with force_locale(locale or "pl"):
        subject = str(subject)  # a lazy subject in the recipient's language, not the sender's
        body_text = render_template(f"emails/{template}.txt", absolute_url=absolute_url, **context)
        try:
            body_html = render_template(f"emails/{template}.html", absolute_url=absolute_url, **context)
        except Exception:  # noqa: BLE001 - the HTML part is optional
            body_html = None
    domain = current_app.config["MAIL_FROM"].rsplit("@", 1)[-1].rstrip(">") or "pomost.invalid"
    message = OutboxMessage(recipient=recipient, subject=subject, body_text=body_text, body_html=body_html,
                            message_id=make_msgid(domain=domain))
    db.session.add(message)
    db.session.flush()
    _pending_wakeup.set()
    return message


def backoff(attempts: int) -> timedelta:
    """Wait 30 s after the first failure, doubling up to an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class ConsoleTransport:
    """Prints each message (headers and text part) to standard output instead of sending it."""

    def send_message(self, email: EmailMessage) -> None:
        text = email.get_body(("plain",)).get_content() if email.is_multipart() else email.get_content()
        headers = "".join(f"{name}: {email[name]}\n" for name in ("From", "To", "Subject", "Message-ID"))
        sys.stdout.write(f"----- mail (POMOST_MAIL_BACKEND=console) -----\n{headers}\n{text.rstrip()}\n"
                         "----- end of mail -----\n")
        sys.stdout.flush()

    def quit(self) -> None:
        pass


def _smtp(config) -> smtplib.SMTP | ConsoleTransport:
    if config["MAIL_BACKEND"] == "console":
        return ConsoleTransport()
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT"])
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USERNAME"]:
        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    return smtp


def _claim(message_id: int, now: datetime) -> bool:
    # Only one sender wins the conditional update; the lease lets a crashed sender's claim lapse.
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MailStatus.PENDING,
               OutboxMessage.next_attempt_at <= now)
        .values(next_attempt_at=now + LEASE)
    )
    db.session.commit()
    return result.rowcount == 1


def deliver_due(limit: int = 100) -> dict[str, int]:
    """Send every due message once; returns counts of sent, retried and failed messages."""
    config = current_app.config
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MailStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    counts = {"sent": 0, "retried": 0, "failed": 0}
    smtp = None
    try:
        for message_id in due:
            if not _claim(message_id, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                smtp = smtp or _smtp(config)
                smtp.send_message(_build(message, config["MAIL_FROM"]))
            except (OSError, smtplib.SMTPException) as error:
                smtp = None
                message.attempts += 1
                message.last_error = f"{type(error).__name__}: {error}"[:2000]
                if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                    message.status = MailStatus.FAILED
                    counts["failed"] += 1
                else:
                    message.next_attempt_at = utcnow() + backoff(message.attempts)
                    counts["retried"] += 1
                log.warning("mail %s to %s not sent: %s", message.id, message.recipient, message.last_error)
            else:
                message.attempts += 1
                message.status = MailStatus.SENT
                message.sent_at = utcnow()
                message.last_error = None
                counts["sent"] += 1
            db.session.commit()
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return counts


def requeue_failed() -> int:
    """Give the messages that ran out of attempts a fresh start, due now, in the caller's transaction;
    returns how many."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == MailStatus.FAILED)
        .values(status=MailStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    return result.rowcount


def retry_now() -> int:
    """Make every pending message due at once (after SMTP comes back), in the caller's transaction;
    returns how many."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == MailStatus.PENDING).values(next_attempt_at=utcnow())
    )
    return result.rowcount


# --- a sender thread per worker process -------------------------------------------------------

_pending_wakeup = threading.Event()
_dispatcher_lock = threading.Lock()
_dispatcher: threading.Thread | None = None
POLL_SECONDS = 30


def start_dispatcher(app: Flask) -> None:
    """Start (once per process) a daemon thread that delivers the outbox after requests and on a timer."""
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is not None and _dispatcher.is_alive():
            return
        _dispatcher = threading.Thread(target=_dispatch_forever, args=(app,), name="pomost-mail", daemon=True)
        _dispatcher.start()


def _dispatch_forever(app: Flask) -> None:
    while True:
        _pending_wakeup.wait(POLL_SECONDS)
        _pending_wakeup.clear()
        with app.app_context():
            try:
                deliver_due()
            except Exception:  # noqa: BLE001 - the sender must outlive any single failure
                log.exception("mail dispatcher failed")
                db.session.rollback()
            finally:
                db.session.remove()


def init_app(app: Flask) -> None:
    if not app.config["MAIL_BACKGROUND"]:
        return

    @app.after_request
    def _ensure_sender(response):
        # Started lazily: gunicorn forks workers after the app is created, and threads do not survive a fork.
        start_dispatcher(app)
        return response
