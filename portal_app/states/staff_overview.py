"""Overzicht (/staff): unread client messages, deliveries, completed questionnaires,
failed mail/SMS and invitations not yet accepted.

While the page is open a background loop (`poll_updates`, started by the page
when it mounts) refreshes the lists every POLL_SECONDS, so a client's new
message shows up without a reload; the "Vernieuwen" button stays as a manual
refresh. Like the client's dossier page (states/dossier.py) the loop

- runs once per tab: every start takes a new generation and becomes the owner;
  an older loop of the same tab ends on its next wake-up,
- ends when the tab shows another page or has been gone for POLL_MAX_MISSED polls,
- passes the staff gate again on every round, quietly: the session is checked
  without counting as activity (idle expiry still applies), and a logged-out,
  blocked or removed staff member's tab gets no more data but the login page,
- assigns only the vars that changed, so a round without news sends nothing.

Every handler starts with the staff gate (tests/unit/test_staff_abuse.py checks
that statically), the background one included. Its quiet form,
`_staff_gate(quiet=True)`, is StaffState's one gate run with `touch=False` that
writes no state var, so it may also run outside the state lock.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

import reflex as rx

from portal_app.models import Account
from portal_app.pages import routes
from portal_app.services import sessions, staff_overview
from portal_app.services.db import session_scope
from portal_app.states.base import session_policy
from portal_app.states.staff_base import StaffState

SCOPES = ("mine", "all")
POLL_SECONDS = 20
POLL_MAX_MISSED = 3  # polls without a connected tab before the loop ends
LIST_VARS = ("unread", "delivery", "questionnaire", "failed", "invite")

# True while the quiet staff gate runs (the poll loop): no session touch, no state writes.
_QUIET_GATE: ContextVar[bool] = ContextVar("staff_overview_quiet_gate", default=False)


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
    unread_rows: list[dict[str, str]] = []
    unread_total: int = 0
    delivery_rows: list[dict[str, str]] = []
    delivery_total: int = 0
    questionnaire_rows: list[dict[str, str]] = []
    questionnaire_total: int = 0
    failed_rows: list[dict[str, str]] = []
    failed_total: int = 0
    invite_rows: list[dict[str, str]] = []
    invite_total: int = 0
    loaded: bool = False

    _poll_generation: int = 0
    _poll_owner: int = 0

    # ---- the quiet gate (server-side helpers, not callable from the browser) ----
    def _staff_gate(self, *, admin: bool = False, quiet: bool = False):
        """StaffState's gate; `quiet=True` for the poll loop: the same checks, but the
        session is resolved without extending it and no state var is written."""
        if not quiet:
            return super()._staff_gate(admin=admin)
        marker = _QUIET_GATE.set(True)
        try:
            return super()._staff_gate(admin=admin)
        finally:
            _QUIET_GATE.reset(marker)

    def _account(self) -> Account | None:
        if not _QUIET_GATE.get():
            return super()._account()
        with session_scope() as db:
            resolved = sessions.resolve(db, self._session_token(), policy=session_policy(), touch=False)
            if resolved is None or not resolved[0].second_factor_done:
                return None
            return resolved[1]

    def _signed_in_as(self, account: Account) -> None:
        if not _QUIET_GATE.get():
            super()._signed_in_as(account)

    def _forget_user(self) -> None:
        if not _QUIET_GATE.get():
            super()._forget_user()

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
        values = {"loaded": True}
        for key, rows in found.items():
            values[f"{key}_rows"], values[f"{key}_total"] = rows.rows, rows.total
        self._set(**values)

    def _forget_overview(self) -> None:
        """Drop every list this tab holds (the session ended while the page was open)."""
        values = {"loaded": False}
        for key in LIST_VARS:
            values[f"{key}_rows"], values[f"{key}_total"] = [], 0
        self._set(**values)

    def _on_overview(self) -> bool:
        return str(self.router.url.path or "").rstrip("/") == routes.STAFF

    def _poll_round(self, generation: int, missed: int):
        """One round of the loop, under the state lock: True to go on, False to stop,
        or the redirect to return (the session ended or is no longer a staff one)."""
        if self._poll_owner != generation or missed >= POLL_MAX_MISSED or not self._on_overview():
            if self._poll_owner == generation:
                self._poll_owner = 0
            return False
        actor = self._staff_gate(quiet=True)
        if not isinstance(actor, Account):
            self._poll_owner = 0
            self._forget_overview()
            self._forget_user()
            return actor
        self._refresh(actor)
        return True

    # ---- events ----
    @rx.event
    def load_overview(self):
        actor = self._staff_gate()
        if not isinstance(actor, Account):
            return actor
        self._refresh(actor)

    @rx.event
    def set_scope(self, scope: str | list[str]):
        actor = self._staff_gate()
        if not isinstance(actor, Account):
            return actor
        if scope not in SCOPES:
            return
        self.scope = scope
        self._refresh(actor)

    @rx.event
    def refresh(self):
        actor = self._staff_gate()
        if not isinstance(actor, Account):
            return actor
        self._refresh(actor)

    @rx.event(background=True)
    async def poll_updates(self):
        """Refresh the lists every POLL_SECONDS while the overview is on screen in this tab."""
        actor = self._staff_gate(quiet=True)
        if not isinstance(actor, Account):
            return actor
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
                outcome = self._poll_round(generation, missed)
            if outcome is False:
                return None
            if outcome is not True:
                return outcome
