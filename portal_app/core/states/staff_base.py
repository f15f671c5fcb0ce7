"""The base of every staff screen state.

Every public handler of a staff state is declared with the handler skeleton
(core/states/access.py):

    @handler(Access.STAFF)                # or Access.ADMIN for the admin screens
    def retry(self, viewer: Viewer, item_id: str):
        ...

so a forged event without a live staff session never reaches the body: a
signed-out user gets the login page, a client (or a behandelaar on an admin
handler) "not found", staff without required 2-step verification its set-up.
The body passes `viewer.account` to the staff services, which check it once
more. Public vars hold only plain strings, numbers and lists of string dicts
meant for this staff member.
"""

from __future__ import annotations

import re

from portal_app.accounts.models import Account, StaffRole
from portal_app.core.services import i18n
from portal_app.core.services.errors import ServiceError
from portal_app.core.states.access import Access, Viewer, handler
from portal_app.core.states.base import PortalState
from portal_app.office.services import office_settings

_ID_IN_PATH = re.compile(r"^/staff/[a-z]+/(\d{1,18})/?$")


def error_text(error: ServiceError, language: str, **params) -> str:
    """The user text for a service error: a staff-specific text when there is one."""
    table = i18n.TRANSLATIONS[i18n.normalize_language(language)]
    for key in (f"staff.err.{error.code}", error.code):
        if key in table:
            values = {"max_mb": office_settings.profile().staff_max_upload_mb, **getattr(error, "params", {}), **params}
            try:
                return table[key].format(**values)
            except (KeyError, IndexError, ValueError):
                return table[key]
    return i18n.t("staff.err.generic", language)


def page_text(language: str, page: int, page_count: int, total_text: str) -> str:
    """'Pagina 2 van 40 (1.000+)', with the count as the list shows it (formatting.format_count)."""
    return i18n.t("staff.page_of", language, page=page + 1, pages=page_count, total=total_text)


class StaffState(PortalState):
    """What the staff frame shows: whether the admin-only navigation appears."""

    staff_is_admin: bool = False

    def _signed_in_as(self, account: Account) -> None:
        super()._signed_in_as(account)
        self.staff_is_admin = account.is_staff and account.staff_role == StaffRole.ADMIN

    def _forget_user(self) -> None:
        super()._forget_user()
        self.staff_is_admin = False

    def _path_id(self) -> int:
        """The numeric id at the end of /staff/<section>/<id>, or 0."""
        match = _ID_IN_PATH.match(str(self.router.url.path or ""))
        return int(match.group(1)) if match else 0

    def _err(self, error: ServiceError, **params) -> str:
        return error_text(error, self.lang, **params)

    def _t(self, key: str, **params) -> str:
        return i18n.t(key, self.lang, **params)


class StaffListState(StaffState):
    """A paginated staff list: Vorige/Volgende move a page, then `_reload(viewer.account)`."""

    page: int = 0

    def _reload(self, actor: Account) -> None:  # pragma: no cover - every list defines it
        raise NotImplementedError

    @handler(Access.STAFF)
    def prev_page(self, viewer: Viewer):
        self.page = max(0, self.page - 1)
        self._reload(viewer.account)

    @handler(Access.STAFF)
    def next_page(self, viewer: Viewer):
        self.page += 1
        self._reload(viewer.account)
