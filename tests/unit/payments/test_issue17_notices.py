"""Issue 17, second round: who hears of what (clients, the handler, admins), the IBAN guard on
published texts, and the checklist in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services import i18n
from portal_app.deeds.models import DeedDraft, DeedVersion
from portal_app.deeds.services import drafts
from portal_app.deeds.services.demo import VERSION_1, draft_pdf
from portal_app.documents.models import Document
from portal_app.dossiers.models import ProgressStep
from portal_app.dossiers.services import staff_dossiers
from portal_app.notifications.models import OutboxMail, PendingNotification
from portal_app.notifications.services import notifications
from portal_app.payments.services import iban_guard, settlements, trust_account
from portal_app.signing.services import appointments, checklist

OFFICE = "NL91ABNA0417164300"
FRAUD = "NL20INGB0001234567"
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def set_office_account(db) -> None:
    trust_account.store_for_demo(
        db, iban=OFFICE, account_name="Stichting Derdengelden Test", bank_name="ABN AMRO", office_phone="030 1234567"
    )
    db.commit()


def mails(db, kind: str) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.kind == kind)).all())


def waiting(db, kind: str) -> list[PendingNotification]:
    return list(db.exec(select(PendingNotification).where(PendingNotification.kind == kind)).all())


def events(db, name: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.event_type == name)).all())


def set_appointment(db, world, **extra):
    values = {"day": "2026-12-16", "at": "10:00", "notary_id": world.admin.id, "dossier_kind": "house", "now": NOW}
    return appointments.set_appointment(db, world.handler, world.dossier.id, **{**values, **extra})


def save_settlement(db, world, price="405.000,00"):
    return settlements.save(
        session=db,
        actor=world.handler,
        dossier_id=world.dossier.id,
        purchase_price=price,
        costs="2.145,50",
        due_date="2027-01-05",
        reference="2026-0001",
    )


# --------------------------------------------------------------------------- clients hear of it


def test_setting_and_changing_the_appointment_notifies_the_clients_once_per_digest(db, world):
    set_appointment(db, world)
    (row,) = waiting(db, "appointment")
    assert row.account_id == world.client.id and row.dossier_id == world.dossier.id
    set_appointment(db, world, at="11:00")  # changed again before the digest: still one line
    assert len(waiting(db, "appointment")) == 1
    # the company has no access to this dossier and hears nothing
    assert all(row.account_id == world.client.id for row in waiting(db, "appointment"))


def test_an_unchanged_appointment_and_demo_data_notify_nobody(db, world):
    set_appointment(db, world, notify=False)
    assert waiting(db, "appointment") == []
    set_appointment(db, world)  # the same values: nothing changed
    assert waiting(db, "appointment") == []


def test_the_setting_for_office_messages_governs_appointment_and_settlement_news(db, world):
    notifications.set_preference(db, world.client, "message", False)
    set_appointment(db, world)
    save_settlement(db, world)
    assert waiting(db, "appointment") == [] and waiting(db, "settlement") == []


def test_publishing_and_changing_the_settlement_notifies_the_clients(db, world):
    save_settlement(db, world)
    assert len(waiting(db, "settlement")) == 1
    save_settlement(db, world)  # saved again unchanged: no news
    assert len(waiting(db, "settlement")) == 1
    for row in waiting(db, "settlement"):
        row.handled_at = NOW
        db.add(row)
    save_settlement(db, world, price="400.000,00")  # a real change after the digest went: news again
    assert len([row for row in waiting(db, "settlement") if row.handled_at is None]) == 1


def test_the_digest_names_the_kind_never_the_amount_and_warns_about_account_numbers(db, world):
    world.client.language = "en"
    db.add(world.client)
    set_appointment(db, world)
    save_settlement(db, world)
    db.commit()
    report = notifications.send_due_digests(db, world.settings, now=datetime.now(UTC) + timedelta(hours=1))
    assert report.mails == 1
    (mail,) = mails(db, "notification_digest")
    assert "a new or changed signing appointment" in mail.body_text
    assert "a new or changed settlement statement" in mail.body_text
    assert "405" not in mail.body_text and "10:00" not in mail.body_text
    assert "never send you a new account number" in mail.body_text


# --------------------------------------------------------------------------- the handler hears of it


def publish(db, world, lines, title="Concept akte van levering", draft_id=None):
    result = drafts.publish_version(
        session=db,
        store=world.store,
        actor=world.handler,
        dossier_id=world.dossier.id,
        draft_id=draft_id,
        title=title,
        filename="akte.pdf",
        chunks=[draft_pdf(lines)],
        notify=False,
    )
    db.commit()
    return result


def test_the_handler_gets_a_mail_for_a_comment_and_an_approval_without_their_text(db, world):
    version = publish(db, world, VERSION_1).version
    drafts.add_comment(
        db, world.client, world.dossier.id, version.id, body="Klopt de koopsom?", settings=world.settings
    )
    drafts.approve(db, world.client, world.dossier.id, version.id, settings=world.settings)
    drafts.approve(db, world.client, world.dossier.id, version.id, settings=world.settings)  # twice: one mail
    (comment_mail,) = mails(db, "staff_draft_comment")
    (approval_mail,) = mails(db, "staff_draft_approved")
    assert comment_mail.to_address == world.handler.email == approval_mail.to_address
    assert "2026-0001" in comment_mail.subject and "koopsom" not in comment_mail.body_text


def test_asking_for_another_time_reaches_the_handler(db, world):
    set_appointment(db, world)
    db.commit()
    appointments.request_other_time(
        db,
        world.client,
        world.dossier.id,
        "Ik ben dan op vakantie",
        language="nl",
        settings=world.settings,
        store=world.store,
    )
    (mail,) = mails(db, "staff_new_message")
    assert mail.to_address == world.handler.email and "vakantie" not in mail.body_text


# --------------------------------------------------------------------------- admins hear of held messages


def test_every_admin_gets_one_mail_when_a_message_is_held(db, world):
    from portal_app.messages.services import staff_messages

    set_office_account(db)
    second_admin = accounts.create_staff(db, email="admin2@example.nl", name="Ada Admin", role="admin")
    db.commit()
    for _ in range(2):  # a double submit is held, and told, once
        with pytest.raises(iban_guard.MessageHeld):
            staff_messages.send_office_message(
                session=db,
                actor=world.handler,
                dossier_id=world.dossier.id,
                subject="Betaling",
                body=f"Ons nieuwe rekeningnummer is {FRAUD}.",
                settings=world.settings,
                store=world.store,
                submit_key="same",
            )
    held_mails = mails(db, "staff_message_held")
    assert sorted(mail.to_address for mail in held_mails) == sorted([world.admin.email, second_admin.email])
    assert all(FRAUD not in mail.body_text and "0001 2345" not in mail.body_text for mail in held_mails)
    assert all("/staff/instellingen" in mail.body_text for mail in held_mails)


# --------------------------------------------------------------------------- the guard on published texts


def test_a_progress_step_naming_another_account_is_refused_audited_and_told(db, world):
    set_office_account(db)
    with pytest.raises(iban_guard.PublishedTextRefused) as refused:
        staff_dossiers.add_step(
            session=db, actor=world.handler, dossier_id=world.dossier.id, title=f"Betaal naar {FRAUD}"
        )
    assert refused.value.code == "payments.iban_in_published_text" and refused.value.recorded
    text = i18n.t(refused.value.code, "nl", **refused.value.params)
    assert "NL20 INGB 0001 2345 67" in text and "niet gepubliceerd" in text
    assert db.exec(select(ProgressStep)).first() is None
    (event,) = events(db, "payments.published_text_refused")
    assert event.actor_id == world.handler.id and event.dossier_id == world.dossier.id
    assert [mail.to_address for mail in mails(db, "staff_published_text_refused")] == [world.admin.email]
    # the office's own account is fine, and so is renaming to a plain title
    step = staff_dossiers.add_step(
        session=db, actor=world.handler, dossier_id=world.dossier.id, title="Betaal naar NL91 ABNA 0417 1643 00"
    )
    with pytest.raises(iban_guard.PublishedTextRefused):
        staff_dossiers.rename_step(
            session=db, actor=world.handler, dossier_id=world.dossier.id, step_id=step.id, title=f"Naar {FRAUD}"
        )


async def test_a_publication_title_naming_another_account_stores_no_file(db, world):
    set_office_account(db)
    with pytest.raises(iban_guard.PublishedTextRefused):
        await staff_dossiers.publish_files(
            session=db,
            store=world.store,
            actor=world.handler,
            dossier_id=world.dossier.id,
            kind="document",
            title=f"Nieuw rekeningnummer {FRAUD}",
            files=[("brief.pdf", [draft_pdf(["Brief"])])],
            settings=world.settings,
        )
    assert db.exec(select(Document)).first() is None
    assert events(db, "payments.published_text_refused")


def test_a_draft_deed_naming_another_account_is_not_published(db, world):
    set_office_account(db)
    with pytest.raises(iban_guard.PublishedTextRefused) as refused:
        publish(db, world, [*VERSION_1, f"Betaling op rekening {FRAUD}."])
    # the file is written already: the caller rolls back, then records the refusal
    assert not refused.value.recorded and refused.value.what == "deed_version"
    db.rollback()
    assert db.exec(select(DeedVersion)).first() is None and db.exec(select(DeedDraft)).first() is None
    assert [path for path in world.store.root.rglob("*") if path.is_file()] == []  # the file went with it
    iban_guard.record_refusal(
        db,
        actor_id=world.handler.id,
        dossier_id=refused.value.dossier_id,
        what=refused.value.what,
        foreign=refused.value.foreign,
        settings=world.settings,
    )
    assert events(db, "payments.published_text_refused") and mails(db, "staff_published_text_refused")
    # the office's own account in the deed is what a deed says: published
    assert publish(db, world, [*VERSION_1, "Betaling op rekening NL91 ABNA 0417 1643 00."]).version.number == 1


def test_a_draft_title_naming_another_account_is_refused_before_anything_is_stored(db, world):
    set_office_account(db)
    with pytest.raises(iban_guard.PublishedTextRefused) as refused:
        publish(db, world, VERSION_1, title=f"Akte {FRAUD}")
    assert refused.value.recorded and events(db, "payments.published_text_refused")
    assert db.exec(select(Document)).first() is None


def test_checklist_items_and_the_place_may_not_name_another_account(db, world):
    set_office_account(db)
    set_appointment(db, world)
    with pytest.raises(iban_guard.PublishedTextRefused):
        checklist.add_item(db, world.handler, world.dossier.id, f"Maak vooraf over naar {FRAUD}")
    with pytest.raises(iban_guard.PublishedTextRefused):
        set_appointment(db, world, location=f"Kantoor, betaal vooraf op {FRAUD}")
    assert len(events(db, "payments.published_text_refused")) == 2


# --------------------------------------------------------------------------- checklist in the reader's language


def test_default_items_follow_the_reader_and_typed_items_stay_as_typed(db, world):
    set_appointment(db, world)
    checklist.add_item(db, world.handler, world.dossier.id, "Sleutels van de berging")
    dutch = [row.label for row in checklist.rows(db, world.dossier.id, "nl")]
    english = [row.label for row in checklist.rows(db, world.dossier.id, "en")]
    assert dutch[0].startswith("Geldig legitimatiebewijs") and english[0].startswith("Valid proof of identity")
    assert dutch[-1] == english[-1] == "Sleutels van de berging"
    assert english[:-1] == [i18n.t(key, "en") for key in checklist.DEFAULT_ITEMS["house"]]
    first = checklist.rows(db, world.dossier.id, "en")[0]
    ticked = checklist.set_done(db, world.client, world.dossier.id, first.id, True, language="en")
    assert ticked.label == first.label and ticked.done
    assert checklist.for_client(db, world.client, world.dossier.id, "en")[0].label == first.label
    assert checklist.for_staff(db, world.handler, world.dossier.id, "en")[0].label == first.label


def test_a_dossier_description_naming_another_account_is_refused(db, world):
    set_office_account(db)
    with pytest.raises(iban_guard.PublishedTextRefused):
        staff_dossiers.update_dossier(
            session=db, actor=world.handler, dossier_id=world.dossier.id, description=f"Levering, betaal {FRAUD}"
        )
    db.refresh(world.dossier)
    assert world.dossier.description == "Levering woning"
    staff_dossiers.update_dossier(
        session=db, actor=world.handler, dossier_id=world.dossier.id, description="Levering woning Dorpsstraat 12"
    )
    assert world.dossier.description == "Levering woning Dorpsstraat 12"
