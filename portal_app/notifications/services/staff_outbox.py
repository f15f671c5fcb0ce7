"""The outbox as staff see it: mail and SMS with their status, and "retry" for failed ones.

Every staff member sees addresses, subjects and status; the content of a mail
or SMS is for admins only, and even then the secret part of personal links
(`token=...`) and SMS codes are masked: nobody needs them to help a client.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select, update

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import clean_page, local_text, require_staff
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus
from portal_app.notifications.services import mail

PAGE_SIZE = 25
STATUSES = (OutboxStatus.QUEUED, OutboxStatus.SENDING, OutboxStatus.SENT, OutboxStatus.RETRYING, OutboxStatus.FAILED)
CHANNELS = ("mail", "sms")
_TOKEN_RE = re.compile(r"(token=)[^\s&\"'<>]+", re.IGNORECASE)
_CODE_RE = re.compile(r"\b\d{4,8}\b")
# The two outbox tables share their status columns; one query serves both.
_Outbox = TypeVar("_Outbox", bound=OutboxMail | OutboxSms)


@dataclass(frozen=True, kw_only=True)
class OutboxRow:
    """One mail or SMS of the list; the times are ready to show ("" when not sent)."""

    id: int
    recipient: str  # not `to`: that name is taken by Reflex's Var.to
    recipient_name: str  # the account's name when the mail or SMS is for an account, else ""
    subject: str
    kind: str
    kind_label: str  # what kind of mail it is, in plain words (staff.outbox.kind.<kind>)
    status: str
    status_label: str
    attempts: int
    created: str
    sent: str
    error: str
    can_retry: bool


@dataclass(frozen=True, kw_only=True)
class OutboxContent:
    """The text of one mail or SMS for an admin, secrets masked; the blank one while none is open."""

    id: int = 0
    recipient: str = ""
    subject: str = ""
    body: str = ""
    # the authenticated route with the HTML part as the recipient sees it ("" for an SMS)
    html_url: str = ""


@dataclass(frozen=True)
class OutboxPage:
    rows: list[OutboxRow]
    total: int
    page: int
    page_count: int


def mask_secrets(text: str) -> str:
    """Personal link tokens masked: '...?token=•••'."""
    return _TOKEN_RE.sub(r"\1•••", text or "")


def mask_sms(text: str) -> str:
    return _CODE_RE.sub("••••••", text or "")


def _status_label(status: str, language: str) -> str:
    return i18n.t(f"staff.outbox.status.{status}", language)


def kind_label(kind: str, language: str) -> str:
    """The mail kind in plain words; an unknown kind (an old row) shows its code."""
    key = f"staff.outbox.kind.{kind}"
    text = i18n.t(key, language)
    return kind if text == key else text


def html_path(mail_id: int) -> str:
    """The route (notifications/api.py) serving a mail's HTML part to admins."""
    return f"{HTML_PATH_PREFIX}{mail_id}"


HTML_PATH_PREFIX = "/staff/outbox/mail/"


def list_outbox(
    *,
    session: Session,
    actor: Account,
    channel: str = "mail",
    status: str = "",
    page: object = 0,
    page_size: int = PAGE_SIZE,
    language: str = "nl",
) -> OutboxPage:
    """One page of mail (or SMS), newest first, optionally of one status."""
    require_staff(session, actor)
    if channel not in CHANNELS:
        raise ValidationFailed("bad channel", field="channel")
    if status and status not in STATUSES:
        raise ValidationFailed("bad status", field="status")
    model: type[OutboxMail] | type[OutboxSms] = OutboxMail if channel == "mail" else OutboxSms
    conditions = [col(model.status) == status] if status else []
    total = session.exec(select(func.count(col(model.id))).where(*conditions)).one() or 0
    page_count = max(1, -(-total // page_size))
    page_number = min(clean_page(page), page_count - 1)
    rows = _newest_first(session, model, conditions, offset=page_number * page_size, limit=page_size)
    # the names of the accounts the page's mails are for: one query for the page
    account_ids = {row.account_id for row in rows if row.account_id is not None}
    names = (
        dict(session.exec(select(col(Account.id), col(Account.name)).where(col(Account.id).in_(account_ids))).all())
        if account_ids
        else {}
    )
    result: list[OutboxRow] = []
    for row in rows:
        # The row is an OutboxMail exactly when channel == "mail".
        if isinstance(row, OutboxMail):
            to, subject, kind = row.to_address, row.subject, row.kind
        else:
            to, subject, kind = row.to_phone, "", "sms"
        result.append(
            OutboxRow(
                id=_row_id(row),
                recipient=to,
                recipient_name=names.get(row.account_id, "") if row.account_id is not None else "",
                subject=subject,
                kind=kind,
                kind_label=kind_label(kind, language),
                status=row.status,
                status_label=_status_label(row.status, language),
                attempts=row.attempts,
                created=local_text(row.created_at),
                sent=local_text(row.sent_at),
                error=(row.last_error or "")[:300],
                can_retry=row.status == OutboxStatus.FAILED,
            )
        )
    return OutboxPage(rows=result, total=total, page=page_number, page_count=page_count)


def _row_id(row: OutboxMail | OutboxSms) -> int:
    assert row.id is not None  # read from the database (see portal_app/core/models.py)
    return row.id


def _newest_first(
    session: Session, model: type[_Outbox], conditions: list[ColumnElement[bool]], *, offset: int, limit: int
) -> Sequence[_Outbox]:
    return session.exec(
        select(model)
        .where(*conditions)
        .order_by(col(model.created_at).desc(), col(model.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()


def status_counts(*, session: Session, actor: Account, channel: str = "mail") -> dict[str, int]:
    require_staff(session, actor)
    model: type[OutboxMail] | type[OutboxSms] = OutboxMail if channel == "mail" else OutboxSms
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    for status, count in session.exec(
        select(col(model.status), func.count(col(model.id))).group_by(col(model.status))
    ).all():
        counts[status] = count
    return counts


def mail_content(*, session: Session, actor: Account, mail_id: object) -> OutboxContent:
    """The text of one mail, secrets masked. Admins only."""
    require_staff(session, actor, admin=True)
    row = session.get(OutboxMail, parse_id(mail_id))
    if row is None:
        raise NotFound()
    return OutboxContent(
        id=_row_id(row),
        recipient=row.to_address,
        subject=row.subject,
        body=mask_secrets(row.body_text),
        html_url=html_path(_row_id(row)),
    )


# The inline logo is attached to the sent mail by its cid (mail._inline_logo); the preview
# shows the office's logo route instead, which the sandboxed frame may load (same origin).
_CID_IMG = re.compile(r'src="cid:[^"]*"')


def mail_html(*, session: Session, actor: Account, mail_id: object, logo_url: str = "") -> str:
    """The HTML part of one mail as the recipient sees it, personal-link tokens masked. Admins only.

    Served in a sandboxed frame without scripts (notifications/api.py)."""
    require_staff(session, actor, admin=True)
    row = session.get(OutboxMail, parse_id(mail_id))
    if row is None:
        raise NotFound()
    html = mask_secrets(row.body_html)
    return _CID_IMG.sub(f'src="{logo_url}"' if logo_url else 'src=""', html)


def sms_content(*, session: Session, actor: Account, sms_id: object) -> OutboxContent:
    """The text of one SMS, codes masked. Admins only."""
    require_staff(session, actor, admin=True)
    row = session.get(OutboxSms, parse_id(sms_id))
    if row is None:
        raise NotFound()
    return OutboxContent(id=_row_id(row), recipient=row.to_phone, body=mask_sms(row.body))


def retry(*, session: Session, actor: Account, channel: str, item_id: object) -> None:
    """Put a failed mail or SMS back in the queue; audited."""
    actor = require_staff(session, actor)
    item_id = parse_id(item_id)
    if channel == "mail":
        mail.retry_failed(session=session, mail_id=item_id)
    elif channel == "sms":
        row = session.get(OutboxSms, item_id)
        if row is None:
            raise NotFound()
        if row.status == OutboxStatus.SENT:
            raise ValidationFailed("already sent", code="outbox.already_sent")
        session.exec(
            update(OutboxSms)
            .where(col(OutboxSms.id) == item_id, col(OutboxSms.status) == OutboxStatus.FAILED)
            .values(status=OutboxStatus.QUEUED, attempts=0, last_error=None)
        )
    else:
        raise ValidationFailed("bad channel", field="channel")
    audit.record(session, "outbox.retry", actor_id=actor.id, target=f"{channel}:{item_id}")
    session.flush()
