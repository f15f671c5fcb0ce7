from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.models import NotificationPreference
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.documents.models import Document, DocumentKind
from portal_app.documents.services import documents
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus, ProgressStep
from portal_app.dossiers.services import dossiers, staff_dossiers
from portal_app.messages.models import Message
from portal_app.notifications.models import OutboxMail
from portal_app.notifications.services import notifications
from tests.unit.helpers import PDF


def events(db, event_type):
    return db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()


def test_list_filters_search_mine_status_and_handler(db, world):
    mine = staff_dossiers.list_dossiers(session=db, actor=world.handler, mine=True)
    assert [row.number for row in mine.rows] == ["2026-0001"]
    assert (
        staff_dossiers.list_dossiers(session=db, actor=world.handler, query="TESTAMENT").rows[0].number == "2026-0002"
    )
    assert staff_dossiers.list_dossiers(session=db, actor=world.handler, handler_id=str(world.admin.id)).total == 1
    assert staff_dossiers.list_dossiers(session=db, actor=world.handler, handler_id="none").total == 0
    assert staff_dossiers.list_dossiers(session=db, actor=world.handler, status=DossierStatus.CLOSED).total == 0
    with pytest.raises(ValidationFailed):
        staff_dossiers.list_dossiers(session=db, actor=world.handler, status="<script>")
    with pytest.raises(ValidationFailed):
        staff_dossiers.list_dossiers(session=db, actor=world.handler, handler_id="1 OR 1=1")
    db.add(
        Message(dossier_id=world.dossier.id, author_id=world.client.id, from_office=False, subject="Vraag", body="?")
    )
    db.commit()
    row = staff_dossiers.list_dossiers(session=db, actor=world.handler, mine=True).rows[0]
    assert (row.unread, row.clients, row.handler) == (1, 1, "Bert Behandel")


def test_create_dossier_validates_and_keeps_numbers_unique(db, world):
    dossier = staff_dossiers.create_dossier(
        session=db,
        actor=world.handler,
        number=" 2026-0100 ",
        description="Oprichting BV",
        status=DossierStatus.WAITING,
        handler_id=str(world.handler.id),
    )
    assert (dossier.number, dossier.status, dossier.handler_id) == (
        "2026-0100",
        DossierStatus.WAITING,
        world.handler.id,
    )
    assert dossier.search_text == "2026-0100 oprichting bv"
    with pytest.raises(ValidationFailed) as error:
        staff_dossiers.create_dossier(session=db, actor=world.handler, number="2026-0100", description="Dubbel")
    assert error.value.code == "staff.dossier.number_taken"
    for bad in ("", "../etc", "<b>x</b>", "x" * 41):
        with pytest.raises(ValidationFailed):
            staff_dossiers.create_dossier(session=db, actor=world.handler, number=bad, description="x")
    with pytest.raises(ValidationFailed):
        staff_dossiers.create_dossier(session=db, actor=world.handler, number="2026-0101", description="  ")
    with pytest.raises(ValidationFailed):
        staff_dossiers.create_dossier(
            session=db, actor=world.handler, number="2026-0101", description="x", status="gesloten"
        )
    with pytest.raises(ValidationFailed):  # a client is no handler
        staff_dossiers.create_dossier(
            session=db, actor=world.handler, number="2026-0101", description="x", handler_id=world.client.id
        )
    assert events(db, "dossier.created")[-1].actor_id == world.handler.id


def test_change_status_handler_and_description_audited(db, world):
    staff_dossiers.update_dossier(
        session=db, actor=world.handler, dossier_id=str(world.dossier.id), status=DossierStatus.EXECUTED
    )
    staff_dossiers.update_dossier(
        session=db, actor=world.handler, dossier_id=world.dossier.id, handler_id="", change_handler=True
    )
    staff_dossiers.update_dossier(
        session=db, actor=world.handler, dossier_id=world.dossier.id, description="Levering appartement"
    )
    dossier = db.get(Dossier, world.dossier.id)
    assert (dossier.status, dossier.handler_id) == (DossierStatus.EXECUTED, None)
    assert "appartement" in dossier.search_text
    changed = events(db, "dossier.changed")
    assert len(changed) == 3 and all(e.actor_id == world.handler.id and e.dossier_id == dossier.id for e in changed)
    with pytest.raises(NotFound):
        staff_dossiers.update_dossier(session=db, actor=world.handler, dossier_id="99999", status=DossierStatus.CLOSED)


def test_grant_and_revoke_access(db, world):
    staff_dossiers.grant_access(
        session=db, actor=world.handler, dossier_id=world.dossier.id, account_id=str(world.company.id)
    )
    names = [
        row.name for row in staff_dossiers.access_list(session=db, actor=world.handler, dossier_id=world.dossier.id)
    ]
    assert names == ["Carla Contact", "Klaas Klant"]
    with pytest.raises(NotFound):  # staff cannot be given client access
        staff_dossiers.grant_access(
            session=db, actor=world.handler, dossier_id=world.dossier.id, account_id=world.admin.id
        )
    assert staff_dossiers.revoke_access(
        session=db, actor=world.handler, dossier_id=world.dossier.id, account_id=world.company.id
    )
    assert not dossiers.can_see(db, world.company, world.dossier.id)
    assert events(db, "access.revoked")[0].target == f"account:{world.company.id}"


def test_progress_steps_add_rename_reorder_tick_delete(db, world):
    a = staff_dossiers.add_step(
        session=db, actor=world.handler, dossier_id=world.dossier.id, title="Opdracht ontvangen"
    )
    b = staff_dossiers.add_step(session=db, actor=world.handler, dossier_id=world.dossier.id, title="Akte opgesteld")
    c = staff_dossiers.add_step(session=db, actor=world.handler, dossier_id=world.dossier.id, title="Akte gepasseerd")
    staff_dossiers.move_step(
        session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=str(c.id), direction="up"
    )
    staff_dossiers.rename_step(
        session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=b.id, title="Concept-akte opgesteld"
    )
    staff_dossiers.set_step_done(session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=a.id, done=True)
    steps = staff_dossiers.progress_steps(session=db, actor=world.handler, dossier_id=world.dossier.id)
    assert [(s.title, s.done) for s in steps] == [
        ("Opdracht ontvangen", True),
        ("Akte gepasseerd", False),
        ("Concept-akte opgesteld", False),
    ]
    staff_dossiers.move_step(
        session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=a.id, direction="up"
    )  # already first
    staff_dossiers.set_step_done(session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=a.id, done=False)
    staff_dossiers.delete_step(session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=c.id)
    steps = db.exec(select(ProgressStep).order_by(ProgressStep.position)).all()
    assert [(s.position, s.title, s.done_at) for s in steps] == [
        (0, "Opdracht ontvangen", None),
        (1, "Concept-akte opgesteld", None),
    ]
    # a step of another dossier is "not found" through this dossier
    other = staff_dossiers.add_step(session=db, actor=world.handler, dossier_id=world.other_dossier.id, title="Elders")
    with pytest.raises(NotFound):
        staff_dossiers.rename_step(
            session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=other.id, title="x"
        )
    with pytest.raises(ValidationFailed):
        staff_dossiers.add_step(session=db, actor=world.handler, dossier_id=world.dossier.id, title="")
    with pytest.raises(ValidationFailed):
        staff_dossiers.set_step_done(
            session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=a.id, done="1"
        )
    types = {e.event_type for e in db.exec(select(AuditEvent)).all()}
    assert {
        "progress.step_added",
        "progress.step_renamed",
        "progress.step_moved",
        "progress.step_done",
        "progress.step_undone",
        "progress.step_removed",
    } <= types


def publish(db, world, files, *, kind=DocumentKind.DOCUMENT, title="Concept akte", dossier_id=None):
    import asyncio

    result = asyncio.run(
        staff_dossiers.publish_files(
            session=db,
            store=world.store,
            actor=world.handler,
            dossier_id=dossier_id or world.dossier.id,
            kind=kind,
            title=title,
            files=files,
            settings=world.settings,
        )
    )
    documents.commit_or_discard(db, world.store, *result.documents)
    return result


def test_publish_stores_notifies_and_reports_refused_files(db, world):
    result = publish(
        db, world, [("akte.pdf", [PDF]), ("virus.exe.pdf", [b"MZ\x90\x00"]), ("groot.pdf", [PDF, b"x" * (1024 * 1024)])]
    )
    assert [d.title for d in result.documents] == ["Concept akte – akte.pdf"]
    assert sorted(code for _, code in result.refused) == ["upload.content_mismatch", "upload.too_large"]
    assert result.notified == 1
    assert (
        db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).first() is None
    )  # calm: digest later
    notifications.send_due_digests(db, world.settings, now=utcnow() + timedelta(minutes=11))
    db.commit()
    mail = db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).one()
    assert (
        mail.to_address == "klant@example.nl" and "2026-0001" in mail.body_text and "akte" not in mail.body_text.lower()
    )
    assert len(list(world.store.iter_keys())) == 1  # nothing of the refused files kept
    rows, _ = (
        documents.list_for_dossier(
            session=db, account=world.client, dossier_id=world.dossier.id, kind=DocumentKind.DOCUMENT
        ),
        None,
    )
    assert [(d.title, unread) for d, unread in rows] == [("Concept akte – akte.pdf", True)]
    assert events(db, "document.published")[0].actor_id == world.handler.id


def test_publish_single_file_keeps_title_and_honours_preferences(db, world):
    preference = db.get(NotificationPreference, world.client.id)
    preference.on_documents = False
    db.add(preference)
    db.commit()
    result = publish(db, world, [("brief.pdf", [PDF])], kind=DocumentKind.CORRESPONDENCE, title="  Brief   aan u ")
    assert result.documents[0].title == "Brief aan u" and result.documents[0].kind == DocumentKind.CORRESPONDENCE
    assert result.notified == 0
    assert db.exec(select(OutboxMail).where(OutboxMail.kind == "notification_digest")).first() is None


def test_publish_refuses_delivered_kind_and_foreign_dossier(db, world):
    with pytest.raises(ValidationFailed):
        publish(db, world, [("a.pdf", [PDF])], kind=DocumentKind.DELIVERED)
    with pytest.raises(NotFound):
        publish(db, world, [("a.pdf", [PDF])], dossier_id=123456)
    with pytest.raises(ValidationFailed):
        publish(db, world, [])


def test_withdraw_and_read_receipts(db, world):
    doc = publish(db, world, [("akte.pdf", [PDF])]).documents[0]
    documents.mark_read(session=db, account_id=world.client.id, document_id=doc.id, downloaded=True)
    db.commit()
    listing = staff_dossiers.document_list(
        session=db, actor=world.handler, dossier_id=world.dossier.id, kind=DocumentKind.DOCUMENT
    )
    receipt = listing[0].receipts[0]
    assert receipt.name == "Klaas Klant" and receipt.read and receipt.downloaded
    with pytest.raises(NotFound):  # through another dossier
        staff_dossiers.withdraw_document(
            session=db, actor=world.handler, dossier_id=world.other_dossier.id, document_id=doc.id
        )
    staff_dossiers.withdraw_document(
        session=db, actor=world.handler, dossier_id=world.dossier.id, document_id=str(doc.id)
    )
    db.commit()
    assert (
        documents.list_for_dossier(
            session=db, account=world.client, dossier_id=world.dossier.id, kind=DocumentKind.DOCUMENT
        )
        == []
    )
    listing = staff_dossiers.document_list(
        session=db, actor=world.handler, dossier_id=world.dossier.id, kind=DocumentKind.DOCUMENT
    )
    assert listing[0].withdrawn
    assert events(db, "document.withdrawn")[0].actor_id == world.handler.id
    assert (
        staff_dossiers.document_counts(session=db, actor=world.handler, dossier_id=world.dossier.id)[
            DocumentKind.DOCUMENT
        ]
        == 0
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda db, w: staff_dossiers.list_dossiers(session=db, actor=w.client),
        lambda db, w: staff_dossiers.create_dossier(session=db, actor=w.client, number="X-1", description="x"),
        lambda db, w: staff_dossiers.update_dossier(
            session=db, actor=w.client, dossier_id=w.dossier.id, status="afgesloten"
        ),
        lambda db, w: staff_dossiers.grant_access(
            session=db, actor=w.client, dossier_id=w.other_dossier.id, account_id=w.client.id
        ),
        lambda db, w: staff_dossiers.revoke_access(
            session=db, actor=w.client, dossier_id=w.dossier.id, account_id=w.client.id
        ),
        lambda db, w: staff_dossiers.add_step(session=db, actor=w.client, dossier_id=w.dossier.id, title="x"),
        lambda db, w: staff_dossiers.document_list(
            session=db, actor=w.client, dossier_id=w.dossier.id, kind="document"
        ),
        lambda db, w: staff_dossiers.withdraw_document(
            session=db, actor=w.client, dossier_id=w.dossier.id, document_id=1
        ),
        lambda db, w: staff_dossiers.staff_choices(session=db, actor=w.client),
        lambda db, w: publish(db, type("W", (), {**w.__dict__, "handler": w.client})(), [("a.pdf", [PDF])]),
    ],
)
def test_clients_are_refused(db, world, call):
    with pytest.raises(PermissionDenied):
        call(db, world)
    assert (
        db.exec(
            select(DossierAccess).where(
                DossierAccess.dossier_id == world.other_dossier.id, DossierAccess.account_id == world.client.id
            )
        ).first()
        is None
    )
    assert db.exec(select(Document)).first() is None
