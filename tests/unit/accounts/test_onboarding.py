from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.models import AuthToken
from portal_app.accounts.services import accounts, onboarding, passwords, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.settings import load_settings

GOOD = "Zonnebloem-Tulp-73"


@pytest.fixture
def settings(tmp_path):
    return load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "PUBLIC_URL": "https://portaal.example.nl"})


@pytest.fixture
def invited(db, settings):
    account = accounts.create_person(db, email="nieuw@example.nl", name="Nina Nieuw")
    token = onboarding.invite(db, account, settings=settings)
    db.commit()
    return account, token


def mails(db):
    return db.exec(select(OutboxMail).order_by(OutboxMail.id)).all()


def test_three_mails_of_the_manual(db, settings, invited):
    account, invite_token = invited
    first = mails(db)[0]
    assert (
        first.kind == "invite"
        and f"https://portaal.example.nl/account-activeren?token={invite_token}" in first.body_text
    )
    reset_token = onboarding.request_password_link(
        db, email="NIEUW@example.nl", settings=settings, invite_token=invite_token
    )
    assert reset_token
    second = mails(db)[1]
    assert second.kind == "set_password_link" and f"/wachtwoord-instellen?token={reset_token}" in second.body_text
    result = onboarding.set_password(db, token=reset_token, password=GOOD, settings=settings)
    assert result.first_time is True
    third = mails(db)[2]
    assert third.kind == "password_set" and third.to_address == "nieuw@example.nl"
    assert passwords.verify_password(GOOD, account.password_hash)
    for mail in mails(db):
        assert GOOD not in mail.body_text


def test_tokens_stored_hashed_and_single_use(db, settings, invited):
    account, invite_token = invited
    rows = db.exec(select(AuthToken)).all()
    assert all(invite_token not in row.token_hash for row in rows)
    reset = onboarding.request_password_link(db, email=account.email, settings=settings, invite_token=invite_token)
    # the invitation is used up
    assert (
        onboarding.request_password_link(db, email=account.email, settings=settings, invite_token=invite_token) is None
    )
    onboarding.set_password(db, token=reset, password=GOOD, settings=settings)
    with pytest.raises(NotFound):
        onboarding.set_password(db, token=reset, password="Andere-Tulp-74", settings=settings)


def test_invite_expires_after_72_hours(db, settings, invited):
    account, invite_token = invited
    row = db.exec(select(AuthToken)).one()
    row.expires_at -= timedelta(hours=72, seconds=1)
    db.add(row)
    assert onboarding.valid_token(db, invite_token, "invite") is None
    assert (
        onboarding.request_password_link(db, email=account.email, settings=settings, invite_token=invite_token) is None
    )


def test_reset_link_expires_after_an_hour_and_newer_link_voids_older(db, settings, invited):
    account, _ = invited
    older = onboarding.request_password_link(db, email=account.email, settings=settings)
    newer = onboarding.request_password_link(db, email=account.email, settings=settings)
    with pytest.raises(NotFound):
        onboarding.set_password(db, token=older, password=GOOD, settings=settings)
    row = db.exec(select(AuthToken).where(AuthToken.purpose == "reset", AuthToken.revoked_at.is_(None))).one()
    row.expires_at = row.created_at + timedelta(minutes=60)
    row.expires_at -= timedelta(minutes=61)
    db.add(row)
    with pytest.raises(NotFound):
        onboarding.set_password(db, token=newer, password=GOOD, settings=settings)


def test_unknown_address_and_wrong_address_for_invite_send_no_link(db, settings, invited):
    account, invite_token = invited
    other = accounts.create_person(db, email="ander@example.nl", name="Anna Ander")
    before = len(mails(db))
    assert onboarding.request_password_link(db, email="onbekend@example.nl", settings=settings) is None
    assert onboarding.request_password_link(db, email=other.email, settings=settings, invite_token=invite_token) is None
    # no link; the mailbox owner is told why (issue 13: the same work for every address)
    new = mails(db)[before:]
    assert [m.kind for m in new] == ["password_link_refused", "password_link_refused"]
    assert [m.to_address for m in new] == ["onbekend@example.nl", other.email]
    assert all("token=" not in m.body_text for m in new)
    # the invitation still works for its own address
    assert onboarding.request_password_link(db, email=account.email, settings=settings, invite_token=invite_token)


def test_password_rules_enforced(db, settings, invited):
    account, _ = invited
    token = onboarding.request_password_link(db, email=account.email, settings=settings)
    with pytest.raises(ValidationFailed) as error:
        onboarding.set_password(db, token=token, password="kort", settings=settings)
    assert "password.too_short" in error.value.params["problems"]
    with pytest.raises(ValidationFailed) as error:
        onboarding.set_password(db, token=token, password="Password1", settings=settings)
    assert error.value.params["problems"] == ["password.too_common"]
    with pytest.raises(ValidationFailed):
        onboarding.set_password(db, token=token, password="Ninanieuw2026", settings=settings)
    long_password = "Lang1" + "w" * 123  # 128 characters: allowed
    assert onboarding.set_password(db, token=token, password=long_password, settings=settings)


def test_reset_ends_every_session_and_tells_the_user(db, settings, invited):
    account, _ = invited
    accounts.set_password_hash(db, account, passwords.hash_password(GOOD))
    token_a, _ = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    token_b, _ = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    reset = onboarding.request_password_link(db, email=account.email, settings=settings)
    result = onboarding.set_password(db, token=reset, password="Gele-Roos-88", settings=settings)
    assert result.first_time is False
    assert sessions.resolve(db, token_a, policy=sessions.SessionPolicy()) is None
    assert sessions.resolve(db, token_b, policy=sessions.SessionPolicy()) is None
    assert mails(db)[-1].kind == "password_changed"


def test_link_requests_are_limited_per_hour(db, settings, invited):
    account, _ = invited
    tokens = [onboarding.request_password_link(db, email=account.email, settings=settings) for _ in range(7)]
    assert all(tokens[: onboarding.MAX_LINKS_PER_HOUR]) and tokens[-1] is None
    assert any(e.event_type == "password_link.throttled" for e in db.exec(select(AuditEvent)).all())


# --------------------------------------------------------------------------- the pages before sign-in, through their states


def test_pages_before_sign_in_are_public_and_check_their_links(db, engine, monkeypatch, invited):
    """No session is needed, the link decides; the 2-step page only serves a login whose
    second factor is still pending (not yet a viewer), and sends anyone else to log in."""
    import asyncio

    import reflex as rx
    from reflex.istate.data import RouterData
    from reflex_base import constants

    import portal_app.core.services.db as db_module
    from portal_app.accounts.states.login import LoginState
    from portal_app.accounts.states.onboarding import OnboardingState
    from portal_app.core.states.access import Access

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    account, invite_token = invited
    for cls in (LoginState, OnboardingState):
        assert {h.fn.portal_access for name, h in cls.event_handlers.items() if name != "setvar"} == {Access.PUBLIC}

    def run(cls, name, path, token=None, language="en-GB,en;q=0.8"):
        root = rx.State(_reflex_internal_init=True)
        root.router = RouterData.from_router_data(
            {
                constants.RouteVar.HEADERS: {
                    "cookie": f"{sessions.COOKIE_NAME}={token}" if token else "",
                    "origin": "http://localhost:3000",
                    "accept_language": language,
                },
                constants.RouteVar.ORIGIN: path,
                constants.RouteVar.PATH: path.split("?")[0],
                constants.RouteVar.QUERY: {},
                constants.RouteVar.CLIENT_IP: "203.0.113.9",
            }
        )
        state = root.get_substate(cls.get_full_name().split("."))
        return state, asyncio.run(cls.event_handlers[name].fn(state, *([] if name.startswith("load_") else ["nl"])))

    state, result = run(OnboardingState, "load_invitation", f"/account-activeren?token={invite_token}")
    assert result is None and state.link_valid and state.token == invite_token and state.lang == "en"
    state, _ = run(OnboardingState, "load_invitation", "/account-activeren?token=vervalst&lang=nl")
    assert not state.link_valid and state.lang == "nl"
    state, _ = run(LoginState, "load_login", "/login?verlopen=1&next=/dossiers")
    assert state.notice == i18n.t("login.expired", "en")
    assert state.next_path == "/dossiers" and not state.signed_in
    # the 2-step page: without a pending login, and with a completed one, back to the login page
    _, result = run(OnboardingState, "load_verify", "/login/verificatie")
    assert "/login?verlopen=1" in str(result.args)
    done, _row = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    pending, _row = sessions.create_session(db, account, policy=sessions.SessionPolicy(), second_factor_done=False)
    db.commit()
    _, result = run(OnboardingState, "load_verify", "/login/verificatie", token=done)
    assert "/login?verlopen=1" in str(result.args)
    state, result = run(OnboardingState, "load_verify", "/login/verificatie?opnieuw=1", token=pending)
    assert result is None and state.resent and not state.signed_in
