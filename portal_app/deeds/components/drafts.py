"""The draft deed section: versions, the comparison, comments and "Akkoord met deze versie".

The comparison marks passages with <ins>/<del> (colour and strike-through) and, for
screen readers, a hidden "Toegevoegd:" / "Verwijderd:" before each one, so the
change is never told by colour alone.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.inline import A

from portal_app.core.components.clear_on_save import clear_on_save
from portal_app.core.components.drop_zone import drop_zone, on_refused
from portal_app.core.components.staff_widgets import label, notices
from portal_app.core.components.text import tr
from portal_app.deeds.states.drafts import UPLOAD_ID
from portal_app.deeds.states.drafts import DeedDraftsState as S
from portal_app.deeds.states.drafts import StaffDeedDraftsState as T

# A plain <a>, so the browser downloads the file instead of routing client-side.
plain_link = A.create
# A hint for the file picker only: the server accepts PDF and DOCX (deeds/services/text.py DRAFT_EXTENSIONS).
ACCEPT = {
    "application/pdf": [".pdf"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
}
# Colour AND a text decoration (underline / strike-through), so the change is not told by colour alone.
ADDED_STYLE = {
    "background_color": "var(--green-a4)",
    "color": "var(--green-12)",
    "text_decoration": "underline",
    "text_decoration_thickness": "2px",
}
REMOVED_STYLE = {"background_color": "var(--red-a4)", "color": "var(--red-12)", "text_decoration": "line-through"}


def _download(row: rx.Var) -> rx.Component:
    return plain_link(
        rx.icon("download", size=16, aria_hidden="true"),
        rx.el.span(tr("doc.download")),
        href="/files/" + row.document_id.to_string(),
        download=True,
        class_name="button-link download-link",
        aria_label=tr("doc.download") + ": " + row.label,
    )


def _version_item(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(
                    row.label,
                    rx.cond(row.latest, rx.badge(tr("deeds.latest"), color_scheme="blue", margin_left=".5rem")),
                    weight="medium",
                ),
                rx.text(row.filename, size="1", color="var(--gray-11)", class_name="file-name"),
                rx.cond(
                    row.approvals != "",
                    rx.text(tr("deeds.approved_by") + ": " + row.approvals, size="1", white_space="pre-line"),
                ),
                spacing="1",
                align="start",
            ),
            rx.spacer(),
            rx.cond(
                row.latest,
                rx.cond(
                    row.approved_by_me,
                    rx.badge(
                        rx.icon("circle-check", size=14, aria_hidden="true"),
                        tr("deeds.you_approved"),
                        color_scheme="green",
                        size="2",
                        id="deed-approved-badge",
                    ),
                    rx.button(
                        rx.icon("check", size=14, aria_hidden="true"),
                        tr("deeds.approve"),
                        on_click=S.approve(row.id),
                        id="deed-approve",
                        type="button",
                    ),
                ),
            ),
            _download(row),
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        class_name="deed-version",
        list_style="none",
        padding=".75rem 0",
        border_bottom="1px solid var(--gray-5)",
        custom_attrs={"data-version": row.number.to_string()},
    )


def _option(row: rx.Var) -> rx.Component:
    return rx.el.option(row.label, value=row.id.to_string())


def _passage(row: rx.Var) -> rx.Component:
    return rx.match(
        row.kind,
        (
            "added",
            rx.el.ins(
                rx.el.span(tr("deeds.added") + " ", class_name="sr-only"),
                row.text,
                class_name="deed-added",
                style=ADDED_STYLE,
            ),
        ),
        (
            "removed",
            rx.el.del_(
                rx.el.span(tr("deeds.removed") + " ", class_name="sr-only"),
                row.text,
                class_name="deed-removed",
                style=REMOVED_STYLE,
            ),
        ),
        rx.el.span(row.text),
    )


def _comparison() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("deeds.compare_title"), size="3", as_="h3"),
        rx.hstack(
            rx.vstack(
                label(tr("deeds.compare_old"), "deed-compare-old"),
                rx.el.select(
                    rx.foreach(S.deed_versions, _option),
                    value=S.compare_old,
                    on_change=S.set_compare_old,
                    id="deed-compare-old",
                    class_name="staff-select",
                ),
                spacing="1",
            ),
            rx.vstack(
                label(tr("deeds.compare_new"), "deed-compare-new"),
                rx.el.select(
                    rx.foreach(S.deed_versions, _option),
                    value=S.compare_new,
                    on_change=S.set_compare_new,
                    id="deed-compare-new",
                    class_name="staff-select",
                ),
                spacing="1",
            ),
            rx.button(tr("deeds.compare_button"), on_click=S.compare, type="button", id="deed-compare"),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(
            S.compare_done,
            rx.vstack(
                rx.hstack(
                    rx.el.ins(tr("deeds.legend_added"), class_name="deed-added", style=ADDED_STYLE),
                    rx.el.del_(tr("deeds.legend_removed"), class_name="deed-removed", style=REMOVED_STYLE),
                    spacing="3",
                    aria_hidden="true",
                ),
                rx.cond(S.compare_empty, rx.text(tr("deeds.no_changes"), id="deed-no-changes")),
                rx.box(
                    rx.foreach(S.passages, _passage),
                    id="deed-comparison",
                    class_name="deed-comparison",
                    white_space="pre-wrap",
                    padding="1rem",
                    border="1px solid var(--gray-6)",
                    border_radius="8px",
                    max_height="28rem",
                    overflow_y="auto",
                    width="100%",
                    tab_index=0,
                    aria_label=tr("deeds.compare_title"),
                    on_mouse_up=rx.call_script(
                        "String(window.getSelection ? window.getSelection() : '')",
                        callback=S.quote_selection,
                    ),
                ),
                rx.text(tr("deeds.quote_hint"), size="1", color="var(--gray-11)"),
                spacing="2",
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _comment_item(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.text(
            tr("deeds.version") + " " + row.version.to_string() + " · " + row.name + " · " + row.date,
            size="1",
            color="var(--gray-11)",
        ),
        rx.cond(
            row.quote != "",
            rx.el.blockquote(
                row.quote,
                class_name="deed-quote",
                border_left="3px solid var(--gray-7)",
                padding_left=".75rem",
                color="var(--gray-11)",
                margin="0",
            ),
        ),
        rx.text(row.body, white_space="pre-wrap"),
        class_name="deed-comment",
    )


def _comment_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(tr("deeds.comment_title"), size="3", as_="h3"),
            label(tr("deeds.comment_version"), "deed-comment-version"),
            rx.el.select(
                rx.foreach(S.deed_versions, _option),
                value=S.comment_version,
                on_change=S.set_comment_version,
                id="deed-comment-version",
                name="version",
                class_name="staff-select",
            ),
            label(tr("deeds.comment_quote"), "deed-comment-quote"),
            rx.text_area(id="deed-comment-quote", name="quote", max_length=1000, rows="2", width="100%"),
            label(tr("deeds.comment_body"), "deed-comment-body"),
            rx.text_area(id="deed-comment-body", name="body", max_length=4000, rows="4", width="100%"),
            rx.cond(
                S.comment_error != "",
                rx.text(S.comment_error, color="red", role="alert", id="deed-comment-error"),
            ),
            rx.button(tr("deeds.comment_button"), type="submit", id="deed-comment-submit"),
            spacing="1",
            width="100%",
            align="start",
        ),
        on_submit=S.add_comment,
        custom_attrs=clear_on_save(S.comments_saved, "deed-comment-quote", "deed-comment-body"),
        width="100%",
    )


def deed_drafts_section() -> rx.Component:
    """The client's "Concept-akte" section on the dossier page (only when the dossier has one)."""
    return rx.cond(
        S.deed_versions.length() > 0,
        rx.el.section(
            rx.vstack(
                rx.heading(tr("deeds.title"), size="4", as_="h2", id="deed-heading"),
                rx.cond(
                    S.deed_reset_notice,
                    rx.callout(tr("deeds.reset_notice"), icon="info", color_scheme="amber", id="deed-reset-notice"),
                ),
                notices(S.deed_notice, S.deed_error, prefix="deed"),
                rx.text(tr("deeds.intro"), size="2"),
                rx.el.ol(
                    rx.foreach(S.deed_versions, _version_item),
                    class_name="deed-versions",
                    id="deed-versions",
                    padding="0",
                    margin="0",
                    width="100%",
                ),
                rx.cond(
                    S.deed_pending != "",
                    rx.text(tr("deeds.pending") + ": " + S.deed_pending, size="2", id="deed-pending"),
                ),
                rx.cond(S.deed_versions.length() > 1, _comparison()),
                _comment_form(),
                rx.cond(
                    S.deed_comments.length() > 0,
                    rx.vstack(
                        rx.heading(tr("deeds.comments_client"), size="3", as_="h3"),
                        rx.el.ul(rx.foreach(S.deed_comments, _comment_item), class_name="deed-comments"),
                        width="100%",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            aria_labelledby="deed-heading",
            class_name="deed-section",
            id="deed-section",
            width="100%",
            padding="1rem",
            border="1px solid var(--gray-6)",
            border_radius="8px",
        ),
    )


# ---------------------------------------------------------------- staff


def _staff_version_item(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(row.label, " · ", row.filename, weight="medium"),
            _download(row),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(
            tr("deeds.approved_by") + ": ",
            rx.cond(row.approvals != "", row.approvals, tr("deeds.nobody")),
            size="2",
            white_space="pre-line",
        ),
        class_name="deed-version",
        custom_attrs={"data-version": row.number.to_string()},
    )


def _staff_publish() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("deeds.publish_title"), size="3", as_="h3"),
        rx.hstack(
            rx.vstack(
                label(tr("deeds.publish_as"), "deed-draft"),
                rx.el.select(
                    rx.foreach(T.draft_options, lambda o: rx.el.option(o.label, value=o.value)),
                    rx.el.option(tr("deeds.new_draft"), value="new"),
                    value=T.publish_draft,
                    on_change=T.set_publish_draft,
                    id="deed-draft",
                    class_name="staff-select",
                ),
                spacing="1",
            ),
            rx.cond(
                T.publish_draft == "new",
                rx.vstack(
                    label(tr("deeds.new_title"), "deed-title"),
                    rx.input(id="deed-title", on_blur=T.set_publish_title, max_length=150, width="20rem"),
                    spacing="1",
                ),
            ),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        drop_zone(
            rx.hstack(
                rx.icon("upload", size=18, aria_hidden="true"),
                rx.text(tr("deeds.drop"), size="2"),
                rx.button(tr("staff.upload.browse"), type="button", variant="soft", size="1"),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            label=tr("deeds.drop"),
            multiple=False,
            accept=ACCEPT,
            max_files=1,
            # refused in the browser (type, size, count) and said in the user's language
            max_size=T.deed_max_bytes,
            on_drop_rejected=on_refused(T.refuse_deed_file),
            aria_describedby="deed-allowed",
            padding=".75rem",
            border="2px dashed var(--gray-7)",
            border_radius="8px",
            width="100%",
        ),
        rx.text(tr("deeds.allowed"), " ", T.deed_limit_text, size="1", color="var(--gray-11)", id="deed-allowed"),
        rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.text(name, size="2", class_name="file-name")),
        rx.button(
            rx.icon("send", size=14, aria_hidden="true"),
            tr("deeds.publish_button"),
            on_click=[T.publish_version(rx.upload_files(upload_id=UPLOAD_ID)), rx.clear_selected_files(UPLOAD_ID)],
            type="button",
            id="deed-publish",
        ),
        spacing="2",
        width="100%",
    )


def staff_deed_drafts_section() -> rx.Component:
    """The staff card "Concept-akte": versions with who approved, comments, and "Nieuwe versie publiceren"."""
    return rx.card(
        rx.vstack(
            rx.heading(tr("deeds.title"), size="4", as_="h2"),
            notices(T.deed_notice, T.deed_error, prefix="deed-staff"),
            rx.cond(
                T.deed_versions.length() > 0,
                rx.vstack(
                    rx.el.ol(rx.foreach(T.deed_versions, _staff_version_item), id="staff-deed-versions"),
                    rx.cond(
                        T.deed_pending != "",
                        rx.text(tr("deeds.pending") + ": " + T.deed_pending, size="2", id="staff-deed-pending"),
                    ),
                    rx.cond(
                        T.deed_comments.length() > 0,
                        rx.vstack(
                            rx.heading(tr("deeds.comments"), size="3", as_="h3"),
                            rx.el.ul(
                                rx.foreach(T.deed_comments, _comment_item),
                                class_name="deed-comments",
                                id="staff-deed-comments",
                            ),
                            width="100%",
                        ),
                    ),
                    width="100%",
                    spacing="2",
                ),
                rx.text(tr("deeds.none_yet"), size="2", color="var(--gray-11)"),
            ),
            _staff_publish(),
            spacing="3",
            width="100%",
        ),
        width="100%",
        id="staff-deed-section",
    )
