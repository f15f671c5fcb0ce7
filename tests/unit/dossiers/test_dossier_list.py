"""Dossier list services: search, status filter, pagination, unread per dossier, company access."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from portal_app.accounts.services import accounts
from portal_app.audit.models import AuditEvent
from portal_app.core.services.errors import NotFound
from portal_app.documents.models import DocumentKind
from portal_app.documents.services import documents
from portal_app.documents.services.storage import FileStore
from portal_app.dossiers.models import DossierStatus, ReadReceipt
from portal_app.dossiers.services import dossiers
from portal_app.messages.models import Message

PDF = b"%PDF-1.4\n" + b"1 0 obj<<>>endobj\n" * 50 + b"%%EOF\n"


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


@pytest.fixture
def world(db):
    staff = accounts.create_staff(db, email="notaris@kantoor.nl", name="M. Visser")
    alice = accounts.create_person(db, email="alice@example.nl", name="Alice")
    bob = accounts.create_person(db, email="bob@example.nl", name="Bob")
    company = accounts.create_company(db, email="info@bedrijf.nl", name="Petra", company_name="Bedrijf B.V.")
    extra = accounts.create_company_extra(db, main_account=company, email="inkoop@bedrijf.nl", name="Karim")
    house = dossiers.create_dossier(
        db, number="2026-0142", description="Levering woning Dorpsstraat", handler_id=staff.id
    )
    prenup = dossiers.create_dossier(
        db, number="2026-0031", description="Huwelijkse voorwaarden Jansen–Özdemir", status=DossierStatus.WAITING
    )
    will = dossiers.create_dossier(db, number="2025-0877", description="Testament", status=DossierStatus.EXECUTED)
    bobs = dossiers.create_dossier(db, number="2026-0500", description="Levering Özdemirstraat (Bob)")
    shop = dossiers.create_dossier(db, number="2026-0200", description="Statutenwijziging")
    lease = dossiers.create_dossier(db, number="2026-0215", description="Aankoop bedrijfspand")
    for dossier in (house, prenup, will):
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=alice.id)
    dossiers.grant_access(db, dossier_id=bobs.id, account_id=bob.id)
    for dossier in (shop, lease):
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=company.id)
    dossiers.grant_access(db, dossier_id=lease.id, account_id=extra.id)
    db.flush()
    return dict(
        staff=staff,
        alice=alice,
        bob=bob,
        company=company,
        extra=extra,
        house=house,
        prenup=prenup,
        will=will,
        bobs=bobs,
        shop=shop,
        lease=lease,
    )


def _publish(db, store, dossier, by, *, kind=DocumentKind.CORRESPONDENCE, title="Brief"):
    return documents.store_document(
        session=db,
        store=store,
        dossier_id=dossier.id,
        kind=kind,
        title=title,
        filename="brief.pdf",
        chunks=[PDF],
        max_bytes=len(PDF) + 1,
        uploaded_by_id=by.id if by is not None else None,
    )


def _numbers(rows):
    return [row.number for row in rows]


def test_search_is_case_and_accent_insensitive(db, world):
    alice = world["alice"]
    for needle in ("ozdemir", "ÖZDEMIR", "Özdemir", "  jansen–özdemir "):
        rows, total = dossiers.list_for_account(db, alice, search=needle)
        assert _numbers(rows) == ["2026-0031"], needle
        assert total == 1
    rows, total = dossiers.list_for_account(db, alice, search="2026-01")
    assert _numbers(rows) == ["2026-0142"] and total == 1
    # Bob's dossier matches the text but is never found by Alice
    rows, _ = dossiers.list_for_account(db, alice, search="Özdemirstraat")
    assert rows == []
    # LIKE wildcards are literal
    assert dossiers.list_for_account(db, alice, search="%")[1] == 0
    assert dossiers.list_for_account(db, alice, search="_")[1] == 0


def test_status_filter_and_visible_statuses(db, world):
    alice = world["alice"]
    assert dossiers.visible_statuses(db, alice) == [
        DossierStatus.IN_PROGRESS,
        DossierStatus.WAITING,
        DossierStatus.EXECUTED,
    ]
    assert dossiers.visible_statuses(db, world["extra"]) == [DossierStatus.IN_PROGRESS]
    rows, total = dossiers.list_for_account(db, alice)
    assert total == 3  # all by default
    rows, total = dossiers.list_for_account(db, alice, statuses=[DossierStatus.EXECUTED])
    assert _numbers(rows) == ["2025-0877"] and total == 1
    rows, total = dossiers.list_for_account(db, alice, statuses=[DossierStatus.EXECUTED, DossierStatus.WAITING])
    assert sorted(_numbers(rows)) == ["2025-0877", "2026-0031"] and total == 2
    rows, total = dossiers.list_for_account(db, alice, statuses=[DossierStatus.CLOSED])
    assert rows == [] and total == 0
    # unknown statuses are ignored, never an error
    rows, total = dossiers.list_for_account(db, alice, statuses=["bogus"])
    assert total == 0


def test_the_access_rows_copies_follow_every_change_of_the_dossier(db, world):
    """The list searches and filters the access row's copies of status and search text (migration
    0010): a staff change of status or description, a grant and a bulk refresh keep them in step."""
    from portal_app.dossiers.models import DossierAccess
    from portal_app.dossiers.services import search_index, staff_dossiers

    admin = accounts.create_staff(db, email="admin@kantoor.nl", name="A. Admin", role="admin")
    alice, house = world["alice"], world["house"]

    def copies() -> set[tuple[str, str, str]]:
        rows = db.exec(select(DossierAccess).where(DossierAccess.dossier_id == house.id)).all()
        return {(row.dossier_status, row.dossier_search_text, house.search_text) for row in rows}

    assert copies() == {(DossierStatus.IN_PROGRESS, house.search_text, house.search_text)}
    staff_dossiers.update_dossier(
        session=db, actor=admin, dossier_id=house.id, status=DossierStatus.WAITING, description="Levering Molenweg 7"
    )
    db.commit()
    db.expire_all()
    assert copies() == {(DossierStatus.WAITING, "2026-0142 levering molenweg 7", house.search_text)}
    assert dossiers.list_for_account(db, alice, search="molenweg")[1] == 1
    assert dossiers.list_for_account(db, alice, search="dorpsstraat")[1] == 0
    waiting = dossiers.list_for_account(db, alice, statuses=[DossierStatus.WAITING])[0]
    assert sorted(_numbers(waiting)) == ["2026-0031", "2026-0142"]
    # a grant in a later flush gets the dossier's present copies
    dossiers.grant_access(db, dossier_id=house.id, account_id=world["bob"].id)
    db.commit()
    db.expire_all()
    assert len(copies()) == 1 and next(iter(copies()))[0] == DossierStatus.WAITING
    assert dossiers.list_for_account(db, world["bob"], search="molenweg")[1] == 1
    # a bulk change bypasses the ORM events; refresh puts the copies back
    db.connection().exec_driver_sql("UPDATE dossieraccess SET dossier_status = '', dossier_search_text = ''")
    search_index.refresh(db, [house.id])
    db.commit()
    db.expire_all()
    assert copies() == {(DossierStatus.WAITING, house.search_text, house.search_text)}


def test_pagination_totals(db, world):
    alice = world["alice"]
    for n in range(60):
        dossier = dossiers.create_dossier(db, number=f"2024-{n:04d}", description=f"Extra dossier {n}")
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=alice.id)
    db.flush()
    seen = []
    for page in range(3):
        rows, total = dossiers.list_for_account(db, alice, page=page)
        assert total == 63
        seen += _numbers(rows)
    assert len(seen) == 63 == len(set(seen))
    assert [len(dossiers.list_for_account(db, alice, page=p)[0]) for p in range(4)] == [25, 25, 13, 0]
    rows, total = dossiers.list_for_account(db, alice, search="extra dossier 1", page=0)
    assert total == 11  # 1, 10..19


def test_only_dossier_id(db, world):
    assert dossiers.only_dossier_id(db, world["extra"]) == world["lease"].id
    assert dossiers.only_dossier_id(db, world["bob"]) == world["bobs"].id
    assert dossiers.only_dossier_id(db, world["alice"]) is None
    assert dossiers.only_dossier_id(db, world["company"]) is None
    nobody = accounts.create_person(db, email="nobody@example.nl", name="Nobody")
    assert dossiers.only_dossier_id(db, nobody) is None


def unread_per_dossier(db, account, dossier_ids) -> dict[int, int]:
    """Unread counts of the given dossiers as the client's list shows them (absent: none)."""
    rows, _ = dossiers.list_for_account(db, account, page_size=1000)
    return {row.id: row.unread for row in rows if row.unread and row.id in dossier_ids}


def test_unread_per_dossier(db, store, world):
    alice, staff = world["alice"], world["staff"]
    house, prenup, will = world["house"], world["prenup"], world["will"]
    first = _publish(db, store, house, staff)
    _publish(db, store, house, staff, kind=DocumentKind.DOCUMENT)
    _publish(db, store, house, None, kind=DocumentKind.DOCUMENT)  # published by the system: unread too
    _publish(db, store, house, alice, kind=DocumentKind.DELIVERED)  # own upload: never unread
    withdrawn = _publish(db, store, prenup, staff)
    documents.withdraw(session=db, document_id=withdrawn.id, actor_id=staff.id)
    db.add(Message(dossier_id=will.id, author_id=staff.id, from_office=True, subject="Vraag", body="?"))
    db.add(Message(dossier_id=will.id, author_id=alice.id, from_office=False, subject="Antwoord", body="!"))
    _publish(db, store, world["bobs"], staff)
    db.flush()

    ids = [house.id, prenup.id, will.id, world["bobs"].id]
    assert unread_per_dossier(db, alice, ids) == {house.id: 3, will.id: 1}
    # equals the sum of the tab counts
    tabs = dossiers.tab_counts(db, alice, house.id)
    assert sum(count.unread for count in tabs.values()) == 3
    assert tabs[DocumentKind.DOCUMENT].unread == 2

    documents.mark_read(session=db, account_id=alice.id, document_id=first.id)
    db.flush()
    assert unread_per_dossier(db, alice, ids) == {house.id: 2, will.id: 1}
    # foreign ids and junk are ignored
    assert unread_per_dossier(db, alice, [world["bobs"].id]) == {}
    assert unread_per_dossier(db, world["bob"], ids) == {world["bobs"].id: 1}


def test_the_stored_unread_counts_follow_every_writer(db, store, world):
    """The list reads each access row's unread count (migration 0010), which the database's
    triggers recount: new and withdrawn documents, office messages, read receipts from the
    services' ON CONFLICT inserts, a grant after the items exist, a raw DELETE."""
    from portal_app.messages.services import messages as message_service
    from tests.unit.helpers import stale_unread_counts

    alice, bob, staff, house = world["alice"], world["bob"], world["staff"], world["house"]
    letter = _publish(db, store, house, staff)
    _publish(db, store, house, alice, kind=DocumentKind.DELIVERED)  # unread for the others, not for alice
    question = Message(dossier_id=house.id, author_id=staff.id, from_office=True, subject="Vraag", body="?")
    db.add(question)
    db.flush()
    assert unread_per_dossier(db, alice, [house.id]) == {house.id: 2}
    dossiers.grant_access(db, dossier_id=house.id, account_id=bob.id)
    db.flush()
    assert unread_per_dossier(db, bob, [house.id]) == {house.id: 3}
    message_service.mark_read(db, account=alice, message_id=question.id)
    message_service.mark_read(db, account=alice, message_id=question.id)  # twice: nothing changes
    db.flush()
    assert unread_per_dossier(db, alice, [house.id]) == {house.id: 1}
    documents.withdraw(session=db, document_id=letter.id, actor_id=staff.id)
    db.flush()
    assert unread_per_dossier(db, alice, [house.id]) == {}
    assert unread_per_dossier(db, bob, [house.id]) == {house.id: 2}
    db.connection().exec_driver_sql(f"DELETE FROM readreceipt WHERE message_id = {int(question.id)}")
    assert unread_per_dossier(db, alice, [house.id]) == {house.id: 1}
    db.connection().exec_driver_sql(f"DELETE FROM message WHERE id = {int(question.id)}")
    assert unread_per_dossier(db, alice, [house.id]) == {}
    assert unread_per_dossier(db, bob, [house.id]) == {house.id: 1}
    assert stale_unread_counts(db) == 0


def test_a_list_page_with_its_unread_counts_is_one_query(db, store, world, engine):
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        dossiers.list_for_account(db, world["alice"], search="a")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1


def test_extra_account_sees_only_granted_dossiers(db, store, world):
    extra, company = world["extra"], world["company"]
    rows, total = dossiers.list_for_account(db, extra)
    assert _numbers(rows) == ["2026-0215"] and total == 1
    rows, total = dossiers.list_for_account(db, company)
    assert sorted(_numbers(rows)) == ["2026-0200", "2026-0215"] and total == 2
    assert dossiers.list_for_account(db, extra, search="statuten")[1] == 0
    _publish(db, store, world["shop"], world["staff"])
    _publish(db, store, world["lease"], world["staff"])
    db.flush()
    both = [world["shop"].id, world["lease"].id]
    assert unread_per_dossier(db, extra, both) == {world["lease"].id: 1}
    assert unread_per_dossier(db, company, both) == {world["shop"].id: 1, world["lease"].id: 1}
    with pytest.raises(NotFound):
        dossiers.get_for_account(db, extra, world["shop"].id, ip="127.0.0.1")
    denied = db.exec(select(AuditEvent).where(AuditEvent.event_type == "access.denied")).all()
    assert [event.target for event in denied] == [f"dossier:{world['shop'].id}"]
    assert dossiers.get_for_account(db, extra, world["lease"].id).number == "2026-0215"


def test_handler_name(db, world):
    assert dossiers.handler_name(db, world["house"]) == "M. Visser"
    assert dossiers.handler_name(db, world["will"]) == ""


def test_thousand_dossiers_list_is_fast(db, store, world):
    alice, staff = world["alice"], world["staff"]
    rows = []
    for n in range(1000):
        dossier = dossiers.create_dossier(
            db,
            number=f"2020-{n:04d}",
            description=f"Dossier nummer {n} Café",
            status=DossierStatus.ALL[n % 4],
        )
        rows.append(dossier)
    db.flush()
    for dossier in rows:
        dossiers.grant_access(db, dossier_id=dossier.id, account_id=alice.id)
    for dossier in rows[:200]:
        db.add(Message(dossier_id=dossier.id, author_id=staff.id, from_office=True, subject="Vraag", body="?"))
    db.commit()

    started = time.perf_counter()
    page, total = dossiers.list_for_account(db, alice, page=10)
    unread = unread_per_dossier(db, alice, [dossier.id for dossier in page])
    statuses = dossiers.visible_statuses(db, alice)
    found, found_total = dossiers.list_for_account(db, alice, search="cafe", statuses=[DossierStatus.CLOSED])
    elapsed = time.perf_counter() - started
    assert total == 1003 and len(page) == 25
    assert found_total == 250 and len(found) == 25
    assert len(statuses) == 4
    assert all(count == 1 for count in unread.values())
    assert elapsed < 0.5, f"list of 1,000 dossiers took {elapsed:.2f}s"
    assert db.exec(select(ReadReceipt)).all() == []


def test_dossier_header_in_one_query(db, world, engine):
    """The top of the dossier page: the dossier, its handler's name and the client's dossier count."""
    from sqlalchemy import event

    alice = world["alice"]
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        header = dossiers.header_for_account(db, alice, world["house"].id)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert header.dossier.id == world["house"].id and header.handler_name == "M. Visser"
    assert header.dossiers_visible == len(dossiers.list_for_account(db, alice, page_size=1000)[0])
    with pytest.raises(NotFound):
        dossiers.header_for_account(db, alice, world["bobs"].id)
    with pytest.raises(NotFound):
        dossiers.header_for_account(db, world["staff"], world["house"].id)  # staff use their own screens
