"""`flask pomost …` commands: demo data, audit verification and checkpoints, mail delivery, accounts."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import force_locale

from grants.errors import Refusal
from grants.extensions import db

pomost = AppGroup("pomost", help="Pomost administration commands.")
audit_group = AppGroup("audit", help="The hash-chained audit log and its checkpoints.")
mail_group = AppGroup("mail", help="The outgoing mail outbox.")
pomost.add_command(audit_group)
pomost.add_command(mail_group)


@audit_group.command("verify")
def audit_verify():
    """Check the whole chain and hold it against the checkpoints; exit 1 and name the first broken entry."""
    from grants.services import audit

    with force_locale("en"):
        try:
            result = audit.verify()
        except Refusal as refusal:
            raise click.ClickException(refusal.text("en")) from refusal
        if not result.ok:
            click.echo(_broken(result), err=True)
            raise SystemExit(1)
        click.echo(f"Audit chain OK: {result.checked} entries verified.")
        if result.newest is None:
            click.echo("No checkpoint yet: removing the newest entries would go unnoticed until "
                       "`flask pomost audit checkpoint` (or `pomost tick`) writes one.")
        else:
            click.echo(f"Matches {result.checkpoints} checkpoint(s); the newest, of {result.newest.time}, "
                       f"covers entries up to {result.newest.head_id}.")


@audit_group.command("checkpoint")
def audit_checkpoint():
    """Sign and store a checkpoint of the chain's head, if it has grown since the newest one."""
    written = _write_checkpoint()
    click.echo(_checkpoint_line(written) if written else "No new entries since the newest checkpoint.")


def _write_checkpoint():
    """Write a checkpoint if due; exit 1 saying why when the chain does not hold or storage fails."""
    from grants.services import audit
    from grants.services.storage import StorageError

    with force_locale("en"):
        try:
            return audit.write_checkpoint()
        except audit.ChainBroken as error:
            raise click.ClickException("Audit checkpoint NOT written. " + _broken(error.result)) from error
        except StorageError as error:
            raise click.ClickException(f"Audit checkpoint NOT written: {error}") from error


def _checkpoint_line(written) -> str:
    checkpoint, kept = written
    return (f"Audit checkpoint written: entries up to {checkpoint.head_id} "
            f"(head {checkpoint.head_hash[:16]}…) as {checkpoint.name}; {kept}.")


def _broken(result) -> str:
    where = f" at entry {result.broken_id}" if result.broken_id else ""
    return f"Audit chain BROKEN{where}: {result.reason} ({result.checked} entries before it verified)."


@mail_group.command("send")
@click.option("--retry-now", is_flag=True, help="Make waiting retries due at once (after an SMTP outage).")
def mail_send(retry_now: bool):
    """Deliver due messages from the outbox (safe to run from cron, several at once)."""
    from grants.services import mail

    if retry_now:
        mail.retry_now()
        db.session.commit()
    counts = mail.deliver_due()
    click.echo("sent {sent}, will retry {retried}, given up {failed}".format(**counts))


@pomost.command("tick")
def tick():
    """Fire the time-based transitions that are due, remind evaluators of overdue scorecards, fold the per-state
    counts of applications, and write an audit checkpoint if the audit log has grown (idempotent; safe to run
    as several copies at once)."""
    from grants.applications import counts
    from grants.engine.tick import tick as run
    from grants.evaluation import reminders
    from grants.reporting import operations as reporting
    from grants.support import jobs as support

    created = reporting.create_due()
    if created:
        click.echo(f"reporting: {created} reports created")
    fired = run()
    if not fired and not created:
        click.echo("Nothing due.")
    for name, count in sorted(fired.items()):
        click.echo(f"{name}: {count}")
    reminded = reporting.remind()
    if reminded:
        click.echo(f"reporting: {reminded} reminders sent")
    overdue = reminders.mark_overdue()
    if overdue:
        click.echo(f"evaluation: {overdue} scorecards overdue, evaluators reminded")
    for name, count in sorted(support.duties().items()):
        if count:
            click.echo(f"support: {name.replace('_', ' ')} {count}")
    counts.compact()
    written = _write_checkpoint()
    if written:
        click.echo(_checkpoint_line(written))


@pomost.command("recount")
def recount():
    """Rebuild the kept per-state counts of applications from the applications (a repair)."""
    from grants.applications import counts

    counts.recount()
    click.echo("Counts rebuilt.")


@pomost.command("seed-demo")
def seed_demo():
    """Create the demo programme and accounts (running it again changes nothing)."""
    from grants import demo

    created = demo.seed()
    db.session.commit()
    click.echo("Demo data ready" + (f" ({created} new records)." if created else " (nothing new)."))
    click.echo("Demo accounts (password for all: %s):" % demo.PASSWORD)
    for email, name, role in demo.ACCOUNTS:
        click.echo(f"  {role:<16} {email}")


@pomost.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", multiple=True, help="Repeat for several roles.")
@click.password_option()
def create_user(email: str, name: str, roles: tuple[str, ...], password: str):
    """Create an account (e.g. the first administrator)."""
    from grants.auth import operations as ops
    from grants.auth.models import Role, User

    if User.by_email(email):
        raise click.ClickException(f"{email} already has an account.")
    try:
        parsed = [Role(r) for r in roles]
    except ValueError as error:
        raise click.ClickException(f"{error}; roles are: {', '.join(r.value for r in Role)}") from error
    ops.create_user(email, name, password, roles=parsed, confirmed=True)
    db.session.commit()
    click.echo(f"Created {email}.")


@pomost.command("ensure-bucket")
def ensure_bucket():
    """Create the S3 bucket if it does not exist (no-op for local storage)."""
    from grants.services.storage import get_storage

    get_storage().ensure_bucket()
    click.echo("Storage ready.")


def init_app(app: Flask) -> None:
    app.cli.add_command(pomost)
