"""Internal notes of the office on a client or on a dossier (issue 14).

Notes are for staff only: every function here starts with `require_staff`, and no
client service, route or page reads `StaffNote` (tests/integration/office/test_notes_abuse.py
proves that a client reaches none of them). The ids a browser sends are checked here:
the client must be a client account that was not removed, the dossier must exist, and
a note is removed only from the client or dossier the page shows, by its author or an admin.
Adding and removing are audited without the note's text. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from portal_app.accounts.models import Account, StaffRole
from portal_app.audit.services import audit
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import local_text, require_staff
from portal_app.dossiers.models import Dossier
from portal_app.office.models import StaffNote
from portal_app.office.services.staff_clients import get_client

MAX_LENGTH = 2000
LIST_LIMIT = 50


class NoteTarget(StrEnum):
    CLIENT = "client"
    DOSSIER = "dossier"


@dataclass(frozen=True, kw_only=True)
class NoteRow:
    """One note as the staff page shows it; `can_remove` for its author and admins."""

    id: int
    body: str
    author: str
    at: str
    can_remove: bool


def _check_target(session: Session, target: object, target_id: object) -> tuple[NoteTarget, int]:
    """(target, id) of an existing client or dossier; NotFound for anything else."""
    if target == NoteTarget.CLIENT:
        account = get_client(session, target_id)
        assert account.id is not None  # a stored account (see portal_app/core/models.py)
        return NoteTarget.CLIENT, account.id
    if target == NoteTarget.DOSSIER:
        dossier = session.get(Dossier, parse_id(target_id))
        if dossier is None or dossier.id is None:
            raise NotFound()
        return NoteTarget.DOSSIER, dossier.id
    raise NotFound()


def clean_body(raw: object) -> str:
    """The note as typed, trimmed; line breaks kept, other control characters refused."""
    if not isinstance(raw, str):
        raise ValidationFailed("no text", field="body", code="notes.empty")
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("no text", field="body", code="notes.empty")
    if len(text) > MAX_LENGTH:
        raise ValidationFailed("too long", field="body", code="notes.too_long", maximum=MAX_LENGTH)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise ValidationFailed("control characters", field="body", code="notes.empty")
    return text


def list_notes(*, session: Session, actor: Account, target: object, target_id: object) -> list[NoteRow]:
    """The newest LIST_LIMIT notes on one client or dossier (one query, served by the target's index)."""
    actor = require_staff(session, actor)
    kind, found_id = _check_target(session, target, target_id)
    rows = session.exec(
        select(StaffNote, Account.name)
        .join(Account, col(Account.id) == StaffNote.author_id)
        .where(
            col(StaffNote.account_id) == found_id
            if kind == NoteTarget.CLIENT
            else col(StaffNote.dossier_id) == found_id
        )
        .order_by(col(StaffNote.created_at).desc(), col(StaffNote.id).desc())
        .limit(LIST_LIMIT)
    ).all()
    return [
        NoteRow(
            id=note.id or 0,
            body=note.body,
            author=name,
            at=local_text(note.created_at),
            can_remove=note.author_id == actor.id or actor.staff_role == StaffRole.ADMIN,
        )
        for note, name in rows
    ]


def add_note(*, session: Session, actor: Account, target: object, target_id: object, body: object) -> StaffNote:
    actor = require_staff(session, actor)
    kind, found_id = _check_target(session, target, target_id)
    assert actor.id is not None  # a stored account (see portal_app/core/models.py)
    note = StaffNote(
        account_id=found_id if kind == NoteTarget.CLIENT else None,
        dossier_id=found_id if kind == NoteTarget.DOSSIER else None,
        author_id=actor.id,
        body=clean_body(body),
    )
    session.add(note)
    session.flush()
    audit.record(
        session,
        "note.added",
        actor_id=actor.id,
        dossier_id=note.dossier_id,
        target=f"account:{found_id}" if kind == NoteTarget.CLIENT else f"note:{note.id}",
    )
    return note


def remove_note(*, session: Session, actor: Account, target: object, target_id: object, note_id: object) -> None:
    """Remove a note of the client or dossier on screen; only its author or an admin may."""
    actor = require_staff(session, actor)
    kind, found_id = _check_target(session, target, target_id)
    note = session.get(StaffNote, parse_id(note_id))
    if note is None or (note.account_id if kind == NoteTarget.CLIENT else note.dossier_id) != found_id:
        raise NotFound()
    if note.author_id != actor.id and actor.staff_role != StaffRole.ADMIN:
        raise PermissionDenied()
    audit.record(
        session,
        "note.removed",
        actor_id=actor.id,
        dossier_id=note.dossier_id,
        target=f"account:{found_id}" if kind == NoteTarget.CLIENT else f"note:{note.id}",
    )
    session.delete(note)
    session.flush()
