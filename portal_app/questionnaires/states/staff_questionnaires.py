"""Vragenlijsten for staff: the template screen (/staff/vragenlijsten: list, editor, preview).

Thin: the rules live in questionnaires/services/ (questionnaire_admin.py for the
draft, template_library.py for the stored templates). The draft being edited
is a backend-only var (`_draft`) and never leaves the server; the browser only
sends what staff typed or clicked (form fields, a page index, a position, a
template id), and the service cleans, caps and checks every one of them. Every
handler is declared for staff with the handler skeleton (core/states/access.py).
The questionnaires of one dossier have their own state (staff_dossier_questionnaires.py).
"""

from __future__ import annotations

import dataclasses
import json

from portal_app.accounts.models import Account
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError, ValidationFailed
from portal_app.core.services.staff_access import local_text
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffState
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import questionnaire_admin as admin
from portal_app.questionnaires.services import template_library

ROUTE = "/staff/vragenlijsten"
VIEWS = ("list", "edit", "preview")
LANGS = ("nl", "en")
TITLE_FIELDS = ("title_nl", "title_en", "intro_nl", "intro_en")


@dataclasses.dataclass
class OptionItem:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class SourceItem:
    """An earlier question a condition may point to (the editor's "show if" list)."""

    key: str = ""
    label: str = ""


@dataclasses.dataclass
class PreviewQuestion:
    key: str = ""
    kind: str = ""
    label: str = ""
    help: str = ""
    required: bool = False
    max_length: int = 200
    options: list[OptionItem] = dataclasses.field(default_factory=list)
    condition: str = ""


@dataclasses.dataclass
class EditorQuestion:
    page: int = 0
    pos: int = 0
    number: str = ""
    key: str = ""
    kind: str = ""
    kind_label: str = ""
    label_nl: str = ""
    label_en: str = ""
    required: bool = False
    condition: str = ""
    choices: str = ""
    first: bool = False
    last: bool = False


@dataclasses.dataclass
class EditorPage:
    index: int = 0
    number: int = 1
    title_nl: str = ""
    title_en: str = ""
    intro_nl: str = ""
    intro_en: str = ""
    questions: list[EditorQuestion] = dataclasses.field(default_factory=list)


def _editor_condition(draft: dict, question: dict, language: str) -> str:
    source_key = admin._condition_source(question)
    if not source_key:
        return ""
    source = next((other for _p, _i, other in admin.all_questions(draft) if other.get("key") == source_key), None)
    if source is None:
        return i18n.t("staff.q.condition_text", language, question=source_key, answers="?")
    labels = dict(admin._options_of(source, language))
    answers = " / ".join(labels.get(value, value) for value in admin._condition_values(question))
    label = admin._get_text(source.get("label"), language) or source_key
    return i18n.t("staff.q.condition_text", language, question=label, answers=answers or "?")


class StaffQuestionnairesState(StaffState):
    """The template list, the editor and the preview."""

    view: str = "list"
    loaded: bool = False
    rows: list[template_library.TemplateRow] = []
    notice: str = ""
    error: str = ""
    has_draft: bool = False
    draft_name: str = ""

    # editor
    ed_heading: str = ""
    ed_version_note: str = ""
    ed_title_nl: str = ""
    ed_title_en: str = ""
    ed_intro_nl: str = ""
    ed_intro_en: str = ""
    ed_pages: list[EditorPage] = []
    ed_problems: list[str] = []
    ed_counts: str = ""
    ed_rev: int = 0
    title_error: str = ""
    pf_index: int = -1
    pf_error: str = ""
    qf_open: bool = False
    qf_heading: str = ""
    qf: dict[str, str] = {}
    qf_type: str = "short_text"
    qf_types: list[OptionItem] = []
    qf_sources: list[SourceItem] = []
    qf_cond_question: str = ""
    qf_cond_options: list[OptionItem] = []
    qf_cond_values: list[str] = []
    qf_errors: dict[str, str] = {}

    # preview
    pv_title: str = ""
    pv_intro: str = ""
    pv_source: str = ""
    pv_lang: str = "nl"
    pv_page_index: int = 0
    pv_page_count: int = 0
    pv_page_title: str = ""
    pv_page_intro: str = ""
    pv_progress: str = ""
    pv_percent: int = 0
    pv_questions: list[PreviewQuestion] = []
    pv_tr: dict[str, str] = {}
    pv_from_editor: bool = False

    _draft: dict = {}
    _base_id: int = 0
    _copy_of: int = 0
    _base_version: int = 0
    _qf_page: int = -1
    _qf_pos: int = -1
    _pv_json: str = ""

    # ---- helpers (not callable from the browser) ----
    def _reload_list(self, actor: Account) -> None:
        with session_scope() as db:
            self.rows = template_library.list_templates(session=db, actor=actor, language=self.lang)
        self.has_draft = bool(self._draft)
        self.draft_name = admin._get_text(self._draft.get("title"), "nl") if self._draft else ""
        self.loaded = True

    def _clear_messages(self) -> None:
        self.notice = self.error = self.title_error = self.pf_error = ""

    def _open_editor(self, draft: template_library.Draft | None) -> None:
        self._clear_messages()
        if draft is None:
            self._draft, self._base_id, self._copy_of, self._base_version = admin.new_draft(), 0, 0, 0
            self.ed_heading = self._t("staff.q.new_heading")
            self.ed_version_note = self._t("staff.q.new_note")
        elif draft.slug:
            self._draft, self._base_id, self._copy_of, self._base_version = (
                draft.definition,
                draft.base_id,
                0,
                draft.version,
            )
            self.ed_heading = self._t("staff.q.edit_heading", title=draft.title, version=draft.version)
            self.ed_version_note = self._t("staff.q.edit_note", version=draft.version + 1)
        else:
            self._draft, self._base_id, self._copy_of, self._base_version = draft.definition, 0, draft.base_id, 0
            self.ed_heading = self._t("staff.q.copy_heading")
            self.ed_version_note = self._t("staff.q.new_note")
        self.pf_index = -1
        self.qf_open = False
        self.ed_rev += 1
        self._show_draft()
        self.view = "edit"

    def _show_draft(self) -> None:
        draft, lang = self._draft, self.lang
        title, intro = draft.get("title"), draft.get("intro")
        self.ed_title_nl, self.ed_title_en = admin._get_text(title, "nl"), admin._get_text(title, "en")
        self.ed_intro_nl, self.ed_intro_en = admin._get_text(intro, "nl"), admin._get_text(intro, "en")
        pages = []
        for p, page in enumerate(admin._pages(draft)):
            questions = admin._questions(page)
            rows = []
            for i, question in enumerate(questions):
                qtype = question.get("type", "")
                choices = (
                    ", ".join(label for _value, label in admin._options_of(question, lang))
                    if qtype in admin.OPTION_TYPES
                    else ""
                )
                rows.append(
                    EditorQuestion(
                        page=p,
                        pos=i,
                        number=f"{p + 1}.{i + 1}",
                        key=str(question.get("key", "")),
                        kind=qtype,
                        kind_label=admin.type_label(qtype, lang),
                        label_nl=admin._get_text(question.get("label"), "nl"),
                        label_en=admin._get_text(question.get("label"), "en"),
                        required=question.get("required") is True,
                        condition=_editor_condition(draft, question, lang),
                        choices=choices,
                        first=p == 0 and i == 0,
                        last=p == len(admin._pages(draft)) - 1 and i == len(questions) - 1,
                    )
                )
            pages.append(
                EditorPage(
                    index=p,
                    number=p + 1,
                    title_nl=admin._get_text(page.get("title"), "nl"),
                    title_en=admin._get_text(page.get("title"), "en"),
                    intro_nl=admin._get_text(page.get("intro"), "nl"),
                    intro_en=admin._get_text(page.get("intro"), "en"),
                    questions=rows,
                )
            )
        self.ed_pages = pages
        self.ed_problems = [problem.text(lang) for problem in admin.problems(draft)]
        self.ed_counts = self._t(
            "staff.q.counts",
            pages=len(pages),
            max_pages=admin.MAX_PAGES,
            questions=admin.question_count(draft),
            max_questions=admin.MAX_QUESTIONS,
        )

    def _change(self, change) -> bool:
        """Apply a draft change from the service; the error shows when it is refused."""
        self.error = self.notice = ""
        try:
            self._draft = change(self._draft)
        except NotFound:
            return False
        except ValidationFailed as error:
            self.error = self._err(error)
            return False
        self._show_draft()
        return True

    def _editing(self) -> bool:
        return self.view == "edit" and bool(self._draft)

    def _show_preview_page(self) -> None:
        try:
            definition = qdef.parse_definition(self._pv_json)
        except qdef.TemplateInvalid:
            self.view = "list"
            self.error = self._t("staff.q.err.broken")
            return
        lang = self.pv_lang
        index = min(max(0, self.pv_page_index), definition.page_count - 1)
        page = admin.preview_page(definition, index, lang)
        self.pv_page_index = index
        self.pv_page_count = definition.page_count
        self.pv_title = definition.title.get(lang)
        self.pv_intro = definition.intro.get(lang) if definition.intro else ""
        self.pv_page_title = page["title"]
        self.pv_page_intro = page["intro"]
        self.pv_progress = i18n.t("questionnaire.progress", lang, page=index + 1, pages=definition.page_count)
        self.pv_percent = round(100 * (index + 1) / definition.page_count)
        self.pv_questions = [
            PreviewQuestion(
                key=row["key"],
                kind=row["kind"],
                label=row["label"],
                help=row["help"],
                required=row["required"],
                max_length=row["max_length"],
                options=[OptionItem(value, label) for value, label in row["options"]],
                condition=row["condition"],
            )
            for row in page["questions"]
        ]
        table = i18n.table(lang)
        self.pv_tr = {
            key: table[key]
            for key in (
                "questionnaire.previous",
                "questionnaire.next",
                "questionnaire.finish",
                "questionnaire.required_note",
                "questionnaire.required_mark",
                "questionnaire.dossier",
                "questionnaire.save_hint",
            )
        }

    def _open_preview(self, definition_json: str, source: str, *, from_editor: bool) -> None:
        self._pv_json = definition_json
        self.pv_source = source
        self.pv_from_editor = from_editor
        self.pv_page_index = 0
        if self.pv_lang not in LANGS:
            self.pv_lang = "nl"
        self.view = "preview"
        self._show_preview_page()

    def _set_question_form(self, page: int, pos: int, values: dict[str, str]) -> None:
        self._qf_page, self._qf_pos = page, pos
        self.qf = values
        self.qf_type = values.get("type", "short_text")
        self.qf_errors = {}
        self.qf_types = [OptionItem(value=t, label=admin.type_label(t, self.lang)) for t in admin.TYPES]
        self.qf_sources = [
            SourceItem(key=source.key, label=f"{source.label} ({source.key})")
            for source in admin.condition_sources(self._draft, page, pos, self.lang)
        ]
        try:
            values_list = json.loads(values.get("cond_values", "[]"))
        except ValueError:
            values_list = []
        self.qf_cond_question = values.get("cond_question", "")
        self.qf_cond_values = [v for v in values_list if isinstance(v, str)] if isinstance(values_list, list) else []
        self._refresh_condition_options()
        self.qf_open = True

    def _refresh_condition_options(self) -> None:
        sources = {s.key: s for s in admin.condition_sources(self._draft, self._qf_page, self._qf_pos, self.lang)}
        source = sources.get(self.qf_cond_question)
        if source is None:
            self.qf_cond_question = ""
            self.qf_cond_options, self.qf_cond_values = [], []
            return
        self.qf_cond_options = [OptionItem(value=value, label=label) for value, label in source.options]
        valid = {value for value, _label in source.options}
        self.qf_cond_values = [value for value in self.qf_cond_values if value in valid]

    # ---- list ----
    @handler(Access.STAFF, loads_page=True)
    def load_questionnaires(self, viewer: Viewer):
        self._clear_messages()
        self.view = "list"
        self.qf_open = False
        self.pf_index = -1
        self._reload_list(viewer.account)
        wanted = self.router.url.query_parameters.get("voorbeeld", "")
        if wanted:
            return StaffQuestionnairesState.preview_template(wanted)
        return None

    def _open_editor_on(self, make_draft, actor: Account, template_id) -> None:
        """The editor on a draft of a stored template (`admin.edit_draft` or `admin.copy_draft`)."""
        try:
            with session_scope() as db:
                draft = make_draft(session=db, actor=actor, template_id=template_id)
        except ServiceError:
            return
        self._open_editor(draft)

    @handler(Access.STAFF)
    def new_template(self, viewer: Viewer):
        self._open_editor(None)

    @handler(Access.STAFF)
    def edit_template(self, viewer: Viewer, template_id: str):
        self._open_editor_on(template_library.edit_draft, viewer.account, template_id)

    @handler(Access.STAFF)
    def copy_template(self, viewer: Viewer, template_id: str):
        self._open_editor_on(template_library.copy_draft, viewer.account, template_id)

    @handler(Access.STAFF)
    def preview_template(self, viewer: Viewer, template_id: str):
        self._clear_messages()
        try:
            with session_scope() as db:
                template, _definition = template_library.template_definition(
                    session=db, actor=viewer.account, template_id=template_id
                )
                definition_json, version, saved = template.definition_json, template.version, template.created_at
        except qdef.TemplateInvalid:
            self.error = self._t("staff.q.err.broken")
            return
        except ServiceError:
            return
        self._open_preview(
            definition_json,
            self._t("staff.q.preview_version", version=version, date=local_text(saved)),
            from_editor=False,
        )

    @handler(Access.STAFF)
    def resume_draft(self, viewer: Viewer):
        if not self._draft:
            return
        self._clear_messages()
        self.pf_index = -1
        self.qf_open = False
        self.ed_rev += 1
        self._show_draft()
        self.view = "edit"

    @handler(Access.STAFF)
    def discard_draft(self, viewer: Viewer):
        self._draft, self._base_id, self._copy_of, self._base_version = {}, 0, 0, 0
        self.qf_open = False
        self.pf_index = -1
        self.view = "list"
        self._clear_messages()
        self._reload_list(viewer.account)

    @handler(Access.STAFF)
    def back_to_list(self, viewer: Viewer):
        self.qf_open = False
        self.pf_index = -1
        self.view = "list"
        self._clear_messages()
        self._reload_list(viewer.account)

    # ---- editor: title and pages ----
    @handler(Access.STAFF)
    def set_title_field(self, viewer: Viewer, name: str, value: str):
        if not self._editing() or name not in TITLE_FIELDS or not isinstance(value, str):
            return
        current = {
            "title_nl": self.ed_title_nl,
            "title_en": self.ed_title_en,
            "intro_nl": self.ed_intro_nl,
            "intro_en": self.ed_intro_en,
        }
        current[name] = value
        self.title_error = ""
        try:
            self._draft = admin.set_titles(self._draft, current)
        except admin.QuestionInvalid as error:
            self.title_error = next(iter(error.texts(self.lang).values()))
            return
        self._show_draft()

    @handler(Access.STAFF)
    def add_page(self, viewer: Viewer):
        if self._editing():
            self._change(admin.add_page)

    @handler(Access.STAFF)
    def move_page_up(self, viewer: Viewer, index: int):
        if self._editing():
            self.pf_index = -1
            self._change(lambda draft: admin.move_page(draft, index, "up"))

    @handler(Access.STAFF)
    def move_page_down(self, viewer: Viewer, index: int):
        if self._editing():
            self.pf_index = -1
            self._change(lambda draft: admin.move_page(draft, index, "down"))

    @handler(Access.STAFF)
    def remove_page(self, viewer: Viewer, index: int):
        if self._editing():
            self.pf_index = -1
            self._change(lambda draft: admin.remove_page(draft, index))

    @handler(Access.STAFF)
    def start_page_edit(self, viewer: Viewer, index: int):
        if not self._editing():
            return
        position = admin._index(index, len(admin._pages(self._draft)))
        if position is not None:
            self.pf_index = position
            self.pf_error = ""

    @handler(Access.STAFF)
    def cancel_page_edit(self, viewer: Viewer):
        self.pf_index = -1
        self.pf_error = ""

    @handler(Access.STAFF)
    def save_page_edit(self, viewer: Viewer, form_data: dict):
        if not self._editing() or self.pf_index < 0:
            return
        self.pf_error = ""
        try:
            self._draft = admin.update_page(self._draft, self.pf_index, form_data)
        except admin.QuestionInvalid as error:
            self.pf_error = next(iter(error.texts(self.lang).values()))
            return
        except NotFound:
            self.pf_index = -1
            return
        self.pf_index = -1
        self._show_draft()

    # ---- editor: questions ----
    @handler(Access.STAFF)
    def new_question(self, viewer: Viewer, page: int):
        if not self._editing():
            return
        index = admin._index(page, len(admin._pages(self._draft)))
        if index is None:
            return
        if admin.question_count(self._draft) >= admin.MAX_QUESTIONS:
            self.error = self._t("staff.q.err.too_many_questions", max=admin.MAX_QUESTIONS)
            return
        self.qf_heading = self._t("staff.q.question_new", page=index + 1)
        self._set_question_form(index, -1, admin.question_form(self._draft, index, -1))

    @handler(Access.STAFF)
    def edit_question(self, viewer: Viewer, page: int, pos: int):
        if not self._editing():
            return
        try:
            values = admin.question_form(self._draft, page, pos)
        except NotFound:
            return
        p = admin._index(page, len(admin._pages(self._draft)))
        i = admin._index(pos, len(admin._questions(admin._pages(self._draft)[p])))
        self.qf_heading = self._t("staff.q.question_edit", number=f"{p + 1}.{i + 1}")
        self._set_question_form(p, i, values)

    @handler(Access.STAFF)
    def set_question_open(self, viewer: Viewer, value: bool):
        if value is not True:
            self.qf_open = False
            self.qf_errors = {}

    @handler(Access.STAFF)
    def set_question_type(self, viewer: Viewer, value: str):
        if self.qf_open and value in admin.TYPES:
            self.qf_type = value

    @handler(Access.STAFF)
    def set_condition_question(self, viewer: Viewer, value: str):
        if not self.qf_open or not isinstance(value, str) or len(value) > 80:
            return
        if value != self.qf_cond_question:
            self.qf_cond_values = []
        self.qf_cond_question = value
        self._refresh_condition_options()
        if len(self.qf_cond_options) == 1 or (
            self.qf_cond_options and not self.qf_cond_values and len(self.qf_cond_options) <= 2
        ):
            self.qf_cond_values = [self.qf_cond_options[0].value]

    @handler(Access.STAFF)
    def toggle_condition_value(self, viewer: Viewer, value: str, checked: bool):
        if not self.qf_open or value not in {option.value for option in self.qf_cond_options}:
            return
        chosen = [v for v in self.qf_cond_values if v != value]
        if checked is True:
            chosen.append(value)
        order = [option.value for option in self.qf_cond_options]
        self.qf_cond_values = [v for v in order if v in chosen]

    @handler(Access.STAFF)
    def save_question_form(self, viewer: Viewer, form_data: dict):
        if not self._editing() or not self.qf_open:
            return
        data = dict(form_data) if isinstance(form_data, dict) else {}
        data["type"] = self.qf_type
        condition = (
            {"question": self.qf_cond_question, "values": list(self.qf_cond_values)} if self.qf_cond_question else None
        )
        try:
            self._draft, _position = admin.save_question(
                self._draft, self._qf_page, self._qf_pos, data, condition=condition
            )
        except admin.QuestionInvalid as error:
            self.qf_errors = error.texts(self.lang)
            return
        except NotFound:
            self.qf_open = False
            return
        self.qf_open = False
        self.qf_errors = {}
        self.error = ""
        self._show_draft()

    @handler(Access.STAFF)
    def move_question_up(self, viewer: Viewer, page: int, pos: int):
        if self._editing():
            self._change(lambda draft: admin.move_question(draft, page, pos, "up"))

    @handler(Access.STAFF)
    def move_question_down(self, viewer: Viewer, page: int, pos: int):
        if self._editing():
            self._change(lambda draft: admin.move_question(draft, page, pos, "down"))

    @handler(Access.STAFF)
    def remove_question(self, viewer: Viewer, page: int, pos: int):
        if self._editing():
            self._change(lambda draft: admin.remove_question(draft, page, pos))

    # ---- saving and previewing ----
    @handler(Access.STAFF)
    def save_template(self, viewer: Viewer):
        if not self._editing():
            return
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                saved = template_library.save_draft(
                    session=db,
                    actor=viewer.account,
                    draft=self._draft,
                    base_id=self._base_id,
                    copy_of=self._copy_of,
                    ip=self._client_ip(),
                )
                title, version, changed = saved.template.title_nl, saved.template.version, saved.changed
        except admin.DefinitionInvalid as error:
            self.ed_problems = [problem.text(self.lang) for problem in error.problems]
            self.error = self._t("staff.q.invalid")
            return
        except ServiceError as error:
            self.error = self._err(error)
            return
        self._draft, self._base_id, self._copy_of, self._base_version = {}, 0, 0, 0
        self.qf_open = False
        self.pf_index = -1
        self.view = "list"
        self._reload_list(viewer.account)
        self.notice = self._t("staff.q.saved" if changed else "staff.q.unchanged", title=title, version=version)

    @handler(Access.STAFF)
    def preview_draft(self, viewer: Viewer):
        if not self._editing():
            return
        self.error = ""
        try:
            admin.check(self._draft)
        except admin.DefinitionInvalid as error:
            self.ed_problems = [problem.text(self.lang) for problem in error.problems]
            self.error = self._t("staff.q.invalid_preview")
            return
        self._open_preview(
            json.dumps(self._draft, ensure_ascii=False, sort_keys=True),
            self._t("staff.q.preview_draft"),
            from_editor=True,
        )

    @handler(Access.STAFF)
    def close_preview(self, viewer: Viewer):
        self._pv_json = ""
        self.pv_questions = []
        if self.pv_from_editor and self._draft:
            self.ed_rev += 1
            self._show_draft()
            self.view = "edit"
        else:
            self.view = "list"
            self._reload_list(viewer.account)

    @handler(Access.STAFF)
    def set_preview_lang(self, viewer: Viewer, value: str | list[str]):
        if self.view == "preview" and value in LANGS:
            self.pv_lang = value
            self._show_preview_page()

    @handler(Access.STAFF)
    def preview_previous(self, viewer: Viewer):
        if self.view == "preview":
            self.pv_page_index = max(0, self.pv_page_index - 1)
            self._show_preview_page()

    @handler(Access.STAFF)
    def preview_next(self, viewer: Viewer):
        if self.view == "preview":
            self.pv_page_index = self.pv_page_index + 1
            self._show_preview_page()
