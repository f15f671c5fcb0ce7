"""Overzicht (/staff): unread client messages, deliveries, completed questionnaires,
failed mail/SMS and invitations not yet accepted.

While the page is open a background loop (`poll_updates`, started by the page
when it mounts) refreshes the lists every POLL_SECONDS, so a client's new
message shows up without a reload; the "Vernieuwen" button stays as a manual
refresh. Like the client's dossier page (dossiers/states/dossier.py) the loop

- runs once per tab: every start takes a new generation and becomes the owner;
  an older loop of the same tab ends on its next wake-up,
- ends when the tab shows another page or has been gone for POLL_MAX_MISSED polls,
- checks the session and the staff role again on every round, quietly: the
  session is resolved without counting as activity (idle expiry still applies),
  and a logged-out, blocked or removed staff member's tab gets no more data but
  the login page,
- assigns only the vars that changed, so a round without news sends nothing.

Every handler is declared with the handler skeleton (core/states/access.py; the
static check is in tests/unit/test_staff_abuse.py). The background one is
declared `quiet`: its start is checked once without extending the session,
and each round re-checks under the state lock with `_viewer_now`, which never
extends it either. The database work of a round runs in the database thread
pool, never on the event loop.
"""

from __future__ import annotations

import asyncio

from portal_app.accounts.models import Account
from portal_app.core.pages import routes
from portal_app.core.services.db import session_scope
from portal_app.core.states.access import Access, Viewer, handler, run_db
from portal_app.core.states.staff_base import StaffState
from portal_app.notifications.services import mail_health
from portal_app.office.services import staff_overview
from portal_app.settings import get_settings

SCOPES = ("mine", "all")
POLL_SECONDS = 20
POLL_MAX_MISSED = 3  # polls without a connected tab before the loop ends
LIST_VARS = ("unread", "delivery", "questionnaire", "failed", "invite")


async def tab_connected(token: str) -> bool:
    """Whether the tab with this client token still has a websocket (on any worker); True when unknown."""
    try:
        from reflex_base.registry import RegistrationContext

        namespace = RegistrationContext.get().app.event_namespace
        if namespace is None or not token:
            return True
        return bool(await namespace._token_manager.is_token_connected(token))
    except Exception:  # an internal API: never let it break the page
        return True


class StaffOverviewState(StaffState):
    scope: str = "mine"
    unread_rows: list[staff_overview.UnreadMessageRow] = []
    unread_total: int = 0
    delivery_rows: list[staff_overview.DeliveryRow] = []
    delivery_total: int = 0
    questionnaire_rows: list[staff_overview.CompletedQuestionnaireRow] = []
    questionnaire_total: int = 0
    failed_rows: list[staff_overview.FailedSendRow] = []
    failed_total: int = 0
    invite_rows: list[staff_overview.InvitationRow] = []
    invite_total: int = 0
    # "" while outgoing mail works; else the calm sentence saying it does not (mail_health)
    mail_problem: str = ""
    loaded: bool = False

    _poll_generation: int = 0
    _poll_owner: int = 0

    # ---- the lists ----
    def _set(self, **values) -> None:
        """Assign only what changed, so a poll without news sends nothing to the browser."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _refresh(self, actor: Account) -> None:
        with session_scope() as db:
            found = {
                "unread": staff_overview.unread_client_messages(session=db, actor=actor, mine=self.scope == "mine"),
                "delivery": staff_overview.recent_deliveries(session=db, actor=actor),
                "questionnaire": staff_overview.completed_questionnaires(session=db, actor=actor),
                "failed": staff_overview.failed_outbox(session=db, actor=actor),
                "invite": staff_overview.pending_invitations(session=db, actor=actor),
            }
            mail = mail_health.mail_status(session=db, actor=actor, settings=get_settings(), language=self.lang)
        values = {"loaded": True, "mail_problem": mail.text}
        for key, rows in found.items():
            values[f"{key}_rows"], values[f"{key}_total"] = rows.rows, rows.total
        self._set(**values)

    def _forget_overview(self) -> None:
        """Drop every list this tab holds (the session ended while the page was open)."""
        values = {"loaded": False, "mail_problem": ""}
        for key in LIST_VARS:
            values[f"{key}_rows"], values[f"{key}_total"] = [], 0
        self._set(**values)

    def _on_overview(self) -> bool:
        return str(self.router.url.path or "").rstrip("/") == routes.STAFF

    async def _poll_round(self, generation: int, missed: int):
        """One round of the loop, under the state lock: True to go on, False to stop,
        or the redirect to return (the session ended or is no longer a staff one)."""
        if self._poll_owner != generation or missed >= POLL_MAX_MISSED or not self._on_overview():
            if self._poll_owner == generation:
                self._poll_owner = 0
            return False
        viewer = await self._viewer_now(Access.STAFF)
        if viewer is None:
            self._poll_owner = 0
            # the redirect's delta also takes the lists off the screen at once
            self._forget_overview()
            return self._to_login()
        await run_db(self._refresh, viewer.account)
        return True

    # ---- events ----
    @handler(Access.STAFF, loads_page=True)
    def load_overview(self, viewer: Viewer):
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def set_scope(self, viewer: Viewer, scope: str | list[str]):
        if scope not in SCOPES:
            return
        self.scope = scope
        self._refresh(viewer.account)

    @handler(Access.STAFF)
    def refresh(self, viewer: Viewer):
        self._refresh(viewer.account)

    @handler(Access.STAFF, background=True, quiet=True)
    async def poll_updates(self, viewer: Viewer):
        """Refresh the lists every POLL_SECONDS while the overview is on screen in this tab."""
        async with self:
            self._poll_generation += 1
            generation = self._poll_owner = self._poll_generation
            token = self.router.session.client_token
        missed = 0
        while True:
            await asyncio.sleep(POLL_SECONDS)
            # a closed tab stops its loop (a short reconnect does not)
            missed = 0 if await tab_connected(token) else missed + 1
            async with self:
                outcome = await self._poll_round(generation, missed)
            if outcome is False:
                return
            if outcome is not True:
                yield outcome
                return
