"""Server-side sessions: random 256-bit token in an HttpOnly cookie, only its hash stored.

Idle expiry and absolute expiry come from the settings. Logout, password change,
reset, blocking and removal end sessions here, so every tab of the session falls
back to the login page on its next action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from portal_app.accounts.models import Account, UserSession
from portal_app.core.models import utcnow
from portal_app.core.services.tokens import hash_token, new_token

COOKIE_NAME = "kp_session"
# Touch last_seen_at at most this often (avoids a write on every event).
TOUCH_INTERVAL = timedelta(seconds=30)


@dataclass(frozen=True)
class SessionPolicy:
    idle_minutes: int = 30
    absolute_hours: int = 12


@dataclass(frozen=True)
class ActiveSession:
    session_id: int
    account_id: int
    second_factor_done: bool


def create_session(
    session: Session,
    account: Account,
    *,
    policy: SessionPolicy,
    second_factor_done: bool = True,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, UserSession]:
    """A new token for `account` (always new: never reuse one from before login)."""
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    token = new_token()
    now = utcnow()
    row = UserSession(
        token_hash=hash_token(token),
        account_id=account.id,
        second_factor_done=second_factor_done,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=policy.absolute_hours),
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve(
    session: Session, token: str | None, *, policy: SessionPolicy, touch: bool = True
) -> tuple[UserSession, Account] | None:
    """The live session and its active account for `token`, or None."""
    if not token or len(token) > 100:
        return None
    row = session.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    if end_if_expired(session, row, policy=policy, now=now):
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active:
        return None
    if touch:
        touch_if_due(session, row, now=now)
    return row, account


def end_if_expired(session: Session, row: UserSession, *, policy: SessionPolicy, now: datetime) -> bool:
    """End `row` on the spot when it is past its absolute end or idle too long; True when it did."""
    if now >= row.expires_at or now - row.last_seen_at >= timedelta(minutes=policy.idle_minutes):
        row.ended_at = now
        session.add(row)
        return True
    return False


def touch_if_due(session: Session, row: UserSession, *, now: datetime) -> None:
    """Record activity on `row`, at most once every TOUCH_INTERVAL (a write on every event would be waste)."""
    if now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)


def end_session(session: Session, token: str | None) -> int | None:
    """End the session of `token`; returns its account id when there was one."""
    if not token:
        return None
    row = session.exec(select(UserSession).where(UserSession.token_hash == hash_token(token))).first()
    if row is None or row.ended_at is not None:
        return None
    row.ended_at = utcnow()
    session.add(row)
    return row.account_id


def end_all_sessions(session: Session, account_id: int, *, except_session_id: int | None = None) -> int:
    statement = (
        update(UserSession)
        .where(col(UserSession.account_id) == account_id, col(UserSession.ended_at).is_(None))
        .values(ended_at=utcnow())
    )
    if except_session_id is not None:
        statement = statement.where(col(UserSession.id) != except_session_id)
    return session.exec(statement).rowcount or 0


def token_from_cookie_header(cookie_header: str | None) -> str | None:
    from http.cookies import CookieError, SimpleCookie

    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        # fall back to a tolerant split: one bad cookie must not hide ours
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE_NAME:
                return value or None
        return None
    morsel = jar.get(COOKIE_NAME)
    return morsel.value if morsel else None
