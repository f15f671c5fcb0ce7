"""The staff search box finds a dossier by number, address, client name, company or e-mail part,
and the search text follows every change of access and of the clients (search_index.py)."""

from __future__ import annotations

from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus
from portal_app.dossiers.services import dossiers, search_index, staff_dossiers
from tests.unit.helpers import statements_sent


def found(db, admin, query: str) -> list[str]:
    page = staff_dossiers.list_dossiers(session=db, actor=admin, query=query)
    return sorted(row.number for row in page.rows)


def test_one_box_finds_number_address_name_company_and_email(db, world):
    partner = accounts.create_person(db, email="s.ozturk@mailbox.example.nl", name="Şule Öztürk")
    house = dossiers.create_dossier(db, number="2026-0777", description="Levering woning Kerkstraat 4, Zeist")
    dossiers.grant_access(db, dossier_id=house.id, account_id=partner.id)
    db.commit()
    assert found(db, world.admin, "2026-0777") == ["2026-0777"]
    assert found(db, world.admin, "kerkstraat 4") == ["2026-0777"]
    assert found(db, world.admin, "ozturk") == ["2026-0777"]  # accents folded: Öztürk
    assert found(db, world.admin, "ÖZTÜRK") == ["2026-0777"]
    assert found(db, world.admin, "mailbox.example") == ["2026-0777"]
    assert found(db, world.admin, "klaas klant") == ["2026-0001"]
    assert found(db, world.admin, "bedrijf b.v.") == ["2026-0002"]
    assert found(db, world.admin, "info@bedrijf") == ["2026-0002"]
    assert found(db, world.admin, "nobody-at-all") == []
    assert found(db, world.admin, "%") == []  # LIKE wildcards are literal


def test_rename_email_change_grant_and_revoke_keep_it_correct(db, world):
    client = world.client
    client.name = "Klaas Vermeulen"
    client.email = "k.vermeulen@example.nl"
    db.add(client)
    db.commit()
    assert found(db, world.admin, "vermeulen") == ["2026-0001"]
    assert found(db, world.admin, "klaas klant") == []
    assert found(db, world.admin, "klant@example") == []

    staff_dossiers.grant_access(session=db, actor=world.admin, dossier_id=world.other_dossier.id, account_id=client.id)
    db.commit()
    assert found(db, world.admin, "vermeulen") == ["2026-0001", "2026-0002"]
    staff_dossiers.revoke_access(session=db, actor=world.admin, dossier_id=world.other_dossier.id, account_id=client.id)
    db.commit()
    assert found(db, world.admin, "vermeulen") == ["2026-0001"]

    staff_dossiers.update_dossier(session=db, actor=world.admin, dossier_id=world.dossier.id, description="Schenking")
    db.commit()
    assert found(db, world.admin, "schenking vermeulen") == []  # one substring, as typed
    assert found(db, world.admin, "vermeulen") == ["2026-0001"]  # the clients stay after a new description
    assert found(db, world.admin, "schenking") == ["2026-0001"]


def test_the_loaded_dossier_sees_the_new_text(db, world):
    dossier = db.get(Dossier, world.dossier.id)
    world.client.name = "Karel Nieuw"
    db.add(world.client)
    db.flush()
    assert "karel nieuw" in dossier.staff_search_text
    assert dossier not in db.dirty  # kept in step without a second write


def test_clients_never_search_the_other_clients_of_a_dossier(db, world):
    """The client list searches number and description only: a co-client's address stays unknown."""
    partner = accounts.create_person(db, email="geheim.adres@example.nl", name="Greet Geheim")
    dossiers.grant_access(db, dossier_id=world.dossier.id, account_id=partner.id)
    db.commit()
    assert found(db, world.admin, "geheim.adres") == ["2026-0001"]
    rows, total = dossiers.list_for_account(db, world.client, search="geheim")
    assert (rows, total) == ([], 0)


def test_refresh_rebuilds_texts_after_a_bulk_change(db, world):
    db.exec(select(Dossier)).all()
    db.connection().exec_driver_sql("UPDATE dossier SET staff_search_text = ''")
    search_index.refresh(db, [world.dossier.id, world.other_dossier.id])
    db.commit()
    assert found(db, world.admin, "klaas") == ["2026-0001"]
    db.connection().exec_driver_sql("UPDATE dossier SET staff_search_text = ''")
    assert search_index.rebuild_all(db) == 2
    db.commit()
    assert found(db, world.admin, "bedrijf") == ["2026-0002"]
    assert search_index.staff_search_text("1", "x" * 2000, []) == ("1 " + "x" * 2000)[: search_index.MAX_CHARS]


def test_trigram_index_finds_what_like_finds_and_follows_every_change(db, world, monkeypatch):
    """On SQLite the search box asks the trigram index (dossier_trigram, migration 0006); its
    answers are the LIKE answers, after inserts, updates and deletes, whoever wrote them."""
    from sqlalchemy import event, text

    from portal_app.core.services import staff_access

    for index, street in enumerate(["Kerkstraat", "Dorpsstraat", "Stationsweg", 'Het "Hof"', "Laan 100%"]):
        dossiers.create_dossier(db, number=f"2025-{index:04}", description=f"Levering {street} {index}, Utrecht")
    db.commit()
    sent: list[str] = []
    listener = lambda _c, _cur, statement, *_rest: sent.append(statement)  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listener)

    def like(query: str) -> list[str]:
        needle = query.casefold()
        return sorted(d.number for d in db.exec(select(Dossier)).all() if needle in d.staff_search_text)

    try:
        for query in ["straat", "STRAAT 1", "levering", "utrecht", '"hof"', "100%", "2025-000", "xyz", "st"]:
            sent.clear()
            assert found(db, world.admin, query) == like(query), query
            uses_index = any("MATCH" in statement for statement in sent)
            assert uses_index == (len(query) >= 3), query
        # the triggers: an update and a delete reach the index
        moved = db.exec(select(Dossier).where(Dossier.number == "2025-0000")).one()
        moved.description = "Levering Molenweg 7, Utrecht"
        db.add(moved)
        db.commit()
        assert found(db, world.admin, "kerkstraat") == [] and found(db, world.admin, "molenweg") == ["2025-0000"]
        db.execute(text("DELETE FROM dossier WHERE number = '2025-0001'"))
        db.commit()
        assert found(db, world.admin, "dorpsstraat") == []
        # more matches than the count limit: counted by the index, the same page read newest first
        every = staff_dossiers.list_dossiers(session=db, actor=world.admin, query="levering")
        monkeypatch.setattr(staff_access, "COUNT_LIMIT", 2)
        page = staff_dossiers.list_dossiers(session=db, actor=world.admin, query="levering")
        assert (every.more, page.total, page.more) == (False, 2, True)
        assert [row.number for row in page.rows] == [row.number for row in every.rows]
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listener)


def updates_while(db, change) -> list[str]:
    """The tables the UPDATE statements of `change` and its flush write, in order."""
    return [
        statement.split()[1].strip('"').lower()
        for statement in statements_sent(db, change)
        if statement.lstrip().upper().startswith("UPDATE")
    ]


def test_each_change_rewrites_only_what_holds_it(db, world):
    """A rename is in the staff text only; a new status only in the access rows' copies."""
    client = world.client
    db.commit()

    def rename():
        client.name = "Klaas Hernoemd"
        db.add(client)

    written = updates_while(db, rename)
    assert "dossieraccess" not in written
    assert "dossier" in written  # the staff text of the client's dossier
    db.commit()
    assert found(db, world.admin, "hernoemd") == ["2026-0001"]

    dossier = db.get(Dossier, world.dossier.id)
    staff_text = dossier.staff_search_text

    def new_status():
        dossier.status = DossierStatus.EXECUTED
        db.add(dossier)

    written = updates_while(db, new_status)
    assert written.count("dossier") == 1  # the status itself, not the staff text again
    assert "dossieraccess" in written
    db.commit()
    copy = db.exec(
        select(DossierAccess.dossier_status).where(
            DossierAccess.dossier_id == dossier.id, DossierAccess.account_id == client.id
        )
    ).one()
    assert copy == dossier.status
    assert db.get(Dossier, dossier.id).staff_search_text == staff_text
