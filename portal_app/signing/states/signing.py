"""The signing appointment, its checklist and the road, for clients: on Home and on the dossier page.

Thin: the rules live in signing/services/. Every handler is declared for clients
(core/states/access.py) and every id the browser sends (dossier from the URL, checklist
item) is checked again in the services against the signed-in account. The sections load
themselves when they mount (components/signing.py), so the pages' own on_load stay as
they are. Public vars hold plain texts of what this client may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from sqlmodel import Session

from portal_app.accounts.models import Account
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError, ValidationFailed
from portal_app.core.services.ids import valid_id
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.documents.services.storage import FileStore
from portal_app.settings import get_settings
from portal_app.signing.services import appointments, checklist, road

DOSSIER_PATH = "/dossiers/"


@dataclass(frozen=True, kw_only=True)
class ChecklistItemRow:
    id: int
    label: str
    done: bool


@dataclass(frozen=True, kw_only=True)
class RoadStepRow:
    key: str
    label: str
    state: str
    state_text: str
    date: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class HomeRoad:
    """One dossier's road on Home, with its appointment line ("" without one)."""

    dossier_id: int
    number: str
    description: str
    appointment: str
    countdown: str
    steps: list[RoadStepRow]


def _road_rows(rows: list[road.RoadRow]) -> list[RoadStepRow]:
    return [
        RoadStepRow(
            key=row.key, label=row.label, state=row.state, state_text=row.state_text, date=row.date, detail=row.detail
        )
        for row in rows
    ]


def home_roads_for(db: Session, account: Account, language: str) -> list[HomeRoad]:
    """Home's section: the road of each open dossier with an appointment or a draft deed,
    in `language`. Read by Home's own on_load (dossiers/states/home.py), so the page's data
    comes in one update."""
    upcoming = {view.dossier_id: view for view in appointments.upcoming_for_client(db, account, language)}
    found = []
    for item in road.home_roads(db, account, language):
        view = upcoming.get(item.dossier_id)
        found.append(
            HomeRoad(
                dossier_id=item.dossier_id,
                number=item.number,
                description=item.description,
                appointment=i18n.t("signing.when", language, day=view.day, time=view.time) if view else "",
                countdown=view.countdown if view else "",
                steps=_road_rows(item.rows),
            )
        )
    return found


class SigningState(PortalState):
    """The signing section of one dossier (dossier page)."""

    loaded: bool = False
    has_appointment: bool = False
    day: str = ""
    time: str = ""
    location: str = ""
    video_url: str = ""
    notary_name: str = ""
    countdown: str = ""
    past: bool = False
    calendar_href: str = ""
    items: list[ChecklistItemRow] = []
    steps: list[RoadStepRow] = []

    request_open: bool = False
    request_error: str = ""
    request_notice: str = ""
    error: str = ""

    _dossier_id: int = 0

    # ---- helpers ----
    def _path_dossier_id(self) -> int | None:
        path = str(self.router.url.path or "")
        if not path.startswith(DOSSIER_PATH):
            return None
        return valid_id(unquote(path[len(DOSSIER_PATH) :].rstrip("/"))[:20])

    def _forget(self) -> None:
        self.loaded = self.has_appointment = self.past = False
        self.day = self.time = self.location = self.video_url = self.notary_name = self.countdown = ""
        self.calendar_href = ""
        self.items, self.steps = [], []
        self.request_open = False
        self.request_error = self.request_notice = self.error = ""

    def _reload(self, viewer: Viewer) -> bool:
        """Appointment, checklist and road of the dossier on screen; False when the client may not see it."""
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                view = appointments.for_client(db, viewer.account, self._dossier_id, self.lang, ip=self._client_ip())
                rows = checklist.rows(db, self._dossier_id, self.lang)
                dossier_road = road.for_client(db, viewer.account, self._dossier_id, self.lang)
        except NotFound:
            self._forget()
            self._dossier_id = 0
            return False
        self.has_appointment = view is not None
        if view is not None:
            self.day, self.time, self.location = view.day, view.time, view.location
            self.video_url, self.notary_name, self.countdown, self.past = (
                view.video_url,
                view.notary_name,
                view.countdown,
                view.past,
            )
            self.calendar_href = f"/afspraak/{self._dossier_id}.ics"
        self.items = [ChecklistItemRow(id=row.id, label=row.label, done=row.done) for row in rows]
        self.steps = _road_rows(dossier_road.rows) if road.has_road_rows(dossier_road.rows) else []
        self.loaded = True
        return True

    # ---- events ----
    @handler(Access.CLIENT, loads_page=True)
    def load_dossier_signing(self, viewer: Viewer):
        """The dossier page's first on_load handler (the dossier itself loads last): it reads the page
        frame, so the language is the client's before the sections render texts and amounts. The
        dossier comes from the URL and is checked again."""
        self._forget()
        wanted = self._path_dossier_id()
        self._dossier_id = wanted or 0
        if wanted is not None:
            self._reload(viewer)

    @handler(Access.CLIENT)
    def set_item_done(self, viewer: Viewer, item_id: int, done: bool):
        self.error = ""
        if not self._dossier_id:
            return
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                checklist.set_done(db, viewer.account, self._dossier_id, item_id, done, ip=self._client_ip())
        except ServiceError as error:
            self.error = i18n.t(error.code, self.lang)
        self._reload(viewer)

    @handler(Access.CLIENT)
    def set_request_open(self, viewer: Viewer, value: bool):
        self.request_open = bool(value) and self.has_appointment
        self.request_error = ""
        if self.request_open:
            self.request_notice = ""

    @handler(Access.CLIENT)
    def send_request(self, viewer: Viewer, form_data: dict):
        self.request_error = self.request_notice = ""
        if not self._dossier_id:
            return
        settings = get_settings()
        try:
            with session_scope(keep_on=(NotFound,)) as db:
                appointments.request_other_time(
                    db,
                    viewer.account,
                    self._dossier_id,
                    form_data.get("reason") if isinstance(form_data, dict) else None,
                    language=self.lang,
                    settings=settings,
                    store=FileStore(settings.files_dir),
                    ip=self._client_ip(),
                )
        except ValidationFailed as error:
            self.request_error = i18n.t(error.code, self.lang, **error.params)
            return
        except ServiceError as error:
            self.request_error = i18n.t(error.code, self.lang)
            return
        self.request_open = False
        self.request_notice = i18n.t("signing.request_sent", self.lang)
