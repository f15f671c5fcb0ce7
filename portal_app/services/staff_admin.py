"""Staff and office settings (admins only): add, edit and remove staff; office settings.

A new staff member gets the invitation mail and sets a password like a client.
Removing is a soft delete (the name stays on dossiers and in the audit log):
sessions end and links stop working. The last admin can be neither demoted
nor removed, and nobody removes themselves. Every change is audited.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

from sqlmodel import Session, func, select, update

from portal_app.models import Account, AccountKind, AuthToken, StaffRole, utcnow
from portal_app.services import accounts, audit, i18n, office_settings, onboarding, sessions, twofactor
from portal_app.services.errors import NotFound, ValidationFailed
from portal_app.services.staff_access import local_text, one_line, parse_id, require_staff

ROLES = (StaffRole.ADMIN, StaffRole.HANDLER)
# Office settings an admin may change here (keys of services.office_settings).
BOOLEAN_SETTINGS = ("staff_require_2fa",)


def _get_staff(session: Session, account_id) -> Account:
    account = session.get(Account, parse_id(account_id))
    if account is None or not account.is_staff or account.deleted_at is not None:
        raise NotFound()
    return account


def _check_role(role) -> str:
    if role not in ROLES:
        raise ValidationFailed("bad role", field="role", code="staff.admin.role_invalid")
    return role


def _admin_count(session: Session) -> int:
    return session.exec(
        select(func.count(Account.id)).where(
            Account.kind == AccountKind.STAFF,
            Account.staff_role == StaffRole.ADMIN,
            Account.deleted_at.is_(None),
            Account.blocked.is_(False),
        )
    ).one() or 0


def list_staff(*, session: Session, actor: Account, language: str = "nl") -> list[dict[str, str]]:
    require_staff(session, actor, admin=True)
    rows = session.exec(
        select(Account)
        .where(Account.kind == AccountKind.STAFF, Account.deleted_at.is_(None))
        .order_by(Account.name, Account.id)
        .limit(500)
    ).all()
    return [
        {
            "id": str(account.id),
            "name": account.name,
            "email": account.email,
            "role": account.staff_role or "",
            "role_label": i18n.t(f"staff.role.{account.staff_role}", language),
            "two_factor": "1" if twofactor.is_enabled(session, account.id) else "",
            "active": "1" if account.password_hash else "",
            "last_login": local_text(account.last_login_at) or "—",
            "me": "1" if account.id == actor.id else "",
        }
        for account in rows
    ]


def add_staff(*, session: Session, actor: Account, email, name, role, settings) -> Account:
    """A new staff member and the invitation mail to set a password."""
    actor = require_staff(session, actor, admin=True)
    role = _check_role(role)
    account = accounts.create_staff(
        session,
        email=email if isinstance(email, str) else "",
        name=name if isinstance(name, str) else "",
        role=role,
        actor_id=actor.id,
    )
    onboarding.invite(session, account, settings=settings, actor_id=actor.id)
    session.flush()
    return account


def update_staff(*, session: Session, actor: Account, account_id, name, role) -> Account:
    actor = require_staff(session, actor, admin=True)
    account = _get_staff(session, account_id)
    role = _check_role(role)
    name = one_line(name, 201)
    if not name or len(name) > 200:
        raise ValidationFailed("bad name", field="name", code="account.invalid_name")
    changes: dict[str, str] = {}
    if role != account.staff_role:
        if account.staff_role == StaffRole.ADMIN and _admin_count(session) <= 1:
            raise ValidationFailed("last admin", field="role", code="staff.admin.last_admin")
        changes["role"] = f"{account.staff_role} -> {role}"
        account.staff_role = role
    if name != account.name:
        changes["name"] = "changed"
        account.name = name
    if changes:
        session.add(account)
        audit.record(session, "staff.changed", actor_id=actor.id, target=f"account:{account.id}", detail=changes)
        session.flush()
    return account


def remove_staff(*, session: Session, actor: Account, account_id) -> Account:
    """Soft delete: the account can no longer sign in; its name stays where it was used."""
    actor = require_staff(session, actor, admin=True)
    account = _get_staff(session, account_id)
    if account.id == actor.id:
        raise ValidationFailed("not yourself", code="staff.admin.not_yourself")
    if account.staff_role == StaffRole.ADMIN and _admin_count(session) <= 1:
        raise ValidationFailed("last admin", code="staff.admin.last_admin")
    account.deleted_at = utcnow()
    session.add(account)
    sessions.end_all_sessions(session, account.id)
    session.exec(
        update(AuthToken)
        .where(AuthToken.account_id == account.id, AuthToken.used_at.is_(None), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    audit.record(session, "staff.removed", actor_id=actor.id, target=f"account:{account.id}")
    session.flush()
    return account


def office_view(*, session: Session, actor: Account, settings) -> dict[str, str]:
    """The office settings: the ones changed here, and the ones set in the configuration."""
    require_staff(session, actor, admin=True)
    return {
        "staff_require_2fa": "1" if office_settings.staff_must_use_second_factor(session) else "",
        "office_name": settings.office_name,
        "public_url": settings.public_url,
        "max_upload_mb": str(settings.max_upload_mb),
        "staff_max_upload_mb": str(settings.staff_max_upload_mb),
        "session_idle_minutes": str(settings.session_idle_minutes),
        "session_absolute_hours": str(settings.session_absolute_hours),
        "invite_valid_hours": str(settings.invite_valid_hours),
        "reset_valid_minutes": str(settings.reset_valid_minutes),
    }


def set_office_flag(*, session: Session, actor: Account, key, value) -> None:
    """Switch a yes/no office setting (audited by services.office_settings)."""
    actor = require_staff(session, actor, admin=True)
    if key not in BOOLEAN_SETTINGS:
        raise ValidationFailed("unknown setting", field="key")
    if not isinstance(value, bool):
        raise ValidationFailed("bad value", field="value")
    office_settings.set_value(session, key, "true" if value else "false", actor_id=actor.id)
    session.flush()
