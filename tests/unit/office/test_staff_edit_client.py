"""Staff change a client's details (issue 14, item 7): the accounts' own rules, a unique
e-mail address, the notice at the old address, an audit event with field names only."""

import json

import pytest
from sqlmodel import select

from portal_app.accounts.models import Account, AuthToken, TokenPurpose
from portal_app.accounts.services import accounts, onboarding
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.office.services import staff_clients

EVENT = "account.details_changed_by_staff"


STAFF = object()  # the default actor: the behandelaar


def edit(db, world, account=None, actor=STAFF, **values):
    account = account or world.client
    form = {"name": account.name, "email": account.email, "phone": account.phone or "", **values}
    return staff_clients.update_client_details(
        session=db, actor=world.handler if actor is STAFF else actor, account_id=account.id, ip="10.0.0.9", **form
    )


def events(db):
    return db.exec(select(AuditEvent).where(AuditEvent.event_type == EVENT)).all()


def mails(db):
    return db.exec(select(OutboxMail).order_by(OutboxMail.id)).all()


def test_name_and_phone_are_cleaned_saved_and_audited_without_values(db, world):
    changed = edit(db, world, name="  Klaas   de  Klant ", phone="06 1234 5678")
    db.commit()
    db.refresh(world.client)
    assert changed == ["name", "phone"]
    assert (world.client.name, world.client.phone) == ("Klaas de Klant", "+31612345678")
    (event,) = events(db)
    assert event.actor_id == world.handler.id and event.target == f"account:{world.client.id}"
    assert json.loads(event.detail) == {"fields": ["name", "phone"]}
    assert "Klaas" not in event.detail and "5678" not in event.detail
    assert mails(db) == []  # only an e-mail change is mailed
    # nothing changed: no event; an empty phone removes the number
    assert edit(db, world) == []
    assert len(events(db)) == 1
    assert edit(db, world, phone=" ") == ["phone"]
    assert world.client.phone is None


def test_email_change_applies_at_once_and_tells_the_old_address(db, world):
    world.client.language = "en"
    onboarding.invite(db, world.client, settings=world.settings)
    db.add(AuthToken(account_id=world.client.id, purpose=TokenPurpose.RESET, token_hash="r" * 64, expires_at=utcnow()))
    db.commit()
    assert edit(db, world, email=" Klaas.Nieuw@Example.NL ") == ["email"]
    db.commit()
    db.refresh(world.client)
    assert world.client.email == "klaas.nieuw@example.nl"
    notice = [m for m in mails(db) if m.kind == "email_changed_by_office"]
    assert [m.to_address for m in notice] == ["klant@example.nl"]
    assert "k***w@example.nl" in notice[0].body_text and "klaas.nieuw@example.nl" not in notice[0].body_text
    assert notice[0].subject == "Your e-mail address has been changed"
    # links that went to the old mailbox no longer work
    open_tokens = db.exec(
        select(AuthToken).where(AuthToken.account_id == world.client.id, AuthToken.revoked_at.is_(None))
    ).all()
    assert [t for t in open_tokens if t.used_at is None] == []
    assert json.loads(events(db)[0].detail) == {"fields": ["email"]}
    assert "klaas" not in events(db)[0].detail


def test_email_in_use_is_refused_without_naming_the_other_account(db, world):
    for taken in ("INFO@bedrijf.example.nl", "admin@example.nl"):
        with pytest.raises(ValidationFailed) as error:
            edit(db, world, email=taken, name="Ander")
        assert error.value.code == "account.email_in_use" and error.value.field == "email"
        assert "Carla" not in str(error.value) and "Anna" not in str(error.value)
    db.rollback()
    db.refresh(world.client)
    assert (world.client.email, world.client.name) == ("klant@example.nl", "Klaas Klant")
    assert events(db) == [] and mails(db) == []


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"name": "   "}, "account.invalid_name"),
        ({"name": "x" * 201}, "account.invalid_name"),
        ({"name": ["Klaas"]}, "account.invalid_name"),
        ({"email": "geen-adres"}, "account.invalid_email"),
        ({"email": "a@b.nl\nBcc: x@y.nl"}, "account.invalid_email"),
        ({"email": None}, "account.invalid_email"),
        ({"phone": "020 123 4567"}, "2fa.phone_invalid"),  # the SMS rule: a mobile number
        ({"phone": "bel mij"}, "2fa.phone_invalid"),
        ({"phone": {"x": 1}}, None),  # a forged object counts as empty: the phone is removed
    ],
)
def test_bad_values_are_refused_with_the_accounts_rules(db, world, values, code):
    if code is None:
        assert edit(db, world, **values) == []
        return
    with pytest.raises(ValidationFailed) as error:
        edit(db, world, **values)
    assert error.value.code == code
    assert events(db) == []


def test_company_name_only_on_the_main_account_and_copied_to_extra_accounts(db, world):
    extra = accounts.create_company_extra(
        db, main_account=world.company, email="extra@bedrijf.example.nl", name="Eva Extra"
    )
    db.commit()
    with pytest.raises(ValidationFailed) as error:
        edit(db, world, account=world.company, company_name="")
    assert error.value.field == "company_name"
    assert edit(db, world, account=world.company, company_name="Bedrijf Nieuw B.V.") == ["company_name"]
    db.commit()
    db.refresh(extra)
    assert extra.company_name == "Bedrijf Nieuw B.V."
    # an extra account's company name is not its own to change
    assert edit(db, world, account=extra, company_name="Eigen B.V.") == []
    assert extra.company_name == "Bedrijf Nieuw B.V."


def test_only_staff_and_only_client_accounts(db, world):
    for actor in (world.client, world.company, None):
        with pytest.raises(PermissionDenied):
            edit(db, world, actor=actor, name="Overgenomen")
    # staff accounts, unknown and forged ids are not clients
    for forged in (world.admin.id, world.handler.id, 999_999, "1 OR 1=1", None, [world.client.id]):
        with pytest.raises(NotFound):
            staff_clients.update_client_details(
                session=db, actor=world.handler, account_id=forged, name="X", email="x@example.nl", phone=""
            )
    db.refresh(world.admin)
    assert world.admin.name == "Anna Admin" and events(db) == []
    removed = db.get(Account, world.client.id)
    removed.deleted_at = utcnow()
    db.add(removed)
    db.commit()
    with pytest.raises(NotFound):
        edit(db, world, name="Weg")
