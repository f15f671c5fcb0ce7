"""What every page state shares: language, the page frame, and who is signed in.

Handlers are declared with `@handler(Access...)` (core/states/access.py): the session
is resolved once per event from the HttpOnly cookie of the websocket handshake,
on the server, and the body gets a typed `Viewer`. The session guard
(core/states/session_guard.py) resets every substate of a tab when the session it
was loaded for has ended or changed, so nothing of one session is ever sent to
the next. Public vars hold only what this user may see.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import reflex as rx

from portal_app.accounts.models import Account
from portal_app.accounts.services import passwords, sessions
from portal_app.accounts.services.viewer import Viewer
from portal_app.core.pages import routes
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.states.access import Access, handler
from portal_app.dossiers.services.dossiers import open_actions_count
from portal_app.office.services import branding, office_settings

FRAME_SECONDS = 30


def session_policy() -> sessions.SessionPolicy:
    """Session lengths from the office settings (admin-editable; defaults from the env)."""
    return office_settings.profile().session_policy


class PortalState(rx.State):
    """Language, the page frame and who is signed in. Pages subclass it."""

    # The only translation input in state: the texts themselves are compiled into
    # the frontend per language (core/components/text.py), never sent per client.
    lang: str = i18n.DEFAULT_LANGUAGE
    office_name: str = ""
    # Office branding (office settings): header colour and logo path ("" = none).
    brand_colour: str = office_settings.DEFAULT_BRAND_COLOUR
    logo_url: str = ""
    # The password rule as the office's policy makes it (accounts/components.py).
    pw_rule: dict[str, str] = passwords.rule_texts(passwords.DEFAULT_POLICY, i18n.DEFAULT_LANGUAGE)
    pw_min_length: int = passwords.MIN_LENGTH
    signed_in: bool = False
    display_name: str = ""
    is_staff: bool = False
    open_actions: int = 0
    # The office's idle time in seconds for the browser's idle clock (assets/idle_warning.js,
    # accounts/components.py); 0 when signed out (no clock). Part of the frame, so it comes
    # with the page's first data instead of costing the page a render of its own.
    idle_seconds: int = 0
    # The session this tab's state was loaded for (0: none). The session guard
    # resets the whole tab when an event arrives under another or no session.
    _owner_session: int = 0
    # when and for whom the page frame (name, language, branding, Acties count) was last read
    _frame_at: float = 0.0
    _frame_account: int = 0

    # ---- the handler skeleton's hooks (core/states/access.py) ----
    def _show_frame(self, viewer: Viewer | None) -> None:
        """What every page frame shows, refreshed when a page loads (blocking: runs in the pool).

        Within FRAME_SECONDS of the last refresh for the same account a page
        load reuses it: moving between pages then costs no extra query, and a
        new questionnaire or office setting still shows within half a minute.
        """
        if viewer is None:
            if self.idle_seconds:
                self.idle_seconds = 0
            self._apply_branding()
            self._apply_language(i18n.language_from_accept_header(self.router.headers.accept_language))
            return
        now = time.time()
        if self.signed_in and self._frame_account == viewer.account_id and 0 <= now - self._frame_at < FRAME_SECONDS:
            return
        self._signed_in_as(viewer.account)
        self._frame_account, self._frame_at = viewer.account_id, now

    def _refusal(self, reason: str):
        """What a refused call gets back (core/states/access.py names the reasons)."""
        if reason == "no_session":
            return self._to_login()
        if reason == "staff_on_client_side":
            return rx.redirect(routes.STAFF)
        if reason == "staff_second_factor_missing":
            return rx.redirect(routes.MY_DETAILS + "?verplicht=1")
        return rx.redirect("/404")

    def _tab_needs_reset(self, viewer: Viewer | None) -> bool:
        """Whether this tab was loaded for another session than `viewer`'s (then nothing of it may be sent)."""
        return bool(self._owner_session) and self._owner_session != (viewer.session_id if viewer else 0)

    def _claim_tab(self, viewer: Viewer | None) -> None:
        current = viewer.session_id if viewer else 0
        if self._owner_session != current:
            self._owner_session = current

    async def _reset_tab(self) -> None:
        await reset_tab(self._get_root_state())

    async def _viewer_now(self, access: Access) -> Viewer | None:
        """For background loops: the viewer allowed `access` right now, without counting as activity.

        Call inside `async with self`.
        """
        from portal_app.core.states.access import refusal_reason, run_db, viewer_for_token

        viewer = await run_db(viewer_for_token, self._session_token(), touch=False)
        return viewer if refusal_reason(access, viewer) is None else None

    # ---- server-side helpers (not callable from the browser) ----
    def _session_token(self) -> str | None:
        return sessions.token_from_cookie_header(self.router.headers.cookie)

    def _client_ip(self) -> str:
        return self.router.session.client_ip or "0.0.0.0"

    def _apply_language(self, language: str) -> None:
        language = i18n.normalize_language(language)
        if language != self.lang:
            self.lang = language
        policy = office_settings.profile().password_policy
        self.pw_rule = passwords.rule_texts(policy, self.lang)
        self.pw_min_length = policy.min_length

    def _password_problem_texts(self, codes: list[str]) -> list[str]:
        return passwords.problem_texts(codes, self.lang, office_settings.profile().password_policy)

    def _forget_user(self) -> None:
        self.signed_in = False
        self.display_name = ""
        self.is_staff = False
        self.open_actions = 0

    def _to_login(self):
        """Clear what this tab knew and send it to the login page."""
        self._forget_user()
        path = self.router.url.path or "/"
        return rx.redirect(f"/login?verlopen=1&next={quote(path, safe='/')}")

    def _apply_branding(self) -> None:
        office = office_settings.profile()
        self.office_name = office.office_name
        self.brand_colour = office.brand_colour
        # no broken image when the file has gone missing from DATA_DIR/branding
        self.logo_url = office.logo_url if branding.logo_path(None, office) is not None else ""

    def _signed_in_as(self, account: Account) -> None:
        self.signed_in = True
        self.display_name = account.display_name
        self.is_staff = account.is_staff
        self.idle_seconds = session_policy().idle_minutes * 60
        self._apply_branding()
        self._apply_language(account.language)
        if not account.is_staff:
            with session_scope() as db:
                self.open_actions = open_actions_count(db, account)


class PublicPageState(PortalState):
    """Pages before sign-in: the browser's preferred language decides."""

    @handler(Access.PUBLIC, loads_page=True)
    def load_public(self, viewer: Viewer | None):
        """The frame (branding, language) is all a public page needs; the skeleton shows it."""


def portal_state_classes() -> list[type[PortalState]]:
    """PortalState and every state below it."""
    found: list[type[PortalState]] = []
    todo: list[type[PortalState]] = [PortalState]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.get_substates())
    return found


async def reset_tab(root) -> None:
    """Reset every portal substate of this tab (public and backend vars alike),
    also those not loaded for this event (with Redis each substate is stored apart)."""
    for cls in portal_state_classes():
        await root.get_state(cls)
    (await root.get_state(PortalState)).reset()
