"""E-mail texts of the portal, in Dutch (default) and English.

`render(kind, language, context)` returns the subject, a plain-text body and a
simple HTML body. Rules that every template follows:

- Only the context keys a kind declares are used; anything else in `context`
  is ignored, so a caller cannot leak data by passing too much.
- No secrets except the one personal link. No content of dossiers, documents,
  questionnaires or messages (professional secrecy): the notification digest
  names dossier numbers and the *kind* of new item only.
- Every context value is HTML-escaped in the HTML body; links must be http(s).
- The office name appears in the header and the footer.
- The header band and the button take the office's brand colour; with a logo
  the header shows it as an inline image (`cid:`), its alt text the office name.

Plain Python, no Reflex import.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_LANGUAGE = "nl"
LANGUAGES = ("nl", "en")
DEFAULT_BRAND_COLOUR = "#1f3a5f"
BRAND_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")
# A Content-ID as the outbox writes it (RFC 2392: an addr-spec-like id without <>).
LOGO_CID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}@[A-Za-z0-9][A-Za-z0-9.-]{0,80}")
# The logo's height in the header band (the image is at most 600 x 200 px, shown scaled).
LOGO_HEIGHT_PX = 48


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


# A template is a subject plus a list of blocks:
#   ("p", "text with {placeholders}")   a paragraph
#   ("link", "button label")            the personal link (context["link"])
#   ("items", "")                       the digest list (notification_digest only)
# Greeting and closing are added by `render`.
_Block = tuple[str, str]

_REQUIRED: dict[str, tuple[str, ...]] = {
    "invite": ("office_name", "name", "link"),
    "set_password_link": ("office_name", "name", "link", "minutes"),
    "password_set": ("office_name", "name", "link"),
    "password_changed": ("office_name", "name", "link"),
    "staff_new_message": ("office_name", "name", "dossier_number", "link"),
    "staff_questionnaire_completed": ("office_name", "name", "dossier_number", "link"),
    "notification_digest": ("office_name", "name", "items", "link"),
    "email_change_confirm": ("office_name", "name", "link"),
    "email_change_notice": ("office_name", "name", "new_email_masked"),
    # Staff changed the address (office/services/staff_clients.py); told at the OLD address.
    "email_changed_by_office": ("office_name", "name", "new_email_masked"),
    # Calm reminders of the signing appointment (signing/services/reminders.py): day and time, never the place.
    "signing_reminder_week": ("office_name", "name", "dossier_number", "day", "time", "link"),
    "signing_reminder_day": ("office_name", "name", "dossier_number", "day", "time", "link"),
    "staff_trust_account_changed": ("office_name", "name", "changed_by", "iban_end", "link"),
    # Issue 17: admins hear of IBAN-guard decisions; the handler hears of a client's reaction to a draft deed.
    "staff_message_held": ("office_name", "name", "dossier_number", "link"),
    "staff_published_text_refused": ("office_name", "name", "dossier_number", "link"),
    "staff_draft_comment": ("office_name", "name", "dossier_number", "link"),
    "staff_draft_approved": ("office_name", "name", "dossier_number", "link"),
    # No-enumeration answers (accounts/services/no_enumeration.py): mailed where a link or
    # an invitation cannot be, so the form answers the same for every address.
    "password_link_refused": ("office_name", "name", "link"),
    "extra_account_exists": ("office_name", "name", "company_name", "link"),
    "email_change_taken": ("office_name", "name", "link"),
}
# Optional keys with their defaults.
_OPTIONAL: dict[str, dict[str, Any]] = {
    "invite": {"hours": 72},
}

KINDS = tuple(_REQUIRED)
# "appointment" and "settlement" (issue 17): the signing appointment or the settlement statement was set or changed.
DIGEST_ITEM_KINDS = ("document", "questionnaire", "message", "appointment", "settlement")

_TEMPLATES: dict[str, dict[str, dict[str, Any]]] = {
    "invite": {
        "nl": {
            "subject": "Uw account voor het klantenportaal van {office_name}",
            "blocks": [
                (
                    "p",
                    "Wij hebben voor u een account aangemaakt in het beveiligde klantenportaal van "
                    "{office_name}. Via dit portaal wisselen wij veilig documenten en berichten met u uit.",
                ),
                (
                    "p",
                    "Klik op de onderstaande persoonlijke link om uw account in te stellen. "
                    "Deze link is {hours} uur geldig.",
                ),
                ("link", "Account instellen"),
                (
                    "p",
                    "Na het klikken op de link vult u uw e-mailadres in. U ontvangt daarna een tweede "
                    "e-mail met een link om uw wachtwoord in te stellen.",
                ),
                ("p", "Deze link is persoonlijk. Stuur deze e-mail daarom niet door."),
            ],
        },
        "en": {
            "subject": "Your account for the client portal of {office_name}",
            "blocks": [
                (
                    "p",
                    "We have created an account for you in the secure client portal of {office_name}. "
                    "Through this portal we exchange documents and messages with you securely.",
                ),
                (
                    "p",
                    "Please click the personal link below to set up your account. "
                    "This link is valid for {hours} hours.",
                ),
                ("link", "Set up account"),
                (
                    "p",
                    "After clicking the link, enter your e-mail address. You will then receive a second "
                    "e-mail with a link to set your password.",
                ),
                ("p", "This link is personal. Please do not forward this e-mail."),
            ],
        },
    },
    "set_password_link": {
        "nl": {
            "subject": "Uw wachtwoord instellen voor het klantenportaal",
            "blocks": [
                (
                    "p",
                    "U heeft gevraagd om uw wachtwoord voor het klantenportaal van {office_name} "
                    "in te stellen of te wijzigen.",
                ),
                (
                    "p",
                    "Klik op de onderstaande link om een wachtwoord vast te leggen. "
                    "Deze link is {minutes} minuten geldig en kan één keer worden gebruikt.",
                ),
                ("link", "Wachtwoord instellen"),
                (
                    "p",
                    "Heeft u dit niet zelf aangevraagd? Dan kunt u deze e-mail negeren; "
                    "uw huidige wachtwoord blijft dan ongewijzigd.",
                ),
            ],
        },
        "en": {
            "subject": "Set your password for the client portal",
            "blocks": [
                ("p", "You asked to set or change your password for the client portal of {office_name}."),
                (
                    "p",
                    "Please click the link below to choose a password. "
                    "This link is valid for {minutes} minutes and can be used once.",
                ),
                ("link", "Set password"),
                (
                    "p",
                    "Did you not ask for this? Then you can ignore this e-mail; your current password stays as it is.",
                ),
            ],
        },
    },
    "password_set": {
        "nl": {
            "subject": "Uw wachtwoord is ingesteld",
            "blocks": [
                (
                    "p",
                    "Hierbij bevestigen wij dat uw wachtwoord voor het klantenportaal van {office_name} is ingesteld.",
                ),
                ("p", "U kunt vanaf nu inloggen met uw e-mailadres en uw wachtwoord."),
                ("link", "Naar het klantenportaal"),
                ("p", "Heeft u dit niet zelf gedaan? Neem dan direct contact op met ons kantoor."),
            ],
        },
        "en": {
            "subject": "Your password has been set",
            "blocks": [
                ("p", "We hereby confirm that your password for the client portal of {office_name} has been set."),
                ("p", "From now on you can log in with your e-mail address and your password."),
                ("link", "Go to the client portal"),
                ("p", "Did you not do this yourself? Please contact our office immediately."),
            ],
        },
    },
    "password_changed": {
        "nl": {
            "subject": "Uw wachtwoord is gewijzigd",
            "blocks": [
                (
                    "p",
                    "Het wachtwoord van uw account in het klantenportaal van {office_name} is zojuist "
                    "gewijzigd of opnieuw ingesteld. Uit veiligheidsoverwegingen zijn alle sessies "
                    "beëindigd; u moet daarom op al uw apparaten opnieuw inloggen.",
                ),
                ("link", "Naar het klantenportaal"),
                ("p", "Heeft u uw wachtwoord niet zelf gewijzigd? Neem dan direct contact op met ons kantoor."),
            ],
        },
        "en": {
            "subject": "Your password has been changed",
            "blocks": [
                (
                    "p",
                    "The password of your account in the client portal of {office_name} has just been "
                    "changed or reset. For your security all sessions have been ended; you will need "
                    "to log in again on all your devices.",
                ),
                ("link", "Go to the client portal"),
                ("p", "Did you not change your password yourself? Please contact our office immediately."),
            ],
        },
    },
    "staff_new_message": {
        "nl": {
            "subject": "Nieuw bericht van een cliënt in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Een cliënt heeft in het klantenportaal een nieuw bericht geplaatst in dossier {dossier_number}.",
                ),
                ("p", "U kunt het bericht lezen en beantwoorden na inloggen in het portaal."),
                ("link", "Bericht bekijken"),
            ],
        },
        "en": {
            "subject": "New message from a client in file {dossier_number}",
            "blocks": [
                ("p", "A client has posted a new message in the client portal in file {dossier_number}."),
                ("p", "You can read and answer the message after logging in to the portal."),
                ("link", "View message"),
            ],
        },
    },
    "staff_message_held": {
        "nl": {
            "subject": "Bericht tegengehouden in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Een bericht van een medewerker in dossier {dossier_number} noemt een ander rekeningnummer "
                    "dan de derdengeldenrekening van het kantoor. Het is niet verstuurd.",
                ),
                ("p", "Controleer het bericht bij Instellingen en kies Vrijgeven of Weigeren."),
                ("link", "Naar Instellingen"),
            ],
        },
        "en": {
            "subject": "Message held in file {dossier_number}",
            "blocks": [
                (
                    "p",
                    "A message from a staff member in file {dossier_number} names an account number other "
                    "than the office's third-party account. It was not sent.",
                ),
                ("p", "Please check the message under Settings and choose Release or Refuse."),
                ("link", "Go to Settings"),
            ],
        },
    },
    "staff_published_text_refused": {
        "nl": {
            "subject": "Publicatie geweigerd in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Een medewerker wilde in dossier {dossier_number} een tekst publiceren die een ander "
                    "rekeningnummer noemt dan de derdengeldenrekening van het kantoor. Het portaal heeft "
                    "dit niet gepubliceerd.",
                ),
                ("p", "U vindt de details in het logboek. Neem zo nodig contact op met de medewerker."),
                ("link", "Naar het portaal"),
            ],
        },
        "en": {
            "subject": "Publication refused in file {dossier_number}",
            "blocks": [
                (
                    "p",
                    "A staff member tried to publish a text in file {dossier_number} that names an account "
                    "number other than the office's third-party account. The portal did not publish it.",
                ),
                ("p", "You will find the details in the audit log. Contact the staff member if needed."),
                ("link", "Go to the portal"),
            ],
        },
    },
    "staff_draft_comment": {
        "nl": {
            "subject": "Opmerking bij de conceptakte in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Een cliënt heeft in het klantenportaal een opmerking geplaatst bij de conceptakte "
                    "in dossier {dossier_number}.",
                ),
                ("p", "U kunt de opmerking lezen na inloggen in het portaal."),
                ("link", "Naar het portaal"),
            ],
        },
        "en": {
            "subject": "Comment on the draft deed in file {dossier_number}",
            "blocks": [
                ("p", "A client has placed a comment on the draft deed in file {dossier_number} in the client portal."),
                ("p", "You can read the comment after logging in to the portal."),
                ("link", "Go to the portal"),
            ],
        },
    },
    "staff_draft_approved": {
        "nl": {
            "subject": "Akkoord met de conceptakte in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Een cliënt heeft in het klantenportaal akkoord gegeven op de conceptakte "
                    "in dossier {dossier_number}.",
                ),
                ("p", "U ziet per versie wie akkoord heeft gegeven na inloggen in het portaal."),
                ("link", "Naar het portaal"),
            ],
        },
        "en": {
            "subject": "Draft deed approved in file {dossier_number}",
            "blocks": [
                ("p", "A client has approved the draft deed in file {dossier_number} in the client portal."),
                ("p", "You can see per version who approved it after logging in to the portal."),
                ("link", "Go to the portal"),
            ],
        },
    },
    "staff_questionnaire_completed": {
        "nl": {
            "subject": "Vragenlijst ingevuld in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Een cliënt heeft in het klantenportaal een vragenlijst voltooid in dossier "
                    "{dossier_number}. Het resultaat staat als pdf onder “Door cliënt aangeleverd”.",
                ),
                ("p", "U kunt de antwoorden bekijken na inloggen in het portaal."),
                ("link", "Naar het portaal"),
            ],
        },
        "en": {
            "subject": "Questionnaire completed in file {dossier_number}",
            "blocks": [
                (
                    "p",
                    "A client has completed a questionnaire in the client portal in file {dossier_number}. "
                    "The result is stored as a PDF among the documents delivered by the client.",
                ),
                ("p", "You can view the answers after logging in to the portal."),
                ("link", "Go to the portal"),
            ],
        },
    },
    "signing_reminder_week": {
        "nl": {
            "subject": "Over een week: passeren van de akte in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Over een week, op {day} om {time}, heeft u een afspraak bij {office_name} voor het "
                    "passeren van de akte in dossier {dossier_number}.",
                ),
                ("p", "In het klantenportaal ziet u waar de afspraak is en wat u moet meenemen."),
                ("link", "Afspraak bekijken"),
            ],
        },
        "en": {
            "subject": "In one week: signing of the deed in file {dossier_number}",
            "blocks": [
                (
                    "p",
                    "In one week, on {day} at {time}, you have an appointment with {office_name} to sign "
                    "the deed in file {dossier_number}.",
                ),
                ("p", "The client portal shows where the appointment is and what to bring."),
                ("link", "View appointment"),
            ],
        },
    },
    "signing_reminder_day": {
        "nl": {
            "subject": "Morgen: passeren van de akte in dossier {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Morgen, op {day} om {time}, heeft u een afspraak bij {office_name} voor het "
                    "passeren van de akte in dossier {dossier_number}.",
                ),
                ("p", "Vergeet uw geldige legitimatiebewijs niet. In het klantenportaal ziet u wat u verder meeneemt."),
                ("link", "Afspraak bekijken"),
            ],
        },
        "en": {
            "subject": "Tomorrow: signing of the deed in file {dossier_number}",
            "blocks": [
                (
                    "p",
                    "Tomorrow, on {day} at {time}, you have an appointment with {office_name} to sign "
                    "the deed in file {dossier_number}.",
                ),
                ("p", "Do not forget your valid proof of identity. The client portal shows what else to bring."),
                ("link", "View appointment"),
            ],
        },
    },
    "notification_digest": {
        "nl": {
            "subject": "Er staat iets nieuws voor u klaar in het klantenportaal",
            "blocks": [
                ("p", "In het klantenportaal van {office_name} staat iets nieuws voor u klaar:"),
                ("items", ""),
                (
                    "p",
                    "Om uw privacy te beschermen vermelden wij de inhoud niet in deze e-mail. "
                    "U kunt alles bekijken na inloggen in het klantenportaal.",
                ),
                ("link", "Naar het klantenportaal"),
                (
                    "p",
                    "U ontvangt deze e-mail omdat u notificaties heeft ingeschakeld. "
                    "U kunt dit wijzigen onder \u201cMijn gegevens\u201d.",
                ),
            ],
        },
        "en": {
            "subject": "Something new is waiting for you in the client portal",
            "blocks": [
                ("p", "Something new is waiting for you in the client portal of {office_name}:"),
                ("items", ""),
                (
                    "p",
                    "To protect your privacy we do not include any content in this e-mail. "
                    "You can view everything after logging in to the client portal.",
                ),
                ("link", "Go to the client portal"),
                (
                    "p",
                    "You receive this e-mail because you have switched on notifications. "
                    "You can change this under \u201cMy details\u201d.",
                ),
            ],
        },
    },
    "email_change_confirm": {
        "nl": {
            "subject": "Bevestig uw nieuwe e-mailadres",
            "blocks": [
                (
                    "p",
                    "U heeft gevraagd het e-mailadres van uw account in het klantenportaal van "
                    "{office_name} te wijzigen in dit adres.",
                ),
                (
                    "p",
                    "Klik op de onderstaande link om dit nieuwe e-mailadres te bevestigen. "
                    "Pas daarna wordt de wijziging doorgevoerd.",
                ),
                ("link", "E-mailadres bevestigen"),
                (
                    "p",
                    "Heeft u dit niet zelf aangevraagd? Dan kunt u deze e-mail negeren; er wordt dan niets gewijzigd.",
                ),
            ],
        },
        "en": {
            "subject": "Confirm your new e-mail address",
            "blocks": [
                (
                    "p",
                    "You asked to change the e-mail address of your account in the client portal of "
                    "{office_name} to this address.",
                ),
                (
                    "p",
                    "Please click the link below to confirm this new e-mail address. "
                    "The change only takes effect after you confirm.",
                ),
                ("link", "Confirm e-mail address"),
                ("p", "Did you not ask for this? Then you can ignore this e-mail; nothing will be changed."),
            ],
        },
    },
    "staff_trust_account_changed": {
        "nl": {
            "subject": "Derdengeldenrekening gewijzigd in het klantenportaal",
            "blocks": [
                (
                    "p",
                    "{changed_by} heeft de derdengeldenrekening van {office_name} in het klantenportaal gewijzigd. "
                    "Het rekeningnummer eindigt nu op {iban_end}.",
                ),
                ("p", "Klopt dit niet? Neem dan meteen contact op met een beheerder van het kantoor."),
                ("link", "Naar de instellingen"),
            ],
        },
        "en": {
            "subject": "Third-party account changed in the client portal",
            "blocks": [
                (
                    "p",
                    "{changed_by} has changed the third-party account (derdengeldenrekening) of {office_name} "
                    "in the client portal. The account number now ends in {iban_end}.",
                ),
                ("p", "Is this not right? Contact an administrator of the office immediately."),
                ("link", "Go to the settings"),
            ],
        },
    },
    "email_change_notice": {
        "nl": {
            "subject": "Wijziging van uw e-mailadres aangevraagd",
            "blocks": [
                (
                    "p",
                    "Er is gevraagd het e-mailadres van uw account in het klantenportaal van "
                    "{office_name} te wijzigen in {new_email_masked}.",
                ),
                ("p", "De wijziging gaat pas in nadat deze via het nieuwe e-mailadres is bevestigd."),
                ("p", "Heeft u dit niet zelf aangevraagd? Neem dan direct contact op met ons kantoor."),
            ],
        },
        "en": {
            "subject": "Change of your e-mail address requested",
            "blocks": [
                (
                    "p",
                    "A request was made to change the e-mail address of your account in the client "
                    "portal of {office_name} to {new_email_masked}.",
                ),
                ("p", "The change only takes effect once it has been confirmed from the new address."),
                ("p", "Did you not ask for this? Please contact our office immediately."),
            ],
        },
    },
    "email_changed_by_office": {
        "nl": {
            "subject": "Uw e-mailadres is gewijzigd",
            "blocks": [
                (
                    "p",
                    "{office_name} heeft het e-mailadres van uw account in het klantenportaal gewijzigd in "
                    "{new_email_masked}. E-mails van het klantenportaal gaan voortaan naar dat adres.",
                ),
                ("p", "Klopt dit niet? Neem dan direct contact op met ons kantoor."),
            ],
        },
        "en": {
            "subject": "Your e-mail address has been changed",
            "blocks": [
                (
                    "p",
                    "{office_name} has changed the e-mail address of your account in the client portal to "
                    "{new_email_masked}. E-mails from the client portal will go to that address from now on.",
                ),
                ("p", "Is this not right? Please contact our office immediately."),
            ],
        },
    },
    "password_link_refused": {
        "nl": {
            "subject": "Uw aanvraag voor het klantenportaal",
            "blocks": [
                (
                    "p",
                    "Er is voor dit e-mailadres een link gevraagd om een wachtwoord in te stellen voor het "
                    "klantenportaal van {office_name}. Wij konden geen link sturen: er is geen actief account "
                    "met dit e-mailadres, of de uitnodiging is niet meer geldig.",
                ),
                ("p", "Heeft u dit zelf gevraagd? Neem dan contact op met ons kantoor."),
                ("link", "Naar het klantenportaal"),
                ("p", "Heeft u dit niet zelf gevraagd? Dan kunt u deze e-mail negeren."),
            ],
        },
        "en": {
            "subject": "Your request for the client portal",
            "blocks": [
                (
                    "p",
                    "A link to set a password for the client portal of {office_name} was requested for this "
                    "e-mail address. We could not send a link: there is no active account with this e-mail "
                    "address, or the invitation is no longer valid.",
                ),
                ("p", "Did you ask for this yourself? Then please contact our office."),
                ("link", "Go to the client portal"),
                ("p", "Did you not ask for this? Then you can ignore this e-mail."),
            ],
        },
    },
    "email_change_taken": {
        "nl": {
            "subject": "Uw e-mailadres en het klantenportaal",
            "blocks": [
                (
                    "p",
                    "Iemand wilde dit e-mailadres gebruiken voor een ander account in het klantenportaal van "
                    "{office_name}. Dit e-mailadres heeft al een account, dus er is niets gewijzigd.",
                ),
                ("p", "Heeft u dit zelf gevraagd? Neem dan contact op met ons kantoor."),
                ("link", "Naar het klantenportaal"),
            ],
        },
        "en": {
            "subject": "Your e-mail address and the client portal",
            "blocks": [
                (
                    "p",
                    "Someone wanted to use this e-mail address for another account in the client portal of "
                    "{office_name}. This e-mail address already has an account, so nothing was changed.",
                ),
                ("p", "Did you ask for this yourself? Then please contact our office."),
                ("link", "Go to the client portal"),
            ],
        },
    },
    "extra_account_exists": {
        "nl": {
            "subject": "Uw e-mailadres en het klantenportaal",
            "blocks": [
                (
                    "p",
                    "{company_name} wilde een extra account met dit e-mailadres aanmaken in het klantenportaal "
                    "van {office_name}. Dit e-mailadres heeft al een account, dus er is geen nieuw account gemaakt.",
                ),
                ("p", "Wilt u toegang tot de dossiers van {company_name}? Neem dan contact op met ons kantoor."),
                ("link", "Naar het klantenportaal"),
            ],
        },
        "en": {
            "subject": "Your e-mail address and the client portal",
            "blocks": [
                (
                    "p",
                    "{company_name} wanted to create an extra account with this e-mail address in the client "
                    "portal of {office_name}. This e-mail address already has an account, so no new account "
                    "was made.",
                ),
                ("p", "Would you like access to the files of {company_name}? Then please contact our office."),
                ("link", "Go to the client portal"),
            ],
        },
    },
}

_GREETING = {"nl": "Geachte {name},", "en": "Dear {name},"}
_GREETING_NO_NAME = {"nl": "Geachte heer/mevrouw,", "en": "Dear Sir or Madam,"}
_CLOSING = {"nl": "Met vriendelijke groet,", "en": "Kind regards,"}
_LINK_FALLBACK = {
    "nl": "Werkt de knop niet? Kopieer dan deze link naar uw browser:",
    "en": "Does the button not work? Copy this link into your browser:",
}
_AUTOMATIC = {
    "nl": "Dit is een automatisch verzonden e-mail van {office_name}. U kunt hier niet op antwoorden.",
    "en": "This is an automatically sent e-mail from {office_name}. Please do not reply to it.",
}
# In every mail (issue 17, IBAN fraud): criminals send "new account number" mails in the office's name.
# No phone number here on purpose: a forged mail could show a false one; clients use the number they know.
_NO_NEW_ACCOUNT = {
    "nl": "Let op: {office_name} stuurt u nooit per bericht of e-mail een nieuw rekeningnummer. "
    "Krijgt u zo'n bericht? Maak dan niets over en bel het kantoor op het telefoonnummer dat u al kent.",
    "en": "Please note: {office_name} will never send you a new account number by message or e-mail. "
    "Did you get such a message? Do not transfer anything and call the office on the phone number you already know.",
}
_DOSSIER = {"nl": "Dossier", "en": "File"}
# (singular, plural) per digest item kind; a count above 1 uses the plural.
_ITEM_LABELS = {
    "nl": {
        "document": ("een nieuw document", "nieuwe documenten"),
        "questionnaire": ("een nieuwe vragenlijst", "nieuwe vragenlijsten"),
        "message": ("een nieuw bericht", "nieuwe berichten"),
        "appointment": ("een nieuwe of gewijzigde passeerafspraak", "nieuwe of gewijzigde passeerafspraken"),
        "settlement": ("een nieuwe of gewijzigde nota van afrekening", "nieuwe of gewijzigde nota's van afrekening"),
    },
    "en": {
        "document": ("a new document", "new documents"),
        "questionnaire": ("a new questionnaire", "new questionnaires"),
        "message": ("a new message", "new messages"),
        "appointment": ("a new or changed signing appointment", "new or changed signing appointments"),
        "settlement": ("a new or changed settlement statement", "new or changed settlement statements"),
    },
}


def normalize_language(language: str | None) -> str:
    """'en', 'EN', 'en-GB' -> 'en'; anything unknown -> Dutch."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def _one_line(value: Any) -> str:
    """Context values are single-line text (no header or layout tricks)."""
    return " ".join(str(value).split())


def _check_link(link: Any) -> str:
    text = str(link).strip()
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.netloc or any(ch.isspace() for ch in text):
        raise ValueError("mail link must be an absolute http(s) URL")
    return text


def _digest_lines(items: Any, language: str) -> list[tuple[str, str]]:
    """[(dossier_number, 'nieuw document, nieuw bericht'), ...] in first-seen order.

    Items are {"dossier_number", "kind"} with an optional integer "count"; every
    other key (titles, names, content) is ignored on purpose.
    """
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError("notification_digest needs a non-empty list of items")
    grouped: dict[str, dict[str, int]] = {}
    for item in items:
        try:
            number = _one_line(item["dossier_number"])
            kind = item["kind"]
        except (KeyError, TypeError):
            raise ValueError("digest items need dossier_number and kind") from None
        if kind not in DIGEST_ITEM_KINDS:
            raise ValueError(f"unknown digest item kind {kind!r}")
        count = item.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("digest item count must be a positive whole number")
        per_kind = grouped.setdefault(number, {})
        per_kind[kind] = per_kind.get(kind, 0) + count
    lines = []
    labels = _ITEM_LABELS[language]
    for number, per_kind in grouped.items():
        parts = []
        for kind in DIGEST_ITEM_KINDS:  # fixed order: documents, questionnaires, messages
            count = per_kind.get(kind)
            if not count:
                continue
            singular, plural = labels[kind]
            parts.append(singular if count == 1 else f"{count} {plural}")
        lines.append((number, ", ".join(parts)))
    return lines


def _values(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(context, dict):
        raise ValueError("context must be a dict")
    # 'name' may be empty (a neutral greeting is used then); every other key is required.
    missing = [key for key in _REQUIRED[kind] if key not in context or (key != "name" and context[key] in (None, ""))]
    if missing:
        raise ValueError(f"mail {kind!r} is missing context: {', '.join(missing)}")
    values: dict[str, Any] = dict(_OPTIONAL.get(kind, {}))
    for key in _REQUIRED[kind] + tuple(_OPTIONAL.get(kind, {})):
        if key in context and context[key] is not None:
            values[key] = context[key]
    for key in values:
        if key == "items":
            continue
        if key == "link":
            values[key] = _check_link(values[key])
        else:
            values[key] = _one_line(values[key])
    return values


def _check_colour(colour: str | None) -> str:
    if colour is None or colour == "":
        return DEFAULT_BRAND_COLOUR
    if not isinstance(colour, str) or not BRAND_COLOUR_RE.fullmatch(colour):
        raise ValueError("brand colour must be #rrggbb")
    return colour.lower()


def _check_cid(cid: str | None) -> str:
    if cid is None or cid == "":
        return ""
    if not isinstance(cid, str) or not LOGO_CID.fullmatch(cid):
        raise ValueError("logo cid must look like name@domain")
    return cid


def logo_img(cid: str, office_html: str) -> str:
    """The header's <img> for an inline logo (also what the outbox strips when the file is gone)."""
    return (
        f'<img src="cid:{html.escape(cid, quote=True)}" alt="{office_html}" height="{LOGO_HEIGHT_PX}" '
        f'style="display:block;height:{LOGO_HEIGHT_PX}px;width:auto;max-width:100%;border:0;'
        'background:#ffffff;padding:6px;border-radius:4px">'
    )


def render(
    kind: str,
    language: str,
    context: dict[str, Any],
    *,
    brand_colour: str | None = None,
    logo_cid: str | None = None,
) -> RenderedMail:
    """Render mail `kind` in `language` ('nl' default, 'en'). Unknown kind -> ValueError.

    `brand_colour` ("#rrggbb") colours the header band and the button;
    `logo_cid` puts `<img src="cid:...">` in the header instead of the office
    name (the sender attaches the image under that Content-ID).
    """
    if kind not in _TEMPLATES:
        raise ValueError(f"unknown mail kind {kind!r}")
    colour = _check_colour(brand_colour)
    cid = _check_cid(logo_cid)
    lang = normalize_language(language)
    values = _values(kind, context)
    template = _TEMPLATES[kind][lang]
    escaped = {key: html.escape(str(value), quote=True) for key, value in values.items() if key != "items"}
    plain = {key: value for key, value in values.items() if key != "items"}
    office_text = plain["office_name"]
    office_html = escaped["office_name"]

    subject = _one_line(template["subject"].format_map(plain))

    text_parts: list[str] = []
    html_parts: list[str] = []
    if plain.get("name"):
        text_parts.append(_GREETING[lang].format_map(plain))
        html_parts.append(f"<p>{html.escape(_GREETING[lang]).format_map(escaped)}</p>")
    else:
        text_parts.append(_GREETING_NO_NAME[lang])
        html_parts.append(f"<p>{html.escape(_GREETING_NO_NAME[lang])}</p>")

    for block, body in template["blocks"]:
        if block == "p":
            text_parts.append(body.format_map(plain))
            html_parts.append(f"<p>{html.escape(body).format_map(escaped)}</p>")
        elif block == "link":
            link_text = plain["link"]
            link_html = escaped["link"]
            text_parts.append(f"{body}:\n{link_text}")
            html_parts.append(
                '<p style="margin:24px 0">'
                f'<a href="{link_html}" style="background:{colour};color:#ffffff;padding:10px 18px;'
                f'border-radius:4px;text-decoration:none;display:inline-block">{html.escape(body)}</a></p>'
                f'<p style="font-size:13px;color:#555555">{html.escape(_LINK_FALLBACK[lang])}<br>'
                f'<a href="{link_html}" style="color:{colour};word-break:break-all">{link_html}</a></p>'
            )
        elif block == "items":
            lines = _digest_lines(values["items"], lang)
            text_parts.append("\n".join(f"- {_DOSSIER[lang]} {number}: {what}" for number, what in lines))
            html_parts.append(
                "<ul>"
                + "".join(
                    f"<li>{_DOSSIER[lang]} <strong>{html.escape(number)}</strong>: {html.escape(what)}</li>"
                    for number, what in lines
                )
                + "</ul>"
            )

    text_parts.append(f"{_CLOSING[lang]}\n{office_text}")
    text_parts.append("-- \n" + _NO_NEW_ACCOUNT[lang].format_map(plain) + "\n" + _AUTOMATIC[lang].format_map(plain))
    text = "\n\n".join(text_parts) + "\n"

    html_parts.append(f"<p>{html.escape(_CLOSING[lang])}<br>{office_html}</p>")
    header_html = logo_img(cid, office_html) if cid else office_html
    body_html = (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>"
        '<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;'
        'font-size:15px;line-height:1.5;color:#222222">'
        '<div style="max-width:600px;margin:0 auto;background:#ffffff">'
        f'<div style="background:{colour};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:bold">'
        f"{header_html}</div>"
        f'<div style="padding:8px 24px 16px 24px">{"".join(html_parts)}</div>'
        '<div style="border-top:1px solid #dddddd;padding:12px 24px;font-size:12px;color:#777777">'
        f'<p style="margin:0 0 8px 0;color:#222222;font-weight:bold">{html.escape(_NO_NEW_ACCOUNT[lang]).format_map(escaped)}</p>'
        f"{html.escape(_AUTOMATIC[lang]).format_map(escaped)}</div>"
        "</div></body></html>\n"
    )
    return RenderedMail(subject=subject, text=text, html=body_html)
