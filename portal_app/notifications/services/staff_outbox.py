"""The outbox as staff see it: mail and SMS with their status, and "retry" for failed ones.

Staff filter the list by status, by person (a part of the recipient's name or e-mail
address, as in the audit log) and by period (days in the office's time zone). The
outbox has no dossier column, so there is no dossier filter.

Every staff member sees addresses, subjects and status; the content of a mail
or SMS is for admins only, and even then the secret part of personal links
(`token=...`) and SMS codes are masked: nobody needs them to help a client.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, bindparam, false, literal, or_, union_all
from sqlmodel import Session, col, func, select, update

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.services import i18n, staff_access
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import (
    clean_page,
    day_period,
    local_text,
    matching_accounts,
    one_line,
    page_count_of,
    require_staff,
)
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
    recipient_name: str = ""  # the account's name when known, as in the list
    subject: str = ""
    body: str = ""
    # the authenticated route with the HTML part as the recipient sees it ("" for an SMS)
    html_url: str = ""


@dataclass(frozen=True)
class OutboxFilter:
    """The person and period filters as typed (cleaned, not yet checked): what the URL query keeps.

    `person` is a part of the recipient's name or e-mail address (or phone number for an SMS);
    `date_from` and `date_to` are YYYY-MM-DD days in the office's time zone, both included."""

    person: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def clean(cls, person: object = "", date_from: object = "", date_to: object = "") -> OutboxFilter:
        return cls(person=one_line(person, 254), date_from=one_line(date_from, 10), date_to=one_line(date_to, 10))

    def as_query(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value}


@dataclass(frozen=True)
class OutboxPage:
    rows: list[OutboxRow]
    total: int
    page: int
    page_count: int
    counts: dict[str, int]  # per status, with the person and period filters (not the status filter)
    # statuses with more than staff_access.COUNT_LIMIT mails (their count says that limit; years of
    # digests are hundreds of thousands of mails), and whether the total is capped
    capped: tuple[str, ...] = ()
    more: bool = False


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


def _period(filters: OutboxFilter) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC of the filter's days; the end day is included (outbox.bad_date / outbox.date_order)."""
    return day_period(filters.date_from, filters.date_to, code_prefix="outbox")


def check_filter(filters: OutboxFilter) -> None:
    """Refuse a period that is no period (ValidationFailed outbox.bad_date / outbox.date_order)."""
    _period(filters)


def _next_text(text: str) -> str:
    """The first text after every text that starts with `text` ("jan" -> "jao")."""
    following = ord(text[-1]) + 1
    if 0xD800 <= following <= 0xDFFF:  # no surrogates in a database string
        following = 0xE000
    return text[:-1] + chr(min(following, 0x10FFFF))


def _person_condition(session: Session, model: type[OutboxMail] | type[OutboxSms], typed: str) -> ColumnElement[bool]:
    """The mail (or SMS) of a person: for an account whose name or e-mail address contains the text
    (as in the audit log), sent to such an account's address, or sent to an address (phone number)
    that starts with the text. Each part is served by an index of the outbox table."""
    needle = typed.lower()
    matches = matching_accounts(session, needle)
    account_ids = [account_id for account_id, _email in matches]
    if model is OutboxMail:
        address = col(OutboxMail.to_address)
        starts = {typed, needle}  # addresses are stored as typed; accounts' in lower case
    else:
        address = col(OutboxSms.to_phone)
        starts = {"".join(typed.split())}
    parts: list[ColumnElement[bool]] = [
        # a range ["jan", "jao"), not LIKE 'jan%': the index on the address serves it on SQLite and PostgreSQL
        and_(address >= start, address < _next_text(start))
        for start in sorted(starts)
        if start
    ]
    if account_ids:
        parts.append(col(model.account_id).in_(account_ids))
        if model is OutboxMail:
            parts.append(address.in_([email for _id, email in matches]))
    return or_(*parts) if parts else false()


def list_outbox(
    *,
    session: Session,
    actor: Account,
    channel: str = "mail",
    status: str = "",
    filters: OutboxFilter | None = None,
    page: object = 0,
    page_size: int = PAGE_SIZE,
    language: str = "nl",
) -> OutboxPage:
    """One page of mail (or SMS), newest first, optionally of one status, person and period.

    A bad day in the period raises ValidationFailed (code outbox.bad_date or outbox.date_order)."""
    require_staff(session, actor)
    if channel not in CHANNELS:
        raise ValidationFailed("bad channel", field="channel")
    if status and status not in STATUSES:
        raise ValidationFailed("bad status", field="status")
    model: type[OutboxMail] | type[OutboxSms] = OutboxMail if channel == "mail" else OutboxSms
    conditions = _filter_conditions(session, model, filters or OutboxFilter())
    # one grouped count serves the status list's numbers and the total
    counts = _counts(session, model, conditions)
    capped = tuple(name for name, count in counts.items() if count > staff_access.COUNT_LIMIT)
    total = counts[status] if status else sum(counts.values())
    more = total > staff_access.COUNT_LIMIT
    total = min(total, staff_access.COUNT_LIMIT)
    counts = {name: min(count, staff_access.COUNT_LIMIT) for name, count in counts.items()}
    if status:
        conditions.append(col(model.status) == status)
    page_count = page_count_of(total, page_size)
    page_number = min(clean_page(page), page_count - 1)
    rows = _newest_first(session, model, conditions, offset=page_number * page_size, limit=page_size)
    names_by_id, names_by_address = _recipient_names(session, rows)
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
                recipient_name=(
                    names_by_id.get(row.account_id, "")
                    if row.account_id is not None
                    else names_by_address.get(to.lower(), "")
                ),
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
    return OutboxPage(
        rows=result,
        total=total,
        page=page_number,
        page_count=page_count,
        counts=counts,
        capped=capped,
        more=more,
    )


def _filter_conditions(
    session: Session, model: type[OutboxMail] | type[OutboxSms], filters: OutboxFilter
) -> list[ColumnElement[bool]]:
    start, end = _period(filters)
    conditions: list[ColumnElement[bool]] = []
    if filters.person:
        conditions.append(_person_condition(session, model, filters.person))
    if start is not None:
        conditions.append(col(model.created_at) >= start)
    if end is not None:
        conditions.append(col(model.created_at) < end)
    return conditions


def _counts(
    session: Session, model: type[OutboxMail] | type[OutboxSms], conditions: list[ColumnElement[bool]]
) -> dict[str, int]:
    """Mails per status, each counted up to COUNT_LIMIT + 1 (one statement, an index range per status)."""
    per_status = [
        select(literal(status).label("status"), func.count().label("count")).select_from(
            select(col(model.id))
            .where(col(model.status) == status, *conditions)
            .limit(staff_access.COUNT_LIMIT + 1)
            .subquery()
        )
        for status in STATUSES
    ]
    counts: dict[str, int] = {status: 0 for status in STATUSES}
    for status, count in session.execute(union_all(*per_status)).all():
        counts[status] = int(count)
    return counts


# built once, the page's ids and addresses bound as lists: building the IN lists of a full page
# anew cost more than the query
_NAMES = select(col(Account.id), col(Account.email), col(Account.name)).where(
    or_(
        col(Account.id).in_(bindparam("ids", expanding=True)),
        col(Account.email).in_(bindparam("addresses", expanding=True)),
    )
)


def _recipient_names(session: Session, rows: Sequence[OutboxMail | OutboxSms]) -> tuple[dict[int, str], dict[str, str]]:
    """The names of the accounts a page's mails are for, by account id and (for a mail queued without
    an account, such as a link to a typed address) by e-mail address: one query for the page."""
    account_ids = {row.account_id for row in rows if row.account_id is not None}
    addresses = {row.to_address.lower() for row in rows if isinstance(row, OutboxMail) and row.account_id is None}
    if not account_ids and not addresses:
        return {}, {}
    found = session.execute(_NAMES, {"ids": sorted(account_ids), "addresses": sorted(addresses)}).all()
    return (
        {id_: name for id_, _email, name in found if id_ is not None},
        {email: name for _id, email, name in found},
    )


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
    """The number of mails (or SMS) per status (list_outbox returns them with the page)."""
    require_staff(session, actor)
    model: type[OutboxMail] | type[OutboxSms] = OutboxMail if channel == "mail" else OutboxSms
    return _counts(session, model, [])


def mail_content(*, session: Session, actor: Account, mail_id: object) -> OutboxContent:
    """The text of one mail, secrets masked. Admins only."""
    require_staff(session, actor, admin=True)
    row = session.get(OutboxMail, parse_id(mail_id))
    if row is None:
        raise NotFound()
    names_by_id, names_by_address = _recipient_names(session, [row])
    return OutboxContent(
        id=_row_id(row),
        recipient=row.to_address,
        recipient_name=names_by_id.get(row.account_id or 0, "") or names_by_address.get(row.to_address.lower(), ""),
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
    names_by_id, _ = _recipient_names(session, [row])
    return OutboxContent(
        id=_row_id(row),
        recipient=row.to_phone,
        recipient_name=names_by_id.get(row.account_id or 0, ""),
        body=mask_sms(row.body),
    )


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
