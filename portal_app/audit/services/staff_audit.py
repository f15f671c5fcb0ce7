"""The audit log for staff: filter by account, dossier, event type and date; CSV export.

Filters come from a browser (or a query string) and are validated here: a day that
is no day, or a period that ends before it starts, raises ValidationFailed (codes
period.bad_date, period.date_order) as in the outbox. The list shows every event in
words (audit_text): the person's name, the document's title, the details with labels,
times in office time; the names of a page come from one query. The
list is paginated with SQL; the export streams in batches (keyset on the id),
so neither loads the whole table. CSV cells that a spreadsheet would run as a
formula are prefixed with an apostrophe. Plain Python, no Reflex import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit, audit_text, event_kinds
from portal_app.core.services.staff_access import (
    capped_count,
    clean_page,
    contains,
    day_period,
    iso_text,
    local_text,
    matching_accounts,
    one_line,
    page_count_of,
    require_staff,
)
from portal_app.core.services.text import fold
from portal_app.dossiers.models import Dossier

PAGE_SIZE = 50
EXPORT_BATCH = 500
MAX_MATCHES = 200
CSV_COLUMNS = ("id", "time", "event", "actor_id", "actor", "dossier_id", "dossier", "target", "ip", "detail")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    account: str = ""
    dossier: str = ""
    event_type: str = ""
    date_from: str = ""
    date_to: str = ""

    @classmethod
    def clean(
        cls,
        account: object = "",
        dossier: object = "",
        event_type: object = "",
        date_from: object = "",
        date_to: object = "",
    ) -> AuditFilter:
        return cls(
            account=one_line(account, 254),
            dossier=one_line(dossier, 40),
            event_type=one_line(event_type, 60),
            date_from=one_line(date_from, 10),
            date_to=one_line(date_to, 10),
        )

    def as_query(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value}

    def without_period(self) -> AuditFilter:
        return AuditFilter(account=self.account, dossier=self.dossier, event_type=self.event_type)


def check_filter(filters: AuditFilter) -> None:
    """Refuse a period that is no period (ValidationFailed period.bad_date / period.date_order)."""
    day_period(filters.date_from, filters.date_to)


@dataclass(frozen=True, kw_only=True)
class AuditRow:
    """One event of the list; the texts are ready to show, the ids are None when absent."""

    id: int
    at: str
    event: str  # the code: the row's data-event attribute and the CSV's
    description: str  # the event in plain words (event_kinds)
    actor: str  # "Name (e-mail)"
    actor_id: int | None
    dossier: str
    dossier_id: int | None
    target: str  # the code ("account:3"), as in the CSV
    target_label: str  # the same in words ("Jan Jansen (jansen@example.nl)")
    ip: str
    detail: str  # in words, labels in the reader's language


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    total: int
    page: int
    page_count: int
    # more events than staff_access.COUNT_LIMIT match: `total` is that limit and the pages stop there
    more: bool = False


def _conditions(session: Session, filters: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.account:
        needle = filters.account.lower()
        ids: list[int | None]
        if needle.isdigit():
            ids = [int(needle)]
        else:
            ids = [account_id for account_id, _email in matching_accounts(session, needle)]
        if not ids:
            conditions.append(col(AuditEvent.id).is_(None))  # nothing matches
        else:
            conditions.append(
                or_(col(AuditEvent.actor_id).in_(ids), col(AuditEvent.target).in_([f"account:{i}" for i in ids]))
            )
    if filters.dossier:
        ids = list(
            session.exec(
                select(col(Dossier.id))
                # the folded "number description" column: its index serves the search (lower(number) has none)
                .where(contains(col(Dossier.search_text), fold(filters.dossier)))
                .order_by(col(Dossier.search_text))  # the index's own order: by number, no sort
                .limit(MAX_MATCHES)
            ).all()
        )
        conditions.append(col(AuditEvent.dossier_id).in_(ids) if ids else col(AuditEvent.id).is_(None))
    if filters.event_type:
        conditions.append(col(AuditEvent.event_type) == filters.event_type)
    start, end = day_period(filters.date_from, filters.date_to)
    if start is not None:
        conditions.append(col(AuditEvent.at) >= start)
    if end is not None:
        conditions.append(col(AuditEvent.at) < end)
    return conditions


def event_types(*, session: Session, actor: Account) -> list[str]:
    """The kinds staff can filter on: every kind the portal writes. Not a DISTINCT over the log,
    which reads the whole event_type index (a million rows after a few years) on every page open."""
    require_staff(session, actor)
    return event_kinds.known_codes()


def event_type_choices(*, session: Session, actor: Account, language: str = "nl") -> list[event_kinds.EventKind]:
    """The kinds in the log for the filter list, described in `language` and sorted by description."""
    return event_kinds.kinds(event_types(session=session, actor=actor), language)


def _rows(
    session: Session,
    conditions: list[ColumnElement[bool]],
    *,
    offset: int | None = None,
    before_id: int | None = None,
    limit: int,
) -> Sequence[tuple[AuditEvent, str | None, str | None, str | None]]:
    # The names come from outer joins: None when the actor or the dossier is absent.
    actor = aliased(Account)
    statement = (
        select(AuditEvent, actor.name, actor.email, Dossier.number)
        .outerjoin(actor, col(AuditEvent.actor_id) == actor.id)
        .outerjoin(Dossier, col(Dossier.id) == AuditEvent.dossier_id)
        .where(*conditions)
    )
    if before_id is not None:
        statement = statement.where(col(AuditEvent.id) < before_id)
    statement = statement.order_by(col(AuditEvent.id).desc()).limit(limit)
    if offset:
        statement = statement.offset(offset)
    return session.exec(statement).all()


def _event_id(event: AuditEvent) -> int:
    assert event.id is not None  # read from the database (see portal_app/core/models.py)
    return event.id


def search(
    *,
    session: Session,
    actor: Account,
    filters: AuditFilter,
    page: object = 0,
    page_size: int = PAGE_SIZE,
    language: str = "nl",
) -> AuditPage:
    """One page of events, newest first. A bad period raises ValidationFailed (see check_filter)."""
    require_staff(session, actor)
    conditions = _conditions(session, filters)
    # an office's log grows by a million rows in a few years (40 ms to count on SQLite): filters find older events
    total, more = capped_count(session, select(col(AuditEvent.id)).where(*conditions))
    page_count = page_count_of(total, page_size)
    page = min(clean_page(page), page_count - 1)
    rows = _rows(session, conditions, offset=page * page_size, limit=page_size)
    details = [audit_text.parse_detail(event.detail) for event, _name, _email, _number in rows]
    # the names the page's targets and details refer to: one query for the page
    names = audit_text.lookup(
        session, [(event.target, detail) for (event, *_), detail in zip(rows, details, strict=True)], language
    )
    return AuditPage(
        rows=[
            AuditRow(
                id=_event_id(event),
                at=local_text(event.at),
                event=event.event_type,
                description=event_kinds.describe(event.event_type, language),
                actor=(
                    audit_text.person(name, email) if name else ("" if event.actor_id is None else f"#{event.actor_id}")
                ),
                actor_id=event.actor_id or None,
                dossier=number or (str(event.dossier_id) if event.dossier_id else ""),
                dossier_id=event.dossier_id or None,
                target=event.target or "",
                target_label=audit_text.target_text(event.target, names, language),
                ip=event.ip or "",
                detail=audit_text.detail_text(detail, names, language),
            )
            for (event, name, email, number), detail in zip(rows, details, strict=True)
        ],
        total=total,
        page=page,
        page_count=page_count,
        more=more,
    )


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_line(values: Iterable[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_csv_cell(v) for v in values])
    return buffer.getvalue()


def record_export(*, session: Session, actor: Account, filters: AuditFilter, ip: str | None = None) -> None:
    actor = require_staff(session, actor)
    audit.record(session, "audit.exported", actor_id=actor.id, ip=ip, detail=filters.as_query() or None)


def iter_csv(*, session: Session, actor: Account, filters: AuditFilter) -> Iterator[str]:
    """CSV lines (header first), newest event first, read in batches of EXPORT_BATCH."""
    require_staff(session, actor)
    conditions = _conditions(session, filters)
    yield "\ufeff" + _csv_line(CSV_COLUMNS)  # BOM: spreadsheets read UTF-8 correctly
    before_id: int | None = None
    while True:
        rows = _rows(session, conditions, before_id=before_id, limit=EXPORT_BATCH)
        if not rows:
            return
        for event, name, email, number in rows:
            yield _csv_line(
                (
                    event.id,
                    iso_text(event.at),
                    event.event_type,
                    event.actor_id or "",
                    f"{name} <{email}>" if name else "",
                    event.dossier_id or "",
                    number or "",
                    event.target or "",
                    event.ip or "",
                    event.detail or "",
                )
            )
        before_id = rows[-1][0].id
