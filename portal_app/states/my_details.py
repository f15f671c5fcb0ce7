"""Mijn gegevens (a first version: details and language)."""

from __future__ import annotations

import reflex as rx

from portal_app.services import i18n
from portal_app.services.db import session_scope
from portal_app.models import Account
from portal_app.states.base import PortalState


class MyDetailsState(PortalState):
    name: str = ""
    email: str = ""
    phone: str = ""
    first_visit: bool = False

    @rx.event
    def load_my_details(self):
        account = self._require_client()
        if account is None:
            return self._to_login()
        self.name = account.name
        self.email = account.email
        self.phone = account.phone or ""
        self.first_visit = not account.first_login_done
        if not account.first_login_done:
            with session_scope() as db:
                row = db.get(Account, account.id)
                row.first_login_done = True
                db.add(row)

    @rx.event
    def choose_language(self, language: str):
        account = self._require_client()
        if account is None:
            return self._to_login()
        language = i18n.normalize_language(language if isinstance(language, str) else "")
        with session_scope() as db:
            row = db.get(Account, account.id)
            row.language = language
            db.add(row)
        self._apply_language(language)
