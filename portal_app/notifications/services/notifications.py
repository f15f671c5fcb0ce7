"""Notification mails to clients: "something new is waiting for you" (never what).

Calm by design. Everything staff do that a client should know about - a new
publication, a new message, a new questionnaire - goes through `notify_client`
(or `notify_dossier_clients`), which only *records* a PendingNotification per
client and item, inside the caller's transaction. The background loop of every
worker calls `send_due_digests`, which queues at most ONE digest mail per client
per interval (setting NOTIFY_INTERVAL_MINUTES, default 10): once the oldest
waiting item of a client is that old, all of its waiting items are taken
together and the mail lists, per dossier, how many new documents,
questionnaires and messages there are. The mail never names a title or any
content (professional secrecy), only the dossier number and the kind.

At send time each item is checked again: an item the client already read
(ReadReceipt; for a questionnaire: started or completed), an item that was
withdrawn or whose dossier the client no longer sees, an account that was
blocked or removed, or a kind the client switched off in Mijn gegevens
(NotificationPreference; a missing row means all on) is left out. When
nothing is left, no mail is sent.

Several workers may run `send_due_digests` at the same time: the waiting
rows of a client are claimed with one conditional UPDATE, in the same
transaction that queues the mail in the outbox, so a client gets one mail.

Plain Python, no Reflex import.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from sqlalchemy import Engine, delete, func, update
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account, NotificationPreference
from portal_app.core.models import utcnow
from portal_app.documents.models import Document, DocumentKind
from portal_app.dossiers.models import Dossier, DossierAccess, ReadReceipt
from portal_app.messages.models import Message
from portal_app.notifications.models import PendingNotification
from portal_app.notifications.services import mail
from portal_app.questionnaires.models import QuestionnaireRequest, QuestionnaireStatus
from portal_app.settings import Settings

log = logging.getLogger(__name__)

KINDS = ("document", "message", "questionnaire")
# News without an item of its own (issue 17): the signing appointment or the settlement statement was
# set or changed. They follow the client's setting for messages from the office (Mijn gegevens has no
# switch of their own), and one waiting row per dossier is enough however often staff change it.
ITEMLESS_KINDS = ("appointment", "settlement")
DIGEST_KINDS = KINDS + ITEMLESS_KINDS
_SETTING_OF = {"appointment": "message", "settlement": "message"}
_PREFERENCE = {"document": "on_documents", "message": "on_messages", "questionnaire": "on_questionnaires"}
# A dossier shared with more accounts than this notifies the first ones only (by id).
MAX_RECIPIENTS = 200
# At most this many items are recorded per call (a publication has at most 20 files).
MAX_ITEMS_PER_CALL = 100
# At most this many clients get their digest per run; the rest follow in the next run.
MAX_DIGESTS_PER_RUN = 200
# Handled rows are kept this long (for staff questions), then removed.
KEEP_HANDLED = timedelta(days=30)

OUTCOME_SENT = "sent"
OUTCOME_READ = "read"
OUTCOME_OFF = "off"
OUTCOME_GONE = "gone"


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")


def setting_of(kind: str) -> str:
    """The Mijn gegevens switch that governs `kind` (an item-less kind follows "message")."""
    if kind not in DIGEST_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    return _SETTING_OF.get(kind, kind)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stored_id(value: int | None) -> int:
    """The id of a row read from the database, as an int (see portal_app/core/models.py)."""
    assert value is not None
    return value


# --------------------------------------------------------------------------- preferences


def wants(session: Session, account_id: int, kind: str) -> bool:
    """Whether the account wants mail about `kind` (default: yes)."""
    _check_kind(kind)
    preference = session.get(NotificationPreference, account_id)
    return True if preference is None else bool(getattr(preference, _PREFERENCE[kind]))


def preferences(session: Session, account_id: int) -> dict[str, bool]:
    """{"document": bool, "questionnaire": bool, "message": bool} for Mijn gegevens."""
    preference = session.get(NotificationPreference, account_id)
    return {kind: True if preference is None else bool(getattr(preference, _PREFERENCE[kind])) for kind in KINDS}


def set_preference(session: Session, account: Account, kind: str, enabled: bool) -> dict[str, bool]:
    """Switch one kind of notification on or off for a client account. Does not commit."""
    _check_kind(kind)
    if not isinstance(enabled, bool):
        raise ValueError("enabled must be true or false")
    if account is None or account.is_staff or not account.is_active:
        raise ValueError("only active client accounts have notification settings")
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    preference = session.get(NotificationPreference, account.id)
    if preference is None:
        preference = NotificationPreference(account_id=account.id)
    setattr(preference, _PREFERENCE[kind], enabled)
    session.add(preference)
    session.flush()
    return preferences(session, account.id)


# --------------------------------------------------------------------------- recording


def _clean_ids(item_ids: Iterable[object] | None) -> list[int]:
    if item_ids is None:
        return []
    found: list[int] = []
    for value in item_ids:
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63 and value not in found:
            found.append(value)
    return found[:MAX_ITEMS_PER_CALL]


def _newest_items(session: Session, account: Account, dossier: Dossier, kind: str, count: int) -> list[int]:
    """The items a caller without ids means: the newest `count` of that kind in the dossier.

    The caller records the notification in the transaction that stored the
    items, so the newest ones are those.
    """
    limit = min(max(1, int(count)), MAX_ITEMS_PER_CALL)
    if kind == "document":
        statement = (
            select(col(Document.id))
            .where(
                Document.dossier_id == dossier.id,
                col(Document.kind).in_((DocumentKind.CORRESPONDENCE, DocumentKind.DOCUMENT)),
                col(Document.withdrawn_at).is_(None),
                col(Document.message_id).is_(None),
            )
            .order_by(col(Document.id).desc())
        )
    elif kind == "message":
        statement = (
            select(col(Message.id))
            .where(Message.dossier_id == dossier.id, col(Message.from_office).is_(True))
            .order_by(col(Message.id).desc())
        )
    else:
        statement = (
            select(col(QuestionnaireRequest.id))
            .where(
                QuestionnaireRequest.dossier_id == dossier.id,
                QuestionnaireRequest.account_id == account.id,
                QuestionnaireRequest.status == QuestionnaireStatus.OPEN,
            )
            .order_by(col(QuestionnaireRequest.id).desc())
        )
    return [_stored_id(item_id) for item_id in session.exec(statement.limit(limit)).all()]


_ITEM_COLUMN = {
    "document": "document_id",
    "message": "message_id",
    "questionnaire": "questionnaire_request_id",
}


def notify_client(
    session: Session,
    account: Account,
    dossier: Dossier,
    kind: str,
    settings: Settings | None = None,
    count: int = 1,
    *,
    item_ids: Iterable[int] | None = None,
) -> bool:
    """Record that `account` has something new of `kind` in `dossier`; False when not recorded.

    Not recorded when the account is staff, blocked or removed, has no access to
    the dossier, or switched this kind of notification off. `item_ids` are the
    new documents / messages / questionnaire requests; without them the newest
    `count` items of that kind in the dossier are taken. An item-less kind
    (ITEMLESS_KINDS) records one waiting row per dossier. The mail itself follows
    with the next digest (`send_due_digests`). Does not commit.
    """
    setting = setting_of(kind)
    if account is None or dossier is None or account.is_staff or not account.is_active:
        return False
    assert account.id is not None and dossier.id is not None  # stored rows (see portal_app/core/models.py)
    has_access = session.exec(
        select(DossierAccess.id).where(DossierAccess.dossier_id == dossier.id, DossierAccess.account_id == account.id)
    ).first()
    if has_access is None or not wants(session, account.id, setting):
        return False
    if kind in ITEMLESS_KINDS:
        waiting_row = session.exec(
            select(PendingNotification.id).where(
                PendingNotification.account_id == account.id,
                PendingNotification.dossier_id == dossier.id,
                PendingNotification.kind == kind,
                col(PendingNotification.handled_at).is_(None),
            )
        ).first()
        if waiting_row is None:
            session.add(PendingNotification(account_id=account.id, dossier_id=dossier.id, kind=kind))
            session.flush()
        return True
    ids = _clean_ids(item_ids) or _newest_items(session, account, dossier, kind, count)
    column = getattr(PendingNotification, _ITEM_COLUMN[kind])
    if ids:
        waiting = set(
            session.exec(
                select(column).where(
                    PendingNotification.account_id == account.id,
                    col(PendingNotification.handled_at).is_(None),
                    col(column).in_(ids),
                )
            ).all()
        )
        for item_id in ids:
            if item_id not in waiting:
                session.add(
                    PendingNotification(
                        account_id=account.id,
                        dossier_id=dossier.id,
                        kind=kind,
                        document_id=item_id if kind == "document" else None,
                        message_id=item_id if kind == "message" else None,
                        questionnaire_request_id=item_id if kind == "questionnaire" else None,
                    )
                )
    else:
        # Nothing to point at (should not happen): still worth a line in the digest.
        session.add(PendingNotification(account_id=account.id, dossier_id=dossier.id, kind=kind))
    session.flush()
    return True


def notify_dossier_clients(
    session: Session,
    *,
    dossier: Dossier,
    kind: str,
    settings: Settings | None = None,
    count: int = 1,
    item_ids: Iterable[int] | None = None,
) -> int:
    """`notify_client` for every client account with access to the dossier; how many were recorded."""
    accounts = session.exec(
        select(Account)
        .join(DossierAccess, col(DossierAccess.account_id) == Account.id)
        .where(DossierAccess.dossier_id == dossier.id)
        .order_by(col(Account.id))
        .limit(MAX_RECIPIENTS)
    ).all()
    ids = list(item_ids) if item_ids is not None else None
    return sum(
        1 for account in accounts if notify_client(session, account, dossier, kind, settings, count=count, item_ids=ids)
    )


# --------------------------------------------------------------------------- the digest


@dataclass
class DigestReport:
    mails: int = 0
    items_sent: int = 0
    items_skipped: int = 0


def due_account_ids(
    session: Session, *, now: datetime, interval_minutes: int, limit: int = MAX_DIGESTS_PER_RUN
) -> list[int]:
    """Accounts whose oldest waiting item is at least `interval_minutes` old (lowest id first)."""
    cutoff = now - timedelta(minutes=max(0, interval_minutes))
    return list(
        session.exec(
            select(PendingNotification.account_id)
            .where(col(PendingNotification.handled_at).is_(None))
            .group_by(col(PendingNotification.account_id))
            .having(func.min(PendingNotification.created_at) <= cutoff)
            .order_by(col(PendingNotification.account_id))
            .limit(limit)
        ).all()
    )


def _claim(session: Session, account_id: int, now: datetime) -> tuple[str, list[PendingNotification]]:
    """Take every waiting row of the account (one conditional UPDATE); rows another worker took stay theirs."""
    batch = secrets.token_hex(16)
    session.exec(
        update(PendingNotification)
        .where(col(PendingNotification.account_id) == account_id, col(PendingNotification.handled_at).is_(None))
        .values(batch=batch, handled_at=now)
    )
    rows = list(
        session.exec(
            select(PendingNotification)
            .where(PendingNotification.batch == batch)
            .order_by(col(PendingNotification.created_at), col(PendingNotification.id))
            .execution_options(populate_existing=True)
        ).all()
    )
    return batch, rows


def _release(session: Session, batch: str) -> None:
    session.exec(
        update(PendingNotification).where(col(PendingNotification.batch) == batch).values(batch=None, handled_at=None)
    )


def _read_ids(session: Session, account_id: int, column: Mapped[int | None], ids: set[int]) -> set[int | None]:
    if not ids:
        return set()
    return set(session.exec(select(column).where(ReadReceipt.account_id == account_id, col(column).in_(ids))).all())


def _outcomes(session: Session, account: Account | None, rows: list[PendingNotification]) -> dict[int, str]:
    """What becomes of each claimed row, decided now (at send time)."""
    if account is None or account.is_staff or not account.is_active:
        return {_stored_id(row.id): OUTCOME_GONE for row in rows}
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    visible = set(session.exec(select(DossierAccess.dossier_id).where(DossierAccess.account_id == account.id)).all())
    wanted = preferences(session, account.id)
    document_ids = {row.document_id for row in rows if row.document_id}
    message_ids = {row.message_id for row in rows if row.message_id}
    request_ids = {row.questionnaire_request_id for row in rows if row.questionnaire_request_id}
    read_documents = _read_ids(session, account.id, col(ReadReceipt.document_id), document_ids)
    read_messages = _read_ids(session, account.id, col(ReadReceipt.message_id), message_ids)
    withdrawn: set[int | None] = set()
    if document_ids:
        withdrawn = set(
            session.exec(
                select(col(Document.id)).where(
                    col(Document.id).in_(document_ids), col(Document.withdrawn_at).is_not(None)
                )
            ).all()
        )
    requests: dict[int | None, QuestionnaireRequest] = {}
    if request_ids:
        requests = {
            request.id: request
            for request in session.exec(
                select(QuestionnaireRequest).where(col(QuestionnaireRequest.id).in_(request_ids))
            ).all()
        }
    outcomes: dict[int, str] = {}
    for row in rows:
        row_id = _stored_id(row.id)
        if (
            row.dossier_id not in visible
            or row.document_id in withdrawn
            or (
                row.kind == "questionnaire"
                and row.questionnaire_request_id
                and (
                    row.questionnaire_request_id not in requests
                    or requests[row.questionnaire_request_id].account_id != account.id
                )
            )
        ):
            outcomes[row_id] = OUTCOME_GONE
        elif (
            row.document_id in read_documents
            or row.message_id in read_messages
            or (
                row.questionnaire_request_id in requests
                and (
                    requests[row.questionnaire_request_id].status != QuestionnaireStatus.OPEN
                    or requests[row.questionnaire_request_id].current_page > 0
                )
            )
        ):
            outcomes[row_id] = OUTCOME_READ
        elif not wanted.get(_SETTING_OF.get(row.kind, row.kind), True):
            outcomes[row_id] = OUTCOME_OFF
        else:
            outcomes[row_id] = OUTCOME_SENT
    return outcomes


class DigestItem(TypedDict):
    """One line of the digest mail: how many new items of a kind a dossier has."""

    dossier_number: str
    kind: str
    count: int


def _digest_items(
    session: Session, rows: list[PendingNotification], outcomes: dict[int, str]
) -> tuple[list[DigestItem], list[int]]:
    """[{"dossier_number", "kind", "count"}] in the order the dossiers first got news, and the dossier ids."""
    counts: dict[tuple[int, str], int] = {}
    order: list[int] = []
    for row in rows:
        if outcomes[_stored_id(row.id)] != OUTCOME_SENT:
            continue
        counts[(row.dossier_id, row.kind)] = counts.get((row.dossier_id, row.kind), 0) + 1
        if row.dossier_id not in order:
            order.append(row.dossier_id)
    numbers = (
        dict(session.exec(select(col(Dossier.id), col(Dossier.number)).where(col(Dossier.id).in_(order))).all())
        if order
        else {}
    )
    items: list[DigestItem] = [
        {"dossier_number": numbers[dossier_id], "kind": kind, "count": counts[(dossier_id, kind)]}
        for dossier_id in order
        if dossier_id in numbers
        for kind in DIGEST_KINDS
        if (dossier_id, kind) in counts
    ]
    return items, [dossier_id for dossier_id in order if dossier_id in numbers]


def send_digest_for(session: Session, account_id: int, settings: Settings, now: datetime) -> tuple[bool, int, int]:
    """Claim the account's waiting items and queue its digest when due: (mail queued, items sent, items skipped).

    Runs inside the caller's transaction; the claim and the queued mail are
    committed together by the caller.
    """
    now = _aware(now)
    cutoff = now - timedelta(minutes=max(0, settings.notify_interval_minutes))
    batch, rows = _claim(session, account_id, now)
    if not rows:
        return False, 0, 0
    if min(_aware(row.created_at) for row in rows) > cutoff:
        # Another worker sent the digest a moment ago; these arrived since: next time.
        _release(session, batch)
        return False, 0, 0
    account = session.get(Account, account_id)
    outcomes = _outcomes(session, account, rows)
    for row in rows:
        row.outcome = outcomes[_stored_id(row.id)]
        session.add(row)
    items, dossier_ids = _digest_items(session, rows, outcomes)
    sent = sum(1 for outcome in outcomes.values() if outcome == OUTCOME_SENT)
    if not items:
        session.flush()
        return False, 0, len(rows)
    assert account is not None  # without an account every row is "gone", so there are no items
    link = f"{settings.public_url}/dossiers/{dossier_ids[0]}" if len(dossier_ids) == 1 else f"{settings.public_url}/"
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="notification_digest",
        language=account.language,
        context={"name": account.name, "items": items, "link": link},
        account_id=account.id,
    )
    session.flush()
    return True, sent, len(rows) - sent


def send_due_digests(session: Session, settings: Settings, now: datetime | None = None) -> DigestReport:
    """Queue one digest mail per client whose oldest waiting item is at least the interval old.

    Call it in a transaction of its own and commit afterwards (the background
    loop does); each client's rows are claimed atomically, so several workers
    may run it at once.
    """
    now = _aware(now or utcnow())
    report = DigestReport()
    for account_id in due_account_ids(session, now=now, interval_minutes=settings.notify_interval_minutes):
        try:
            with session.begin_nested():
                queued, sent, skipped = send_digest_for(session, account_id, settings, now)
        except Exception:
            # One bad account (say, an address the outbox refuses) must not stop the others.
            log.exception("notifications: digest for account %s failed; its items are dropped", account_id)
            with session.begin_nested():
                session.exec(
                    update(PendingNotification)
                    .where(
                        col(PendingNotification.account_id) == account_id, col(PendingNotification.handled_at).is_(None)
                    )
                    .values(handled_at=now, outcome=OUTCOME_GONE)
                )
            continue
        report.mails += int(queued)
        report.items_sent += sent
        report.items_skipped += skipped
    session.exec(
        delete(PendingNotification).where(
            col(PendingNotification.handled_at).is_not(None), col(PendingNotification.handled_at) < now - KEEP_HANDLED
        )
    )
    return report


def run_digest_round(engine: Engine, settings: Settings, now: datetime | None = None) -> DigestReport:
    """One round in a transaction of its own (for the background loop and the CLI)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            report = send_due_digests(session, settings, now)
            session.commit()
        except Exception:
            session.rollback()
            raise
    if report.mails:
        log.info("notifications: %d digest mail(s) queued (%d items)", report.mails, report.items_sent)
    return report
