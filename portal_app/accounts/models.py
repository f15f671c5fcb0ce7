"""People who sign in: clients (private persons, company main and extra accounts) and staff."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from portal_app.core.models import keep_trigram_index, utcnow
from portal_app.core.services.text import fold


class AccountKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"  # company main account
    COMPANY_EXTRA = "company_extra"  # extra account of a company (parent_id = main account)
    STAFF = "staff"


class StaffRole(StrEnum):
    ADMIN = "admin"
    HANDLER = "behandelaar"


class Account(SQLModel, table=True):
    # the staff client list: clients (by kind) not removed, by name; its count reads only this index
    __table_args__ = (
        Index("ix_account_kind_deleted_at_name", "kind", "deleted_at", "name"),
        # the staff client search: a common needle walks the clients by name and reads their search
        # text from this index alone, stopping at the page; a rare one asks the trigram index
        # (below; migration 0009, which replaced 0006's index in text order)
        Index("ix_account_deleted_at_name", "deleted_at", "name", "id", "client_search_text"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    email: str = Field(max_length=254, unique=True, index=True)  # stored lower-case
    name: str = Field(max_length=200)
    company_name: str | None = Field(default=None, max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    staff_role: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=32)
    language: str = Field(default="nl", max_length=2)
    password_hash: str | None = Field(default=None, max_length=100)
    password_changed_at: datetime | None = None
    first_login_done: bool = False
    blocked: bool = False
    deleted_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    # What the staff client search looks in: name, company and e-mail folded into one column
    # (client_search_text below), so a keystroke costs one LIKE per account rather than three
    # lower() calls and LIKEs. None for staff, who are not in the client list: a search needs no
    # kind condition (whose index made SQLite fetch every client row by row).
    client_search_text: str | None = Field(default=None, max_length=700)

    @property
    def is_staff(self) -> bool:
        return self.kind == AccountKind.STAFF

    @property
    def is_active(self) -> bool:
        return not self.blocked and self.deleted_at is None

    @property
    def display_name(self) -> str:
        return self.company_name or self.name if self.kind == AccountKind.COMPANY else self.name


def client_search_text(kind: str, name: str, company_name: str | None, email: str) -> str | None:
    """'jan jansen bakker b.v. jan@example.nl' for a client account; None for staff."""
    if kind == AccountKind.STAFF:
        return None
    return fold(" ".join((name or "", company_name or "", email or "")))[:700]


@event.listens_for(Account, "before_insert")
@event.listens_for(Account, "before_update")
def _keep_client_search_text(_mapper: Mapper[Account], _connection: Connection, account: Account) -> None:
    # every ORM write of an account passes here; bulk writes (the generated office) set it themselves
    account.client_search_text = client_search_text(account.kind, account.name, account.company_name, account.email)


# The staff client search's trigram index (core/models.py): `account_trigram` on SQLite
# (migration 0009), pg_trgm on PostgreSQL (0008).
keep_trigram_index(SQLModel.metadata.tables["account"], "client_search_text")


class UserSession(SQLModel, table=True):
    """A server-side session: only the sha256 of the random token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    second_factor_done: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class TokenPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"
    EMAIL_CHANGE = "email_change"


class AuthToken(SQLModel, table=True):
    """Single-use links (invitation, password reset, e-mail change); hashed."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    payload: str | None = Field(default=None, max_length=254)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class TwoFactor(SQLModel, table=True):
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    method: str = Field(max_length=10)  # sms | totp
    phone: str | None = Field(default=None, max_length=32)
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None
    enabled_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    code_hash: str = Field(max_length=100)
    used_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class OneTimeCode(SQLModel, table=True):
    """An SMS code bound to one login attempt (session) or one set-up."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    session_id: int | None = Field(default=None, foreign_key="usersession.id", index=True)
    purpose: str = Field(max_length=20)
    code_hash: str = Field(max_length=64)
    attempts: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """Failed sign-in attempts, for throttling per account address and per client address."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    ip: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, index=True)


class NotificationPreference(SQLModel, table=True):
    account_id: int = Field(foreign_key="account.id", primary_key=True)
    on_documents: bool = True
    on_questionnaires: bool = True
    on_messages: bool = True
