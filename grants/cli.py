"""`flask pomost …` commands: demo data, audit verification, mail delivery, accounts."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from grants.extensions import db

pomost = AppGroup("pomost", help="Pomost administration commands.")
audit_group = AppGroup("audit", help="The hash-chained audit log.")
mail_group = AppGroup("mail", help="The outgoing mail outbox.")
pomost.add_command(audit_group)
pomost.add_command(mail_group)


@audit_group.command("verify")
def audit_verify():
    """Check the whole chain; exit 1 and name the first broken entry if it does not hold."""
    from grants.services import audit

    result = audit.verify()
    if result.ok:
        click.echo(f"Audit chain OK: {result.checked} entries verified.")
        return
    click.echo(f"Audit chain BROKEN at entry {result.broken_id}: {result.reason} "
               f"({result.checked} entries before it verified).", err=True)
    raise SystemExit(1)


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
    """Fire the time-based transitions that are due, then fold the per-state counts of applications
    (idempotent; safe to run as several copies at once)."""
    from grants.applications import counts
    from grants.engine.tick import tick as run

    fired = run()
    if not fired:
        click.echo("Nothing due.")
    for name, count in sorted(fired.items()):
        click.echo(f"{name}: {count}")
    counts.compact()


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
