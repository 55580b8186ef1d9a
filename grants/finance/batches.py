"""Exporting approved payments as one bank file, and recording what the bank paid.

Export: the approved payments are locked, the file is made (every account valid, its total the sum of its
payments) and stored, then the batch row is written and every payment fires `export` with the batch, in the
caller's transaction. A storage failure changes nothing; a database failure after storing removes the file,
so there is never a payment marked exported without its file, nor a file without its payments.
"""
from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from grants.applications.models import Application
from grants.auth.models import User
from grants.engine.core import fire, fire_many
from grants.errors import Refusal
from grants.extensions import db
from grants.finance import bankfiles
from grants.finance.models import Agreement, Payment, PaymentBatch
from grants.locking import mark_locked
from grants.services import audit
from grants.services.storage import StorageError, get_storage
from grants.types import utcnow

KIND_TITLES = {"lump_sum": "dotacja", "advance": "zaliczka", "final": "transza koncowa", "package": "pakiet",
               "job_grant": "dotacja na miejsca pracy", "bridging": "wsparcie pomostowe", "maintain": "utrzymanie",
               "item": "zakup rzeczowy, faktura"}


def payer() -> bankfiles.Payer:
    """The operator's own account, from the configuration (POMOST_PAYER_NAME, _ACCOUNT, _BIC)."""
    cfg = current_app.config
    if not cfg.get("PAYER_ACCOUNT") or not cfg.get("PAYER_NAME"):
        raise Refusal(_l("The operator's account for bank files is not configured (POMOST_PAYER_NAME and "
                         "POMOST_PAYER_ACCOUNT): an administrator sets it."), status=409)
    return bankfiles.Payer(cfg["PAYER_NAME"], cfg["PAYER_ACCOUNT"], cfg.get("PAYER_BIC") or None)


def _approved(ids: list[int] | None) -> list[Payment]:
    # Locked first, their grantees loaded after (FOR UPDATE does not go with the outer joins of a joined load).
    query = (select(Payment).where(Payment.status == "approved").order_by(Payment.id)
             .options(selectinload(Payment.application).selectinload(Application.organisation))
             .with_for_update(of=Payment))
    if ids is not None:
        query = query.where(Payment.id.in_(ids))
    payments = list(db.session.scalars(query))
    for payment in payments:
        mark_locked(payment)  # locked by this query: the engine need not lock each again
    return payments


def _transfers(payments: list[Payment], today: date) -> list[bankfiles.Transfer]:
    numbers = dict(db.session.execute(select(Agreement.application_id, Agreement.number)
                                      .where(Agreement.application_id.in_({p.application_id for p in payments}))).all())
    return [bankfiles.Transfer(
        reference=p.reference, amount=Decimal(p.amount), account=p.bank_account or "",
        name=p.payee or p.application.organisation.name,
        title=" ".join(filter(None, (numbers.get(p.application_id, p.application.number or ""),
                                     KIND_TITLES.get(p.kind, p.kind), f"{p.period}" if p.period else "",
                                     p.payee_reference))),
        execution=max(today, p.due_at.date()) if p.due_at else today) for p in payments]


def export(fmt: str, actor: User, ids: list[int] | None = None, now: datetime | None = None) -> PaymentBatch:
    """One bank file of the approved payments (all, or those given)."""
    now = now or utcnow()
    if fmt not in bankfiles.FORMATS:
        raise Refusal(_l("Choose the format of the bank file."), status=422)
    payments = _approved(ids)
    if not payments:
        raise Refusal(_l("No approved payment is waiting for a bank file."), status=409)
    transfers = _transfers(payments, now.date())
    document = bankfiles.elixir(transfers, payer()) if fmt == "elixir" else bankfiles.sepa(transfers, payer())
    total = bankfiles.total(transfers)
    if total != sum((Decimal(p.amount) for p in payments), Decimal(0)):  # never a file that does not add up
        raise Refusal(_l("The file's total does not equal its payments: nothing was exported."), status=500)
    _, content_type, extension = bankfiles.FORMATS[fmt]
    key = f"bank-files/{now:%Y/%m}/{uuid.uuid4().hex}.{extension}"
    storage = get_storage()
    try:
        stored = storage.put(key, io.BytesIO(document), content_type=content_type)
    except StorageError as error:
        raise Refusal(_l("The bank file could not be stored just now; nothing was exported. Try again."),
                      status=503) from error
    try:
        batch = PaymentBatch(format=fmt, count=len(payments), total=total, storage_key=stored.key,
                             sha256=stored.sha256, size=stored.size, created_by_id=actor.id, created_at=now)
        db.session.add(batch)
        db.session.flush()
        fire_many([(payment, {"batch": batch.id}) for payment in payments], "export", actor, now=now)
        audit.record("finance:batch:exported", actor=actor, obj=batch,
                     data={"format": fmt, "payments": [p.id for p in payments], "total": str(total),
                           "sha256": batch.sha256})
    except BaseException:
        storage.delete(stored.key)  # no file without its payments
        raise
    return batch


def batches(limit: int = 50) -> list[PaymentBatch]:
    return list(db.session.scalars(select(PaymentBatch).options(joinedload(PaymentBatch.created_by))
                                   .order_by(PaymentBatch.id.desc()).limit(limit)))


def mark_paid(payment: Payment, actor: User, paid_on: date, reference: str) -> None:
    """The bank confirmed the transfer: the day it was paid and the bank's reference (paid is final)."""
    if not (reference or "").strip():
        raise Refusal(_l("Give the bank's reference of the transfer."), status=422,
                      errors={"reference": _l("Give the bank's reference.")})
    batch = db.session.get(PaymentBatch, payment.batch_id) if payment.batch_id else None
    if batch is not None and paid_on < batch.created_at.date():
        raise Refusal(_l("The bank cannot have paid it before %(day)s, when it was sent in a bank file.",
                         day=format_date(batch.created_at, "long")), status=422)
    fire(payment, "confirm_paid", actor, paid_on=paid_on.isoformat(), bank_reference=reference.strip()[:100])
