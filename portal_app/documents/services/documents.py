"""Documents: storing uploads, access checks, read receipts, listing, withdrawal.

Pattern for every caller that stores a file (never a record without its file):

    document = store_document(session=session, store=store, ...)   # file saved, row flushed
    commit_or_discard(session, store, document)                     # commit, or delete the file

`store_document` removes the stored file itself when anything fails before it
returns; `commit_or_discard` removes it when the commit fails. A crash in
between leaves only a file without a record, which `FileStore.cleanup` removes.

Authorisation to *add* a document to a dossier is the caller's job (staff, or
a client that `dossiers.can_see` the dossier); reading goes through
`get_for_account`.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, and_, col, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import staging
from portal_app.documents.services.storage import FileStore, StoredFile
from portal_app.documents.services.uploads import HEAD_BYTES, UploadRefused, check_content, sanitize_filename
from portal_app.dossiers.models import ReadReceipt
from portal_app.dossiers.services.dossiers import can_see

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

MAX_TITLE_CHARS = 200


def _clean_title(title: str | None, filename: str) -> str:
    title = " ".join(str(title or "").split())[:MAX_TITLE_CHARS]
    return title or filename[:MAX_TITLE_CHARS]


def _check_kind(kind: str) -> str:
    if kind not in DocumentKind.ALL and kind != DocumentKind.DEED_DRAFT:
        raise ValidationFailed("invalid document kind", field="kind")
    return kind


def _peek(chunks: Iterable[bytes]) -> tuple[bytes, Iterable[bytes]]:
    iterator = iter(chunks)
    parts: list[bytes] = []
    size = 0
    while size < HEAD_BYTES:
        try:
            chunk = next(iterator)
        except StopIteration:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(bytes(p) for p in parts)[:HEAD_BYTES], itertools.chain(parts, iterator)


async def _apeek(
    chunks: AsyncIterable[bytes] | Iterable[bytes],
) -> tuple[bytes, AsyncIterable[bytes] | Iterable[bytes]]:
    if not hasattr(chunks, "__aiter__"):
        return _peek(chunks)
    iterator = chunks.__aiter__()
    parts: list[bytes] = []
    size = 0
    while size < HEAD_BYTES:
        try:
            chunk = await iterator.__anext__()
        except StopAsyncIteration:
            break
        parts.append(chunk)
        size += len(chunk)

    async def rest() -> AsyncIterator[bytes]:
        for part in parts:
            yield part
        async for chunk in iterator:
            yield chunk

    return b"".join(bytes(p) for p in parts)[:HEAD_BYTES], rest()


def _insert(
    session: Session,
    store: FileStore,
    stored: StoredFile,
    *,
    dossier_id: int,
    kind: str,
    title: str,
    filename: str,
    mime: str,
    uploaded_by_id: int | None,
    message_id: int | None,
    questionnaire_request_id: int | None,
) -> Document:
    try:
        document = Document(
            dossier_id=dossier_id,
            kind=kind,
            title=title,
            filename=filename,
            storage_key=stored.key,
            size=stored.size,
            sha256=stored.sha256,
            mime=mime,
            uploaded_by_id=uploaded_by_id,
            message_id=message_id,
            questionnaire_request_id=questionnaire_request_id,
        )
        session.add(document)
        session.flush()
        audit.record(
            session,
            "document.stored",
            actor_id=uploaded_by_id,
            dossier_id=dossier_id,
            target=f"document:{document.id}",
            detail={"kind": kind, "size": stored.size, "mime": mime},
        )
        session.flush()
        return document
    except BaseException:
        store.delete(stored.key)
        raise


def _prepare(dossier_id: object, kind: str, title: str | None, filename: str, max_bytes: object) -> tuple[str, str]:
    if not isinstance(dossier_id, int) or isinstance(dossier_id, bool):
        raise NotFound()
    _check_kind(kind)
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError("max_bytes must be a positive number")
    safe_name = sanitize_filename(filename)
    return safe_name, _clean_title(title, safe_name)


def store_document(
    *,
    session: Session,
    store: FileStore,
    dossier_id: int,
    kind: str,
    title: str | None,
    filename: str,
    chunks: Iterable[bytes],
    max_bytes: int,
    uploaded_by_id: int | None,
    message_id: int | None = None,
    questionnaire_request_id: int | None = None,
) -> Document:
    """Validate and store one file, insert its Document row and flush (no commit).

    Raises UploadRefused (type not allowed, content mismatch, empty) or
    FileTooLarge (an UploadRefused too); nothing is kept then.
    """
    safe_name, clean_title = _prepare(dossier_id, kind, title, filename, max_bytes)
    head, stream = _peek(chunks)
    mime = check_content(safe_name, head)
    stored = store.save_stream(stream, max_bytes=max_bytes)
    if stored.size == 0:  # pragma: no cover - check_content refuses an empty head
        store.delete(stored.key)
        raise UploadRefused("upload.empty")
    return _insert(
        session,
        store,
        stored,
        dossier_id=dossier_id,
        kind=kind,
        title=clean_title,
        filename=safe_name,
        mime=mime,
        uploaded_by_id=uploaded_by_id,
        message_id=message_id,
        questionnaire_request_id=questionnaire_request_id,
    )


async def astore_document(
    *,
    session: Session,
    store: FileStore,
    dossier_id: int,
    kind: str,
    title: str | None,
    filename: str,
    chunks: AsyncIterable[bytes] | Iterable[bytes],
    max_bytes: int,
    uploaded_by_id: int | None,
    message_id: int | None = None,
    questionnaire_request_id: int | None = None,
) -> Document:
    """Async variant of `store_document` (e.g. chunks from `uploads.aiter_file(upload_file)`)."""
    safe_name, clean_title = _prepare(dossier_id, kind, title, filename, max_bytes)
    head, stream = await _apeek(chunks)
    mime = check_content(safe_name, head)
    stored = await store.asave_stream(stream, max_bytes=max_bytes)
    return _insert(
        session,
        store,
        stored,
        dossier_id=dossier_id,
        kind=kind,
        title=clean_title,
        filename=safe_name,
        mime=mime,
        uploaded_by_id=uploaded_by_id,
        message_id=message_id,
        questionnaire_request_id=questionnaire_request_id,
    )


@dataclass(frozen=True)
class PendingFile:
    """A validated file in the store that has no Document yet (an attachment being composed).

    Plain values only, so it can sit in server-side UI state. Its StagedUpload row
    (services/staging.py) lets the background worker purge it when it is never sent.
    """

    key: str
    size: int
    sha256: str
    filename: str
    mime: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PendingFile:
        return cls(**{name: data[name] for name in ("key", "size", "sha256", "filename", "mime")})


async def astore_pending(
    *, store: FileStore, filename: str, chunks: AsyncIterable[bytes] | Iterable[bytes], max_bytes: int
) -> PendingFile:
    """Validate (name, type by content and extension, size while streaming) and store one file."""
    safe_name = sanitize_filename(filename)
    head, stream = await _apeek(chunks)
    mime = check_content(safe_name, head)
    stored = await store.asave_stream(stream, max_bytes=max_bytes)
    return PendingFile(key=stored.key, size=stored.size, sha256=stored.sha256, filename=safe_name, mime=mime)


def attach_pending(
    *,
    session: Session,
    store: FileStore,
    pending: PendingFile,
    dossier_id: int,
    kind: str,
    uploaded_by_id: int | None,
    message_id: int | None = None,
) -> Document:
    """Give a pending file its Document row (flushes; the caller commits); it is no longer staged."""
    _check_kind(kind)
    if not store.exists(pending.key):
        raise NotFound()
    staging.release(session, [pending.key])
    return _insert(
        session,
        store,
        StoredFile(key=pending.key, size=pending.size, sha256=pending.sha256),
        dossier_id=dossier_id,
        kind=kind,
        title=_clean_title(None, pending.filename),
        filename=pending.filename,
        mime=pending.mime,
        uploaded_by_id=uploaded_by_id,
        message_id=message_id,
        questionnaire_request_id=None,
    )


def commit_or_discard(session: Session, store: FileStore, *documents: Document) -> None:
    """Commit; when the commit fails, roll back and delete the documents' files."""
    keys = [document.storage_key for document in documents]
    try:
        session.commit()
    except BaseException:
        session.rollback()
        for key in keys:
            store.delete(key)
        raise


def get_for_account(
    *,
    session: Session,
    account: Account,
    document_id: object,
    ip: str | None = None,
    include_withdrawn: bool = False,
) -> Document:
    """The document if `account` may see it; otherwise NotFound (audited).

    Missing, withdrawn and foreign ids all give the same NotFound.
    `include_withdrawn` is for staff screens only.
    """
    document = None
    if isinstance(document_id, int) and not isinstance(document_id, bool) and 0 < document_id < 2**63:
        document = session.get(Document, document_id)
    visible = (
        document is not None
        and (document.withdrawn_at is None or (include_withdrawn and account.is_staff))
        and can_see(session, account, document.dossier_id)
    )
    if document is None or not visible:
        audit.record(
            session,
            "access.denied",
            actor_id=account.id,
            target=f"document:{str(document_id)[:40]}",
            ip=ip,
        )
        raise NotFound()
    return document


def dialect_insert(session: Session) -> Callable[[type[SQLModel]], SqliteInsert | PostgresqlInsert] | None:
    """The INSERT with ON CONFLICT of the session's database; None for other databases."""
    name = session.get_bind().dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    return None  # pragma: no cover


def mark_read(*, session: Session, account_id: int, document_id: int, downloaded: bool = False) -> None:
    """Record that the account read (and maybe downloaded) the document; idempotent."""
    now = utcnow()
    insert = dialect_insert(session)
    if insert is not None:
        session.exec(
            insert(ReadReceipt)
            .values(
                account_id=account_id, document_id=document_id, read_at=now, downloaded_at=now if downloaded else None
            )
            .on_conflict_do_nothing(index_elements=["account_id", "document_id"])
        )
    else:  # pragma: no cover - other databases
        existing = session.exec(
            select(ReadReceipt).where(ReadReceipt.account_id == account_id, ReadReceipt.document_id == document_id)
        ).first()
        if existing is None:
            try:
                with session.begin_nested():
                    session.add(ReadReceipt(account_id=account_id, document_id=document_id, read_at=now))
            except IntegrityError:
                pass
    if downloaded:
        session.exec(
            update(ReadReceipt)
            .where(
                col(ReadReceipt.account_id) == account_id,
                col(ReadReceipt.document_id) == document_id,
                col(ReadReceipt.downloaded_at).is_(None),
            )
            .values(downloaded_at=now)
            .execution_options(synchronize_session=False)
        )


def list_for_dossier(
    *, session: Session, account: Account, dossier_id: int, kind: str, ip: str | None = None
) -> list[tuple[Document, bool]]:
    """(document, unread) of one tab, newest first, without withdrawn ones.

    NotFound (audited) when the account may not see the dossier. Documents the
    account uploaded itself are never unread.
    """
    _check_kind(kind)
    if not can_see(session, account, dossier_id):
        audit.record(session, "access.denied", actor_id=account.id, target=f"dossier:{str(dossier_id)[:40]}", ip=ip)
        raise NotFound()
    rows = session.exec(
        select(Document, ReadReceipt.id)
        .outerjoin(
            ReadReceipt,
            and_(ReadReceipt.document_id == Document.id, ReadReceipt.account_id == account.id),
        )
        .where(Document.dossier_id == dossier_id, Document.kind == kind, col(Document.withdrawn_at).is_(None))
        .order_by(col(Document.created_at).desc(), col(Document.id).desc())
    ).all()
    return [(document, receipt_id is None and document.uploaded_by_id != account.id) for document, receipt_id in rows]


def list_tabs_for_dossier(
    *, session: Session, account: Account, dossier_id: int
) -> dict[str, list[tuple[Document, bool]]]:
    """(document, unread) of all three document tabs in one query, newest first.

    The caller has checked that the account may see the dossier.
    """
    rows = session.exec(
        select(Document, ReadReceipt.id)
        .outerjoin(
            ReadReceipt,
            and_(ReadReceipt.document_id == Document.id, ReadReceipt.account_id == account.id),
        )
        .where(Document.dossier_id == dossier_id, col(Document.withdrawn_at).is_(None))
        .order_by(col(Document.created_at).desc(), col(Document.id).desc())
    ).all()
    per_kind: dict[str, list[tuple[Document, bool]]] = {kind: [] for kind in DocumentKind.ALL}
    for document, receipt_id in rows:
        if document.kind in per_kind:
            per_kind[document.kind].append((document, receipt_id is None and document.uploaded_by_id != account.id))
    return per_kind


def withdraw(*, session: Session, document_id: int, actor_id: int | None) -> Document:
    """Withdraw a document (clients no longer see it; the file is kept for the records)."""
    document = session.get(Document, document_id) if isinstance(document_id, int) else None
    if document is None:
        raise NotFound()
    if document.withdrawn_at is None:
        document.withdrawn_at = utcnow()
        session.add(document)
        audit.record(
            session,
            "document.withdrawn",
            actor_id=actor_id,
            dossier_id=document.dossier_id,
            target=f"document:{document.id}",
        )
        session.flush()
    return document
