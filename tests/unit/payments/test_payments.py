"""The payments services: the office's derdengeldenrekening (admin + 2-step code), the settlement
statement for staff and clients, messages held for another IBAN, and the road step."""

from __future__ import annotations

from datetime import date, timedelta

import pyotp
import pytest
from sqlmodel import select

from portal_app.accounts.services import sessions, twofactor
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.road import RoadState
from portal_app.messages.models import Message
from portal_app.messages.services import staff_messages
from portal_app.notifications.models import OutboxMail
from portal_app.payments.models import HeldMessage, Settlement, TrustAccount
from portal_app.payments.services import held_messages, iban_guard, road, settlements, trust_account

OFFICE = "NL91ABNA0417164300"
FRAUD = "NL20INGB0001234567"


def events(db, event_type: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all())


def with_totp(db, account) -> tuple[str, int]:
    """App 2-step verification for `account` and a live session; returns (secret, session id)."""
    secret = twofactor.new_totp_secret()
    now = utcnow()
    twofactor.confirm_totp_setup(session=db, account=account, secret=secret, code=pyotp.TOTP(secret).at(now), now=now)
    _token, row = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    db.flush()
    return secret, row.id


def next_code(secret: str) -> str:
    # the set-up used the current time step; the next one is inside the accepted window
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))


def change(db, world, actor, session_id, code, iban=OFFICE, phone="030 123 45 67"):
    return trust_account.change(
        session=db,
        actor=actor,
        session_id=session_id,
        iban=iban,
        account_name="Stichting Derdengelden Test",
        bank_name="ABN AMRO",
        office_phone=phone,
        code=code,
        settings=world.settings,
        ip="203.0.113.9",
    )


def set_office_account(db, iban=OFFICE) -> None:
    trust_account.store_for_demo(
        db, iban=iban, account_name="Stichting Derdengelden Test", bank_name="ABN AMRO", office_phone="030 1234567"
    )


# --------------------------------------------------------------------------- derdengeldenrekening


def test_admin_changes_the_account_with_a_valid_code_audited_and_all_staff_told(db, world):
    secret, sid = with_totp(db, world.admin)
    row = change(db, world, world.admin, sid, next_code(secret), iban="nl91 abna 0417 1643 00")
    assert row.iban == OFFICE and row.office_phone == "030 123 4567"
    (event,) = events(db, "payments.trust_account_changed")
    assert event.actor_id == world.admin.id and OFFICE in (event.detail or "")
    mails = db.exec(select(OutboxMail).where(OutboxMail.kind == "staff_trust_account_changed")).all()
    assert {mail.to_address for mail in mails} == {world.admin.email, world.handler.email}
    assert all("4300" in mail.body_text and OFFICE not in mail.body_text for mail in mails)
    assert trust_account.view(db).iban == "NL91 ABNA 0417 1643 00"


def test_handler_cannot_change_the_account_refused_and_audited(db, world):
    secret, sid = with_totp(db, world.handler)
    with pytest.raises(PermissionDenied):
        change(db, world, world.handler, sid, next_code(secret), iban=FRAUD)
    assert db.get(TrustAccount, 1) is None
    (event,) = events(db, "payments.trust_account_refused")
    assert event.actor_id == world.handler.id and "not_admin" in (event.detail or "")


def test_client_cannot_change_the_account(db, world):
    with pytest.raises(PermissionDenied):
        change(db, world, world.client, 1, "123456", iban=FRAUD)
    assert db.get(TrustAccount, 1) is None and events(db, "payments.trust_account_refused")


def test_admin_with_a_wrong_code_is_refused_audited_and_counted(db, world):
    secret, sid = with_totp(db, world.admin)
    good = next_code(secret)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    with pytest.raises(twofactor.SecondFactorFailed):
        change(db, world, world.admin, sid, wrong, iban=FRAUD)
    assert db.get(TrustAccount, 1) is None
    assert events(db, "2fa.failed")  # counts towards the session's guess limit
    (event,) = events(db, "payments.trust_account_refused")
    assert "2fa.invalid_code" in (event.detail or "")
    # a code of another session does not work either
    with pytest.raises(twofactor.SecondFactorFailed):
        change(db, world, world.admin, sid + 999, good, iban=FRAUD)


def test_admin_without_2_step_verification_is_refused(db, world):
    _token, row = sessions.create_session(db, world.admin, policy=sessions.SessionPolicy())
    with pytest.raises(twofactor.SecondFactorFailed) as error:
        change(db, world, world.admin, row.id, "123456", iban=FRAUD)
    assert error.value.code == "payments.2fa_required" and db.get(TrustAccount, 1) is None


def test_a_used_code_cannot_be_replayed(db, world):
    secret, sid = with_totp(db, world.admin)
    code = next_code(secret)
    change(db, world, world.admin, sid, code)
    with pytest.raises(twofactor.SecondFactorFailed):
        change(db, world, world.admin, sid, code, iban=FRAUD)
    assert db.get(TrustAccount, 1).iban == OFFICE


@pytest.mark.parametrize(
    ("iban", "phone", "field"),
    [("NL91ABNA0417164301", "030 1234567", "iban"), (OFFICE, "12", "office_phone"), ("", "030 1234567", "iban")],
)
def test_invalid_values_are_refused_before_the_code_is_used(db, world, iban, phone, field):
    secret, sid = with_totp(db, world.admin)
    code = next_code(secret)
    with pytest.raises(ValidationFailed) as error:
        change(db, world, world.admin, sid, code, iban=iban, phone=phone)
    assert error.value.field == field
    change(db, world, world.admin, sid, code)  # the code is still good


# --------------------------------------------------------------------------- settlement


def save(db, world, actor=None, **values):
    data = {"purchase_price": "405.000,00", "costs": "2.145,50", "due_date": "2026-12-20", "reference": ""}
    data.update(values)
    return settlements.save(session=db, actor=actor or world.handler, dossier_id=world.dossier.id, **data)


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("405.000,00", 40_500_000),
        ("405000", 40_500_000),
        ("405.000", 40_500_000),
        ("€\xa02.145,50", 214_550),
        ("2145.50", 214_550),
        ("2,145.50", 214_550),
        ("0", 0),
    ],
)
def test_amounts_as_staff_type_them(raw, cents):
    assert settlements.parse_amount(raw, field="costs") == cents


@pytest.mark.parametrize("raw", ["", "abc", "1,2,3", "12.34.5", "1.2345,00", "-5", "1,234"])
def test_bad_amounts_refused(raw):
    with pytest.raises(ValidationFailed):
        settlements.parse_amount(raw, field="costs")


def test_staff_save_defaults_the_reference_to_the_dossier_number_and_audits(db, world):
    row = save(db, world)
    assert (row.purchase_price_cents, row.costs_cents, row.reference) == (40_500_000, 214_550, "2026-0001")
    assert row.due_date == date(2026, 12, 20)
    assert events(db, "payments.settlement_saved")
    view = settlements.staff_view(session=db, actor=world.handler, dossier_id=world.dossier.id, language="nl")
    assert view.total == "€\xa0407.145,50" and view.purchase_price == "405000,00"


def test_client_sees_amounts_office_iban_and_qr_code(db, world):
    set_office_account(db)
    save(db, world, reference="Kenmerk 2026-0001")
    view = settlements.client_view(session=db, account=world.client, dossier_id=world.dossier.id, language="nl")
    assert view.exists and view.total == "€\xa0407.145,50" and view.costs == "€\xa02.145,50"
    assert view.iban == "NL91 ABNA 0417 1643 00" and view.reference == "Kenmerk 2026-0001"
    assert view.due_date == "20 december 2026" and view.qr_data_uri.startswith("data:image/svg+xml;base64,")
    english = settlements.client_view(session=db, account=world.client, dossier_id=world.dossier.id, language="en")
    assert english.total == "€407,145.50" and english.due_date == "20 December 2026"


def test_client_cannot_see_another_dossiers_payment_details(db, world):
    set_office_account(db)
    settlements.save(
        session=db,
        actor=world.admin,
        dossier_id=world.other_dossier.id,
        purchase_price="1000",
        costs="0",
        due_date="2026-12-20",
        reference="",
    )
    for dossier_id in (world.other_dossier.id, 999_999, "1 OR 1=1", None):
        with pytest.raises(NotFound):
            settlements.client_view(session=db, account=world.client, dossier_id=dossier_id, language="nl")
    assert events(db, "access.denied")


def test_clients_cannot_use_the_staff_services(db, world):
    with pytest.raises(PermissionDenied):
        save(db, world, actor=world.client)
    with pytest.raises(PermissionDenied):
        settlements.set_paid(session=db, actor=world.client, dossier_id=world.dossier.id, paid_on="2026-01-01")
    assert db.exec(select(Settlement)).first() is None


def test_payment_received_and_the_road(db, world):
    assert road.road_steps(db, world.dossier.id) == []
    save(db, world)
    (step,) = road.road_steps(db, world.dossier.id)
    assert (step.key, step.position, step.state) == ("payment_received", 40, RoadState.WAITING_FOR_CLIENT)
    settlements.set_paid(session=db, actor=world.handler, dossier_id=world.dossier.id, paid_on="2026-01-05")
    (step,) = road.road_steps(db, world.dossier.id)
    assert step.state == RoadState.DONE and step.at.date() == date(2026, 1, 5)
    view = settlements.client_view(session=db, account=world.client, dossier_id=world.dossier.id, language="nl")
    assert view.paid and view.paid_on == "5 januari 2026" and view.qr_data_uri == ""  # nothing left to pay
    with pytest.raises(ValidationFailed):
        settlements.set_paid(session=db, actor=world.handler, dossier_id=world.dossier.id, paid_on="2999-01-01")
    settlements.set_paid(session=db, actor=world.handler, dossier_id=world.dossier.id, paid_on="")
    assert road.road_steps(db, world.dossier.id)[0].state == RoadState.WAITING_FOR_CLIENT
    assert events(db, "payments.paid_marked") and events(db, "payments.paid_cleared")


# --------------------------------------------------------------------------- held messages


def send(db, world, body, actor=None, submit_key=None):
    return staff_messages.send_office_message(
        session=db,
        actor=actor or world.handler,
        dossier_id=world.dossier.id,
        subject="Betaling",
        body=body,
        settings=world.settings,
        store=world.store,
        submit_key=submit_key,
    )


def test_staff_message_with_the_office_iban_goes_out(db, world):
    set_office_account(db)
    message = send(db, world, "Maak over naar NL91 ABNA 0417 1643 00 o.v.v. 2026-0001.")
    assert message.id is not None and db.exec(select(HeldMessage)).first() is None


def test_staff_message_with_a_foreign_iban_is_held_until_an_admin_releases_it(db, world):
    set_office_account(db)
    with pytest.raises(iban_guard.MessageHeld):
        send(db, world, f"Ons nieuwe rekeningnummer is {FRAUD}.", submit_key="k1")
    with pytest.raises(iban_guard.MessageHeld):  # a double submit is held once
        send(db, world, f"Ons nieuwe rekeningnummer is {FRAUD}.", submit_key="k1")
    assert db.exec(select(Message)).first() is None
    (held,) = db.exec(select(HeldMessage)).all()
    assert held.foreign_ibans == FRAUD and events(db, "payments.message_held")
    # only admins see and decide
    with pytest.raises(PermissionDenied):
        held_messages.list_held(session=db, actor=world.handler)
    with pytest.raises(PermissionDenied):
        held_messages.release(session=db, actor=world.handler, held_id=held.id, settings=world.settings)
    (row,) = held_messages.list_held(session=db, actor=world.admin)
    assert row.ibans == "NL20 INGB 0001 2345 67" and row.author == world.handler.name
    held_messages.release(session=db, actor=world.admin, held_id=held.id, settings=world.settings)
    (message,) = db.exec(select(Message)).all()
    assert message.author_id == world.handler.id and FRAUD in message.body and message.from_office
    assert held_messages.list_held(session=db, actor=world.admin) == []
    with pytest.raises(NotFound):  # decided once
        held_messages.refuse(session=db, actor=world.admin, held_id=held.id)
    assert events(db, "payments.message_released")


def test_refused_held_message_is_never_sent(db, world):
    with pytest.raises(iban_guard.MessageHeld):  # no office account yet: every IBAN is foreign
        send(db, world, "Betaal naar NL91ABNA0417164300")
    held = db.exec(select(HeldMessage)).one()
    held_messages.refuse(session=db, actor=world.admin, held_id=held.id)
    assert db.exec(select(Message)).first() is None and held.status == "refused"
    assert events(db, "payments.message_refused")


def test_foreign_iban_with_attachments_is_refused_outright(db, world):
    set_office_account(db)
    with pytest.raises(ValidationFailed) as error:
        iban_guard.hold_office_message(
            db,
            actor=world.handler,
            dossier_id=world.dossier.id,
            subject="Betaling",
            body=f"Nieuw nummer {FRAUD}",
            parent_id=None,
            submit_key=None,
            attachments=1,
        )
    assert error.value.code == "payments.iban_with_attachments"
    assert db.exec(select(HeldMessage)).first() is None


def test_client_draft_warning(db, world):
    set_office_account(db)
    assert iban_guard.client_draft_warning(db, "Ik betaal naar NL91 ABNA 0417 1643 00") == []
    assert iban_guard.client_draft_warning(db, f"Ik kreeg een mail met {FRAUD.lower()}") == ["NL20 INGB 0001 2345 67"]
