"""Messages UI: the thread, the attached-files list and the upload errors shared by the
client's Berichten tab and the office's dossier page, and the client's composer and
attachments dialog.

The shared parts take the state class they bind to (`MessagesState` here,
`StaffDossierState` on /staff/dossiers/<id>); both keep `message_rows`
(MessageRow), `open_message_id`, `open_attachments` (AttachmentRow) and the
handlers `open_message(id)` and `reply(id)`. `office=True` renders the office's
view: who wrote (client icon, author), withdrawn attachments, read receipts, and
a reply button on every message.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.components.char_counter import char_counter, counter_attrs, field_max_length
from portal_app.core.components.drop_zone import drop_zone
from portal_app.core.components.live_region import announce
from portal_app.core.components.row_actions import remove_icon_button
from portal_app.core.components.staff_widgets import field_error, file_link
from portal_app.core.components.text import tr
from portal_app.documents.services.uploads import ACCEPT
from portal_app.messages.services.messages import MAX_BODY_CHARS, MAX_SUBJECT_CHARS
from portal_app.messages.states import UPLOAD_ID
from portal_app.messages.states import MessagesState as S
from portal_app.payments.components.payments import iban_draft_warning
from portal_app.payments.states.payments import ClientPaymentState


def _key(name: str, office: bool) -> str:
    """The office screens have their own wording keys (staff.msg.*)."""
    return f"staff.msg.{name}" if office else f"msg.{name}"


def office_icon(office: bool = False) -> rx.Component:
    return rx.icon(
        "landmark", size=16, color="var(--brand, #1f3a5f)", aria_label=tr(_key("from_office", office)), role="img"
    )


def message_row(state, row: rx.Var, *, office: bool = False) -> rx.Component:
    """One message: a button with subject, unread badge, paperclip and date that opens it."""
    is_open = state.open_message_id == row.id
    # the client's list marks what was opened in `read_now`; the office's list is read again
    unread = row.unread if office else row.unread & ~state.read_now.contains(row.id)
    return rx.box(
        rx.el.button(
            rx.hstack(
                rx.cond(
                    row.from_office,
                    office_icon(office),
                    rx.icon(
                        "user", size=16, color="var(--orange-9)", aria_label=tr("staff.msg.from_client"), role="img"
                    )
                    if office
                    else rx.text(tr("msg.to"), size="2", weight="medium", color="var(--gray-11)"),
                ),
                rx.text(row.subject, weight=rx.cond(unread, "bold", "regular"), class_name="message-subject"),
                rx.cond(unread, rx.badge(tr(_key("unread", office)), color_scheme="orange", size="1")),
                rx.cond(
                    row.attachment_count > 0,
                    rx.icon("paperclip", size=14, aria_label=tr(_key("has_attachments", office)), role="img"),
                ),
                rx.spacer(),
                rx.text(row.author, " · ", row.date, size="1", color="var(--gray-11)")
                if office
                else rx.text(row.date, size="1", color="var(--gray-11)"),
                align="center",
                spacing="2",
                width="100%",
                wrap="wrap",
            ),
            on_click=state.open_message(row.id),
            class_name="message-row-button",
            aria_expanded=rx.cond(is_open, "true", "false"),
            type="button",
        ),
        rx.cond(is_open, opened_message(state, row, office=office)),
        class_name="message-row",
        width="100%",
        data_unread=rx.cond(unread, "1", ""),
        **({"data_message_id": row.id} if office else {}),
    )


def attachment_link(item: rx.Var, *, office: bool = False) -> rx.Component:
    """A download link to an attachment; the office also sees its size, and withdrawn ones as text."""
    href = "/files/" + item.id.to_string()
    if not office:
        return rx.link(
            rx.hstack(
                rx.icon("file-down", size=14, aria_hidden="true"), rx.text(item.name), spacing="1", align="center"
            ),
            href=href,
            download=True,
        )
    return rx.cond(
        item.withdrawn,
        rx.text(item.name, " (", tr("staff.doc.withdrawn"), ")", size="2", color="var(--gray-11)"),
        file_link(
            rx.hstack(
                rx.icon("file-down", size=14, aria_hidden="true"),
                rx.text(item.name, class_name="file-name"),
                rx.text(item.size, size="1", color="var(--gray-11)"),
                spacing="1",
                align="center",
            ),
            href=href,
        ),
    )


def opened_message(state, row: rx.Var, *, office: bool = False) -> rx.Component:
    """The opened message: body, attachments, and (office) read receipts; a reply button."""
    count = state.open_attachments.length()
    return rx.card(
        rx.vstack(
            rx.fragment()
            if office
            else rx.text(
                rx.cond(row.from_office, tr("msg.message_from"), tr("msg.message_by")),
                " ",
                row.author,
                size="2",
                color="var(--gray-11)",
            ),
            rx.text(row.body, white_space="pre-wrap", class_name="message-body"),
            rx.cond(
                count > 0,
                rx.vstack(
                    rx.text(tr("staff.msg.attachments"), weight="medium", size="2")
                    if office
                    else rx.text(tr("msg.attachments"), " (", count, ")", weight="medium", size="2"),
                    rx.foreach(state.open_attachments, lambda item: attachment_link(item, office=office)),
                    spacing="1",
                ),
            ),
            read_receipts(row) if office else rx.fragment(),
            reply_button(state, row, office=office),
            spacing="2",
            width="100%",
        ),
        width="100%",
        margin_y="0.5rem",
    )


def read_receipts(row: rx.Var) -> rx.Component:
    """Office view: which clients read an office message, or when staff opened a client's."""
    return rx.cond(
        row.from_office,
        rx.text(
            tr("staff.msg.read_by"),
            " ",
            rx.cond(row.read_by != "", row.read_by, tr("staff.msg.nobody")),
            size="1",
            color="var(--gray-11)",
        ),
        rx.text(tr("staff.msg.staff_read"), " ", row.staff_read, size="1", color="var(--gray-11)"),
    )


def reply_button(state, row: rx.Var, *, office: bool = False) -> rx.Component:
    """Clients reply to the office's messages; the office may answer any message."""
    button = rx.button(
        rx.icon("reply", size=14, aria_hidden="true"),
        tr(_key("reply", office)),
        on_click=state.reply(row.id),
        variant="soft",
        size="2",
        **({"id": "reply-button"} if office else {}),
    )
    return button if office else rx.cond(row.from_office, button)


def message_thread(state, *, empty: rx.Component, office: bool = False) -> rx.Component:
    """The dossier's messages, newest first, or `empty` when there are none."""
    return rx.cond(
        state.message_rows.length() > 0,
        rx.vstack(
            rx.foreach(state.message_rows, lambda row: message_row(state, row, office=office)),
            width="100%",
            spacing="0",
            id="message-list",
        ),
        empty,
    )


def quote_box(text: rx.Var, original_label: rx.Var) -> rx.Component:
    """The quoted original under a reply (the server stores it the same way)."""
    return rx.cond(
        text != "",
        rx.box(
            rx.text("--- ", original_label, " ---", size="2", color="var(--gray-11)"),
            rx.text(text, white_space="pre-wrap", size="2", color="var(--gray-11)"),
            class_name="quote",
            id="original-message",
        ),
    )


def attached_files(files: rx.Var, on_remove, remove_label: rx.Var) -> rx.Component:
    """The files under a message being written (StagedFile rows), each with a trash button."""
    return rx.vstack(
        rx.foreach(
            files,
            lambda item: rx.hstack(
                rx.icon("paperclip", size=14, aria_hidden="true"),
                rx.text(item.name, class_name="file-name"),
                rx.text(item.size, size="1", color="var(--gray-11)"),
                remove_icon_button(remove_label, item.name, on_remove(item.index)),
                align="center",
                class_name="attached-file",
            ),
        ),
        spacing="1",
        id="attached-files",
    )


def upload_errors(errors: rx.Var, **props) -> rx.Component:
    """One line per refused file (name: reason)."""
    return rx.cond(
        errors.length() > 0,
        rx.callout(rx.foreach(errors, lambda text: rx.text(text)), color_scheme="red", role="alert", **props),
    )


def staged_file(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("file", size=16, aria_hidden="true"),
        rx.text(item.name, class_name="file-name"),
        rx.text(item.size, size="1", color="var(--gray-11)"),
        rx.spacer(),
        rx.icon_button(
            rx.icon("x", size=16),
            on_click=S.unstage(item.index),
            variant="ghost",
            color_scheme="gray",
            high_contrast=True,
            aria_label=tr("upload.remove") + " " + item.name,
            type="button",
        ),
        width="100%",
        align="center",
        class_name="staged-file",
    )


def _refuse_files(rejected: rx.Var):
    """The drop zone's refusals as {name, codes}: a File's name does not survive being sent as JSON."""
    names_and_codes = rx.Var(
        _js_expr=f"({rejected}).map((r) => ({{name: r.file.name, codes: r.errors.map((e) => e.code)}}))",
        _var_type=list[dict],
    )
    return S.refuse_files(names_and_codes)


def attachments_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("upload.title")),
            rx.dialog.description(tr("upload.allowed"), " ", S.upload_limits_text, size="2", color="var(--gray-11)"),
            drop_zone(
                rx.vstack(
                    rx.icon("upload", size=28, aria_hidden="true"),
                    rx.text(tr("upload.drop_here")),
                    rx.button(
                        rx.cond(S.staged_files.length() > 0, tr("upload.more"), tr("upload.browse")),
                        type="button",
                        variant="soft",
                    ),
                    align="center",
                    spacing="2",
                ),
                id=UPLOAD_ID,
                label=tr("upload.drop_here"),
                multiple=True,
                accept=ACCEPT,
                max_files=10,
                # the browser refuses a file over the per-file limit before sending it; the server checks again
                max_size=S.upload_max_bytes,
                on_drop=S.stage_files(rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=S.track_progress)),
                on_drop_rejected=_refuse_files,
                class_name="drop-zone",
                padding="1.5rem",
                border="2px dashed var(--gray-7)",
                border_radius="8px",
                width="100%",
                margin_y="0.75rem",
            ),
            rx.cond(S.uploading, rx.progress(value=S.upload_progress, max=100, aria_label=tr("upload.progress"))),
            upload_errors(S.upload_errors, id="upload-errors"),
            rx.vstack(rx.foreach(S.staged_files, staged_file), width="100%", spacing="1", id="staged-files"),
            rx.hstack(
                rx.button(
                    tr("upload.cancel"), on_click=S.cancel_dialog, variant="soft", color_scheme="gray", type="button"
                ),
                rx.button(
                    tr("upload.upload") + " " + S.staged_files.length().to_string() + " " + tr("upload.files"),
                    on_click=S.confirm_upload,
                    disabled=S.staged_files.length() == 0,
                    type="button",
                    id="upload-confirm",
                ),
                justify="end",
                spacing="2",
                margin_top="1rem",
            ),
            max_width="32rem",
            # opened through state, so Radix has no trigger to give focus back to on close
            on_close_auto_focus=rx.set_focus("open-attachments"),
        ),
        open=S.dialog_open,
        on_open_change=S.set_dialog_open,
    )


def max_reached_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("msg.max_title")),
            rx.alert_dialog.description(tr("msg.max_text")),
            rx.flex(
                rx.alert_dialog.action(rx.button("OK", on_click=S.close_max_dialog, id="max-ok")),
                justify="end",
                margin_top="1rem",
            ),
        ),
        open=S.max_reached,
    )


def composer() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(rx.cond(S.reply_to_id > 0, S.subject, tr("msg.new")), size="4", as_="h3"),
            rx.text(tr("msg.to"), " ", S.office_name, size="2", color="var(--gray-11)"),
            rx.el.label(tr("msg.subject"), html_for="msg-subject", class_name="field-label"),
            # Uncontrolled fields (default_value, re-keyed when the composer starts afresh): what
            # the client types or pastes stays in the field. A controlled field waits 300 ms
            # (react-debounce-input) and an answer to an earlier keystroke arriving in that time
            # put the older text back, losing a paste.
            rx.input(
                id="msg-subject",
                key=S.composer_key.to_string(),
                default_value=S.subject,
                on_change=S.set_subject,
                max_length=MAX_SUBJECT_CHARS,
                width="100%",
                aria_invalid=rx.cond(S.subject_error != "", "true", "false"),
            ),
            field_error(S.subject_error, "subject-error"),
            rx.el.label(tr("msg.body"), html_for="msg-body", class_name="field-label"),
            rx.text_area(
                id="msg-body",
                key=S.composer_key.to_string(),
                default_value=S.body,
                on_change=S.set_body,
                # IBAN fraud (payments): warn before sending when the draft names another account number
                on_blur=ClientPaymentState.check_draft,
                max_length=field_max_length(MAX_BODY_CHARS),
                rows="8",
                width="100%",
                aria_describedby="msg-counter",
                aria_invalid=rx.cond(S.body_error != "", "true", "false"),
                custom_attrs=counter_attrs("msg-counter", MAX_BODY_CHARS),
            ),
            # counted in the browser alone (client_ux.js, also when the field mounts): a count from
            # the state would come back a keystroke behind with every answer and overwrite it
            char_counter("msg-counter", MAX_BODY_CHARS),
            field_error(S.body_error, "body-error"),
            iban_draft_warning(),
            quote_box(S.quote, tr("msg.original")),
            attached_files(S.attached_files, S.remove_attachment, tr("upload.remove")),
            field_error(S.send_error, "send-error"),
            rx.hstack(
                rx.button(
                    rx.icon("paperclip", size=14, aria_hidden="true"),
                    tr("msg.attachments_button"),
                    on_click=S.open_dialog,
                    variant="soft",
                    type="button",
                    id="open-attachments",
                ),
                rx.spacer(),
                rx.button(
                    tr("msg.cancel"), on_click=S.cancel_composer, variant="soft", color_scheme="gray", type="button"
                ),
                rx.button(tr("msg.send"), on_click=S.send, type="button", id="send-message"),
                width="100%",
                wrap="wrap",
                spacing="2",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="composer",
    )


def messages_tab() -> rx.Component:
    return rx.vstack(
        attachments_dialog(),
        max_reached_dialog(),
        rx.hstack(
            rx.cond(
                S.sent_notice != "",
                announce(
                    rx.callout(
                        S.sent_notice,
                        color_scheme="green",
                        role="status",
                        size="1",
                        id="sent-notice",
                        # "Versturen" closes the composer it sits in: focus goes to this notice, not
                        # to <body> (assets/client_ux.js: data-focus-on-show)
                        tab_index=-1,
                        custom_attrs={"data-focus-on-show": "1"},
                    )
                ),
            ),
            rx.spacer(),
            rx.cond(
                ~S.composing,
                rx.button(
                    rx.icon("plus", size=14, aria_hidden="true"),
                    tr("msg.new"),
                    on_click=S.new_message,
                    id="new-message",
                ),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(S.composing, composer()),
        message_thread(S, empty=rx.text(tr("msg.none"), color="var(--gray-11)")),
        width="100%",
        spacing="3",
        on_mount=S.load_messages,
    )
