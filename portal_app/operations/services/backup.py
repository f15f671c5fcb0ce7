"""Backups of the whole portal into one tar archive, and restoring them.

An archive holds
    database/portal.sqlite3   (SQLite online backup API: a consistent copy while the portal runs)
 or database/portal.pgdump    (pg_dump custom format)
    data/...                  everything under DATA_DIR that is not rebuilt or temporary: the file
                              store (files/), the office logo (branding/), the generated secret_key
                              (2-step recovery codes and SMS codes depend on it)
    config/<name>             the settings files: the project's .env when there is one, and each
                              --settings-file (the systemd EnvironmentFile, /etc/klantenportaal/portal.env)
    manifest.json             last: format, app version, schema revision, SHA-256 and size of every member

The database is copied first and the files after it. A document row is committed only after
its file is written (documents/services/storage.py), so every row in the copy has its file in
the archive; files that arrive in between are orphans that `cli purge` removes later.

Restore extracts into a staging folder inside DATA_DIR, checks every sum, the member list, the
schema revision and the app version, and only then replaces the database and the data folder's
contents. Without a key file, the sums catch damage, not a deliberate forgery (whoever can
change the archive can change its manifest); an encrypted archive is authenticated by AES-GCM.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, cast

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from portal_app.core.services.db import make_engine
from portal_app.documents.services.storage import TMP_DIR, fsync_dir
from portal_app.operations.services import archive_crypto, migrations
from portal_app.settings import PROJECT_ROOT, Settings

FORMAT = 1
ARCHIVE_RE = re.compile(r"klantenportaal-\d{8}T\d{12}Z\.tar(\.enc)?")
LAST_BACKUP_FILE = "last-backup.json"
RESTORED_PREFIX = "restored-"  # DATA_DIR/restored-<name>: a restored settings file, for comparing
DEFAULT_TARGET = "backups"  # under DATA_DIR, and never inside an archive
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/portal.sqlite3"
PG_MEMBER = "database/portal.pgdump"
_READ = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message tells the administrator why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    members: int
    schema_revision: str
    encrypted: bool
    removed: tuple[Path, ...]


@dataclass(frozen=True)
class Manifest:
    format: int
    app_version: str
    schema_revision: str
    created_at: str
    database_kind: str  # sqlite | postgresql
    members: dict[str, tuple[str, int]]  # name -> (sha256, size)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "format": self.format,
                "app_version": self.app_version,
                "schema_revision": self.schema_revision,
                "created_at": self.created_at,
                "database_kind": self.database_kind,
                "members": {name: {"sha256": s, "size": n} for name, (s, n) in sorted(self.members.items())},
            },
            indent=2,
        ).encode("utf-8")

    @staticmethod
    def from_json(raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            return Manifest(
                format=int(data["format"]),
                app_version=str(data["app_version"]),
                schema_revision=str(data["schema_revision"]),
                created_at=str(data["created_at"]),
                database_kind=str(data["database_kind"]),
                members={str(k): (str(v["sha256"]), int(v["size"])) for k, v in data["members"].items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"the archive's manifest is unreadable ({error})") from None


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    files: int
    config_copies: tuple[Path, ...]


@dataclass(frozen=True)
class LastBackup:
    at: datetime
    archive: str


def app_version() -> str:
    with open(PROJECT_ROOT / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- what is in the data folder ------------------------------------------------


def _excluded(settings: Settings, relative: PurePosixPath) -> bool:
    """Parts of DATA_DIR that a backup leaves out (and a restore leaves alone)."""
    top = relative.parts[0]
    if top in {DEFAULT_TARGET, LAST_BACKUP_FILE} or top.startswith((".restore-", RESTORED_PREFIX)):
        return True
    if len(relative.parts) >= 2 and top == "files" and relative.parts[1] == TMP_DIR:
        return True  # uploads in flight
    path = settings.data_dir / Path(*relative.parts)
    if settings.backup_dir is not None and path.is_relative_to(settings.backup_dir):
        return True
    # Reflex's per-tab state files (REFLEX_STATES_WORKDIR, deploy/portal.env.example): rebuilt by the browsers
    states = os.environ.get("REFLEX_STATES_WORKDIR", "").strip()
    if states and path.is_relative_to(Path(states).resolve()):
        return True
    database = migrations.sqlite_path(settings.database_url)
    if database is not None:
        for suffix in ("", "-wal", "-shm", "-journal", ".migrate.lock"):
            if path == Path(f"{database.resolve()}{suffix}"):
                return True
    return False


def _data_files(settings: Settings) -> Iterator[tuple[PurePosixPath, Path]]:
    root = settings.data_dir
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        base = Path(directory)
        rel_dir = PurePosixPath(base.relative_to(root).as_posix())
        dirnames[:] = sorted(d for d in dirnames if not _excluded(settings, rel_dir / d))
        for name in sorted(filenames):
            relative = rel_dir / name
            path = base / name
            if not _excluded(settings, relative) and path.is_file() and not path.is_symlink():
                yield relative, path


# -- database dumps ------------------------------------------------------------


def _pg_env(url: str) -> dict[str, str]:
    """libpq environment for pg_dump/psql, so no password appears on a command line."""
    parsed = make_url(url)
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", parsed.host),
        ("PGPORT", str(parsed.port) if parsed.port else None),
        ("PGUSER", parsed.username),
        ("PGPASSWORD", parsed.password),
        ("PGDATABASE", parsed.database),
        ("PGSSLMODE", cast(str | None, parsed.query.get("sslmode"))),
    ):
        if value:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: apt-get install postgresql-client")
    return found


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _dump_database(settings: Settings, target: Path) -> str:
    """Write the database to `target`; returns its schema revision."""
    database = migrations.sqlite_path(settings.database_url)
    if database is not None:
        if not database.is_file():
            raise BackupError(f"the database file {database} does not exist")
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError as error:
            raise BackupError(f"the database cannot be read ({error}); run `cli migrate` first") from None
        finally:
            copy.close()
            source.close()
        revision = row[0] if row else None
    else:
        revision = migrations.current_revision(settings.database_url)
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
            _pg_env(settings.database_url),
        )
    if not revision:
        raise BackupError("the database has no schema revision: run `cli migrate` first")
    return str(revision)


# -- writing an archive --------------------------------------------------------


class _HashingReader:
    def __init__(self, handle: BinaryIO):
        self._handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> tuple[str, int]:
    with open(path, "rb") as handle:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(handle.fileno()).st_size
        info.mode = 0o600
        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
        reader = _HashingReader(handle)
        tar.addfile(info, cast(IO[bytes], reader))
        if reader.size != info.size:
            raise BackupError(f"{path} changed while it was being copied; run the backup again")
        return reader.digest.hexdigest(), reader.size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(_utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(name, path)
    fsync_dir(path.parent)


def default_target(settings: Settings) -> Path:
    return settings.backup_dir or settings.data_dir / DEFAULT_TARGET


def create_backup(
    settings: Settings,
    *,
    target_dir: Path | None = None,
    key: bytes | None = None,
    keep: int | None = None,
    settings_files: tuple[Path, ...] = (),
    now: datetime | None = None,
) -> BackupResult:
    """Write one archive into `target_dir` (atomically), then keep only the newest `keep`."""
    if keep is not None and keep < 1:
        raise BackupError("--keep must be at least 1")
    configs = [path for path in (PROJECT_ROOT / ".env", *settings_files) if path.is_file()]
    missing = [path for path in settings_files if not path.is_file()]
    if missing:
        raise BackupError(f"settings file {missing[0]} does not exist")
    if len({path.name for path in configs}) != len(configs):
        raise BackupError("two settings files have the same name")
    moment = now or _utcnow()
    target_dir = (target_dir or default_target(settings)).resolve()
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"klantenportaal-{moment.strftime('%Y%m%dT%H%M%S%f')}Z.tar" + (".enc" if key else "")
    final = target_dir / name
    members: dict[str, tuple[str, int]] = {}
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=".backup-", dir=target_dir)))
        db_member = SQLITE_MEMBER if not settings.is_postgres else PG_MEMBER
        dump = work / Path(db_member).name
        revision = _dump_database(settings, dump)
        partial = target_dir / f".{name}.part"
        handle = stack.enter_context(open(partial, "wb"))
        try:
            writer = archive_crypto.EncryptingWriter(handle, key) if key else None
            with tarfile.open(fileobj=cast(IO[bytes], writer or handle), mode="w|", format=tarfile.PAX_FORMAT) as tar:
                members[db_member] = _add_file(tar, db_member, dump)
                dump.unlink()
                for relative, path in _data_files(settings):
                    member = f"data/{relative}"
                    try:
                        members[member] = _add_file(tar, member, path)
                    except FileNotFoundError:
                        continue  # removed meanwhile (an orphan cleanup): not part of this backup
                for config in configs:
                    members[f"config/{config.name}"] = _add_file(tar, f"config/{config.name}", config)
                manifest = Manifest(
                    format=FORMAT,
                    app_version=app_version(),
                    schema_revision=revision,
                    created_at=moment.isoformat(),
                    database_kind="postgresql" if settings.is_postgres else "sqlite",
                    members=members,
                )
                _add_bytes(tar, MANIFEST, manifest.to_json())
            if writer is not None:
                writer.close()
            handle.flush()
            os.fsync(handle.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.chmod(partial, 0o600)
    os.replace(partial, final)
    fsync_dir(target_dir)
    removed = rotate(target_dir, keep) if keep else ()
    _write_atomic(
        settings.data_dir / LAST_BACKUP_FILE,
        json.dumps({"at": moment.isoformat(), "archive": str(final)}).encode("utf-8"),
    )
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        members=len(members),
        schema_revision=revision,
        encrypted=key is not None,
        removed=removed,
    )


def rotate(target_dir: Path, keep: int) -> tuple[Path, ...]:
    """Remove all but the newest `keep` archives (names sort by their time stamp)."""
    archives = sorted((p for p in target_dir.iterdir() if ARCHIVE_RE.fullmatch(p.name)), reverse=True)
    removed = tuple(archives[keep:])
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def last_backup(settings: Settings) -> LastBackup | None:
    """When the last backup was written (the stamp `create_backup` leaves in DATA_DIR)."""
    try:
        data = json.loads((settings.data_dir / LAST_BACKUP_FILE).read_text(encoding="utf-8"))
        at = datetime.fromisoformat(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return LastBackup(at=at, archive=str(data.get("archive", "")))


# -- reading an archive --------------------------------------------------------


def _safe_member_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or not path.parts
        or any(part in {"", ".", ".."} for part in path.parts)
        or "\\" in name
        or path.parts[0] not in {"database", "data", "config", MANIFEST}
    ):
        raise BackupError(f"the archive holds an unexpected entry {name!r}: not a portal backup")
    return path


def _stage(archive: Path, key: bytes | None, staging: Path) -> Manifest:
    """Extract `archive` into `staging` and check it against its manifest (nothing else is touched)."""
    if not archive.is_file():
        raise BackupError(f"{archive} does not exist")
    encrypted = archive_crypto.is_encrypted(archive)
    if encrypted and key is None:
        raise BackupError("this archive is encrypted: give its key with --key-file")
    seen: dict[str, tuple[str, int]] = {}
    manifest_raw: bytes | None = None
    with open(archive, "rb") as handle:
        source: BinaryIO = handle
        if encrypted and key is not None:
            source = cast(BinaryIO, archive_crypto.DecryptingReader(handle, key))
        try:
            with tarfile.open(fileobj=cast(IO[bytes], source), mode="r|") as tar:
                for member in tar:
                    if member.isdir():
                        continue
                    if not member.isfile():
                        raise BackupError(f"the archive holds a link or device {member.name!r}: refused")
                    relative = _safe_member_name(member.name)
                    if member.name in seen or (member.name == MANIFEST and manifest_raw is not None):
                        raise BackupError(f"the archive holds {member.name!r} twice: refused")
                    extracted = tar.extractfile(member)
                    if extracted is None:  # pragma: no cover - isfile() above
                        continue
                    if member.name == MANIFEST:
                        manifest_raw = extracted.read()
                        continue
                    target = staging.joinpath(*relative.parts)
                    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                    digest = hashlib.sha256()
                    size = 0
                    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        while chunk := extracted.read(_READ):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    seen[member.name] = (digest.hexdigest(), size)
        except archive_crypto.DecryptionFailed as error:
            raise BackupError(f"the archive cannot be decrypted: {error}") from None
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(f"the archive is damaged or not a portal backup ({error})") from None
    if manifest_raw is None:
        raise BackupError("the archive has no manifest: damaged or not a portal backup")
    manifest = Manifest.from_json(manifest_raw)
    if manifest.format != FORMAT:
        raise BackupError(f"archive format {manifest.format} is not supported by this version (format {FORMAT})")
    for name, (digest_hex, size) in manifest.members.items():
        got = seen.get(name)
        if got is None:
            raise BackupError(f"{name} is listed in the manifest but missing from the archive: damaged")
        if got != (digest_hex, size):
            raise BackupError(f"{name} does not match its SHA-256 sum in the manifest: the archive was changed")
    extra = sorted(set(seen) - set(manifest.members))
    if extra:
        raise BackupError(f"{extra[0]} is in the archive but not in its manifest: refused")
    return manifest


def _check_compatible(manifest: Manifest, settings: Settings) -> None:
    head = migrations.head_revision()
    version = app_version()
    if manifest.schema_revision != head or manifest.app_version != version:
        raise BackupError(
            f"this archive was made by portal version {manifest.app_version} (database schema "
            f"{manifest.schema_revision}); this is version {version} (schema {head}). Restore it with the "
            f"version that made it, then upgrade with `cli migrate`."
        )
    here = "postgresql" if settings.is_postgres else "sqlite"
    if manifest.database_kind != here:
        raise BackupError(
            f"this archive holds a {manifest.database_kind} database but DATABASE_URL is {here}: "
            "restore into the same kind of database (to move from SQLite to PostgreSQL, restore "
            "on SQLite first, then use `cli migrate-to-postgres`)"
        )


def _check_sqlite_copy(path: Path) -> None:
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = copy.execute("PRAGMA integrity_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"the database in the archive is damaged ({error})") from None
    finally:
        copy.close()
    if not result or result[0] != "ok":
        raise BackupError("the database in the archive fails SQLite's integrity check")


def verify_archive(archive: Path, settings: Settings, *, key: bytes | None = None) -> Manifest:
    """Every check a restore makes first, without restoring."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=settings.data_dir))
    try:
        manifest = _stage(archive, key, staging)
        _check_compatible(manifest, settings)
        if manifest.database_kind == "sqlite":
            _check_sqlite_copy(staging / SQLITE_MEMBER)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# -- restoring -----------------------------------------------------------------


def _restore_sqlite(copy: Path, database: Path) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    live = sqlite3.connect(database, timeout=30)
    try:
        source.backup(live)  # replaces every page, under SQLite's own locking
    finally:
        live.close()
        source.close()


def _restore_postgres(dump: Path, url: str, work: Path) -> None:
    """Drop every table and load the dump in ONE transaction: on any error nothing changes."""
    env = _pg_env(url)
    script = work / "restore.sql"
    _run([_tool("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(dump)], env)
    engine = make_engine(url)
    try:
        tables = inspect(engine).get_table_names()
        with engine.connect() as connection:
            # the portal's own functions (the unread-count triggers'; not an extension's): the dump
            # creates them again, and dropping the tables leaves them behind
            functions = (
                connection.execute(
                    text(
                        "SELECT format('%I(%s)', p.proname, pg_get_function_identity_arguments(p.oid)) FROM pg_proc p "
                        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
                        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
                    )
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    drop = work / "drop.sql"
    quoted = ", ".join('"' + name.replace('"', '""') + '"' for name in tables)
    statements = [f"DROP TABLE IF EXISTS {quoted} CASCADE;"] if tables else ["SELECT 1;"]
    statements.extend(f"DROP FUNCTION IF EXISTS {function} CASCADE;" for function in functions)
    drop.write_text("\n".join(statements) + "\n", encoding="utf-8")
    _run(
        [_tool("psql"), "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"]
        + ["--file", str(drop), "--file", str(script)],
        env,
    )


def restore_backup(archive: Path, settings: Settings, *, key: bytes | None = None) -> RestoreResult:
    """Check `archive` completely, then replace the database and the data folder's contents.

    The portal should be stopped while this runs (its workers would keep serving the old data).
    """
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    old = Path(tempfile.mkdtemp(prefix=".restore-old-", dir=data_dir))
    try:
        manifest = _stage(archive, key, staging)
        _check_compatible(manifest, settings)
        database = migrations.sqlite_path(settings.database_url)
        if manifest.database_kind == "sqlite":
            _check_sqlite_copy(staging / SQLITE_MEMBER)
        # -- from here on the live data changes --
        if database is not None:
            _restore_sqlite(staging / SQLITE_MEMBER, database)
        else:
            _restore_postgres(staging / PG_MEMBER, settings.database_url, staging)
        staged_data = staging / "data"
        names = {p.name for p in staged_data.iterdir()} if staged_data.is_dir() else set()
        names |= {"files", "branding"}
        for name in sorted(names):
            if _excluded(settings, PurePosixPath(name)):
                continue
            live = data_dir / name
            if live.exists() or live.is_symlink():
                os.replace(live, old / name)
            if (staged_data / name).exists():
                os.replace(staged_data / name, live)
        fsync_dir(data_dir)
        # Settings files are not put in place: this server's own settings (database address,
        # mail) may rightly differ. They are left next to the data for the administrator to compare.
        copies: list[Path] = []
        for name in sorted(manifest.members):
            if name.startswith("config/"):
                copy = data_dir / f"{RESTORED_PREFIX}{PurePosixPath(name).name}"
                os.replace(staging / name, copy)
                copies.append(copy)
        files = sum(1 for name in manifest.members if name.startswith("data/files/"))
        return RestoreResult(manifest=manifest, files=files, config_copies=tuple(copies))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
