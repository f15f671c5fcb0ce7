"""Accounts: clients (person, company main + extra accounts) and staff."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from portal_app.accounts.models import Account, AccountKind, NotificationPreference, StaffRole
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, ValidationFailed

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,252}\.[A-Za-z]{2,63}$")


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_email(email: str) -> str:
    email = normalize_email(email)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise ValidationFailed("invalid e-mail", field="email", code="account.invalid_email")
    return email


def clean_name(value: str, field: str) -> str:
    value = " ".join((value or "").split())
    if not value or len(value) > 200:
        raise ValidationFailed("invalid name", field=field, code="account.invalid_name")
    return value


def find_by_email(session: Session, email: str) -> Account | None:
    return session.exec(select(Account).where(Account.email == normalize_email(email))).first()


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None or account.deleted_at is not None:
        raise NotFound()
    return account


def _create(session: Session, account: Account, *, actor_id: int | None) -> Account:
    if find_by_email(session, account.email) is not None:
        raise ValidationFailed("e-mail in use", field="email", code="account.email_in_use")
    session.add(account)
    session.flush()
    assert account.id is not None  # flushed above (see portal_app/core/models.py)
    if not account.is_staff:
        session.add(NotificationPreference(account_id=account.id))
    audit.record(
        session,
        "account.created",
        actor_id=actor_id,
        target=f"account:{account.id}",
        detail={"kind": account.kind},
    )
    return account


def create_person(
    session: Session, *, email: str, name: str, language: str = "nl", actor_id: int | None = None
) -> Account:
    return _create(
        session,
        Account(kind=AccountKind.PERSON, email=validate_email(email), name=clean_name(name, "name"), language=language),
        actor_id=actor_id,
    )


def create_company(
    session: Session, *, email: str, name: str, company_name: str, language: str = "nl", actor_id: int | None = None
) -> Account:
    return _create(
        session,
        Account(
            kind=AccountKind.COMPANY,
            email=validate_email(email),
            name=clean_name(name, "name"),
            company_name=clean_name(company_name, "company_name"),
            language=language,
        ),
        actor_id=actor_id,
    )


def create_company_extra(
    session: Session, *, main_account: Account, email: str, name: str, language: str = "nl", actor_id: int | None = None
) -> Account:
    if main_account.kind != AccountKind.COMPANY:
        raise NotFound()
    return _create(
        session,
        Account(
            kind=AccountKind.COMPANY_EXTRA,
            email=validate_email(email),
            name=clean_name(name, "name"),
            company_name=main_account.company_name,
            parent_id=main_account.id,
            language=language,
        ),
        actor_id=actor_id,
    )


def create_staff(
    session: Session, *, email: str, name: str, role: str = StaffRole.HANDLER, actor_id: int | None = None
) -> Account:
    if role not in (StaffRole.ADMIN, StaffRole.HANDLER):
        raise ValidationFailed("bad role", field="role")
    return _create(
        session,
        Account(kind=AccountKind.STAFF, email=validate_email(email), name=clean_name(name, "name"), staff_role=role),
        actor_id=actor_id,
    )


def set_password_hash(session: Session, account: Account, password_hash: str) -> None:
    account.password_hash = password_hash
    account.password_changed_at = utcnow()
    session.add(account)
