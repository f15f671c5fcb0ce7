"""The settlement statement (nota van afrekening) of a dossier.

Staff enter the purchase price and the costs, the due date and the payment
reference (by default the dossier number), and mark "betaling ontvangen" with
its date. The client's dossier page is the only place a client sees payment
details: the amounts, the due date, the reference, the office's
derdengeldenrekening (from `trust_account`) and an EPC/SEPA QR code built from
exactly those values.

Clients reach a settlement only through `dossiers.get_for_account` (a foreign
or unknown dossier is "not found" and audited); staff through `require_staff`.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import formatting
from portal_app.core.services.errors import ValidationFailed
from portal_app.core.services.staff_access import require_staff
from portal_app.dossiers.services import dossiers
from portal_app.dossiers.services.staff_dossiers import get_dossier
from portal_app.notifications.services import notifications
from portal_app.payments.models import Settlement
from portal_app.payments.services import iban as iban_rules
from portal_app.payments.services import trust_account

MAX_AMOUNT_CENTS = 99_999_999_999  # the EPC QR code's limit, 999.999.999,99
MAX_REFERENCE = 35
_REFERENCE_OK = re.compile(r"^[A-Za-z0-9 /\-?:().,'+]+$")  # the SEPA character set


@dataclass(frozen=True)
class StaffSettlementView:
    """What the staff form shows (amounts as the staff member types them)."""

    exists: bool = False
    purchase_price: str = ""
    costs: str = ""
    total: str = ""
    due_date_iso: str = ""  # yyyy-mm-dd for <input type="date">
    due_date: str = ""
    reference: str = ""
    paid: bool = False
    paid_on: str = ""
    paid_on_iso: str = ""


@dataclass(frozen=True)
class ClientPaymentView:
    """The payment details as the client's dossier page shows them."""

    exists: bool = False
    purchase_price: str = ""
    costs: str = ""
    total: str = ""
    due_date: str = ""
    reference: str = ""
    paid: bool = False
    paid_on: str = ""
    # the office's account: empty when the office has not set one (then no QR code either)
    iban: str = ""
    account_name: str = ""
    bank_name: str = ""
    office_phone: str = ""
    qr_data_uri: str = ""


def parse_amount(raw: object, *, field: str) -> int:
    """Euro cents from what staff type: "405.000,00", "405000", "2145.50", "€ 2.145,50"."""
    text = re.sub(r"[\s\u00a0€]|EUR", "", str(raw or ""), flags=re.IGNORECASE)
    if not text:
        raise ValidationFailed("required", field=field, code="payments.required")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = ","
    elif text.count(".") == 1 and len(text.split(".")[1]) != 3:
        decimal_mark = "."
    else:
        decimal_mark = ","  # "405.000" is four hundred and five thousand
    thousands = "." if decimal_mark == "," else ","
    if re.search(r"[^0-9.,]", text) or text.count(decimal_mark) > 1:
        raise ValidationFailed("not an amount", field=field, code="payments.amount_invalid")
    whole, _, cents = text.partition(decimal_mark)
    if thousands in whole and not re.fullmatch(r"[0-9]{1,3}(" + re.escape(thousands) + r"[0-9]{3})+", whole):
        raise ValidationFailed("not an amount", field=field, code="payments.amount_invalid")
    try:
        value = Decimal(whole.replace(thousands, "") + "." + (cents or "0"))
    except InvalidOperation:
        raise ValidationFailed("not an amount", field=field, code="payments.amount_invalid") from None
    if len(cents) > 2 or value < 0 or value * 100 > MAX_AMOUNT_CENTS:
        raise ValidationFailed("not an amount", field=field, code="payments.amount_invalid")
    return int(value * 100)


def _euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _plain_amount(cents: int) -> str:
    """The amount as "405000,00": what the staff field shows again (Dutch decimal comma, no thousands dots)."""
    return f"{cents // 100},{cents % 100:02d}"


def parse_day(raw: object, *, field: str) -> date:
    try:
        return date.fromisoformat(str(raw or "").strip()[:10])
    except ValueError:
        raise ValidationFailed("not a date", field=field, code="payments.date_invalid") from None


def clean_reference(raw: object, default: str) -> str:
    text = " ".join(str(raw or "").split()) or default
    if len(text) > MAX_REFERENCE:
        raise ValidationFailed("too long", field="reference", code="payments.too_long", maximum=MAX_REFERENCE)
    if not _REFERENCE_OK.match(text):
        raise ValidationFailed("bad characters", field="reference", code="payments.reference_invalid")
    return text


def _for_dossier(session: Session, dossier_id: int) -> Settlement | None:
    return session.exec(select(Settlement).where(Settlement.dossier_id == dossier_id)).first()


# --------------------------------------------------------------------------- staff


def staff_view(*, session: Session, actor: Account, dossier_id: object, language: str) -> StaffSettlementView:
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # read from the database (see portal_app/core/models.py)
    row = _for_dossier(session, dossier.id)
    if row is None:
        return StaffSettlementView(reference=dossier.number)
    return StaffSettlementView(
        exists=True,
        purchase_price=_plain_amount(row.purchase_price_cents),
        costs=_plain_amount(row.costs_cents),
        total=formatting.format_amount(_euros(row.purchase_price_cents + row.costs_cents), language),
        due_date_iso=row.due_date.isoformat(),
        due_date=formatting.format_date(row.due_date, language, style="long"),
        reference=row.reference,
        paid=row.paid_on is not None,
        paid_on=formatting.format_date(row.paid_on, language, style="long"),
        paid_on_iso=row.paid_on.isoformat() if row.paid_on else "",
    )


def save(
    *,
    session: Session,
    actor: Account,
    dossier_id: object,
    purchase_price: object,
    costs: object,
    due_date: object,
    reference: object,
    ip: str | None = None,
) -> Settlement:
    """Create or change the dossier's settlement statement (audited with old and new values)."""
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None and actor.id is not None  # stored rows
    price = parse_amount(purchase_price, field="purchase_price")
    cost = parse_amount(costs or "0", field="costs")
    if price + cost <= 0 or price + cost > MAX_AMOUNT_CENTS:
        raise ValidationFailed("nothing to pay", field="purchase_price", code="payments.amount_invalid")
    due = parse_day(due_date, field="due_date")
    ref = clean_reference(reference, dossier.number)
    row = _for_dossier(session, dossier.id)
    before = (
        {
            "price": row.purchase_price_cents,
            "costs": row.costs_cents,
            "due": row.due_date.isoformat(),
            "ref": row.reference,
        }
        if row is not None
        else None
    )
    if row is None:
        row = Settlement(dossier_id=dossier.id, due_date=due, reference=ref)
    row.purchase_price_cents, row.costs_cents, row.due_date, row.reference = price, cost, due, ref
    row.updated_at = utcnow()
    row.updated_by_id = actor.id
    session.add(row)
    audit.record(
        session,
        "payments.settlement_saved",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"dossier:{dossier.id}",
        ip=ip,
        detail={"before": before, "price": price, "costs": cost, "due": due.isoformat(), "ref": ref},
    )
    session.flush()
    after = {"price": price, "costs": cost, "due": due.isoformat(), "ref": ref}
    if before != after:
        # published or changed: the clients hear of it through the calm digest (never the amounts)
        notifications.notify_dossier_clients(session, dossier=dossier, kind="settlement")
    return row


def set_paid(
    *, session: Session, actor: Account, dossier_id: object, paid_on: object, ip: str | None = None
) -> Settlement:
    """Mark "betaling ontvangen" on `paid_on` (a yyyy-mm-dd day), or clear it with ""."""
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # read from the database
    row = _for_dossier(session, dossier.id)
    if row is None:
        raise ValidationFailed("no settlement", field="paid_on", code="payments.no_settlement")
    day = parse_day(paid_on, field="paid_on") if str(paid_on or "").strip() else None
    if day is not None and day > formatting.now_local().date():
        raise ValidationFailed("in the future", field="paid_on", code="payments.date_future")
    row.paid_on = day
    row.paid_marked_by_id = actor.id if day is not None else None
    row.updated_at = utcnow()
    session.add(row)
    audit.record(
        session,
        "payments.paid_marked" if day is not None else "payments.paid_cleared",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"dossier:{dossier.id}",
        ip=ip,
        detail={"paid_on": day.isoformat() if day else None},
    )
    session.flush()
    return row


# --------------------------------------------------------------------------- client


def client_view(
    *, session: Session, account: Account, dossier_id: object, language: str, ip: str | None = None
) -> ClientPaymentView:
    """The dossier's payment details for a client who may see the dossier (else NotFound, audited)."""
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    assert dossier.id is not None  # read from the database
    row = _for_dossier(session, dossier.id)
    if row is None:
        return ClientPaymentView()
    office = trust_account.current(session)
    total = _euros(row.purchase_price_cents + row.costs_cents)
    qr = ""
    if office is not None and row.paid_on is None:
        payload = iban_rules.epc_payload(
            name=office.account_name, iban=office.iban, amount=total, remittance=row.reference
        )
        qr = iban_rules.qr_svg_data_uri(payload)
    return ClientPaymentView(
        exists=True,
        purchase_price=formatting.format_amount(_euros(row.purchase_price_cents), language),
        costs=formatting.format_amount(_euros(row.costs_cents), language),
        total=formatting.format_amount(total, language),
        due_date=formatting.format_date(row.due_date, language, style="long"),
        reference=row.reference,
        paid=row.paid_on is not None,
        paid_on=formatting.format_date(row.paid_on, language, style="long"),
        iban=iban_rules.grouped(office.iban) if office else "",
        account_name=office.account_name if office else "",
        bank_name=office.bank_name if office else "",
        office_phone=office.office_phone if office else "",
        qr_data_uri=qr,
    )


def paid_on(session: Session, dossier_id: int) -> tuple[bool, date | None]:
    """(has a settlement, the day payment was received) for the road."""
    row = _for_dossier(session, dossier_id)
    return (row is not None, row.paid_on if row is not None else None)


def store_for_demo(
    session: Session, *, dossier_id: int, purchase_price_cents: int, costs_cents: int, due_date: date, reference: str
) -> None:
    """Demo data only (portal_app/demo.py)."""
    row = _for_dossier(session, dossier_id) or Settlement(dossier_id=dossier_id, due_date=due_date, reference=reference)
    row.purchase_price_cents, row.costs_cents, row.due_date, row.reference = (
        purchase_price_cents,
        costs_cents,
        due_date,
        reference,
    )
    session.add(row)
    session.flush()
