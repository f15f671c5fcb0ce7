"""Overzicht (/staff): unread client messages, deliveries, completed questionnaires,
failed mail/SMS and invitations not yet accepted."""

from __future__ import annotations

import reflex as rx

from portal_app.models import Account
from portal_app.services import staff_overview
from portal_app.services.db import session_scope
from portal_app.states.staff_base import StaffState

SCOPES = ("mine", "all")


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

    def _refresh(self, actor: Account) -> None:
        with session_scope() as db:
            unread = staff_overview.unread_client_messages(session=db, actor=actor, mine=self.scope == "mine")
            deliveries = staff_overview.recent_deliveries(session=db, actor=actor)
            questionnaires = staff_overview.completed_questionnaires(session=db, actor=actor)
            failed = staff_overview.failed_outbox(session=db, actor=actor)
            invites = staff_overview.pending_invitations(session=db, actor=actor)
        self.unread_rows, self.unread_total = unread.rows, unread.total
        self.delivery_rows, self.delivery_total = deliveries.rows, deliveries.total
        self.questionnaire_rows, self.questionnaire_total = questionnaires.rows, questionnaires.total
        self.failed_rows, self.failed_total = failed.rows, failed.total
        self.invite_rows, self.invite_total = invites.rows, invites.total
        self.loaded = True

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
