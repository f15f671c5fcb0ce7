"""Office settings kept in the database, so an admin changes them at run time.

Each known key has a spec (kind, bounds) and a default taken from the
configuration (env / .env): a key nobody changed reads as its configured
value. Unknown keys are refused; every change is validated and audited.

`profile()` returns all of them at once as an `OfficeProfile`. It is cached
per process for a few seconds (so request paths such as the upload size cap
don't query the database each time); a change made in this process is seen
at once, other workers see it within `CACHE_SECONDS`.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlmodel import Session, select

from portal_app.accounts.services.passwords import PasswordPolicy
from portal_app.accounts.services.sessions import SessionPolicy
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import ValidationFailed
from portal_app.office.models import OfficeSetting
from portal_app.settings import Settings, get_settings

CACHE_SECONDS = 5.0

# The manual's rule ("minimaal 8 tekens") is the floor; an office may ask more.
PASSWORD_MIN_LENGTH_FLOOR = 8
PASSWORD_MIN_LENGTH_CEILING = 64
DEFAULT_BRAND_COLOUR = "#1f3a5f"
# Logo files live in DATA_DIR/branding under this name pattern.
LOGO_FILE = re.compile(r"logo-[0-9a-f]{16}\.png")
# White text sits on the brand colour (header, buttons in mails): WCAG AA.
MIN_CONTRAST_WITH_WHITE = 4.5


@dataclasses.dataclass(frozen=True)
class SettingSpec:
    kind: str  # bool | int | text | colour | logo
    default: Callable[[Settings], str]
    minimum: int = 0
    maximum: int = 0
    max_length: int = 0


SPECS: dict[str, SettingSpec] = {
    "staff_require_2fa": SettingSpec("bool", lambda s: "true"),
    "office_name": SettingSpec("text", lambda s: s.office_name, max_length=120),
    "brand_colour": SettingSpec("colour", lambda s: DEFAULT_BRAND_COLOUR),
    # JSON {"file": ..., "version": ...} of the logo in DATA_DIR/branding ("" = none)
    "logo": SettingSpec("logo", lambda s: ""),
    "password_min_length": SettingSpec(
        "int", lambda s: str(PASSWORD_MIN_LENGTH_FLOOR), PASSWORD_MIN_LENGTH_FLOOR, PASSWORD_MIN_LENGTH_CEILING
    ),
    "password_require_symbol": SettingSpec("bool", lambda s: "false"),
    "client_max_upload_mb": SettingSpec("int", lambda s: str(s.max_upload_mb), 1, 2048),
    "staff_max_upload_mb": SettingSpec("int", lambda s: str(s.staff_max_upload_mb), 1, 4096),
    # Uploads (documents/upload_guard.py): all files of one client message together, how long a
    # picked file that was never sent is kept, and how much one account may have picked but not sent.
    "client_max_message_mb": SettingSpec("int", lambda s: "50", 1, 4096),
    "staging_expiry_hours": SettingSpec("int", lambda s: "24", 1, 24 * 30),
    "staging_quota_mb": SettingSpec("int", lambda s: "200", 1, 100_000),
    "session_idle_minutes": SettingSpec("int", lambda s: str(s.session_idle_minutes), 5, 24 * 60),
    "session_absolute_hours": SettingSpec("int", lambda s: str(s.session_absolute_hours), 1, 24 * 7),
    # Where clients come to sign (the signing appointment's default place, signing/services/appointments.py).
    "office_address": SettingSpec("text", lambda s: "", max_length=200),
}


@dataclasses.dataclass(frozen=True)
class OfficeProfile:
    """Every office setting, typed. Build with `profile()`."""

    office_name: str
    brand_colour: str
    logo_file: str
    logo_version: str
    password_min_length: int
    password_require_symbol: bool
    client_max_upload_mb: int
    staff_max_upload_mb: int
    session_idle_minutes: int
    session_absolute_hours: int
    staff_require_2fa: bool
    office_address: str = ""
    client_max_message_mb: int = 50
    staging_expiry_hours: int = 24
    staging_quota_mb: int = 200

    @property
    def client_max_upload_bytes(self) -> int:
        return self.client_max_upload_mb * 1024 * 1024

    @property
    def staff_max_upload_bytes(self) -> int:
        return self.staff_max_upload_mb * 1024 * 1024

    @property
    def client_max_message_bytes(self) -> int:
        return self.client_max_message_mb * 1024 * 1024

    @property
    def staging_quota_bytes(self) -> int:
        return self.staging_quota_mb * 1024 * 1024

    @property
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(self.password_min_length, self.password_require_symbol)

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(self.session_idle_minutes, self.session_absolute_hours)

    @property
    def logo_url(self) -> str:
        """Path of the public logo route ("" without a logo); the version busts caches."""
        return f"/branding/logo.png?v={self.logo_version}" if self.logo_file else ""


# ---------------------------------------------------------------------------
# parsing and validation
# ---------------------------------------------------------------------------


def _truthy(raw: str) -> bool:
    return str(raw).strip().lower() in {"1", "true", "yes", "on"}


def _relative_luminance(colour: str) -> float:
    channels = []
    for index in (1, 3, 5):
        value = int(colour[index : index + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_relative_luminance(colour) + 0.05)


def _normalize(key: str, raw: Any) -> str:
    """The stored text for `raw`, or ValidationFailed naming `key` with an i18n code."""
    spec = SPECS[key]
    if spec.kind == "bool":
        if isinstance(raw, bool):
            return "true" if raw else "false"
        text = str(raw).strip().lower()
        if text not in {"true", "false", "1", "0", "on", "off", ""}:
            raise ValidationFailed("not a yes/no value", field=key, code="office.invalid_bool")
        return "true" if _truthy(text) else "false"
    if spec.kind == "int":
        text = str(raw).strip()
        if isinstance(raw, bool) or not text.isdigit() or len(text) > 6:
            raise ValidationFailed(
                "not a whole number",
                field=key,
                code="office.invalid_number",
                minimum=spec.minimum,
                maximum=spec.maximum,
            )
        value = int(text)
        if not spec.minimum <= value <= spec.maximum:
            raise ValidationFailed(
                "out of range", field=key, code="office.invalid_number", minimum=spec.minimum, maximum=spec.maximum
            )
        return str(value)
    if spec.kind == "text":
        text = " ".join(str(raw).split())
        if not text:
            raise ValidationFailed("required", field=key, code="office.required")
        if len(text) > spec.max_length:
            raise ValidationFailed("too long", field=key, code="office.too_long", maximum=spec.max_length)
        if any(ord(ch) < 32 for ch in text):
            raise ValidationFailed("control characters", field=key, code="office.required")
        return text
    if spec.kind == "colour":
        text = str(raw).strip().lower()
        if len(text) == 4 and text.startswith("#"):
            text = "#" + "".join(ch * 2 for ch in text[1:])
        if len(text) != 7 or not text.startswith("#") or any(ch not in "0123456789abcdef" for ch in text[1:]):
            raise ValidationFailed("not a colour", field=key, code="office.invalid_colour")
        if contrast_with_white(text) < MIN_CONTRAST_WITH_WHITE:
            raise ValidationFailed(
                "too light", field=key, code="office.colour_too_light", ratio=f"{contrast_with_white(text):.1f}"
            )
        return text
    if spec.kind == "logo":
        if raw in ("", None):
            return ""
        data = json.loads(raw) if isinstance(raw, str) else dict(raw)
        if (
            set(data) != {"file", "version"}
            or not LOGO_FILE.fullmatch(str(data["file"]))
            or not str(data["version"]).isalnum()
        ):
            raise ValidationFailed("bad logo reference", field=key)
        return json.dumps({"file": data["file"], "version": data["version"]}, sort_keys=True)
    raise ValidationFailed("unknown kind", field=key)  # pragma: no cover


def _check_together(values: dict[str, str]) -> None:
    """Rules that involve two settings."""
    if int(values["session_idle_minutes"]) > int(values["session_absolute_hours"]) * 60:
        raise ValidationFailed(
            "idle longer than absolute", field="session_idle_minutes", code="office.idle_over_absolute"
        )


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------

_cache: dict[str, tuple[float, OfficeProfile]] = {}
_cache_lock = threading.Lock()


def _cache_key(session: Session) -> str:
    bind = session.get_bind()
    return str(getattr(bind, "url", id(bind)))


def invalidate() -> None:
    with _cache_lock:
        _cache.clear()


def raw_values(session: Session, settings: Settings | None = None) -> dict[str, str]:
    """Every known key -> its stored text, or the configured default."""
    settings = settings or get_settings()
    values = {key: spec.default(settings) for key, spec in SPECS.items()}
    for row in session.exec(select(OfficeSetting)).all():
        if row.key in SPECS:
            values[row.key] = row.value
    return values


def _build(values: dict[str, str]) -> OfficeProfile:
    logo_file = logo_version = ""
    if values["logo"]:
        try:
            logo = json.loads(values["logo"])
            logo_file, logo_version = str(logo["file"]), str(logo["version"])
        except (ValueError, KeyError, TypeError):
            logo_file = logo_version = ""

    def number(key: str) -> int:
        spec = SPECS[key]
        try:
            return min(max(int(values[key]), spec.minimum), spec.maximum)
        except ValueError:
            return int(spec.default(get_settings()))

    return OfficeProfile(
        office_name=values["office_name"] or get_settings().office_name,
        brand_colour=values["brand_colour"] or DEFAULT_BRAND_COLOUR,
        logo_file=logo_file,
        logo_version=logo_version,
        password_min_length=number("password_min_length"),
        password_require_symbol=_truthy(values["password_require_symbol"]),
        client_max_upload_mb=number("client_max_upload_mb"),
        staff_max_upload_mb=number("staff_max_upload_mb"),
        session_idle_minutes=number("session_idle_minutes"),
        session_absolute_hours=number("session_absolute_hours"),
        staff_require_2fa=_truthy(values["staff_require_2fa"]),
        office_address=values["office_address"],
        client_max_message_mb=number("client_max_message_mb"),
        staging_expiry_hours=number("staging_expiry_hours"),
        staging_quota_mb=number("staging_quota_mb"),
    )


def profile(session: Session | None = None) -> OfficeProfile:
    """All office settings (cached for CACHE_SECONDS per database)."""
    if session is None:
        from portal_app.core.services.db import get_engine, session_scope

        # a cached profile needs no connection: most events read it
        with _cache_lock:
            cached = _cache.get(str(get_engine().url))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        with session_scope() as own:
            return profile(own)
    key = _cache_key(session)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
    built = _build(raw_values(session))
    with _cache_lock:
        _cache[key] = (now + CACHE_SECONDS, built)
    return built


def staff_must_use_second_factor(session: Session) -> bool:
    return profile(session).staff_require_2fa


# ---------------------------------------------------------------------------
# changing
# ---------------------------------------------------------------------------


def _store(session: Session, key: str, value: str, old: str, actor_id: int | None) -> None:
    row = session.get(OfficeSetting, key) or OfficeSetting(key=key)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    session.add(row)
    audit.record(
        session,
        "office_setting.changed",
        actor_id=actor_id,
        target=f"setting:{key}",
        detail={"old": old[:200], "new": value[:200]},
    )


def update(session: Session, changes: dict[str, Any], *, actor_id: int | None) -> list[str]:
    """Validate and store several settings at once; returns the keys that changed.

    Nothing is stored when one value is invalid (the error names its key).
    """
    unknown = [key for key in changes if key not in SPECS]
    if unknown:
        raise ValidationFailed("unknown setting", field=str(unknown[0])[:60])
    current = raw_values(session)
    wanted = dict(current)
    for key, raw in changes.items():
        wanted[key] = _normalize(key, raw)
    _check_together(wanted)
    changed = [key for key in changes if wanted[key] != current[key]]
    for key in changed:
        _store(session, key, wanted[key], current[key], actor_id)
    session.flush()
    invalidate()
    if changed:
        # and again once committed: a request in between may have cached the old values
        event.listen(session, "after_commit", lambda _session: invalidate(), once=True)
    return changed


def set_value(session: Session, key: str, value: str, *, actor_id: int | None) -> None:
    update(session, {key: value}, actor_id=actor_id)
