"""The outbox in plain words: who a mail is for, what kind of mail it is, and the mail as its recipient sees it."""

from __future__ import annotations

import pytest

from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ServiceError
from portal_app.notifications.services import mail, staff_outbox
from portal_app.notifications.services.mail_templates import KINDS

SECRET = "GEHEIM123abc"


def queued_invite(db, world):
    row = mail.queue_mail(
        session=db,
        to=world.client.email,
        kind="invite",
        language="nl",
        account_id=world.client.id,
        context={"office_name": "Kantoor", "name": "Klaas", "link": f"https://p.example.nl/activeren?token={SECRET}"},
    )
    db.commit()
    return row


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_mail_kind_has_a_plain_description(language):
    for kind in (*KINDS, "sms"):
        label = staff_outbox.kind_label(kind, language)
        assert label != kind and "_" not in label, (kind, language)
    assert staff_outbox.kind_label("gone_kind", language) == "gone_kind"


def test_rows_name_the_person_and_the_kind(db, world):
    queued_invite(db, world)
    mail.queue_mail(
        session=db,
        to="los@example.nl",
        kind="set_password_link",
        language="en",
        context={"office_name": "K", "name": "L", "link": "https://p.example.nl/x?token=abc", "minutes": 30},
    )
    db.commit()
    rows = {row.recipient: row for row in staff_outbox.list_outbox(session=db, actor=world.handler, language="en").rows}
    assert rows[world.client.email].recipient_name == "Klaas Klant"
    assert rows[world.client.email].kind_label == "Invitation to the portal"
    assert rows["los@example.nl"].recipient_name == ""  # no account: the address is all there is


def test_the_html_part_for_admins_with_the_token_masked(db, world):
    row = queued_invite(db, world)
    html = staff_outbox.mail_html(session=db, actor=world.admin, mail_id=row.id, logo_url="/logo.png")
    assert "<html" in html.lower() and "Klaas" in html
    assert SECRET not in html and "token=•••" in html
    assert staff_outbox.mail_content(session=db, actor=world.admin, mail_id=row.id).html_url == (
        f"/staff/outbox/mail/{row.id}"
    )
    for who in (world.handler, world.client, world.company):
        with pytest.raises(ServiceError):
            staff_outbox.mail_html(session=db, actor=who, mail_id=row.id)
    with pytest.raises(NotFound):
        staff_outbox.mail_html(session=db, actor=world.admin, mail_id=row.id + 100)
