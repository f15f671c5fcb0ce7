"""A cancelled lock attempt gives its tab's state lock back at once (core/states/redis_lock.py), real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.asyncio import Redis
from reflex.istate.manager.redis import StateManagerRedis

from portal_app.core.states import redis_lock
from tests.conftest import REDIS_TEST_URL, redis_available, require_service

ANSWER_DELAY = 0.5  # the SET has landed in Redis, its answer has not reached the event yet


async def cancel_after_the_set_landed(lock_held_before: bytes | None, wait: float = 3) -> tuple[bytes, Redis, float]:
    """Start a lock attempt whose answer is slow, cancel it once the SET is in Redis; returns
    the lock key, a client, and how long the key then stayed."""
    redis_lock.install()
    client = Redis.from_url(REDIS_TEST_URL)
    manager = StateManagerRedis(redis=Redis.from_url(REDIS_TEST_URL), lock_expiration=10_000, token_expiration=60)
    real_set = manager.redis.set

    async def slow_answer(*args, **kwargs):
        answer = await real_set(*args, **kwargs)
        await asyncio.sleep(ANSWER_DELAY)
        return answer

    manager.redis.set = slow_answer  # type: ignore[method-assign]
    lock_key = f"kp-test-{uuid.uuid4().hex}_lock".encode()
    if lock_held_before is not None:
        await client.set(lock_key, lock_held_before, px=10_000)
    attempt = asyncio.ensure_future(manager._try_get_lock(lock_key, b"cancelled-event"))
    await asyncio.sleep(0.1)  # the SET went out
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    started = time.monotonic()
    while await client.exists(lock_key) and time.monotonic() - started < wait:
        await asyncio.sleep(0.05)
    return lock_key, client, time.monotonic() - started


def test_a_lock_taken_by_a_cancelled_attempt_is_given_back():
    require_service(redis_available(), "Redis")

    async def scenario():
        lock_key, client, stayed = await cancel_after_the_set_landed(lock_held_before=None)
        # without the give-back the key would stay for its full 10 s expiry
        assert await client.exists(lock_key) == 0
        assert stayed < 2
        await client.aclose()

    asyncio.run(scenario())


def test_the_lock_of_another_event_is_never_touched():
    require_service(redis_available(), "Redis")

    async def scenario():
        lock_key, client, _stayed = await cancel_after_the_set_landed(
            lock_held_before=b"other-event", wait=ANSWER_DELAY + 0.5
        )
        assert await client.get(lock_key) == b"other-event"
        await client.delete(lock_key)
        await client.aclose()

    asyncio.run(scenario())
