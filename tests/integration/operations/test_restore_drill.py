"""Restore drill: demo office + uploads -> backup -> wipe -> restore -> every document downloads
byte-identical and every demo user signs in. On SQLite and on PostgreSQL (pg_dump/psql).

Also the refusals: a changed byte, a wrong key, a cut-off archive, another schema revision;
each leaves the live data untouched."""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tarfile
import warnings
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel, select
from starlette.applications import Starlette

with warnings.catch_warnings():  # "use httpx2" notice of starlette.testclient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from portal_app import demo
from portal_app.accounts.models import Account
from portal_app.accounts.services import auth, sessions
from portal_app.core.services.db import make_engine
from portal_app.documents import api as downloads
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import Dossier, unread_trigger_names
from portal_app.operations.services import archive_crypto, backup, migrations
from portal_app.settings import load_settings
from tests.conftest import ROOT
from tests.unit.helpers import stale_unread_counts, unread_triggers

ORIGIN = "http://portaal.test:3000"
# every byte value, and larger than one encryption chunk
UPLOAD = bytes(range(256)) * 5000 + secrets.token_bytes(300_000)


def make_settings(tmp_path: Path, database_url: str | None = None):
    env = {"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "k" * 40, "PUBLIC_URL": ORIGIN}
    if database_url:
        env["DATABASE_URL"] = database_url
    return load_settings(env)


def build_office(settings) -> dict[str, bytes]:
    """Schema at head, the demo office and one extra binary upload; returns storage key -> bytes."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    SQLModel.metadata.create_all(engine)
    migrations.stamp_head(settings.database_url)
    store = FileStore(settings.files_dir)
    with Session(engine, expire_on_commit=False) as db:
        demo.seed(db, store, office_name="Notariskantoor Drill")
        db.commit()
        dossier = db.exec(select(Dossier)).first()
        staff = db.exec(select(Account).where(Account.email == "notaris@example.nl")).one()
        documents.store_document(
            session=db,
            store=store,
            dossier_id=dossier.id,
            kind=DocumentKind.DOCUMENT,
            title="Upload",
            filename="scan.pdf",
            chunks=[b"%PDF-1.4\n" + UPLOAD],
            max_bytes=10**8,
            uploaded_by_id=staff.id,
        )
        db.commit()
        rows = db.exec(select(Document)).all()
        originals = {row.storage_key: store.open(row.storage_key).read() for row in rows}
    engine.dispose()
    (settings.data_dir / "branding").mkdir(exist_ok=True)
    (settings.data_dir / "branding" / "logo.png").write_bytes(b"\x89PNG fake logo")
    assert len(originals) >= 5
    return originals


def wipe(settings) -> None:
    engine = make_engine(settings.database_url)
    if settings.is_postgres:
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    for child in settings.data_dir.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def assert_office_back(settings, originals: dict[str, bytes]) -> None:
    engine = make_engine(settings.database_url)
    store = FileStore(settings.files_dir)
    try:
        with Session(engine, expire_on_commit=False) as db:
            rows = db.exec(select(Document)).all()
            assert {row.storage_key for row in rows} == set(originals)
            for row in rows:
                assert store.open(row.storage_key).read() == originals[row.storage_key]
            # every demo user signs in with the demo password (the auth service checks the hash)
            for email, _what in demo.DEMO_LOGINS:
                result = auth.login(
                    db,
                    email=email,
                    password=demo.DEMO_PASSWORD,
                    ip="127.0.0.1",
                    user_agent="drill",
                    policy=sessions.SessionPolicy(),
                )
                assert result.account.email == email
            db.commit()
            # and a client downloads their documents through the real /files route
            jansen = db.exec(select(Account).where(Account.email == "jansen@example.nl")).one()
            token = sessions.create_session(db, jansen, policy=sessions.SessionPolicy())[0]
            db.commit()
        app = downloads.make_routes(engine=engine, store=store, settings=settings)

        with TestClient(Starlette(routes=app), base_url=ORIGIN) as client:
            client.cookies.set(sessions.COOKIE_NAME, token)
            with Session(engine) as db:
                rows = db.exec(select(Document)).all()
            downloaded = 0
            for row in rows:
                response = client.get(f"/files/{row.id}")
                if response.status_code == 200:  # the documents this client may see
                    assert response.content == originals[row.storage_key]
                    downloaded += 1
            assert downloaded >= 2
    finally:
        engine.dispose()
    assert (settings.data_dir / "branding" / "logo.png").read_bytes() == b"\x89PNG fake logo"


def assert_unread_counts_kept(settings) -> None:
    """The restored database still has the triggers that keep the list's unread counts (migration 0010)."""
    engine = make_engine(settings.database_url)
    try:
        assert unread_triggers(engine) == unread_trigger_names()
        assert stale_unread_counts(engine) == 0
    finally:
        engine.dispose()


def drill(settings, tmp_path: Path, key: bytes | None) -> None:
    originals = build_office(settings)
    result = backup.create_backup(settings, target_dir=tmp_path / "backups", key=key)
    assert result.path.exists() and result.encrypted is (key is not None)
    assert result.schema_revision == migrations.head_revision()
    wipe(settings)
    assert not any(settings.data_dir.iterdir())
    restored = backup.restore_backup(result.path, settings, key=key)
    assert restored.files == len(originals)
    assert_office_back(settings, originals)
    assert_unread_counts_kept(settings)
    # nothing of the staging is left behind
    assert not [p for p in settings.data_dir.iterdir() if p.name.startswith(".restore-")]


def test_sqlite_drill_plain(tmp_path):
    drill(make_settings(tmp_path), tmp_path, key=None)


def test_sqlite_drill_encrypted(tmp_path):
    key_file = tmp_path / "backup.key"
    archive_crypto.new_key_file(key_file)
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    drill(make_settings(tmp_path), tmp_path, key=archive_crypto.read_key_file(key_file))


def test_postgres_drill(tmp_path, postgres_url):
    drill(make_settings(tmp_path, postgres_url), tmp_path, key=None)


# -- refusals ---------------------------------------------------------------


@pytest.fixture
def office(tmp_path):
    settings = make_settings(tmp_path)
    originals = build_office(settings)
    return settings, originals


def live_state(settings) -> tuple[int, list[str]]:
    engine = make_engine(settings.database_url)
    with Session(engine) as db:
        count = len(db.exec(select(Document)).all())
    engine.dispose()
    return count, sorted(str(p.relative_to(settings.data_dir)) for p in settings.files_dir.rglob("*"))


def change_live_data(settings) -> None:
    """After the backup: one document less, so a refused restore is seen to change nothing."""
    engine = make_engine(settings.database_url)
    with Session(engine) as db:
        row = db.exec(select(Document)).first()
        db.delete(row)
        db.commit()
    engine.dispose()


def test_changed_byte_is_refused_and_nothing_is_touched(office, tmp_path):
    settings, originals = office
    archive = backup.create_backup(settings, target_dir=tmp_path / "backups").path
    change_live_data(settings)
    before = live_state(settings)
    # change one byte inside the uploaded file's content (not a tar header): only the sum can tell
    raw = bytearray(archive.read_bytes())
    position = raw.find(bytes(range(256)) * 4)
    assert position > 0
    raw[position + 100] ^= 0x01
    archive.write_bytes(bytes(raw))
    with pytest.raises(backup.BackupError, match="SHA-256"):
        backup.restore_backup(archive, settings)
    assert live_state(settings) == before


def test_damaged_header_is_refused(office, tmp_path):
    settings, _ = office
    archive = backup.create_backup(settings, target_dir=tmp_path / "backups").path
    raw = bytearray(archive.read_bytes())
    raw[10] ^= 0xFF  # inside the first member's name: the tar header checksum fails
    archive.write_bytes(bytes(raw))
    with pytest.raises(backup.BackupError, match="damaged|unexpected"):
        backup.restore_backup(archive, settings)


def test_wrong_key_and_missing_key_and_tampered_ciphertext_are_refused(office, tmp_path):
    settings, _ = office
    key = secrets.token_bytes(32)
    archive = backup.create_backup(settings, target_dir=tmp_path / "backups", key=key).path
    assert archive.name.endswith(".tar.enc")
    assert bytes(range(256)) * 4 not in archive.read_bytes()  # the contents are not readable
    change_live_data(settings)
    before = live_state(settings)
    with pytest.raises(backup.BackupError, match="wrong key"):
        backup.restore_backup(archive, settings, key=secrets.token_bytes(32))
    with pytest.raises(backup.BackupError, match="encrypted"):
        backup.restore_backup(archive, settings)
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    tampered = tmp_path / "tampered.tar.enc"
    tampered.write_bytes(bytes(raw))
    with pytest.raises(backup.BackupError, match="changed"):
        backup.restore_backup(tampered, settings, key=key)
    cut = tmp_path / "cut.tar.enc"
    cut.write_bytes(archive.read_bytes()[: len(raw) - 40])
    with pytest.raises(backup.BackupError, match="cut off|changed"):
        backup.restore_backup(cut, settings, key=key)
    assert live_state(settings) == before


def rewrite_manifest(archive: Path, target: Path, **changes) -> None:
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == backup.MANIFEST:
                manifest = json.loads(data)
                manifest.update(changes)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))


def test_other_schema_revision_or_version_is_refused(office, tmp_path):
    settings, _ = office
    archive = backup.create_backup(settings, target_dir=tmp_path / "backups").path
    old = tmp_path / "old.tar"
    rewrite_manifest(archive, old, schema_revision="0001")
    with pytest.raises(backup.BackupError, match="schema 0001|schema\\s+0001|0001"):
        backup.restore_backup(old, settings)
    other = tmp_path / "other.tar"
    rewrite_manifest(archive, other, app_version="9.9.9")
    with pytest.raises(backup.BackupError, match="9.9.9"):
        backup.restore_backup(other, settings)


def test_archive_with_a_path_outside_is_refused(office, tmp_path):
    settings, _ = office
    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as out:
        info = tarfile.TarInfo("data/../../escaped")
        info.size = 1
        out.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(backup.BackupError, match="unexpected entry"):
        backup.restore_backup(evil, settings)
    assert not (tmp_path / "escaped").exists()


def test_rotation_keeps_the_newest_and_stamps_the_time(office, tmp_path):
    settings, _ = office
    target = tmp_path / "backups"
    made = [backup.create_backup(settings, target_dir=target, keep=2).path for _ in range(3)]
    left = sorted(p.name for p in target.iterdir() if not p.name.startswith("."))
    assert left == sorted(p.name for p in made[1:])
    (target / "notes.txt").write_text("not an archive")
    backup.create_backup(settings, target_dir=target, keep=1)
    assert (target / "notes.txt").exists()
    assert len([p for p in target.iterdir() if backup.ARCHIVE_RE.fullmatch(p.name)]) == 1
    stamp = backup.last_backup(settings)
    assert stamp is not None and stamp.archive.startswith(str(target))
    # nothing partial is left in the target folder
    assert not [p for p in target.iterdir() if p.name.startswith(".")]


def test_backup_inside_data_dir_is_not_backed_up_again(office):
    settings, originals = office
    first = backup.create_backup(settings)  # default: DATA_DIR/backups
    assert first.path.parent == settings.data_dir / "backups"
    second = backup.create_backup(settings)
    with tarfile.open(second.path) as tar:
        names = tar.getnames()
    assert not [n for n in names if "backups" in n or "last-backup" in n or n.endswith(".db")]
    assert len([n for n in names if n.startswith("data/files/")]) == len(originals)


def test_postgres_archive_refused_on_sqlite(office, tmp_path):
    settings, _ = office
    archive = backup.create_backup(settings, target_dir=tmp_path / "backups").path
    other = tmp_path / "pg.tar"
    rewrite_manifest(archive, other, database_kind="postgresql")
    with pytest.raises(backup.BackupError, match="same kind"):
        backup.restore_backup(other, settings)
    assert os.path.exists(settings.data_dir / "portal.db")
    assert "document" in inspect(make_engine(settings.database_url)).get_table_names()


def run_cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        PORTAL_ENV="test",
        DATA_DIR=str(settings.data_dir),
        SECRET_KEY="k" * 40,
        DATABASE_URL=settings.database_url,
        PUBLIC_URL=ORIGIN,
    )
    return subprocess.run(
        [sys.executable, "-m", "portal_app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_cli_backup_and_restore(office, tmp_path):
    settings, originals = office
    key_file = tmp_path / "backup.key"
    env_file = tmp_path / "portal.env"
    env_file.write_text("OFFICE_NAME=Drill\n")
    assert run_cli(settings, "backup-key", str(key_file)).returncode == 0
    again = run_cli(settings, "backup-key", str(key_file))
    assert again.returncode == 1 and "never overwritten" in again.stderr
    target = tmp_path / "nightly"
    for _ in range(3):
        made = run_cli(
            settings,
            "backup",
            "--to",
            str(target),
            "--key-file",
            str(key_file),
            "--keep",
            "2",
            "--settings-file",
            str(env_file),
        )
        assert made.returncode == 0, made.stderr
    assert "Removed old backup" in made.stdout
    archives = sorted(target.glob("klantenportaal-*.tar.enc"))
    assert len(archives) == 2
    checked = run_cli(settings, "restore", str(archives[-1]), "--key-file", str(key_file), "--check-only")
    assert checked.returncode == 0 and "every SHA-256 sum matches" in checked.stdout
    unconfirmed = run_cli(settings, "restore", str(archives[-1]), "--key-file", str(key_file))
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    no_key = run_cli(settings, "restore", str(archives[-1]), "--yes")
    assert no_key.returncode == 1 and "--key-file" in no_key.stderr
    wipe(settings)
    restored = run_cli(settings, "restore", str(archives[-1]), "--key-file", str(key_file), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "restored-portal.env" in restored.stdout
    assert_office_back(settings, originals)


def test_settings_files_are_kept_and_left_for_comparing(office, tmp_path, monkeypatch):
    settings, _ = office
    env_file = tmp_path / "portal.env"
    env_file.write_text("SMTP_PASSWORD=geheim\n")
    states = settings.data_dir / "states"
    states.mkdir()
    (states / "tab-state").write_bytes(b"reflex state")
    monkeypatch.setenv("REFLEX_STATES_WORKDIR", str(states))
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.create_backup(settings, target_dir=tmp_path / "b", settings_files=(tmp_path / "nope.env",))
    made = backup.create_backup(settings, target_dir=tmp_path / "b", settings_files=(env_file,))
    with tarfile.open(made.path) as tar:
        names = tar.getnames()
    assert "config/portal.env" in names and not [n for n in names if "states" in n]
    result = backup.restore_backup(made.path, settings)
    assert [p.name for p in result.config_copies] == ["restored-portal.env"]
    assert (settings.data_dir / "restored-portal.env").read_text() == "SMTP_PASSWORD=geheim\n"
    assert (states / "tab-state").exists()  # left alone
    # a restored copy is not itself backed up next time
    with tarfile.open(backup.create_backup(settings, target_dir=tmp_path / "b").path) as tar:
        assert not [n for n in tar.getnames() if "restored-" in n]
