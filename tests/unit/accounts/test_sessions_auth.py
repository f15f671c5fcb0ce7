from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.accounts.models import LoginFailure, UserSession
from portal_app.accounts.services import accounts, auth, passwords, sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.services.db import AuditLogIsAppendOnly
from portal_app.core.services.errors import AuthenticationFailed, Throttled

POLICY = sessions.SessionPolicy(idle_minutes=30, absolute_hours=12)
PASSWORD = "Zonnebloem-Tulp-73"


@pytest.fixture
def client(db):
    account = accounts.create_person(db, email="Klant@Example.nl ", name="Klaas Klant")
    accounts.set_password_hash(db, account, passwords.hash_password(PASSWORD))
    db.commit()
    return account


def do_login(db, email="klant@example.nl", password=PASSWORD, ip="10.0.0.1"):
    return auth.login(db, email=email, password=password, ip=ip, user_agent="pytest", policy=POLICY)


def test_login_creates_new_hashed_session_each_time(db, client):
    first = do_login(db)
    second = do_login(db)
    assert first.token != second.token and len(first.token) >= 43
    rows = db.exec(select(UserSession)).all()
    assert len(rows) == 2
    assert all(first.token not in row.token_hash and len(row.token_hash) == 64 for row in rows)
    resolved = sessions.resolve(db, first.token, policy=POLICY)
    assert resolved is not None and resolved[1].id == client.id


def test_same_error_for_unknown_address_wrong_password_and_blocked(db, client):
    with pytest.raises(AuthenticationFailed):
        do_login(db, email="niemand@example.nl")
    with pytest.raises(AuthenticationFailed):
        do_login(db, password="Verkeerd-1234")
    client.blocked = True
    db.add(client)
    with pytest.raises(AuthenticationFailed):
        do_login(db)
    types = [e.event_type for e in db.exec(select(AuditEvent)).all()]
    assert types.count("login.failed") == 3
    details = " ".join(str(e.detail) + str(e.target) for e in db.exec(select(AuditEvent)).all())
    assert PASSWORD not in details and "Verkeerd-1234" not in details


def test_throttling_grows_and_is_never_permanent(db, client):
    for _ in range(auth.FREE_TRIES_PER_ACCOUNT):
        with pytest.raises(AuthenticationFailed):
            do_login(db, password="Fout-12345")
    with pytest.raises(Throttled) as throttled:
        do_login(db)  # even the right password waits
    assert throttled.value.minutes == 1
    # the wait passes: move the failures back in time
    for failure in db.exec(select(LoginFailure)).all():
        failure.at -= timedelta(minutes=2)
        db.add(failure)
    with pytest.raises(AuthenticationFailed):
        do_login(db, password="Fout-12345")
    with pytest.raises(Throttled) as throttled:
        do_login(db)
    assert throttled.value.minutes == 2  # growing
    for failure in db.exec(select(LoginFailure)).all():
        failure.at -= timedelta(hours=2)  # outside the window: forgotten
        db.add(failure)
    assert do_login(db).account.id == client.id
    assert db.exec(select(LoginFailure)).all() == []


def test_throttling_per_client_address_across_accounts(db, client):
    for index in range(auth.FREE_TRIES_PER_ADDRESS):
        with pytest.raises(AuthenticationFailed):
            do_login(db, email=f"gok{index}@example.nl", ip="192.0.2.9")
    with pytest.raises(Throttled):
        do_login(db, ip="192.0.2.9")
    assert do_login(db, ip="192.0.2.10").account.id == client.id


def test_idle_and_absolute_expiry(db, client):
    result = do_login(db)
    row = db.exec(select(UserSession)).one()
    row.last_seen_at -= timedelta(minutes=31)
    db.add(row)
    assert sessions.resolve(db, result.token, policy=POLICY) is None
    result = do_login(db)
    row = db.exec(select(UserSession).where(UserSession.ended_at.is_(None))).one()
    row.expires_at -= timedelta(hours=13)
    db.add(row)
    assert sessions.resolve(db, result.token, policy=POLICY) is None


def test_logout_and_end_all(db, client):
    one, two = do_login(db), do_login(db)
    assert sessions.end_session(db, one.token) == client.id
    assert sessions.resolve(db, one.token, policy=POLICY) is None
    assert sessions.resolve(db, two.token, policy=POLICY) is not None
    assert sessions.end_all_sessions(db, client.id) == 1
    assert sessions.resolve(db, two.token, policy=POLICY) is None
    assert sessions.resolve(db, "forged", policy=POLICY) is None
    assert sessions.resolve(db, None, policy=POLICY) is None


def test_cookie_parsing():
    assert sessions.token_from_cookie_header("a=1; kp_session=abc-DEF_1; b=2") == "abc-DEF_1"
    assert sessions.token_from_cookie_header("a=1") is None
    assert sessions.token_from_cookie_header("") is None


def test_audit_log_is_append_only(db, client):
    do_login(db)
    db.commit()
    event = db.exec(select(AuditEvent)).first()
    event.event_type = "changed"
    with pytest.raises(AuditLogIsAppendOnly):
        db.flush()
    db.rollback()
    db.delete(db.exec(select(AuditEvent)).first())
    with pytest.raises(AuditLogIsAppendOnly):
        db.flush()
