"""The "Interne notities" section of the staff client and dossier pages (office/states/notes.py)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.clear_on_save import clear_on_save
from portal_app.core.components.row_actions import row_danger_button
from portal_app.core.components.staff_widgets import empty, label, notices, section
from portal_app.core.components.text import tr
from portal_app.office.states.notes import NOTE_INPUT_ID, NOTE_MAX_LENGTH
from portal_app.office.states.notes import StaffNotesState as N


def note_item(note: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(note.body, size="2", white_space="pre-wrap", class_name="staff-wrap"),
                rx.text(note.author, " · ", note.at, size="1", color="var(--gray-11)"),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                note.can_remove,
                row_danger_button(tr("notes.remove"), note.at, N.remove_note(note.id), icon="trash-2"),
            ),
            align="start",
            spacing="2",
            width="100%",
        ),
        class_name="staff-list-item",
        data_note_id=note.id,
    )


def notes_section() -> rx.Component:
    """Notes only the office sees: never shown to the client, on no page or route of theirs."""
    return section(
        tr("notes.title"),
        rx.text(tr("notes.help"), size="1", color="var(--gray-11)", id="notes-help"),
        notices(N.note_notice, N.note_error, prefix="notes"),
        rx.cond(
            N.note_rows.length() > 0,
            rx.el.ul(rx.foreach(N.note_rows, note_item), class_name="staff-list", id="notes-list"),
            empty(tr("notes.none")),
        ),
        rx.form(
            rx.vstack(
                label(tr("notes.new"), NOTE_INPUT_ID),
                rx.text_area(
                    id=NOTE_INPUT_ID,
                    name="body",
                    max_length=NOTE_MAX_LENGTH,
                    rows="3",
                    width="100%",
                    aria_describedby="notes-help",
                ),
                rx.button(
                    rx.icon("notebook-pen", size=14, aria_hidden="true"),
                    tr("notes.add"),
                    type="submit",
                    id="note-add",
                ),
                spacing="2",
                width="100%",
                align="start",
            ),
            on_submit=N.add_note,
            reset_on_submit=False,
            custom_attrs=clear_on_save(N.notes_saved, NOTE_INPUT_ID),
            width="100%",
        ),
        section_id="staff-notes",
        count=N.note_rows.length(),
    )
