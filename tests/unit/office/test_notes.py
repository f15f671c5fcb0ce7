"""Internal notes on a client and on a dossier, and the staff's "new password link" button."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.office.models import StaffNote
from portal_app.office.services import notes, staff_clients
from portal_app.office.services.notes import NoteTarget

ROOT = Path(__file__).resolve().parents[3]


def test_notes_on_a_client_and_a_dossier_stay_apart(db, world):
    notes.add_note(
        session=db, actor=world.handler, target="client", target_id=world.client.id, body="  Belt liever na 17u \n"
    )
    notes.add_note(
        session=db, actor=world.admin, target="dossier", target_id=world.dossier.id, body="Taxatie\nnog niet binnen"
    )
    client_notes = notes.list_notes(session=db, actor=world.admin, target="client", target_id=world.client.id)
    dossier_notes = notes.list_notes(session=db, actor=world.handler, target="dossier", target_id=world.dossier.id)
    assert [n.body for n in client_notes] == ["Belt liever na 17u"]
    assert client_notes[0].author == "Bert Behandel"
    assert [n.body for n in dossier_notes] == ["Taxatie\nnog niet binnen"]  # line breaks kept
    assert notes.list_notes(session=db, actor=world.handler, target="dossier", target_id=world.other_dossier.id) == []
    # audited without the text
    events = db.exec(select(AuditEvent).where(AuditEvent.event_type == "note.added")).all()
    assert len(events) == 2 and all("Taxatie" not in (e.detail or "") for e in events)
    assert {e.dossier_id for e in events} == {None, world.dossier.id}


def test_clients_reach_no_note_function(db, world):
    note = notes.add_note(session=db, actor=world.handler, target="dossier", target_id=world.dossier.id, body="geheim")
    for who in (world.client, world.company):
        for target, target_id in (("dossier", world.dossier.id), ("client", who.id)):
            with pytest.raises(ServiceError):
                notes.list_notes(session=db, actor=who, target=target, target_id=target_id)
            with pytest.raises(ServiceError):
                notes.add_note(session=db, actor=who, target=target, target_id=target_id, body="x")
        with pytest.raises(ServiceError):
            notes.remove_note(session=db, actor=who, target="dossier", target_id=world.dossier.id, note_id=note.id)
    assert db.get(StaffNote, note.id) is not None


def test_forged_targets_and_ids_are_refused(db, world):
    note = notes.add_note(session=db, actor=world.handler, target="client", target_id=world.client.id, body="a")
    for target, target_id in (
        ("client", world.admin.id),
        ("client", 999),
        ("dossier", 999),
        ("fax", 1),
        ("client", "1 or 1=1"),
    ):
        with pytest.raises(NotFound):
            notes.list_notes(session=db, actor=world.handler, target=target, target_id=target_id)
    # a note is removed only from the client or dossier it belongs to
    with pytest.raises(NotFound):
        notes.remove_note(session=db, actor=world.handler, target="client", target_id=world.company.id, note_id=note.id)
    with pytest.raises(NotFound):
        notes.remove_note(
            session=db, actor=world.handler, target="dossier", target_id=world.dossier.id, note_id=note.id
        )


def test_only_the_author_or_an_admin_removes_a_note(db, world):
    other = accounts.create_staff(db, email="c@example.nl", name="Cor Collega", role="behandelaar")
    note = notes.add_note(session=db, actor=world.handler, target="client", target_id=world.client.id, body="a")
    [row] = notes.list_notes(session=db, actor=other, target="client", target_id=world.client.id)
    assert row.can_remove is False
    with pytest.raises(PermissionDenied):
        notes.remove_note(session=db, actor=other, target="client", target_id=world.client.id, note_id=note.id)
    notes.remove_note(session=db, actor=world.admin, target="client", target_id=world.client.id, note_id=note.id)
    assert db.get(StaffNote, note.id) is None
    assert db.exec(select(AuditEvent).where(AuditEvent.event_type == "note.removed")).one().actor_id == world.admin.id


@pytest.mark.parametrize("body", ["", "   ", None, 5, "a" * 2001, "bel\x00me"])
def test_bad_note_texts_are_refused(db, world, body):
    with pytest.raises(ValidationFailed):
        notes.add_note(session=db, actor=world.handler, target="client", target_id=world.client.id, body=body)


def test_no_client_code_reads_the_notes_table():
    """Only the notes service reads the table; only the staff-only notes state and component use the service.

    (The state's handlers are all Access.STAFF: tests/integration/core/test_handler_access.py
    proves each refuses a client; the component is placed on the two staff pages only.)"""
    users = {}
    for path in sorted((ROOT / "portal_app").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if "StaffNote" in text or "office.services.notes" in text or "office.services import notes" in text:
            users[relative] = text
        if "office.states.notes" in text or "office.components.notes" in text:
            users[relative] = text
    assert sorted(users) == [
        "portal_app/dossiers/pages/staff_dossiers.py",
        "portal_app/models/__init__.py",
        "portal_app/office/components/notes.py",
        "portal_app/office/models.py",
        "portal_app/office/pages/staff_clients.py",
        "portal_app/office/services/notes.py",
        "portal_app/office/states/notes.py",
        "portal_app/portal_app.py",
    ]
    state = users["portal_app/office/states/notes.py"]
    assert state.count("@handler(Access.STAFF)") == state.count("@handler(")


def test_staff_send_a_new_password_link_to_an_active_client(db, world):
    world.client.password_hash = "x"
    db.add(world.client)
    db.flush()
    staff_clients.send_password_link(
        session=db, actor=world.handler, account_id=world.client.id, settings=world.settings
    )
    mails = db.exec(select(OutboxMail).where(OutboxMail.to_address == world.client.email)).all()
    assert [m.kind for m in mails] == ["set_password_link"]
    event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "password_link.sent_by_staff")).one()
    assert event.actor_id == world.handler.id and event.target == f"account:{world.client.id}"
    # the flow's own hourly limit holds for staff too
    with pytest.raises(ValidationFailed):
        for _ in range(10):
            staff_clients.send_password_link(
                session=db, actor=world.handler, account_id=world.client.id, settings=world.settings
            )


def test_no_password_link_for_invited_blocked_staff_or_by_clients(db, world):
    with pytest.raises(ValidationFailed):  # never set a password: the invitation is the way
        staff_clients.send_password_link(
            session=db, actor=world.handler, account_id=world.client.id, settings=world.settings
        )
    world.client.password_hash = "x"
    world.client.blocked = True
    db.add(world.client)
    db.flush()
    with pytest.raises(ValidationFailed):
        staff_clients.send_password_link(
            session=db, actor=world.handler, account_id=world.client.id, settings=world.settings
        )
    with pytest.raises(NotFound):
        staff_clients.send_password_link(
            session=db, actor=world.handler, account_id=world.admin.id, settings=world.settings
        )
    with pytest.raises(ServiceError):
        staff_clients.send_password_link(
            session=db, actor=world.company, account_id=world.client.id, settings=world.settings
        )
    assert db.exec(select(OutboxMail)).all() == []


def test_note_targets_are_the_two_pages():
    assert {t.value for t in NoteTarget} == {"client", "dossier"}
