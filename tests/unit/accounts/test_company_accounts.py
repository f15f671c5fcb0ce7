"""Accounts -> Extra accounts: only a company's main account manages its own extra accounts."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

import pytest
from sqlmodel import select

from portal_app.accounts.models import Account, AuthToken, TokenPurpose, UserSession
from portal_app.accounts.services import accounts, company_accounts, onboarding, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.dossiers.models import DossierAccess
from portal_app.dossiers.services import dossiers
from portal_app.notifications.models import OutboxMail
from portal_app.settings import load_settings

POLICY = sessions.SessionPolicy()


@dataclass
class Companies:
    settings: object
    main: Account
    extra: Account
    other_main: Account
    other_extra: Account
    person: Account
    staff: Account
    shop: object
    lease: object
    foreign: object


@pytest.fixture
def companies(db, tmp_path) -> Companies:
    settings = load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})
    main = accounts.create_company(db, email="info@bakker.example.nl", name="Petra Bakker", company_name="Bakker B.V.")
    extra = accounts.create_company_extra(
        db, main_account=main, email="inkoop@bakker.example.nl", name="Karim el Amrani"
    )
    other_main = accounts.create_company(
        db, email="info@visser.example.nl", name="Vera Visser", company_name="Visser B.V."
    )
    other_extra = accounts.create_company_extra(
        db, main_account=other_main, email="boekhouding@visser.example.nl", name="Bob Boek"
    )
    person = accounts.create_person(db, email="jansen@example.nl", name="Jan Jansen")
    staff = accounts.create_staff(db, email="notaris@example.nl", name="Nora Notaris")
    shop = dossiers.create_dossier(db, number="2026-0200", description="Statutenwijziging")
    lease = dossiers.create_dossier(db, number="2026-0201", description="Huurovereenkomst")
    foreign = dossiers.create_dossier(db, number="2026-0300", description="Visser fusie")
    for dossier in (shop, lease):
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=main.id)
    dossiers.grant_access(db, dossier_id=lease.id, account_id=extra.id)
    dossiers.grant_access(db, dossier_id=foreign.id, account_id=other_main.id)
    db.commit()
    return Companies(settings, main, extra, other_main, other_extra, person, staff, shop, lease, foreign)


def access_of(db, account_id: int) -> set[int]:
    return set(db.exec(select(DossierAccess.dossier_id).where(DossierAccess.account_id == account_id)).all())


def events(db, event_type: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all())


def test_main_account_lists_only_its_own_extra_accounts(db, companies):
    rows = company_accounts.list_extra_accounts(db, companies.main, language="en")
    assert [row.email for row in rows] == ["inkoop@bakker.example.nl"]
    assert rows[0].state == "invited" and rows[0].state_label == "Invited"
    assert rows[0].last_login == "Never" and rows[0].dossier_count == 1
    assert company_accounts.can_manage(companies.main)
    assert not company_accounts.can_manage(companies.extra)


@pytest.mark.parametrize("who", ["extra", "person", "staff", "other_extra"])
def test_only_company_main_accounts_may_manage(db, companies, who):
    actor = getattr(companies, who)
    with pytest.raises(PermissionDenied):
        company_accounts.list_extra_accounts(db, actor)
    with pytest.raises(PermissionDenied):
        company_accounts.create_extra_account(db, actor, name="X", email="x@example.nl", settings=companies.settings)
    with pytest.raises(PermissionDenied):
        company_accounts.extra_account_detail(db, actor, companies.extra.id)
    with pytest.raises(PermissionDenied):
        company_accounts.set_dossier_access(db, actor, companies.extra.id, companies.shop.id, True)
    with pytest.raises(PermissionDenied):
        company_accounts.delete_extra_account(db, actor, companies.extra.id)
    assert len(events(db, "company_accounts.denied")) == 5
    assert access_of(db, companies.extra.id) == {companies.lease.id}
    assert db.get(Account, companies.extra.id).deleted_at is None


def test_blocked_main_account_may_not_manage(db, companies):
    companies.main.blocked = True
    db.add(companies.main)
    db.flush()
    with pytest.raises(PermissionDenied):
        company_accounts.list_extra_accounts(db, companies.main)


@pytest.mark.parametrize(
    "bad_id", ["other_extra", "person", "main", "staff", 0, -1, "abc", "1 OR 1=1", None, True, 10**30, "9" * 25]
)
def test_company_a_never_touches_company_b(db, companies, bad_id):
    target = getattr(companies, bad_id).id if isinstance(bad_id, str) and hasattr(companies, bad_id) else bad_id
    with pytest.raises(NotFound):
        company_accounts.extra_account_detail(db, companies.main, target)
    with pytest.raises(NotFound):
        company_accounts.set_dossier_access(db, companies.main, target, companies.shop.id, True)
    with pytest.raises(NotFound):
        company_accounts.delete_extra_account(db, companies.main, target)
    assert len(events(db, "access.denied")) == 3
    for account in (companies.other_extra, companies.person, companies.main):
        assert db.get(Account, account.id).deleted_at is None


def test_create_extra_account_invites_and_sees_nothing_yet(db, companies):
    extra = company_accounts.create_extra_account(
        db, companies.main, name="  Sanne   Smit ", email="Sanne@Bakker.example.nl", settings=companies.settings
    )
    db.commit()
    assert (extra.kind, extra.parent_id, extra.company_name) == ("company_extra", companies.main.id, "Bakker B.V.")
    assert extra.email == "sanne@bakker.example.nl" and extra.name == "Sanne Smit"
    assert access_of(db, extra.id) == set()
    invite = db.exec(select(OutboxMail).where(OutboxMail.to_address == extra.email)).one()
    assert invite.kind == "invite" and "/account-activeren?token=" in invite.body_text
    assert db.exec(
        select(AuthToken).where(AuthToken.account_id == extra.id, AuthToken.purpose == TokenPurpose.INVITE)
    ).one()
    created = events(db, "account.created")[-1]
    assert created.actor_id == companies.main.id and created.target == f"account:{extra.id}"
    # the invitation's three-mail flow works for it
    token = onboarding.request_password_link(db, email=extra.email, settings=companies.settings)
    assert token


@pytest.mark.parametrize(
    "name,email,code",
    [
        ("Sanne", "geen-adres", "account.invalid_email"),
        ("", "sanne@example.nl", "account.invalid_name"),
        # an address that is taken answers like a new one: tests/unit/accounts/test_no_enumeration.py
        (None, {"email": "x"}, "account.invalid_email"),
    ],
)
def test_create_extra_account_validates(db, companies, name, email, code):
    with pytest.raises(ValidationFailed) as caught:
        company_accounts.create_extra_account(db, companies.main, name=name, email=email, settings=companies.settings)
    assert caught.value.code == code


def test_create_extra_account_is_capped(db, companies, monkeypatch):
    monkeypatch.setattr(company_accounts, "MAX_EXTRA_ACCOUNTS", 2)
    company_accounts.create_extra_account(
        db, companies.main, name="Twee", email="twee@bakker.example.nl", settings=companies.settings
    )
    with pytest.raises(ValidationFailed) as caught:
        company_accounts.create_extra_account(
            db, companies.main, name="Drie", email="drie@bakker.example.nl", settings=companies.settings
        )
    assert caught.value.code == "company.too_many"


def test_detail_shows_company_dossiers_with_access(db, companies):
    detail = company_accounts.extra_account_detail(db, companies.main, str(companies.extra.id), language="nl")
    assert detail.account.name == "Karim el Amrani" and detail.account.email == "inkoop@bakker.example.nl"
    assert detail.account.last_login == "Nog nooit" and detail.account.state_label == "Uitgenodigd"
    assert [(d.number, d.granted) for d in detail.dossiers] == [("2026-0200", False), ("2026-0201", True)]
    # only the company's dossiers: never another company's
    assert "2026-0300" not in {d.number for d in detail.dossiers}


def test_grant_and_revoke_company_dossiers_audited(db, companies):
    main, extra = companies.main, companies.extra
    assert company_accounts.set_dossier_access(db, main, extra.id, str(companies.shop.id), True)
    assert not company_accounts.set_dossier_access(db, main, extra.id, companies.shop.id, True)  # already
    assert access_of(db, extra.id) == {companies.shop.id, companies.lease.id}
    assert company_accounts.set_dossier_access(db, main, extra.id, companies.lease.id, False)
    assert not company_accounts.set_dossier_access(db, main, extra.id, companies.lease.id, False)
    assert access_of(db, extra.id) == {companies.shop.id}
    granted = [e for e in events(db, "access.granted") if e.actor_id == main.id]
    revoked = events(db, "access.revoked")
    assert [(e.dossier_id, e.target) for e in granted] == [(companies.shop.id, f"account:{extra.id}")]
    assert [(e.dossier_id, e.actor_id) for e in revoked] == [(companies.lease.id, main.id)]
    # another company's dossier, or one the main account does not see, or junk: refused
    for dossier_id in (companies.foreign.id, 999999, "x", None, -3, True):
        with pytest.raises(NotFound):
            company_accounts.set_dossier_access(db, main, extra.id, dossier_id, True)
    with pytest.raises(ValidationFailed):
        company_accounts.set_dossier_access(db, main, extra.id, companies.shop.id, "yes")
    assert access_of(db, extra.id) == {companies.shop.id}


def test_delete_ends_sessions_access_and_links(db, companies):
    extra = companies.extra
    token, _row = sessions.create_session(db, extra, policy=POLICY)
    onboarding.invite(db, extra, settings=companies.settings)
    db.commit()
    assert sessions.resolve(db, token, policy=POLICY) is not None

    removed = company_accounts.delete_extra_account(db, companies.main, str(extra.id), ip="10.0.0.1")
    db.commit()
    assert removed.deleted_at is not None
    assert sessions.resolve(db, token, policy=POLICY) is None
    assert access_of(db, extra.id) == set()
    assert all(
        t.revoked_at or t.used_at for t in db.exec(select(AuthToken).where(AuthToken.account_id == extra.id)).all()
    )
    assert db.exec(select(UserSession).where(UserSession.account_id == extra.id)).one().ended_at is not None
    deleted = events(db, "account.deleted")
    assert len(deleted) == 1 and deleted[0].actor_id == companies.main.id and deleted[0].target == f"account:{extra.id}"
    assert '"sessions_ended": 1' in deleted[0].detail and '"dossiers_revoked": 1' in deleted[0].detail
    # the row stays (audit); it is gone from the list and cannot be touched again
    assert db.get(Account, extra.id) is not None
    assert company_accounts.list_extra_accounts(db, companies.main) == []
    with pytest.raises(NotFound):
        company_accounts.delete_extra_account(db, companies.main, extra.id)
    with pytest.raises(NotFound):
        company_accounts.extra_account_detail(db, companies.main, extra.id)
    # and its links no longer work
    assert onboarding.request_password_link(db, email=extra.email, settings=companies.settings) is None


def test_last_login_counts_sessions_too(db, companies):
    sessions.create_session(db, companies.extra, policy=POLICY, second_factor_done=False)  # half signed in: not yet
    db.commit()
    assert company_accounts.list_extra_accounts(db, companies.main, language="nl")[0].last_login == "Nog nooit"
    sessions.create_session(db, companies.extra, policy=POLICY)
    db.commit()
    row = company_accounts.list_extra_accounts(db, companies.main, language="nl")[0]
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", row.last_login), row
    detail = company_accounts.extra_account_detail(db, companies.main, companies.extra.id, language="en")
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", detail.account.last_login), detail


# --------------------------------------------------------------------------- the handlers, called like a forged event


@pytest.fixture
def signed_in(db, engine, monkeypatch):
    """The CompanyAccountsState of a browser signed in as `account` (a live session), for forged-event calls."""
    from reflex.state import State

    import portal_app.portal_app  # noqa: F401  (registers every state)
    from portal_app.accounts.states.company_accounts import CompanyAccountsState
    from portal_app.core.services import db as db_module
    from portal_app.core.states.base import PortalState

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)

    def make(account):
        token = None
        if account is not None:
            token, _row = sessions.create_session(db, account, policy=POLICY)
            db.commit()
        monkeypatch.setattr(PortalState, "_session_token", lambda self: token)
        root = State(_reflex_internal_init=True)
        state = root.get_substate(CompanyAccountsState.get_full_name().split(".")[1:])

        def call(name, *args):
            # a @handler is an async wrapper: run it as Reflex would
            return asyncio.run(CompanyAccountsState.event_handlers[name].fn(state, *args))

        return state, call

    return make


def _untouched(db, companies) -> None:
    db.expire_all()
    assert db.get(Account, companies.extra.id).deleted_at is None
    assert access_of(db, companies.extra.id) == {companies.lease.id}
    created = db.exec(select(Account).where(Account.email == "nieuw@bakker.example.nl")).first()
    # nothing is ever added to company A: another company's main account can only add to its own
    assert created is None or created.parent_id == companies.other_main.id


@pytest.mark.parametrize("who", ["extra", "person", "other_main"])
def test_forged_account_management_events_are_refused(db, companies, signed_in, who):
    state, call = signed_in(getattr(companies, who))
    target = str(companies.extra.id)
    call("load_accounts")
    if who == "other_main":
        assert state.allowed and [row.name for row in state.rows] == ["Bob Boek"]  # its own, never company A's
    else:
        assert not state.allowed and state.rows == []
        assert state.errors == ["Alleen het hoofdaccount van een bedrijf kan extra accounts beheren."]
    call("ask_delete", target)
    assert not state.delete_open and state.delete_name == ""
    state._delete_id = companies.extra.id  # even with the server-side id forced
    call("confirm_delete")
    state.detail = company_accounts.ExtraAccountInfo(id=companies.extra.id)  # a public var a browser could set
    call("set_access", str(companies.shop.id), True)
    call("set_access", str(companies.lease.id), False)
    call("create_account", {"name": "Nieuw", "email": "nieuw@bakker.example.nl"})
    call("load_account")
    assert state.detail_dossiers == [] and "Karim" not in str(state.rows) + str(state.detail) + state.delete_name
    _untouched(db, companies)
    if who == "other_main":
        assert (
            db.exec(select(Account).where(Account.email == "nieuw@bakker.example.nl")).one().parent_id
            == companies.other_main.id
        )
    else:
        assert db.exec(select(Account).where(Account.email == "nieuw@bakker.example.nl")).first() is None
        assert len(events(db, "company_accounts.denied")) >= 6


@pytest.mark.parametrize("who", ["staff", "nobody"])
def test_every_handler_refuses_staff_and_anonymous_before_it_runs(db, companies, signed_in, who):
    """Staff are sent to their own screens, a browser without a session to the login page;
    neither changes a public var or the database, even with server-side ids planted."""
    state, call = signed_in(companies.staff if who == "staff" else None)
    state._delete_id = companies.extra.id
    state.detail = company_accounts.ExtraAccountInfo(id=companies.extra.id)
    before = {name: getattr(state, name) for name in type(state).base_vars if not name.startswith("_")}
    arguments = {
        "create_account": ({"name": "Nieuw", "email": "nieuw@bakker.example.nl"},),
        "set_access": (str(companies.shop.id), True),
        "ask_delete": (str(companies.extra.id),),
    }
    called = 0
    for name in sorted(type(state).event_handlers):
        if name == "setvar":
            continue
        result = call(name, *arguments.get(name, ()))
        path = next(str(value).strip('"') for key, value in result.args if str(key).strip('"') == "path")
        assert path == "/staff" if who == "staff" else path.startswith("/login"), (name, path)
        called += 1
    assert called == 9
    assert {name: getattr(state, name) for name in type(state).base_vars if not name.startswith("_")} == before
    _untouched(db, companies)
    assert db.exec(select(Account).where(Account.email == "nieuw@bakker.example.nl")).first() is None


def test_main_account_handlers_work_for_its_own_accounts(db, companies, signed_in):
    state, call = signed_in(companies.main)
    call("load_accounts")
    assert state.allowed and [row.name for row in state.rows] == ["Karim el Amrani"]
    state.detail = company_accounts.ExtraAccountInfo(id=companies.extra.id)
    call("set_access", str(companies.shop.id), True)
    assert state.notice == "Dossier 2026-0200: toegang gegeven."
    assert access_of(db, companies.extra.id) == {companies.shop.id, companies.lease.id}
    call("set_access", "not-a-number", True)
    assert state.errors == ["Niet gevonden."]
    call("ask_delete", str(companies.extra.id))
    assert state.delete_open and state.delete_name == "Karim el Amrani"
    call("confirm_delete")
    db.expire_all()
    assert db.get(Account, companies.extra.id).deleted_at is not None and state.rows == []
    assert state.notice == "Het account inkoop@bakker.example.nl is verwijderd."
