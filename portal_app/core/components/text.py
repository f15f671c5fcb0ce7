"""UI texts compiled into the frontend.

`tr("nav.home")` gives a string Var that holds both the Dutch and the English
text and shows the one that `PortalState.lang` picks, so no translation table
travels in (or is stored with) a client's state: only the language code does.

    rx.text(tr("home.title"))
    rx.text(tr("actions.bar") + " (" + S.count.to_string() + ")")

Keys are plain Python strings, fixed when the page is compiled; an unknown key
raises a KeyError right there, so a typo fails the build and the tests.
"""

from __future__ import annotations

import reflex as rx

from portal_app.core.services import i18n
from portal_app.core.states.base import PortalState

# Anything other than English shows Dutch, the default language (also before the state arrives).
_SHOW_ENGLISH = PortalState.lang == "en"


def text_pair(key: str) -> tuple[str, str]:
    """(Dutch, English) text of `key`; KeyError when either language lacks it."""
    if not isinstance(key, str):
        raise TypeError(f"tr() takes a plain string key, not {type(key).__name__}: {key!r}")
    try:
        return i18n.TRANSLATIONS["nl"][key], i18n.TRANSLATIONS["en"][key]
    except KeyError:
        raise KeyError(
            f"unknown UI text key {key!r} (not in both catalogs portal_app/locale/{{nl,en}}/LC_MESSAGES/messages.po)"
        ) from None


def tr(key: str) -> rx.Var[str]:
    """The text of `key` in the user's language, as a frontend string Var."""
    nl, en = text_pair(key)
    return rx.cond(_SHOW_ENGLISH, en, nl)
