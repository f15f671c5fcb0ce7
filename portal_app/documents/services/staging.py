"""Staged files: picked for a message, stored, not sent yet.

A staged file sits in the file store without a Document. Its `StagedUpload` row
(written right after the file is stored) counts it towards the account's staging
quota, keeps it from `FileStore.cleanup`, and lets the background worker purge it
once `expires_at` has passed (office setting `staging_expiry_hours`, default 24 h).
Sending the message gives the file its Document and removes the row
(`documents.attach_pending`); removing it or cancelling removes both.

A file stored by a worker that died before its row was written has neither row nor
Document: `FileStore.cleanup` (run by the same purge) removes it once it is older than
the staging hours, when the purge's sweep reaches its folder (a few folders per round,
all within about five hours), and the temp files of uploads that were cut off halfway
after an hour.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal_app.core.models import utcnow
from portal_app.core.services.rounds import repeat_rounds
from portal_app.documents.models import Document, StagedUpload
from portal_app.documents.services.storage import SHARDS, FileStore

logger = logging.getLogger(__name__)

# How often the background worker purges expired staged files and stale temp files.
PURGE_SECONDS = 600.0
_PURGE_BATCH = 500
# The orphan sweep of a round looks in this many of the store's 256 first-level folders:
# an office's store of 100,000 files is then read in rounds of ~3,000 files, so a round costs
# the web server a few hundredths of a second instead of seconds (issue 19: a whole walk took
# the event loop's interpreter lock long enough to double the pages' response times). All
# folders are swept every 256 / 8 = 32 rounds (about 5 hours); `cli purge` sweeps all at once.
SWEEP_SHARDS_PER_ROUND = 8


class ShardSweep:
    """Which folders the next rounds sweep: in turn, starting at a random one, so a worker
    that restarts often still reaches every folder."""

    def __init__(self, per_round: int = SWEEP_SHARDS_PER_ROUND, start: int | None = None):
        self.per_round = max(1, min(per_round, len(SHARDS)))
        self.position = secrets.randbelow(len(SHARDS)) if start is None else start % len(SHARDS)

    def next_round(self) -> list[str]:
        chosen = [SHARDS[(self.position + n) % len(SHARDS)] for n in range(self.per_round)]
        self.position = (self.position + self.per_round) % len(SHARDS)
        return chosen


@dataclass(frozen=True)
class PurgeResult:
    expired: int
    temp_removed: int
    orphans_removed: int


def used_bytes(session: Session, account_id: int, *, now: datetime | None = None) -> int:
    """Bytes the account has staged and not sent, expired files not counted (one query)."""
    now = now or utcnow()
    total = session.exec(
        select(func.coalesce(func.sum(StagedUpload.size), 0)).where(
            StagedUpload.account_id == account_id, col(StagedUpload.expires_at) > now
        )
    ).one()
    return int(total or 0)


def quota_left(session: Session, account_id: int, *, quota_bytes: int, now: datetime | None = None) -> int:
    return quota_bytes - used_bytes(session, account_id, now=now)


def record(
    session: Session,
    *,
    account_id: int,
    files: Iterable[tuple[str, int]],
    expiry_hours: int,
    now: datetime | None = None,
) -> None:
    """Write a row per stored (key, size); flushes, the caller commits."""
    now = now or utcnow()
    expires_at = now + timedelta(hours=expiry_hours)
    for key, size in files:
        session.add(
            StagedUpload(storage_key=key, account_id=account_id, size=size, created_at=now, expires_at=expires_at)
        )
    session.flush()


def release(session: Session, keys: Iterable[str]) -> None:
    """Forget the rows of `keys` (their files were sent, or deleted by the caller)."""
    wanted = list(keys)
    if wanted:
        session.execute(delete(StagedUpload).where(col(StagedUpload.storage_key).in_(wanted)))


def purge_expired(session: Session, store: FileStore, *, now: datetime | None = None) -> int:
    """Delete staged files past `expires_at` (and their rows); commits per batch. Returns how many."""
    now = now or utcnow()
    removed = 0
    while True:
        rows = session.exec(select(StagedUpload).where(col(StagedUpload.expires_at) <= now).limit(_PURGE_BATCH)).all()
        if not rows:
            return removed
        keys = [row.storage_key for row in rows]
        # a file that became a document after all (sent in the same moment) stays
        documented = set(session.exec(select(Document.storage_key).where(col(Document.storage_key).in_(keys))).all())
        release(session, keys)
        session.commit()
        for key in keys:
            if key not in documented and store.delete(key):
                removed += 1


def purge(
    session: Session,
    store: FileStore,
    *,
    now: datetime | None = None,
    orphan_hours: int = 24,
    shards: Iterable[str] | None = None,
) -> PurgeResult:
    """One round of the worker: expired staged files, then temp files older than an hour and
    files without a Document or staging row older than `orphan_hours` (the staging expiry: a
    file picked in a composer that keeps no staging row lives as long as a staged one), in
    the store's folders `shards` (None: all)."""
    expired = purge_expired(session, store, now=now)
    cleaned = store.cleanup(session, orphans_older_than=timedelta(hours=orphan_hours), shards=shards)
    return PurgeResult(expired=expired, temp_removed=cleaned.temp_removed, orphans_removed=cleaned.orphans_removed)


def _purge_round(engine: Engine, store: FileStore, sweep: ShardSweep) -> PurgeResult:
    from portal_app.office.services import office_settings

    with Session(engine) as session:
        hours = office_settings.profile(session).staging_expiry_hours
        result = purge(session, store, orphan_hours=hours, shards=sweep.next_round())
        session.commit()
    return result


async def run_purge_loop(
    *,
    engine: Engine,
    store: FileStore,
    interval_seconds: float = PURGE_SECONDS,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Purge every `interval_seconds` until `stop_event` is set. Never raises errors."""
    sweep = ShardSweep()

    async def one_round() -> None:
        # database and file work: off the event loop that serves the browsers
        result = await asyncio.to_thread(_purge_round, engine, store, sweep)
        if result.expired or result.temp_removed or result.orphans_removed:
            logger.info(
                "uploads: purged %d expired staged files, %d temp files, %d orphans",
                result.expired,
                result.temp_removed,
                result.orphans_removed,
            )

    await repeat_rounds(
        one_round,
        interval_seconds=interval_seconds,
        stop_event=stop_event,
        log=logger,
        failed="uploads: purge round failed",
    )
