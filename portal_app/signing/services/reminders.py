"""Calm reminders of the signing appointment: one mail 7 days ahead and one 1 day ahead.

The background loop of every worker (core/services/background.py) calls
`run_reminder_round` about once a minute. An appointment whose reminder moment has come
is claimed with one conditional UPDATE (the column is still empty), in the transaction
that queues the mails, so several workers never send a reminder twice. The mails follow
the calm notification settings of Mijn gegevens: a client who switched off mail about
new messages from the office gets no reminder either; blocked or removed accounts and
accounts without access to the dossier get none. The mail names the dossier number, the
day and the time, never the place (the portal shows that). Plain Python, no Reflex import.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.core.models import utcnow
from portal_app.core.services import formatting
from portal_app.core.services.rounds import repeat_rounds
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.notifications.services import mail, notifications
from portal_app.settings import Settings
from portal_app.signing.models import SigningAppointment
from portal_app.signing.services.appointments import REMINDER_DAY, REMINDER_WEEK

log = logging.getLogger(__name__)

REMINDER_CHECK_SECONDS = 60.0
MAX_PER_ROUND = 200
WEEK = "week"
DAY = "day"
_COLUMN = {WEEK: "reminder_week_sent_at", DAY: "reminder_day_sent_at"}
_LEAD = {WEEK: REMINDER_WEEK, DAY: REMINDER_DAY}


@dataclass(frozen=True)
class DueReminder:
    appointment_id: int
    which: str  # WEEK | DAY


def due(session: Session, now: datetime) -> list[DueReminder]:
    """Reminders whose moment has come for appointments that have not started (1-day ones first)."""
    moment = formatting.aware(now)
    found: list[DueReminder] = []
    for which in (DAY, WEEK):
        column = getattr(SigningAppointment, _COLUMN[which])
        ids = session.exec(
            select(SigningAppointment.id)
            .where(
                col(column).is_(None),
                col(SigningAppointment.starts_at) > moment,
                col(SigningAppointment.starts_at) <= moment + _LEAD[which],
            )
            .order_by(col(SigningAppointment.starts_at))
            .limit(MAX_PER_ROUND)
        ).all()
        found += [DueReminder(appointment_id=int(i), which=which) for i in ids if i is not None]
    return found


def _claim(session: Session, reminder: DueReminder, now: datetime) -> bool:
    column = getattr(SigningAppointment, _COLUMN[reminder.which])
    values = {_COLUMN[reminder.which]: now}
    if reminder.which == DAY:
        # a day ahead the week reminder would only repeat it
        values[_COLUMN[WEEK]] = now
    result = session.exec(
        update(SigningAppointment)
        .where(col(SigningAppointment.id) == reminder.appointment_id, col(column).is_(None))
        .values(**values)
    )
    return bool(result.rowcount)


def send(session: Session, reminder: DueReminder, settings: Settings, now: datetime) -> int:
    """Claim one reminder and queue its mails; how many mails were queued (0 when another worker had it)."""
    if not _claim(session, reminder, now):
        return 0
    appointment = session.get(SigningAppointment, reminder.appointment_id)
    dossier = session.get(Dossier, appointment.dossier_id) if appointment is not None else None
    if appointment is None or dossier is None:
        return 0
    accounts = session.exec(
        select(Account)
        .join(DossierAccess, col(DossierAccess.account_id) == Account.id)
        .where(DossierAccess.dossier_id == dossier.id)
        .order_by(col(Account.id))
        .limit(notifications.MAX_RECIPIENTS)
    ).all()
    queued = 0
    for account in accounts:
        if account.is_staff or not account.is_active or account.id is None:
            continue
        if not notifications.wants(session, account.id, "message"):
            continue
        mail.queue_mail(
            session=session,
            to=account.email,
            kind=f"signing_reminder_{reminder.which}",
            language=account.language,
            context={
                "name": account.name,
                "dossier_number": dossier.number,
                "day": formatting.format_date(appointment.starts_at, account.language, style="long"),
                "time": formatting.format_time(appointment.starts_at, account.language),
                "link": f"{settings.public_url}/dossiers/{dossier.id}",
            },
            account_id=account.id,
        )
        queued += 1
    session.flush()
    return queued


def send_due(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Queue every due reminder; how many mails were queued. The caller commits."""
    moment = formatting.aware(now or utcnow())
    total = 0
    for reminder in due(session, moment):
        try:
            with session.begin_nested():
                total += send(session, reminder, settings, moment)
        except Exception:
            log.exception("signing: reminder %s for appointment %s failed", reminder.which, reminder.appointment_id)
    return total


def run_reminder_round(engine: Engine, settings: Settings, now: datetime | None = None) -> int:
    with Session(engine, expire_on_commit=False) as session:
        try:
            count = send_due(session, settings, now)
            session.commit()
        except Exception:
            session.rollback()
            raise
    if count:
        log.info("signing: %d reminder mail(s) queued", count)
    return count


async def run_reminder_loop(
    *,
    engine: Engine,
    settings: Settings,
    interval_seconds: float = REMINDER_CHECK_SECONDS,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Queue due reminders every `interval_seconds` until `stop_event` is set. Never raises errors."""
    await repeat_rounds(
        lambda: asyncio.to_thread(run_reminder_round, engine, settings),
        interval_seconds=interval_seconds,
        stop_event=stop_event,
        log=log,
        failed="signing: reminder round failed",
    )
