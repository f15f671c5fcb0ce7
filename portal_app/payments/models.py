"""Payments: the office's derdengelden account, each dossier's settlement statement, and staff
messages held because they name another account number (IBAN-fraud protection)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from portal_app.core.models import utcnow

# The office has one derdengeldenrekening: the row with this id.
TRUST_ACCOUNT_ID = 1


class TrustAccount(SQLModel, table=True):
    """The office's derdengeldenrekening and the phone number clients call to check it.

    Changed only by an admin who re-confirms with their 2-step code
    (payments/services/trust_account.py); every change is audited.
    """

    id: int | None = Field(default=None, primary_key=True)
    iban: str = Field(max_length=34)  # normalized: upper case, no spaces
    account_name: str = Field(max_length=70)  # EPC QR allows 70 characters
    bank_name: str = Field(default="", max_length=100)
    office_phone: str = Field(default="", max_length=40)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class Settlement(SQLModel, table=True):
    """The nota van afrekening of a dossier: what the client pays, by when, with which reference."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", unique=True, index=True)
    # whole euro cents: no rounding on the way to the QR code
    purchase_price_cents: int = 0
    costs_cents: int = 0
    due_date: date
    reference: str = Field(max_length=35)  # EPC remittance fits 140; banks show ~35
    paid_on: date | None = None
    paid_marked_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")


class HeldStatus:
    HELD = "held"
    RELEASED = "released"
    REFUSED = "refused"


class HeldMessage(SQLModel, table=True):
    """A staff message that names an IBAN other than the office's: it waits for an admin."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    author_id: int = Field(foreign_key="account.id", index=True)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=20000)  # as typed (a reply's quote is added on release)
    parent_id: int | None = Field(default=None, foreign_key="message.id")
    submit_key: str | None = Field(default=None, max_length=64, unique=True)
    foreign_ibans: str = Field(default="", max_length=400)  # space-separated, normalized
    status: str = Field(default=HeldStatus.HELD, max_length=12, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    decided_at: datetime | None = None
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    message_id: int | None = Field(default=None, foreign_key="message.id")
