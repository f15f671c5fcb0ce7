"""Work that runs beside the web server in every backend worker: the mail outbox sender.

Several workers may run it at once: the outbox claims each mail atomically,
so a mail is sent by one worker only.
"""

from __future__ import annotations

import logging

from portal_app.services.db import get_engine
from portal_app.settings import get_settings

logger = logging.getLogger(__name__)


async def start_background_tasks() -> None:
    from portal_app.services import mail

    settings = get_settings()
    if settings.smtp_host is None:
        logger.warning("SMTP_HOST is not set: mail stays in the outbox until it is.")
        return
    await mail.run_sender_loop(engine=get_engine(), settings=settings)
