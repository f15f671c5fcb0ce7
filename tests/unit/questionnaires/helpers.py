"""Shared data of the questionnaire tests: a template with every question type, the
answers of the shipped house-purchase questionnaire, and helpers to fill it in."""

from __future__ import annotations

from datetime import date

from portal_app.documents.services.documents import commit_or_discard
from portal_app.questionnaires.services import questionnaires as q

TODAY = date(2026, 3, 1)

ALL_TYPES = {
    "title": {"nl": "Alle soorten", "en": "All kinds"},
    "pages": [
        {
            "key": "een",
            "title": {"nl": "Pagina een", "en": "Page one"},
            "questions": [
                {"key": "naam", "type": "short_text", "required": True, "label": {"nl": "Naam", "en": "Name"}},
                {"key": "toelichting", "type": "long_text", "label": {"nl": "Toelichting", "en": "Explanation"}},
                {
                    "key": "aantal",
                    "type": "number",
                    "integer": True,
                    "min": 0,
                    "max": 20,
                    "label": {"nl": "Aantal", "en": "Count"},
                },
                {"key": "factor", "type": "number", "label": {"nl": "Factor", "en": "Factor"}},
                {"key": "bedrag", "type": "amount", "label": {"nl": "Bedrag", "en": "Amount"}},
                {"key": "geboren", "type": "date", "date_max": "today", "label": {"nl": "Geboren", "en": "Born"}},
                {"key": "verhuizen", "type": "date", "date_min": "today", "label": {"nl": "Verhuizen", "en": "Move"}},
                {"key": "akkoord", "type": "yes_no", "label": {"nl": "Akkoord", "en": "Agreed"}},
                {
                    "key": "kleur",
                    "type": "single_choice",
                    "label": {"nl": "Kleur", "en": "Colour"},
                    "options": [
                        {"value": "rood", "label": {"nl": "Rood", "en": "Red"}},
                        {"value": "blauw", "label": {"nl": "Blauw", "en": "Blue"}},
                    ],
                },
                {
                    "key": "talen",
                    "type": "multiple_choice",
                    "label": {"nl": "Talen", "en": "Languages"},
                    "options": [
                        {"value": "nl", "label": {"nl": "Nederlands", "en": "Dutch"}},
                        {"value": "en", "label": {"nl": "Engels", "en": "English"}},
                        {"value": "de", "label": {"nl": "Duits", "en": "German"}},
                    ],
                },
                {"key": "mail", "type": "email", "label": {"nl": "E-mail", "en": "E-mail"}},
                {"key": "tel", "type": "phone", "label": {"nl": "Telefoon", "en": "Phone"}},
                {"key": "rekening", "type": "iban", "label": {"nl": "IBAN", "en": "IBAN"}},
                {
                    "key": "uitleg_rood",
                    "type": "short_text",
                    "required": True,
                    "show_if": {"question": "kleur", "equals": "rood"},
                    "label": {"nl": "Waarom rood?", "en": "Why red?"},
                },
                {
                    "key": "duits_niveau",
                    "type": "short_text",
                    "show_if": {"question": "talen", "in": ["de"]},
                    "label": {"nl": "Niveau Duits", "en": "German level"},
                },
            ],
        },
        {
            "key": "twee",
            "title": {"nl": "Pagina twee", "en": "Page two"},
            "questions": [
                {"key": "slot", "type": "short_text", "required": True, "label": {"nl": "Slot", "en": "End"}},
                {
                    "key": "rood_vervolg",
                    "type": "long_text",
                    "required": True,
                    "show_if": {"question": "kleur", "equals": "rood"},
                    "label": {"nl": "Meer over rood", "en": "More about red"},
                },
            ],
        },
    ],
}


PAGE_ONE = {
    "voornamen": "Ayşe",
    "achternaam": "Özdemir",
    "geboortedatum": "1985-04-12",
    "geboorteplaats": "Utrecht",
    "nationaliteit": "Nederlandse",
    "adres": "Dorpsstraat 1, 3511 AA Utrecht",
    "telefoon": "06 12345678",
    "email": "ayse@example.nl",
}
PAGE_TWO = {"burgerlijke_staat": "ongehuwd", "koopt_met_partner": "nee"}
PAGE_THREE = {
    "hypotheek": "ja",
    "geldverstrekker": "Bank",
    "hypotheekbedrag": "350.000",
    "nhg": "nee",
    "schenking": "nee",
}
PAGE_FOUR = {"iban": "NL91 ABNA 0417 1643 00", "rekeninghouder": "A. Özdemir"}
PAGE_FIVE = {"bewoners": ["ikzelf"], "inschrijving": "ja", "opmerkingen": "<script>alert('x')</script> & \"quotes\""}
HOUSE_PAGES = [PAGE_ONE, PAGE_TWO, PAGE_THREE, PAGE_FOUR, PAGE_FIVE]


def fill_house(db, world, pages=HOUSE_PAGES):
    for index, answers in enumerate(pages):
        q.save_page(db, world["client"], world["house"].id, index, answers, today=TODAY)
    db.commit()


def finish(db, world, request_id=None):
    completion = q.complete(
        db, world["client"], request_id or world["house"].id, store=world["store"], settings=world["settings"]
    )
    commit_or_discard(db, world["store"], completion.document)
    return completion
