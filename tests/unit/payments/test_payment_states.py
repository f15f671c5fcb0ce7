"""The payment handlers as forged or real browser events reach them (tests/unit/helpers.py harness)."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import Session, SQLModel, select

import portal_app.core.services.db as db_module
from portal_app.accounts.services import sessions, twofactor
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.db import make_engine
from portal_app.payments.models import TrustAccount
from portal_app.payments.services import settlements, trust_account
from portal_app.payments.states.payments import ClientPaymentState, TrustAccountState
from tests.unit.helpers import build_world, call, make_state, redirect_path

FORM = {
    "iban": "NL20 INGB 0001 2345 67",
    "account_name": "Fraudeur",
    "bank_name": "ING",
    "office_phone": "030 1234567",
    "code": "123456",
}


@pytest.fixture
def world(tmp_path, monkeypatch):
    engine = make_engine(f"sqlite:///{tmp_path / 'states.db'}")
    SQLModel.metadata.create_all(engine)
    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    with Session(engine, expire_on_commit=False) as db:
        built = build_world(db, tmp_path)
        trust_account.store_for_demo(
            db, iban="NL91ABNA0417164300", account_name="Stichting", bank_name="ABN AMRO", office_phone="030 1234567"
        )
        for dossier in (built.dossier, built.other_dossier):
            settlements.store_for_demo(
                db,
                dossier_id=dossier.id,
                purchase_price_cents=100_00,
                costs_cents=0,
                due_date=utcnow().date(),
                reference=dossier.number,
            )
        db.commit()
        yield db, built
    engine.dispose()


def token_for(db, account) -> tuple[str, int]:
    token, row = sessions.create_session(db, account, policy=sessions.SessionPolicy())
    db.commit()
    return token, row.id


def audit_types(db) -> list[str]:
    db.expire_all()
    return [event.event_type for event in db.exec(select(AuditEvent)).all()]


def office_iban(db) -> str:
    db.expire_all()
    return db.get(TrustAccount, 1).iban


def test_forged_change_by_a_behandelaar_is_refused_and_audited(world):
    db, w = world
    token, _ = token_for(db, w.handler)
    state = make_state(TrustAccountState, token, "/staff/instellingen")
    result = call(TrustAccountState.save_trust_account.fn, state, FORM)
    assert redirect_path(result) == "/404"
    assert office_iban(db) == "NL91ABNA0417164300"
    assert "access.refused" in audit_types(db)
    assert state.account_notice == "" and state.account.iban == ""


def test_forged_change_by_a_client_or_without_session_is_refused(world):
    db, w = world
    token, _ = token_for(db, w.client)
    for cookie in (token, None):
        state = make_state(TrustAccountState, cookie, "/staff/instellingen")
        assert redirect_path(call(TrustAccountState.save_trust_account.fn, state, FORM)) is not None
    assert office_iban(db) == "NL91ABNA0417164300"


def test_admin_without_a_valid_code_is_refused_then_succeeds_with_one(world):
    db, w = world
    secret = twofactor.new_totp_secret()
    now = utcnow()
    twofactor.confirm_totp_setup(session=db, account=w.admin, secret=secret, code=pyotp.TOTP(secret).at(now), now=now)
    db.commit()
    token, _ = token_for(db, w.admin)
    state = make_state(TrustAccountState, token, "/staff/instellingen")
    call(TrustAccountState.load_trust_account.fn, state)
    assert state.account.iban == "NL91 ABNA 0417 1643 00" and state.two_factor_method == "totp"
    call(TrustAccountState.save_trust_account.fn, state, FORM)
    assert state.account_errors["code"] != "" and office_iban(db) == "NL91ABNA0417164300"
    # the refusal and the counted guess were committed despite the error
    assert {"payments.trust_account_refused", "2fa.failed"} <= set(audit_types(db))
    good = {**FORM, "code": pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))}
    call(TrustAccountState.save_trust_account.fn, state, good)
    assert state.account_notice != "" and office_iban(db) == "NL20INGB0001234567"
    assert state.account.iban == "NL20 INGB 0001 2345 67"


def test_client_cannot_load_another_dossiers_payment_page(world):
    db, w = world
    token, _ = token_for(db, w.client)
    own = make_state(ClientPaymentState, token, f"/dossiers/{w.dossier.id}")
    call(ClientPaymentState.load_payment.fn, own)
    assert own.payment.exists and own.payment.iban == "NL91 ABNA 0417 1643 00"
    for path in (f"/dossiers/{w.other_dossier.id}", "/dossiers/999999", "/dossiers/abc"):
        state = make_state(ClientPaymentState, token, path)
        call(ClientPaymentState.load_payment.fn, state)
        assert not state.payment.exists and state.payment.iban == "" and state.payment.qr_data_uri == ""
    assert "access.denied" in audit_types(db)


def test_client_draft_warning_through_the_handler(world):
    db, w = world
    token, _ = token_for(db, w.client)
    state = make_state(ClientPaymentState, token, f"/dossiers/{w.dossier.id}")
    call(ClientPaymentState.check_draft.fn, state, "Moet ik naar NL20INGB0001234567 overmaken?")
    assert state.draft_ibans == ["NL20 INGB 0001 2345 67"]
    call(ClientPaymentState.check_draft.fn, state, "Ik heb overgemaakt naar NL91 ABNA 0417 1643 00.")
    assert state.draft_ibans == []
