"""`/ready`: may this worker take traffic? (`/health` only says the process is alive.)

Each check answers within a couple of seconds and says what is wrong in a word a monitor
can alert on:

- database: one `SELECT 1`;
- files: the file store takes a small write with fsync (a full or read-only disk is the
  classic way an office loses uploads);
- redis: a PING, only when REDIS_URL is set;
- outbox: no mail has been waiting longer than OUTBOX_STUCK_MINUTES while SMTP is configured
  (without SMTP_HOST mail waits on purpose and staff read it in the outbox).

The route (core/api.py `ready`) answers 200 when all pass, else 503, and lists every check either way.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from portal_app.settings import Settings, get_settings

# A mail still queued after this long means the background sender is stuck or SMTP refuses it.
OUTBOX_STUCK_MINUTES = 30


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database() -> Check:
    from sqlalchemy import text

    from portal_app.core.services.db import session_scope

    try:
        with session_scope() as db:
            db.connection().execute(text("SELECT 1"))
    except Exception as error:
        return Check("database", False, f"unavailable ({type(error).__name__})")
    return Check("database", True, "ok")


def check_files(settings: Settings) -> Check:
    folder = settings.files_dir
    probe = folder / f".ready-{secrets.token_hex(6)}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"ready")
            os.fsync(fd)
        finally:
            os.close(fd)
        probe.unlink()
    except OSError as error:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass
        return Check("files", False, f"not writable ({error.strerror or type(error).__name__})")
    return Check("files", True, "ok")


def check_redis(settings: Settings) -> Check | None:
    if not settings.redis_url:
        return None
    try:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:
        return Check("redis", False, f"unavailable ({type(error).__name__})")
    return Check("redis", True, "ok")


def check_outbox(settings: Settings) -> Check:
    from sqlalchemy import func
    from sqlmodel import select

    from portal_app.core.models import utcnow
    from portal_app.core.services.db import session_scope
    from portal_app.notifications.models import OutboxMail, OutboxStatus

    if not settings.smtp_host:
        return Check("outbox", True, "ok (no SMTP_HOST: mail waits for staff)")
    waiting = (OutboxStatus.QUEUED, OutboxStatus.RETRYING, OutboxStatus.SENDING)
    try:
        with session_scope() as db:
            oldest = db.exec(
                select(func.min(OutboxMail.created_at)).where(OutboxMail.status.in_(waiting))  # type: ignore[attr-defined]
            ).one()
    except Exception as error:
        return Check("outbox", False, f"unreadable ({type(error).__name__})")
    if oldest is not None:
        if oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        age = utcnow() - oldest
        if age > timedelta(minutes=OUTBOX_STUCK_MINUTES):
            return Check("outbox", False, f"stuck (oldest mail waiting {int(age.total_seconds() // 60)} min)")
    return Check("outbox", True, "ok")


def run_checks(settings: Settings | None = None) -> list[Check]:
    """Every readiness check (blocking: call in a thread)."""
    settings = settings or get_settings()
    database = check_database()
    checks = [database, check_files(settings)]
    redis_check = check_redis(settings)
    if redis_check is not None:
        checks.append(redis_check)
    if database.ok:
        checks.append(check_outbox(settings))
    return checks
