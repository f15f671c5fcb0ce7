import asyncio

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import astore_pending
from portal_app.documents.services.storage import FileStore
from portal_app.documents.services.uploads import UploadRefused
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message
from portal_app.messages.services import messages
from portal_app.notifications.models import OutboxMail
from portal_app.settings import load_settings

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(db, tmp_path):
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})
    store = FileStore(tmp_path / "files")
    handler = accounts.create_staff(db, email="behandelaar@example.nl", name="Bea Handel")
    client = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    other = accounts.create_person(db, email="ander@example.nl", name="Anna Ander")
    dossier = dossiers.create_dossier(db, number="2026-1", description="Levering", handler_id=handler.id)
    foreign = dossiers.create_dossier(db, number="2026-2", description="Ander dossier")
    dossiers.grant_access(db, dossier_id=dossier.id, account_id=client.id)
    dossiers.grant_access(db, dossier_id=foreign.id, account_id=other.id)
    db.commit()
    return settings, store, handler, client, other, dossier, foreign


def send(db, world, **kwargs):
    settings, store, _handler, client, *_rest = world
    values = dict(account=client, dossier_id=world[5].id, subject="Vraag", body="Hallo", settings=settings, store=store)
    values.update(kwargs)
    return messages.send_client_message(db, **values)


def test_required_fields_and_4000_limit(db, world):
    with pytest.raises(ValidationFailed) as error:
        send(db, world, subject="  ")
    assert error.value.field == "subject"
    with pytest.raises(ValidationFailed) as error:
        send(db, world, body="\n  ")
    assert error.value.field == "body"
    with pytest.raises(ValidationFailed) as error:
        send(db, world, body="x" * 4001)
    assert error.value.code == "message.body_too_long"
    assert send(db, world, body="x" * 4000).body == "x" * 4000
    with pytest.raises(ValidationFailed):
        send(db, world, body=["not", "text"])


def test_foreign_dossier_and_parent_refused_with_audit(db, world):
    _s, _st, _h, _client, other, dossier, foreign = world
    with pytest.raises(NotFound):
        send(db, world, dossier_id=foreign.id)
    foreign_message = Message(dossier_id=foreign.id, author_id=other.id, from_office=False, subject="x", body="geheim")
    db.add(foreign_message)
    db.flush()
    with pytest.raises(NotFound):
        send(db, world, parent_id=foreign_message.id)
    with pytest.raises(NotFound):
        send(db, world, dossier_id="1")
    denied = [e for e in db.exec(select(AuditEvent)).all() if e.event_type == "access.denied"]
    assert len(denied) >= 2


def test_reply_quotes_original_and_subject(db, world):
    _s, _st, handler, client, _o, dossier, _f = world
    original = Message(
        dossier_id=dossier.id,
        author_id=handler.id,
        from_office=True,
        subject="Kopie paspoort",
        body="Wilt u een kopie sturen?",
    )
    db.add(original)
    db.flush()
    assert messages.reply_subject(original.subject) == "RE: Kopie paspoort"
    assert messages.reply_subject("RE: Kopie paspoort") == "RE: Kopie paspoort"
    reply = send(db, world, subject="RE: Kopie paspoort", body="Hierbij.", parent_id=original.id)
    assert reply.body == "Hierbij.\n\n--- Oorspronkelijk bericht ---\nWilt u een kopie sturen?"


def test_double_submit_stores_one_message(db, world):
    first = send(db, world, submit_key="abc123")
    second = send(db, world, submit_key="abc123")
    assert first.id == second.id
    assert len(db.exec(select(Message)).all()) == 1


def test_handler_notified_without_content(db, world):
    send(db, world, subject="Geheim onderwerp", body="Geheime inhoud")
    mail = db.exec(select(OutboxMail)).one()
    assert mail.to_address == "behandelaar@example.nl" and mail.kind == "staff_new_message"
    assert "Geheim" not in mail.body_text and "2026-1" in mail.body_text


def test_attachments_become_delivered_documents(db, world):
    settings, store, *_ = world
    pending = asyncio.run(astore_pending(store=store, filename="../../paspoort.pdf", chunks=[PDF], max_bytes=10_000))
    assert pending.filename == "paspoort.pdf"
    message = send(db, world, attachments=[pending])
    document = db.exec(select(Document)).one()
    assert document.kind == DocumentKind.DELIVERED and document.message_id == message.id
    assert store.exists(document.storage_key)
    with pytest.raises(UploadRefused):
        asyncio.run(
            astore_pending(store=store, filename="virus.pdf", chunks=[b"MZ\x90\x00" + b"\x00" * 100], max_bytes=10_000)
        )


def test_list_unread_and_mark_read(db, world):
    _s, _st, handler, client, _o, dossier, _f = world
    incoming = Message(dossier_id=dossier.id, author_id=handler.id, from_office=True, subject="Nieuw", body="Lees mij")
    db.add(incoming)
    db.flush()
    send(db, world)
    views = messages.list_for_dossier(db, client, dossier.id)
    assert [v.unread for v in views if v.from_office] == [True]
    assert [v.unread for v in views if not v.from_office] == [False]
    assert dossiers.tab_counts(db, client, dossier.id)["berichten"].unread == 1
    messages.mark_read(db, account=client, message_id=incoming.id)
    messages.mark_read(db, account=client, message_id=incoming.id)  # idempotent
    assert dossiers.tab_counts(db, client, dossier.id)["berichten"].unread == 0
