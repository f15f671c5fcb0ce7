"""A Redis state lock that a cancelled event gives back (PostgreSQL + Redis with several workers).

Every event of a tab takes the tab's state lock in Redis with `SET <token>_lock <id> NX PX`.
Reflex cancels a tab's hydrate when its websocket closes. If that cancel lands while the
event still waits for the answer to its SET, Redis already holds the lock but no task owns
it, and every later event of the tab waits until the lock expires (`redis_lock_expiration`,
10 s). Seen after a sign-out by the idle warning: the login page stayed empty, without the
office name or the "session expired" text, for seconds.

`install` wraps Reflex's lock attempt: when the attempt is cancelled, it still waits for
the SET's answer in the background and deletes the lock if it is this attempt's own
(compared in one Lua call, so a lock of another event is never touched). The DEL wakes the
waiters through Redis's keyspace events, in every worker.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from reflex.istate.manager.redis import StateManagerRedis

log = logging.getLogger(__name__)

_DELETE_IF_OURS = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_giving_back: set[asyncio.Future[Any]] = set()  # kept until done: the loop holds tasks only weakly


async def _give_back(manager: StateManagerRedis, attempt: asyncio.Future[Any], lock_key: bytes, lock_id: bytes) -> None:
    try:
        if not await attempt:
            return
        await manager.redis.eval(_DELETE_IF_OURS, 1, lock_key, lock_id)  # type: ignore[misc]
    except Exception:  # Redis gone: the lock expires by itself
        log.warning("a cancelled event's state lock could not be given back; it expires by itself")


def install() -> None:
    """Make Reflex's Redis lock attempt give its lock back when it is cancelled (once per process)."""
    original: Callable[[StateManagerRedis, bytes, bytes], Awaitable[bool | None]] = StateManagerRedis._try_get_lock
    if getattr(original, "gives_back_on_cancel", False):
        return

    async def try_get_lock(self: StateManagerRedis, lock_key: bytes, lock_id: bytes) -> bool | None:
        attempt = asyncio.ensure_future(original(self, lock_key, lock_id))
        try:
            return await asyncio.shield(attempt)
        except asyncio.CancelledError:
            give_back = asyncio.ensure_future(_give_back(self, attempt, lock_key, lock_id))
            _giving_back.add(give_back)
            give_back.add_done_callback(_giving_back.discard)
            raise

    try_get_lock.gives_back_on_cancel = True  # type: ignore[attr-defined]
    StateManagerRedis._try_get_lock = try_get_lock  # type: ignore[method-assign]
