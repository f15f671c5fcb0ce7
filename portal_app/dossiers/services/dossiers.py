"""Dossiers as a client sees them: access, Home counts, list, tab counts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, bindparam, case, literal, or_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound
from portal_app.core.services.text import fold
from portal_app.documents.models import Document, DocumentKind
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus, ProgressStep, ReadReceipt
from portal_app.dossiers.services import search_index  # its session events keep the staff search text
from portal_app.messages.models import Message
from portal_app.notifications.services import mail
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireStatus
from portal_app.settings import Settings

PAGE_SIZE = 25


@dataclass(frozen=True)
class HomeCounts:
    dossiers_in_progress: int
    dossiers_total: int
    open_actions: int


@dataclass(frozen=True)
class TabCount:
    total: int
    unread: int


def make_search_text(number: str, description: str) -> str:
    return fold(f"{number} {description}")[:400]


def create_dossier(
    session: Session,
    *,
    number: str,
    description: str,
    status: str = DossierStatus.IN_PROGRESS,
    handler_id: int | None = None,
    actor_id: int | None = None,
) -> Dossier:
    dossier = Dossier(
        number=number.strip(),
        description=description.strip(),
        status=status,
        handler_id=handler_id,
        search_text=make_search_text(number, description),
        staff_search_text=search_index.staff_search_text(number.strip(), description.strip(), []),
    )
    session.add(dossier)
    session.flush()
    audit.record(session, "dossier.created", actor_id=actor_id, dossier_id=dossier.id)
    return dossier


def grant_access(session: Session, *, dossier_id: int, account_id: int, actor_id: int | None = None) -> None:
    exists = session.exec(
        select(DossierAccess).where(DossierAccess.dossier_id == dossier_id, DossierAccess.account_id == account_id)
    ).first()
    if exists is None:
        dossier = session.get(Dossier, dossier_id)
        session.add(
            DossierAccess(
                dossier_id=dossier_id,
                account_id=account_id,
                dossier_created_at=dossier.created_at if dossier is not None else utcnow(),
            )
        )
        audit.record(
            session, "access.granted", actor_id=actor_id, dossier_id=dossier_id, target=f"account:{account_id}"
        )


def _visible_ids(account: Account) -> SelectOfScalar[int]:
    return select(DossierAccess.dossier_id).where(DossierAccess.account_id == account.id)


def _not_own_upload(account: Account) -> ColumnElement[bool]:
    """Documents the account did not upload itself (NULL uploader counts as not own)."""
    return or_(col(Document.uploaded_by_id).is_(None), col(Document.uploaded_by_id) != account.id)


def can_see(session: Session, account: Account, dossier_id: object) -> bool:
    if not isinstance(dossier_id, int) or isinstance(dossier_id, bool):
        return False
    if account.is_staff:
        return session.get(Dossier, dossier_id) is not None
    return (
        session.exec(
            select(DossierAccess.id).where(
                DossierAccess.account_id == account.id, DossierAccess.dossier_id == dossier_id
            )
        ).first()
        is not None
    )


def get_for_account(session: Session, account: Account, dossier_id: object, *, ip: str | None = None) -> Dossier:
    """The dossier, or NotFound (the same for missing and foreign ids, audited).

    One query for a client: the dossier joined to the client's access row.
    """
    if not account.is_staff and isinstance(dossier_id, int) and not isinstance(dossier_id, bool):
        found = session.exec(
            select(Dossier)
            .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
            .where(Dossier.id == dossier_id, DossierAccess.account_id == account.id)
        ).first()
        if found is not None:
            return found
    elif account.is_staff and can_see(session, account, dossier_id):
        dossier = session.get(Dossier, dossier_id)
        if dossier is not None:
            return dossier
    audit.record(session, "access.denied", actor_id=account.id, target=f"dossier:{str(dossier_id)[:40]}", ip=ip)
    raise NotFound()


@dataclass(frozen=True)
class DossierHeader:
    """What the top of a client's dossier page shows, read in one query."""

    dossier: Dossier
    handler_name: str
    dossiers_visible: int  # how many dossiers this client sees ("Terug naar dossiers" when more than one)


def header_for_account(session: Session, account: Account, dossier_id: int, *, ip: str | None = None) -> DossierHeader:
    """The client's dossier with its handler's name and the client's dossier count, or NotFound (audited).

    One query: the dossier joined to the client's access row, the handler
    outer-joined, the count as a subquery.
    """
    handler = aliased(Account)
    visible = select(func.count(col(DossierAccess.id))).where(DossierAccess.account_id == account.id).scalar_subquery()
    row = None
    if isinstance(dossier_id, int) and not isinstance(dossier_id, bool) and not account.is_staff:
        row = session.exec(
            select(Dossier, handler.name, visible)
            .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
            .outerjoin(handler, col(handler.id) == col(Dossier.handler_id))
            .where(Dossier.id == dossier_id, DossierAccess.account_id == account.id)
        ).first()
    if row is None:
        audit.record(session, "access.denied", actor_id=account.id, target=f"dossier:{str(dossier_id)[:40]}", ip=ip)
        raise NotFound()
    dossier, handler_name, count = row
    return DossierHeader(dossier=dossier, handler_name=handler_name or "", dossiers_visible=int(count or 0))


def open_actions_count(session: Session, account: Account) -> int:
    """Open questionnaires of the account (the Acties count every page frame shows)."""
    return int(
        session.exec(
            select(func.count(col(QuestionnaireRequest.id))).where(
                QuestionnaireRequest.account_id == account.id,
                QuestionnaireRequest.status == QuestionnaireStatus.OPEN,
                col(QuestionnaireRequest.dossier_id).in_(_visible_ids(account)),
            )
        ).one()
        or 0
    )


def home_counts(session: Session, account: Account) -> HomeCounts:
    in_progress, total = session.exec(
        select(
            func.count(case((col(Dossier.status) == DossierStatus.IN_PROGRESS, 1))),
            func.count(col(Dossier.id)),
        ).where(col(Dossier.id).in_(_visible_ids(account)))
    ).one()
    open_actions = open_actions_count(session, account)
    return HomeCounts(dossiers_in_progress=in_progress or 0, dossiers_total=total or 0, open_actions=open_actions or 0)


def visible_statuses(session: Session, account: Account) -> list[str]:
    rows = session.exec(select(Dossier.status).where(col(Dossier.id).in_(_visible_ids(account))).distinct()).all()
    return [status for status in DossierStatus.ALL if status in rows]


def progress(session: Session, dossier_id: int) -> tuple[list[ProgressStep], int, int]:
    steps = list(
        session.exec(
            select(ProgressStep)
            .where(ProgressStep.dossier_id == dossier_id)
            .order_by(col(ProgressStep.position), col(ProgressStep.id))
        ).all()
    )
    done = sum(1 for step in steps if step.done_at is not None)
    return steps, done, len(steps)


def tab_counts(session: Session, account: Account, dossier_id: int) -> dict[str, TabCount]:
    """Counts and unread counts of the four tabs, in one query.

    Keys: the three document kinds and "berichten". Items the account made
    itself (its deliveries, its own messages) are never unread.
    """
    doc_read = and_(col(ReadReceipt.document_id) == col(Document.id), col(ReadReceipt.account_id) == account.id)
    documents: Select[str, int] = (
        select(
            col(Document.kind).label("tab"),
            case((col(ReadReceipt.id).is_(None) & _not_own_upload(account), 1), else_=0).label("unread"),
        )
        .select_from(Document)
        .outerjoin(ReadReceipt, doc_read)
        .where(Document.dossier_id == dossier_id, col(Document.withdrawn_at).is_(None))
    )
    msg_read = and_(col(ReadReceipt.message_id) == col(Message.id), col(ReadReceipt.account_id) == account.id)
    messages = (
        select(
            literal("berichten").label("tab"),
            case((col(ReadReceipt.id).is_(None) & col(Message.from_office), 1), else_=0).label("unread"),
        )
        .select_from(Message)
        .outerjoin(ReadReceipt, msg_read)
        .where(Message.dossier_id == dossier_id)
    )
    items = union_all(documents, messages).subquery()
    rows = session.exec(select(items.c.tab, func.count(), func.sum(items.c.unread)).group_by(items.c.tab)).all()
    counts = {tab: TabCount(0, 0) for tab in (*DocumentKind.ALL, "berichten")}
    for tab, total, unread in rows:
        counts[tab] = TabCount(total or 0, int(unread or 0))
    return counts


def only_dossier_id(session: Session, account: Account) -> int | None:
    """The id of the account's only dossier, or None when it sees none or several.

    The manual: with access to exactly one dossier, "Dossiers" opens it directly.
    """
    ids = session.exec(
        select(Dossier.id).where(col(Dossier.id).in_(_visible_ids(account))).order_by(col(Dossier.id)).limit(2)
    ).all()
    return ids[0] if len(ids) == 1 else None


def handler_name(session: Session, dossier: Dossier) -> str:
    """The name of the dossier's handler (behandelaar), or "" when none is set."""
    if dossier.handler_id is None:
        return ""
    handler = session.get(Account, dossier.handler_id)
    return handler.name if handler is not None else ""


def notify_handler(session: Session, dossier: Dossier, settings: Settings, *, kind: str) -> None:
    """Queue mail `kind` to the dossier's active handler: only that something came in, never what
    (professional secrecy), with a link to the staff side."""
    if dossier.handler_id is None:
        return
    handler = session.get(Account, dossier.handler_id)
    if handler is None or not handler.is_active:
        return
    mail.queue_mail(
        session=session,
        to=handler.email,
        kind=kind,
        language=handler.language,
        context={
            "name": handler.name,
            "dossier_number": dossier.number,
            "link": f"{settings.public_url}/staff",
        },
        account_id=handler.id,
    )


@dataclass(frozen=True)
class DossierRow:
    """One row of the client's dossier list."""

    id: int
    number: str
    description: str
    status: str
    unread: int


def _dossier_page_statement(
    with_statuses: bool,
) -> tuple[Select[int, str, str, str, int, int], SelectOfScalar[int]]:
    """The client's dossier list page and its count, built once per shape with bound
    parameters: building an ORM statement costs more than running it, and this one runs on
    every search keystroke."""
    # The access row's copies of the dossier's search text and status and its unread count
    # (migration 0010) are in the access index (account_id, dossier_created_at, dossier_id,
    # dossier_status, dossier_search_text, unread_count): the page's ids, newest first, with
    # their unread counts, and the total are read from that index alone. A client with hundreds
    # of dossiers (a project developer) reads the rows of one page, not all of them sorted
    # (0007), and its count reads no dossier row (0010).
    conditions: list[ColumnElement[bool]] = [
        col(DossierAccess.account_id) == bindparam("account_id"),
        col(DossierAccess.dossier_search_text).like(bindparam("pattern"), escape="\\"),
    ]
    if with_statuses:
        conditions.append(col(DossierAccess.dossier_status).in_(bindparam("statuses", expanding=True)))
    count = select(func.count()).select_from(DossierAccess).where(*conditions)
    # The number and description are read for the page's rows alone.
    page = (
        Select(
            col(DossierAccess.dossier_id).label("id"),
            col(DossierAccess.dossier_created_at).label("created_at"),
            col(DossierAccess.unread_count).label("unread"),
        )
        .where(*conditions)
        .order_by(col(DossierAccess.dossier_created_at).desc(), col(DossierAccess.dossier_id).desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    shown = Dossier.__table__.alias("shown")  # type: ignore[attr-defined]
    # sqlmodel's select() is typed for at most four columns; for more, the
    # statement is built with Select (what select() returns at runtime) and the
    # row shape is written out.
    # The total rides along as a column: a subquery of nothing outside it, which SQLite and
    # PostgreSQL run once per statement, so a page and its total cost one round trip.
    columns: Select[int, str, str, str, int, int] = Select(
        page.c.id,
        shown.c.number,
        shown.c.description,
        shown.c.status,
        page.c.unread,
        count.scalar_subquery().label("total"),
    )
    statement = columns.select_from(page.join(shown, shown.c.id == page.c.id)).order_by(
        page.c.created_at.desc(), page.c.id.desc()
    )
    return statement, count


_DOSSIER_PAGE = {with_statuses: _dossier_page_statement(with_statuses) for with_statuses in (False, True)}


def list_for_account(
    session: Session,
    account: Account,
    *,
    search: str = "",
    statuses: list[str] | None = None,
    page: int = 0,
    page_size: int = PAGE_SIZE,
) -> tuple[list[DossierRow], int]:
    """One page of the account's dossiers (newest first) with their unread counts, and the total.

    The page with its unread counts (the access rows' own, kept by triggers) and its total is
    one query; only a page past the end, which has no row to carry the total, needs a second one.
    """
    needle = fold(search)[:100]
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    chosen = [s for s in (statuses or []) if s in DossierStatus.ALL]
    if statuses and not chosen:
        return [], 0  # only unknown statuses asked for: nothing matches
    params: dict[str, object] = {
        "account_id": account.id,
        "pattern": f"%{escaped}%",
        "offset": max(0, page) * page_size,
        "limit": page_size,
    }
    if chosen:
        params["statuses"] = chosen
    page_statement, count_statement = _DOSSIER_PAGE[bool(chosen)]
    result = session.execute(page_statement, params).all()
    if result:
        total = int(result[0].total)
    elif page <= 0:
        total = 0
    else:
        total = int(session.execute(count_statement, params).scalar_one() or 0)
    # unpacked by position: a Row's attributes by name cost more than the query on a full page
    rows = [
        DossierRow(dossier_id, number, description, status, int(unread or 0))
        for dossier_id, number, description, status, unread, _total in result
    ]
    return rows, total
