"""Internal notes on the staff client and dossier pages (office/services/notes.py).

One state serves both pages: the page's path says whether the notes are a client's
(/staff/clienten/<id>) or a dossier's (/staff/dossiers/<id>), and the id is taken
from the path on load, never from the browser's event arguments. Staff only.
"""

from __future__ import annotations

from portal_app.accounts.models import Account
from portal_app.core.pages import routes
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffState
from portal_app.office.services import notes

NOTE_INPUT_ID = "note-body"
NOTE_MAX_LENGTH = notes.MAX_LENGTH


class StaffNotesState(StaffState):
    note_rows: list[notes.NoteRow] = []
    note_error: str = ""
    notes_saved: int = 0  # the note form empties its field when this goes up (clear_on_save)
    note_notice: str = ""

    _note_target: str = ""
    _note_target_id: int = 0

    def _reload_notes(self, actor: Account) -> None:
        with session_scope() as db:
            self.note_rows = notes.list_notes(
                session=db, actor=actor, target=self._note_target, target_id=self._note_target_id
            )

    @handler(Access.STAFF)
    def load_notes(self, viewer: Viewer):
        self.note_error = self.note_notice = ""
        path = str(self.router.url.path or "")
        if path.startswith(routes.STAFF + "/clienten/"):
            self._note_target = notes.NoteTarget.CLIENT
        elif path.startswith(routes.STAFF + "/dossiers/"):
            self._note_target = notes.NoteTarget.DOSSIER
        else:
            self._note_target = ""
        self._note_target_id = self._path_id()
        try:
            self._reload_notes(viewer.account)
        except ServiceError:
            self._note_target, self._note_target_id, self.note_rows = "", 0, []

    @handler(Access.STAFF)
    def add_note(self, viewer: Viewer, form_data: dict):
        self.note_error = self.note_notice = ""
        if not self._note_target:
            return
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                notes.add_note(
                    session=db,
                    actor=viewer.account,
                    target=self._note_target,
                    target_id=self._note_target_id,
                    body=data.get("body", ""),
                )
        except ServiceError as error:
            self.note_error = self._err(error)
            return
        self.note_notice = self._t("notes.saved")
        self._reload_notes(viewer.account)
        self.notes_saved += 1

    @handler(Access.STAFF)
    def remove_note(self, viewer: Viewer, note_id: int | str):
        self.note_error = self.note_notice = ""
        if not self._note_target:
            return
        try:
            with session_scope() as db:
                notes.remove_note(
                    session=db,
                    actor=viewer.account,
                    target=self._note_target,
                    target_id=self._note_target_id,
                    note_id=note_id,
                )
        except ServiceError as error:
            self.note_error = self._err(error)
        else:
            self.note_notice = self._t("notes.removed")
        self._reload_notes(viewer.account)
