"""2-step verification: SMS, authenticator app, recovery codes."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import Session, select

from portal_app.accounts.models import OneTimeCode, RecoveryCode, TwoFactor
from portal_app.accounts.services import accounts, sessions, twofactor
from portal_app.accounts.services.twofactor import SecondFactorFailed
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import PermissionDenied, ValidationFailed
from portal_app.notifications.models import OutboxSms
from portal_app.office.services import office_settings
from portal_app.settings import load_settings

PHONE = "06 12345678"
E164 = "+31612345678"
CODE_RE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def settings(tmp_path):
    return load_settings({"PORTAL_ENV": "test", "DATA_DIR": str(tmp_path), "OFFICE_NAME": "Notariskantoor Test"})


@pytest.fixture
def account(db):
    person = accounts.create_person(db, email="klant@example.nl", name="Klaas Klant")
    db.flush()
    return person


def new_session(db, account) -> int:
    _token, row = sessions.create_session(db, account, policy=sessions.SessionPolicy(), second_factor_done=False)
    return row.id


def last_sms(db) -> OutboxSms:
    return db.exec(select(OutboxSms).order_by(OutboxSms.id.desc())).first()


def last_code(db) -> str:
    return CODE_RE.search(last_sms(db).body).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def setup_sms(db, account, settings) -> list[str]:
    sid = new_session(db, account)
    twofactor.start_sms_setup(session=db, account=account, phone=PHONE, session_id=sid, settings=settings)
    return twofactor.confirm_sms_setup(
        session=db, account=account, phone=PHONE, code=last_code(db), session_id=sid, settings=settings
    )


def setup_totp(db, account, settings, *, now=None) -> tuple[str, list[str]]:
    secret = twofactor.new_totp_secret()
    at = now or utcnow()
    codes = twofactor.confirm_totp_setup(
        session=db, account=account, secret=secret, code=pyotp.TOTP(secret).at(at), settings=settings, now=at
    )
    return secret, codes


def verify(db, account, sid, code, settings, now=None):
    return twofactor.verify_login(session=db, account=account, session_id=sid, code=code, settings=settings, now=now)


def refused(db, account, sid, code, settings, now=None) -> str:
    with pytest.raises(SecondFactorFailed) as error:
        verify(db, account, sid, code, settings, now)
    return error.value.code


def audit_text(db) -> str:
    return " ".join(f"{e.event_type} {e.target} {e.detail}" for e in db.exec(select(AuditEvent)).all())


def event_types(db) -> list[str]:
    return [e.event_type for e in db.exec(select(AuditEvent)).all()]


# --------------------------------------------------------------------------- phone numbers


def test_phone_normalized_and_only_mobile_accepted():
    assert twofactor.normalize_phone("06 12345678") == E164
    assert twofactor.normalize_phone("+31 6-1234 5678") == E164
    assert twofactor.normalize_phone("0031612345678") == E164
    assert twofactor.normalize_phone("+32 470 12 34 56") == "+32470123456"  # Belgian mobile
    for bad in ("020 1234567", "+31 20 123 4567", "0612", "hallo", "", "06" + "1" * 60, "+31 800 1234"):
        with pytest.raises(ValidationFailed) as error:
            twofactor.normalize_phone(bad)
        assert error.value.code == "2fa.phone_invalid" and error.value.field == "phone"


def test_mask_phone_shows_last_two_digits_only():
    assert twofactor.mask_phone(E164) == "+31 6 ** ** ** 78"
    masked = twofactor.mask_phone("+32470123456")
    assert masked.endswith("56") and "0123" not in masked


# --------------------------------------------------------------------------- SMS


def test_sms_setup_and_login_with_code(db, account, settings):
    office_settings.update(db, {"office_name": "Notariskantoor Test"}, actor_id=None)
    sid = new_session(db, account)
    assert (
        twofactor.start_sms_setup(session=db, account=account, phone=PHONE, session_id=sid, settings=settings) == E164
    )
    sms = last_sms(db)
    assert sms.to_phone == E164 and sms.account_id == account.id
    assert "Notariskantoor Test" in sms.body and "10 minuten" in sms.body
    codes = twofactor.confirm_sms_setup(
        session=db, account=account, phone=PHONE, code=last_code(db), session_id=sid, settings=settings
    )
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    state = twofactor.status(db, account.id)
    assert state == twofactor.TwoFactorStatus(True, "sms", "+31 6 ** ** ** 78", 10)
    assert twofactor.is_enabled(db, account.id)

    login_sid = new_session(db, account)
    assert twofactor.send_login_sms(session=db, account=account, session_id=login_sid, settings=settings)
    result = verify(db, account, login_sid, last_code(db), settings)
    assert result == twofactor.VerifyResult(method="sms", recovery_codes_left=None)
    assert "2fa.succeeded" in event_types(db)


def test_sms_in_english_for_english_account(db, settings):
    person = accounts.create_person(db, email="en@example.nl", name="Eve English", language="en")
    sid = new_session(db, person)
    twofactor.start_sms_setup(session=db, account=person, phone=PHONE, session_id=sid, settings=settings)
    assert "Your verification code" in last_sms(db).body and "10 minutes" in last_sms(db).body


def test_setup_code_only_confirms_the_number_it_was_sent_to(db, account, settings):
    sid = new_session(db, account)
    twofactor.start_sms_setup(session=db, account=account, phone=PHONE, session_id=sid, settings=settings)
    with pytest.raises(SecondFactorFailed):
        twofactor.confirm_sms_setup(
            session=db, account=account, phone="06 87654321", code=last_code(db), session_id=sid, settings=settings
        )
    assert not twofactor.is_enabled(db, account.id)


def test_new_setup_code_replaces_older_one(db, account, settings):
    sid = new_session(db, account)
    twofactor.start_sms_setup(session=db, account=account, phone=PHONE, session_id=sid, settings=settings)
    first = last_code(db)
    twofactor.start_sms_setup(session=db, account=account, phone=PHONE, session_id=sid, settings=settings)
    second = last_code(db)
    if first != second:
        with pytest.raises(SecondFactorFailed):
            twofactor.confirm_sms_setup(
                session=db, account=account, phone=PHONE, code=first, session_id=sid, settings=settings
            )
    twofactor.confirm_sms_setup(
        session=db, account=account, phone=PHONE, code=second, session_id=sid, settings=settings
    )
    assert twofactor.status(db, account.id).method == "sms"


def test_sms_code_bound_to_its_login_attempt(db, account, settings):
    setup_sms(db, account, settings)
    session_a, session_b = new_session(db, account), new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=session_a, settings=settings)
    code_a = last_code(db)
    # B has no code yet: A's code is refused
    assert refused(db, account, session_b, code_a, settings) in {"2fa.new_code_needed", "2fa.invalid_code"}
    twofactor.send_login_sms(session=db, account=account, session_id=session_b, settings=settings)
    code_b = last_code(db)
    if code_a != code_b:
        assert refused(db, account, session_b, code_a, settings) == "2fa.invalid_code"
    assert verify(db, account, session_b, code_b, settings).method == "sms"
    assert verify(db, account, session_a, code_a, settings).method == "sms"


def test_five_wrong_guesses_kill_the_code(db, account, settings):
    setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    code = last_code(db)
    for _ in range(4):
        assert refused(db, account, sid, wrong(code), settings) == "2fa.invalid_code"
    assert refused(db, account, sid, wrong(code), settings) == "2fa.new_code_needed"
    assert refused(db, account, sid, code, settings) == "2fa.new_code_needed"  # the right one, too late
    # a new code works
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    assert verify(db, account, sid, last_code(db), settings).method == "sms"


def test_sms_code_expires_after_ten_minutes(db, account, settings):
    setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    row = db.exec(select(OneTimeCode).where(OneTimeCode.purpose == "login")).one()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    later = utcnow() + timedelta(minutes=10, seconds=1)
    assert refused(db, account, sid, last_code(db), settings, now=later) == "2fa.expired"
    # still fine within the ten minutes
    assert verify(db, account, sid, last_code(db), settings, now=utcnow() + timedelta(minutes=9)).method == "sms"


def test_sms_code_single_use(db, account, settings):
    setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    code = last_code(db)
    verify(db, account, sid, code, settings)
    assert refused(db, account, sid, code, settings) == "2fa.new_code_needed"


def test_newer_login_code_replaces_older_and_resends_are_limited(db, account, settings):
    setup_sms(db, account, settings)
    sid = new_session(db, account)
    sent = []
    for _ in range(twofactor.MAX_CODES_PER_SESSION):
        assert twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
        sent.append(last_code(db))
    with pytest.raises(SecondFactorFailed) as error:
        twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    assert error.value.code == "2fa.too_many_attempts" and error.value.ends_login
    open_rows = db.exec(select(OneTimeCode).where(OneTimeCode.session_id == sid, OneTimeCode.used_at.is_(None))).all()
    assert len(open_rows) == 1  # only the newest one is usable
    assert verify(db, account, sid, sent[-1], settings).method == "sms"


def test_codes_stored_hashed(db, account, settings):
    recovery = setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    code = last_code(db)
    stored = " ".join(f"{r.code_hash} {r.purpose} {r.attempts}" for r in db.exec(select(OneTimeCode)).all())
    assert code not in stored
    assert all(len(r.code_hash) == 64 for r in db.exec(select(OneTimeCode)).all())
    hashes = " ".join(r.code_hash for r in db.exec(select(RecoveryCode)).all())
    for plain in recovery:
        assert plain not in hashes and plain.replace("-", "") not in hashes


def test_send_login_sms_false_without_sms(db, account, settings):
    sid = new_session(db, account)
    assert twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings) is False
    setup_totp(db, account, settings)
    assert twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings) is False
    assert db.exec(select(OutboxSms)).first() is None


def test_session_of_another_account_refused(db, account, settings):
    setup_sms(db, account, settings)
    other = accounts.create_person(db, email="ander@example.nl", name="Anna Ander")
    other_sid = new_session(db, other)
    with pytest.raises(SecondFactorFailed) as error:
        twofactor.send_login_sms(session=db, account=account, session_id=other_sid, settings=settings)
    assert error.value.code == "2fa.session_invalid"


# --------------------------------------------------------------------------- TOTP


def test_totp_setup_uri_and_qr(db, account, settings):
    secret = twofactor.new_totp_secret()
    uri = twofactor.totp_uri(secret=secret, email=account.email, office_name="Notariskantoor Test")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "issuer=Notariskantoor" in uri
    data_uri = twofactor.qr_svg_data_uri(uri)
    assert data_uri.startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(data_uri.split(",", 1)[1])

    with pytest.raises(SecondFactorFailed):
        twofactor.confirm_totp_setup(session=db, account=account, secret=secret, code="000000", settings=settings)
    with pytest.raises(ValidationFailed):
        twofactor.confirm_totp_setup(
            session=db, account=account, secret="not base32!", code="123456", settings=settings
        )
    codes = twofactor.confirm_totp_setup(
        session=db, account=account, secret=secret, code=pyotp.TOTP(secret).now(), settings=settings
    )
    assert len(codes) == 10
    row = db.get(TwoFactor, account.id)
    assert row.method == "totp" and row.totp_secret == secret and row.phone is None
    assert row.totp_last_step is not None
    assert twofactor.status(db, account.id) == twofactor.TwoFactorStatus(True, "totp", None, 10)


def test_totp_login_and_replay_in_same_window_refused(db, account, settings):
    now = utcnow()
    secret, _ = setup_totp(db, account, settings, now=now - timedelta(minutes=5))
    sid = new_session(db, account)
    code = pyotp.TOTP(secret).at(now)
    assert verify(db, account, sid, code, settings, now=now).method == "totp"
    other_sid = new_session(db, account)  # even in another login attempt
    assert refused(db, account, other_sid, code, settings, now=now) == "2fa.invalid_code"
    assert refused(db, account, sid, code, settings, now=now + timedelta(seconds=20)) == "2fa.invalid_code"


def test_setup_code_cannot_be_replayed_for_login(db, account, settings):
    now = utcnow()
    secret, _ = setup_totp(db, account, settings, now=now)
    sid = new_session(db, account)
    assert refused(db, account, sid, pyotp.TOTP(secret).at(now), settings, now=now) == "2fa.invalid_code"


def test_totp_previous_window_accepted_once_and_older_steps_refused(db, account, settings):
    now = utcnow()
    secret, _ = setup_totp(db, account, settings, now=now - timedelta(minutes=5))
    totp = pyotp.TOTP(secret)
    sid = new_session(db, account)
    previous = totp.at(now - timedelta(seconds=30))
    two_back = totp.at(now - timedelta(seconds=60))
    if two_back not in (previous, totp.at(now)):
        assert refused(db, account, sid, two_back, settings, now=now) == "2fa.invalid_code"  # outside the window
    assert verify(db, account, sid, previous, settings, now=now).method == "totp"
    assert refused(db, account, sid, previous, settings, now=now) == "2fa.invalid_code"
    # the current code is a newer step: accepted once
    current = totp.at(now)
    if current != previous:
        assert verify(db, account, sid, current, settings, now=now).method == "totp"


# --------------------------------------------------------------------------- recovery codes


def test_recovery_code_once_and_count_decreases(db, account, settings):
    codes = setup_sms(db, account, settings)
    sid = new_session(db, account)
    result = verify(db, account, sid, codes[0].upper().replace("-", " "), settings)
    assert result == twofactor.VerifyResult(method="recovery", recovery_codes_left=9)
    assert twofactor.recovery_codes_left(db, account.id) == 9
    assert refused(db, account, new_session(db, account), codes[0], settings) == "2fa.invalid_code"
    result = verify(db, account, new_session(db, account), f"  {codes[1][:4]}{codes[1][5:]} ", settings)
    assert result.recovery_codes_left == 8
    assert "2fa.recovery_code_used" in event_types(db)


def test_recovery_code_works_for_totp_account(db, account, settings):
    _secret, codes = setup_totp(db, account, settings)
    assert verify(db, account, new_session(db, account), codes[5], settings).method == "recovery"


def test_recovery_codes_of_another_account_refused(db, account, settings):
    setup_sms(db, account, settings)
    other = accounts.create_person(db, email="ander@example.nl", name="Anna Ander")
    other_codes = setup_sms(db, other, settings)
    assert refused(db, account, new_session(db, account), other_codes[0], settings) == "2fa.invalid_code"


def test_regenerate_invalidates_old_codes(db, account, settings):
    old = setup_sms(db, account, settings)
    verify(db, account, new_session(db, account), old[0], settings)
    new = twofactor.regenerate_recovery_codes(session=db, account=account, settings=settings)
    assert len(new) == 10 and not set(new) & set(old)
    assert twofactor.recovery_codes_left(db, account.id) == 10
    assert refused(db, account, new_session(db, account), old[1], settings) == "2fa.invalid_code"
    assert verify(db, account, new_session(db, account), new[0], settings).recovery_codes_left == 9


# --------------------------------------------------------------------------- guessing per login attempt


def test_ten_wrong_guesses_end_the_login_attempt(db, account, settings):
    codes = setup_sms(db, account, settings)
    sid = new_session(db, account)
    seen = []
    for attempt in range(10):
        if attempt % 5 == 0:  # a fresh code every 5 guesses
            twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
        code = last_code(db)
        seen.append(refused(db, account, sid, wrong(code), settings))
    assert seen[-1] == "2fa.too_many_attempts"
    assert all(c in {"2fa.invalid_code", "2fa.new_code_needed"} for c in seen[:-1])
    # now everything is refused in this login attempt, even a valid recovery code
    assert refused(db, account, sid, codes[0], settings) == "2fa.too_many_attempts"
    with pytest.raises(SecondFactorFailed) as error:
        twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    assert error.value.code == "2fa.too_many_attempts" and error.value.ends_login
    # a new login attempt starts afresh
    assert verify(db, account, new_session(db, account), codes[0], settings).method == "recovery"


def test_wrong_guesses_survive_commit_when_caller_catches(engine, account, db, settings):
    """The caller pattern from the module doc: catch inside the transaction, commit."""
    setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    code = last_code(db)
    db.commit()
    for _ in range(3):
        with Session(engine) as other:
            fresh = other.get(type(account), account.id)
            with pytest.raises(SecondFactorFailed):
                verify(other, fresh, sid, wrong(code), settings)
            other.commit()
    with Session(engine) as check:
        row = check.exec(select(OneTimeCode).where(OneTimeCode.session_id == sid)).one()
        assert row.attempts == 3
        assert twofactor._failures_in_session(check, sid) == 3


def test_malformed_input_refused_without_counting(db, account, settings):
    setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    for junk in ("", "12", "abc", "1234567", "<script>"):
        assert refused(db, account, sid, junk, settings) == "2fa.invalid_code"
    assert db.exec(select(OneTimeCode).where(OneTimeCode.session_id == sid)).one().attempts == 0


# --------------------------------------------------------------------------- switching off


def test_disable_removes_everything(db, account, settings):
    setup_sms(db, account, settings)
    assert twofactor.disable(session=db, account=account) is True
    assert not twofactor.is_enabled(db, account.id)
    assert twofactor.recovery_codes_left(db, account.id) == 0
    assert twofactor.status(db, account.id) == twofactor.TwoFactorStatus(False, None, None, 0)
    assert "2fa.disabled" in event_types(db)
    with pytest.raises(SecondFactorFailed) as error:
        verify(db, account, new_session(db, account), "123456", settings)
    assert error.value.code == "2fa.not_enabled"


def test_reset_by_staff_requires_reason_and_staff(db, account, settings):
    setup_sms(db, account, settings)
    staff = accounts.create_staff(db, email="medewerker@example.nl", name="Mia Medewerker")
    db.flush()
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as error:
            twofactor.reset_by_staff(session=db, account=account, actor_id=staff.id, reason=reason)
        assert error.value.code == "2fa.reason_required" and error.value.field == "reason"
    with pytest.raises(ValidationFailed) as error:
        twofactor.reset_by_staff(session=db, account=account, actor_id=staff.id, reason="x" * 501)
    assert error.value.code == "2fa.reason_too_long"
    with pytest.raises(PermissionDenied):
        twofactor.reset_by_staff(session=db, account=account, actor_id=account.id, reason="zelf")
    assert twofactor.is_enabled(db, account.id)

    twofactor.reset_by_staff(session=db, account=account, actor_id=staff.id, reason="Telefoon kwijt, gebeld op 12-3")
    assert not twofactor.is_enabled(db, account.id)
    event = db.exec(select(AuditEvent).where(AuditEvent.event_type == "2fa.reset_by_staff")).one()
    assert event.actor_id == staff.id and "Telefoon kwijt" in event.detail
    disabled = db.exec(select(AuditEvent).where(AuditEvent.event_type == "2fa.disabled")).one()
    assert disabled.actor_id == staff.id


# --------------------------------------------------------------------------- audit


def test_audit_events_hold_no_codes_or_secrets(db, account, settings):
    recovery = setup_sms(db, account, settings)
    sid = new_session(db, account)
    twofactor.send_login_sms(session=db, account=account, session_id=sid, settings=settings)
    sms_code = last_code(db)
    refused(db, account, sid, wrong(sms_code), settings)
    verify(db, account, sid, sms_code, settings)
    verify(db, account, new_session(db, account), recovery[0], settings)
    refused(db, account, new_session(db, account), recovery[0], settings)
    secret, totp_recovery = setup_totp(db, account, settings)
    text = audit_text(db)
    for secret_text in [sms_code, wrong(sms_code), secret, *recovery, *totp_recovery]:
        assert secret_text not in text and secret_text.replace("-", "") not in text
    assert "12345678" not in text  # the phone number is masked
    types = event_types(db)
    for expected in ("2fa.enabled", "2fa.sms_sent", "2fa.failed", "2fa.succeeded", "2fa.recovery_code_used"):
        assert expected in types


# --------------------------------------------------------------------------- Mijn gegevens, through the state


def test_staff_who_must_set_up_two_step_can_do_so_on_my_details(db, engine, monkeypatch):
    """Staff without 2-step verification, while the office requires it, are refused every
    staff screen and sent to Mijn gegevens: its handlers must let them in to set it up."""
    import asyncio

    import reflex as rx
    from reflex.istate.data import RouterData
    from reflex_base import constants

    import portal_app.core.services.db as db_module
    from portal_app.accounts.states.my_details import MyDetailsState
    from portal_app.core.states.access import Access, refusal_reason, viewer_for_token

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    staff = accounts.create_staff(db, email="medewerker@example.nl", name="Mia Medewerker")
    token, _row = sessions.create_session(db, staff, policy=sessions.SessionPolicy())
    db.commit()
    assert office_settings.profile().staff_require_2fa
    viewer = viewer_for_token(token)
    assert refusal_reason(Access.STAFF, viewer) == "staff_second_factor_missing"
    assert {
        handler.fn.portal_access for name, handler in MyDetailsState.event_handlers.items() if name != "setvar"
    } == {Access.ACCOUNT}

    root = rx.State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {
            constants.RouteVar.HEADERS: {
                "cookie": f"{sessions.COOKIE_NAME}={token}",
                "origin": "http://localhost:3000",
            },
            constants.RouteVar.ORIGIN: "/mijn-gegevens?verplicht=1",
            constants.RouteVar.PATH: "/mijn-gegevens",
            constants.RouteVar.QUERY: {},
            constants.RouteVar.CLIENT_IP: "203.0.113.9",
        }
    )
    state = root.get_substate(MyDetailsState.get_full_name().split("."))

    def run(name, *args):
        return asyncio.run(MyDetailsState.event_handlers[name].fn(state, *args))

    assert run("load_my_details") is None
    assert state.signed_in and state.is_staff and not state.is_client and not state.tf_enabled
    assert run("start_totp") is None and state.tf_step == "totp"
    secret = state._pending_totp_secret
    near = {pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=shift)) for shift in (-60, -30, 0, 30, 60)}
    run(
        "confirm_totp",
        {
            "code": next(
                code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in near
            )
        },
    )
    assert state.tf_error and not state.tf_enabled
    run("confirm_totp", {"code": pyotp.TOTP(secret).now()})
    assert state.tf_step == "codes" and len(state.recovery_codes) == 10 and state.tf_enabled
    assert refusal_reason(Access.STAFF, viewer_for_token(token)) is None
