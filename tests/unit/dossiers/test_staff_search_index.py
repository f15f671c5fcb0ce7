"""The staff search box finds a dossier by number, address, client name, company or e-mail part,
and the search text follows every change of access and of the clients (search_index.py)."""

from __future__ import annotations

from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.dossiers.models import Dossier
from portal_app.dossiers.services import dossiers, search_index, staff_dossiers


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
