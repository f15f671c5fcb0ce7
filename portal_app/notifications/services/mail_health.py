"""Is outgoing mail working? What staff see on the dashboard and in Instellingen.

Without SMTP settings the sender keeps every mail queued (mail.deliver_due), and
with a refusing or unreachable server it keeps retrying: in both cases the outbox
fills while nobody notices. `mail_status` tells staff (one count, plus the last
error when mail is waiting), and `send_test_mail` lets an admin send one mail to
their own address directly, not through the outbox, so the server's answer can be
shown at once. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from enum import StrEnum

import aiosmtplib
from sqlmodel import Session, col, func, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.staff_access import require_staff
from portal_app.notifications.models import OutboxMail, OutboxStatus
from portal_app.notifications.services import mail
from portal_app.settings import Settings

# A mail still waiting this long after it was queued means the sender is not getting through
# (the sender runs every few seconds; its first retries come after 30 s, 60 s, 2 min, ...).
WAITING_AFTER = timedelta(minutes=15)
# The test mail waits for the admin's screen: far shorter than the outbox sender's bound.
TEST_TIMEOUT_SECONDS = 15.0
_PENDING = (OutboxStatus.QUEUED, OutboxStatus.RETRYING)


class MailHealth(StrEnum):
    OK = "ok"
    NOT_CONFIGURED = "not_configured"  # no SMTP_HOST: nothing is ever sent
    WAITING = "waiting"  # configured, but mail has been waiting longer than WAITING_AFTER


@dataclass(frozen=True, kw_only=True)
class MailStatus:
    """The state of outgoing mail and the calm sentence staff read about it ("" when all is well)."""

    health: MailHealth = MailHealth.OK
    waiting: int = 0
    last_error: str = ""
    text: str = ""


@dataclass(frozen=True, kw_only=True)
class TestMailResult:
    """The answer of the SMTP server to the test mail (or why there was none), ready to show."""

    ok: bool
    text: str


def mail_status(
    *, session: Session, actor: Account, settings: Settings, language: str = "nl", now: datetime | None = None
) -> MailStatus:
    """Whether staff should be told that mail is not going out (one count; the status index serves it)."""
    require_staff(session, actor)
    cutoff = (now or utcnow()) - WAITING_AFTER
    waiting = session.exec(
        select(func.count(col(OutboxMail.id))).where(
            col(OutboxMail.status).in_(_PENDING), col(OutboxMail.created_at) < cutoff
        )
    ).one()
    if not settings.smtp_host:
        return MailStatus(
            health=MailHealth.NOT_CONFIGURED,
            waiting=waiting,
            text=i18n.t("mail_health.not_configured", language, count=waiting),
        )
    if not waiting:
        return MailStatus()
    last_error = session.exec(
        select(col(OutboxMail.last_error))
        .where(col(OutboxMail.status) == OutboxStatus.RETRYING, col(OutboxMail.last_error).is_not(None))
        .order_by(col(OutboxMail.next_attempt_at).desc())
        .limit(1)
    ).first()
    text = i18n.t("mail_health.waiting", language, count=waiting)
    if last_error:
        text += " " + i18n.t("mail_health.last_error", language, error=last_error[:300])
    return MailStatus(health=MailHealth.WAITING, waiting=waiting, last_error=last_error or "", text=text)


def prepare_test_mail(
    *, session: Session, actor: Account, settings: Settings, office_name: str, language: str
) -> EmailMessage:
    """The test mail to the admin's own address (admins only); audited before it is sent."""
    actor = require_staff(session, actor, admin=True)
    message = EmailMessage()
    message["From"] = formataddr((office_name or settings.office_name, settings.smtp_from))
    message["To"] = actor.email
    message["Subject"] = i18n.t("mail_health.test_subject", language, office=office_name or settings.office_name)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(i18n.t("mail_health.test_body", language, name=actor.name or actor.email))
    audit.record(session, "mail.test_sent", actor_id=actor.id, target=f"account:{actor.id}")
    session.flush()
    return message


def _server_text(settings: Settings, text: str) -> str:
    text = " ".join(str(text).split())
    if settings.smtp_password:
        text = text.replace(settings.smtp_password, "***")
    return text[:300]


async def send_test_mail(message: EmailMessage, *, settings: Settings, language: str = "nl") -> TestMailResult:
    """Hand the test mail to the configured SMTP server and report its answer in `language`."""
    if not settings.smtp_host:
        return TestMailResult(ok=False, text=i18n.t("mail_health.test_not_configured", language))
    try:
        _refused, answer = await mail.smtp_send(
            message, settings, step_timeout=TEST_TIMEOUT_SECONDS, total_timeout=TEST_TIMEOUT_SECONDS * 2
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return TestMailResult(
            ok=False, text=i18n.t("mail_health.test_refused", language, answer=_server_text(settings, detail))
        )
    except aiosmtplib.SMTPResponseException as exc:
        answer = _server_text(settings, f"{exc.code} {exc.message}")
        return TestMailResult(ok=False, text=i18n.t("mail_health.test_refused", language, answer=answer))
    except (TimeoutError, OSError, aiosmtplib.SMTPException) as exc:
        where = f"{settings.smtp_host}:{settings.smtp_port}"
        reason = _server_text(settings, str(exc) or type(exc).__name__)
        return TestMailResult(
            ok=False, text=i18n.t("mail_health.test_unreachable", language, server=where, reason=reason)
        )
    return TestMailResult(
        ok=True,
        text=i18n.t("mail_health.test_sent", language, to=str(message["To"]), answer=_server_text(settings, answer)),
    )
