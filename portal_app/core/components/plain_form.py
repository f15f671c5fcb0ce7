"""A plain HTML <form> that the browser submits itself (no Reflex event).

Used where the server must set an HttpOnly cookie or where nothing should travel
over the websocket (passwords): login, logout, set password, 2-step code.
Reflex's own rx.el.form always prevents the native submit.
"""

from __future__ import annotations

from reflex.vars.base import Var
from reflex_components_core.el.elements.base import BaseHTML


class PlainForm(BaseHTML):
    tag = "form"

    action: Var[str]
    method: Var[str]


plain_form = PlainForm.create
