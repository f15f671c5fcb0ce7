"""`cli check`: each check passes on a healthy installation and fails with advice when it is not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import Session, SQLModel

from portal_app.core.services.db import make_engine
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.operations.services import backup, checks, migrations
from portal_app.settings import load_settings
from tests.conftest import REDIS_TEST_URL, ROOT, redis_available

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
RELAXED_DISK = checks.Thresholds(disk_fail_free_ratio=0.0, disk_warn_free_ratio=0.0)


def write_cert(path, not_after: datetime) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portaal.example.nl")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_after - timedelta(days=90))
        .not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def make(tmp_path, *, migrated=True, **env):
    values = {
        "PORTAL_ENV": "test",
        "DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "k" * 40,
        "SMTP_HOST": "mail.example.nl",
        "PUBLIC_URL": "https://portaal.example.nl",
    }
    values.update(env)
    settings = load_settings(values)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.is_postgres:
        engine = make_engine(settings.database_url)
        SQLModel.metadata.create_all(engine)
        engine.dispose()
        if migrated:
            migrations.stamp_head(settings.database_url)
    return settings


def stamp_backup(settings, at: datetime) -> None:
    (settings.data_dir / backup.LAST_BACKUP_FILE).write_text(json.dumps({"at": at.isoformat(), "archive": "/b/x.tar"}))


def by_name(results):
    return {r.name: r for r in results}


def test_healthy_installation_passes(tmp_path):
    cert = tmp_path / "cert.pem"
    write_cert(cert, NOW + timedelta(days=80))
    settings = make(tmp_path, TLS_CERT_FILE=str(cert))
    stamp_backup(settings, NOW - timedelta(hours=3))
    results = checks.run_checks(settings, now=NOW, thresholds=RELAXED_DISK)
    assert not checks.failed(results), checks.report(results)
    found = by_name(results)
    assert found["Database"].status is checks.Status.OK and migrations.head_revision() in found["Database"].detail
    assert found["Certificate"].status is checks.Status.OK and "80 days" in found["Certificate"].detail
    assert found["Redis"].status is checks.Status.SKIP
    assert checks.report(results).endswith("All checks passed.")


def test_each_problem_fails_with_what_to_do(tmp_path):
    cert = tmp_path / "cert.pem"
    write_cert(cert, NOW + timedelta(days=5))
    settings = make(tmp_path, SMTP_HOST="", TLS_CERT_FILE=str(cert), REDIS_URL="redis://127.0.0.1:1/0")
    engine = make_engine(settings.database_url)
    with Session(engine) as db:
        db.add(
            OutboxMail(
                to_address="a@example.nl",
                subject="s",
                body_text="t",
                body_html="h",
                kind="invite",
                created_at=NOW - timedelta(hours=2),
                next_attempt_at=NOW - timedelta(hours=2),
            )
        )
        db.add(
            OutboxMail(
                to_address="b@example.nl",
                subject="s",
                body_text="t",
                body_html="h",
                kind="x",
                status=OutboxStatus.FAILED,
            )
        )
        db.commit()
    engine.dispose()
    limits = checks.Thresholds(disk_fail_free_ratio=1.01)  # every disk is "almost full"
    results = checks.run_checks(settings, now=NOW, thresholds=limits)
    found = by_name(results)
    for name in ("Mail", "Mail outbox", "Redis", "Backup", "Certificate", "Disk space"):
        assert found[name].status is checks.Status.FAIL, name
        assert found[name].advice, name
    assert "2 hours" in found["Mail outbox"].detail and "SMTP_HOST" in found["Mail outbox"].advice
    assert found["Failed mail"].status is checks.Status.WARN
    assert "no backup" in found["Backup"].detail
    assert found["Database"].status is checks.Status.OK
    text = checks.report(results)
    assert "[FAIL] Certificate: expires soon" in text and "What to do:" in text
    assert checks.failed(results)


def test_old_backup_expired_certificate_and_unreadable_certificate(tmp_path):
    cert = tmp_path / "cert.pem"
    write_cert(cert, NOW - timedelta(days=1))
    settings = make(tmp_path, TLS_CERT_FILE=str(cert))
    stamp_backup(settings, NOW - timedelta(hours=49))
    found = by_name(checks.run_checks(settings, now=NOW, thresholds=RELAXED_DISK))
    assert found["Backup"].status is checks.Status.FAIL and "2 days" in found["Backup"].detail
    assert found["Certificate"].status is checks.Status.FAIL and "EXPIRED" in found["Certificate"].detail
    cert.write_text("not a certificate")
    assert checks.check_certificate(settings, NOW, checks.Thresholds()).status is checks.Status.FAIL
    write_cert(cert, NOW + timedelta(days=20))
    assert checks.check_certificate(settings, NOW, checks.Thresholds()).status is checks.Status.WARN


def test_http_public_address_in_production_is_a_warning(tmp_path):
    settings = make(tmp_path, PUBLIC_URL="http://portaal.example.nl")
    production = load_settings(
        {
            "PORTAL_ENV": "production",
            "DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": "p" * 40,
            "PUBLIC_URL": "http://portaal.example.nl",
        }
    )
    assert checks.check_certificate(settings, NOW, checks.Thresholds()).status is checks.Status.SKIP
    assert checks.check_certificate(production, NOW, checks.Thresholds()).status is checks.Status.WARN


def test_pending_migration_and_unreachable_database(tmp_path):
    settings = make(tmp_path, migrated=False)
    found = by_name(checks.run_checks(settings, now=NOW, thresholds=RELAXED_DISK))
    assert found["Database"].status is checks.Status.FAIL and "cli migrate" in found["Database"].advice
    assert found["Mail outbox"].status is checks.Status.SKIP
    gone = make(tmp_path / "pg", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    found = by_name(checks.run_checks(gone, now=NOW, thresholds=RELAXED_DISK))
    assert found["Database"].status is checks.Status.FAIL and "not reachable" in found["Database"].detail


def test_file_store_not_writable(tmp_path):
    settings = make(tmp_path)
    settings.files_dir.write_text("a file where the folder should be")  # even root cannot write into it
    result = checks.check_file_store(settings)
    assert result.status is checks.Status.FAIL and "chown" in result.advice


def test_disk_warning_band(tmp_path):
    settings = make(tmp_path)
    limits = checks.Thresholds()
    assert checks.check_disk(settings, limits, usage=lambda _p: (100, 90, 10)).status is checks.Status.WARN
    assert checks.check_disk(settings, limits, usage=lambda _p: (100, 97, 3)).status is checks.Status.FAIL
    assert checks.check_disk(settings, limits, usage=lambda _p: (100, 50, 50)).status is checks.Status.OK


def test_redis_reachable(tmp_path):
    if not redis_available():
        pytest.skip("Redis not reachable")
    settings = make(tmp_path, REDIS_URL=REDIS_TEST_URL)
    assert checks.check_redis(settings).status is checks.Status.OK


def test_cli_check_exit_code(tmp_path):
    settings = make(tmp_path, SMTP_HOST="")
    env = dict(
        os.environ,
        PORTAL_ENV="test",
        DATA_DIR=str(settings.data_dir),
        SMTP_HOST="",
        SECRET_KEY="k" * 40,
        DATABASE_URL=settings.database_url,
    )
    done = subprocess.run(
        [sys.executable, "-m", "portal_app.cli", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "[FAIL] Mail: SMTP_HOST is not set" in done.stdout and "What to do:" in done.stdout
