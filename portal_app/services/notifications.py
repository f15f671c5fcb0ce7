"""Notification mails to clients: "something new is waiting for you" (never what).

Everything staff do that a client should know about - a new publication, a
new message, a new questionnaire - goes through `notify_client`, which honours
the client's NotificationPreference (a missing row means: all on). The mail is
queued in the outbox inside the caller's transaction (nothing is committed here).
Plain Python, no Reflex import.
"""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.models import Account, Dossier, DossierAccess, NotificationPreference
from portal_app.services import mail

KINDS = ("document", "message", "questionnaire")
_PREFERENCE = {"document": "on_documents", "message": "on_messages", "questionnaire": "on_questionnaires"}
# A dossier shared with more accounts than this notifies the first ones only (by id).
MAX_RECIPIENTS = 200


def wants(session: Session, account_id: int, kind: str) -> bool:
    """Whether the account wants mail about `kind` (default: yes)."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    preference = session.get(NotificationPreference, account_id)
    return True if preference is None else bool(getattr(preference, _PREFERENCE[kind]))


def notify_client(session: Session, account: Account, dossier: Dossier, kind: str, settings, count: int = 1) -> bool:
    """Queue one notification mail for `account` about `dossier`; False when not sent.

    Not sent when the account is staff, blocked or removed, has no access to the
    dossier, or switched this kind of notification off.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if account is None or dossier is None or account.is_staff or not account.is_active:
        return False
    has_access = session.exec(
        select(DossierAccess.id).where(DossierAccess.dossier_id == dossier.id, DossierAccess.account_id == account.id)
    ).first()
    if has_access is None or not wants(session, account.id, kind):
        return False
    mail.queue_mail(
        session=session,
        to=account.email,
        kind="notification_digest",
        language=account.language,
        context={
            "office_name": settings.office_name,
            "name": account.name,
            "items": [{"dossier_number": dossier.number, "kind": kind, "count": max(1, int(count))}],
            "link": f"{settings.public_url}/dossiers/{dossier.id}",
        },
        account_id=account.id,
    )
    return True


def notify_dossier_clients(session: Session, *, dossier: Dossier, kind: str, settings, count: int = 1) -> int:
    """`notify_client` for every client account with access to the dossier; how many were queued."""
    accounts = session.exec(
        select(Account)
        .join(DossierAccess, DossierAccess.account_id == Account.id)
        .where(DossierAccess.dossier_id == dossier.id)
        .order_by(Account.id)
        .limit(MAX_RECIPIENTS)
    ).all()
    return sum(1 for account in accounts if notify_client(session, account, dossier, kind, settings, count=count))
