import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.models import NotificationPreference
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services.documents import astore_pending
from portal_app.messages.models import Message
from portal_app.messages.services import messages, staff_messages
from portal_app.notifications.models import OutboxMail
from portal_app.notifications.services import notifications
from portal_app.office.services import staff_overview
from tests.unit.helpers import PDF


def client_message(db, world, subject="Vraag over de akte", body="Klopt de datum?"):
    message = messages.send_client_message(
        db,
        account=world.client,
        dossier_id=world.dossier.id,
        subject=subject,
        body=body,
        settings=world.settings,
        store=world.store,
    )
    db.commit()
    return message


def test_unread_on_overview_until_opened(db, world):
    message = client_message(db, world)
    mine = staff_overview.unread_client_messages(session=db, actor=world.handler, mine=True)
    everyone = staff_overview.unread_client_messages(session=db, actor=world.admin, mine=False)
    not_mine = staff_overview.unread_client_messages(session=db, actor=world.admin, mine=True)
    assert (mine.total, everyone.total, not_mine.total) == (1, 1, 0)
    assert mine.rows[0].subject == "Vraag over de akte" and mine.rows[0].author == "Klaas Klant"
    staff_messages.open_message(session=db, actor=world.admin, dossier_id=world.dossier.id, message_id=str(message.id))
    db.commit()
    assert staff_overview.unread_client_messages(session=db, actor=world.handler, mine=True).total == 0
    assert (
        db.exec(select(AuditEvent).where(AuditEvent.event_type == "message.read_by_staff")).one().actor_id
        == world.admin.id
    )
    # opening again is not audited twice
    staff_messages.open_message(session=db, actor=world.handler, dossier_id=world.dossier.id, message_id=message.id)
    assert len(db.exec(select(AuditEvent).where(AuditEvent.event_type == "message.read_by_staff")).all()) == 1
    with pytest.raises(NotFound):
        staff_messages.open_message(
            session=db, actor=world.handler, dossier_id=world.other_dossier.id, message_id=message.id
        )


def test_office_reply_quotes_notifies_and_marks_read(db, world):
    original = client_message(db, world)
    pending = asyncio.run(astore_pending(store=world.store, filename="bijlage.pdf", chunks=[PDF], max_bytes=10_000))
    reply = staff_messages.send_office_message(
        session=db,
        actor=world.handler,
        dossier_id=world.dossier.id,
        subject=messages.reply_subject(original.subject),
        body="De datum klopt.",
        parent_id=str(original.id),
        attachments=[pending],
        submit_key="k1",
        settings=world.settings,
        store=world.store,
    )
    db.commit()
    assert reply.from_office and reply.subject == "RE: Vraag over de akte"
    assert reply.body.endswith("--- Oorspronkelijk bericht ---\nKlopt de datum?")
    assert db.get(Message, original.id).staff_read_at is not None
    attachment = db.exec(select(Document).where(Document.message_id == reply.id)).one()
    assert attachment.kind == DocumentKind.CORRESPONDENCE
    notifications.send_due_digests(db, world.settings, now=utcnow() + timedelta(minutes=11))
    db.commit()
    mail = db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).one()
    assert mail.to_address == "klant@example.nl" and "De datum klopt" not in mail.body_text
    # the client sees it unread, quoted
    view = messages.list_for_dossier(db, world.client, world.dossier.id)[0]
    assert view.from_office and view.unread and view.attachments[0].filename == "bijlage.pdf"
    # a double submit stores one message
    again = staff_messages.send_office_message(
        session=db,
        actor=world.handler,
        dossier_id=world.dossier.id,
        subject="x",
        body="y",
        submit_key="k1",
        settings=world.settings,
        store=world.store,
    )
    assert again.id == reply.id
    thread = staff_messages.thread(session=db, actor=world.admin, dossier_id=world.dossier.id)
    assert [m.from_office for m in thread] == [True, False] and thread[0].attachments[0].filename == "bijlage.pdf"


def test_office_message_rules(db, world):
    def send(**kwargs):
        values = dict(
            session=db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            subject="Onderwerp",
            body="Tekst",
            settings=world.settings,
            store=world.store,
        )
        values.update(kwargs)
        return staff_messages.send_office_message(**values)

    with pytest.raises(ValidationFailed):
        send(subject=" ")
    with pytest.raises(ValidationFailed):
        send(body="x" * 4001)
    foreign = Message(
        dossier_id=world.other_dossier.id, author_id=world.company.id, from_office=False, subject="s", body="geheim"
    )
    db.add(foreign)
    db.commit()
    with pytest.raises(NotFound):  # a parent from another dossier
        send(parent_id=foreign.id)
    with pytest.raises(NotFound):
        send(dossier_id="abc")
    with pytest.raises(PermissionDenied):
        send(actor=world.client)
    preference = db.get(NotificationPreference, world.client.id)
    preference.on_messages = False
    db.add(preference)
    send()
    assert db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).first() is None


def test_notify_client_rules(db, world):
    assert notifications.notify_client(db, world.client, world.dossier, "document", world.settings)
    assert not notifications.notify_client(
        db, world.client, world.other_dossier, "document", world.settings
    )  # no access
    assert not notifications.notify_client(db, world.handler, world.dossier, "document", world.settings)  # staff
    world.client.blocked = True
    assert not notifications.notify_client(db, world.client, world.dossier, "message", world.settings)
    world.client.blocked = False
    db.delete(db.get(NotificationPreference, world.client.id))
    db.flush()
    assert notifications.wants(db, world.client.id, "questionnaire")  # no row: all on
    with pytest.raises(ValueError):
        notifications.notify_client(db, world.client, world.dossier, "spam", world.settings)
