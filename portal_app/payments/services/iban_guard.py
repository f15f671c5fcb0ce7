"""IBAN-fraud guard: text that names an account number other than the office's own.

- A staff message with such an IBAN is not sent: it is kept as a `HeldMessage` until
  an admin releases or refuses it (payments/services/held_messages.py). The messages
  domain calls `hold_office_message` in its send path; the caller commits on
  `MessageHeld` so the held row is kept.
- Text staff publish elsewhere (a draft deed's extracted text, progress step titles,
  document titles and descriptions) goes through `refuse_published_text`: with such an
  IBAN it is not published (ValidationFailed `payments.iban_in_published_text`, naming
  the number), the refusal is audited and every admin gets a mail. Refused, not held:
  a file or a title waiting unseen would leave the dossier half-published.
- Every admin gets a mail when a message is held (`notify_admins`), so a held
  message does not wait unseen in Instellingen.
- A client's own message draft gets a warning (before sending) when it holds an IBAN
  other than the office's: `client_draft_warning`.

Without an office IBAN every IBAN counts as foreign: nobody can be told to pay
anywhere before the admin has set the derdengeldenrekening.
Plain Python, no Reflex import; functions flush, never commit.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from portal_app.accounts.models import Account, AccountKind, StaffRole
from portal_app.audit.services import audit
from portal_app.core.services.errors import ServiceError, ValidationFailed
from portal_app.dossiers.models import Dossier
from portal_app.notifications.services import mail
from portal_app.payments.models import HeldMessage
from portal_app.payments.services import iban as iban_rules
from portal_app.payments.services import trust_account
from portal_app.settings import Settings, get_settings

# The admin page where held messages are released (office/pages/staff_settings.py).
ADMIN_PAGE = "/staff/instellingen"


class MessageHeld(ServiceError):
    """The message names another account number and waits for an admin (nothing was sent)."""

    code = "payments.message_held"


def foreign_ibans_in(session: Session, *texts: object) -> list[str]:
    """The valid IBANs in `texts` that are not the office's derdengeldenrekening (normalized)."""
    own = trust_account.office_iban(session)
    found: list[str] = []
    for text in texts:
        for iban in iban_rules.foreign_ibans(text, own):
            if iban not in found:
                found.append(iban)
    return found


def client_draft_warning(session: Session, text: object) -> list[str]:
    """The foreign IBANs of a client's draft, grouped in fours, for the warning in the composer."""
    return [iban_rules.grouped(iban) for iban in foreign_ibans_in(session, text)]


def hold_office_message(
    session: Session,
    *,
    actor: Account,
    dossier_id: int,
    subject: str,
    body: str,
    parent_id: int | None,
    submit_key: str | None,
    attachments: int,
    ip: str | None = None,
    settings: Settings | None = None,
) -> None:
    """Return when the message may go out; else keep it for an admin and raise MessageHeld."""
    foreign = foreign_ibans_in(session, subject, body)
    if not foreign:
        return
    if attachments:
        # a held message keeps text only: the files would wait in the upload area unseen
        raise ValidationFailed("IBAN with attachments", field="body", code="payments.iban_with_attachments")
    if submit_key:
        existing = session.exec(select(HeldMessage).where(HeldMessage.submit_key == submit_key)).first()
        if existing is not None:
            raise MessageHeld()  # a double submit: held once
    assert actor.id is not None  # a stored account
    held = HeldMessage(
        dossier_id=dossier_id,
        author_id=actor.id,
        subject=subject,
        body=body,
        parent_id=parent_id,
        submit_key=submit_key,
        foreign_ibans=" ".join(foreign)[:400],
    )
    session.add(held)
    session.flush()
    audit.record(
        session,
        "payments.message_held",
        actor_id=actor.id,
        dossier_id=dossier_id,
        target=f"held_message:{held.id}",
        ip=ip,
        detail={"ibans": foreign},
    )
    if settings is not None:
        notify_admins(session, kind="staff_message_held", dossier_id=dossier_id, settings=settings)
    raise MessageHeld()


def notify_admins(session: Session, *, kind: str, dossier_id: int, settings: Settings) -> int:
    """Mail every active admin (only the dossier number, never the text or the number); how many."""
    from_dossier = session.exec(select(Dossier.number).where(Dossier.id == dossier_id)).first() or ""
    admins = session.exec(
        select(Account)
        .where(
            Account.kind == AccountKind.STAFF,
            Account.staff_role == StaffRole.ADMIN,
            col(Account.blocked).is_(False),
            col(Account.deleted_at).is_(None),
        )
        .order_by(col(Account.id))
        .limit(50)
    ).all()
    for admin in admins:
        mail.queue_mail(
            session=session,
            to=admin.email,
            kind=kind,
            language=admin.language,
            context={"name": admin.name, "dossier_number": from_dossier, "link": f"{settings.public_url}{ADMIN_PAGE}"},
            account_id=admin.id,
        )
    return len(admins)


class PublishedTextRefused(ValidationFailed):
    """Staff text to publish names an account number other than the office's: not published."""

    def __init__(self, foreign: list[str], *, dossier_id: int, what: str, recorded: bool) -> None:
        super().__init__(
            "foreign IBAN in published text",
            field="text",
            code="payments.iban_in_published_text",
            ibans=", ".join(iban_rules.grouped(iban) for iban in foreign),
        )
        self.foreign, self.dossier_id, self.what = foreign, dossier_id, what
        self.recorded = recorded  # False: the caller records it after its rollback (record_refusal)


def refuse_published_text(
    session: Session,
    *,
    actor: Account,
    dossier_id: int,
    what: str,
    texts: tuple[object, ...],
    settings: Settings | None = None,
    ip: str | None = None,
    record: bool = True,
) -> None:
    """Return when `texts` name no account number but the office's; else record the refusal and raise.

    `what` says what was being published ("deed_version", "progress_step", "document").
    The caller's transaction is rolled back on the error, so the audit row and the
    admins' mail are written in a transaction of their own (`record_refusal`). Call it
    before the caller has written anything; a caller that has already written (a
    stored file) passes `record=False` and calls `record_refusal` after its rollback.
    """
    foreign = foreign_ibans_in(session, *texts)
    if not foreign:
        return
    if record:
        settings = settings or get_settings()
        bind = session.get_bind()
        # PostgreSQL: its own transaction, so it outlives the caller's rollback. SQLite (unit tests,
        # a quick local try) allows one writer only, so there it is the caller's transaction.
        if isinstance(bind, Engine) and bind.dialect.name != "sqlite":
            with Session(bind, expire_on_commit=False) as own:
                record_refusal(
                    own, actor_id=actor.id, dossier_id=dossier_id, what=what, foreign=foreign, settings=settings, ip=ip
                )
                own.commit()
        else:
            record_refusal(
                session, actor_id=actor.id, dossier_id=dossier_id, what=what, foreign=foreign, settings=settings, ip=ip
            )
    raise PublishedTextRefused(foreign, dossier_id=dossier_id, what=what, recorded=record)


def record_refusal(
    session: Session,
    *,
    actor_id: int | None,
    dossier_id: int,
    what: str,
    foreign: list[str],
    settings: Settings | None,
    ip: str | None = None,
) -> None:
    """Audit a refused publication and mail the admins (flushes; the caller commits)."""
    audit.record(
        session,
        "payments.published_text_refused",
        actor_id=actor_id,
        dossier_id=dossier_id,
        target=f"{what}:dossier:{dossier_id}",
        ip=ip,
        detail={"ibans": foreign, "what": what},
    )
    if settings is not None:
        notify_admins(session, kind="staff_published_text_refused", dossier_id=dossier_id, settings=settings)
    session.flush()
