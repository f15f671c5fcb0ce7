"""Who is asking: the signed-in account behind a session token, resolved in one query.

Every browser event and every authenticated HTTP route starts here. The result
is a small frozen `Viewer`; handlers and services take it instead of looking the
session up again. Nothing here knows about Reflex.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from portal_app.accounts.models import Account, AccountKind, StaffRole, TwoFactor, UserSession
from portal_app.accounts.services.sessions import SessionPolicy, end_if_expired, touch_if_due
from portal_app.core.models import utcnow
from portal_app.core.services.tokens import hash_token

MAX_TOKEN_CHARS = 100


@dataclass(frozen=True)
class Viewer:
    """A live session with a completed second factor, and its active account.

    `account` is detached from any database session: read its columns, never
    its relationships.
    """

    session_id: int
    account: Account
    # staff only: False while the office requires 2-step verification and this
    # staff member has not set it up yet
    second_factor_enabled: bool = True

    @property
    def account_id(self) -> int:
        account_id = self.account.id
        assert account_id is not None  # a stored account (see portal_app/core/models.py)
        return account_id

    @property
    def is_staff(self) -> bool:
        return self.account.is_staff

    @property
    def is_admin(self) -> bool:
        return self.account.is_staff and self.account.staff_role == StaffRole.ADMIN

    @property
    def is_client(self) -> bool:
        return not self.account.is_staff

    @property
    def is_company_admin(self) -> bool:
        """The main account of a company: it manages the company's extra accounts."""
        return self.account.kind == AccountKind.COMPANY


# Built once with a bound parameter: building an ORM statement costs more than
# running it, and this one runs on every event.
_SESSION_AND_ACCOUNT = (
    select(UserSession, Account, col(TwoFactor.enabled_at))
    .join(Account, col(Account.id) == UserSession.account_id)
    .outerjoin(TwoFactor, col(TwoFactor.account_id) == Account.id)
    .where(col(UserSession.token_hash) == bindparam("token_hash"))
)


def resolve(session: Session, token: str | None, *, policy: SessionPolicy, touch: bool = True) -> Viewer | None:
    """The viewer behind `token`, or None (no token, unknown, ended, expired, blocked, or 2-step pending).

    One SELECT; an expired session is ended on the spot, and `last_seen_at`
    is written at most every TOUCH_INTERVAL (never when `touch` is False, as for
    a background refresh that must not keep the session alive).
    """
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    row = session.execute(_SESSION_AND_ACCOUNT, {"token_hash": hash_token(token)}).first()
    if row is None:
        return None
    user_session, account, second_factor_enabled_at = row
    if user_session.ended_at is not None or not user_session.second_factor_done:
        return None
    now = utcnow()
    if end_if_expired(session, user_session, policy=policy, now=now):
        return None
    if not account.is_active:
        return None
    if touch:
        touch_if_due(session, user_session, now=now)
    session.expunge(account)
    assert user_session.id is not None  # a stored row (see portal_app/core/models.py)
    return Viewer(
        session_id=user_session.id,
        account=account,
        second_factor_enabled=second_factor_enabled_at is not None,
    )
