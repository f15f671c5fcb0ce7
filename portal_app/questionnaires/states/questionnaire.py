"""Vragenlijst (manual 2.1.2): fill in page by page, resume later, result and print.

The request id comes from the URL (/vragenlijst/[request_id]); it is checked
through `questionnaires.load`, so missing, foreign and malformed ids all give
the same "Niet gevonden." and an audit event. The id then lives on the server
(`_request`), never in a public var. Every handler is declared for clients
(core/states/access.py) and re-checks the ownership of that id before it does
anything.

What a tab shows and sends:
- `answers` / `choices` hold what this tab has in its fields (this user's own
  answers only); `_dirty` the keys changed here since they were loaded or saved.
- "Volgende" sends only the changed answers of the page: the server validates
  the page against what is stored, saves, and moves on. A second tab on the
  same page therefore never wipes answers it did not touch.
- "Vorige" saves nothing and loses nothing: unsaved changes stay in this tab.
- Leaving the page with changes not saved asks first (`has_unsaved`; the browser
  side is assets/client_ux.js), for closing the tab and links alike.
- Conditional questions are shown or hidden as soon as the answer they depend
  on changes (visibility is computed on the server from the same definition).
"""

from __future__ import annotations

import dataclasses
import json

from sqlmodel import Session

from portal_app.accounts.models import Account
from portal_app.core.services import db as database
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.documents.services.documents import commit_or_discard
from portal_app.documents.services.storage import FileStore
from portal_app.questionnaires.models import QuestionnaireStatus, QuestionnaireTemplate
from portal_app.questionnaires.services import answer_text as qtext
from portal_app.questionnaires.services import dates, questionnaires
from portal_app.questionnaires.services import definition as qdef
from portal_app.questionnaires.services import validation as qcheck
from portal_app.settings import get_settings

ROUTE = "/vragenlijst/[request_id]"
MAX_VALUE_CHARS = 10_000  # anything longer is cut before the server validates (and refuses) it
MAX_KEY_CHARS = 80


@dataclasses.dataclass
class OptionRow:
    value: str = ""
    label: str = ""


@dataclasses.dataclass
class QuestionRow:
    key: str = ""
    kind: str = ""
    label: str = ""
    help: str = ""
    required: bool = False
    visible: bool = True
    error: str = ""
    max_length: int = 200
    options: list[OptionRow] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ResultRow:
    label: str = ""
    answer: str = ""


@dataclasses.dataclass
class ResultSection:
    title: str = ""
    rows: list[ResultRow] = dataclasses.field(default_factory=list)


def _merged_for_conditions(definition: qdef.Definition, stored: dict, answers: dict, choices: dict) -> dict:
    """Stored answers with this tab's choice answers on top (conditions only look at choices)."""
    merged = dict(stored)
    for question in definition.questions:
        if question.type in ("yes_no", "single_choice") and question.key in answers:
            merged[question.key] = answers[question.key]
        elif question.type == "multiple_choice" and question.key in choices:
            picked = [o.value for o in question.options if o.value in choices[question.key]]
            merged[question.key] = json.dumps(picked) if picked else ""
    return merged


class QuestionnaireState(PortalState):
    view: str = "loading"  # loading | form | result | not_found | unavailable
    q_title: str = ""
    q_intro: str = ""
    dossier_text: str = ""
    page_index: int = 0
    page_count: int = 0
    page_title: str = ""
    page_intro: str = ""
    progress_text: str = ""
    progress_percent: int = 0
    questions: list[QuestionRow] = []
    answers: dict[str, str] = {}
    # the text fields are uncontrolled (a late answer to an earlier keystroke must not put older
    # text back): a new key, with every page shown, shows the answers afresh in them
    form_key: int = 0
    choices: dict[str, list[str]] = {}
    page_error: str = ""
    completed_text: str = ""
    result: list[ResultSection] = []
    pdf_href: str = ""
    just_completed: bool = False
    # answers changed in this tab and not saved yet: the page asks before it is left
    has_unsaved: bool = False

    _request: int = 0
    _stored: dict[str, str] = {}
    _dirty: list[str] = []
    _errors: dict[str, str] = {}

    # ---- server-side helpers (not callable from the browser) ----
    def _forget(self) -> None:
        self.view = "loading"
        self.q_title = self.q_intro = self.dossier_text = ""
        self.page_index = self.page_count = self.progress_percent = 0
        self.page_title = self.page_intro = self.progress_text = self.page_error = ""
        self.questions, self.answers, self.choices, self.result = [], {}, {}, []
        self.completed_text = self.pdf_href = ""
        self.just_completed = False
        self._request = 0
        self._stored, self._dirty, self._errors = {}, [], {}
        self.has_unsaved = False

    def _not_found(self) -> None:
        self._forget()
        self.view = "not_found"

    def _owned(self, account: Account):
        """(request, definition) of the questionnaire on screen, re-checked now; None when gone."""
        if not self._request:
            return None
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                request = questionnaires.get_request_for_account(db, account, self._request, ip=self._client_ip())
                template = db.get(QuestionnaireTemplate, request.template_id)
                definition = qdef.definition_of(template)
        except NotFound:
            self._not_found()
            return None
        except qdef.TemplateInvalid:
            self._forget()
            self.view = "unavailable"
            return None
        return request, definition

    def _gate(self, account: Account):
        """(request, definition), or (None, what to return) when the handler must stop."""
        owned = self._owned(account)
        if owned is None:
            return None, None
        request, definition = owned
        if request.status != QuestionnaireStatus.OPEN and self.view == "form":
            # completed meanwhile (another tab or device): show the result instead
            return None, self._reload(account)
        return (request, definition), None

    def _reload(self, account: Account, *, page: int | None = None):
        """Load the questionnaire from the database into this tab (fresh answers)."""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                view = questionnaires.load(db, account, self._request, ip=self._client_ip())
        except NotFound:
            self._not_found()
            return None
        except qdef.TemplateInvalid:
            self._forget()
            self.view = "unavailable"
            return None
        lang = self.lang
        definition = view.definition
        self.q_title = view.title(lang)
        self.q_intro = definition.intro.get(lang) if definition.intro else ""
        self.dossier_text = f"{view.dossier.number} — {view.dossier.description}"
        self.page_count = definition.page_count
        self._stored = dict(view.answers)
        if view.completed:
            self._show_result(view)
            return None
        # fields: stored answers, except what this tab changed and did not save yet
        answers: dict[str, str] = {}
        choices: dict[str, list[str]] = {}
        for question in definition.questions:
            if question.key in self._dirty:
                if question.type == "multiple_choice":
                    choices[question.key] = list(self.choices.get(question.key, []))
                else:
                    answers[question.key] = self.answers.get(question.key, "")
                continue
            value = qtext.input_value(question, view.answers.get(question.key, ""), lang)
            if question.type == "multiple_choice":
                choices[question.key] = value
            else:
                answers[question.key] = value
        self.answers, self.choices = answers, choices
        self.view = "form"
        self._show_page(definition, view.current_page if page is None else page)
        return None

    def _show_page(self, definition: qdef.Definition, index: int) -> None:
        index = min(max(0, index), definition.page_count - 1)
        page = definition.pages[index]
        lang = self.lang
        self.page_index = index
        self.form_key += 1
        self.page_title = page.title.get(lang)
        self.page_intro = page.intro.get(lang) if page.intro else ""
        self.progress_text = i18n.t("questionnaire.progress", lang, page=index + 1, pages=definition.page_count)
        self.progress_percent = round(100 * (index + 1) / definition.page_count)
        self._refresh_rows(definition)

    def _refresh_rows(self, definition: qdef.Definition) -> None:
        lang = self.lang
        visible = qdef.visible_keys(
            definition, _merged_for_conditions(definition, self._stored, self.answers, self.choices)
        )
        page = definition.pages[self.page_index]
        self.questions = [
            QuestionRow(
                key=q.key,
                kind=q.type,
                label=q.label.get(lang),
                help=q.help.get(lang) if q.help else "",
                required=q.required,
                visible=q.key in visible,
                error=self._errors.get(q.key, "") if q.key in visible else "",
                max_length=q.max_length,
                options=[OptionRow(o.value, o.label.get(lang)) for o in q.options],
            )
            for q in page.questions
        ]

    def _show_result(self, view: questionnaires.QuestionnaireView) -> None:
        lang = self.lang
        sections = qtext.answer_sections(view.definition, view.answers, lang)
        self.result = [
            ResultSection(
                title=section.title,
                rows=[ResultRow(row.label, row.answer) for row in section.rows],
            )
            for section in sections
            if section.rows
        ]
        moment = view.request.completed_at
        self.completed_text = (
            i18n.t("questionnaire.completed_on", lang, date=dates.format_datetime(moment, lang)) if moment else ""
        )
        self.pdf_href = f"/files/{view.pdf_document_id}" if view.pdf_document_id else ""
        self.questions, self.answers, self.choices = [], {}, {}
        self._dirty, self._errors = [], {}
        self.has_unsaved = False
        self.page_error = ""
        self.view = "result"

    def _page_answers(self, definition: qdef.Definition) -> dict:
        """The changed answers of the page on screen, as the service wants them."""
        submitted: dict = {}
        for question in definition.pages[self.page_index].questions:
            if question.key not in self._dirty:
                continue
            if question.type == "multiple_choice":
                submitted[question.key] = list(self.choices.get(question.key, []))
            else:
                submitted[question.key] = self.answers.get(question.key, "")
        return submitted

    def _apply_errors(self, definition, error: qcheck.PageInvalid) -> None:
        lang = self.lang
        self._errors = {key: field_error.text(lang) for key, field_error in error.errors.items()}
        self.page_error = i18n.t(error.code, lang)
        if error.page_index != self.page_index:
            self._show_page(definition, error.page_index)
        else:
            self._refresh_rows(definition)

    def _page_question(self, definition, key) -> qdef.Question | None:
        if not isinstance(key, str) or len(key) > MAX_KEY_CHARS:
            return None
        question = definition.question(key)
        if question is None or question.page_index != self.page_index:
            return None
        return question

    def _note_changed(self, key: str) -> None:
        if key not in self._dirty:
            self._dirty = [*self._dirty, key]
        self.has_unsaved = True
        if key in self._errors:
            self._errors = {k: v for k, v in self._errors.items() if k != key}

    # ---- events ----
    @handler(Access.CLIENT, loads_page=True)
    def load_questionnaire(self, viewer: Viewer):
        account = viewer.account
        raw = self.router.page.params.get("request_id", "")
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                request = questionnaires.get_request_for_account(db, account, raw, ip=self._client_ip())
        except NotFound:
            self._not_found()
            return None
        if request.id != self._request:
            self._forget()  # nothing of the questionnaire this tab showed before
        else:
            self.page_error, self._errors = "", {}
        # The same questionnaire again in this tab (a reload, a websocket reconnect): answers typed
        # and not saved yet stay (_reload keeps the _dirty ones), so they are not lost (issue 14).
        self._request = request.id
        return self._reload(account)

    @handler(Access.CLIENT)
    def set_answer(self, viewer: Viewer, key: str, value: str):
        gate, stop = self._gate(viewer.account)
        if gate is None:
            return stop
        _request, definition = gate
        if self.view != "form":
            return None
        question = self._page_question(definition, key)
        if question is None or question.type == "multiple_choice" or not isinstance(value, str):
            return None
        self.answers[key] = value[:MAX_VALUE_CHARS]
        self._note_changed(key)
        self._refresh_rows(definition)
        return None

    @handler(Access.CLIENT)
    def toggle_choice(self, viewer: Viewer, key: str, option: str, checked: bool):
        gate, stop = self._gate(viewer.account)
        if gate is None:
            return stop
        _request, definition = gate
        if self.view != "form":
            return None
        question = self._page_question(definition, key)
        if question is None or question.type != "multiple_choice" or not isinstance(option, str):
            return None
        if option not in {o.value for o in question.options} or not isinstance(checked, bool):
            return None
        chosen = [value for value in self.choices.get(key, []) if value != option]
        if checked:
            chosen.append(option)
        self.choices[key] = [o.value for o in question.options if o.value in chosen]
        self._note_changed(key)
        self._refresh_rows(definition)
        return None

    @handler(Access.CLIENT)
    def previous_page(self, viewer: Viewer):
        gate, stop = self._gate(viewer.account)
        if gate is None:
            return stop
        _request, definition = gate
        if self.view != "form":
            return None
        self.page_error = ""
        self._errors = {}
        self._show_page(definition, self.page_index - 1)
        return None

    def _save_current_page(self, account, definition) -> int | None:
        """Save the page on screen; the next page index, or None when it did not save."""
        submitted = self._page_answers(definition)
        try:
            with session_scope(keep_on=(NotFound,)) as db:
                next_index = questionnaires.save_page(
                    db, account, self._request, self.page_index, submitted, ip=self._client_ip()
                )
        except NotFound:
            self._not_found()
            return None
        except questionnaires.QuestionnaireLocked:
            self._reload(account)
            self.page_error = i18n.t("questionnaire.locked", self.lang)
            return None
        except qcheck.PageInvalid as error:
            self._apply_errors(definition, error)
            return None
        except ServiceError as error:
            self.page_error = i18n.t(error.code, self.lang)
            return None
        saved = {q.key for q in definition.pages[self.page_index].questions}
        self._dirty = [key for key in self._dirty if key not in saved]
        self.has_unsaved = bool(self._dirty)
        self._errors = {}
        self.page_error = ""
        return next_index

    @handler(Access.CLIENT)
    def next_page(self, viewer: Viewer):
        gate, stop = self._gate(viewer.account)
        if gate is None:
            return stop
        _request, definition = gate
        account = viewer.account
        if self.view != "form" or self.page_index >= definition.page_count - 1:
            return None
        next_index = self._save_current_page(account, definition)
        if next_index is None:
            return None
        return self._reload(account, page=next_index)

    @handler(Access.CLIENT)
    def finish(self, viewer: Viewer):
        gate, stop = self._gate(viewer.account)
        if gate is None:
            return stop
        _request, definition = gate
        account = viewer.account
        if self.view != "form" or self.page_index != definition.page_count - 1:
            return None
        if self._save_current_page(account, definition) is None:
            return None
        settings = get_settings()
        store = FileStore(settings.files_dir)
        with Session(database.get_engine(), expire_on_commit=False) as db:
            try:
                completion = questionnaires.complete(
                    db, account, self._request, store=store, settings=settings, ip=self._client_ip()
                )
            except NotFound:
                db.commit()  # keep the audit event
                self._not_found()
                return None
            except qcheck.PageInvalid as error:
                db.rollback()
                self._reload(account)
                self._apply_errors(definition, error)
                return None
            except questionnaires.QuestionnaireLocked:
                db.rollback()
                self._reload(account)
                return None
            commit_or_discard(db, store, completion.document)
        self._reload(account)
        self.just_completed = True
        self._signed_in_as(account)  # the Acties count drops
        return None
