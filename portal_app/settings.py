"""One validated settings object, read from the environment and an optional `.env`.

No Reflex import here: services, the CLI and the tests use it too.
A bad setting stops start-up with a message that names it (SettingsError).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Secrets that must never be accepted in production (copied from examples, etc.).
KNOWN_BAD_SECRETS = {"changeme", "secret", "dev", "development", "test", "insecure"}


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names it."""


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _as_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _as_int(name: str, raw: str, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


@dataclasses.dataclass(frozen=True)
class Settings:
    environment: str  # production | development | test
    data_dir: Path
    database_url: str
    redis_url: str | None
    public_url: str
    port: int
    secret_key: str
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_from: str
    max_upload_mb: int
    staff_max_upload_mb: int
    office_name: str
    session_idle_minutes: int
    session_absolute_hours: int
    invite_valid_hours: int
    reset_valid_minutes: int
    sms_provider_url: str | None
    sms_provider_token: str | None
    # Calm notification mails: at most one digest per client per this many minutes
    # (0: as soon as the background loop runs).
    notify_interval_minutes: int = 10
    # Every date and time users read is in this zone (formatting.py), whatever the server's zone.
    office_timezone: str = "Europe/Amsterdam"
    # Reverse proxies (IP addresses or networks) whose X-Forwarded-For/-Proto are believed
    # (core/services/proxy.py); empty: the headers are ignored and the TCP peer is the client.
    trusted_proxies: tuple[str, ...] = ()
    # Bearer token for /metrics (core/api.py, core/services/metrics.py); unset: /metrics answers 404.
    metrics_token: str | None = None
    # "text" (default) or "json": one JSON object per log line (core/services/json_logs.py).
    log_format: str = "text"
    # Where `cli backup` writes its archives (operations/services/backup.py); unset: $DATA_DIR/backups.
    backup_dir: Path | None = None
    # The TLS certificate (PEM) the proxy serves, read by `cli check` to warn before it expires.
    tls_cert_file: Path | None = None

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def staff_max_upload_bytes(self) -> int:
        return self.staff_max_upload_mb * 1024 * 1024

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def cookie_secure(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


def _as_timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be a time zone name like Europe/Amsterdam, not {raw!r}") from None
    return raw


def _as_networks(name: str, raw: str) -> tuple[str, ...]:
    """Comma-separated IP addresses or networks (127.0.0.1, 10.0.0.0/8, ::1), normalised."""
    import ipaddress

    networks = []
    for part in raw.replace(" ", ",").split(","):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise SettingsError(
                f"{name} must list IP addresses or networks like 127.0.0.1 or 10.0.0.0/8, not {part!r}"
            ) from None
    return tuple(networks)


def _as_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def _metrics_token(raw: str) -> str | None:
    if raw and len(raw) < 24:
        raise SettingsError("METRICS_TOKEN must be at least 24 characters (or unset to switch /metrics off)")
    return raw or None


def _create_key_file(data_dir: Path, key_file: Path) -> str:
    """A new random key in `key_file`, or the one another process wrote first.

    Two processes may start on a fresh DATA_DIR together (the web process and `cli migrate`):
    each writes its key to a file of its own and links it into place, which succeeds for
    exactly one of them; the other then reads the winner's key, never a half-written file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    own = key_file.with_name(f".{key_file.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(own, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(own, key_file)
        except FileExistsError:
            key = key_file.read_text(encoding="utf-8").strip()
    finally:
        own.unlink(missing_ok=True)
    return key


def _secret_key(env: dict[str, str], data_dir: Path, environment: str) -> str:
    key = env.get("SECRET_KEY", "").strip()
    if not key:
        key_file = data_dir / "secret_key"
        if key_file.is_file():
            key = key_file.read_text(encoding="utf-8").strip()
        else:
            key = _create_key_file(data_dir, key_file)
    if environment == "production" and (len(key) < 32 or key.lower() in KNOWN_BAD_SECRETS):
        raise SettingsError("SECRET_KEY is too short or a known value: use at least 32 random characters")
    return key


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build the settings from `environ` (default: .env overlaid by os.environ)."""
    if environ is None:
        env = _read_dotenv(PROJECT_ROOT / ".env")
        env.update(os.environ)
    else:
        env = dict(environ)

    environment = env.get("PORTAL_ENV", "production").strip().lower()
    if environment not in {"production", "development", "test"}:
        raise SettingsError(f"PORTAL_ENV must be production, development or test, not {environment!r}")

    data_dir = Path(env.get("DATA_DIR") or PROJECT_ROOT / "data").resolve()
    port = _as_int("PORT", env.get("PORT", "3000"), 1, 65535)

    database_url = env.get("DATABASE_URL", "").strip() or f"sqlite:///{data_dir / 'portal.db'}"
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg2://")):
        raise SettingsError("DATABASE_URL must start with sqlite:/// or postgresql://")

    redis_url = env.get("REDIS_URL", "").strip() or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://")):
        raise SettingsError("REDIS_URL must start with redis:// or rediss://")

    public_url = (env.get("PUBLIC_URL", "").strip() or f"http://localhost:{port}").rstrip("/")
    parts = urlsplit(public_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise SettingsError("PUBLIC_URL must be an origin like https://portaal.example.nl")

    smtp_host = env.get("SMTP_HOST", "").strip() or None
    return Settings(
        environment=environment,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        public_url=public_url,
        port=port,
        secret_key=_secret_key(env, data_dir, environment),
        smtp_host=smtp_host,
        smtp_port=_as_int("SMTP_PORT", env.get("SMTP_PORT", "25"), 1, 65535),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_starttls=_as_bool("SMTP_STARTTLS", env.get("SMTP_STARTTLS", "false")),
        smtp_from=env.get("SMTP_FROM", "").strip() or "portaal@localhost",
        max_upload_mb=_as_int("MAX_UPLOAD_MB", env.get("MAX_UPLOAD_MB", "25"), 1, 2048),
        staff_max_upload_mb=_as_int("STAFF_MAX_UPLOAD_MB", env.get("STAFF_MAX_UPLOAD_MB", "100"), 1, 4096),
        office_name=env.get("OFFICE_NAME", "").strip() or "Notariskantoor De Vries",
        session_idle_minutes=_as_int("SESSION_IDLE_MINUTES", env.get("SESSION_IDLE_MINUTES", "30"), 1, 24 * 60),
        session_absolute_hours=_as_int("SESSION_ABSOLUTE_HOURS", env.get("SESSION_ABSOLUTE_HOURS", "12"), 1, 24 * 7),
        invite_valid_hours=_as_int("INVITE_VALID_HOURS", env.get("INVITE_VALID_HOURS", "72"), 1, 24 * 30),
        reset_valid_minutes=_as_int("RESET_VALID_MINUTES", env.get("RESET_VALID_MINUTES", "60"), 5, 24 * 60),
        sms_provider_url=env.get("SMS_PROVIDER_URL") or None,
        sms_provider_token=env.get("SMS_PROVIDER_TOKEN") or None,
        notify_interval_minutes=_as_int(
            "NOTIFY_INTERVAL_MINUTES", env.get("NOTIFY_INTERVAL_MINUTES", "10"), 0, 24 * 60
        ),
        office_timezone=_as_timezone("OFFICE_TIMEZONE", env.get("OFFICE_TIMEZONE", "").strip() or "Europe/Amsterdam"),
        trusted_proxies=_as_networks("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES", "")),
        metrics_token=_metrics_token(env.get("METRICS_TOKEN", "").strip()),
        log_format=_as_choice("LOG_FORMAT", env.get("LOG_FORMAT", "").strip().lower() or "text", ("text", "json")),
        backup_dir=Path(env["BACKUP_DIR"].strip()).resolve() if env.get("BACKUP_DIR", "").strip() else None,
        tls_cert_file=Path(env["TLS_CERT_FILE"].strip()).resolve() if env.get("TLS_CERT_FILE", "").strip() else None,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
