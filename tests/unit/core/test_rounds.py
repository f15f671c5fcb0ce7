"""The background jobs' loop (core/services/rounds.py): a failed round is logged and the loop goes
on; the stop event ends the wait at once."""

from __future__ import annotations

import asyncio
import logging
import time

from portal_app.core.services.rounds import repeat_rounds


def test_a_failed_round_is_logged_and_the_next_round_comes(caplog):
    rounds: list[int] = []
    stop = asyncio.Event()

    async def one_round() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("database away")
        if len(rounds) == 3:
            stop.set()

    with caplog.at_level(logging.ERROR, logger="test.rounds"):
        asyncio.run(
            repeat_rounds(
                one_round,
                interval_seconds=0.01,
                stop_event=stop,
                log=logging.getLogger("test.rounds"),
                failed="test: round failed",
            )
        )
    assert rounds == [0, 1, 2]
    failures = [record for record in caplog.records if record.getMessage() == "test: round failed"]
    assert len(failures) == 1 and failures[0].exc_info is not None


def test_the_stop_event_ends_the_wait_at_once():
    async def run() -> float:
        stop = asyncio.Event()
        rounds: list[float] = []

        async def one_round() -> None:
            rounds.append(time.monotonic())

        loop = asyncio.create_task(
            repeat_rounds(
                one_round, interval_seconds=60, stop_event=stop, log=logging.getLogger("test"), failed="failed"
            )
        )
        await asyncio.sleep(0.05)
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(loop, timeout=5)
        assert len(rounds) == 1
        return time.monotonic() - started

    assert asyncio.run(run()) < 1
