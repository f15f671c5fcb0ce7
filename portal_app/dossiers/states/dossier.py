"""One dossier (manual 2.1.1): header, Voortgang, and the four tabs with counts.

The dossier id comes from the URL (/dossiers/[dossier_id]) and is validated
here; a missing or foreign id gives the same "Niet gevonden." and an audit
event (services.dossiers.get_for_account). Every handler is declared for
clients (core/states/access.py); handlers that read or change dossier data re-check
access through `_dossier_for(viewer)`, and ids sent by the browser are checked
again against the signed-in account. Public vars hold plain strings and numbers
of this dossier only, never ORM objects.

While the page is open a background loop (`poll_updates`) refreshes the counts
every POLL_SECONDS, so what the office publishes shows up with its badge
without a reload. The loop never extends the session (idle expiry still
applies), stops when the tab shows another page or dossier, and sends the tab
to the login page when the session has ended.

Interface for the Berichten tab (a substate of this one):
  - `dossier_id: int`                     the dossier on screen (0 when none)
  - `_dossier_for(viewer)`                the dossier on screen or None, re-checked
  - `_refresh_counts(account)`            reload the four tab counts (and the
                                           document lists when they changed)
  - `tab_totals`, `tab_unread`            dict keyed by TAB_KEYS
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from portal_app.accounts.models import Account
from portal_app.core.pages import routes
from portal_app.core.services import formatting
from portal_app.core.services.db import session_scope
from portal_app.core.services.errors import NotFound, ServiceError
from portal_app.core.services.ids import valid_id
from portal_app.core.states.access import Access, Viewer, handler, run_db
from portal_app.core.states.base import PortalState
from portal_app.documents.models import DocumentKind
from portal_app.documents.services import documents
from portal_app.dossiers.models import Dossier
from portal_app.dossiers.services import dossiers
from portal_app.dossiers.states.dossiers import status_label

POLL_SECONDS = 20
POLL_MAX_MISSED = 3  # polls without a connected tab before the loop ends
MESSAGES_TAB = "berichten"
TAB_KEYS = (DocumentKind.CORRESPONDENCE, DocumentKind.DOCUMENT, DocumentKind.DELIVERED, MESSAGES_TAB)


def local_date(moment: datetime | None) -> str:
    return formatting.format_date(moment, "nl", style="numeric")


def size_text(size: int, language: str) -> str:
    return formatting.format_size(size, language)


def _zero_counts() -> dict[str, int]:
    return {key: 0 for key in TAB_KEYS}


@dataclass(frozen=True, kw_only=True)
class StepRow:
    """One step of Voortgang; `date` is "" while the step is open."""

    title: str
    done: bool
    date: str


@dataclass(frozen=True, kw_only=True)
class DocumentRow:
    """One document in a document tab, with date and size as the viewer reads them."""

    id: int
    title: str
    filename: str
    date: str
    size: str
    unread: bool


class DossierState(PortalState):
    dossier_id: int = 0
    found: bool = False
    not_found: bool = False
    has_list: bool = False  # more than one dossier: show "Terug naar dossiers"

    number: str = ""
    description: str = ""
    status: str = ""
    status_label: str = ""
    handler_name: str = ""

    progress_done: int = 0
    progress_total: int = 0
    steps: list[StepRow] = []

    tab_totals: dict[str, int] = _zero_counts()
    tab_unread: dict[str, int] = _zero_counts()
    correspondence: list[DocumentRow] = []
    other_documents: list[DocumentRow] = []
    delivered: list[DocumentRow] = []

    _poll_generation: int = 0
    _poll_owner: int = 0

    # ---- server-side helpers (not callable from the browser) ----
    def _forget_dossier(self) -> None:
        """Drop everything this tab knew about a dossier."""
        self.found = False
        self.number = self.description = self.status = self.status_label = self.handler_name = ""
        self.progress_done = self.progress_total = 0
        self.steps = []
        self.tab_totals, self.tab_unread = _zero_counts(), _zero_counts()
        self.correspondence, self.other_documents, self.delivered = [], [], []

    def _dossier_for(self, viewer: Viewer) -> Dossier | None:
        """The dossier on screen when `viewer` may still see it, re-checked now; None otherwise.

        When access is gone the dossier data is dropped from the state and the
        page shows "Niet gevonden.".
        """
        header = self._check_access(viewer.account)
        return header.dossier if header is not None else None

    def _check_access(self, account: Account) -> dossiers.DossierHeader | None:
        """The dossier on screen with its header data (one query), or None when the client may not see it."""
        if valid_id(self.dossier_id) is None:
            return None
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                return dossiers.header_for_account(db, account, self.dossier_id, ip=self._client_ip())
        except NotFound:
            self._forget_dossier()
            self.not_found = True
            return None

    def _route_param(self) -> str:
        """The raw [dossier_id] part of the URL on screen ("" on any other page)."""
        path = self.router.url.path or ""
        prefix = routes.DOSSIERS + "/"
        if not path.startswith(prefix):
            return ""
        rest = path[len(prefix) :]
        return unquote(rest[:-1] if rest.endswith("/") else rest)[:100]

    def _document_rows(self, rows) -> list[DocumentRow]:
        return [
            DocumentRow(
                id=document.id,
                title=document.title,
                filename=document.filename,
                date=local_date(document.created_at),
                size=size_text(document.size, self.lang),
                unread=bool(unread),
            )
            for document, unread in rows
        ]

    def _load_documents(self, account: Account) -> None:
        """The three document tabs in one query (the caller checked access)."""
        with session_scope() as db:
            per_kind = documents.list_tabs_for_dossier(session=db, account=account, dossier_id=self.dossier_id)
        self._set(
            correspondence=self._document_rows(per_kind[DocumentKind.CORRESPONDENCE]),
            other_documents=self._document_rows(per_kind[DocumentKind.DOCUMENT]),
            delivered=self._document_rows(per_kind[DocumentKind.DELIVERED]),
        )

    def _refresh_counts(self, account: Account) -> None:
        """Reload the four tab counts (one query); reload the document lists when they changed.

        The caller has checked access to `self.dossier_id` for `account`.
        """
        with session_scope() as db:
            counts = dossiers.tab_counts(db, account, self.dossier_id)
        totals = {key: counts[key].total for key in TAB_KEYS}
        unread = {key: counts[key].unread for key in TAB_KEYS}
        documents_changed = any(
            totals[key] != self.tab_totals.get(key) or unread[key] != self.tab_unread.get(key)
            for key in DocumentKind.ALL
        )
        self._set(tab_totals=totals, tab_unread=unread)
        if documents_changed:
            self._load_documents(account)

    def _set(self, **values) -> None:
        """Assign only what changed, so a poll without news sends nothing to the browser."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _load_header(self, header: dossiers.DossierHeader) -> None:
        dossier = header.dossier
        with session_scope() as db:
            steps, done, total = dossiers.progress(db, dossier.id)
        self._set(
            number=dossier.number,
            description=dossier.description,
            status=dossier.status,
            status_label=status_label(dossier.status, self.lang),
            handler_name=header.handler_name,
            has_list=header.dossiers_visible > 1,
            progress_done=done,
            progress_total=total,
            steps=[
                StepRow(title=step.title, done=step.done_at is not None, date=local_date(step.done_at))
                for step in steps
            ],
        )

    # ---- events ----
    @handler(Access.CLIENT, loads_page=True)
    def load_dossier(self, viewer: Viewer):
        self._poll_generation += 1
        self._forget_dossier()
        self.not_found = False
        self.dossier_id = 0
        account = viewer.account
        raw = self._route_param()
        dossier_id = valid_id(raw)
        if dossier_id is None:
            try:
                with session_scope(keep_on=(ServiceError,)) as db:
                    dossiers.get_for_account(db, account, str(raw)[:40], ip=self._client_ip())
            except NotFound:
                pass
            self.not_found = True
            return
        self.dossier_id = dossier_id
        header = self._check_access(account)
        if header is None:
            self.dossier_id = 0
            return
        self._load_header(header)
        # the counts start from zero here, so this also loads every tab that has documents
        self._refresh_counts(account)
        self.found = True
        return DossierState.poll_updates

    @handler(Access.CLIENT)
    def mark_document_read(self, viewer: Viewer, document_id: int):
        """Called by the Download link (next to the browser's own download of /files/{id})."""
        account = viewer.account
        dossier = self._dossier_for(viewer)
        wanted = valid_id(document_id)
        if dossier is None or wanted is None:
            return
        try:
            with session_scope(keep_on=(ServiceError,)) as db:
                document = documents.get_for_account(
                    session=db, account=account, document_id=wanted, ip=self._client_ip()
                )
                if document.dossier_id != dossier.id:
                    return
                documents.mark_read(session=db, account_id=account.id, document_id=document.id)
        except NotFound:
            return
        self._refresh_counts(account)

    async def _tab_connected(self) -> bool:
        """Whether this tab's websocket is still connected (on any worker); True when unknown."""
        try:
            from reflex_base.registry import RegistrationContext

            namespace = RegistrationContext.get().app.event_namespace
            token = self.router.session.client_token
            if namespace is None or not token:
                return True
            return bool(await namespace._token_manager.is_token_connected(token))
        except Exception:  # an internal API: never let it break the page
            return True

    def _poll_round(self, account: Account) -> bool:
        """One refresh of the dossier on screen (blocking: runs in the pool); False when access is gone."""
        header = self._check_access(account)
        if header is None:
            return False
        self._load_header(header)
        self._refresh_counts(account)
        return True

    @handler(Access.CLIENT, background=True, quiet=True)
    async def poll_updates(self, viewer: Viewer):
        """Refresh counts and lists every POLL_SECONDS while this dossier is on screen."""
        async with self:
            generation = self._poll_generation
            if not self.found or self._poll_owner == generation:
                return  # nothing to watch, or a loop already runs for this visit
            self._poll_owner = generation
        missed = 0
        while True:
            await asyncio.sleep(POLL_SECONDS)
            # a closed tab stops its loop (a short reconnect does not)
            missed = 0 if await self._tab_connected() else missed + 1
            redirect = None
            async with self:
                current = (
                    self._poll_generation == generation
                    and self.found
                    and missed < POLL_MAX_MISSED
                    and self._route_param() == str(self.dossier_id)
                )
                if not current:
                    if self._poll_owner == generation:
                        self._poll_owner = 0
                    return
                viewer_now = await self._viewer_now(Access.CLIENT)
                if viewer_now is None:
                    self._forget_dossier()
                    self._poll_owner = 0
                    redirect = self._to_login()
                elif not await run_db(self._poll_round, viewer_now.account):
                    self._poll_owner = 0
                    return
            if redirect is not None:
                yield redirect
                return
