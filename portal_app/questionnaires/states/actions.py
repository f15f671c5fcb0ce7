"""Acties (manual "Acties"): the questionnaires the office sent, to fill in or done."""

from __future__ import annotations

import dataclasses

from portal_app.core.services import formatting, i18n
from portal_app.core.services.db import session_scope
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.questionnaires.services import questionnaires

ROUTE = "/acties"


@dataclasses.dataclass
class ActionRow:
    href: str = ""
    title: str = ""
    dossier: str = ""
    date: str = ""
    progress: str = ""


def _date(moment) -> str:
    return formatting.format_date(moment, "nl", style="numeric")


class ActionsState(PortalState):
    loaded: bool = False
    open_items: list[ActionRow] = []
    done_items: list[ActionRow] = []

    @handler(Access.CLIENT, loads_page=True)
    def load_actions(self, viewer: Viewer):
        account = viewer.account
        lang = self.lang
        with session_scope() as db:
            open_requests = questionnaires.list_open(db, account)
            done_requests = questionnaires.list_completed(db, account)
        self.open_items = [
            ActionRow(
                href=f"/vragenlijst/{item.request_id}",
                title=item.title(lang),
                dossier=f"{item.dossier_number} — {item.dossier_description}",
                date=i18n.t("actions.received", lang, date=_date(item.sent_at)),
                progress=(
                    i18n.t("actions.at_page", lang, page=item.current_page + 1, pages=item.page_count)
                    if item.current_page > 0
                    else i18n.t("actions.not_started", lang)
                ),
            )
            for item in open_requests
        ]
        self.done_items = [
            ActionRow(
                href=f"/vragenlijst/{item.request_id}",
                title=item.title(lang),
                dossier=f"{item.dossier_number} — {item.dossier_description}",
                date=i18n.t("actions.completed_on", lang, date=_date(item.completed_at)),
            )
            for item in done_requests
        ]
        self.open_actions = len(self.open_items)
        self.loaded = True
