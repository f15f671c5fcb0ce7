"""Issue 13: every form that takes an e-mail address answers the same for a known and an unknown one.

"Wachtwoord vergeten" through HTTP: tests/integration/accounts/test_no_enumeration.py.
Here: a company's "Nieuw account" and the e-mail change on Mijn gegevens, at the service.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import select

from portal_app.accounts.models import Account, AccountKind
from portal_app.accounts.services import accounts, company_accounts, passwords, personal_details
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.settings import load_settings
from tests.unit.helpers import statements_sent

PASSWORD = "Zonnebloem-Tulp-73"


@pytest.fixture
def settings(tmp_path):
    return load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "PUBLIC_URL": "https://portaal.example.nl"})


@pytest.fixture
def people(db):
    main = accounts.create_company(db, email="info@bakker.example.nl", name="Petra Bakker", company_name="Bakker B.V.")
    taken = accounts.create_person(db, email="jansen@example.nl", name="Jan Jansen")
    client = accounts.create_person(db, email="klaas@example.nl", name="Klaas Klant")
    accounts.set_password_hash(db, client, passwords.hash_password(PASSWORD))
    db.commit()
    return main, taken, client


def mails_to(db, address: str) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.to_address == address).order_by(OutboxMail.id)).all())


def statements(db, action) -> Counter[str]:
    return Counter(statement.lstrip().split(None, 1)[0].upper() for statement in statements_sent(db, action))


# --------------------------------------------------------------------------- "Nieuw account"


def test_new_account_for_a_taken_address_answers_like_a_new_one(db, people, settings):
    main, taken, _client = people
    made = company_accounts.create_extra_account(
        db, main, name="Sanne", email="sanne@bakker.example.nl", settings=settings
    )
    assert made is not None and made.kind == AccountKind.COMPANY_EXTRA
    # no error, no second account, no change to the existing one
    assert (
        company_accounts.create_extra_account(db, main, name="Sanne", email="JANSEN@example.nl", settings=settings)
        is None
    )
    assert db.get(Account, taken.id).kind == AccountKind.PERSON and db.get(Account, taken.id).parent_id is None
    # one mail either way: the invitation, or a notice to the owner of the taken address
    assert [m.kind for m in mails_to(db, "sanne@bakker.example.nl")] == ["invite"]
    notice = mails_to(db, "jansen@example.nl")
    assert [m.kind for m in notice] == ["extra_account_exists"]
    assert "Bakker B.V." in notice[0].body_text and "token=" not in notice[0].body_text
    events = [e.event_type for e in db.exec(select(AuditEvent)).all()]
    assert events.count(company_accounts.REQUESTED_EVENT) == 2 and "company_accounts.address_taken" in events


def test_new_account_for_an_address_of_another_company_too(db, people, settings):
    main, _taken, _client = people
    other = accounts.create_company(db, email="info@visser.example.nl", name="Vera Visser", company_name="Visser B.V.")
    assert company_accounts.create_extra_account(db, main, name="V", email=other.email, settings=settings) is None
    assert [m.kind for m in mails_to(db, other.email)] == ["extra_account_exists"]


def test_new_account_tries_are_limited_per_company_a_day(db, people, settings, monkeypatch):
    main, _taken, _client = people
    monkeypatch.setattr(company_accounts, "MAX_REQUESTS_PER_DAY", 3)
    for number in range(3):
        company_accounts.create_extra_account(db, main, name="X", email=f"probe{number}@example.nl", settings=settings)
    with pytest.raises(ValidationFailed) as caught:
        company_accounts.create_extra_account(db, main, name="X", email="jansen@example.nl", settings=settings)
    assert caught.value.code == "company.too_many_today"
    assert mails_to(db, "jansen@example.nl") == []


def test_company_requested_text_is_the_same_for_both(db, people, settings):
    # The state shows this one text for a free and a taken address (states/company_accounts.py).
    from portal_app.core.services import i18n

    nl = i18n.t("company.requested", "nl", email="x@example.nl")
    en = i18n.t("company.requested", "en", email="x@example.nl")
    assert "x@example.nl" in nl and "x@example.nl" in en and nl != en


# --------------------------------------------------------------------------- e-mail change


def request_change(db, client, settings, new_email):
    return personal_details.request_email_change(
        db, account_id=client.id, password=PASSWORD, new_email=new_email, settings=settings
    )


def test_email_change_to_a_taken_address_answers_like_a_free_one(db, people, settings):
    _main, taken, client = people
    assert request_change(db, client, settings, "vrij@example.nl")
    assert request_change(db, client, settings, taken.email)  # no ValidationFailed(account.email_in_use)
    assert [m.kind for m in mails_to(db, "vrij@example.nl")] == ["email_change_confirm"]
    to_taken = mails_to(db, taken.email)
    assert [m.kind for m in to_taken] == ["email_change_taken"]
    assert "token=" not in to_taken[0].body_text and "Klaas" not in to_taken[0].body_text
    assert [m.kind for m in mails_to(db, client.email)] == ["email_change_notice", "email_change_notice"]


def test_email_change_link_for_a_taken_address_never_works(db, people, settings):
    _main, taken, client = people
    token = request_change(db, client, settings, taken.email)
    with pytest.raises(ValidationFailed) as caught:
        personal_details.confirm_email_change(db, account_id=client.id, token=token)
    assert caught.value.code == "account.email_in_use"
    assert db.get(Account, client.id).email == "klaas@example.nl"


def test_email_change_same_statements_for_taken_and_free_address(db, people, settings):
    _main, taken, client = people
    request_change(db, client, settings, "warm@example.nl")  # caches (office profile) warm for both
    free = statements(db, lambda: request_change(db, client, settings, "vrij@example.nl"))
    taken_run = statements(db, lambda: request_change(db, client, settings, taken.email))
    assert free == taken_run
