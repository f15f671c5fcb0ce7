"""Mijn gegevens, personal details: changing the e-mail address and the password.

E-mail address (two steps, so a typo or a stolen session cannot take the account):
1. `request_email_change`: the current password is asked again; a personal
   link (AuthToken purpose email_change, payload = the new address, valid
   EMAIL_CHANGE_VALID) goes to the NEW address ("email_change_confirm") and the
   OLD address is told ("email_change_notice", the new address masked).
   Nothing changes yet. A newer request voids older links.
2. `confirm_email_change`: opening the link while signed in to the same
   account makes the change. Open password links (sent to the old address)
   stop working.

Password: `change_password` asks for the current one, applies the password
rules (services.passwords.problems) and ends every other session of the
account; the account's address gets the "password changed" mail.

Both re-checks of the current password count towards a limit
(MAX_PASSWORD_RECHECKS per RECHECK_WINDOW), so a left-open session cannot be
used to guess the password. Slow (bcrypt): call these off the event loop.
Plain Python, no Reflex import.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from sqlmodel import Session, col, func, select

from portal_app.accounts.models import Account, AuthToken, TokenPurpose
from portal_app.accounts.services import accounts, passwords, sessions
from portal_app.accounts.services.onboarding import revoke_tokens, valid_token
from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import AuthenticationFailed, NotFound, Throttled, ValidationFailed
from portal_app.core.services.tokens import hash_token, new_token
from portal_app.notifications.services import mail
from portal_app.office.services import office_settings
from portal_app.settings import Settings

EMAIL_CHANGE_PATH = "/e-mail-bevestigen"
EMAIL_CHANGE_VALID = timedelta(hours=24)
MAX_EMAIL_CHANGES_PER_HOUR = 5
MAX_PASSWORD_RECHECKS = 5
RECHECK_WINDOW = timedelta(minutes=15)
RECHECK_FAILED = "password.recheck_failed"


def mask_email(email: str) -> str:
    """'jan.jansen@example.nl' -> 'j***n@example.nl' (the old address is told, without giving it all away)."""
    local, _, domain = (email or "").partition("@")
    if len(local) <= 2:
        shown = (local[:1] or "*") + "***"
    else:
        shown = f"{local[0]}***{local[-1]}"
    return f"{shown}@{domain}"


def _client_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None or not account.is_active:
        raise NotFound()
    return account


def _check_current_password(session: Session, account: Account, password: object, *, ip: str | None) -> None:
    """AuthenticationFailed for a wrong password, Throttled after too many wrong ones (all audited)."""
    since = utcnow() - RECHECK_WINDOW
    failures = session.exec(
        select(func.count(col(AuditEvent.id))).where(
            AuditEvent.event_type == RECHECK_FAILED, AuditEvent.actor_id == account.id, AuditEvent.at >= since
        )
    ).one()
    if failures >= MAX_PASSWORD_RECHECKS:
        audit.record(session, "password.recheck_throttled", actor_id=account.id, ip=ip)
        raise Throttled(int(RECHECK_WINDOW.total_seconds() // 60))
    password = password if isinstance(password, str) else ""
    if not passwords.verify_password(password[:1024], account.password_hash):
        audit.record(session, RECHECK_FAILED, actor_id=account.id, ip=ip)
        raise AuthenticationFailed(code="tf.wrong_password")


def request_email_change(
    session: Session, *, account_id: int, password: object, new_email: object, settings: Settings, ip: str | None = None
) -> str:
    """Step 1: mails to the new and the old address. Returns the token (for tests). Does not commit.

    Errors: AuthenticationFailed (wrong password), Throttled, ValidationFailed with
    code account.invalid_email / details.email_same / details.email_too_many.
    An address that already has an account gets the same answer (no enumeration).
    """
    account = _client_account(session, account_id)
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    _check_current_password(session, account, password, ip=ip)
    email = accounts.validate_email(new_email if isinstance(new_email, str) else "")
    if email == account.email:
        raise ValidationFailed("same address", field="email", code="details.email_same")
    # An address that has an account answers like a free one (issue 13: no enumeration):
    # the same token and the same two mails, but the new address gets a notice instead of
    # a link (confirm_email_change refuses a taken address anyway).
    taken = accounts.find_by_email(session, email) is not None
    recent = session.exec(
        select(func.count(col(AuthToken.id))).where(
            AuthToken.account_id == account.id,
            AuthToken.purpose == TokenPurpose.EMAIL_CHANGE,
            AuthToken.created_at >= utcnow() - timedelta(hours=1),
        )
    ).one()
    if recent >= MAX_EMAIL_CHANGES_PER_HOUR:
        raise ValidationFailed("too many requests", field="email", code="details.email_too_many")
    revoke_tokens(session, account.id, TokenPurpose.EMAIL_CHANGE)
    token = new_token()
    session.add(
        AuthToken(
            account_id=account.id,
            purpose=TokenPurpose.EMAIL_CHANGE,
            token_hash=hash_token(token),
            payload=email,
            expires_at=utcnow() + EMAIL_CHANGE_VALID,
        )
    )
    mail.queue_mail(
        session=session,
        to=email,
        kind="email_change_taken" if taken else "email_change_confirm",
        language=account.language,
        context={
            "name": "" if taken else account.name,
            "link": f"{settings.public_url}/login"
            if taken
            else f"{settings.public_url}{EMAIL_CHANGE_PATH}?token={quote(token)}",
        },
        account_id=account.id,
    )
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="email_change_notice",
        language=account.language,
        context={"name": account.name, "new_email_masked": mask_email(email)},
        account_id=account.id,
    )
    audit.record(
        session,
        "email_change.requested",
        actor_id=account.id,
        target=f"account:{account.id}",
        ip=ip,
        detail={"new": mask_email(email)},
    )
    session.flush()
    return token


def pending_email_change(session: Session, account_id: int) -> str:
    """The new address waiting for confirmation ("" when none)."""
    row = session.exec(
        select(AuthToken)
        .where(
            AuthToken.account_id == account_id,
            AuthToken.purpose == TokenPurpose.EMAIL_CHANGE,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.revoked_at).is_(None),
            AuthToken.expires_at > utcnow(),
        )
        .order_by(col(AuthToken.id).desc())
    ).first()
    return row.payload or "" if row is not None else ""


def cancel_email_change(session: Session, *, account_id: int, ip: str | None = None) -> bool:
    """Void an open e-mail change link; True when there was one. Does not commit."""
    revoked = revoke_tokens(session, account_id, TokenPurpose.EMAIL_CHANGE)
    if revoked:
        audit.record(session, "email_change.cancelled", actor_id=account_id, ip=ip)
    return bool(revoked)


def confirm_email_change(session: Session, *, account_id: int, token: object, ip: str | None = None) -> Account:
    """Step 2: the link was opened by the signed-in owner; the address changes now. Does not commit.

    NotFound(code="details.email_link_invalid") for a bad, used, expired, older
    or another account's link; ValidationFailed(account.email_in_use) when the
    address was taken in the meantime.
    """
    row = valid_token(session, token if isinstance(token, str) else None, TokenPurpose.EMAIL_CHANGE)
    if row is None or row.account_id != account_id or not row.payload:
        audit.record(session, "email_change.refused", actor_id=account_id, ip=ip)
        raise NotFound(code="details.email_link_invalid")
    account = _client_account(session, account_id)
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    new_email = accounts.normalize_email(row.payload)
    other = accounts.find_by_email(session, new_email)
    if other is not None and other.id != account.id:
        raise ValidationFailed("e-mail in use", field="email", code="account.email_in_use")
    old_email = account.email
    account.email = new_email
    session.add(account)
    row.used_at = utcnow()
    session.add(row)
    revoke_tokens(session, account.id, TokenPurpose.EMAIL_CHANGE)
    revoke_tokens(session, account.id, TokenPurpose.RESET)  # links in the old mailbox
    audit.record(
        session,
        "email_change.confirmed",
        actor_id=account.id,
        target=f"account:{account.id}",
        ip=ip,
        detail={"old": mask_email(old_email), "new": mask_email(new_email)},
    )
    session.flush()
    return account


def change_password(
    session: Session,
    *,
    account_id: int,
    session_id: int,
    current: object,
    new: object,
    repeat: object,
    settings: Settings,
    ip: str | None = None,
) -> int:
    """Set a new password; every other session of the account ends. Returns how many ended. Does not commit.

    Errors: AuthenticationFailed (wrong current password), Throttled,
    ValidationFailed(code="password.mismatch") and
    ValidationFailed(code="password.rejected", problems=[i18n keys]).
    """
    account = _client_account(session, account_id)
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    _check_current_password(session, account, current, ip=ip)
    new = new if isinstance(new, str) else ""
    repeat = repeat if isinstance(repeat, str) else ""
    if len(new) > 1024:
        new = new[:1024]
    if new != repeat[:1024]:
        raise ValidationFailed("mismatch", field="password", code="password.mismatch")
    found = passwords.problems(
        new, name=account.name, email=account.email, policy=office_settings.profile(session).password_policy
    )
    if found:
        raise ValidationFailed("password rejected", field="password", code="password.rejected", problems=found)
    accounts.set_password_hash(session, account, passwords.hash_password(new))
    ended = sessions.end_all_sessions(session, account.id, except_session_id=session_id)
    revoke_tokens(session, account.id, TokenPurpose.RESET)
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="password_changed",
        language=account.language,
        context={"name": account.name, "link": f"{settings.public_url}/login"},
        account_id=account.id,
    )
    audit.record(
        session,
        "password.changed",
        actor_id=account.id,
        target=f"account:{account.id}",
        ip=ip,
        detail={"sessions_ended": ended},
    )
    session.flush()
    return ended
