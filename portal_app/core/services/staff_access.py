"""Who may use the staff services, and small helpers every staff service shares.

Every staff service function takes the acting account (`actor`) and calls
`require_staff` first: the states check the session through the handler skeleton (core/states/access.py),
and the services check again, so a client account can never reach a staff
rule, whatever the caller forgot. Plain Python, no Reflex import.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from portal_app.accounts.models import Account, StaffRole
from portal_app.core.services.errors import NotFound, PermissionDenied

OFFICE_TZ = ZoneInfo("Europe/Amsterdam")
MAX_ID = 2**63 - 1
MAX_PAGE = 100_000


def require_staff(session: Session, actor: Account | None, *, admin: bool = False) -> Account:
    """The actor reloaded from the database when it is an active staff account (admin if asked)."""
    if actor is None or getattr(actor, "id", None) is None:
        raise PermissionDenied("staff only")
    fresh = session.get(Account, actor.id)
    if fresh is None or not fresh.is_staff or not fresh.is_active:
        raise PermissionDenied("staff only")
    if admin and fresh.staff_role != StaffRole.ADMIN:
        raise PermissionDenied("admin only")
    return fresh


def parse_id(value) -> int:
    """A positive database id from a browser value ("12" or 12); NotFound for anything else."""
    if isinstance(value, bool):
        raise NotFound()
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 19:
        number = int(value.strip())
    else:
        raise NotFound()
    if not 0 < number <= MAX_ID:
        raise NotFound()
    return number


def optional_id(value) -> int | None:
    """None for "" / None / 0, else `parse_id`."""
    if value in (None, "", 0, "0"):
        return None
    return parse_id(value)


def clean_page(value) -> int:
    """A page number (0-based) from a browser value; bad values give page 0."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 0
    return min(max(page, 0), MAX_PAGE)


def one_line(value, max_chars: int) -> str:
    """Whitespace collapsed, cut to `max_chars`; "" for anything but a string."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:max_chars]


def like_pattern(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def local_text(value: datetime | None, *, with_time: bool = True) -> str:
    """'28-11-2026 14:05' in office time, or "" for None."""
    value = aware(value)
    if value is None:
        return ""
    local = value.astimezone(OFFICE_TZ)
    return local.strftime("%d-%m-%Y %H:%M" if with_time else "%d-%m-%Y")


def iso_text(value: datetime | None) -> str:
    value = aware(value)
    return value.astimezone(OFFICE_TZ).isoformat(timespec="seconds") if value else ""


def day_start(value) -> datetime | None:
    """The start of a YYYY-MM-DD day in office time, as UTC; None for bad input."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=OFFICE_TZ).astimezone(UTC)


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(1, round(size / 1024))} kB"
