"""A development package's items bought in kind (DESIGN §3.2 c): the operator orders each one from a supplier
within the agreement's in-kind part, records the delivery with the supplier's invoice (its payment to the
supplier is then planned like any other), and the group's leader signs the handover protocol, whose scan the
group uploads. Cash and in-kind together never pass the package's award."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from grants.applications.models import Application
from grants.auth.models import User
from grants.engine.core import fire
from grants.errors import Refusal
from grants.extensions import db
from grants.finance import agreements
from grants.finance.models import Agreement, AgreementFile, Payment
from grants.identifiers import normalise_bank_account, valid_bank_account
from grants.locking import lock
from grants.services import audit, uploads
from grants.support.models import PackageItem
from workflows.base import Context
from workflows.call_types import PACKAGE_ITEMS

RUNNING = ("implementation", "settlement")
PROTOCOL_TYPES = ("application/pdf", "image/jpeg", "image/png")
PROTOCOL_MAX = 20 * 1024 * 1024


def items(application: Application) -> list[PackageItem]:
    return list(db.session.scalars(select(PackageItem).where(PackageItem.application_id == application.id)
                                   .order_by(PackageItem.id)))


def ordered_total(application: Application) -> Decimal:
    return Decimal(db.session.scalar(select(func.coalesce(func.sum(PackageItem.amount), 0))
                                     .where(PackageItem.application_id == application.id)))


def in_kind_left(agreement: Agreement) -> Decimal:
    return Decimal(agreement.in_kind_amount or 0) - ordered_total(agreement.application)


def may_order(application: Application, agreement: Agreement | None) -> bool:
    return (agreement is not None and agreement.signed_at is not None and agreement.schedule_model == PACKAGE_ITEMS
            and application.status in RUNNING and bool(agreement.in_kind_amount))


def order(application: Application, actor: User, name: str, supplier: str, order_number: str,
          amount: Decimal | None) -> PackageItem:
    """An item ordered for the group, within what is left of the agreement's in-kind part."""
    lock(application)
    agreement = agreements.for_application(application)
    if not may_order(application, agreement):
        raise Refusal(_l("Items are ordered in kind on a signed package agreement with an in-kind part."),
                      status=409)
    errors = {}
    for field, value in (("name", name), ("supplier", supplier), ("order_number", order_number)):
        if not (value or "").strip():
            errors[field] = _l("Fill this in.")
    left = in_kind_left(agreement)
    if amount is None or amount <= 0:
        errors["amount"] = _l("Give the amount.")
    elif amount > left:
        errors["amount"] = _l("Only %(amount)s of the in-kind part is left.",
                              amount=format_currency(left, application.call.currency))
    if errors:
        raise Refusal(_l("The item is not ordered: correct the marked fields."), status=422, errors=errors)
    item = PackageItem(application_id=application.id, status="ordered", in_kind=True, name=name.strip(),
                       supplier=supplier.strip(), order_number=order_number.strip(), amount=amount)
    db.session.add(item)
    db.session.flush()
    audit.record("finance:item:ordered", actor=actor, obj=application,
                 data={"item": item.id, "name": item.name, "supplier": item.supplier, "order": item.order_number,
                       "amount": str(amount)})
    return item


def delivered(item: PackageItem, actor, ctx: Context, from_state: str) -> None:
    """The delivery comes with the supplier's invoice: its payment to the supplier is planned."""
    invoice, account = (ctx.data.get("invoice_number") or "").strip(), ctx.data.get("supplier_account") or ""
    errors = {}
    if not invoice:
        errors["invoice_number"] = _l("Give the invoice's number.")
    if not valid_bank_account(account):
        errors["supplier_account"] = _l("This is not a valid account number (IBAN or the 26 digits of a Polish NRB).")
    if errors:
        raise Refusal(_l("The delivery is not recorded: correct the marked fields."), status=422, errors=errors)
    item.invoice_number, item.supplier_account = invoice[:60], normalise_bank_account(account)
    db.session.add(Payment(application_id=item.application_id, kind="item", amount=item.amount,
                           currency=item.application.call.currency, bank_account=item.supplier_account,
                           due_at=ctx.now, status="planned", package_item_id=item.id, payee=item.supplier[:200],
                           payee_reference=invoice[:60]))


def handed_over(item: PackageItem, actor, ctx: Context, from_state: str) -> None:
    if ctx.data.get("protocol") is None:
        raise Refusal(_l("Upload the handover protocol signed by the group's leader."), status=422)


def hand_over(item: PackageItem, user: User, stream, filename: str | None) -> AgreementFile:
    """The group uploads the protocol its leader signed, and with it takes the item over."""
    agreement = agreements.for_application(item.application)
    lock(item)
    upload = uploads.store(stream, filename, key_prefix=f"agreements/{item.application_id}/handover/{item.id}",
                           allowed_types=PROTOCOL_TYPES, max_size=PROTOCOL_MAX)
    with uploads.recorded(upload):
        protocol = AgreementFile(agreement_id=agreement.id, kind="handover", package_item_id=item.id,
                                 uploaded_by_id=user.id)
        protocol.take(upload)
        db.session.add(protocol)
        db.session.flush()
        fire(item, "hand_over", user, protocol=protocol.id, sha256=protocol.sha256)
    return protocol


def protocols(application: Application) -> dict[int, AgreementFile]:
    """Each item's handover protocol, by item."""
    return {f.package_item_id: f for f in db.session.scalars(
        select(AgreementFile).join(Agreement, Agreement.id == AgreementFile.agreement_id)
        .where(Agreement.application_id == application.id, AgreementFile.kind == "handover"))}
