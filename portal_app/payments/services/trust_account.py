"""The office's derdengeldenrekening: read by every payment page, changed only by an admin.

A change needs, in this order: an active admin (anyone else is refused and audited),
valid values (IBAN mod-97, account name, bank, the office's phone number), and the
admin's own 2-step code for this session, checked by `accounts/services/twofactor.py`
(`verify_login` on the admin's live session: the same SMS/app/recovery codes, the same
guess limits). Then the change is stored, audited with the old and new account number,
and every active staff member gets a mail, so a change nobody made is noticed at once.

Callers commit on ServiceError too (`session_scope(keep_on=(ServiceError,))`): the
refusal audit events and the 2-step guess counters must be kept.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account, AccountKind, StaffRole
from portal_app.accounts.services import twofactor
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import PermissionDenied, ValidationFailed
from portal_app.core.services.staff_access import local_text
from portal_app.notifications.services import mail
from portal_app.payments.models import TRUST_ACCOUNT_ID, TrustAccount
from portal_app.payments.services import iban as iban_rules
from portal_app.settings import Settings

TARGET = "trust_account"
MAX_BANK = 100
MAX_PHONE = 40


@dataclass(frozen=True)
class TrustAccountView:
    """The account as pages show it (IBAN in groups of four)."""

    iban: str = ""
    account_name: str = ""
    bank_name: str = ""
    office_phone: str = ""
    updated_at: str = ""


def current(session: Session) -> TrustAccount | None:
    return session.get(TrustAccount, TRUST_ACCOUNT_ID)


def office_iban(session: Session) -> str | None:
    """The normalized IBAN of the office, or None while none is set."""
    row = current(session)
    return row.iban if row is not None else None


def view(session: Session) -> TrustAccountView | None:
    row = current(session)
    if row is None:
        return None
    return TrustAccountView(
        iban=iban_rules.grouped(row.iban),
        account_name=row.account_name,
        bank_name=row.bank_name,
        office_phone=row.office_phone,
        updated_at=local_text(row.updated_at),
    )


def office_phone(session: Session) -> str:
    row = current(session)
    return row.office_phone if row is not None else ""


def _text(raw: object, field: str, maximum: int, *, required: bool = True) -> str:
    text = " ".join(str(raw or "").split())
    if required and not text:
        raise ValidationFailed("required", field=field, code="payments.required")
    if len(text) > maximum:
        raise ValidationFailed("too long", field=field, code="payments.too_long", maximum=maximum)
    return text


def normalize_phone(raw: object) -> str:
    """Any valid Dutch (or international) phone number, as it is dialled in the Netherlands."""
    text = str(raw or "").strip()
    try:
        number = phonenumbers.parse(text, "NL") if text and len(text) <= MAX_PHONE else None
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed("invalid phone number", field="office_phone", code="payments.phone_invalid")
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def _refuse(session: Session, actor: Account | None, reason: str, ip: str | None) -> None:
    audit.record(
        session,
        "payments.trust_account_refused",
        actor_id=getattr(actor, "id", None),
        target=TARGET,
        ip=ip,
        detail={"reason": reason},
    )


def _require_admin(session: Session, actor: Account | None, ip: str | None) -> Account:
    fresh = session.get(Account, actor.id) if actor is not None and actor.id is not None else None
    if fresh is None or not fresh.is_staff or not fresh.is_active or fresh.staff_role != StaffRole.ADMIN:
        _refuse(session, actor, "not_admin", ip)
        raise PermissionDenied("only an office admin changes the trust account")
    return fresh


def send_code(*, session: Session, actor: Account, session_id: int, settings: Settings, ip: str | None = None) -> bool:
    """Text the admin a code for this session when they use SMS (True); app users need none (False)."""
    admin = _require_admin(session, actor, ip)
    return twofactor.send_login_sms(session=session, account=admin, session_id=session_id, settings=settings)


def change(
    *,
    session: Session,
    actor: Account,
    session_id: int,
    iban: object,
    account_name: object,
    bank_name: object,
    office_phone: object,
    code: object,
    settings: Settings,
    ip: str | None = None,
) -> TrustAccount:
    """Set the office's derdengeldenrekening (see the module doc for the checks)."""
    admin = _require_admin(session, actor, ip)
    assert admin.id is not None  # read from the database (see portal_app/core/models.py)
    new_iban = iban_rules.validated(iban)
    name = _text(account_name, "account_name", iban_rules.EPC_NAME_MAX)
    bank = _text(bank_name, "bank_name", MAX_BANK)
    phone = normalize_phone(office_phone)
    if not twofactor.is_enabled(session, admin.id):
        _refuse(session, admin, "2fa_not_enabled", ip)
        raise twofactor.SecondFactorFailed("2-step verification is off", code="payments.2fa_required")
    try:
        twofactor.verify_login(
            session=session, account=admin, session_id=session_id, code=str(code or ""), settings=settings
        )
    except twofactor.SecondFactorFailed as error:
        _refuse(session, admin, error.code, ip)
        raise
    row = current(session)
    old_iban = row.iban if row is not None else ""
    if row is None:
        row = TrustAccount(id=TRUST_ACCOUNT_ID, iban=new_iban, account_name=name)
    row.iban, row.account_name, row.bank_name, row.office_phone = new_iban, name, bank, phone
    row.updated_at = utcnow()
    row.updated_by_id = admin.id
    session.add(row)
    audit.record(
        session,
        "payments.trust_account_changed",
        actor_id=admin.id,
        target=TARGET,
        ip=ip,
        detail={"old_iban": old_iban, "new_iban": new_iban, "account_name": name, "bank": bank, "phone": phone},
    )
    _tell_staff(session, admin, new_iban, settings)
    session.flush()
    return row


def _tell_staff(session: Session, admin: Account, new_iban: str, settings: Settings) -> None:
    """Every active staff member hears of the change (the number's last four characters only)."""
    staff = session.exec(
        select(Account).where(
            Account.kind == AccountKind.STAFF, col(Account.blocked).is_(False), col(Account.deleted_at).is_(None)
        )
    ).all()
    for member in staff:
        mail.queue_mail(
            session=session,
            to=member.email,
            kind="staff_trust_account_changed",
            language=member.language,
            context={
                "name": member.name,
                "changed_by": admin.name,
                "iban_end": new_iban[-4:],
                "link": f"{settings.public_url}/staff/instellingen",
            },
            account_id=member.id,
        )


def store_for_demo(session: Session, *, iban: str, account_name: str, bank_name: str, office_phone: str) -> None:
    """Demo data only (portal_app/demo.py): set the account without an admin session."""
    row = current(session) or TrustAccount(id=TRUST_ACCOUNT_ID, iban="", account_name="")
    row.iban = iban_rules.validated(iban)
    row.account_name, row.bank_name = account_name, bank_name
    row.office_phone = normalize_phone(office_phone)
    session.add(row)
    session.flush()
