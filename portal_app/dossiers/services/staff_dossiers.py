"""Dossiers as the office runs them: list, create, status, handler, access, progress,
publishing and withdrawing documents, and who read what.

Every function checks the actor with `require_staff`, validates every id and
value it is given (they come from a browser) and records an audit event for
every change. Plain Python, no Reflex import; functions flush, never commit
(`publish_files` leaves the commit to `documents.commit_or_discard`).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from portal_app.accounts.models import Account, AccountKind
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import (
    clean_page,
    local_text,
    one_line,
    optional_id,
    page_count_of,
    require_staff,
    search_list,
    size_text,
)
from portal_app.core.services.text import fold
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused, sanitize_filename
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus, ProgressStep, ReadReceipt
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.notifications.services import notifications
from portal_app.office.services import office_settings
from portal_app.office.services.staff_clients import CLIENT_KINDS, get_client
from portal_app.payments.services import iban_guard
from portal_app.settings import Settings

PAGE_SIZE = 25
MAX_SEARCH_CHARS = 100
NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/\-]{0,39}$")
MAX_DESCRIPTION_CHARS = 300
MAX_STEP_CHARS = 200
MAX_STEPS = 100
MAX_FILES_PER_PUBLICATION = 20
PUBLISH_KINDS = (DocumentKind.CORRESPONDENCE, DocumentKind.DOCUMENT)
DOCUMENT_LIST_LIMIT = 200


@dataclass(frozen=True, kw_only=True)
class StaffDossierRow:
    """One row of the staff dossier list; `handler` is "" when nobody handles it."""

    id: int
    number: str
    description: str
    status: str
    status_label: str
    handler: str
    created: str
    clients: int
    unread: int


@dataclass(frozen=True, kw_only=True)
class AccessRow:
    """A client account that sees the dossier."""

    id: int
    name: str
    company: str
    email: str
    since: str
    blocked: bool
    removed: bool


@dataclass(frozen=True, kw_only=True)
class StepItem:
    """One progress step as staff edit it; `done_at` is "" while the step is open."""

    id: int
    title: str
    done: bool
    done_at: str


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """Whether and when one client with access read and downloaded a document ("" for not yet)."""

    name: str
    read: str
    downloaded: str


@dataclass(frozen=True, kw_only=True)
class StaffDocument:
    """One document of a tab for staff; `withdrawn` is the withdrawal date, "" while published."""

    id: int
    title: str
    filename: str
    size: str
    date: str
    by: str
    by_client: bool
    withdrawn: str
    message: bool
    receipts: list[Receipt]


@dataclass(frozen=True)
class DossierPage:
    rows: list[StaffDossierRow]
    total: int
    page: int
    page_count: int
    # more dossiers than staff_access.COUNT_LIMIT match: `total` is that limit and the pages stop there
    more: bool = False


@dataclass
class PublishResult:
    documents: list[Document] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (file name, i18n code)
    notified: int = 0


def status_label(status: str, language: str) -> str:
    return i18n.t(f"staff.status.{status}", language) if status in DossierStatus.ALL else status


def get_dossier(session: Session, dossier_id: object) -> Dossier:
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None:
        raise NotFound()
    return dossier


def _check_status(status: object) -> str:
    if not isinstance(status, str) or status not in DossierStatus.ALL:
        raise ValidationFailed("bad status", field="status", code="staff.dossier.status_invalid")
    return status


def _check_handler(session: Session, handler_id: object) -> int | None:
    try:
        handler_id = optional_id(handler_id)
    except NotFound:
        raise ValidationFailed("bad handler", field="handler", code="staff.dossier.handler_invalid") from None
    if handler_id is None:
        return None
    handler = session.get(Account, handler_id)
    if handler is None or not handler.is_staff or not handler.is_active:
        raise ValidationFailed("bad handler", field="handler", code="staff.dossier.handler_invalid")
    return handler_id


def staff_choices(*, session: Session, actor: Account) -> list[dict[str, str]]:
    """Active staff members as handler choices, by name."""
    require_staff(session, actor)
    rows = session.exec(
        select(Account.id, Account.name)
        .where(Account.kind == AccountKind.STAFF, col(Account.deleted_at).is_(None), col(Account.blocked).is_(False))
        .order_by(col(Account.name), col(Account.id))
        .limit(500)
    ).all()
    return [{"id": str(i), "name": name} for i, name in rows]


# --------------------------------------------------------------------------- list and create


def list_dossiers(
    *,
    session: Session,
    actor: Account,
    query: str = "",
    status: str = "",
    handler_id: object = "",
    mine: bool = False,
    page: object = 0,
    page_size: int = PAGE_SIZE,
    language: str = "nl",
) -> DossierPage:
    """One page of dossiers, newest first, with handler, client count and unread client messages.

    `query` is one box: a part of the number, the description (the address), or a client's name,
    company or e-mail, matched on the indexed `Dossier.staff_search_text` (search_index.py).
    """
    actor = require_staff(session, actor)
    conditions: list[ColumnElement[bool]] = []
    needle = fold(one_line(query, MAX_SEARCH_CHARS))
    if status:
        conditions.append(col(Dossier.status) == _check_status(status))
    if mine:
        conditions.append(col(Dossier.handler_id) == actor.id)
    elif handler_id == "none":
        conditions.append(col(Dossier.handler_id).is_(None))
    elif handler_id not in ("", None):
        try:
            conditions.append(col(Dossier.handler_id) == parse_id(handler_id))
        except NotFound:
            raise ValidationFailed("bad handler", field="handler", code="staff.dossier.handler_invalid") from None
    # an office holds tens of thousands of dossiers: a text search is counted up to COUNT_LIMIT
    # ("1.000+"), so "van" stops after a thousand matches instead of reading every dossier's search
    # text; without one an index counts them all and every page stays reachable
    # (a common needle walks the newest dossiers, ix_dossier_created_at, and finds a page at once)
    searched = search_list(session, Dossier, "staff_search_text", needle, conditions)
    total, more = searched.total, searched.more
    page_count = page_count_of(total, page_size)
    page = min(clean_page(page), page_count - 1)
    handler = aliased(Account)
    # the columns a row shows, not whole dossiers: their search texts are up to 1,000 characters
    # (sqlmodel's select() is typed for at most four columns: Select, as it returns at runtime)
    columns: Select[int, str, str, str, datetime, str | None] = Select(
        col(Dossier.id),
        col(Dossier.number),
        col(Dossier.description),
        col(Dossier.status),
        col(Dossier.created_at),
        col(handler.name).label("handler_name"),
    )
    statement = searched.page(columns.outerjoin(handler, col(handler.id) == col(Dossier.handler_id)))
    rows = session.execute(
        statement.order_by(col(Dossier.created_at).desc(), col(Dossier.id).desc())
        .offset(page * page_size)
        .limit(page_size)
    ).all()
    ids = [row.id for row in rows]
    clients: dict[int, int] = {}
    unread: dict[int, int] = {}
    if ids:
        clients = dict(
            session.exec(
                select(DossierAccess.dossier_id, func.count(col(DossierAccess.id)))
                .where(col(DossierAccess.dossier_id).in_(ids))
                .group_by(col(DossierAccess.dossier_id))
            ).all()
        )
        unread = dict(
            session.exec(
                select(Message.dossier_id, func.count(col(Message.id)))
                .where(
                    col(Message.dossier_id).in_(ids),
                    col(Message.from_office).is_(False),
                    col(Message.staff_read_at).is_(None),
                )
                .group_by(col(Message.dossier_id))
            ).all()
        )
    page_rows: list[StaffDossierRow] = []
    for row in rows:
        page_rows.append(
            StaffDossierRow(
                id=row.id,
                number=row.number,
                description=row.description,
                status=row.status,
                status_label=status_label(row.status, language),
                handler=row.handler_name or "",
                created=local_text(row.created_at, with_time=False),
                clients=clients.get(row.id, 0),
                unread=unread.get(row.id, 0),
            )
        )
    return DossierPage(
        rows=page_rows,
        total=total,
        page=page,
        page_count=page_count,
        more=more,
    )


def _clean_number(number: object) -> str:
    number = one_line(number, 60)
    if not NUMBER_RE.match(number):
        raise ValidationFailed("bad number", field="number", code="staff.dossier.number_invalid")
    return number


def _required_line(value: object, max_chars: int, *, field: str, what: str, codes: tuple[str, str]) -> str:
    """One line of text that must be there and fit; `codes` are the (missing, too long) error codes."""
    text = one_line(value, max_chars + 1)
    if not text:
        raise ValidationFailed(f"{what} required", field=field, code=codes[0])
    if len(text) > max_chars:
        raise ValidationFailed(f"{what} too long", field=field, code=codes[1])
    return text


def _clean_description(description: object) -> str:
    codes = ("staff.dossier.description_required", "staff.dossier.description_too_long")
    return _required_line(description, MAX_DESCRIPTION_CHARS, field="description", what="description", codes=codes)


def create_dossier(
    *,
    session: Session,
    actor: Account,
    number: object,
    description: object,
    status: object = DossierStatus.IN_PROGRESS,
    handler_id: object = None,
) -> Dossier:
    """A new dossier; the number is unique (case-insensitive)."""
    actor = require_staff(session, actor)
    number = _clean_number(number)
    description = _clean_description(description)
    status = _check_status(status)
    handler_id = _check_handler(session, handler_id)
    taken = session.exec(select(Dossier.id).where(func.lower(Dossier.number) == number.lower())).first()
    if taken is not None:
        raise ValidationFailed("number in use", field="number", code="staff.dossier.number_taken")
    try:
        with session.begin_nested():
            dossier = dossiers.create_dossier(
                session, number=number, description=description, status=status, handler_id=handler_id, actor_id=actor.id
            )
    except IntegrityError:
        raise ValidationFailed("number in use", field="number", code="staff.dossier.number_taken") from None
    return dossier


def update_dossier(
    *,
    session: Session,
    actor: Account,
    dossier_id: object,
    status: object = None,
    handler_id: object = None,
    description: object = None,
    change_handler: bool = False,
) -> Dossier:
    """Change status, handler (with `change_handler`, None = no handler) and/or description; audited."""
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    if description is not None and dossier.id is not None:
        # a description clients read may not name another account number (IBAN fraud, issue 17)
        iban_guard.refuse_published_text(
            session, actor=actor, dossier_id=dossier.id, what="dossier", texts=(str(description),)
        )
    changes: dict[str, str] = {}
    if status is not None:
        status = _check_status(status)
        if status != dossier.status:
            changes["status"] = f"{dossier.status} -> {status}"
            dossier.status = status
    if change_handler:
        new_handler = _check_handler(session, handler_id)
        if new_handler != dossier.handler_id:
            changes["handler"] = f"{dossier.handler_id or '-'} -> {new_handler or '-'}"
            dossier.handler_id = new_handler
    if description is not None:
        description = _clean_description(description)
        if description != dossier.description:
            changes["description"] = "changed"
            dossier.description = description
            dossier.search_text = dossiers.make_search_text(dossier.number, description)
    if changes:
        session.add(dossier)
        audit.record(session, "dossier.changed", actor_id=actor.id, dossier_id=dossier.id, detail=changes)
        session.flush()
    return dossier


def dossier_header(*, session: Session, actor: Account, dossier_id: object, language: str = "nl") -> dict[str, str]:
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    return {
        "id": str(dossier.id),
        "number": dossier.number,
        "description": dossier.description,
        "status": dossier.status,
        "status_label": status_label(dossier.status, language),
        "handler_id": str(dossier.handler_id or ""),
        "handler": dossiers.handler_name(session, dossier),
        "created": local_text(dossier.created_at),
    }


# --------------------------------------------------------------------------- access


def access_list(*, session: Session, actor: Account, dossier_id: object) -> list[AccessRow]:
    """The client accounts that see this dossier."""
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    rows = session.exec(
        select(Account, DossierAccess.created_at)
        .join(DossierAccess, col(DossierAccess.account_id) == col(Account.id))
        .where(DossierAccess.dossier_id == dossier.id)
        .order_by(col(Account.name), col(Account.id))
        .limit(200)
    ).all()
    access: list[AccessRow] = []
    for account, since in rows:
        assert account.id is not None  # a stored row (see portal_app/core/models.py)
        access.append(
            AccessRow(
                id=account.id,
                name=account.name,
                company=account.company_name or "",
                email=account.email,
                since=local_text(since, with_time=False),
                blocked=account.blocked,
                removed=account.deleted_at is not None,
            )
        )
    return access


def grant_access(*, session: Session, actor: Account, dossier_id: object, account_id: object) -> Account:
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    account = get_client(session, account_id)
    assert dossier.id is not None and account.id is not None  # stored rows (see portal_app/core/models.py)
    dossiers.grant_access(session, dossier_id=dossier.id, account_id=account.id, actor_id=actor.id)
    session.flush()
    return account


def revoke_access(*, session: Session, actor: Account, dossier_id: object, account_id: object) -> bool:
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    account_id = parse_id(account_id)
    row = session.exec(
        select(DossierAccess).where(DossierAccess.dossier_id == dossier.id, DossierAccess.account_id == account_id)
    ).first()
    if row is None:
        return False
    session.delete(row)
    audit.record(session, "access.revoked", actor_id=actor.id, dossier_id=dossier.id, target=f"account:{account_id}")
    session.flush()
    return True


# --------------------------------------------------------------------------- progress


def progress_steps(*, session: Session, actor: Account, dossier_id: object) -> list[StepItem]:
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # a stored row (see portal_app/core/models.py)
    steps, _done, _total = dossiers.progress(session, dossier.id)
    items: list[StepItem] = []
    for step in steps:
        assert step.id is not None  # a stored row (see portal_app/core/models.py)
        items.append(
            StepItem(
                id=step.id,
                title=step.title,
                done=step.done_at is not None,
                done_at=local_text(step.done_at, with_time=False),
            )
        )
    return items


def _clean_step_title(title: object) -> str:
    codes = ("staff.step.title_required", "staff.step.title_too_long")
    return _required_line(title, MAX_STEP_CHARS, field="step", what="title", codes=codes)


def _get_step(session: Session, dossier: Dossier, step_id: object) -> ProgressStep:
    step = session.get(ProgressStep, parse_id(step_id))
    if step is None or step.dossier_id != dossier.id:
        raise NotFound()
    return step


def _renumber(session: Session, steps: list[ProgressStep]) -> None:
    for position, step in enumerate(steps):
        if step.position != position:
            step.position = position
            session.add(step)


def add_step(*, session: Session, actor: Account, dossier_id: object, title: object) -> ProgressStep:
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # a stored row (see portal_app/core/models.py)
    title = _clean_step_title(title)
    # a published text naming another account number is refused (IBAN fraud, issue 17)
    iban_guard.refuse_published_text(session, actor=actor, dossier_id=dossier.id, what="progress_step", texts=(title,))
    steps, _done, total = dossiers.progress(session, dossier.id)
    if total >= MAX_STEPS:
        raise ValidationFailed("too many steps", field="step", code="staff.step.too_many")
    _renumber(session, steps)
    step = ProgressStep(dossier_id=dossier.id, position=total, title=title)
    session.add(step)
    session.flush()
    audit.record(session, "progress.step_added", actor_id=actor.id, dossier_id=dossier.id, target=f"step:{step.id}")
    return step


def rename_step(
    *, session: Session, actor: Account, dossier_id: object, step_id: object, title: object
) -> ProgressStep:
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    step = _get_step(session, dossier, step_id)
    title = _clean_step_title(title)
    if title != step.title:
        iban_guard.refuse_published_text(
            session, actor=actor, dossier_id=step.dossier_id, what="progress_step", texts=(title,)
        )
        step.title = title
        session.add(step)
        audit.record(
            session, "progress.step_renamed", actor_id=actor.id, dossier_id=dossier.id, target=f"step:{step.id}"
        )
        session.flush()
    return step


def move_step(*, session: Session, actor: Account, dossier_id: object, step_id: object, direction: object) -> None:
    """Move a step one place up (-1) or down (+1)."""
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # a stored row (see portal_app/core/models.py)
    step = _get_step(session, dossier, step_id)
    if direction not in (-1, 1, "-1", "1", "up", "down"):
        raise ValidationFailed("bad direction", field="direction")
    delta = -1 if direction in (-1, "-1", "up") else 1
    steps, _done, _total = dossiers.progress(session, dossier.id)
    index = next(i for i, s in enumerate(steps) if s.id == step.id)
    target = index + delta
    if not 0 <= target < len(steps):
        return
    steps[index], steps[target] = steps[target], steps[index]
    _renumber(session, steps)
    audit.record(
        session,
        "progress.step_moved",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"step:{step.id}",
        detail={"to": target + 1},
    )
    session.flush()


def set_step_done(
    *, session: Session, actor: Account, dossier_id: object, step_id: object, done: object
) -> ProgressStep:
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    step = _get_step(session, dossier, step_id)
    if not isinstance(done, bool):
        raise ValidationFailed("bad value", field="done")
    if done != (step.done_at is not None):
        step.done_at = utcnow() if done else None
        session.add(step)
        audit.record(
            session,
            "progress.step_done" if done else "progress.step_undone",
            actor_id=actor.id,
            dossier_id=dossier.id,
            target=f"step:{step.id}",
        )
        session.flush()
    return step


def delete_step(*, session: Session, actor: Account, dossier_id: object, step_id: object) -> None:
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # a stored row (see portal_app/core/models.py)
    step = _get_step(session, dossier, step_id)
    session.delete(step)
    session.flush()
    steps, _done, _total = dossiers.progress(session, dossier.id)
    _renumber(session, steps)
    audit.record(
        session,
        "progress.step_removed",
        actor_id=actor.id,
        dossier_id=dossier.id,
        target=f"step:{step.id}",
        detail={"title": step.title},
    )
    session.flush()


# --------------------------------------------------------------------------- documents


def _publication_title(title: str, filename: str, count: int) -> str:
    if not title:
        return filename
    return title if count == 1 else f"{title} – {filename}"


async def publish_files(
    *,
    session: Session,
    store: FileStore,
    actor: Account,
    dossier_id: object,
    kind: object,
    title: object,
    files: list[tuple[str, AsyncIterable[bytes] | Iterable[bytes]]],
    settings: Settings,
    ip: str | None = None,
) -> PublishResult:
    """Validate and store each file as a publication in Correspondentie or Documenten.

    Each file is checked on its own (type by content and extension, the staff
    size limit while streaming); refused files are reported and nothing of them
    is kept. The clients with access get one notification mail (if they want it).
    Flushes; the caller commits with `documents.commit_or_discard(session, store, *result.documents)`.
    """
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    assert dossier.id is not None  # a stored row (see portal_app/core/models.py)
    if not isinstance(kind, str) or kind not in PUBLISH_KINDS:
        raise ValidationFailed("bad kind", field="kind", code="staff.publish.kind_invalid")
    title = one_line(title, documents.MAX_TITLE_CHARS)
    iban_guard.refuse_published_text(
        session, actor=actor, dossier_id=dossier.id, what="document", texts=(title,), settings=settings, ip=ip
    )
    if not files:
        raise ValidationFailed("no files", field="file", code="staff.publish.no_files")
    if len(files) > MAX_FILES_PER_PUBLICATION:
        raise ValidationFailed("too many files", field="file", code="staff.publish.too_many")
    result = PublishResult()
    try:
        for filename, chunks in files:
            try:
                document = await documents.astore_document(
                    session=session,
                    store=store,
                    dossier_id=dossier.id,
                    kind=kind,
                    title=_publication_title(title, sanitize_filename(filename), len(files)),
                    filename=filename,
                    chunks=chunks,
                    max_bytes=office_settings.profile(session).staff_max_upload_bytes,
                    uploaded_by_id=actor.id,
                )
            except UploadRefused as refused:
                result.refused.append((sanitize_filename(filename), refused.code))
                continue
            result.documents.append(document)
            audit.record(
                session,
                "document.published",
                actor_id=actor.id,
                dossier_id=dossier.id,
                target=f"document:{document.id}",
                ip=ip,
                detail={"kind": kind},
            )
        if result.documents:
            result.notified = notifications.notify_dossier_clients(
                session, dossier=dossier, kind="document", settings=settings, count=len(result.documents)
            )
        session.flush()
    except BaseException:
        for document in result.documents:
            store.delete(document.storage_key)
        raise
    return result


def withdraw_document(
    *, session: Session, actor: Account, dossier_id: object, document_id: object, ip: str | None = None
) -> Document:
    """Clients no longer see the document; the file and the audit trail stay."""
    actor = require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    document = session.get(Document, parse_id(document_id))
    if document is None or document.dossier_id != dossier.id:
        raise NotFound()
    assert document.id is not None  # a stored row (see portal_app/core/models.py)
    return documents.withdraw(session=session, document_id=document.id, actor_id=actor.id)


def document_list(
    *, session: Session, actor: Account, dossier_id: object, kind: object, language: str = "nl"
) -> list[StaffDocument]:
    """One tab for staff: every document (withdrawn ones marked) with, per client with
    access, whether and when it was read and downloaded."""
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    if kind not in DocumentKind.ALL:
        raise ValidationFailed("bad kind", field="kind")
    uploader = aliased(Account)
    rows = session.exec(
        select(Document, uploader.name, uploader.kind)
        .outerjoin(uploader, col(uploader.id) == col(Document.uploaded_by_id))
        .where(Document.dossier_id == dossier.id, Document.kind == kind)
        .order_by(col(Document.created_at).desc(), col(Document.id).desc())
        .limit(DOCUMENT_LIST_LIMIT)
    ).all()
    ids = [document.id for document, _, _ in rows]
    clients = session.exec(
        select(Account.id, Account.name)
        .join(DossierAccess, col(DossierAccess.account_id) == col(Account.id))
        .where(DossierAccess.dossier_id == dossier.id)
        .order_by(col(Account.name), col(Account.id))
        .limit(50)
    ).all()
    receipts: dict[tuple[int, int], ReadReceipt] = {}
    if ids:
        for stored in session.exec(select(ReadReceipt).where(col(ReadReceipt.document_id).in_(ids))).all():
            assert stored.document_id is not None  # selected by document id just above
            receipts[(stored.document_id, stored.account_id)] = stored
    result: list[StaffDocument] = []
    for document, uploader_name, uploader_kind in rows:
        assert document.id is not None  # a stored row (see portal_app/core/models.py)
        per_client: list[Receipt] = []
        for client_id, client_name in clients:
            assert client_id is not None  # a stored row (see portal_app/core/models.py)
            if client_id == document.uploaded_by_id:
                continue
            receipt = receipts.get((document.id, client_id))
            per_client.append(
                Receipt(
                    name=client_name,
                    read=local_text(receipt.read_at) if receipt else "",
                    downloaded=local_text(receipt.downloaded_at) if receipt and receipt.downloaded_at else "",
                )
            )
        result.append(
            StaffDocument(
                id=document.id,
                title=document.title,
                filename=document.filename,
                size=size_text(document.size, language),
                date=local_text(document.created_at),
                by=uploader_name or "",
                by_client=uploader_kind in CLIENT_KINDS,
                withdrawn=local_text(document.withdrawn_at),
                message=document.message_id is not None,
                receipts=per_client,
            )
        )
    return result


def document_counts(*, session: Session, actor: Account, dossier_id: object) -> dict[str, int]:
    """Number of documents (not withdrawn) per kind, for the tab labels."""
    require_staff(session, actor)
    dossier = get_dossier(session, dossier_id)
    counts = {kind: 0 for kind in DocumentKind.ALL}
    for kind, count in session.exec(
        select(Document.kind, func.count(col(Document.id)))
        .where(Document.dossier_id == dossier.id, col(Document.withdrawn_at).is_(None))
        .group_by(col(Document.kind))
    ).all():
        counts[kind] = count
    return counts
