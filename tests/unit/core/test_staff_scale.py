"""The staff lists stay fast with 10,000 clients and 20,000 dossiers (SQLite, no extra indexes)."""

import time

from sqlalchemy import insert

from portal_app.accounts.models import Account, client_search_text
from portal_app.audit.services import staff_audit
from portal_app.core.models import utcnow
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.dossiers.services import staff_dossiers
from portal_app.messages.models import Message
from portal_app.office.services import staff_clients, staff_overview

BUDGET_SECONDS = 0.5


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def test_lists_with_10000_clients_and_20000_dossiers(db, world):
    now = utcnow()
    db.execute(
        insert(Account),
        [
            {
                "kind": "person" if i % 3 else "company",
                "email": f"klant{i:05}@example.nl",
                "name": f"Klant {i:05}",
                "company_name": None if i % 3 else f"Bedrijf {i:05} B.V.",
                "language": "nl",
                "first_login_done": False,
                "blocked": False,
                "created_at": now,
                "password_hash": "x" if i % 2 else None,
                # a bulk insert writes it itself (accounts/models.py)
                "client_search_text": client_search_text("person", f"Klant {i:05}", None, f"klant{i:05}@example.nl"),
            }
            for i in range(10_000)
        ],
    )
    db.execute(
        insert(Dossier),
        [
            {
                "number": f"2025-{i:05}",
                "description": f"Dossier {i}",
                "search_text": f"2025-{i:05} dossier {i}",
                "staff_search_text": f"2025-{i:05} dossier {i}",  # a bulk insert writes it itself (search_index.py)
                "status": "in_behandeling" if i % 4 else "afgesloten",
                "handler_id": world.handler.id if i % 2 else world.admin.id,
                "created_at": now,
            }
            for i in range(20_000)
        ],
    )
    db.execute(
        insert(DossierAccess),
        [{"dossier_id": i + 3, "account_id": (i % 10_000) + 5, "created_at": now} for i in range(20_000)],
    )
    db.execute(
        insert(Message),
        [
            {
                "dossier_id": (i % 20_000) + 3,
                "author_id": (i % 10_000) + 5,
                "from_office": i % 2 == 0,
                "subject": "s",
                "body": "b",
                "created_at": now,
            }
            for i in range(5_000)
        ],
    )
    db.commit()

    page, seconds = timed(lambda: staff_clients.search_clients(session=db, actor=world.handler, query="klant 0999"))
    assert page.total == 10 and seconds < BUDGET_SECONDS, seconds
    page, seconds = timed(lambda: staff_clients.search_clients(session=db, actor=world.handler, page=300))
    assert page.page == 300 and len(page.rows) == 25 and seconds < BUDGET_SECONDS, seconds
    page, seconds = timed(
        lambda: staff_dossiers.list_dossiers(
            session=db, actor=world.handler, mine=True, status="in_behandeling", page=50
        )
    )
    assert page.total > 5000 and len(page.rows) == 25 and seconds < BUDGET_SECONDS, seconds
    page, seconds = timed(lambda: staff_dossiers.list_dossiers(session=db, actor=world.handler, query="2025-1234"))
    assert page.total >= 1 and seconds < BUDGET_SECONDS, seconds
    rows, seconds = timed(lambda: staff_overview.unread_client_messages(session=db, actor=world.handler, mine=False))
    assert rows.total == 2500 and seconds < BUDGET_SECONDS, seconds
    rows, seconds = timed(lambda: staff_overview.pending_invitations(session=db, actor=world.handler))
    assert rows.total >= 5000 and seconds < BUDGET_SECONDS, seconds
    result, seconds = timed(
        lambda: staff_audit.search(
            session=db, actor=world.handler, filters=staff_audit.AuditFilter.clean(account="klant0")
        )
    )
    assert seconds < BUDGET_SECONDS, seconds
