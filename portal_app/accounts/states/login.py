"""The login page: the form posts to /auth/login; this state only shows messages."""

from __future__ import annotations

from portal_app.core.services import i18n
from portal_app.core.services.redirects import safe_next_path
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PublicPageState


class LoginState(PublicPageState):
    error: str = ""
    notice: str = ""
    next_path: str = ""

    @handler(Access.PUBLIC, loads_page=True)
    def load_login(self, viewer: Viewer | None):
        params = self.router.url.query_parameters
        if params.get("lang") in i18n.LANGUAGES:
            self._apply_language(params["lang"])
        self.next_path = safe_next_path(params.get("next"), default="")
        self.error = ""
        self.notice = ""
        if params.get("fout") == "onjuist":
            self.error = i18n.t("login.invalid", self.lang)
        elif params.get("fout") == "te-veel":
            minutes = params.get("minuten", "")
            minutes = int(minutes) if minutes.isdigit() and int(minutes) < 1000 else 15
            self.error = i18n.t("login.throttled", self.lang, minutes=minutes)
        elif params.get("fout") == "te-veel-codes":
            self.error = i18n.t("login.too_many_codes", self.lang)
        elif params.get("verlopen"):
            self.notice = i18n.t("login.expired", self.lang)
        elif params.get("uitgelogd"):
            self.notice = i18n.t("login.logged_out", self.lang)

    @handler(Access.PUBLIC)
    def switch_language(self, viewer: Viewer | None, language: str):
        self._apply_language(language if isinstance(language, str) else "")
