import pytest
from sqlmodel import select

from portal_app.accounts.models import Account, AuthToken, TwoFactor, UserSession
from portal_app.accounts.services import sessions
from portal_app.audit.models import AuditEvent
from portal_app.core.models import utcnow
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.notifications.models import OutboxMail
from portal_app.office.services import staff_clients


def events(db, event_type):
    return db.exec(select(AuditEvent).where(AuditEvent.event_type == event_type)).all()


def test_search_by_name_email_company_case_insensitive(db, world):
    found = staff_clients.search_clients(session=db, actor=world.handler, query="KLAAS")
    assert [row.email for row in found.rows] == ["klant@example.nl"]
    assert staff_clients.search_clients(session=db, actor=world.handler, query="bedrijf b.v").total == 1
    assert staff_clients.search_clients(session=db, actor=world.handler, query="INFO@BEDRIJF").total == 1
    # staff never appear in the client list; LIKE wildcards are taken literally
    assert staff_clients.search_clients(session=db, actor=world.handler, query="admin").total == 0
    assert staff_clients.search_clients(session=db, actor=world.handler, query="%").total == 0
    assert staff_clients.search_clients(session=db, actor=world.handler).total == 2


def test_search_paginates_and_clamps_the_page(db, world):
    for i in range(30):
        db.add(Account(kind="person", email=f"p{i:02}@example.nl", name=f"Persoon {i:02}"))
    db.commit()
    first = staff_clients.search_clients(session=db, actor=world.handler, query="persoon", page=0)
    assert (first.total, first.page_count, len(first.rows)) == (30, 2, 25)
    last = staff_clients.search_clients(session=db, actor=world.handler, query="persoon", page="999")
    assert (last.page, len(last.rows)) == (1, 5)
    assert staff_clients.search_clients(session=db, actor=world.handler, query="persoon", page="-3").page == 0
    assert staff_clients.search_clients(session=db, actor=world.handler, status="invited").total == 32


def test_create_person_and_company_send_the_invitation(db, world):
    person = staff_clients.create_client(
        session=db,
        actor=world.handler,
        kind="person",
        email=" Nieuw@Example.nl ",
        name="Nina  Nieuw",
        settings=world.settings,
    )
    company = staff_clients.create_client(
        session=db,
        actor=world.handler,
        kind="company",
        email="bv@example.nl",
        name="Piet",
        company_name="Piet B.V.",
        language="en",
        settings=world.settings,
    )
    assert person.email == "nieuw@example.nl" and person.name == "Nina Nieuw" and person.kind == "person"
    assert company.kind == "company" and company.company_name == "Piet B.V." and company.language == "en"
    mails = db.exec(select(OutboxMail).where(OutboxMail.kind == "invite")).all()
    assert sorted(m.to_address for m in mails) == ["bv@example.nl", "nieuw@example.nl"]
    assert "/account-activeren?token=" in next(m for m in mails if m.to_address == "nieuw@example.nl").body_text
    created = events(db, "account.created")
    assert {e.actor_id for e in created if e.target in (f"account:{person.id}", f"account:{company.id}")} == {
        world.handler.id
    }
    assert len(events(db, "invite.sent")) == 2


def test_create_refuses_bad_input(db, world):
    with pytest.raises(ValidationFailed) as error:
        staff_clients.create_client(
            session=db, actor=world.handler, kind="staff", email="x@example.nl", name="X", settings=world.settings
        )
    assert error.value.code == "staff.client.kind_invalid"
    with pytest.raises(ValidationFailed):
        staff_clients.create_client(
            session=db,
            actor=world.handler,
            kind="person",
            email="klant@example.nl",
            name="Dubbel",
            settings=world.settings,
        )
    with pytest.raises(ValidationFailed):
        staff_clients.create_client(
            session=db,
            actor=world.handler,
            kind="company",
            email="c@example.nl",
            name="C",
            company_name=" ",
            settings=world.settings,
        )
    with pytest.raises(ValidationFailed):
        staff_clients.create_client(
            session=db, actor=world.handler, kind="person", email=["x"], name="X", settings=world.settings
        )


def test_resend_invitation_voids_the_older_link(db, world):
    person = staff_clients.create_client(
        session=db, actor=world.admin, kind="person", email="n@example.nl", name="N", settings=world.settings
    )
    staff_clients.resend_invitation(session=db, actor=world.handler, account_id=str(person.id), settings=world.settings)
    tokens = db.exec(select(AuthToken).where(AuthToken.account_id == person.id).order_by(AuthToken.id)).all()
    assert len(tokens) == 2 and tokens[0].revoked_at is not None and tokens[1].revoked_at is None
    # an account that already set its password gets no new invitation
    world.client.password_hash = "x"
    db.add(world.client)
    with pytest.raises(ValidationFailed) as error:
        staff_clients.resend_invitation(
            session=db, actor=world.handler, account_id=world.client.id, settings=world.settings
        )
    assert error.value.code == "staff.client.already_active"
    with pytest.raises(NotFound):  # staff are not clients
        staff_clients.resend_invitation(
            session=db, actor=world.handler, account_id=world.admin.id, settings=world.settings
        )


def test_block_ends_sessions_and_unblock(db, world):
    policy = sessions.SessionPolicy()
    token, _row = sessions.create_session(db, world.client, policy=policy)
    db.commit()
    staff_clients.set_blocked(session=db, actor=world.handler, account_id=world.client.id, blocked=True)
    assert sessions.resolve(db, token, policy=policy) is None
    assert db.exec(select(UserSession).where(UserSession.account_id == world.client.id)).one().ended_at is not None
    assert events(db, "account.blocked")[0].actor_id == world.handler.id
    staff_clients.set_blocked(session=db, actor=world.handler, account_id=world.client.id, blocked=False)
    assert db.get(Account, world.client.id).blocked is False
    assert len(events(db, "account.unblocked")) == 1
    with pytest.raises(ValidationFailed):
        staff_clients.set_blocked(session=db, actor=world.handler, account_id=world.client.id, blocked="yes")
    with pytest.raises(NotFound):
        staff_clients.set_blocked(session=db, actor=world.handler, account_id=world.admin.id, blocked=True)


def test_two_factor_reset_needs_a_reason_and_is_audited(db, world):
    db.add(TwoFactor(account_id=world.client.id, method="totp", totp_secret="JBSWY3DPEHPK3PXP", enabled_at=utcnow()))
    db.commit()
    with pytest.raises(ValidationFailed):
        staff_clients.reset_two_factor(session=db, actor=world.handler, account_id=world.client.id, reason="   ")
    assert (
        staff_clients.reset_two_factor(
            session=db, actor=world.handler, account_id=world.client.id, reason="Paspoort gezien aan de balie"
        )
        is True
    )
    assert db.get(TwoFactor, world.client.id) is None
    event = events(db, "2fa.reset_by_staff")[0]
    assert event.actor_id == world.handler.id and "Paspoort gezien" in event.detail


def test_detail_shows_logins_dossiers_and_invitation(db, world):
    sessions.create_session(db, world.client, policy=sessions.SessionPolicy(), ip="10.0.0.9")
    staff_clients.resend_invitation(
        session=db, actor=world.handler, account_id=world.client.id, settings=world.settings
    )
    detail = staff_clients.client_detail(session=db, actor=world.handler, account_id=str(world.client.id))
    assert detail.row.name == "Klaas Klant"
    assert detail.logins[0].ip == "10.0.0.9"
    assert [d.number for d in detail.dossiers] == ["2026-0001"]
    assert detail.invite_state == "open"
    with pytest.raises(NotFound):
        staff_clients.client_detail(session=db, actor=world.handler, account_id="abc")


@pytest.mark.parametrize(
    "call",
    [
        lambda db, w: staff_clients.search_clients(session=db, actor=w.client),
        lambda db, w: staff_clients.create_client(
            session=db, actor=w.client, kind="person", email="e@example.nl", name="E", settings=w.settings
        ),
        lambda db, w: staff_clients.resend_invitation(
            session=db, actor=w.client, account_id=w.company.id, settings=w.settings
        ),
        lambda db, w: staff_clients.set_blocked(session=db, actor=w.client, account_id=w.company.id, blocked=True),
        lambda db, w: staff_clients.reset_two_factor(session=db, actor=w.client, account_id=w.company.id, reason="x"),
        lambda db, w: staff_clients.client_detail(session=db, actor=w.client, account_id=w.company.id),
        lambda db, w: staff_clients.find_clients_for_access(
            session=db, actor=w.client, query="bedrijf", dossier_id=w.dossier.id
        ),
        lambda db, w: staff_clients.search_clients(session=db, actor=None),
    ],
)
def test_clients_and_missing_actors_are_refused(db, world, call):
    with pytest.raises(PermissionDenied):
        call(db, world)


def test_blocked_or_removed_staff_are_refused(db, world):
    world.handler.blocked = True
    db.add(world.handler)
    db.commit()
    with pytest.raises(PermissionDenied):
        staff_clients.search_clients(session=db, actor=world.handler)


def test_two_factor_reset_when_off_too_long_or_not_a_client(db, world):
    # already off: nothing to switch off, still audited with the reason
    assert (
        staff_clients.reset_two_factor(
            session=db, actor=world.handler, account_id=str(world.client.id), reason="Gebeld"
        )
        is False
    )
    event = events(db, "2fa.reset_by_staff")[0]
    assert event.target == f"account:{world.client.id}" and '"was_enabled": false' in event.detail
    assert events(db, "2fa.disabled") == []
    with pytest.raises(ValidationFailed) as error:
        staff_clients.reset_two_factor(session=db, actor=world.handler, account_id=world.client.id, reason="x" * 501)
    assert error.value.code == "2fa.reason_too_long"
    with pytest.raises(ValidationFailed) as error:
        staff_clients.reset_two_factor(session=db, actor=world.handler, account_id=world.client.id, reason=None)
    assert error.value.code == "2fa.reason_required"
    # staff accounts, unknown and forged ids are not clients
    for forged in (world.admin.id, 999_999, "1 OR 1=1", None):
        with pytest.raises(NotFound):
            staff_clients.reset_two_factor(session=db, actor=world.handler, account_id=forged, reason="x")


def test_two_factor_reset_removes_recovery_codes_and_keeps_the_password(db, world):
    from portal_app.accounts.models import RecoveryCode

    world.client.password_hash = "hash"
    db.add(world.client)
    db.add(TwoFactor(account_id=world.client.id, method="sms", phone="+31612345678", enabled_at=utcnow()))
    db.add(RecoveryCode(account_id=world.client.id, code_hash="x"))
    db.commit()
    assert (
        staff_clients.reset_two_factor(session=db, actor=world.admin, account_id=world.client.id, reason="Nieuw nummer")
        is True
    )
    db.commit()
    assert db.exec(select(RecoveryCode).where(RecoveryCode.account_id == world.client.id)).all() == []
    assert db.get(Account, world.client.id).password_hash == "hash"
    assert staff_clients.client_detail(session=db, actor=world.admin, account_id=world.client.id).two_factor == ""


# --------------------------------------------------------------------------- the client screen's reset dialog


@pytest.fixture
def screen(engine, db, world, monkeypatch):
    """StaffClientState on a state tree (the abuse tests' harness) for this test's database."""
    import portal_app.core.services.db as db_module
    from portal_app.office.services import office_settings
    from portal_app.office.states.staff_clients import StaffClientState
    from tests.unit.helpers import call, make_state

    monkeypatch.setattr(db_module, "get_engine", lambda: engine)
    office_settings.set_value(db, "staff_require_2fa", "false", actor_id=None)
    db.add(TwoFactor(account_id=world.client.id, method="totp", totp_secret="JBSWY3DPEHPK3PXP", enabled_at=utcnow()))
    db.commit()
    token, _row = sessions.create_session(db, world.handler, policy=sessions.SessionPolicy())
    db.commit()
    state = make_state(StaffClientState, token, f"/staff/clienten/{world.client.id}")
    assert call(StaffClientState.event_handlers["load_client"].fn, state) is None and state.two_factor != ""
    return state


def handler(name):
    """The handler as Reflex runs it (the skeleton's wrapper is a coroutine)."""
    from portal_app.office.states.staff_clients import StaffClientState
    from tests.unit.helpers import call

    return lambda state, *args: call(StaffClientState.event_handlers[name].fn, state, *args)


def test_reset_dialog_refuses_a_missing_reason_and_changes_nothing(db, world, screen):
    handler("set_reset_open")(screen, True)
    for form in ({"reason": ""}, {"reason": "  \n "}, {}, {"reason": ["lijst"]}, "geen formulier"):
        handler("reset_two_factor")(screen, form)
        assert screen.reset_error == "Vul de reden in." and screen.reset_open, form
        assert screen.notice == "" and screen.two_factor != ""
    db.expire_all()
    assert db.get(TwoFactor, world.client.id) is not None
    assert events(db, "2fa.reset_by_staff") == []
    handler("set_reset_open")(screen, False)
    handler("set_reset_open")(screen, True)
    assert screen.reset_error == ""  # a new dialog starts clean


def test_reset_dialog_with_a_reason_switches_it_off(db, world, screen):
    handler("set_reset_open")(screen, True)
    handler("reset_two_factor")(screen, {"reason": "  Paspoort   gezien "})
    assert not screen.reset_open and screen.reset_error == ""
    assert screen.notice == "De 2-staps verificatie is uitgezet." and screen.two_factor == ""
    db.expire_all()
    assert db.get(TwoFactor, world.client.id) is None
    event = events(db, "2fa.reset_by_staff")[0]
    assert event.actor_id == world.handler.id and '"reason": "Paspoort gezien"' in event.detail


def test_search_text_follows_every_change_and_staff_have_none(db, world):
    """Account.client_search_text is written on every ORM insert and update (migration 0006)."""
    client = Account(kind="person", email="jose@example.nl", name="José Müller")
    db.add(client)
    db.commit()
    assert client.client_search_text == "jose muller jose@example.nl"
    # accents and case do not matter in the search box
    assert [
        row.email for row in staff_clients.search_clients(session=db, actor=world.handler, query="MÜLLER").rows
    ] == ["jose@example.nl"]
    client.name, client.company_name = "José de Vries", "Vries Bouw B.V."
    db.commit()
    assert staff_clients.search_clients(session=db, actor=world.handler, query="muller").total == 0
    assert staff_clients.search_clients(session=db, actor=world.handler, query="vries bouw").total == 1
    assert world.handler.client_search_text is None


def test_trigram_index_finds_what_like_finds_and_follows_every_change(db, world, monkeypatch):
    """On SQLite the client search asks the trigram index (account_trigram, migration 0009) from
    three characters; its answers are the LIKE answers, after inserts, updates, removals and
    deletes, and a search with more matches than the count limit shows the same page."""
    from sqlalchemy import event, text

    from portal_app.core.services import staff_access

    for index, name in enumerate(
        ["Anna Kerkhof", "Bram Dorpsma", 'Cor "Hof" Visser', "Dirk 100% Bakker", "Eva Visser"]
    ):
        db.add(Account(kind="person", email=f"c{index}@example.nl", name=name))
    db.commit()
    sent: list[str] = []
    listener = lambda _c, _cur, statement, *_rest: sent.append(statement)  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)

    def found(query: str) -> list[str]:
        return sorted(
            row.email for row in staff_clients.search_clients(session=db, actor=world.handler, query=query).rows
        )

    def like(query: str) -> list[str]:
        needle = query.casefold()
        accounts = db.exec(select(Account).where(Account.deleted_at.is_(None))).all()  # type: ignore[union-attr]
        return sorted(a.email for a in accounts if a.client_search_text and needle in a.client_search_text)

    try:
        for query in ["visser", "VISSER", "hof", '"hof"', "100%", "example.nl", "c3@", "xyz", "vi"]:
            sent.clear()
            assert found(query) == like(query), query
            assert any("MATCH" in statement for statement in sent) == (len(query) >= 3), query
        # the triggers: an update and a delete reach the index; a removed client is not listed
        moved = db.exec(select(Account).where(Account.email == "c0@example.nl")).one()
        moved.name = "Anna Molenaar"
        db.commit()
        assert found("kerkhof") == [] and found("molenaar") == ["c0@example.nl"]
        db.execute(text("DELETE FROM account WHERE email = 'c1@example.nl'"))
        db.commit()
        assert found("dorpsma") == []
        removed = db.exec(select(Account).where(Account.email == "c4@example.nl")).one()
        removed.deleted_at = utcnow()
        db.commit()
        assert found("visser") == ["c2@example.nl"] == like("visser")
        # more matches than the count limit: counted by the index, the same page read by name
        every = staff_clients.search_clients(session=db, actor=world.handler, query="example.nl")
        monkeypatch.setattr(staff_access, "COUNT_LIMIT", 2)
        page = staff_clients.search_clients(session=db, actor=world.handler, query="example.nl")
        assert (every.more, page.total, page.more) == (False, 2, True)
        assert [row.email for row in page.rows] == [row.email for row in every.rows]
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)
