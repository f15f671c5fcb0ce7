"""Instellingen (/staff/instellingen, admins only): staff members and office settings.

Every handler asks `_staff_gate(admin=True)`: a behandelaar (or a client)
calling any of them gets "not found" and changes nothing.
"""

from __future__ import annotations

import reflex as rx

from portal_app.models import Account
from portal_app.services import staff_admin
from portal_app.services.db import session_scope
from portal_app.services.errors import ServiceError
from portal_app.settings import get_settings
from portal_app.states.staff_base import StaffState


class StaffSettingsState(StaffState):
    staff_rows: list[dict[str, str]] = []
    office: dict[str, str] = {}
    notice: str = ""
    error: str = ""

    add_open: bool = False
    add_error: str = ""
    edit_open: bool = False
    edit_error: str = ""
    edit_row: dict[str, str] = {}
    remove_open: bool = False
    remove_name: str = ""

    _edit_id: int = 0
    _remove_id: int = 0

    def _reload(self, actor: Account) -> None:
        with session_scope() as db:
            self.staff_rows = staff_admin.list_staff(session=db, actor=actor, language=self.lang)
            self.office = staff_admin.office_view(session=db, actor=actor, settings=get_settings())

    def _find(self, account_id) -> dict[str, str] | None:
        return next((row for row in self.staff_rows if row["id"] == account_id), None)

    @rx.event
    def load_settings(self):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        self.notice = self.error = ""
        self.add_open = self.edit_open = self.remove_open = False
        self._reload(actor)

    @rx.event
    def set_add_open(self, value: bool):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        self.add_open = value is True
        self.add_error = ""

    @rx.event
    def add_staff(self, form_data: dict):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        data = form_data if isinstance(form_data, dict) else {}
        try:
            with session_scope() as db:
                account = staff_admin.add_staff(
                    session=db, actor=actor, email=data.get("email", ""), name=data.get("name", ""), role=data.get("role", ""),
                    settings=get_settings(),
                )
                email = account.email
        except ServiceError as error:
            self.add_error = self._err(error)
            return
        self.add_open = False
        self.notice = self._t("staff.settings.added", email=email)
        self._reload(actor)

    @rx.event
    def start_edit(self, account_id: str):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        row = self._find(account_id)
        if row is None:
            return
        self._edit_id = int(row["id"])
        self.edit_row = row
        self.edit_error = ""
        self.edit_open = True

    @rx.event
    def set_edit_open(self, value: bool):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        self.edit_open = value is True
        if not self.edit_open:
            self._edit_id = 0

    @rx.event
    def save_edit(self, form_data: dict):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        data = form_data if isinstance(form_data, dict) else {}
        if not self._edit_id:
            return
        try:
            with session_scope() as db:
                staff_admin.update_staff(session=db, actor=actor, account_id=self._edit_id, name=data.get("name", ""), role=data.get("role", ""))
        except ServiceError as error:
            self.edit_error = self._err(error)
            return
        self.edit_open = False
        self._edit_id = 0
        self.notice = self._t("staff.settings.saved")
        self._reload(actor)

    @rx.event
    def ask_remove(self, account_id: str):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        row = self._find(account_id)
        if row is None or row["me"]:
            return
        self._remove_id = int(row["id"])
        self.remove_name = row["name"]
        self.remove_open = True

    @rx.event
    def set_remove_open(self, value: bool):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        self.remove_open = value is True
        if not self.remove_open:
            self._remove_id = 0

    @rx.event
    def confirm_remove(self):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        account_id, self._remove_id = self._remove_id, 0
        self.remove_open = False
        if not account_id:
            return
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                staff_admin.remove_staff(session=db, actor=actor, account_id=account_id)
        except ServiceError as error:
            self.error = self._err(error)
        else:
            self.notice = self._t("staff.settings.removed")
        self._reload(actor)

    @rx.event
    def set_require_2fa(self, value: bool):
        actor = self._staff_gate(admin=True)
        if not isinstance(actor, Account):
            return actor
        self.notice = self.error = ""
        try:
            with session_scope() as db:
                staff_admin.set_office_flag(session=db, actor=actor, key="staff_require_2fa", value=value)
        except ServiceError as error:
            self.error = self._err(error)
        else:
            self.notice = self._t("staff.settings.saved")
        self._reload(actor)
