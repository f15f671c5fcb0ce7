"""The second SMS gateway: post queued SMS to an HTTP SMS provider.

Without SMS_PROVIDER_URL the SMS outbox itself is the gateway (staff read it at
/staff/outbox and `cli.py` can print it). With it, every queued SMS is claimed
atomically (several workers may run this) and posted as JSON
`{"to": "+316...", "body": "..."}` with `Authorization: Bearer <SMS_PROVIDER_TOKEN>`.
A 2xx answer marks it sent; 5xx and network errors are retried a few times;
4xx marks it failed (visible to staff).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select, update

from portal_app.core.models import utcnow
from portal_app.core.services.rounds import repeat_rounds
from portal_app.notifications.models import OutboxSms, OutboxStatus
from portal_app.settings import Settings

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class SmsReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _claim(engine: Engine, sms_id: int) -> bool:
    with Session(engine) as session:
        result = session.exec(
            update(OutboxSms)
            .where(col(OutboxSms.id) == sms_id, col(OutboxSms.status).in_([OutboxStatus.QUEUED, OutboxStatus.RETRYING]))
            .values(status=OutboxStatus.SENDING)
        )
        session.commit()
        return result.rowcount == 1


def _finish(engine: Engine, sms_id: int, *, status: str, error: str | None) -> None:
    with Session(engine) as session:
        sms = session.get(OutboxSms, sms_id)
        assert sms is not None  # claimed by this worker a moment ago; outbox rows are never deleted
        sms.status = status
        sms.attempts += 1
        sms.last_error = error[:1000] if error else None
        if status == OutboxStatus.SENT:
            sms.sent_at = utcnow()
        elif status == OutboxStatus.RETRYING and sms.attempts >= MAX_ATTEMPTS:
            sms.status = OutboxStatus.FAILED
        session.add(sms)
        session.commit()


async def deliver_due_sms(*, engine: Engine, settings: Settings, limit: int = 20) -> SmsReport:
    if not settings.sms_provider_url:
        return SmsReport()
    with Session(engine) as session:
        due = session.exec(
            select(col(OutboxSms.id), col(OutboxSms.to_phone), col(OutboxSms.body))
            .where(col(OutboxSms.status).in_([OutboxStatus.QUEUED, OutboxStatus.RETRYING]))
            .order_by(col(OutboxSms.id))
            .limit(limit)
        ).all()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    headers = {"Authorization": f"Bearer {settings.sms_provider_token}"} if settings.sms_provider_token else {}
    async with httpx.AsyncClient(timeout=15) as client:
        for sms_id, to_phone, body in due:
            assert sms_id is not None  # a stored row (see portal_app/core/models.py)
            if not await asyncio.to_thread(_claim, engine, sms_id):
                continue
            status: str
            message: str | None
            try:
                response = await client.post(
                    settings.sms_provider_url, json={"to": to_phone, "body": body}, headers=headers
                )
            except httpx.HTTPError as error:
                status, message = OutboxStatus.RETRYING, f"network: {type(error).__name__}"
            else:
                if response.is_success:
                    status, message = OutboxStatus.SENT, None
                elif response.status_code >= 500 or response.status_code == 429:
                    status, message = OutboxStatus.RETRYING, f"HTTP {response.status_code}"
                else:
                    status, message = OutboxStatus.FAILED, f"HTTP {response.status_code}"
            await asyncio.to_thread(_finish, engine, sms_id, status=status, error=message)
            counts[
                "sent" if status == OutboxStatus.SENT else "failed" if status == OutboxStatus.FAILED else "retrying"
            ] += 1
    return SmsReport(**counts)


async def run_sms_loop(
    *, engine: Engine, settings: Settings, interval_seconds: float = 3.0, stop_event: asyncio.Event | None = None
) -> None:
    await repeat_rounds(
        lambda: deliver_due_sms(engine=engine, settings=settings),
        interval_seconds=interval_seconds,
        stop_event=stop_event,
        log=logger,
        failed="sms: delivery round failed",
    )
