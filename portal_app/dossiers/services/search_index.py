"""The staff search text of a dossier: one folded column for the one search box of the staff dossier list.

`Dossier.staff_search_text` holds the number, the description and, of every
client account with access, the name, the company name and the e-mail address,
accent- and case-folded. Staff find a dossier by any part of these with one
indexed LIKE on one column. Clients never search this column (their list uses
`Dossier.search_text`, number and description only): it names the other clients
of a dossier, which a client may not be able to see.

The same events keep the client list's copies on each access row
(`DossierAccess.dossier_status` and `dossier_search_text`, in the index the
client's list reads its page and total from, migration 0010).

The text must follow every change of what it holds, whichever service makes it:
granting or revoking access, a client's rename or e-mail change, a new number,
description or status. So it is kept by two session events rather than by each
service: `before_flush` notes the dossiers and accounts an ORM change touches,
and `after_flush_postexec` rewrites those dossiers' texts from the database as
it now is (one SELECT and one UPDATE per touched dossier, and one UPDATE of the
access rows per 500 dossiers, in the same transaction). Each change rewrites only what
holds it: a rename or a new e-mail address only the staff text, a new status or client
search text only the access rows' copies, a grant or revoke both.
A bulk `update()` or `delete()` statement bypasses the ORM: after one, call
`refresh` with the dossier ids it touched (the generated office writes the text
itself, see portal_app/seeding/).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.core.services.text import fold
from portal_app.dossiers.models import Dossier, DossierAccess

MAX_CHARS = 1000
_WATCHED_ACCOUNT_FIELDS = ("name", "company_name", "email")
_STAFF_TEXT_FIELDS = ("number", "description")
_ACCESS_COPY_FIELDS = ("search_text", "status")
_PENDING_STAFF_TEXT = "search_index.staff_text"
_PENDING_COPIES = "search_index.access_copies"
_PENDING_ACCOUNTS = "search_index.accounts"


def staff_search_text(number: str, description: str, clients: Iterable[tuple[str, str | None, str]]) -> str:
    """The folded text staff search in: number, description, then (name, company, e-mail) of each client."""
    parts = [number, description]
    for name, company, email in clients:
        parts.extend((name, company or "", email))
    return fold(" ".join(parts))[:MAX_CHARS]


def refresh(
    session: Session | OrmSession,
    dossier_ids: Iterable[int],
    *,
    staff_text: bool = True,
    access_copies: bool = True,
) -> None:
    """Rewrite the staff search text of these dossiers, and their access rows' copies of status
    and client search text, from the database (flushes nothing itself). Without
    `access_copies`, the staff search text only (a migration before the copies existed, 0004);
    without `staff_text`, the copies only (a new status)."""
    ids = sorted(set(dossier_ids))
    if not ids or not (staff_text or access_copies):
        return
    connection = session.connection()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if access_copies:
            of_the_access_row = col(Dossier.id) == col(DossierAccess.dossier_id)
            connection.execute(
                update(DossierAccess)
                .where(col(DossierAccess.dossier_id).in_(chunk))
                .values(
                    dossier_status=select(col(Dossier.status)).where(of_the_access_row).scalar_subquery(),
                    dossier_search_text=select(col(Dossier.search_text)).where(of_the_access_row).scalar_subquery(),
                )
            )
        if not staff_text:
            continue
        heads = connection.execute(
            select(col(Dossier.id), col(Dossier.number), col(Dossier.description)).where(col(Dossier.id).in_(chunk))
        ).all()
        clients: dict[int, list[tuple[str, str | None, str]]] = {dossier_id: [] for dossier_id in chunk}
        for dossier_id, name, company, email in connection.execute(
            select(col(DossierAccess.dossier_id), col(Account.name), col(Account.company_name), col(Account.email))
            .join(Account, col(Account.id) == col(DossierAccess.account_id))
            .where(col(DossierAccess.dossier_id).in_(chunk))
            .order_by(col(DossierAccess.dossier_id), col(DossierAccess.id))
        ).all():
            clients[dossier_id].append((name, company, email))
        for head_id, number, description in heads:
            assert head_id is not None  # a stored row (see portal_app/core/models.py)
            dossier_id = head_id
            text = staff_search_text(number, description, clients[dossier_id])
            connection.execute(update(Dossier).where(col(Dossier.id) == dossier_id).values(staff_search_text=text))
            # keep a loaded Dossier in step without marking it changed
            loaded = session.identity_map.get(inspect(Dossier).identity_key_from_primary_key((dossier_id,)))
            if loaded is not None:
                set_committed_value(loaded, "staff_search_text", text)


def rebuild_all(session: Session | OrmSession, *, access_copies: bool = True) -> int:
    """Rewrite every dossier's staff search text (after the column is added to a database with dossiers)
    and its access rows' copies; returns how many."""
    ids = [dossier_id for dossier_id in session.connection().execute(select(col(Dossier.id))).scalars() if dossier_id]
    refresh(session, ids, access_copies=access_copies)
    return len(ids)


def _changed(obj: object, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(OrmSession, "before_flush")
def _note_changes(session: OrmSession, _context: UOWTransaction, _instances: object) -> None:
    staff_text: set[int] = session.info.setdefault(_PENDING_STAFF_TEXT, set())
    copies: set[int] = session.info.setdefault(_PENDING_COPIES, set())
    accounts: set[int] = session.info.setdefault(_PENDING_ACCOUNTS, set())
    for obj in list(session.new) + list(session.deleted):
        if isinstance(obj, DossierAccess) and obj.dossier_id is not None:
            staff_text.add(obj.dossier_id)
            copies.add(obj.dossier_id)
    for obj in session.new:
        if isinstance(obj, Dossier):  # no clients yet; a grant in the same flush is noted above
            obj.staff_search_text = staff_search_text(obj.number, obj.description, [])
    for obj in session.dirty:
        if isinstance(obj, Account) and obj.id is not None and _changed(obj, _WATCHED_ACCOUNT_FIELDS):
            accounts.add(obj.id)
        elif isinstance(obj, Dossier) and obj.id is not None:
            if _changed(obj, _STAFF_TEXT_FIELDS):
                staff_text.add(obj.id)
            if _changed(obj, _ACCESS_COPY_FIELDS):
                copies.add(obj.id)


@event.listens_for(OrmSession, "after_flush_postexec")
def _rewrite(session: OrmSession, _context: UOWTransaction) -> None:
    staff_text: set[int] = session.info.pop(_PENDING_STAFF_TEXT, set())
    copies: set[int] = session.info.pop(_PENDING_COPIES, set())
    accounts: set[int] = session.info.pop(_PENDING_ACCOUNTS, set())
    if accounts:
        staff_text.update(
            session.connection()
            .execute(select(col(DossierAccess.dossier_id)).where(col(DossierAccess.account_id).in_(sorted(accounts))))
            .scalars()
        )
    # one pass each: the dossiers that need both, then those that need one of the two
    both = staff_text & copies
    refresh(session, both)
    refresh(session, staff_text - both, access_copies=False)
    refresh(session, copies - both, staff_text=False)
