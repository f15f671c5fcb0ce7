"""UI texts in Dutch (default) and English. Keys are English; values are what users read.

A test checks that every key exists in both languages.
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

TRANSLATIONS: dict[str, dict[str, str]] = {
    "nl": {
        "app.title": "Klantenportaal",
        "nav.home": "Home",
        "nav.logout": "Uitloggen",
        "nav.skip": "Naar de inhoud",
        "nav.main": "Hoofdmenu",
        "login.welcome": "Welkom op het klantenportaal van",
        "login.email": "E-mailadres",
        "login.password": "Wachtwoord",
        "login.submit": "Inloggen",
        "login.forgot": "Wachtwoord vergeten / instellen wachtwoord",
        "login.invalid": "Het e-mailadres of wachtwoord is onjuist.",
        "login.throttled": "Te veel pogingen, probeer het over {minutes} minuten opnieuw.",
        "login.expired": "Uw sessie is verlopen. Log opnieuw in.",
        "login.logged_out": "U bent uitgelogd.",
        "login.language": "Taal",
        "home.title": "Home",
        "home.tiles": "Overzicht",
        "tile.dossiers": "Dossiers",
        "tile.dossiers_in_progress": "in behandeling",
        "tile.dossiers_total": "totaal",
        "tile.actions": "Acties",
        "tile.actions_open": "open vragenlijsten",
        "tile.my_details": "Mijn gegevens",
        "tile.my_details_text": "Taal, 2-staps verificatie en notificaties",
        "actions.bar": "Acties",
        "actions.none": "U hoeft geen vragenlijst (meer) in te vullen.",
        "my_details.title": "Mijn gegevens",
        "my_details.name": "Naam",
        "my_details.email": "E-mailadres",
        "my_details.phone": "Mobiel nummer",
        "my_details.language": "Instellen taal",
        "my_details.first_login": "Welkom! Controleer hieronder uw gegevens. Via Home gaat u naar het overzicht.",
        "lang.nl": "Nederlands",
        "lang.en": "Engels",
        "error.not_found": "Niet gevonden.",
        "error.generic": "Er ging iets mis. Probeer het opnieuw.",
        "notfound.title": "Pagina niet gevonden",
        "notfound.back": "Terug naar Home",
    },
    "en": {
        "app.title": "Client portal",
        "nav.home": "Home",
        "nav.logout": "Log out",
        "nav.skip": "Skip to content",
        "nav.main": "Main menu",
        "login.welcome": "Welcome to the client portal of",
        "login.email": "E-mail address",
        "login.password": "Password",
        "login.submit": "Log in",
        "login.forgot": "Forgot password / set password",
        "login.invalid": "The e-mail address or password is incorrect.",
        "login.throttled": "Too many attempts, please try again in {minutes} minutes.",
        "login.expired": "Your session has expired. Please log in again.",
        "login.logged_out": "You have been logged out.",
        "login.language": "Language",
        "home.title": "Home",
        "home.tiles": "Overview",
        "tile.dossiers": "Files",
        "tile.dossiers_in_progress": "in progress",
        "tile.dossiers_total": "total",
        "tile.actions": "Actions",
        "tile.actions_open": "open questionnaires",
        "tile.my_details": "My details",
        "tile.my_details_text": "Language, 2-step verification and notifications",
        "actions.bar": "Actions",
        "actions.none": "You have no questionnaires to fill in.",
        "my_details.title": "My details",
        "my_details.name": "Name",
        "my_details.email": "E-mail address",
        "my_details.phone": "Mobile number",
        "my_details.language": "Language",
        "my_details.first_login": "Welcome! Please check your details below. Home takes you to the overview.",
        "lang.nl": "Dutch",
        "lang.en": "English",
        "error.not_found": "Not found.",
        "error.generic": "Something went wrong. Please try again.",
        "notfound.title": "Page not found",
        "notfound.back": "Back to Home",
    },
}


def normalize_language(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def language_from_accept_header(header: str | None) -> str:
    """The first supported language in an Accept-Language header, else Dutch."""
    best: tuple[float, str] | None = None
    for part in (header or "").split(","):
        lang, _, q = part.strip().partition(";q=")
        code = lang.strip().lower()[:2]
        if code not in LANGUAGES:
            continue
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if best is None or weight > best[0]:
            best = (weight, code)
    return best[1] if best else DEFAULT_LANGUAGE


def t(key: str, language: str = DEFAULT_LANGUAGE, **params) -> str:
    table = TRANSLATIONS[normalize_language(language)]
    text = table.get(key) or TRANSLATIONS[DEFAULT_LANGUAGE].get(key) or key
    return text.format(**params) if params else text


def table(language: str) -> dict[str, str]:
    return dict(TRANSLATIONS[normalize_language(language)])
