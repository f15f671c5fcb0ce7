"""The file store: random keys, streaming size cap, atomic writes, cleanup."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta

import pytest

from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.storage import FileStore, FileTooLarge, InvalidKey
from portal_app.documents.services.uploads import UploadRefused
from portal_app.dossiers.services import dossiers


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


def _age(path, seconds=7200):
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_save_stream_fans_out_under_random_key(store):
    data = [b"hello ", b"world"]
    stored = store.save_stream(data, max_bytes=100)
    assert len(stored.key) == 32 and int(stored.key, 16) >= 0
    assert stored.size == 11
    assert stored.sha256 == hashlib.sha256(b"hello world").hexdigest()
    path = store.path(stored.key)
    assert path == store.root / stored.key[:2] / stored.key[2:4] / stored.key
    assert path.read_bytes() == b"hello world"
    with store.open(stored.key) as handle:
        assert handle.read() == b"hello world"
    assert list(store.tmp_dir.iterdir()) == []
    assert store.save_stream([b"x"], max_bytes=10).key != stored.key


async def test_asave_stream(store):
    async def chunks():
        yield b"abc"
        yield bytearray(b"def")

    stored = await store.asave_stream(chunks(), max_bytes=6)
    assert store.path(stored.key).read_bytes() == b"abcdef"
    assert stored.size == 6


def test_oversize_stream_aborts_early_and_leaves_nothing(store):
    consumed = []

    def endless():
        for i in range(10_000):
            consumed.append(i)
            yield b"x" * 1024

    with pytest.raises(FileTooLarge) as info:
        store.save_stream(endless(), max_bytes=10 * 1024)
    assert isinstance(info.value, UploadRefused)
    assert info.value.code == "upload.too_large"
    assert len(consumed) == 11  # stopped as soon as the cap was passed
    assert list(store.tmp_dir.iterdir()) == []
    assert list(store.iter_keys()) == []


async def test_async_oversize_leaves_nothing(store):
    async def chunks():
        for _ in range(5):
            yield b"y" * 100

    with pytest.raises(FileTooLarge):
        await store.asave_stream(chunks(), max_bytes=250)
    assert list(store.tmp_dir.iterdir()) == []


def test_exactly_max_bytes_is_fine(store):
    assert store.save_stream([b"12345"], max_bytes=5).size == 5


def test_error_in_source_leaves_no_temp(store):
    def broken():
        yield b"abc"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        store.save_stream(broken(), max_bytes=100)
    assert list(store.tmp_dir.iterdir()) == []


def test_non_bytes_chunks_are_refused(store):
    with pytest.raises(TypeError):
        store.save_stream(["text"], max_bytes=100)
    assert list(store.tmp_dir.iterdir()) == []


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 32, "0" * 31, "0" * 33, "", None, "0" * 30 + "/x"])
def test_invalid_keys_are_refused(store, key):
    with pytest.raises(InvalidKey):
        store.path(key)


def test_delete(store):
    stored = store.save_stream([b"abc"], max_bytes=10)
    assert store.delete(stored.key) is True
    assert not store.path(stored.key).exists()
    assert store.delete(stored.key) is False


def test_cleanup_removes_orphans_and_stale_temp_only(store, db):
    dossier = dossiers.create_dossier(db, number="2024-001", description="Levering")
    kept = store.save_stream([b"%PDF-1.4 kept"], max_bytes=100)
    db.add(
        Document(
            dossier_id=dossier.id,
            kind=DocumentKind.DOCUMENT,
            title="t",
            filename="a.pdf",
            storage_key=kept.key,
            size=kept.size,
            sha256=kept.sha256,
            mime="application/pdf",
        )
    )
    db.flush()
    orphan = store.save_stream([b"orphan"], max_bytes=100)
    fresh_orphan = store.save_stream([b"in flight"], max_bytes=100)  # between write and commit
    store.tmp_dir.mkdir(parents=True, exist_ok=True)
    stale_tmp = store.tmp_dir / "up-stale.part"
    stale_tmp.write_bytes(b"half")
    fresh_tmp = store.tmp_dir / "up-fresh.part"
    fresh_tmp.write_bytes(b"writing")
    for path in (store.path(kept.key), store.path(orphan.key), stale_tmp):
        _age(path)

    result = store.cleanup(db, older_than=timedelta(hours=1))

    assert (result.temp_removed, result.orphans_removed) == (1, 1)
    assert store.path(kept.key).exists()
    assert not store.path(orphan.key).exists()
    assert store.path(fresh_orphan.key).exists()
    assert not stale_tmp.exists() and fresh_tmp.exists()

    # with no age limit the in-flight leftovers go too
    result = store.cleanup(db, older_than=timedelta(0))
    assert (result.temp_removed, result.orphans_removed) == (1, 1)
    assert sorted(key for key, _ in store.iter_keys()) == [kept.key]


def test_cleanup_on_missing_root(tmp_path, db):
    result = FileStore(tmp_path / "nothing").cleanup(db)
    assert (result.temp_removed, result.orphans_removed) == (0, 0)
