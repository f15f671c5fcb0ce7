"""The manual's first login and forgotten password, with its three e-mails.

1. `invite`: the office creates an account -> first e-mail with a personal link (72 h).
2. `request_password_link`: the link's page asks for the e-mail address -> second
   e-mail with a link to set the password (1 h; a newer link voids older ones).
   The answer is the same for every address.
3. `set_password`: rule checked, every session ended -> third e-mail confirming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlmodel import Session, col, func, select, update

from portal_app.accounts.models import Account, AuthToken, TokenPurpose
from portal_app.accounts.services import passwords, sessions
from portal_app.accounts.services.accounts import EMAIL_RE, find_by_email, normalize_email
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.tokens import hash_token, new_token
from portal_app.notifications.models import OutboxMail
from portal_app.notifications.services import mail
from portal_app.office.services import office_settings
from portal_app.settings import Settings

INVITE_PATH = "/account-activeren"
SET_PASSWORD_PATH = "/wachtwoord-instellen"
MAX_LINKS_PER_HOUR = 5
# The mails the "wachtwoord vergeten" form can cause; their count per address is the rate limit.
LINK_MAIL_KINDS = ("set_password_link", "password_link_refused")


def _link(settings: Settings, path: str, token: str) -> str:
    return f"{settings.public_url}{path}?token={quote(token)}"


def revoke_tokens(session: Session, account_id: int, purpose: str) -> int:
    """Revoke the account's unused tokens of `purpose`; returns how many were revoked."""
    result = session.exec(
        update(AuthToken)
        .where(
            col(AuthToken.account_id) == account_id,
            col(AuthToken.purpose) == purpose,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def _issue(session: Session, account: Account, purpose: str, lifetime: timedelta) -> str:
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    revoke_tokens(session, account.id, purpose)
    token = new_token()
    session.add(
        AuthToken(
            account_id=account.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=utcnow() + lifetime,
        )
    )
    return token


def valid_token(session: Session, token: str | None, purpose: str) -> AuthToken | None:
    """The unused, unexpired, not superseded token row, or None."""
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    row = session.exec(select(AuthToken).where(AuthToken.token_hash == hash_token(token))).first()
    if row is None or row.purpose != purpose or row.used_at or row.revoked_at or utcnow() >= row.expires_at:
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active:
        return None
    return row


def invite(session: Session, account: Account, *, settings: Settings, actor_id: int | None = None) -> str:
    """First e-mail: a personal link, valid `invite_valid_hours`. Returns the token (tests)."""
    if not account.is_active:
        raise NotFound()
    token = _issue(session, account, TokenPurpose.INVITE, timedelta(hours=settings.invite_valid_hours))
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="invite",
        language=account.language,
        context={
            "name": account.name,
            "link": _link(settings, INVITE_PATH, token),
            "hours": settings.invite_valid_hours,
        },
        account_id=account.id,
    )
    audit.record(session, "invite.sent", actor_id=actor_id, target=f"account:{account.id}")
    return token


def request_password_link(
    session: Session,
    *,
    email: str,
    settings: Settings,
    invite_token: str | None = None,
    ip: str | None = None,
) -> str | None:
    """Second e-mail, when the address belongs to an active account.

    Callers show the same text whatever happens; the token is returned only for tests.
    With an invitation token, the address must be the invited account's, and the
    invitation is then used up.

    No enumeration (issue 13): a known and an unknown address take the same path
    - the same look-ups, the same rate count, the same token hashing, one mail
    rendered and queued. Where no link can be sent, the address gets the
    "password_link_refused" mail instead: only the owner of the mailbox learns
    that it has no account, and a client who typed another address than the one
    the office knows is told why no link came. At most MAX_LINKS_PER_HOUR mails
    per address per hour, whichever kind, so the form cannot be used to flood a
    stranger's mailbox.
    """
    email = normalize_email(email)[:254]
    account = find_by_email(session, email) if email else None
    eligible = account is not None and account.is_active
    if invite_token is not None:
        invitation = valid_token(session, invite_token, TokenPurpose.INVITE)
        if invitation is None or account is None or invitation.account_id != account.id:
            audit.record(session, "password_link.refused", target=f"email:{email}", ip=ip, detail={"via": "invite"})
            eligible = False
        elif eligible:
            invitation.used_at = utcnow()
            session.add(invitation)
    if not EMAIL_RE.match(email):
        # Not an address at all: no account can have it, so nothing to hide and nowhere to mail.
        audit.record(session, "password_link.refused", target=f"email:{email[:80]}", ip=ip)
        return None
    recent = session.exec(
        select(func.count(col(OutboxMail.id))).where(
            OutboxMail.to_address == email,
            col(OutboxMail.kind).in_(LINK_MAIL_KINDS),
            OutboxMail.created_at >= utcnow() - timedelta(hours=1),
        )
    ).one()
    if recent >= MAX_LINKS_PER_HOUR:
        audit.record(session, "password_link.throttled", target=f"email:{email}", ip=ip)
        return None
    if not eligible or account is None:
        # The same statements as the link path below: a revoke that matches no token
        # (account 0 does not exist), a fresh token hashed and thrown away, one mail.
        revoke_tokens(session, 0, TokenPurpose.RESET)
        hash_token(new_token())
        mail.queue_mail(
            session=session,
            to=email,
            kind="password_link_refused",
            language=account.language if account is not None else "nl",
            context={"name": "", "link": f"{settings.public_url}/login"},
            account_id=None,
        )
        audit.record(session, "password_link.refused", target=f"email:{email}", ip=ip)
        return None
    token = _issue(session, account, TokenPurpose.RESET, timedelta(minutes=settings.reset_valid_minutes))
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="set_password_link",
        language=account.language,
        context={
            "name": account.name,
            "link": _link(settings, SET_PASSWORD_PATH, token),
            "minutes": settings.reset_valid_minutes,
        },
        account_id=account.id,
    )
    audit.record(session, "password_link.sent", actor_id=account.id, ip=ip)
    return token


@dataclass(frozen=True)
class PasswordSet:
    account: Account
    first_time: bool


def set_password(
    session: Session, *, token: str, password: str, settings: Settings, ip: str | None = None
) -> PasswordSet:
    """Set the password from a link (slow: bcrypt; call it off the event loop).

    Ends every session of the account; 2-step verification stays as it was.
    Raises NotFound for a bad link and ValidationFailed(code="password.rejected",
    problems=[...]) for a password that breaks the rules.
    """
    row = valid_token(session, token, TokenPurpose.RESET)
    if row is None:
        raise NotFound(code="link.invalid")
    account = session.get(Account, row.account_id)
    # valid_token() only returns a token whose account exists (and is stored, so has an id).
    assert account is not None and account.id is not None
    found = passwords.problems(
        password, name=account.name, email=account.email, policy=office_settings.profile(session).password_policy
    )
    if found:
        raise ValidationFailed("password rejected", field="password", code="password.rejected", problems=found)
    first_time = account.password_hash is None
    account.password_hash = passwords.hash_password(password)
    account.password_changed_at = utcnow()
    session.add(account)
    row.used_at = utcnow()
    session.add(row)
    revoke_tokens(session, account.id, TokenPurpose.RESET)
    sessions.end_all_sessions(session, account.id)
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="password_set" if first_time else "password_changed",
        language=account.language,
        context={"name": account.name, "link": f"{settings.public_url}/login"},
        account_id=account.id,
    )
    audit.record(session, "password.set", actor_id=account.id, ip=ip, detail={"first_time": first_time})
    return PasswordSet(account=account, first_time=first_time)
