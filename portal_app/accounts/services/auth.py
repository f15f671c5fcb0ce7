"""Password sign-in with throttling per account address and per client address.

Growing delays, never a permanent lock-out: failures older than the window
are forgotten. Every attempt is written to the audit log (never the password).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, delete, func, select

from portal_app.accounts.models import Account, LoginFailure, TwoFactor
from portal_app.accounts.services import passwords
from portal_app.accounts.services.accounts import find_by_email, normalize_email
from portal_app.accounts.services.sessions import SessionPolicy, create_session
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import AuthenticationFailed, Throttled

WINDOW = timedelta(hours=1)
FREE_TRIES_PER_ACCOUNT = 5
FREE_TRIES_PER_ADDRESS = 20
MAX_WAIT_MINUTES = 15


@dataclass(frozen=True)
class LoginResult:
    token: str
    account: Account
    needs_second_factor: bool


def _wait_minutes(failures: int, free_tries: int) -> int:
    if failures < free_tries:
        return 0
    return min(int(2 ** (failures - free_tries)), MAX_WAIT_MINUTES)


def _remaining_wait(session: Session, column: Mapped[str], value: str, free_tries: int) -> int:
    since = utcnow() - WINDOW
    count, last = session.exec(
        select(func.count(col(LoginFailure.id)), func.max(LoginFailure.at)).where(
            column == value, LoginFailure.at >= since
        )
    ).one()
    wait = _wait_minutes(count or 0, free_tries)
    if not wait or last is None:
        return 0
    remaining = (last + timedelta(minutes=wait)) - utcnow()
    return max(0, math.ceil(remaining.total_seconds() / 60))


def check_throttle(session: Session, *, email: str, ip: str) -> None:
    minutes = max(
        _remaining_wait(session, col(LoginFailure.email), normalize_email(email)[:254], FREE_TRIES_PER_ACCOUNT),
        _remaining_wait(session, col(LoginFailure.ip), ip, FREE_TRIES_PER_ADDRESS),
    )
    if minutes:
        raise Throttled(minutes)


def has_second_factor(session: Session, account_id: int) -> bool:
    row = session.get(TwoFactor, account_id)
    return row is not None and row.enabled_at is not None


def login(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str,
    user_agent: str | None,
    policy: SessionPolicy,
) -> LoginResult:
    """Check the password (slow: call off the event loop) and open a session.

    Raises Throttled or AuthenticationFailed; the same error for an unknown
    address, a wrong password and a blocked account.
    """
    email_norm = normalize_email(email)[:254]
    try:
        check_throttle(session, email=email_norm, ip=ip)
    except Throttled:
        audit.record(session, "login.throttled", target=f"email:{email_norm}", ip=ip)
        raise
    account = find_by_email(session, email_norm) if email_norm else None
    valid = passwords.verify_password(password or "", account.password_hash if account else None)
    if not valid or account is None or not account.is_active:
        session.add(LoginFailure(email=email_norm, ip=ip))
        audit.record(
            session,
            "login.failed",
            actor_id=account.id if account else None,
            target=f"email:{email_norm}",
            ip=ip,
            detail={"reason": "blocked" if valid and account else "bad_credentials"},
        )
        raise AuthenticationFailed()
    session.exec(delete(LoginFailure).where(col(LoginFailure.email) == email_norm))
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    needs_second_factor = has_second_factor(session, account.id)
    token, _row = create_session(
        session,
        account,
        policy=policy,
        second_factor_done=not needs_second_factor,
        ip=ip,
        user_agent=user_agent,
    )
    if not needs_second_factor:
        account.last_login_at = utcnow()
        session.add(account)
    audit.record(
        session,
        "login.password_ok" if needs_second_factor else "login.succeeded",
        actor_id=account.id,
        ip=ip,
    )
    return LoginResult(token=token, account=account, needs_second_factor=needs_second_factor)
