"""The e-mail texts: both languages, escaping, and no content in notifications."""

from __future__ import annotations

import re

import pytest

from portal_app.notifications.services.mail_templates import KINDS, RenderedMail, render

OFFICE = "Notariskantoor Van Dam & Partners"
LINK = "https://portaal.example.nl/account/instellen?token=abc123&x=1"

CONTEXTS: dict[str, dict] = {
    "staff_questionnaire_completed": {
        "office_name": OFFICE,
        "name": "Mr. P. de Boer",
        "dossier_number": "2024.0123",
        "link": "https://portaal.example.nl/staff",
    },
    "invite": {"office_name": OFFICE, "name": "Jan Jansen", "link": LINK},
    "set_password_link": {"office_name": OFFICE, "name": "Jan Jansen", "link": LINK, "minutes": 45},
    "password_set": {"office_name": OFFICE, "name": "Jan Jansen", "link": "https://portaal.example.nl/login"},
    "password_changed": {"office_name": OFFICE, "name": "Jan Jansen", "link": "https://portaal.example.nl/login"},
    "staff_new_message": {
        "office_name": OFFICE,
        "name": "Mr. P. de Boer",
        "dossier_number": "2024.0123",
        "link": "https://portaal.example.nl/staff/dossier/7",
    },
    "notification_digest": {
        "office_name": OFFICE,
        "name": "Jan Jansen",
        "items": [
            {"dossier_number": "2024.0123", "kind": "document"},
            {"dossier_number": "2024.0456", "kind": "questionnaire"},
        ],
        "link": "https://portaal.example.nl/login",
    },
    "email_change_confirm": {"office_name": OFFICE, "name": "Jan Jansen", "link": LINK},
    "email_change_notice": {"office_name": OFFICE, "name": "Jan Jansen", "new_email_masked": "j***@e***.nl"},
    "email_changed_by_office": {"office_name": OFFICE, "name": "Jan Jansen", "new_email_masked": "j***@e***.nl"},
    "email_change_taken": {"office_name": OFFICE, "name": "Jan Jansen", "link": "https://portaal.example.nl/login"},
    "password_link_refused": {"office_name": OFFICE, "name": "Jan Jansen", "link": "https://portaal.example.nl/login"},
    "staff_trust_account_changed": {
        "office_name": OFFICE,
        "name": "Mr. P. de Boer",
        "changed_by": "Mr. A. Admin",
        "iban_end": "6430",
        "link": "https://portaal.example.nl/staff/instellingen",
    },
    "signing_reminder_week": {
        "office_name": OFFICE,
        "name": "Jan Jansen",
        "dossier_number": "2026-0142",
        "day": "20 december 2026",
        "time": "10:00",
        "link": "https://portaal.example.nl/dossiers/1",
    },
    "signing_reminder_day": {
        "office_name": OFFICE,
        "name": "Jan Jansen",
        "dossier_number": "2026-0142",
        "day": "20 december 2026",
        "time": "10:00",
        "link": "https://portaal.example.nl/dossiers/1",
    },
    **{
        kind: {
            "office_name": OFFICE,
            "name": "Mr. P. de Boer",
            "dossier_number": "2026-0142",
            "link": "https://portaal.example.nl/staff",
        }
        for kind in (
            "staff_message_held",
            "staff_published_text_refused",
            "staff_draft_comment",
            "staff_draft_approved",
        )
    },
    "extra_account_exists": {
        "office_name": OFFICE,
        "name": "Jan Jansen",
        "company_name": "Bakkerij De Boer B.V.",
        "link": "https://portaal.example.nl/login",
    },
}


def _visible_text(html_body: str) -> str:
    return re.sub(r"<[^>]+>", " ", html_body)


def test_every_kind_has_a_context_here():
    assert set(CONTEXTS) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_every_kind_renders_in_dutch_and_english(kind):
    nl = render(kind, "nl", CONTEXTS[kind])
    en = render(kind, "en", CONTEXTS[kind])
    for mail in (nl, en):
        assert isinstance(mail, RenderedMail)
        assert mail.subject and "\n" not in mail.subject
        assert "Jan Jansen" in mail.text or "P. de Boer" in mail.text
        # office name in the header and the footer of the HTML, and in the text
        assert mail.html.count("Van Dam &amp; Partners") >= 2
        assert OFFICE in mail.text
        assert mail.html.lstrip().startswith("<!DOCTYPE html>")
    assert nl.subject != en.subject
    assert nl.text != en.text
    assert "Geachte" in nl.text and "Met vriendelijke groet" in nl.text
    assert "Dear" in en.text and "Kind regards" in en.text
    assert '<html lang="nl">' in nl.html and '<html lang="en">' in en.html
    if "link" in CONTEXTS[kind]:
        link = CONTEXTS[kind]["link"]
        assert link in nl.text and link in en.text
        assert f'href="{link.replace("&", "&amp;")}"' in nl.html


def test_dutch_is_the_default_and_unknown_languages_fall_back():
    dutch = render("invite", "nl", CONTEXTS["invite"])
    assert render("invite", "", CONTEXTS["invite"]) == dutch
    assert render("invite", "fr", CONTEXTS["invite"]) == dutch
    assert render("invite", "EN-gb", CONTEXTS["invite"]) == render("invite", "en", CONTEXTS["invite"])


def test_invite_and_reset_texts_say_how_long_the_link_is_valid():
    assert "72 uur" in render("invite", "nl", CONTEXTS["invite"]).text
    assert "72 hours" in render("invite", "en", CONTEXTS["invite"]).text
    nl = render("set_password_link", "nl", CONTEXTS["set_password_link"])
    assert "45 minuten" in nl.text
    assert "negeren" in nl.text  # "if you did not ask, ignore"
    assert "45 minutes" in render("set_password_link", "en", CONTEXTS["set_password_link"]).text
    changed = render("password_changed", "nl", CONTEXTS["password_changed"]).text
    assert "sessies" in changed and "contact op" in changed


def test_context_values_are_html_escaped():
    context = dict(CONTEXTS["staff_new_message"])
    context["name"] = '<script>alert("x")</script>'
    context["dossier_number"] = "<b>2024</b>"
    context["office_name"] = "Kantoor <img src=x onerror=alert(1)>"
    mail = render("staff_new_message", "nl", context)
    assert "<script>" not in mail.html
    assert "<img" not in mail.html
    assert "<b>2024</b>" not in mail.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in mail.html
    assert "&lt;b&gt;2024&lt;/b&gt;" in mail.html
    assert "Kantoor &lt;img src=x onerror=alert(1)&gt;" in mail.html
    # the plain-text part shows the value as it is
    assert '<script>alert("x")</script>' in mail.text


def test_link_must_be_http_and_is_attribute_escaped():
    context = dict(CONTEXTS["invite"], link='https://portaal.example.nl/x?a="onmouseover=alert(1)')
    mail = render("invite", "nl", context)
    assert '"onmouseover' not in mail.html
    assert "&quot;onmouseover" in mail.html
    for bad in ("javascript:alert(1)", "data:text/html,hi", "/relative/path", "https://a b.nl/"):
        with pytest.raises(ValueError):
            render("invite", "nl", dict(CONTEXTS["invite"], link=bad))


def test_values_cannot_break_the_subject_line():
    context = dict(CONTEXTS["staff_new_message"], dossier_number="2024.1\r\nBcc: evil@example.com")
    mail = render("staff_new_message", "nl", context)
    assert "\r" not in mail.subject and "\n" not in mail.subject


def test_digest_names_only_dossier_numbers_and_kinds():
    context = {
        "office_name": OFFICE,
        "name": "Jan Jansen",
        "link": "https://portaal.example.nl/login",
        "items": [
            {"dossier_number": "2024.0123", "kind": "document", "title": "Testament SECRETVALUE", "body": "LEAK1"},
            {"dossier_number": "2024.0123", "kind": "document", "filename": "hypotheek-LEAK2.pdf"},
            {"dossier_number": "2024.0123", "kind": "message", "text": "Het bedrag is LEAK3"},
            {"dossier_number": "2023.0999", "kind": "questionnaire", "name": "Vragenlijst LEAK4"},
        ],
    }
    for language in ("nl", "en"):
        mail = render("notification_digest", language, context)
        for part in (mail.subject, mail.text, mail.html):
            for secret in ("SECRETVALUE", "LEAK1", "LEAK2", "LEAK3", "LEAK4", "Testament", "hypotheek"):
                assert secret not in part
        assert "2024.0123" in mail.text and "2023.0999" in mail.text
        assert "2024.0123" in mail.html and "2023.0999" in mail.html
    nl = render("notification_digest", "nl", context).text
    assert "Dossier 2024.0123: 2 nieuwe documenten, een nieuw bericht" in nl
    assert "Dossier 2023.0999: een nieuwe vragenlijst" in nl
    en = render("notification_digest", "en", context).text
    assert "File 2024.0123: 2 new documents, a new message" in en
    assert "File 2023.0999: a new questionnaire" in en


def test_digest_lists_exactly_one_line_per_dossier():
    mail = render("notification_digest", "nl", CONTEXTS["notification_digest"])
    item_lines = [line for line in mail.text.splitlines() if line.startswith("- ")]
    assert item_lines == [
        "- Dossier 2024.0123: een nieuw document",
        "- Dossier 2024.0456: een nieuwe vragenlijst",
    ]
    assert _visible_text(mail.html).count("Dossier") == 2


@pytest.mark.parametrize(
    "items",
    [[], None, [{"dossier_number": "1"}], [{"dossier_number": "1", "kind": "secret-title"}], ["2024.1"]],
)
def test_digest_rejects_bad_items(items):
    with pytest.raises(ValueError):
        render("notification_digest", "nl", dict(CONTEXTS["notification_digest"], items=items))


def test_staff_message_mail_never_contains_message_content():
    context = dict(CONTEXTS["staff_new_message"], body="Mijn BSN is 123456782", subject="Geheim")
    mail = render("staff_new_message", "nl", context)
    for part in (mail.subject, mail.text, mail.html):
        assert "123456782" not in part and "Geheim" not in part
    assert "2024.0123" in mail.subject


def test_email_change_notice_shows_only_the_masked_address_and_no_link():
    mail = render("email_change_notice", "nl", CONTEXTS["email_change_notice"])
    assert "j***@e***.nl" in mail.text
    assert "href" not in mail.html
    assert "http" not in mail.text


def test_extra_context_keys_are_ignored():
    context = dict(CONTEXTS["password_set"], password="Hunter2!", token="SECRET-TOKEN")
    mail = render("password_set", "nl", context)
    for part in (mail.subject, mail.text, mail.html):
        assert "Hunter2!" not in part and "SECRET-TOKEN" not in part


def test_unknown_kind_raises():
    with pytest.raises(ValueError):
        render("newsletter", "nl", CONTEXTS["invite"])


def test_missing_context_raises():
    context = dict(CONTEXTS["set_password_link"])
    del context["minutes"]
    with pytest.raises(ValueError, match="minutes"):
        render("set_password_link", "nl", context)


# ----------------------------------------------------------------------------- branding


def test_without_branding_arguments_the_output_is_unchanged():
    for kind, context in CONTEXTS.items():
        assert render(kind, "nl", context, brand_colour=None, logo_cid=None) == render(kind, "nl", context)
    mail = render("invite", "nl", CONTEXTS["invite"])
    assert "background:#1f3a5f" in mail.html and "<img" not in mail.html


def test_brand_colour_colours_the_header_band_and_the_button():
    mail = render("invite", "nl", CONTEXTS["invite"], brand_colour="#7A1F1F")
    assert "#1f3a5f" not in mail.html
    assert mail.html.count("background:#7a1f1f") == 2  # header band and button
    assert "color:#7a1f1f" in mail.html  # the fallback link
    assert mail.text == render("invite", "nl", CONTEXTS["invite"]).text


def test_logo_cid_shows_the_logo_with_the_office_name_as_alt_text():
    cid = "logo-0123456789abcdef.png@klantenportaal"
    mail = render("invite", "en", CONTEXTS["invite"], logo_cid=cid)
    header = mail.html.split('<div style="padding:8px 24px')[0]
    assert f'<img src="cid:{cid}" alt="Notariskantoor Van Dam &amp; Partners"' in header
    assert "cid:" not in mail.text and OFFICE in mail.text
    # the office name is still in the footer and the closing
    assert mail.html.count("Van Dam &amp; Partners") >= 3


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "#1f3a5f;background:url(x)", "javascript:x"])
def test_bad_brand_colours_are_refused(colour):
    with pytest.raises(ValueError):
        render("invite", "nl", CONTEXTS["invite"], brand_colour=colour)


@pytest.mark.parametrize("cid", ['x"onerror="alert(1)@a', "no-at-sign", "a@b c", "<logo@x>", "a@" + "b" * 200])
def test_bad_logo_cids_are_refused(cid):
    with pytest.raises(ValueError):
        render("invite", "nl", CONTEXTS["invite"], logo_cid=cid)
