"""Who may use the staff services, and small helpers every staff service shares.

Every staff service function takes the acting account (`actor`) and calls
`require_staff` first: the states check the session through the handler skeleton (core/states/access.py),
and the services check again, so a client account can never reach a staff
rule, whatever the caller forgot. Plain Python, no Reflex import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Integer, Select, Subquery, func, literal_column, or_, table
from sqlalchemy import column as column_clause
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from portal_app.accounts.models import Account, StaffRole
from portal_app.core.services import formatting
from portal_app.core.services.errors import PermissionDenied, ValidationFailed
from portal_app.core.services.ids import parse_id

MAX_PAGE = 100_000

# Staff lists that grow for years (dossiers, clients, outbox, audit log) count their matches up
# to this many and then say "1.000+": counting 20,000 dossiers or a million log rows on every
# keystroke costs more than the page itself, and tells the reader nothing a narrower search
# would not. Their pages stop there too.
COUNT_LIMIT = 1_000


def capped_count(
    session: Session, matching: Select[Any] | SelectOfScalar[Any], *, cap: bool = True
) -> tuple[int, bool]:
    """(count, more): how many rows `matching` gives, at most COUNT_LIMIT, and whether there are more.

    The scan stops at the limit's next row, so a search that matches most of a big table costs
    as much as one that matches a thousand rows. `cap=False` counts them all (a list without a
    text search, whose count an index answers, so that every page stays reachable)."""
    limited = (matching.limit(COUNT_LIMIT + 1) if cap else matching).subquery()
    count = session.exec(select(func.count()).select_from(limited)).one() or 0
    if not cap:
        return count, False
    return min(count, COUNT_LIMIT), count > COUNT_LIMIT


def page_count_of(total: int, page_size: int) -> int:
    """Pages needed for `total` rows, at least one (an empty list shows one empty page)."""
    return max(1, -(-total // page_size))


def require_staff(session: Session, actor: Account | None, *, admin: bool = False) -> Account:
    """The actor reloaded from the database when it is an active staff account (admin if asked)."""
    if actor is None or getattr(actor, "id", None) is None:
        raise PermissionDenied("staff only")
    fresh = session.get(Account, actor.id)
    if fresh is None or not fresh.is_staff or not fresh.is_active:
        raise PermissionDenied("staff only")
    if admin and fresh.staff_role != StaffRole.ADMIN:
        raise PermissionDenied("admin only")
    return fresh


def optional_id(value: object) -> int | None:
    """None for "" / None / 0, else `parse_id`."""
    if value in (None, "", 0, "0"):
        return None
    return parse_id(value)


def clean_page(value: Any) -> int:
    """A page number (0-based) from a browser value; bad values give page 0."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 0
    return min(max(page, 0), MAX_PAGE)


def one_line(value: object, max_chars: int) -> str:
    """Whitespace collapsed, cut to `max_chars`; "" for anything but a string."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:max_chars]


def like_pattern(needle: str) -> str:
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: Any, needle: str) -> ColumnElement[bool]:
    """`column` holds `needle` (LIKE '%needle%', the needle taken literally).

    The ESCAPE clause only when the needle holds a LIKE wildcard or the escape character: a
    search box scans thousands of rows per keystroke, and SQLite's LIKE is a little (5-10 %)
    cheaper per row without it."""
    if any(char in needle for char in "\\%_"):
        return cast(ColumnElement[bool], column.like(like_pattern(needle), escape="\\"))
    return cast(ColumnElement[bool], column.like(f"%{needle}%"))


# A trigram index (core/models.py) cannot find a needle shorter than a trigram.
TRIGRAM_MIN_CHARS = 3

_Statement = TypeVar("_Statement", bound="Select[*tuple[Any, ...]]")


def _trigram_phrase(needle: str) -> str:
    """The needle as one FTS5 phrase: the text taken literally, as a part of the search text."""
    return '"' + needle.replace('"', '""') + '"'


@dataclass(frozen=True)
class TrigramSearch:
    """How a staff list finds the rows whose search text holds a needle through the column's
    trigram index (core/models.py): `counted` narrows the statement of the capped count to the
    matches, `narrow` a page statement when there are at most COUNT_LIMIT of them."""

    ids: Any  # the model's id column
    # SQLite: the index's matches, joined to the statement
    matches: Subquery | None = None
    # PostgreSQL: the LIKE itself for the count, the matches as a subquery for a page
    like: ColumnElement[bool] | None = None
    page: ColumnElement[bool] | None = None

    def counted(self, statement: _Statement) -> _Statement:
        if self.matches is not None:
            return statement.join(self.matches, self.matches.c.rowid == self.ids)
        assert self.like is not None
        return statement.where(self.like)

    def narrow(self, statement: _Statement) -> _Statement:
        if self.matches is not None:
            return statement.join(self.matches, self.matches.c.rowid == self.ids)
        assert self.page is not None
        return statement.where(self.page)


def trigram_search(session: Session, model: type[Any], column: str, needle: str) -> TrigramSearch | None:
    """The trigram search of `model`'s `column` (a table class with an integer id: Dossier,
    Account); None when no index can find `needle` (shorter than a trigram).

    With more than COUNT_LIMIT matches the caller walks its list's own order with `contains`:
    the matches are dense then, and a page is found at once."""
    if len(needle) < TRIGRAM_MIN_CHARS:
        return None
    ids = col(model.id)
    if session.get_bind().dialect.name == "sqlite":
        fts = f"{model.__tablename__}_trigram"
        match = literal_column(fts).op("MATCH")(_trigram_phrase(needle))
        rowids = select(table(fts, column_clause("rowid", Integer)).c.rowid).where(match)
        # The count and the page join the matches: SQLite then reads them from the index first
        # (and sorts the few it found). Asked as `id IN (...)`, it may walk the list's own index
        # (by name, newest first) past every row and test each: 0.41 instead of 0.10 ms for
        # "straat" among 6,000 accounts.
        return TrigramSearch(ids=ids, matches=rowids.subquery("trigram_matches"))
    # PostgreSQL counts with the LIKE itself (its pg_trgm index answers it, or a scan that stops
    # at the limit when most rows match). A page reads the matches as a subquery of their own,
    # under a second name for the table: PostgreSQL then takes them from the index and sorts
    # them, instead of walking the list's order past every row that does not match ("2021-0"
    # among 20,000 dossiers: 19,742 rows walked, 4.9 ms, against 1.6 ms).
    other = aliased(model)
    return TrigramSearch(
        ids=ids,
        like=contains(col(getattr(model, column)), needle),
        page=ids.in_(select(col(other.id)).where(contains(col(getattr(other, column)), needle))),
    )


@dataclass(frozen=True)
class SearchedList:
    """A staff list's text search, counted: `total` (at most COUNT_LIMIT when searching, `more`
    past it), the `conditions` of its page, and `page(statement)` to narrow the page statement."""

    total: int
    more: bool
    conditions: list[ColumnElement[bool]]
    trigram: TrigramSearch | None = None

    def page(self, statement: _Statement) -> _Statement:
        statement = statement.where(*self.conditions)
        return self.trigram.narrow(statement) if self.trigram is not None else statement


def search_list(
    session: Session, model: type[Any], column: str, needle: str, conditions: list[ColumnElement[bool]]
) -> SearchedList:
    """Count `model`'s rows under `conditions` whose `column` holds `needle` (all of them when
    the needle is empty: an index counts them and every page stays reachable).

    A needle of a trigram or more is counted from the column's trigram index, which stops at the
    limit without reading the texts; with at most COUNT_LIMIT matches the page reads them from
    the index too. With more, or a shorter needle, the page walks the list's own order (newest
    first, by name) with LIKE: the matches are dense then, and a page is found at once."""
    ids = col(model.id)
    if not needle:
        total, _more = capped_count(session, select(ids).where(*conditions), cap=False)
        return SearchedList(total=total, more=False, conditions=conditions)
    with_like = [*conditions, contains(col(getattr(model, column)), needle)]
    trigram = trigram_search(session, model, column, needle)
    if trigram is None:
        total, more = capped_count(session, select(ids).where(*with_like))
        return SearchedList(total=total, more=more, conditions=with_like)
    total, more = capped_count(session, trigram.counted(select(ids).where(*conditions)))
    if more:
        # more than COUNT_LIMIT matches: counted; the page walks the list's order with LIKE
        return SearchedList(total=total, more=True, conditions=with_like)
    return SearchedList(total=total, more=False, conditions=conditions, trigram=trigram)


# A person filter (audit log, outbox) looks at no more accounts than this.
MAX_PERSON_MATCHES = 200


def matching_accounts(session: Session, needle: str) -> list[tuple[int, str]]:
    """(id, e-mail) of the accounts whose e-mail address or name holds `needle` (lower case),
    lowest id first, at most MAX_PERSON_MATCHES: the person filter of the audit log and outbox."""
    rows = session.exec(
        select(col(Account.id), col(Account.email))
        .where(or_(contains(col(Account.email), needle), contains(func.lower(Account.name), needle)))
        .order_by(col(Account.id))
        .limit(MAX_PERSON_MATCHES)
    ).all()
    return [(account_id, email) for account_id, email in rows if account_id is not None]


def aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def local_text(value: datetime | None, *, with_time: bool = True) -> str:
    """'28-11-2026 14:05' in office time, or "" for None."""
    value = aware(value)
    if value is None:
        return ""
    if with_time:
        return formatting.format_datetime(value, "nl", style="numeric")
    return formatting.format_date(value, "nl", style="numeric")


def iso_text(value: datetime | None) -> str:
    value = aware(value)
    return formatting.local(value).isoformat(timespec="seconds") if value else ""


def day_start(value: object) -> datetime | None:
    """The start of a YYYY-MM-DD day in office time, as UTC; None for bad input (also for a day
    such as 0001-01-01 whose start in UTC falls outside what Python holds)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip()[:10])
        return datetime.combine(day, time.min, tzinfo=formatting.office_tz()).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _period_day(value: str, field: str, code_prefix: str) -> datetime | None:
    if not value:
        return None
    start = day_start(value) if _DAY_RE.fullmatch(value) else None
    if start is None or not 1900 <= start.year < 9999:  # also keeps "day + 1" within what Python holds
        raise ValidationFailed("bad date", field=field, code=f"{code_prefix}.bad_date")
    return start


def day_period(date_from: str, date_to: str, *, code_prefix: str = "period") -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC of a period typed as two YYYY-MM-DD days in office time, both days
    included; None for an empty side. A day that is no day raises ValidationFailed
    `<code_prefix>.bad_date` (field date_from or date_to), an end before the start
    `<code_prefix>.date_order`."""
    start = _period_day(date_from, "date_from", code_prefix)
    last = _period_day(date_to, "date_to", code_prefix)
    if start is not None and last is not None and last < start:
        raise ValidationFailed("period ends before it starts", field="date_to", code=f"{code_prefix}.date_order")
    return start, (last + timedelta(days=1) if last is not None else None)


def size_text(size: int, language: str = "nl") -> str:
    """'820 kB', '1,5 MB': the staff pages are Dutch unless a language is given."""
    return formatting.format_size(size, language)
