"""The local file store for uploaded and published documents.

Files live under `root` (settings.files_dir), outside Reflex's public upload
folder, in two levels of fan-out directories, named by a random 32-hex key:

    root/ab/cd/abcd0123...        (never a client-supplied name)
    root/tmp/up-*.part            (uploads in flight)

A file is written to a temp file while its bytes are counted (the size cap is
enforced while streaming: nothing is kept of an oversize upload), fsynced,
renamed into place and the directory fsynced.

Callers follow one pattern (see documents/services/documents.py): save the file first,
then insert the Document row and commit; when the insert or the commit fails,
delete the file. So there is never a record without its file; the leftovers of
a crash (temp files, files without a record) are removed by `cleanup`.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import re
import secrets
import tempfile
import time
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, col, select

from portal_app.documents.models import Document, StagedUpload
from portal_app.documents.services.uploads import UploadRefused

KEY_RE = re.compile(r"[0-9a-f]{32}")
TMP_DIR = "tmp"
TMP_PREFIX = "up-"
TMP_SUFFIX = ".part"
_CLEANUP_BATCH = 500
# The store's first-level folders: a key's first two hex digits (`FileStore.path`).
SHARDS = tuple(f"{n:02x}" for n in range(256))
_SHARD_NAMES = frozenset(SHARDS)


class FileTooLarge(UploadRefused):
    """The upload exceeded its size cap; nothing of it was kept."""

    code = "upload.too_large"

    def __init__(self, max_bytes: int):
        super().__init__("upload.too_large", max_bytes=max_bytes, max_mb=max(1, max_bytes // (1024 * 1024)))
        self.max_bytes = max_bytes


# The disk (or the account's disk quota) is full: the upload cannot be kept.
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFull(UploadRefused):
    """No space left to store the upload; nothing of it was kept."""

    code = "upload.disk_full"

    def __init__(self) -> None:
        super().__init__("upload.disk_full")


class InvalidKey(ValueError):
    """A storage key that is not 32 lower-case hex characters."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    size: int
    sha256: str


@dataclass(frozen=True)
class CleanupResult:
    temp_removed: int
    orphans_removed: int


def _as_bytes(chunk: object) -> bytes | bytearray | memoryview:
    if isinstance(chunk, (bytes, bytearray)):
        return chunk
    if isinstance(chunk, memoryview):
        return chunk.cast("B")
    raise TypeError(f"file chunks must be bytes, not {type(chunk).__name__}")


def fsync_dir(path: Path) -> None:
    """Make a rename or new file in `path` durable (best effort where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class _Writer:
    """One file being written: counts, hashes, and either commits or aborts."""

    def __init__(self, store: FileStore, max_bytes: int):
        if max_bytes is None or max_bytes < 0:
            raise ValueError("max_bytes must be given")
        self.store = store
        self.max_bytes = max_bytes
        self.size = 0
        self.digest = hashlib.sha256()
        tmp_dir = store.tmp_dir
        try:
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=tmp_dir)
        except OSError as error:
            if error.errno in _NO_SPACE:
                raise DiskFull() from error
            raise
        self.tmp_path = Path(name)
        self.handle: BinaryIO = os.fdopen(fd, "wb")

    def write(self, chunk: object) -> None:
        data = _as_bytes(chunk)
        if not data:
            return
        self.size += len(data)
        if self.size > self.max_bytes:
            raise FileTooLarge(self.max_bytes)
        self.digest.update(data)
        try:
            self.handle.write(data)
        except OSError as error:
            if error.errno in _NO_SPACE:
                raise DiskFull() from error
            raise

    def commit(self) -> StoredFile:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
        except OSError as error:
            if error.errno in _NO_SPACE:
                raise DiskFull() from error
            raise
        key = secrets.token_hex(16)
        target = self.store.path(key)
        created = not target.parent.exists()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(self.tmp_path, 0o600)
        os.replace(self.tmp_path, target)
        fsync_dir(target.parent)
        if created:
            fsync_dir(target.parent.parent)
            fsync_dir(self.store.root)
        return StoredFile(key=key, size=self.size, sha256=self.digest.hexdigest())

    def abort(self) -> None:
        try:
            self.handle.close()
        except OSError:
            pass  # a full disk fails the final flush as well; the temp file goes regardless
        finally:
            self.tmp_path.unlink(missing_ok=True)


class FileStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    @property
    def tmp_dir(self) -> Path:
        return self.root / TMP_DIR

    # -- keys and paths -------------------------------------------------

    @staticmethod
    def valid_key(key: object) -> bool:
        return isinstance(key, str) and KEY_RE.fullmatch(key) is not None

    def path(self, key: str) -> Path:
        if not self.valid_key(key):
            raise InvalidKey("invalid storage key")
        return self.root / key[:2] / key[2:4] / key

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        """The stored file opened for binary reading (FileNotFoundError when gone)."""
        return open(self.path(key), "rb")

    def delete(self, key: str) -> bool:
        """Remove a stored file; True when it was there."""
        path = self.path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        for directory in (path.parent, path.parent.parent):
            try:
                directory.rmdir()  # only when empty
            except OSError:
                break
        return True

    # -- writing --------------------------------------------------------

    def save_stream(self, chunks: Iterable[bytes], *, max_bytes: int) -> StoredFile:
        """Store `chunks`; FileTooLarge (and nothing kept) once more than max_bytes arrive."""
        writer = _Writer(self, max_bytes)
        try:
            for chunk in chunks:
                writer.write(chunk)
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    async def asave_stream(self, chunks: AsyncIterable[bytes] | Iterable[bytes], *, max_bytes: int) -> StoredFile:
        """Async variant of `save_stream` (accepts async or plain iterables)."""
        writer = _Writer(self, max_bytes)
        try:
            if hasattr(chunks, "__aiter__"):
                async for chunk in chunks:
                    writer.write(chunk)
            else:
                for chunk in chunks:
                    writer.write(chunk)
            return await asyncio.to_thread(writer.commit)
        except BaseException:
            writer.abort()
            raise

    def save_bytes(self, data: bytes, *, max_bytes: int) -> StoredFile:
        return self.save_stream([data], max_bytes=max_bytes)

    # -- housekeeping ---------------------------------------------------

    def iter_keys(self, shards: Iterable[str] | None = None) -> Iterable[tuple[str, Path]]:
        """(key, path) of every stored file (not the temp files); with `shards`, only those
        under these first-level folders (two hex digits, see `SHARDS`)."""
        if not self.root.is_dir():
            return
        if shards is None:
            firsts = sorted(self.root.iterdir())
        else:
            firsts = [self.root / shard for shard in sorted(set(shards)) if shard in _SHARD_NAMES]
        for first in firsts:
            if len(first.name) != 2 or not first.is_dir():
                continue
            for second in sorted(first.iterdir()):
                if len(second.name) != 2 or not second.is_dir():
                    continue
                for path in second.iterdir():
                    key = path.name
                    if self.valid_key(key) and key[:2] == first.name and key[2:4] == second.name and path.is_file():
                        yield key, path

    def cleanup(
        self,
        session: Session,
        older_than: timedelta = timedelta(hours=1),
        orphans_older_than: timedelta | None = None,
        shards: Iterable[str] | None = None,
    ) -> CleanupResult:
        """Remove stale temp files and stored files without a Document or StagedUpload row.

        `shards`: look for orphans only under these first-level folders (the background
        purge sweeps a few per round, documents/services/staging.py); None: the whole store.

        Staged files (picked for a message, not sent) are the purge's business
        (documents/services/staging.py): they stay here until they expire.

        Only files last modified more than `older_than` ago are touched, so an
        upload that is between its file write and its commit is left alone.
        """
        cutoff = time.time() - older_than.total_seconds()
        orphan_cutoff = time.time() - (orphans_older_than or older_than).total_seconds()
        temp_removed = 0
        if self.tmp_dir.is_dir():
            for path in self.tmp_dir.iterdir():
                try:
                    if path.is_file() and path.stat().st_mtime < cutoff:
                        path.unlink()
                        temp_removed += 1
                except FileNotFoundError:
                    continue

        orphans_removed = 0
        batch: list[str] = []

        def flush_batch() -> int:
            known = set(session.exec(select(Document.storage_key).where(col(Document.storage_key).in_(batch))).all())
            known |= set(
                session.exec(select(StagedUpload.storage_key).where(col(StagedUpload.storage_key).in_(batch))).all()
            )
            removed = 0
            for key in batch:
                if key not in known and self.delete(key):
                    removed += 1
            batch.clear()
            return removed

        for key, path in list(self.iter_keys(shards)):
            try:
                if path.stat().st_mtime >= orphan_cutoff:
                    continue
            except FileNotFoundError:
                continue
            batch.append(key)
            if len(batch) >= _CLEANUP_BATCH:
                orphans_removed += flush_batch()
        if batch:
            orphans_removed += flush_batch()
        return CleanupResult(temp_removed=temp_removed, orphans_removed=orphans_removed)
