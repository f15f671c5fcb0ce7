"""The signing appointment and checklist of one dossier for staff (a section of /staff/dossiers/<id>).

Thin: the rules live in signing/services/. Every handler is declared for staff
(core/states/access.py); the dossier id comes from the URL and the services check the
staff account and every id again.
"""

from __future__ import annotations

from portal_app.core.services import formatting
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError
from portal_app.core.services.select_option import SelectOption
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.staff_base import StaffState
from portal_app.dossiers.services import staff_dossiers
from portal_app.signing.services import appointments, checklist
from portal_app.signing.states.signing import ChecklistItemRow


class StaffSigningState(StaffState):
    loaded: bool = False
    has_appointment: bool = False
    summary: str = ""
    countdown: str = ""
    # the form's starting values (uncontrolled inputs, re-keyed by `form_key`)
    form_day: str = ""
    form_time: str = "10:00"
    form_location: str = ""
    form_video_url: str = ""
    form_notary: str = ""
    form_kind: str = checklist.DEFAULT_KIND
    form_key: int = 0
    notary_options: list[SelectOption] = []
    kind_options: list[SelectOption] = []
    items: list[ChecklistItemRow] = []
    notice: str = ""
    error: str = ""
    item_error: str = ""

    _dossier_id: int = 0

    def _reload(self, viewer: Viewer) -> bool:
        try:
            with session_scope() as db:
                view = appointments.for_staff(db, viewer.account, self._dossier_id, self.lang)
                appointment = appointments.get(db, self._dossier_id)
                rows = checklist.for_staff(db, viewer.account, self._dossier_id, self.lang)
                choices = staff_dossiers.staff_choices(session=db, actor=viewer.account)
            self.notary_options = [SelectOption(value=c["id"], label=c["name"]) for c in choices]
        except ServiceError:
            self.loaded = False
            return False
        self.kind_options = [
            SelectOption(value=kind, label=self._t(f"signing.kind.{kind}")) for kind in checklist.KINDS
        ]
        self.has_appointment = view is not None
        if view is not None and appointment is not None:
            place = view.location or view.video_url
            self.summary = self._t(
                "signing.staff_summary", day=view.day, time=view.time, place=place, notary=view.notary_name
            )
            self.countdown = view.countdown
            local = formatting.local(appointment.starts_at)
            self.form_day, self.form_time = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
            self.form_location, self.form_video_url = appointment.location, appointment.video_url
            self.form_notary = str(appointment.notary_id or "")
            self.form_kind = appointment.dossier_kind
        else:
            self.summary = self.countdown = ""
            self.form_day, self.form_time, self.form_location, self.form_video_url = "", "10:00", "", ""
            self.form_notary = str(viewer.account.id) if viewer.account.is_staff else ""
            self.form_kind = checklist.DEFAULT_KIND
        self.form_key += 1
        self.items = [ChecklistItemRow(id=row.id, label=row.label, done=row.done) for row in rows]
        self.loaded = True
        return True

    @handler(Access.STAFF)
    def load_staff_signing(self, viewer: Viewer):
        self._dossier_id = self._path_id()
        self.notice = self.error = self.item_error = ""
        self._reload(viewer)

    @handler(Access.STAFF)
    def save_appointment(self, viewer: Viewer, form_data: dict):
        self.notice = self.error = ""
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                created = appointments.get(db, self._dossier_id) is None
                appointments.set_appointment(
                    db,
                    viewer.account,
                    self._dossier_id,
                    day=data.get("day"),
                    at=data.get("time"),
                    location=data.get("location", ""),
                    video_url=data.get("video_url", ""),
                    notary_id=data.get("notary"),
                    dossier_kind=data.get("kind", checklist.DEFAULT_KIND),
                )
        except ServiceError as error:
            self.error = self._err(error)
            return
        self._reload(viewer)
        self.notice = self._t("signing.staff_saved" if created else "signing.staff_changed")

    @handler(Access.STAFF)
    def remove_appointment(self, viewer: Viewer):
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                appointments.remove_appointment(db, viewer.account, self._dossier_id)
        except ServiceError as error:
            self.error = self._err(error)
            return
        self._reload(viewer)
        self.notice = self._t("signing.staff_removed")

    @handler(Access.STAFF)
    def add_item(self, viewer: Viewer, form_data: dict):
        self.item_error = ""
        label = form_data.get("label") if isinstance(form_data, dict) else None
        try:
            with session_scope() as db:
                checklist.add_item(db, viewer.account, self._dossier_id, label)
        except ServiceError as error:
            self.item_error = self._err(error)
            return
        self._reload(viewer)

    @handler(Access.STAFF)
    def remove_item(self, viewer: Viewer, item_id: int):
        self.item_error = ""
        try:
            with session_scope() as db:
                checklist.remove_item(db, viewer.account, self._dossier_id, item_id)
        except NotFound:
            pass
        except ServiceError as error:
            self.item_error = self._err(error)
        self._reload(viewer)
