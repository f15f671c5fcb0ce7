"""Mijn gegevens: changing the e-mail address (two steps) and the password (ends other sessions)."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.models import Account, AuthToken, TokenPurpose
from portal_app.accounts.services import accounts, onboarding, passwords, personal_details, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import AuthenticationFailed, NotFound, Throttled, ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.settings import load_settings

PASSWORD = "Kastanje-Route-48"
POLICY = sessions.SessionPolicy()


@pytest.fixture
def settings(tmp_path):
    return load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path)})


@pytest.fixture
def client(db):
    account = accounts.create_person(db, email="jan@example.nl", name="Jan Jansen", language="en")
    accounts.set_password_hash(db, account, passwords.hash_password(PASSWORD))
    accounts.create_person(db, email="bezet@example.nl", name="Bea Bezet")
    db.commit()
    return account


def mails(db, to: str, kind: str) -> list[OutboxMail]:
    return list(db.exec(select(OutboxMail).where(OutboxMail.to_address == to, OutboxMail.kind == kind)).all())


def events(db, event_type: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all())


def request(db, client, settings, new_email="Nieuw@Example.nl", password=PASSWORD):
    token = personal_details.request_email_change(
        db, account_id=client.id, password=password, new_email=new_email, settings=settings, ip="10.0.0.9"
    )
    db.commit()
    return token


def test_request_sends_link_to_new_and_notice_to_old_address_nothing_changes(db, client, settings):
    token = request(db, client, settings)
    assert db.get(Account, client.id).email == "jan@example.nl"
    (confirm,) = mails(db, "nieuw@example.nl", "email_change_confirm")
    assert confirm.subject == "Confirm your new e-mail address"  # the account's language
    assert f"{settings.public_url}/e-mail-bevestigen?token={token}" in confirm.body_text
    (notice,) = mails(db, "jan@example.nl", "email_change_notice")
    assert "n***w@example.nl" in notice.body_text and token not in notice.body_text
    row = db.exec(select(AuthToken).where(AuthToken.purpose == TokenPurpose.EMAIL_CHANGE)).one()
    assert row.payload == "nieuw@example.nl" and row.token_hash != token
    assert personal_details.pending_email_change(db, client.id) == "nieuw@example.nl"
    assert events(db, "email_change.requested")[0].actor_id == client.id
    assert "nieuw@example.nl" not in (events(db, "email_change.requested")[0].detail or "")


def test_confirm_changes_the_address_once(db, client, settings):
    token = request(db, client, settings)
    reset = onboarding.request_password_link(db, email="jan@example.nl", settings=settings)
    changed = personal_details.confirm_email_change(db, account_id=client.id, token=token, ip="10.0.0.9")
    db.commit()
    assert changed.email == "nieuw@example.nl"
    assert accounts.find_by_email(db, "nieuw@example.nl").id == client.id
    assert accounts.find_by_email(db, "jan@example.nl") is None
    assert personal_details.pending_email_change(db, client.id) == ""
    assert onboarding.valid_token(db, reset, TokenPurpose.RESET) is None  # a link in the old mailbox stops working
    assert len(events(db, "email_change.confirmed")) == 1
    with pytest.raises(NotFound) as caught:  # single use
        personal_details.confirm_email_change(db, account_id=client.id, token=token)
    assert caught.value.code == "details.email_link_invalid"


def test_confirm_refuses_bad_expired_older_and_foreign_links(db, client, settings):
    older = request(db, client, settings, new_email="een@example.nl")
    newer = request(db, client, settings, new_email="twee@example.nl")
    other = accounts.find_by_email(db, "bezet@example.nl")
    for account_id, token in (
        (client.id, older),  # superseded by the newer request
        (other.id, newer),  # someone else's session opening the link
        (client.id, "x" * 40),
        (client.id, ""),
        (client.id, None),
        (client.id, "y" * 500),
    ):
        with pytest.raises(NotFound):
            personal_details.confirm_email_change(db, account_id=account_id, token=token)
    row = db.exec(select(AuthToken).where(AuthToken.payload == "twee@example.nl")).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    with pytest.raises(NotFound):
        personal_details.confirm_email_change(db, account_id=client.id, token=newer)
    assert db.get(Account, client.id).email == "jan@example.nl"
    assert len(events(db, "email_change.refused")) == 7


def test_address_taken_in_the_meantime_is_refused(db, client, settings):
    token = request(db, client, settings, new_email="later@example.nl")
    accounts.create_person(db, email="later@example.nl", name="Lotte Later")
    db.commit()
    with pytest.raises(ValidationFailed) as caught:
        personal_details.confirm_email_change(db, account_id=client.id, token=token)
    assert caught.value.code == "account.email_in_use"
    assert db.get(Account, client.id).email == "jan@example.nl"


@pytest.mark.parametrize(
    "new_email,password,error,code",
    [
        ("nieuw@example.nl", "Verkeerd-Wachtwoord-1", AuthenticationFailed, "tf.wrong_password"),
        ("geen adres", PASSWORD, ValidationFailed, "account.invalid_email"),
        ("JAN@example.nl", PASSWORD, ValidationFailed, "details.email_same"),
        # a taken address answers like a free one: tests/unit/accounts/test_no_enumeration.py
        ({"email": 1}, PASSWORD, ValidationFailed, "account.invalid_email"),
        ("nieuw@example.nl", None, AuthenticationFailed, "tf.wrong_password"),
    ],
)
def test_request_validation(db, client, settings, new_email, password, error, code):
    with pytest.raises(error) as caught:
        personal_details.request_email_change(
            db, account_id=client.id, password=password, new_email=new_email, settings=settings
        )
    assert caught.value.code == code
    assert db.exec(select(OutboxMail)).all() == []


def test_wrong_passwords_are_throttled(db, client, settings):
    for _ in range(personal_details.MAX_PASSWORD_RECHECKS):
        with pytest.raises(AuthenticationFailed):
            personal_details.request_email_change(
                db, account_id=client.id, password="Fout-12345", new_email="n@example.nl", settings=settings
            )
        db.commit()
    with pytest.raises(Throttled):  # even with the right password now
        personal_details.request_email_change(
            db, account_id=client.id, password=PASSWORD, new_email="n@example.nl", settings=settings
        )
    with pytest.raises(Throttled):
        personal_details.change_password(
            db,
            account_id=client.id,
            session_id=1,
            current=PASSWORD,
            new="Nieuw-Pad-2468",
            repeat="Nieuw-Pad-2468",
            settings=settings,
        )


def test_requests_per_hour_are_limited(db, client, settings):
    for index in range(personal_details.MAX_EMAIL_CHANGES_PER_HOUR):
        request(db, client, settings, new_email=f"n{index}@example.nl")
    with pytest.raises(ValidationFailed) as caught:
        request(db, client, settings, new_email="n9@example.nl")
    assert caught.value.code == "details.email_too_many"


def test_cancel_voids_the_link(db, client, settings):
    token = request(db, client, settings)
    assert personal_details.cancel_email_change(db, account_id=client.id)
    db.commit()
    assert not personal_details.cancel_email_change(db, account_id=client.id)
    with pytest.raises(NotFound):
        personal_details.confirm_email_change(db, account_id=client.id, token=token)


def test_change_password_ends_other_sessions_only(db, client, settings):
    mine, my_row = sessions.create_session(db, client, policy=POLICY)
    other, _ = sessions.create_session(db, client, policy=POLICY)
    db.commit()
    ended = personal_details.change_password(
        db,
        account_id=client.id,
        session_id=my_row.id,
        current=PASSWORD,
        new="Nieuw-Pad-2468",
        repeat="Nieuw-Pad-2468",
        settings=settings,
        ip="10.0.0.9",
    )
    db.commit()
    assert ended == 1
    assert sessions.resolve(db, mine, policy=POLICY) is not None
    assert sessions.resolve(db, other, policy=POLICY) is None
    account = db.get(Account, client.id)
    assert passwords.verify_password("Nieuw-Pad-2468", account.password_hash)
    assert not passwords.verify_password(PASSWORD, account.password_hash)
    (mail,) = mails(db, "jan@example.nl", "password_changed")
    assert mail.subject == "Your password has been changed"
    assert events(db, "password.changed")[0].detail == '{"sessions_ended": 1}'


@pytest.mark.parametrize(
    "current,new,repeat,code,problems",
    [
        ("Fout-Wachtwoord-9", "Nieuw-Pad-2468", "Nieuw-Pad-2468", "tf.wrong_password", None),
        (PASSWORD, "Nieuw-Pad-2468", "Nieuw-Pad-2469", "password.mismatch", None),
        (
            PASSWORD,
            "kort",
            "kort",
            "password.rejected",
            ["password.too_short", "password.no_capital", "password.no_digit"],
        ),
        (PASSWORD, "Jansen-Welkom-1", "Jansen-Welkom-1", "password.rejected", ["password.personal"]),
    ],
)
def test_change_password_rules(db, client, settings, current, new, repeat, code, problems):
    _token, row = sessions.create_session(db, client, policy=POLICY)
    db.commit()
    with pytest.raises((AuthenticationFailed, ValidationFailed)) as caught:
        personal_details.change_password(
            db, account_id=client.id, session_id=row.id, current=current, new=new, repeat=repeat, settings=settings
        )
    assert caught.value.code == code
    if problems:
        assert caught.value.params["problems"] == problems
    assert passwords.verify_password(PASSWORD, db.get(Account, client.id).password_hash)


def test_mask_email():
    assert personal_details.mask_email("jan.jansen@example.nl") == "j***n@example.nl"
    assert personal_details.mask_email("jo@example.nl") == "j***@example.nl"
    assert personal_details.mask_email("") == "****@"


# --------------------------------------------------------------------------- through the states, as a browser calls them

import asyncio  # noqa: E402
from urllib.parse import unquote  # noqa: E402

import reflex as rx  # noqa: E402
from reflex.istate.data import RouterData  # noqa: E402
from reflex_base import constants  # noqa: E402


@pytest.fixture
def states(engine, monkeypatch):
    """The states' database is the test database."""
    import portal_app.core.services.db as db_module
    from portal_app.accounts.states import my_details

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    return my_details


def make_state(cls, token: str | None, path: str):
    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {
            constants.RouteVar.HEADERS: {
                "cookie": f"{sessions.COOKIE_NAME}={token}" if token else "",
                "origin": "http://localhost:3000",
            },
            constants.RouteVar.ORIGIN: path,
            constants.RouteVar.PATH: path.split("?")[0],
            constants.RouteVar.QUERY: {},
            constants.RouteVar.CLIENT_IP: "203.0.113.9",
        }
    )
    return root.get_substate(cls.get_full_name().split("."))


def run(state, name: str, *args):
    """A @handler is an async wrapper: run it as Reflex would."""
    return asyncio.run(type(state).event_handlers[name].fn(state, *args))


def redirect_path(result) -> str | None:
    handler = getattr(result, "handler", None)
    if handler is None or "redirect" not in str(getattr(handler, "fn", "")):
        return None
    for name, value in result.args:
        if str(name).strip('"') == "path":
            return str(value).strip('"')
    return None


def public_values(state) -> dict:
    return {name: getattr(state, name) for name in type(state).base_vars if not name.startswith("_")}


def test_confirm_link_without_a_session_goes_to_login_and_keeps_the_link(db, client, settings, states):
    token = request(db, client, settings)
    state = make_state(states.EmailConfirmState, None, f"/e-mail-bevestigen?token={token}")
    path = redirect_path(run(state, "confirm_email")) or ""
    assert path.startswith("/login?next=")
    assert unquote(path.removeprefix("/login?next=")) == f"/e-mail-bevestigen?token={token}"
    assert not state.confirm_done and db.get(Account, client.id).email == "jan@example.nl"
    # signed in, the same link confirms
    session_token, _row = sessions.create_session(db, client, policy=POLICY)
    db.commit()
    state = make_state(states.EmailConfirmState, session_token, f"/e-mail-bevestigen?token={token}")
    assert run(state, "confirm_email") is None
    assert state.confirm_ok and state.signed_in and state.lang == "en"
    db.expire_all()
    assert db.get(Account, client.id).email == "nieuw@example.nl"


def test_every_my_details_handler_needs_a_session(db, client, settings, states):
    """A forged event without a session: the login page, no state and no database change."""
    request(db, client, settings)  # a pending change a forged cancel must not touch
    before = (
        db.get(Account, client.id).email,
        personal_details.pending_email_change(db, client.id),
        len(events(db, "password.changed")),
    )
    form = {
        "new_email": "ander@example.nl",
        "password": PASSWORD,
        "current_password": PASSWORD,
        "password_repeat": "Nieuw-Pad-2468",
        "phone": "0612345678",
        "code": "123456",
    }
    arguments = {
        "choose_language": ("en",),
        "ask_password": ("disable",),
        "set_notification": ("message", False),
        "open_details_step": ("email",),
    }
    called = 0
    for name in sorted(states.MyDetailsState.event_handlers):
        if name == "setvar":
            continue
        state = make_state(states.MyDetailsState, None, "/mijn-gegevens")
        defaults = public_values(state)
        parameters = list(inspect.signature(states.MyDetailsState.event_handlers[name].fn).parameters)[1:]
        args = arguments.get(name, (form,) if parameters else ())
        assert (redirect_path(run(state, name, *args)) or "").startswith("/login"), name
        assert public_values(state) == defaults, name
        called += 1
    assert called >= 18
    db.expire_all()
    assert (
        db.get(Account, client.id).email,
        personal_details.pending_email_change(db, client.id),
        len(events(db, "password.changed")),
    ) == before


def test_my_details_changes_the_password_through_the_state(db, client, states):
    session_token, _row = sessions.create_session(db, client, policy=POLICY)
    db.commit()
    state = make_state(states.MyDetailsState, session_token, "/mijn-gegevens")
    run(state, "load_my_details")
    assert state.email == "jan@example.nl" and state.is_client and state.lang == "en"
    run(
        state,
        "change_password",
        {"current_password": "Fout-Wachtwoord-9", "password": "Nieuw-Pad-2468", "password_repeat": "Nieuw-Pad-2468"},
    )
    assert state.details_errors and state.details_notice == ""
    run(
        state,
        "change_password",
        {"current_password": PASSWORD, "password": "Nieuw-Pad-2468", "password_repeat": "Nieuw-Pad-2468"},
    )
    assert state.details_errors == [] and state.details_notice
    db.expire_all()
    assert passwords.verify_password("Nieuw-Pad-2468", db.get(Account, client.id).password_hash)
    # this session stays signed in
    assert sessions.resolve(db, session_token, policy=POLICY) is not None
