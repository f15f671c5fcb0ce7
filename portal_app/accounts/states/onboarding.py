"""Pages before sign-in: invitation link, 'wachtwoord vergeten', set password, second factor.

The forms post to plain HTTP routes (accounts/api.py) that set the HttpOnly session
cookie; these states only read the query string to show the right text. Their
handlers are public (core/states/access.py): the links and tokens they show are
checked here and again by the HTTP routes. The 2-step page belongs to a login
whose second factor is still pending, which is not yet a viewer: it looks that
half-finished session up itself.
"""

from __future__ import annotations

import reflex as rx

from portal_app.accounts.models import TokenPurpose
from portal_app.accounts.services import onboarding, sessions, twofactor
from portal_app.core.services import i18n
from portal_app.core.services.db import session_scope
from portal_app.core.services.redirects import safe_next_path
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PublicPageState, session_policy


class OnboardingState(PublicPageState):
    token: str = ""
    link_valid: bool = True
    sent: bool = False
    errors: list[str] = []
    next_path: str = ""
    method: str = ""
    resent: bool = False

    def _read_errors(self) -> None:
        raw = self.router.url.query_parameters.get("fout", "")
        codes = [code for code in raw.split(",") if code][:6]
        self.errors = self._password_problem_texts([code for code in codes if code in i18n.TRANSLATIONS["nl"]])

    def _init_page(self) -> None:
        """Runs after the page frame (`loads_page`): a `lang` in the link wins over the frame's language."""
        params = self.router.url.query_parameters
        if params.get("lang") in i18n.LANGUAGES:
            self._apply_language(params["lang"])
        self.token = (params.get("token") or "")[:100]
        self.sent = params.get("verstuurd") == "1"
        self._read_errors()

    @handler(Access.PUBLIC, loads_page=True)
    def load_invitation(self, viewer: Viewer | None):
        self._init_page()
        with session_scope() as db:
            self.link_valid = onboarding.valid_token(db, self.token, TokenPurpose.INVITE) is not None

    @handler(Access.PUBLIC, loads_page=True)
    def load_forgot(self, viewer: Viewer | None):
        self._init_page()
        self.token = ""
        self.link_valid = True

    @handler(Access.PUBLIC, loads_page=True)
    def load_set_password(self, viewer: Viewer | None):
        self._init_page()
        with session_scope() as db:
            self.link_valid = onboarding.valid_token(db, self.token, TokenPurpose.RESET) is not None

    @handler(Access.PUBLIC, loads_page=True)
    def load_verify(self, viewer: Viewer | None):
        self._init_page()
        params = self.router.url.query_parameters
        self.next_path = safe_next_path(params.get("next"), default="")
        self.resent = params.get("opnieuw") == "1"
        with session_scope() as db:
            resolved = sessions.resolve(db, self._session_token(), policy=session_policy())
            if resolved is None or resolved[0].second_factor_done:
                return rx.redirect("/login?verlopen=1")
            self._apply_language(resolved[1].language)
            self._read_errors()
            status = twofactor.status(db, resolved[1].id)
            self.method = status.method or ""

    @handler(Access.PUBLIC)
    def switch_language(self, viewer: Viewer | None, language: str):
        self._apply_language(language if isinstance(language, str) else "")
        self._read_errors()
