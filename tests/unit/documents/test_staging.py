"""Staged files (picked, not sent): quota, expiry and the worker's purge; crash leftovers."""

from __future__ import annotations

import asyncio
import io
import os
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.core.models import utcnow
from portal_app.documents.models import Document, DocumentKind, StagedUpload
from portal_app.documents.services import documents, staging
from portal_app.documents.services.documents import PendingFile
from portal_app.documents.services.storage import TMP_PREFIX, TMP_SUFFIX, FileStore
from portal_app.dossiers.services import dossiers
from portal_app.messages.services import attachments

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Upload:
    def __init__(self, name: str, data: bytes):
        self.name = name
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


@pytest.fixture
def people(db):
    alice = accounts.create_person(db, email="alice@example.nl", name="Alice")
    bob = accounts.create_person(db, email="bob@example.nl", name="Bob")
    db.commit()
    return alice, bob


def _stage(store, names_and_data, **limits) -> tuple[list[dict], list[attachments.Refusal]]:
    pending: list[dict] = []
    refused = asyncio.run(
        attachments.stage(
            [Upload(name, data) for name, data in names_and_data],
            store=store,
            pending=pending,
            max_bytes=10**6,
            **limits,
        )
    )
    return pending, refused


def _age(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_quota_counts_own_unexpired_files_only(db, people):
    alice, bob = people
    now = utcnow()
    staging.record(db, account_id=alice.id, files=[("a" * 32, 100), ("b" * 32, 50)], expiry_hours=24, now=now)
    staging.record(db, account_id=bob.id, files=[("c" * 32, 1000)], expiry_hours=24, now=now)
    staging.record(db, account_id=alice.id, files=[("d" * 32, 7)], expiry_hours=1, now=now - timedelta(hours=2))
    db.commit()
    assert staging.used_bytes(db, alice.id, now=now) == 150
    assert staging.quota_left(db, alice.id, quota_bytes=400, now=now) == 250
    assert staging.quota_left(db, bob.id, quota_bytes=400, now=now) == -600


def test_purge_removes_expired_staged_files_and_keeps_the_rest(db, people, store):
    alice, _ = people
    now = utcnow()
    old = store.save_bytes(PDF, max_bytes=10**6)
    fresh = store.save_bytes(PDF, max_bytes=10**6)
    staging.record(db, account_id=alice.id, files=[(old.key, old.size)], expiry_hours=24, now=now - timedelta(hours=25))
    staging.record(db, account_id=alice.id, files=[(fresh.key, fresh.size)], expiry_hours=24, now=now)
    db.commit()

    assert staging.purge_expired(db, store, now=now) == 1
    assert not store.exists(old.key) and store.exists(fresh.key)
    assert db.exec(select(StagedUpload.storage_key)).all() == [fresh.key]


def test_cleanup_keeps_staged_files_past_the_orphan_age_until_they_expire(db, people, store):
    """A file staged 2 h ago has no Document yet; the orphan cleanup must leave it."""
    alice, _ = people
    staged = store.save_bytes(PDF, max_bytes=10**6)
    orphan = store.save_bytes(PDF, max_bytes=10**6)
    staging.record(db, account_id=alice.id, files=[(staged.key, staged.size)], expiry_hours=24)
    db.commit()
    _age(store.path(staged.key), 2 * 3600)
    _age(store.path(orphan.key), 2 * 3600)

    result = staging.purge(db, store, orphan_hours=1)
    assert result.orphans_removed == 1
    assert store.exists(staged.key) and not store.exists(orphan.key)


def test_a_worker_killed_mid_upload_leaves_only_a_temp_file_that_the_purge_removes(db, store):
    """The temp file of an upload cut off halfway lives in the store's tmp dir, never under a key."""
    store.tmp_dir.mkdir(parents=True)
    half = store.tmp_dir / f"{TMP_PREFIX}killed{TMP_SUFFIX}"
    half.write_bytes(PDF[:10])
    in_flight = store.tmp_dir / f"{TMP_PREFIX}busy{TMP_SUFFIX}"
    in_flight.write_bytes(PDF[:10])
    _age(half, 2 * 3600)

    assert list(store.iter_keys()) == []  # nothing visible as a stored file
    result = staging.purge(db, store)  # temp files: after an hour, whatever the staging hours
    assert result.temp_removed == 1
    assert not half.exists() and in_flight.exists()  # an upload still streaming is left alone


def test_sending_makes_a_document_and_ends_the_staging(db, people, store):
    alice, _ = people
    dossier = dossiers.create_dossier(db, number="2026-0001", description="Levering woning")
    db.flush()
    pending, refused = _stage(store, [("akte.pdf", PDF)])
    assert refused == []
    staging.record(db, account_id=alice.id, files=[(pending[0]["key"], pending[0]["size"])], expiry_hours=24)
    documents.attach_pending(
        session=db,
        store=store,
        pending=PendingFile.from_dict(pending[0]),
        dossier_id=dossier.id,
        kind=DocumentKind.DELIVERED,
        uploaded_by_id=alice.id,
    )
    db.commit()
    assert db.exec(select(StagedUpload)).all() == []
    assert db.exec(select(Document.storage_key)).all() == [pending[0]["key"]]
    # and the purge never touches it
    assert staging.purge_expired(db, store, now=utcnow() + timedelta(days=30)) == 0
    assert store.exists(pending[0]["key"])


def test_remove_and_discard_with_a_session_end_the_staging(db, people, store):
    alice, _ = people
    pending, _ = _stage(store, [("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF)])
    staging.record(db, account_id=alice.id, files=[(d["key"], d["size"]) for d in pending], expiry_hours=24)
    keys = [d["key"] for d in pending]
    assert attachments.remove(store, pending, "0", session=db)
    attachments.discard(store, pending, session=db)
    db.commit()
    assert db.exec(select(StagedUpload)).all() == []
    assert not any(store.exists(key) for key in keys)


def test_message_limit_counts_every_file_of_the_message(store):
    pending, refused = _stage(
        store, [("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF)], message_bytes_left=2 * len(PDF) + 1
    )
    assert [d["filename"] for d in pending] == ["a.pdf", "b.pdf"]
    assert [(r.name, r.code) for r in refused] == [("c.pdf", attachments.MESSAGE_TOO_LARGE)]
    assert len(list(store.iter_keys())) == 2  # the refused one was deleted again


def test_quota_refuses_the_file_that_goes_over(store):
    pending, refused = _stage(store, [("a.pdf", PDF), ("b.pdf", PDF)], quota_bytes_left=len(PDF))
    assert [d["filename"] for d in pending] == ["a.pdf"]
    assert [(r.name, r.code) for r in refused] == [("b.pdf", attachments.QUOTA_EXCEEDED)]
    assert len(list(store.iter_keys())) == 1


def test_purge_loop_runs_until_stopped(engine, store):
    from sqlmodel import Session

    with Session(engine) as db:
        alice = accounts.create_person(db, email="alice@example.nl", name="Alice")
        old = store.save_bytes(PDF, max_bytes=10**6)
        staging.record(
            db, account_id=alice.id, files=[(old.key, old.size)], expiry_hours=1, now=utcnow() - timedelta(hours=2)
        )
        db.commit()

    async def run():
        stop = asyncio.Event()
        task = asyncio.create_task(
            staging.run_purge_loop(engine=engine, store=store, interval_seconds=0.01, stop_event=stop)
        )
        for _ in range(200):
            if not store.exists(old.key):
                break
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(run())
    assert not store.exists(old.key)


def test_a_file_without_any_row_lives_as_long_as_the_staging_hours(db, store):
    """The office composer stages without a row: its files must not vanish after an hour."""
    picked = store.save_bytes(PDF, max_bytes=10**6)
    _age(store.path(picked.key), 5 * 3600)
    assert staging.purge(db, store, orphan_hours=24).orphans_removed == 0
    assert store.exists(picked.key)
    _age(store.path(picked.key), 25 * 3600)
    assert staging.purge(db, store, orphan_hours=24).orphans_removed == 1


def test_the_background_sweep_reads_a_few_folders_per_round_and_reaches_all(engine, store, monkeypatch):
    """A round of the background purge looks for orphans in SWEEP_SHARDS_PER_ROUND of the store's
    256 folders (a big office's store is never walked whole beside the web server), and the
    rounds take the folders in turn, so every orphan goes within 256 / per_round rounds."""
    from portal_app.documents.services.storage import SHARDS

    orphans = [store.save_bytes(PDF + bytes([n]), max_bytes=10**6) for n in range(40)]
    for stored in orphans:
        _age(store.path(stored.key), 25 * 3600)
    looked: list[str] = []
    walk = type(store).iter_keys

    def counting(self, shards=None):
        assert shards is not None, "the background purge walked the whole store"
        looked.extend(shards)
        return walk(self, shards)

    monkeypatch.setattr(type(store), "iter_keys", counting)
    sweep = staging.ShardSweep(per_round=8, start=250)
    rounds = 0
    while any(store.exists(stored.key) for stored in orphans):
        staging._purge_round(engine, store, sweep)  # what run_purge_loop runs every PURGE_SECONDS
        rounds += 1
        assert rounds <= len(SHARDS) // 8
    assert len(looked) == rounds * 8 and len(set(looked)) == len(looked)  # no folder twice before all were seen
    assert looked[:8] == ["fa", "fb", "fc", "fd", "fe", "ff", "00", "01"]


def test_a_sweep_of_some_folders_leaves_the_others_alone(db, store):
    orphan = store.save_bytes(PDF, max_bytes=10**6)
    _age(store.path(orphan.key), 25 * 3600)
    elsewhere = [shard for shard in ("00", "01") if shard != orphan.key[:2]]
    assert staging.purge(db, store, orphan_hours=24, shards=elsewhere).orphans_removed == 0
    assert store.exists(orphan.key)
    assert staging.purge(db, store, orphan_hours=24, shards=[orphan.key[:2]]).orphans_removed == 1
    assert not store.exists(orphan.key)
    # a name that is not a folder of the store is ignored, never a path outside it
    assert staging.purge(db, store, orphan_hours=24, shards=["..", "/", "zz"]).orphans_removed == 0
