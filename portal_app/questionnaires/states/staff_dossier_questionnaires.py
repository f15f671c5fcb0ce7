"""Vragenlijsten for staff: the questionnaires of one dossier (the "Vragenlijsten" tab of /staff/dossiers/<id>).

Thin: the rules live in questionnaires/services/staff_requests.py, which cleans
and checks every id and value the browser sends. Every handler is declared for
staff with the handler skeleton (core/states/access.py).
"""

from __future__ import annotations

import dataclasses

from portal_app.accounts.models import Account
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import ServiceError, ValidationFailed
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffState
from portal_app.questionnaires.models import QuestionnaireStatus
from portal_app.questionnaires.services import staff_requests
from portal_app.settings import get_settings


@dataclasses.dataclass
class AnswerItem:
    label: str = ""
    answer: str = ""


@dataclasses.dataclass
class AnswerGroup:
    title: str = ""
    rows: list[AnswerItem] = dataclasses.field(default_factory=list)


class StaffDossierQuestionnairesState(StaffState):
    """The "Vragenlijsten" tab of a staff dossier: send, status list, result, send back."""

    loaded: bool = False
    rows: list[staff_requests.RequestRow] = []
    template_options: list[staff_requests.Choice] = []
    client_options: list[staff_requests.Choice] = []
    notice: str = ""
    error: str = ""
    send_error: str = ""
    result_open: bool = False
    result_id: str = ""
    result_title: str = ""
    result_client: str = ""
    result_status: str = ""
    result_completed: bool = False
    result_pdf: str = ""
    result_groups: list[AnswerGroup] = []
    reopen_open: bool = False
    reopen_title: str = ""
    reopen_error: str = ""

    _dossier_id: int = 0
    _result_id: int = 0
    _reopen_id: int = 0

    def _reload(self, actor: Account) -> bool:
        try:
            with session_scope() as db:
                self.rows = staff_requests.dossier_requests(
                    session=db, actor=actor, dossier_id=self._dossier_id, language=self.lang
                )
                self.template_options, self.client_options = staff_requests.send_choices(
                    session=db, actor=actor, dossier_id=self._dossier_id, language=self.lang
                )
        except ServiceError:
            self.rows, self.template_options, self.client_options = [], [], []
            self.loaded = False
            return False
        self.loaded = True
        return True

    def _show_result(self, actor: Account, request_id) -> bool:
        try:
            with session_scope() as db:
                found = staff_requests.result(
                    session=db,
                    actor=actor,
                    dossier_id=self._dossier_id,
                    request_id=request_id,
                    language=self.lang,
                    ip=self._client_ip(),
                )
        except ServiceError:
            return False
        self._result_id = found.request_id
        self.result_id = str(found.request_id)
        self.result_title = found.title
        self.result_client = found.client
        self.result_status = found.status_text
        self.result_completed = found.status == QuestionnaireStatus.COMPLETED
        self.result_pdf = f"/files/{found.pdf_id}" if found.pdf_id else ""
        self.result_groups = [
            AnswerGroup(section.title, [AnswerItem(row.label, row.answer) for row in section.rows])
            for section in found.sections
        ]
        self.result_open = True
        return True

    def _close_result(self) -> None:
        self.result_open = False
        self._result_id = 0
        self.result_id = self.result_title = self.result_client = self.result_status = self.result_pdf = ""
        self.result_completed = False
        self.result_groups = []

    @handler(Access.STAFF)
    def load_dossier_questionnaires(self, viewer: Viewer):
        self._dossier_id = self._path_id()
        self.notice = self.error = self.send_error = self.reopen_error = ""
        self.reopen_open = False
        self._reopen_id = 0
        self._close_result()
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def refresh_questionnaires(self, viewer: Viewer):
        self.notice = self.error = self.send_error = ""
        if self._dossier_id and self._reload(viewer.account) and self._result_id:
            self._show_result(viewer.account, self._result_id)

    @handler(Access.STAFF)
    def send_questionnaire(self, viewer: Viewer, form_data: dict):
        if not self._dossier_id:
            return
        data = form_data if isinstance(form_data, dict) else {}
        self.notice = self.error = self.send_error = ""
        settings = get_settings()
        try:
            with session_scope() as db:
                _request, notified = staff_requests.send(
                    session=db,
                    actor=viewer.account,
                    dossier_id=self._dossier_id,
                    template_id=data.get("template", ""),
                    account_id=data.get("account", ""),
                    settings=settings,
                    ip=self._client_ip(),
                )
        except ServiceError as error:
            self.send_error = self._err(error)
            return
        self.notice = self._t("staff.q.sent" if notified else "staff.q.sent_no_mail")
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def open_result(self, viewer: Viewer, request_id: str):
        if not self._dossier_id:
            return
        self.notice = self.error = self.send_error = ""
        if not self._show_result(viewer.account, request_id):
            self._close_result()

    @handler(Access.STAFF)
    def close_result(self, viewer: Viewer):
        self._close_result()

    @handler(Access.STAFF)
    def ask_reopen(self, viewer: Viewer, request_id: str):
        row = next((r for r in self.rows if r.id == request_id and r.status == QuestionnaireStatus.COMPLETED), None)
        if row is None:
            return
        self._reopen_id = int(row.id)
        self.reopen_title = f"{row.title} — {row.client}"
        self.reopen_error = ""
        self.reopen_open = True

    @handler(Access.STAFF)
    def set_reopen_open(self, viewer: Viewer, value: bool):
        self.reopen_open = value is True and self._reopen_id != 0
        if not self.reopen_open:
            self._reopen_id = 0
            self.reopen_error = ""

    @handler(Access.STAFF)
    def confirm_reopen(self, viewer: Viewer, form_data: dict):
        request_id = self._reopen_id
        if not request_id or not self._dossier_id:
            self.reopen_open = False
            return
        reason = form_data.get("reason", "") if isinstance(form_data, dict) else ""
        self.notice = self.error = self.reopen_error = self.send_error = ""
        try:
            with session_scope() as db:
                staff_requests.send_back(
                    session=db,
                    actor=viewer.account,
                    dossier_id=self._dossier_id,
                    request_id=request_id,
                    reason=reason,
                    settings=get_settings(),
                    ip=self._client_ip(),
                )
        except ValidationFailed as error:
            if error.field == "reason":
                self.reopen_error = self._err(error)
                return
            self.error = self._err(error)
        except ServiceError as error:
            self.error = self._err(error)
        else:
            self.notice = self._t("staff.q.reopened")
        self.reopen_open = False
        self._reopen_id = 0
        self._reload(viewer.account)
        if self._result_id:
            self._show_result(viewer.account, self._result_id)
