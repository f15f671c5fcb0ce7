"""Office settings kept in the database (staff can change them without a restart).

Known keys and their defaults live in DEFAULTS; unknown keys are refused.
"""

from __future__ import annotations

from sqlmodel import Session

from portal_app.models import OfficeSetting, utcnow
from portal_app.services import audit
from portal_app.services.errors import ValidationFailed

DEFAULTS: dict[str, str] = {
    "staff_require_2fa": "true",
}


def get(session: Session, key: str) -> str:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(OfficeSetting, key)
    return row.value if row is not None else DEFAULTS[key]


def get_bool(session: Session, key: str) -> bool:
    return get(session, key).strip().lower() in {"1", "true", "yes", "on"}


def set_value(session: Session, key: str, value: str, *, actor_id: int | None) -> None:
    if key not in DEFAULTS:
        raise ValidationFailed("unknown setting", field=key)
    row = session.get(OfficeSetting, key) or OfficeSetting(key=key)
    old = row.value if row.value else DEFAULTS[key]
    row.value = str(value)[:2000]
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    session.add(row)
    audit.record(session, "office_setting.changed", actor_id=actor_id, target=f"setting:{key}", detail={"old": old[:200], "new": row.value[:200]})


def staff_must_use_second_factor(session: Session) -> bool:
    return get_bool(session, "staff_require_2fa")
