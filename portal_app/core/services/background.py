"""Work that runs beside the web server in every backend worker: the mail outbox
sender and the calm notification digests.

Several workers may run both at once: the outbox claims each mail atomically,
so a mail is sent by one worker only, and the digest run claims each client's
waiting notifications atomically, so a client gets one digest mail.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.engine import Engine

from portal_app.core.services.db import get_engine
from portal_app.core.services.rounds import repeat_rounds
from portal_app.settings import Settings, get_settings

logger = logging.getLogger(__name__)

# How often the digest loop looks for clients whose digest is due.
DIGEST_CHECK_SECONDS = 5.0


async def run_digest_loop(
    *,
    engine: Engine,
    settings: Settings,
    interval_seconds: float = DIGEST_CHECK_SECONDS,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Queue the digests that are due every `interval_seconds` until `stop_event` is set. Never raises errors."""
    from portal_app.notifications.services import notifications

    await repeat_rounds(
        # database work: off the event loop that serves the browsers
        lambda: asyncio.to_thread(notifications.run_digest_round, engine, settings),
        interval_seconds=interval_seconds,
        stop_event=stop_event,
        log=logger,
        failed="notifications: digest round failed",
    )


def _purge_uploads(engine: Engine, settings: Settings) -> Coroutine[Any, Any, None]:
    """Staged files never sent (after the office's staging hours) and temp files of cut-off uploads."""
    from portal_app.documents.services import staging
    from portal_app.documents.services.storage import FileStore

    return staging.run_purge_loop(engine=engine, store=FileStore(settings.files_dir))


async def start_background_tasks() -> None:
    from portal_app.notifications.services import mail

    settings = get_settings()
    engine = get_engine()
    loops = [run_digest_loop(engine=engine, settings=settings), _purge_uploads(engine, settings)]
    if settings.smtp_host is None:
        logger.warning("SMTP_HOST is not set: mail stays in the outbox until it is.")
    else:
        loops.append(mail.run_sender_loop(engine=engine, settings=settings))
    from portal_app.signing.services import reminders

    # the signing appointment's calm reminders (7 days and 1 day ahead)
    loops.append(reminders.run_reminder_loop(engine=engine, settings=settings))
    if settings.sms_provider_url:
        from portal_app.notifications.services import sms_gateway

        loops.append(sms_gateway.run_sms_loop(engine=engine, settings=settings))
    await asyncio.gather(*loops)
