"""2-step verification: SMS codes, authenticator app (TOTP) and recovery codes.

Plain Python, no Reflex import. Every function that touches the database takes
a keyword-only SQLModel `session` and never commits.

IMPORTANT for callers - failed guesses must be committed
--------------------------------------------------------
A wrong code raises `SecondFactorFailed`, but the bookkeeping that limits
guessing (the attempt counter of the SMS code, the "2fa.failed" audit event
that counts the failures of the login attempt) has been added to `session`
*before* the raise. A `session_scope()` that rolls back on every exception
would throw that away and allow unlimited guessing. So catch the error inside
the transaction and let it commit::

    with session_scope() as db:
        try:
            result = twofactor.verify_login(session=db, account=account, ...)
        except twofactor.SecondFactorFailed as error:
            failure = error          # the block ends normally -> commit
    if failure is not None and failure.ends_login:
        ... end this login session and send the user back to the login page

Error codes (i18n keys) raised here
-----------------------------------
ValidationFailed:   2fa.phone_invalid (field "phone"), 2fa.secret_invalid,
                    2fa.reason_required / 2fa.reason_too_long (field "reason")
SecondFactorFailed: 2fa.invalid_code       wrong, replayed or already used code
                    2fa.expired            the SMS code is older than 10 minutes
                    2fa.new_code_needed    5 wrong guesses on this SMS code, or none sent
                    2fa.too_many_attempts  this login attempt is over (10 wrong guesses,
                                           or more than 5 SMS codes): end the session
                    2fa.not_enabled        the account has no 2-step verification
                    2fa.session_invalid    session_id is not a live session of this account
PermissionDenied:   reset_by_staff by an actor that is not an active staff member

Storage
-------
* SMS codes: HMAC-SHA256 with the server secret (`tokens.hash_code`), salted
  with account, purpose and session (and, for set-up, the phone number).
* Recovery codes: also HMAC-SHA256 with the server secret, salted with the
  account id. Why not bcrypt: a recovery code carries no identifier, so a login
  with one would have to try every unused bcrypt hash of the account (10 slow
  hashes per attempt, on every wrong guess too). The codes have ~40 bits of
  randomness and guessing is limited online (10 per login attempt), while a
  stolen database alone is useless without SECRET_KEY, which lives outside the
  database. Rotating SECRET_KEY invalidates outstanding recovery and SMS codes.
* TOTP: the secret itself must be stored (the server computes the codes), and
  the last accepted time step, so a code is never accepted twice.

A password reset never switches 2-step verification off (nothing here does).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, overload

import phonenumbers
import pyotp
import segno
from sqlalchemy import func, or_, update
from sqlmodel import Session, col, delete, select

from portal_app.accounts.models import Account, OneTimeCode, RecoveryCode, TwoFactor, UserSession
from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import tokens
from portal_app.core.services.errors import PermissionDenied, ServiceError, ValidationFailed
from portal_app.notifications.services import mail

if TYPE_CHECKING:
    from portal_app.settings import Settings

CODE_VALID = timedelta(minutes=10)
MAX_GUESSES_PER_CODE = 5
MAX_CODES_PER_SESSION = 5
MAX_FAILURES_PER_SESSION = 10
# Over all login attempts of one account: 20 wrong codes an hour (TOTP: 20 in 10^6 guesses).
MAX_FAILURES_PER_ACCOUNT = 20
ACCOUNT_WINDOW = timedelta(hours=1)
RECOVERY_CODE_COUNT = 10
TOTP_INTERVAL = 30
TOTP_VALID_WINDOW = 1
MAX_REASON_LENGTH = 500

PURPOSE_SETUP = "setup_sms"
PURPOSE_LOGIN = "login"

METHOD_SMS = "sms"
METHOD_TOTP = "totp"
METHOD_RECOVERY = "recovery"

# No 0/o, 1/l/i: easy to read from paper.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_RE = re.compile(r"^[a-z0-9]{8}$")
_OTP_RE = re.compile(r"^[0-9]{6}$")
_BASE32_RE = re.compile(r"^[A-Z2-7]{16,64}$")

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)

SMS_TEXT = {
    "nl": "Uw verificatiecode voor het klantenportaal van {office}: {code}. "
    "Deze code is 10 minuten geldig. Deel deze code met niemand.",
    "en": "Your verification code for the client portal of {office}: {code}. "
    "This code is valid for 10 minutes. Do not share this code with anyone.",
}


class SecondFactorFailed(ServiceError):
    """A second-factor code was refused; `code` says why (see the module doc)."""

    code = "2fa.invalid_code"
    # True when a code was actually compared (and so counts as a guess).
    guessed = False

    @property
    def ends_login(self) -> bool:
        """True when the caller should end this login session."""
        return self.code in ("2fa.too_many_attempts", "2fa.session_invalid")


@dataclass(frozen=True)
class VerifyResult:
    method: str  # "sms" | "totp" | "recovery"
    recovery_codes_left: int | None = None


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    method: str | None
    phone_masked: str | None
    recovery_codes_left: int


# --------------------------------------------------------------------------- helpers


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: None) -> None: ...
def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they are UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _now(now: datetime | None) -> datetime:
    return _aware(now) if now is not None else utcnow()


def _session_target(session_id: int) -> str:
    return f"session:{session_id}"


def _account_target(account_id: int) -> str:
    return f"account:{account_id}"


def _otp_salt(account_id: int, purpose: str, session_id: int, phone: str | None = None) -> str:
    salt = f"{account_id}:{purpose}:{session_id}"
    return f"{salt}:{phone}" if phone else salt


def _clean_input(code: str | None) -> str:
    return re.sub(r"[\s\-]", "", str(code or ""))[:64].lower()


def _check_login_session(session: Session, account: Account, session_id: int) -> UserSession:
    row = session.get(UserSession, session_id) if isinstance(session_id, int) else None
    if row is None or row.account_id != account.id or row.ended_at is not None:
        raise SecondFactorFailed("not a live session of this account", code="2fa.session_invalid")
    return row


def _language(account: Account) -> str:
    return account.language if account.language in SMS_TEXT else "nl"


# --------------------------------------------------------------------------- phone numbers


def normalize_phone(raw: str) -> str:
    """A Dutch-by-default mobile number in E.164 ('06 12345678' -> '+31612345678')."""
    text = str(raw or "").strip()
    if not text or len(text) > 40:
        raise ValidationFailed("invalid phone number", field="phone", code="2fa.phone_invalid")
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        raise ValidationFailed("invalid phone number", field="phone", code="2fa.phone_invalid") from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in _MOBILE_TYPES:
        raise ValidationFailed("not a mobile number", field="phone", code="2fa.phone_invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """'+31612345678' -> '+31 6 ** ** ** 78': only the last two digits are shown."""
    text = str(e164 or "")
    try:
        number = phonenumbers.parse(text, None)
        prefix = f"+{number.country_code}"
        national = phonenumbers.national_significant_number(number)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", text)
        return "*" * max(len(digits) - 2, 0) + digits[-2:] if digits else ""
    if len(national) < 4:
        return f"{prefix} " + "*" * max(len(national) - 2, 0) + national[-2:]
    head, tail = national[0], national[1:]
    masked = "*" * (len(tail) - 2) + tail[-2:]
    groups: list[str] = []
    while masked:
        groups.insert(0, masked[-2:])
        masked = masked[:-2]
    return f"{prefix} {head} " + " ".join(groups)


# --------------------------------------------------------------------------- SMS codes


def _sms_body(session: Session, account: Account, code: str) -> str:
    from portal_app.office.services import office_settings

    return SMS_TEXT[_language(account)].format(office=office_settings.profile(session).office_name, code=code)


def _codes_in_session(session: Session, account_id: int, purpose: str, session_id: int) -> int:
    return session.exec(
        select(func.count(col(OneTimeCode.id))).where(
            OneTimeCode.account_id == account_id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.session_id == session_id,
        )
    ).one()


def _retire_open_codes(session: Session, account_id: int, purpose: str, session_id: int | None, now: datetime) -> None:
    """Older unused codes can no longer be used (marked used)."""
    statement = update(OneTimeCode).where(
        col(OneTimeCode.account_id) == account_id,
        col(OneTimeCode.purpose) == purpose,
        col(OneTimeCode.used_at).is_(None),
    )
    if session_id is not None:
        statement = statement.where(col(OneTimeCode.session_id) == session_id)
    session.exec(statement.values(used_at=now))


def _issue_code(
    session: Session,
    account: Account,
    *,
    purpose: str,
    session_id: int,
    phone: str,
    settings: Settings,
    now: datetime,
    salt_phone: str | None = None,
) -> OneTimeCode:
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    if _codes_in_session(session, account.id, purpose, session_id) >= MAX_CODES_PER_SESSION:
        audit.record(
            session,
            "2fa.sms_limit",
            actor_id=account.id,
            target=_session_target(session_id),
            detail={"purpose": purpose},
        )
        raise SecondFactorFailed("too many codes for this session", code="2fa.too_many_attempts")
    _retire_open_codes(session, account.id, purpose, session_id, now)
    code = tokens.new_numeric_code(6)
    row = OneTimeCode(
        account_id=account.id,
        session_id=session_id,
        purpose=purpose,
        code_hash=tokens.hash_code(
            code, secret=settings.secret_key, salt=_otp_salt(account.id, purpose, session_id, salt_phone)
        ),
        attempts=0,
        created_at=now,
        expires_at=now + CODE_VALID,
    )
    session.add(row)
    mail.queue_sms(session=session, to_phone=phone, body=_sms_body(session, account, code), account_id=account.id)
    audit.record(
        session,
        "2fa.sms_sent",
        actor_id=account.id,
        target=_session_target(session_id),
        detail={"purpose": purpose, "to": mask_phone(phone)},
    )
    session.flush()
    return row


def _check_sms_code(
    session: Session,
    account: Account,
    *,
    purpose: str,
    session_id: int,
    code: str,
    settings: Settings,
    now: datetime,
    salt_phone: str | None = None,
) -> None:
    """Accept `code` for the newest open code of (account, purpose, session) or raise.

    A wrong guess increments the code's attempts (atomically); the 5th wrong
    guess kills it. Expired codes are refused without comparing.
    """
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    row = session.exec(
        select(OneTimeCode)
        .where(
            OneTimeCode.account_id == account.id,
            OneTimeCode.purpose == purpose,
            OneTimeCode.session_id == session_id,
            col(OneTimeCode.used_at).is_(None),
        )
        .order_by(col(OneTimeCode.id).desc())
    ).first()
    if row is None:
        raise SecondFactorFailed("no open code", code="2fa.new_code_needed")
    if row.attempts >= MAX_GUESSES_PER_CODE:
        raise SecondFactorFailed("code is used up", code="2fa.new_code_needed")
    if now >= _aware(row.expires_at):
        raise SecondFactorFailed("code expired", code="2fa.expired")
    expected = tokens.hash_code(
        code, secret=settings.secret_key, salt=_otp_salt(account.id, purpose, session_id, salt_phone)
    )
    guard = (
        col(OneTimeCode.id) == row.id,
        col(OneTimeCode.used_at).is_(None),
        col(OneTimeCode.attempts) < MAX_GUESSES_PER_CODE,
    )
    if tokens.constant_time_equals(expected, row.code_hash):
        taken = session.exec(update(OneTimeCode).where(*guard).values(used_at=now)).rowcount
        if taken == 1:
            session.refresh(row)
            return
        raise SecondFactorFailed("code no longer valid", code="2fa.new_code_needed")
    counted = session.exec(update(OneTimeCode).where(*guard).values(attempts=col(OneTimeCode.attempts) + 1)).rowcount
    session.refresh(row)
    if counted != 1 or row.attempts >= MAX_GUESSES_PER_CODE:
        error = SecondFactorFailed("wrong code; code is used up", code="2fa.new_code_needed")
    else:
        error = SecondFactorFailed("wrong code", code="2fa.invalid_code")
    error.guessed = True
    raise error


# --------------------------------------------------------------------------- recovery codes


def _recovery_hash(account_id: int, normalized: str, secret: str) -> str:
    return tokens.hash_code(normalized, secret=secret, salt=f"recovery:{account_id}")


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _replace_recovery_codes(session: Session, account_id: int, secret: str, now: datetime) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.account_id) == account_id))
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        code = _new_recovery_code()
        if code in seen:  # pragma: no cover - 1 in ~10^11
            continue
        seen.add(code)
        codes.append(code)
        session.add(
            RecoveryCode(
                account_id=account_id,
                code_hash=_recovery_hash(account_id, code.replace("-", ""), secret),
                created_at=now,
            )
        )
    session.flush()
    return codes


def recovery_codes_left(session: Session, account_id: int) -> int:
    return session.exec(
        select(func.count(col(RecoveryCode.id))).where(
            RecoveryCode.account_id == account_id, col(RecoveryCode.used_at).is_(None)
        )
    ).one()


def regenerate_recovery_codes(*, session: Session, account: Account, settings: Settings | None = None) -> list[str]:
    """A new set of 10 codes (plain text, show once); the old ones stop working.

    The caller has re-checked the password. `settings` defaults to
    get_settings(); it must hold the same SECRET_KEY as the one given to
    verify_login.
    """
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    if not is_enabled(session, account.id):
        raise SecondFactorFailed("2-step verification is off", code="2fa.not_enabled")
    codes = _replace_recovery_codes(session, account.id, _secret(settings), utcnow())
    audit.record(session, "2fa.recovery_codes_regenerated", actor_id=account.id, target=_account_target(account.id))
    return codes


def _secret(settings: Settings | None) -> str:
    """The key that hashes recovery codes (default: the app's settings)."""
    if settings is None:
        from portal_app.settings import get_settings

        settings = get_settings()
    return settings.secret_key


# --------------------------------------------------------------------------- set-up


def start_sms_setup(
    *, session: Session, account: Account, phone: str, session_id: int, settings: Settings, now: datetime | None = None
) -> str:
    """Send a set-up code to `phone`; returns the normalized number (E.164)."""
    number = normalize_phone(phone)
    _check_login_session(session, account, session_id)
    _issue_code(
        session,
        account,
        purpose=PURPOSE_SETUP,
        session_id=session_id,
        phone=number,
        settings=settings,
        now=_now(now),
        salt_phone=number,
    )
    return number


def _store_method(session: Session, account_id: int, **values: Any) -> TwoFactor:
    row = session.get(TwoFactor, account_id)
    if row is None:
        row = TwoFactor(account_id=account_id, **values)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.add(row)
    return row


def confirm_sms_setup(
    *,
    session: Session,
    account: Account,
    phone: str,
    code: str,
    session_id: int,
    settings: Settings,
    now: datetime | None = None,
) -> list[str]:
    """Check the set-up code sent to `phone` and switch SMS verification on.

    Returns 10 new recovery codes (plain text, shown once; earlier ones deleted).
    The code only confirms the very number it was sent to.
    """
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    number = normalize_phone(phone)
    _check_login_session(session, account, session_id)
    moment = _now(now)
    cleaned = _clean_input(code)
    if not _OTP_RE.match(cleaned):
        raise SecondFactorFailed("not a 6-digit code", code="2fa.invalid_code")
    try:
        _check_sms_code(
            session,
            account,
            purpose=PURPOSE_SETUP,
            session_id=session_id,
            code=cleaned,
            settings=settings,
            now=moment,
            salt_phone=number,
        )
    except SecondFactorFailed as error:
        audit.record(
            session,
            "2fa.setup_failed",
            actor_id=account.id,
            target=_session_target(session_id),
            detail={"method": METHOD_SMS, "reason": error.code},
        )
        raise
    _store_method(
        session, account.id, method=METHOD_SMS, phone=number, totp_secret=None, totp_last_step=None, enabled_at=moment
    )
    codes = _replace_recovery_codes(session, account.id, settings.secret_key, moment)
    audit.record(
        session,
        "2fa.enabled",
        actor_id=account.id,
        target=_account_target(account.id),
        detail={"method": METHOD_SMS, "phone": mask_phone(number)},
    )
    return codes


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(*, secret: str, email: str, office_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=office_name)


def qr_svg_data_uri(uri: str) -> str:
    """The QR code of `uri` as an SVG data URI (black on white, with a quiet zone)."""
    qr = segno.make(uri, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _valid_secret(secret: str) -> str:
    text = str(secret or "").strip().upper()
    if not _BASE32_RE.match(text):
        raise ValidationFailed("invalid TOTP secret", code="2fa.secret_invalid")
    try:
        base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise ValidationFailed("invalid TOTP secret", code="2fa.secret_invalid") from None
    return text


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (within +-1 window) whose TOTP equals `code`, newest first."""
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL)
    current = int(now.timestamp()) // TOTP_INTERVAL
    found = None
    for step in range(current - TOTP_VALID_WINDOW, current + TOTP_VALID_WINDOW + 1):
        if tokens.constant_time_equals(totp.generate_otp(step), code):
            found = step  # keep looping: same time for every code
    return found


def confirm_totp_setup(
    *,
    session: Session,
    account: Account,
    secret: str,
    code: str,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Check a code from the app for `secret` and switch app verification on.

    Returns 10 new recovery codes. The step of the code is stored, so the same
    code cannot be used again to log in. `settings` defaults to get_settings()
    (only its SECRET_KEY is used, to hash the recovery codes).
    """
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    clean_secret = _valid_secret(secret)
    cleaned = _clean_input(code)
    moment = _now(now)
    step = _matching_step(clean_secret, cleaned, moment) if _OTP_RE.match(cleaned) else None
    if step is None:
        audit.record(
            session,
            "2fa.setup_failed",
            actor_id=account.id,
            target=_account_target(account.id),
            detail={"method": METHOD_TOTP, "reason": "2fa.invalid_code"},
        )
        raise SecondFactorFailed("wrong code", code="2fa.invalid_code")
    _store_method(
        session,
        account.id,
        method=METHOD_TOTP,
        phone=None,
        totp_secret=clean_secret,
        totp_last_step=step,
        enabled_at=moment,
    )
    # Any set-up code still open for SMS is of no use any more.
    _retire_open_codes(session, account.id, PURPOSE_SETUP, None, moment)
    codes = _replace_recovery_codes(session, account.id, _secret(settings), moment)
    audit.record(
        session, "2fa.enabled", actor_id=account.id, target=_account_target(account.id), detail={"method": METHOD_TOTP}
    )
    return codes


# --------------------------------------------------------------------------- login


def _failures_in_session(session: Session, session_id: int) -> int:
    return session.exec(
        select(func.count(col(AuditEvent.id))).where(
            AuditEvent.event_type == "2fa.failed", AuditEvent.target == _session_target(session_id)
        )
    ).one()


def _failures_of_account(session: Session, account_id: int, now: datetime) -> int:
    """Wrong codes for this account in the last ACCOUNT_WINDOW, over all its login attempts.

    The per-attempt limit alone is not enough: whoever has the password can open
    a new login attempt after every 10 guesses (issue 13)."""
    return session.exec(
        select(func.count(col(AuditEvent.id))).where(
            AuditEvent.event_type == "2fa.failed",
            AuditEvent.actor_id == account_id,
            AuditEvent.at >= now - ACCOUNT_WINDOW,
        )
    ).one()


def _over_limit(session: Session, account_id: int, session_id: int, now: datetime) -> bool:
    return (
        _failures_in_session(session, session_id) >= MAX_FAILURES_PER_SESSION
        or _failures_of_account(session, account_id, now) >= MAX_FAILURES_PER_ACCOUNT
    )


def _too_many(session: Session, account: Account, session_id: int, now: datetime) -> SecondFactorFailed:
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    _retire_open_codes(session, account.id, PURPOSE_LOGIN, session_id, now)
    return SecondFactorFailed("too many wrong codes in this login attempt", code="2fa.too_many_attempts")


def send_login_sms(
    *, session: Session, account: Account, session_id: int, settings: Settings, now: datetime | None = None
) -> bool:
    """Send a login code when the account uses SMS (True), else False.

    Each call makes a new code (older ones of this session stop working). At
    most 5 codes per login session, then SecondFactorFailed("2fa.too_many_attempts").
    """
    row = session.get(TwoFactor, account.id)
    if row is None or row.enabled_at is None or row.method != METHOD_SMS or not row.phone:
        return False
    _check_login_session(session, account, session_id)
    moment = _now(now)
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    if _over_limit(session, account.id, session_id, moment):
        raise _too_many(session, account, session_id, moment)
    _issue_code(
        session, account, purpose=PURPOSE_LOGIN, session_id=session_id, phone=row.phone, settings=settings, now=moment
    )
    return True


def _use_recovery_code(
    session: Session, account: Account, cleaned: str, settings: Settings, now: datetime
) -> int | None:
    """Mark the matching unused recovery code used; returns the number left, or None."""
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    wanted = _recovery_hash(account.id, cleaned, settings.secret_key)
    rows = session.exec(
        select(RecoveryCode).where(RecoveryCode.account_id == account.id, col(RecoveryCode.used_at).is_(None))
    ).all()
    match = None
    for row in rows:
        if tokens.constant_time_equals(wanted, row.code_hash):
            match = row
    if match is None:
        return None
    taken = session.exec(
        update(RecoveryCode)
        .where(col(RecoveryCode.id) == match.id, col(RecoveryCode.used_at).is_(None))
        .values(used_at=now)
    ).rowcount
    if taken != 1:
        return None
    session.refresh(match)
    return recovery_codes_left(session, account.id)


def _use_totp(session: Session, two_factor: TwoFactor, cleaned: str, now: datetime) -> bool:
    step = _matching_step(two_factor.totp_secret or "", cleaned, now)
    if step is None:
        return False
    taken = session.exec(
        update(TwoFactor)
        .where(
            col(TwoFactor.account_id) == two_factor.account_id,
            or_(col(TwoFactor.totp_last_step).is_(None), col(TwoFactor.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    ).rowcount
    session.refresh(two_factor)
    return taken == 1


def verify_login(
    *,
    session: Session,
    account: Account,
    session_id: int,
    code: str,
    settings: Settings,
    now: datetime | None = None,
) -> VerifyResult:
    """Check the second factor of login session `session_id`.

    Accepts the SMS code sent for this session (SMS accounts), a fresh TOTP
    code (app accounts) or an unused recovery code (both). Raises
    SecondFactorFailed otherwise - commit the session anyway (module doc).
    The caller gives the user a new session token on success.
    """
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    moment = _now(now)
    _check_login_session(session, account, session_id)
    two_factor = session.get(TwoFactor, account.id)
    if two_factor is None or two_factor.enabled_at is None:
        raise SecondFactorFailed("2-step verification is off", code="2fa.not_enabled")
    if _over_limit(session, account.id, session_id, moment):
        audit.record(session, "2fa.too_many_attempts", actor_id=account.id, target=_session_target(session_id))
        raise _too_many(session, account, session_id, moment)

    cleaned = _clean_input(code)
    target = _session_target(session_id)
    left: int | None = None
    if _RECOVERY_RE.match(cleaned):
        method = METHOD_RECOVERY
        left = _use_recovery_code(session, account, cleaned, settings, moment)
        failure = None if left is not None else SecondFactorFailed("wrong recovery code", code="2fa.invalid_code")
    elif _OTP_RE.match(cleaned) and two_factor.method == METHOD_SMS:
        method = METHOD_SMS
        failure = None
        try:
            _check_sms_code(
                session,
                account,
                purpose=PURPOSE_LOGIN,
                session_id=session_id,
                code=cleaned,
                settings=settings,
                now=moment,
            )
        except SecondFactorFailed as error:
            failure = error
    elif _OTP_RE.match(cleaned) and two_factor.method == METHOD_TOTP:
        method = METHOD_TOTP
        ok = _use_totp(session, two_factor, cleaned, moment)
        failure = None if ok else SecondFactorFailed("wrong or reused code", code="2fa.invalid_code")
    else:
        # Not the shape of any code: nothing was compared, so not counted.
        raise SecondFactorFailed("not a code", code="2fa.invalid_code")

    if failure is not None:
        if method != METHOD_SMS:
            failure.guessed = True
        detail = {"method": method, "reason": failure.code}
        if not failure.guessed:
            # Expired, used up or never sent: nothing was compared, not a guess.
            audit.record(session, "2fa.refused", actor_id=account.id, target=target, detail=detail)
            raise failure
        audit.record(session, "2fa.failed", actor_id=account.id, target=target, detail=detail)
        if _over_limit(session, account.id, session_id, moment):
            audit.record(session, "2fa.too_many_attempts", actor_id=account.id, target=target)
            raise _too_many(session, account, session_id, moment)
        raise failure

    # Success: no other code of this login attempt stays usable.
    _retire_open_codes(session, account.id, PURPOSE_LOGIN, session_id, moment)
    if method == METHOD_RECOVERY:
        audit.record(session, "2fa.recovery_code_used", actor_id=account.id, target=target, detail={"left": left})
    audit.record(session, "2fa.succeeded", actor_id=account.id, target=target, detail={"method": method})
    return VerifyResult(method=method, recovery_codes_left=left)


# --------------------------------------------------------------------------- status, switching off


def is_enabled(session: Session, account_id: int) -> bool:
    row = session.get(TwoFactor, account_id)
    return row is not None and row.enabled_at is not None


def status(session: Session, account_id: int) -> TwoFactorStatus:
    row = session.get(TwoFactor, account_id)
    if row is None or row.enabled_at is None:
        return TwoFactorStatus(enabled=False, method=None, phone_masked=None, recovery_codes_left=0)
    return TwoFactorStatus(
        enabled=True,
        method=row.method,
        phone_masked=mask_phone(row.phone) if row.phone else None,
        recovery_codes_left=recovery_codes_left(session, account_id),
    )


def disable(*, session: Session, account: Account, actor_id: int | None = None) -> bool:
    """Switch 2-step verification off (the caller re-checked the password). True if it was on."""
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    row = session.get(TwoFactor, account.id)
    was_on = row is not None
    if row is not None:
        session.delete(row)
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.account_id) == account.id))
    now = utcnow()
    _retire_open_codes(session, account.id, PURPOSE_LOGIN, None, now)
    _retire_open_codes(session, account.id, PURPOSE_SETUP, None, now)
    session.flush()
    if was_on:
        audit.record(
            session,
            "2fa.disabled",
            actor_id=actor_id if actor_id is not None else account.id,
            target=_account_target(account.id),
        )
    return was_on


def reset_by_staff(*, session: Session, account: Account, actor_id: int, reason: str) -> bool:
    """Staff switch a client's 2-step verification off (lost phone); reason required."""
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    text = " ".join(str(reason or "").split())
    if not text:
        raise ValidationFailed("reason required", field="reason", code="2fa.reason_required")
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationFailed("reason too long", field="reason", code="2fa.reason_too_long")
    actor = session.get(Account, actor_id) if actor_id is not None else None
    if actor is None or not actor.is_staff or not actor.is_active:
        raise PermissionDenied("only staff may reset 2-step verification")
    was_on = disable(session=session, account=account, actor_id=actor_id)
    audit.record(
        session,
        "2fa.reset_by_staff",
        actor_id=actor_id,
        target=_account_target(account.id),
        detail={"reason": text, "was_enabled": was_on},
    )
    return was_on
