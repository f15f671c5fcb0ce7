"""Staff and office settings (admins only): add, edit and remove staff; office settings.

A new staff member gets the invitation mail and sets a password like a client.
Removing is a soft delete (the name stays on dossiers and in the audit log):
sessions end and links stop working. The last admin can be neither demoted
nor removed, and nobody removes themselves. Every change is audited.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select, update

from portal_app.accounts.models import Account, AccountKind, AuthToken, StaffRole
from portal_app.accounts.services import accounts, onboarding, sessions, twofactor
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import local_text, one_line, require_staff
from portal_app.office.services import office_settings
from portal_app.settings import Settings

ROLES = (StaffRole.ADMIN, StaffRole.HANDLER)
# Office settings an admin may change here (keys of services.office_settings).
BOOLEAN_SETTINGS = ("staff_require_2fa",)
# Office settings the forms of the settings screen change (update_office).
OFFICE_FORM_SETTINGS = (
    "office_name",
    "brand_colour",
    "office_address",
    "password_min_length",
    "password_require_symbol",
    "client_max_upload_mb",
    "staff_max_upload_mb",
    "client_max_message_mb",
    "staging_expiry_hours",
    "staging_quota_mb",
    "session_idle_minutes",
    "session_absolute_hours",
)


def _get_staff(session: Session, account_id: object) -> Account:
    account = session.get(Account, parse_id(account_id))
    if account is None or not account.is_staff or account.deleted_at is not None:
        raise NotFound()
    return account


def _check_role(role: object) -> str:
    if not isinstance(role, str) or role not in ROLES:
        raise ValidationFailed("bad role", field="role", code="staff.admin.role_invalid")
    return role


def _admin_count(session: Session) -> int:
    return (
        session.exec(
            select(func.count(col(Account.id))).where(
                Account.kind == AccountKind.STAFF,
                Account.staff_role == StaffRole.ADMIN,
                col(Account.deleted_at).is_(None),
                col(Account.blocked).is_(False),
            )
        ).one()
        or 0
    )


@dataclass(frozen=True, kw_only=True)
class StaffRow:
    """One staff member on the settings screen; the blank one stands for "none chosen"."""

    id: int = 0
    name: str = ""
    email: str = ""
    role: str = ""
    role_label: str = ""
    two_factor: bool = False
    active: bool = False  # False: invited, no password set yet
    last_login: str = ""
    me: bool = False  # the admin looking at the screen


@dataclass(frozen=True, kw_only=True)
class OfficeView:
    """The office settings for the settings screen: the editable ones from the database
    (services.office_settings), the read-only ones from the configuration. The blank one
    (before the screen loaded) carries the default colour the header preview falls back on."""

    staff_require_2fa: bool = False
    office_name: str = ""
    brand_colour: str = office_settings.DEFAULT_BRAND_COLOUR
    logo_url: str = ""
    office_address: str = ""
    password_min_length: int = 0
    password_require_symbol: bool = False
    client_max_upload_mb: int = 0
    staff_max_upload_mb: int = 0
    client_max_message_mb: int = 0
    staging_expiry_hours: int = 0
    staging_quota_mb: int = 0
    session_idle_minutes: int = 0
    session_absolute_hours: int = 0
    # set in the configuration (env / .env), shown for reference
    public_url: str = ""
    invite_valid_hours: int = 0
    reset_valid_minutes: int = 0


def list_staff(*, session: Session, actor: Account, language: str = "nl") -> list[StaffRow]:
    require_staff(session, actor, admin=True)
    rows = session.exec(
        select(Account)
        .where(Account.kind == AccountKind.STAFF, col(Account.deleted_at).is_(None))
        .order_by(col(Account.name), col(Account.id))
        .limit(500)
    ).all()
    return [_staff_row(session, account, actor, language) for account in rows]


def _staff_row(session: Session, account: Account, actor: Account, language: str) -> StaffRow:
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    return StaffRow(
        id=account.id,
        name=account.name,
        email=account.email,
        role=account.staff_role or "",
        role_label=i18n.t(f"staff.role.{account.staff_role}", language),
        two_factor=twofactor.is_enabled(session, account.id),
        active=bool(account.password_hash),
        last_login=local_text(account.last_login_at) or "—",
        me=account.id == actor.id,
    )


def add_staff(
    *, session: Session, actor: Account, email: object, name: object, role: object, settings: Settings
) -> Account:
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


def update_staff(*, session: Session, actor: Account, account_id: object, name: object, role: object) -> Account:
    actor = require_staff(session, actor, admin=True)
    account = _get_staff(session, account_id)
    new_role = _check_role(role)
    new_name = one_line(name, 201)
    if not new_name or len(new_name) > 200:
        raise ValidationFailed("bad name", field="name", code="account.invalid_name")
    changes: dict[str, str] = {}
    if new_role != account.staff_role:
        if account.staff_role == StaffRole.ADMIN and _admin_count(session) <= 1:
            raise ValidationFailed("last admin", field="role", code="staff.admin.last_admin")
        changes["role"] = f"{account.staff_role} -> {new_role}"
        account.staff_role = new_role
    if new_name != account.name:
        changes["name"] = "changed"
        account.name = new_name
    if changes:
        session.add(account)
        audit.record(session, "staff.changed", actor_id=actor.id, target=f"account:{account.id}", detail=changes)
        session.flush()
    return account


def remove_staff(*, session: Session, actor: Account, account_id: object) -> Account:
    """Soft delete: the account can no longer sign in; its name stays where it was used."""
    actor = require_staff(session, actor, admin=True)
    account = _get_staff(session, account_id)
    if account.id == actor.id:
        raise ValidationFailed("not yourself", code="staff.admin.not_yourself")
    if account.staff_role == StaffRole.ADMIN and _admin_count(session) <= 1:
        raise ValidationFailed("last admin", code="staff.admin.last_admin")
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    account.deleted_at = utcnow()
    session.add(account)
    sessions.end_all_sessions(session, account.id)
    session.exec(
        update(AuthToken)
        .where(
            col(AuthToken.account_id) == account.id,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    audit.record(session, "staff.removed", actor_id=actor.id, target=f"account:{account.id}")
    session.flush()
    return account


def office_view(*, session: Session, actor: Account, settings: Settings) -> OfficeView:
    """The office settings for the settings screen (see OfficeView)."""
    require_staff(session, actor, admin=True)
    office = office_settings.profile(session)
    return OfficeView(
        staff_require_2fa=office_settings.staff_must_use_second_factor(session),
        office_name=office.office_name,
        brand_colour=office.brand_colour,
        logo_url=office.logo_url,
        office_address=office.office_address,
        password_min_length=office.password_min_length,
        password_require_symbol=office.password_require_symbol,
        client_max_upload_mb=office.client_max_upload_mb,
        staff_max_upload_mb=office.staff_max_upload_mb,
        client_max_message_mb=office.client_max_message_mb,
        staging_expiry_hours=office.staging_expiry_hours,
        staging_quota_mb=office.staging_quota_mb,
        session_idle_minutes=office.session_idle_minutes,
        session_absolute_hours=office.session_absolute_hours,
        public_url=settings.public_url,
        invite_valid_hours=settings.invite_valid_hours,
        reset_valid_minutes=settings.reset_valid_minutes,
    )


def _refuse_value(key: str) -> ValidationFailed:
    """The error a value of the wrong type gets (the same code a bad text would get)."""
    spec = office_settings.SPECS[key]
    if spec.kind == "int":
        return ValidationFailed(
            "bad value", field=key, code="office.invalid_number", minimum=spec.minimum, maximum=spec.maximum
        )
    code = {"bool": "office.invalid_bool", "colour": "office.invalid_colour"}.get(spec.kind, "office.required")
    return ValidationFailed("bad value", field=key, code=code)


def update_office(*, session: Session, actor: Account, changes: dict[str, Any]) -> list[str]:
    """Store office settings from the settings screen's forms; returns the keys that changed.

    Only the forms' keys (OFFICE_FORM_SETTINGS) are accepted: the 2-step switch has
    `set_office_flag`, the logo services.branding. services.office_settings validates
    every value and stores all of them or none (the error names the field) and audits
    each change with the admin, the old and the new value.
    """
    actor = require_staff(session, actor, admin=True)
    if not isinstance(changes, dict) or not changes:
        raise ValidationFailed("no settings", field="key")
    for key, value in changes.items():
        if key not in OFFICE_FORM_SETTINGS:
            raise ValidationFailed("unknown setting", field="key")
        if not isinstance(value, (str, int, bool)) or (isinstance(value, str) and len(value) > 1000):
            raise _refuse_value(key)
    changed = office_settings.update(session, dict(changes), actor_id=actor.id)
    session.flush()
    return changed


def set_office_flag(*, session: Session, actor: Account, key: object, value: object) -> None:
    """Switch a yes/no office setting (audited by services.office_settings)."""
    actor = require_staff(session, actor, admin=True)
    if not isinstance(key, str) or key not in BOOLEAN_SETTINGS:
        raise ValidationFailed("unknown setting", field="key")
    if not isinstance(value, bool):
        raise ValidationFailed("bad value", field="value")
    office_settings.set_value(session, key, "true" if value else "false", actor_id=actor.id)
    session.flush()
