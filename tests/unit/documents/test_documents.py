"""Document service: storing uploads, access, read receipts, listing, withdrawal."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore, FileTooLarge
from portal_app.documents.services.uploads import UploadRefused
from portal_app.dossiers.models import ReadReceipt
from portal_app.dossiers.services import dossiers

PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 400 + b"%%EOF\n"


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


@pytest.fixture
def world(db):
    staff = accounts.create_staff(db, email="notaris@kantoor.nl", name="Notaris")
    alice = accounts.create_person(db, email="alice@example.nl", name="Alice")
    bob = accounts.create_person(db, email="bob@example.nl", name="Bob")
    d_alice = dossiers.create_dossier(db, number="2024-001", description="Koop woning")
    d_bob = dossiers.create_dossier(db, number="2024-002", description="Testament")
    dossiers.grant_access(db, dossier_id=d_alice.id, account_id=alice.id)
    dossiers.grant_access(db, dossier_id=d_bob.id, account_id=bob.id)
    db.flush()
    return {"staff": staff, "alice": alice, "bob": bob, "d_alice": d_alice, "d_bob": d_bob}


def _chunks(data: bytes, size: int = 1000):
    for i in range(0, len(data), size):
        yield data[i : i + size]


def _store(
    db, store, world, *, data=PDF, filename="akte.pdf", kind=DocumentKind.DOCUMENT, dossier="d_alice", by="staff", **kw
):
    return documents.store_document(
        session=db,
        store=store,
        dossier_id=world[dossier].id,
        kind=kind,
        title=kw.pop("title", "Concept akte"),
        filename=filename,
        chunks=_chunks(data),
        max_bytes=kw.pop("max_bytes", 1024 * 1024),
        uploaded_by_id=world[by].id,
        **kw,
    )


def _count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def _events(db, event_type):
    return db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()


def test_store_document(db, store, world):
    document = _store(db, store, world, filename="../../<b>akte\u202e.pdf")
    assert document.id is not None
    assert document.filename == "_b_akte.pdf"
    assert document.mime == "application/pdf"
    assert document.size == len(PDF)
    assert store.path(document.storage_key).read_bytes() == PDF
    assert document.storage_key not in document.filename
    documents.commit_or_discard(db, store, document)
    assert db.get(Document, document.id) is not None


async def test_astore_document(db, store, world):
    async def chunks():
        for chunk in _chunks(PDF, 512):
            yield chunk

    document = await documents.astore_document(
        session=db,
        store=store,
        dossier_id=world["d_alice"].id,
        kind=DocumentKind.DELIVERED,
        title="",
        filename="scan.pdf",
        chunks=chunks(),
        max_bytes=10**6,
        uploaded_by_id=world["alice"].id,
    )
    assert document.title == "scan.pdf"
    assert store.path(document.storage_key).read_bytes() == PDF


@pytest.mark.parametrize(
    "filename, data, code",
    [
        ("akte.pdf", b"MZ\x90\x00" + b"\x00" * 5000, "upload.content_mismatch"),
        ("akte.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>" + b"x" * 5000, "upload.content_mismatch"),
        ("x.svg", b"<svg><script>alert(1)</script></svg>", "upload.type_not_allowed"),
        ("leeg.pdf", b"", "upload.empty"),
    ],
)
def test_refused_uploads_store_nothing(db, store, world, filename, data, code):
    with pytest.raises(UploadRefused) as info:
        _store(db, store, world, data=data, filename=filename)
    assert info.value.code == code
    assert _count(db, Document) == 0
    assert list(store.iter_keys()) == []


def test_oversize_upload_stores_nothing(db, store, world):
    big = PDF + b"0" * 50_000
    with pytest.raises(FileTooLarge):
        _store(db, store, world, data=big, max_bytes=20_000)
    assert _count(db, Document) == 0
    assert list(store.iter_keys()) == []
    assert not store.tmp_dir.exists() or list(store.tmp_dir.iterdir()) == []


def test_insert_failure_deletes_the_file(db, store, world):
    with pytest.raises(IntegrityError):
        documents.store_document(
            session=db,
            store=store,
            dossier_id=999_999,
            kind=DocumentKind.DOCUMENT,
            title="x",
            filename="a.pdf",
            chunks=[PDF],
            max_bytes=10**6,
            uploaded_by_id=world["staff"].id,
        )
    db.rollback()
    assert list(store.iter_keys()) == []


def test_commit_failure_deletes_the_file(db, store, world, monkeypatch):
    document = _store(db, store, world)
    key = document.storage_key
    assert store.exists(key)

    def failing_commit():
        raise IntegrityError("COMMIT", {}, Exception("disk full"))

    monkeypatch.setattr(db, "commit", failing_commit)
    with pytest.raises(IntegrityError):
        documents.commit_or_discard(db, store, document)
    monkeypatch.undo()
    assert not store.exists(key)
    assert _count(db, Document) == 0


def test_invalid_kind_and_dossier(db, store, world):
    with pytest.raises(ValidationFailed):
        _store(db, store, world, kind="geheim")
    with pytest.raises(NotFound):
        documents.store_document(
            session=db,
            store=store,
            dossier_id="1",
            kind=DocumentKind.DOCUMENT,
            title="x",
            filename="a.pdf",
            chunks=[PDF],
            max_bytes=10**6,
            uploaded_by_id=None,
        )
    assert list(store.iter_keys()) == []


def test_get_for_account(db, store, world):
    document = _store(db, store, world)
    assert documents.get_for_account(session=db, account=world["alice"], document_id=document.id) is document
    assert documents.get_for_account(session=db, account=world["staff"], document_id=document.id) is document


@pytest.mark.parametrize("case", ["foreign", "missing", "withdrawn", "string", "bool", "huge"])
def test_get_for_account_same_not_found(db, store, world, case):
    document = _store(db, store, world)
    document_id = document.id
    account = world["alice"]
    if case == "foreign":
        account = world["bob"]
    elif case == "missing":
        document_id = 987_654
    elif case == "withdrawn":
        documents.withdraw(session=db, document_id=document.id, actor_id=world["staff"].id)
    elif case == "string":
        document_id = str(document.id)
    elif case == "bool":
        document_id = True
    elif case == "huge":
        document_id = 2**70
    with pytest.raises(NotFound) as info:
        documents.get_for_account(session=db, account=account, document_id=document_id, ip="203.0.113.9")
    assert info.value.code == "error.not_found"
    denied = _events(db, "access.denied")
    assert len(denied) == 1
    assert denied[0].actor_id == account.id and denied[0].ip == "203.0.113.9"


def test_staff_may_see_withdrawn_only_when_asked(db, store, world):
    document = _store(db, store, world)
    documents.withdraw(session=db, document_id=document.id, actor_id=world["staff"].id)
    with pytest.raises(NotFound):
        documents.get_for_account(session=db, account=world["staff"], document_id=document.id)
    assert (
        documents.get_for_account(session=db, account=world["staff"], document_id=document.id, include_withdrawn=True)
        is document
    )
    with pytest.raises(NotFound):
        documents.get_for_account(session=db, account=world["alice"], document_id=document.id, include_withdrawn=True)


def test_mark_read_is_idempotent(db, store, world):
    document = _store(db, store, world)
    alice = world["alice"]
    documents.mark_read(session=db, account_id=alice.id, document_id=document.id)
    documents.mark_read(session=db, account_id=alice.id, document_id=document.id)
    receipts = db.exec(select(ReadReceipt).where(ReadReceipt.document_id == document.id)).all()
    assert len(receipts) == 1 and receipts[0].downloaded_at is None
    documents.mark_read(session=db, account_id=alice.id, document_id=document.id, downloaded=True)
    documents.mark_read(session=db, account_id=alice.id, document_id=document.id, downloaded=True)
    db.expire_all()
    receipts = db.exec(select(ReadReceipt).where(ReadReceipt.document_id == document.id)).all()
    assert len(receipts) == 1 and receipts[0].downloaded_at is not None


def test_mark_read_concurrent_sessions(engine, db, store, world):
    from sqlmodel import Session

    document = _store(db, store, world)
    db.commit()
    alice_id = world["alice"].id
    with Session(engine) as one, Session(engine) as two:
        documents.mark_read(session=one, account_id=alice_id, document_id=document.id)
        one.commit()
        documents.mark_read(session=two, account_id=alice_id, document_id=document.id, downloaded=True)
        two.commit()
    db.expire_all()
    receipts = db.exec(select(ReadReceipt).where(ReadReceipt.document_id == document.id)).all()
    assert len(receipts) == 1 and receipts[0].downloaded_at is not None


def test_list_for_dossier(db, store, world):
    alice = world["alice"]
    first = _store(db, store, world, title="Eerste")
    second = _store(db, store, world, title="Tweede")
    third = _store(db, store, world, title="Derde")
    mine = _store(db, store, world, title="Eigen", by="alice")
    _store(db, store, world, title="Brief", kind=DocumentKind.CORRESPONDENCE)
    _store(db, store, world, title="Van Bob", dossier="d_bob")
    documents.withdraw(session=db, document_id=third.id, actor_id=world["staff"].id)
    documents.mark_read(session=db, account_id=alice.id, document_id=first.id)

    rows = documents.list_for_dossier(
        session=db, account=alice, dossier_id=world["d_alice"].id, kind=DocumentKind.DOCUMENT
    )
    assert [(d.title, unread) for d, unread in rows] == [("Eigen", False), ("Tweede", True), ("Eerste", False)]
    assert rows[0][0] is mine and rows[1][0] is second


def test_list_for_dossier_foreign_is_not_found(db, store, world):
    with pytest.raises(NotFound):
        documents.list_for_dossier(
            session=db, account=world["bob"], dossier_id=world["d_alice"].id, kind=DocumentKind.DOCUMENT
        )
    assert len(_events(db, "access.denied")) == 1
    with pytest.raises(ValidationFailed):
        documents.list_for_dossier(session=db, account=world["alice"], dossier_id=world["d_alice"].id, kind="x")


def test_list_for_dossier_single_query(db, store, world, engine):
    from sqlalchemy import event

    for i in range(5):
        _store(db, store, world, title=f"Doc {i}")
    db.flush()
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        rows = documents.list_for_dossier(
            session=db, account=world["alice"], dossier_id=world["d_alice"].id, kind=DocumentKind.DOCUMENT
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(rows) == 5
    # one access check and one listing query, independent of the number of documents
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


def test_withdraw(db, store, world):
    document = _store(db, store, world)
    documents.withdraw(session=db, document_id=document.id, actor_id=world["staff"].id)
    documents.withdraw(session=db, document_id=document.id, actor_id=world["staff"].id)
    assert document.withdrawn_at is not None
    events = _events(db, "document.withdrawn")
    assert len(events) == 1 and events[0].dossier_id == world["d_alice"].id
    assert store.exists(document.storage_key)  # kept for the records
    with pytest.raises(NotFound):
        documents.withdraw(session=db, document_id=123456, actor_id=None)
