"""`cli check`: is this installation healthy, and what to do about each problem.

Every check is offline-safe: nothing leaves the machine except the connections the portal
makes anyway (database, Redis). Mail is checked for its settings only, and the certificate
from the file the proxy serves (TLS_CERT_FILE), not by connecting to the public address.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from portal_app.core.services.db import make_engine
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.operations.services import backup, migrations
from portal_app.settings import Settings

PENDING_MAIL = (OutboxStatus.QUEUED, OutboxStatus.RETRYING, OutboxStatus.SENDING)


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str
    advice: str = ""


@dataclass(frozen=True)
class Thresholds:
    disk_fail_free_ratio: float = 0.05
    disk_warn_free_ratio: float = 0.15
    outbox_stuck_after: timedelta = timedelta(minutes=30)
    backup_max_age: timedelta = timedelta(hours=48)
    cert_fail_within: timedelta = timedelta(days=14)
    cert_warn_within: timedelta = timedelta(days=30)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} minutes"
    if minutes < 48 * 60:
        return f"{minutes // 60} hours"
    return f"{minutes // (24 * 60)} days"


def check_database(engine: Engine) -> CheckResult:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # any driver error means: not reachable
        return CheckResult(
            "Database",
            Status.FAIL,
            f"not reachable ({type(error).__name__})",
            "Check DATABASE_URL in the settings and that the database server runs "
            "(systemctl status postgresql); for SQLite, that DATA_DIR is readable by the portal's user.",
        )
    head = migrations.head_revision()
    if current != head:
        return CheckResult(
            "Database",
            Status.FAIL,
            f"reachable, but at schema {current or 'none'} while this version needs {head}",
            "Take a backup (cli backup), then run: python -m portal_app.cli migrate",
        )
    return CheckResult("Database", Status.OK, f"reachable, migrations current ({head})")


def check_file_store(settings: Settings) -> CheckResult:
    folder = settings.files_dir / "tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="check-", dir=folder)
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as error:
        return CheckResult(
            "File store",
            Status.FAIL,
            f"{settings.files_dir} is not writable ({error.strerror})",
            "Give the portal's user ownership of DATA_DIR (chown -R klantenportaal: DATA_DIR) "
            "and check that the disk is mounted read-write.",
        )
    return CheckResult("File store", Status.OK, f"{settings.files_dir} is writable")


def check_disk(
    settings: Settings,
    thresholds: Thresholds,
    usage: Callable[[str], tuple[int, int, int]] = shutil.disk_usage,
) -> CheckResult:
    folder = settings.data_dir if settings.data_dir.exists() else settings.data_dir.parent
    total, _used, free = usage(str(folder))
    ratio = free / total if total else 0.0
    detail = f"{free / 1e9:.1f} GB free of {total / 1e9:.1f} GB ({ratio:.0%}) at {folder}"
    advice = (
        "Free space: remove old backups in the backup folder (cli backup --keep N), "
        "run cli purge, or give the server a larger disk."
    )
    if ratio < thresholds.disk_fail_free_ratio:
        return CheckResult("Disk space", Status.FAIL, "almost full: " + detail, advice)
    if ratio < thresholds.disk_warn_free_ratio:
        return CheckResult("Disk space", Status.WARN, "getting full: " + detail, advice)
    return CheckResult("Disk space", Status.OK, detail)


def check_mail_settings(settings: Settings) -> CheckResult:
    if not settings.smtp_host:
        return CheckResult(
            "Mail",
            Status.FAIL,
            "SMTP_HOST is not set: invitations and notifications wait in the outbox",
            "Set SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS and SMTP_FROM "
            "(your mail provider gives these) in the settings file and restart the portal.",
        )
    return CheckResult("Mail", Status.OK, f"sending through {settings.smtp_host}:{settings.smtp_port}")


def check_outbox(engine: Engine, settings: Settings, now: datetime, thresholds: Thresholds) -> list[CheckResult]:
    with Session(engine) as db:
        oldest, waiting = db.exec(
            select(func.min(OutboxMail.created_at), func.count(col(OutboxMail.id))).where(
                col(OutboxMail.status).in_(PENDING_MAIL), OutboxMail.next_attempt_at <= now
            )
        ).one()
        failed = db.exec(select(func.count(col(OutboxMail.id))).where(OutboxMail.status == OutboxStatus.FAILED)).one()
    results: list[CheckResult] = []
    if oldest is None:
        results.append(CheckResult("Mail outbox", Status.OK, "no mail waiting"))
    else:
        age = now - _aware(oldest)
        detail = f"{waiting} mail(s) due, the oldest waiting {_age(age)}"
        if age > thresholds.outbox_stuck_after:
            advice = (
                "Mail is not configured: set SMTP_HOST (see Mail above)."
                if not settings.smtp_host
                else "Check that the portal runs (its workers send the mail) and that the mail server accepts "
                "the login; the last error of each mail is at /staff/outbox. Send once by hand: cli send-mail"
            )
            results.append(CheckResult("Mail outbox", Status.FAIL, "stuck: " + detail, advice))
        else:
            results.append(CheckResult("Mail outbox", Status.OK, detail))
    if failed:
        results.append(
            CheckResult(
                "Failed mail",
                Status.WARN,
                f"{failed} mail(s) gave up after all retries",
                "Read the errors at /staff/outbox; correct the address or the mail settings and send again.",
            )
        )
    return results


def check_redis(settings: Settings) -> CheckResult:
    if not settings.redis_url:
        return CheckResult("Redis", Status.SKIP, "not configured (one worker keeps its state in memory)")
    try:
        import redis

        client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=3)
        client.ping()
        client.close()
    except Exception as error:  # any client error means: not reachable
        return CheckResult(
            "Redis",
            Status.FAIL,
            f"{urlsplit(settings.redis_url).hostname} not reachable ({type(error).__name__})",
            "Start Redis (systemctl start redis-server) or correct REDIS_URL.",
        )
    return CheckResult("Redis", Status.OK, "reachable")


def check_backup(settings: Settings, now: datetime, thresholds: Thresholds) -> CheckResult:
    advice = (
        "Run: python -m portal_app.cli backup (the klantenportaal-backup.timer unit does this nightly), "
        "and copy the archive off the server."
    )
    last = backup.last_backup(settings)
    if last is None:
        return CheckResult("Backup", Status.FAIL, "no backup has been made on this server", advice)
    age = now - last.at
    if age > thresholds.backup_max_age:
        return CheckResult("Backup", Status.FAIL, f"the last backup is {_age(age)} old ({last.archive})", advice)
    return CheckResult("Backup", Status.OK, f"last backup {_age(age)} ago ({last.archive})")


def check_certificate(settings: Settings, now: datetime, thresholds: Thresholds) -> CheckResult:
    if settings.tls_cert_file is None:
        if settings.cookie_secure:
            return CheckResult(
                "Certificate",
                Status.SKIP,
                "not checked: TLS_CERT_FILE is not set (Caddy renews its own certificates)",
            )
        host = urlsplit(settings.public_url).hostname or ""
        if settings.environment == "production" and host not in {"localhost", "127.0.0.1", "::1"}:
            return CheckResult(
                "Certificate",
                Status.WARN,
                f"PUBLIC_URL {settings.public_url} is not https",
                "Put the HTTPS proxy in front (deploy/, docs/admin.md) and set PUBLIC_URL to its https address.",
            )
        return CheckResult("Certificate", Status.SKIP, "no https address configured")
    from cryptography import x509

    advice = "Renew the certificate (certbot renew, or your provider) and reload the proxy."
    try:
        certificate = x509.load_pem_x509_certificate(settings.tls_cert_file.read_bytes())
    except (OSError, ValueError) as error:
        return CheckResult(
            "Certificate",
            Status.FAIL,
            f"{settings.tls_cert_file} cannot be read as a PEM certificate ({error})",
            "Set TLS_CERT_FILE to the certificate file the proxy serves, readable by the portal's user.",
        )
    expires = certificate.not_valid_after_utc
    left = expires - now
    name = settings.tls_cert_file.name
    if left.total_seconds() <= 0:
        return CheckResult("Certificate", Status.FAIL, f"{name} EXPIRED on {expires:%Y-%m-%d}", advice)
    detail = f"{name} valid until {expires:%Y-%m-%d} ({_age(left)} left)"
    if left < thresholds.cert_fail_within:
        return CheckResult("Certificate", Status.FAIL, "expires soon: " + detail, advice)
    if left < thresholds.cert_warn_within:
        return CheckResult("Certificate", Status.WARN, "expires soon: " + detail, advice)
    return CheckResult("Certificate", Status.OK, detail)


def run_checks(
    settings: Settings, *, now: datetime | None = None, thresholds: Thresholds | None = None
) -> list[CheckResult]:
    moment = now or datetime.now(UTC)
    limits = thresholds or Thresholds()
    engine = make_engine(settings.database_url)
    try:
        database = check_database(engine)
        results = [database, check_file_store(settings), check_disk(settings, limits), check_mail_settings(settings)]
        if database.status is Status.OK:
            results.extend(check_outbox(engine, settings, moment, limits))
        else:
            results.append(CheckResult("Mail outbox", Status.SKIP, "not checked: the database is not ready"))
        results.append(check_redis(settings))
        results.append(check_backup(settings, moment, limits))
        results.append(check_certificate(settings, moment, limits))
    finally:
        engine.dispose()
    return results


def failed(results: list[CheckResult]) -> bool:
    return any(result.status is Status.FAIL for result in results)


def report(results: list[CheckResult]) -> str:
    labels = {Status.OK: "[ OK ]", Status.WARN: "[WARN]", Status.FAIL: "[FAIL]", Status.SKIP: "[ -- ]"}
    lines = []
    for result in results:
        lines.append(f"{labels[result.status]} {result.name}: {result.detail}")
        if result.advice and result.status in (Status.WARN, Status.FAIL):
            lines.append(f"       What to do: {result.advice}")
    problems = sum(1 for r in results if r.status is Status.FAIL)
    warnings = sum(1 for r in results if r.status is Status.WARN)
    lines.append("")
    lines.append(
        "All checks passed." if not problems and not warnings else f"{problems} problem(s), {warnings} warning(s)."
    )
    return "\n".join(lines)
