"""The loop every background job of a worker runs in (core/services/background.py): one round,
then a wait that the stop event cuts short.

A failed round is logged and the next one comes at its time: the outbox sender, the digests,
the signing reminders, the SMS gateway and the upload purge must outlive a database that is
away for a moment or a mail server that refuses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


async def repeat_rounds(
    one_round: Callable[[], Awaitable[object]],
    *,
    interval_seconds: float,
    stop_event: asyncio.Event | None,
    log: logging.Logger,
    failed: str,
) -> None:
    """Run `one_round` every `interval_seconds` until `stop_event` is set; a round that raises is
    logged as `failed` with its traceback. Never raises errors."""
    stop = stop_event or asyncio.Event()
    while not stop.is_set():
        try:
            await one_round()
        except Exception:
            log.exception(failed)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
        except TimeoutError:
            pass
