"""The mail outbox and its SMTP sender (and the SMS outbox).

Every e-mail is first written to `OutboxMail` inside the caller's transaction,
together with the change that causes it (`queue_mail` never commits). A
separate sender (`deliver_due`, looped by `run_sender_loop` or run once from
the CLI) sends due rows over SMTP:

    queued/retrying --claim--> sending --ok--> sent
                                       --4xx, network--> retrying (backoff) ... --> failed
                                       --5xx--> failed (shown to staff, `retry_failed`)

Claiming is one conditional UPDATE whose row count is checked and committed
before any network I/O, so two workers (tasks, processes or machines sharing
the database) never send the same row.

Delivery guarantee: at-least-once. A row that stays in 'sending' for more than
`STUCK_AFTER` (the worker crashed or was killed mid-send) is put back to
'retrying'. If the crash came after the SMTP server accepted the message but
before 'sent' was committed, the mail is sent a second time. We accept that
rare duplicate (it carries the same Message-ID, so mail clients can fold it)
because the alternative, at-most-once, would silently lose invitations and
password links. In the normal path - including SMTP outages and retries - each
mail is handed to the server exactly once. Because the SMTP timeout is far
below `STUCK_AFTER`, a live worker is never overtaken by the recovery.

While a row is 'sending', `next_attempt_at` holds the moment it was claimed
(the table has no separate column for that); recovery uses it.

Branding: `queue_mail` renders with the office's brand colour and, when the
office has a logo, an `<img src="cid:logo-<hex>.png@klantenportaal">` in the
header. The cid names the logo file, so the sender attaches the very file the
mail was rendered with (old logo files are kept) as an inline image related to
the HTML part; when that file is gone, the img is replaced by the office name.
The From display name is the office name from the office settings.

Plain Python, no Reflex import.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, TypedDict

import aiosmtplib
from sqlalchemy import case, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.rounds import repeat_rounds
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus
from portal_app.notifications.services.mail_templates import BRAND_COLOUR_RE, render
from portal_app.settings import Settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
STUCK_AFTER = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 60.0
SMTP_TOTAL_TIMEOUT_SECONDS = 300.0
_PENDING = (OutboxStatus.QUEUED, OutboxStatus.RETRYING)
# The Content-ID domain of the inline logo; the local part is the logo's file name.
LOGO_CID_DOMAIN = "klantenportaal"
# The header <img> that `mail_templates.logo_img` writes for a logo cid.
_LOGO_IMG = re.compile(
    r'<img src="cid:(logo-[0-9a-f]{16}\.png)@' + re.escape(LOGO_CID_DOMAIN) + r'" alt="([^"<>]*)"[^<>]*>'
)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class _TemporaryFailure(Exception):
    pass


class _PermanentFailure(Exception):
    pass


# --------------------------------------------------------------------------- queueing


def _clean_address(to: str) -> str:
    address = (to or "").strip()
    if (
        not address
        or len(address) > 254
        or "@" not in address
        or any(ch in address for ch in "\r\n<>,;")
        or any(ch.isspace() for ch in address)
    ):
        raise ValueError("invalid recipient address")
    return address


def logo_cid(logo_file: str) -> str:
    """The Content-ID (without <>) under which the sender attaches logo file `logo_file`."""
    return f"{logo_file}@{LOGO_CID_DOMAIN}"


def queue_mail(
    *,
    session: Session,
    to: str,
    kind: str,
    language: str,
    context: dict[str, Any],
    account_id: int | None = None,
) -> OutboxMail:
    """Render mail `kind` and add it to the outbox (status queued). Does not commit.

    The office's name, brand colour and logo come from the office settings,
    whatever the caller passed."""
    from portal_app.office.services import office_settings

    office = office_settings.profile(session)
    cid = logo_cid(office.logo_file) if office_settings.LOGO_FILE.fullmatch(office.logo_file) else None
    rendered = render(
        kind,
        language,
        {**context, "office_name": office.office_name},
        # a malformed stored colour must not stop a password mail: the default is used then
        brand_colour=office.brand_colour if BRAND_COLOUR_RE.fullmatch(office.brand_colour or "") else None,
        logo_cid=cid,
    )
    mail = OutboxMail(
        to_address=_clean_address(to),
        subject=rendered.subject[:300],
        body_text=rendered.text,
        body_html=rendered.html,
        kind=kind,
        account_id=account_id,
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(mail)
    return mail


def queue_sms(*, session: Session, to_phone: str, body: str, account_id: int | None = None) -> OutboxSms:
    """Add an SMS to the SMS outbox (the default gateway: staff can read it). Does not commit."""
    phone = "".join((to_phone or "").split())
    if not phone or len(phone) > 32 or not all(ch.isdigit() or ch in "+-()" for ch in phone):
        raise ValueError("invalid phone number")
    text = (body or "").strip()
    if not text or len(text) > 500:
        raise ValueError("SMS body must be 1 to 500 characters")
    sms = OutboxSms(to_phone=phone, body=text, account_id=account_id, status=OutboxStatus.QUEUED)
    session.add(sms)
    return sms


def retry_failed(*, session: Session, mail_id: int) -> None:
    """Put a failed mail back in the queue (staff action). Does not commit.

    A mail that is already waiting or being sent is left alone (double click);
    a mail that was sent is never queued again.
    """
    result = session.exec(
        update(OutboxMail)
        .where(col(OutboxMail.id) == mail_id, col(OutboxMail.status) == OutboxStatus.FAILED)
        .values(status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow(), last_error=None)
    )
    if result.rowcount == 1:
        return
    mail = session.get(OutboxMail, mail_id)
    if mail is None:
        raise NotFound("mail not found")
    if mail.status == OutboxStatus.SENT:
        raise ValidationFailed("mail was already sent", code="outbox.already_sent")
    # queued / retrying / sending: it is on its way already.


# --------------------------------------------------------------------------- sending


def backoff_seconds(attempts_before: int) -> int:
    """30 s, 60 s, 120 s, ... capped at one hour."""
    factor: int = 2 ** min(attempts_before, 20)  # typeshed types int ** int as Any (a negative power is a float)
    return min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * factor)


def _short_error(text: str, settings: Settings) -> str:
    text = " ".join(str(text).split())
    if settings.smtp_password:
        text = text.replace(settings.smtp_password, "***")
    return text[:300]


def _message_id(mail_id: int, created_at: datetime | None, settings: Settings) -> str:
    # Stable per outbox row, so a (rare) resend after a crash carries the same id.
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    stamp = int(created_at.timestamp()) if created_at else 0
    return f"<portal-mail-{mail_id}-{stamp}@{domain}>"


def _inline_logo(body_html: str, settings: Settings) -> tuple[str, tuple[str, bytes] | None]:
    """The HTML to send and the (cid, PNG bytes) to attach with it.

    The logo named by the mail's cid is attached when its file is still there;
    otherwise its <img> is replaced by the alt text (the office name), so no
    mail refers to an image that is not in it.
    """
    from portal_app.office.services import branding

    attached: tuple[str, bytes] | None = None

    def replace(match: re.Match[str]) -> str:
        nonlocal attached
        whole: str = match.group(0)
        file_name: str = match.group(1)
        alt: str = match.group(2)
        cid = logo_cid(file_name)
        if attached is not None and attached[0] == cid:
            return whole
        if attached is None:
            path = branding.path_for(settings, file_name)
            data = branding.read_logo(path) if path is not None else None
            if data is not None:
                attached = (cid, data)
                return whole
        return alt

    return _LOGO_IMG.sub(replace, body_html), attached


def _build_message(row: ClaimedMail, settings: Settings, *, office_name: str | None = None) -> EmailMessage:
    """The MIME message of an outbox row; `office_name` (the office setting) is the From name."""
    message = EmailMessage()
    message["From"] = formataddr((office_name or settings.office_name, settings.smtp_from))
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = _message_id(row["id"], row["created_at"], settings)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["body_text"])
    body_html, logo = _inline_logo(row["body_html"], settings)
    message.add_alternative(body_html, subtype="html")
    if logo is not None:
        cid, data = logo
        html_part = message.get_body(preferencelist=("html",))
        assert html_part is not None  # the HTML alternative was added just above
        html_part.add_related(
            data, maintype="image", subtype="png", cid=f"<{cid}>", disposition="inline", filename="logo.png"
        )
    return message


def _office_name(engine: Engine, settings: Settings) -> str:
    """The office name as set in the office settings (the configured name when nobody changed it)."""
    from portal_app.office.services import office_settings

    with Session(engine) as session:
        name = office_settings.raw_values(session, settings).get("office_name")
    return name or settings.office_name


async def smtp_send(
    message: EmailMessage, settings: Settings, *, step_timeout: float, total_timeout: float
) -> tuple[dict[str, aiosmtplib.SMTPResponse], str]:
    """Hand one message to the configured SMTP server (port 465: implicit TLS, else STARTTLS when
    set); returns aiosmtplib's (refused recipients, server answer). `step_timeout` bounds each SMTP
    step, `total_timeout` the whole conversation."""
    implicit_tls = settings.smtp_port == 465
    return await asyncio.wait_for(
        aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password,
            use_tls=implicit_tls,
            start_tls=False if implicit_tls else settings.smtp_starttls,
            timeout=step_timeout,
        ),
        timeout=total_timeout,
    )


async def _send(message: EmailMessage, settings: Settings) -> None:
    try:
        # The whole conversation stays well below STUCK_AFTER.
        await smtp_send(message, settings, step_timeout=SMTP_TIMEOUT_SECONDS, total_timeout=SMTP_TOTAL_TIMEOUT_SECONDS)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refused.code for refused in exc.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        if codes and all(400 <= code < 500 for code in codes):
            raise _TemporaryFailure(f"recipient refused: {detail}") from exc
        raise _PermanentFailure(f"recipient refused: {detail}") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        # Our configuration, not this mail: keep retrying (bounded by MAX_ATTEMPTS).
        raise _TemporaryFailure(f"SMTP authentication failed ({exc.code})") from exc
    except aiosmtplib.SMTPResponseException as exc:
        text = f"{exc.code} {exc.message}"
        if 400 <= exc.code < 500:
            raise _TemporaryFailure(text) from exc
        if 500 <= exc.code < 600:
            raise _PermanentFailure(text) from exc
        raise _TemporaryFailure(text) from exc
    except (TimeoutError, OSError, aiosmtplib.SMTPException) as exc:
        # Connection refused, timeouts, disconnects, STARTTLS not offered, ...
        raise _TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc


def _recover_stuck(engine: Engine, now: datetime) -> int:
    """Rows left in 'sending' longer than STUCK_AFTER go back to 'retrying' (see module doc)."""
    attempts = col(OutboxMail.attempts)
    with Session(engine) as session:
        result = session.exec(
            update(OutboxMail)
            .where(
                col(OutboxMail.status) == OutboxStatus.SENDING,
                col(OutboxMail.next_attempt_at) < now - STUCK_AFTER,
            )
            .values(
                status=case((attempts + 1 >= MAX_ATTEMPTS, OutboxStatus.FAILED), else_=OutboxStatus.RETRYING),
                attempts=attempts + 1,
                next_attempt_at=now,
                last_error="interrupted while sending; delivery state unknown",
            )
        )
        session.commit()
        if result.rowcount:
            log.warning("mail outbox: recovered %d mail(s) stuck in 'sending'", result.rowcount)
        return result.rowcount or 0


def _due_ids(engine: Engine, now: datetime, limit: int) -> list[int]:
    with Session(engine) as session:
        found = session.exec(
            select(col(OutboxMail.id))
            .where(col(OutboxMail.status).in_(_PENDING), col(OutboxMail.next_attempt_at) <= now)
            .order_by(col(OutboxMail.next_attempt_at), col(OutboxMail.id))
            .limit(limit)
        ).all()
    ids: list[int] = []
    for mail_id in found:
        assert mail_id is not None  # a stored row (see portal_app/core/models.py)
        ids.append(mail_id)
    return ids


class ClaimedMail(TypedDict):
    """The columns of a claimed outbox row the sender needs, read before any network I/O."""

    id: int
    to_address: str
    subject: str
    body_text: str
    body_html: str
    attempts: int
    created_at: datetime


def _claim(engine: Engine, mail_id: int, now: datetime) -> ClaimedMail | None:
    """Atomically take the row; None if another worker got it first."""
    with Session(engine) as session:
        result = session.exec(
            update(OutboxMail)
            .where(
                col(OutboxMail.id) == mail_id,
                col(OutboxMail.status).in_(_PENDING),
                col(OutboxMail.next_attempt_at) <= now,
            )
            .values(status=OutboxStatus.SENDING, next_attempt_at=now)
        )
        if result.rowcount != 1:
            session.rollback()
            return None
        session.commit()
        mail = session.get(OutboxMail, mail_id)
        if mail is None:  # pragma: no cover - deleted between claim and read
            return None
        return {
            "id": mail_id,
            "to_address": mail.to_address,
            "subject": mail.subject,
            "body_text": mail.body_text,
            "body_html": mail.body_html,
            "attempts": mail.attempts,
            "created_at": mail.created_at,
        }


def _finish(engine: Engine, mail_id: int, **values: Any) -> None:
    with Session(engine) as session:
        result = session.exec(
            update(OutboxMail)
            .where(col(OutboxMail.id) == mail_id, col(OutboxMail.status) == OutboxStatus.SENDING)
            .values(**values)
        )
        session.commit()
        if result.rowcount != 1:
            log.warning("mail outbox: mail %s was no longer 'sending' when finishing", mail_id)


async def deliver_due(
    *, engine: Engine, settings: Settings, now: datetime | None = None, limit: int = 50
) -> DeliveryReport:
    """Send the mails that are due. Without SMTP_HOST nothing is sent (mail stays queued)."""
    report = DeliveryReport()
    if not settings.smtp_host:
        return report
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow

    _recover_stuck(engine, clock())
    due = _due_ids(engine, clock(), limit)
    sender_name = _office_name(engine, settings) if due else settings.office_name
    for mail_id in due:
        row = _claim(engine, mail_id, clock())
        if row is None:
            continue
        try:
            await _send(_build_message(row, settings, office_name=sender_name), settings)
        except _PermanentFailure as exc:
            _finish(
                engine,
                mail_id,
                status=OutboxStatus.FAILED,
                attempts=row["attempts"] + 1,
                last_error=_short_error(str(exc), settings),
            )
            report.failed += 1
            log.warning("mail outbox: mail %s failed permanently", mail_id)
        except Exception as exc:  # temporary failures, and anything unexpected
            error = str(exc) if isinstance(exc, _TemporaryFailure) else f"{type(exc).__name__}: {exc}"
            attempts = row["attempts"] + 1
            if attempts >= MAX_ATTEMPTS:
                _finish(
                    engine,
                    mail_id,
                    status=OutboxStatus.FAILED,
                    attempts=attempts,
                    last_error=_short_error(f"gave up after {attempts} attempts: {error}", settings),
                )
                report.failed += 1
                log.warning("mail outbox: mail %s failed after %d attempts", mail_id, attempts)
            else:
                _finish(
                    engine,
                    mail_id,
                    status=OutboxStatus.RETRYING,
                    attempts=attempts,
                    next_attempt_at=clock() + timedelta(seconds=backoff_seconds(row["attempts"])),
                    last_error=_short_error(error, settings),
                )
                report.retrying += 1
                log.info("mail outbox: mail %s will be retried (attempt %d)", mail_id, attempts)
        else:
            _finish(engine, mail_id, status=OutboxStatus.SENT, sent_at=clock(), last_error=None)
            report.sent += 1
    return report


async def run_sender_loop(
    *,
    engine: Engine,
    settings: Settings,
    interval_seconds: float = 5.0,
    stop_event: asyncio.Event | None = None,
) -> None:
    """Deliver due mail every `interval_seconds` until `stop_event` is set. Never raises errors."""
    await repeat_rounds(
        lambda: deliver_due(engine=engine, settings=settings),
        interval_seconds=interval_seconds,
        stop_event=stop_event,
        log=log,
        failed="mail outbox: sender round failed",
    )
