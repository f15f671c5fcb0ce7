"""Accounts -> Extra accounts: a company's main account manages its extra accounts.

Manual 2.2: "Bent u als bedrijf ingelogd op het klantenportaal? Dan heeft u de
mogelijkheid aan het bedrijfsaccount extra accounts toe te voegen." The main
account (kind company) may

- list its extra accounts,
- add one ("Nieuw account": name and e-mail; the invitation flow with its three
  e-mails starts at once),
- view one ("Inzien": details, last login, the dossiers it may see),
- choose which of the company's dossiers - those the main account itself has
  access to - each extra account sees (grant / revoke, audited),
- remove one ("Verwijderen": its sessions end, its access and open links go;
  the account row stays, marked removed, for the audit log).

Every function takes the acting account and checks it again here (reloaded from
the database): only an active company main account gets through; extra
accounts, private clients and staff get PermissionDenied. An extra account id
that is not one of the actor's own gives NotFound (the same for a missing id
and another company's account) and an audit event. Ids from the browser are
parsed here. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select, update

from portal_app.accounts.models import Account, AccountKind, AuthToken, TokenPurpose, UserSession
from portal_app.accounts.services import accounts, onboarding, sessions
from portal_app.audit.models import AuditEvent
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal_app.core.services.formatting import format_date, format_datetime
from portal_app.core.services.ids import parse_id
from portal_app.dossiers.models import Dossier, DossierAccess
from portal_app.dossiers.services import dossiers
from portal_app.notifications.services import mail
from portal_app.settings import Settings

MAX_EXTRA_ACCOUNTS = 50
MAX_DOSSIERS_SHOWN = 200
MAX_REQUESTS_PER_DAY = 20
REQUESTED_EVENT = "company_accounts.new_requested"


@dataclass(frozen=True, kw_only=True)
class ExtraAccountRow:
    """One extra account in the list, the texts in the viewer's language."""

    id: int = 0
    name: str = ""
    email: str = ""
    state: str = ""  # "active", "invited" or "blocked"
    state_label: str = ""
    last_login: str = ""
    dossier_count: int = 0


@dataclass(frozen=True, kw_only=True)
class ExtraAccountInfo(ExtraAccountRow):
    """'Inzien': the list's fields and a few more; the blank one stands for "none loaded"."""

    created: str = ""
    language_label: str = ""


@dataclass(frozen=True, kw_only=True)
class ExtraAccountDossier:
    """One company dossier on the 'Inzien' screen; `granted`: the extra account may see it."""

    id: int
    number: str
    description: str
    status_label: str
    granted: bool


@dataclass(frozen=True, kw_only=True)
class ExtraAccountDetail:
    """What 'Inzien' shows: the account and every company dossier with its choice."""

    account: ExtraAccountInfo
    dossiers: list[ExtraAccountDossier]


def can_manage(account: Account | None) -> bool:
    """Whether the account may manage extra accounts (shown on Mijn gegevens)."""
    return account is not None and account.kind == AccountKind.COMPANY and account.is_active


def require_main_account(session: Session, actor: Account | None, *, ip: str | None = None) -> Account:
    """The actor, reloaded, when it is an active company main account; else PermissionDenied (audited)."""
    fresh = session.get(Account, actor.id) if actor is not None and getattr(actor, "id", None) else None
    if fresh is None or not can_manage(fresh):
        audit.record(
            session,
            "company_accounts.denied",
            actor_id=fresh.id if fresh is not None else None,
            ip=ip,
            detail={"kind": fresh.kind if fresh is not None else "none"},
        )
        raise PermissionDenied("company main accounts only")
    return fresh


def _extra_of(session: Session, main: Account, account_id: object, *, ip: str | None = None) -> Account:
    """One of the main account's own (not removed) extra accounts, or NotFound (audited)."""
    try:
        number = parse_id(account_id)
    except NotFound:
        number = None
    extra = session.get(Account, number) if number is not None else None
    if (
        extra is None
        or extra.kind != AccountKind.COMPANY_EXTRA
        or extra.parent_id != main.id
        or extra.deleted_at is not None
    ):
        audit.record(session, "access.denied", actor_id=main.id, target=f"account:{str(account_id)[:40]}", ip=ip)
        raise NotFound()
    return extra


def _state(account: Account) -> str:
    if account.blocked:
        return "blocked"
    if account.password_hash is None:
        return "invited"
    return "active"


def _company_dossier_ids(session: Session, main: Account) -> list[int]:
    return list(
        session.exec(
            select(DossierAccess.dossier_id)
            .where(DossierAccess.account_id == main.id)
            .order_by(col(DossierAccess.dossier_id))
        ).all()
    )


def _last_logins(session: Session, account_ids: list[int]) -> dict[int, datetime]:
    """The start of each account's latest complete sign-in (password, and second factor when on).

    Sessions count too: the sign-in right after setting a password opens one
    without touching Account.last_login_at.
    """
    if not account_ids:
        return {}
    rows = session.exec(
        select(UserSession.account_id, func.max(UserSession.created_at))
        .where(col(UserSession.account_id).in_(account_ids), col(UserSession.second_factor_done).is_(True))
        .group_by(col(UserSession.account_id))
    ).all()
    return {account_id: _aware(moment) for account_id, moment in rows if moment is not None}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _row(account: Account, language: str, dossier_count: int, last_session: datetime | None = None) -> ExtraAccountRow:
    state = _state(account)
    candidates = [moment for moment in (account.last_login_at, last_session) if moment is not None]
    last_login = max((_aware(moment) for moment in candidates), default=None)
    assert account.id is not None  # a stored account (see portal_app/core/models.py)
    return ExtraAccountRow(
        id=account.id,
        name=account.name,
        email=account.email,
        state=state,
        state_label=i18n.t(f"company.state.{state}", language),
        last_login=format_datetime(last_login, language) or i18n.t("company.never", language),
        dossier_count=dossier_count,
    )


def list_extra_accounts(session: Session, actor: Account, *, language: str = "nl") -> list[ExtraAccountRow]:
    """The main account's extra accounts (name order)."""
    main = require_main_account(session, actor)
    extras = session.exec(
        select(Account)
        .where(
            Account.parent_id == main.id,
            Account.kind == AccountKind.COMPANY_EXTRA,
            col(Account.deleted_at).is_(None),
        )
        .order_by(col(Account.name), col(Account.id))
        .limit(MAX_EXTRA_ACCOUNTS)
    ).all()
    extra_ids: list[int] = []
    for extra in extras:
        assert extra.id is not None  # read from the database (see portal_app/core/models.py)
        extra_ids.append(extra.id)
    company = set(_company_dossier_ids(session, main))
    counts: dict[int, int] = {}
    if extras:
        for account_id, dossier_id in session.exec(
            select(DossierAccess.account_id, DossierAccess.dossier_id).where(
                col(DossierAccess.account_id).in_(extra_ids)
            )
        ).all():
            if dossier_id in company:
                counts[account_id] = counts.get(account_id, 0) + 1
    last = _last_logins(session, extra_ids)
    return [
        _row(extra, language, counts.get(extra_id, 0), last.get(extra_id))
        for extra, extra_id in zip(extras, extra_ids, strict=True)
    ]


def create_extra_account(
    session: Session,
    actor: Account,
    *,
    name: object,
    email: object,
    settings: Settings,
    ip: str | None = None,
) -> Account | None:
    """'Nieuw account': an extra account of the actor's company, and its invitation (the first e-mail).

    The new account sees no dossier until the main account grants one. Its
    language starts as the main account's. Does not commit.

    No enumeration (issue 13): an address that already has an account in the
    portal gets no second account, but the form answers the same (the caller shows
    one text for both), one mail is queued either way - here a notice to the
    address's owner - and None is returned. At most MAX_REQUESTS_PER_DAY tries per
    company a day, so the form cannot be used to test a list of addresses.
    """
    main = require_main_account(session, actor, ip=ip)
    existing = session.exec(
        select(func.count(col(Account.id))).where(Account.parent_id == main.id, col(Account.deleted_at).is_(None))
    ).one()
    if existing >= MAX_EXTRA_ACCOUNTS:
        raise ValidationFailed("too many extra accounts", code="company.too_many", max=MAX_EXTRA_ACCOUNTS)
    clean_email = accounts.validate_email(email if isinstance(email, str) else "")
    clean_name = accounts.clean_name(name if isinstance(name, str) else "", "name")
    tries = session.exec(
        select(func.count(col(AuditEvent.id))).where(
            AuditEvent.event_type == REQUESTED_EVENT,
            AuditEvent.actor_id == main.id,
            AuditEvent.at >= utcnow() - timedelta(days=1),
        )
    ).one()
    if tries >= MAX_REQUESTS_PER_DAY:
        raise ValidationFailed("too many new accounts today", code="company.too_many_today")
    audit.record(session, REQUESTED_EVENT, actor_id=main.id, ip=ip)
    owner = accounts.find_by_email(session, clean_email)
    if owner is not None:
        mail.queue_mail(
            session=session,
            to=owner.email,
            kind="extra_account_exists",
            language=owner.language,
            context={
                "name": owner.name,
                "company_name": main.company_name or main.name,
                "link": f"{settings.public_url}/login",
            },
            account_id=owner.id,
        )
        audit.record(session, "company_accounts.address_taken", actor_id=main.id, target=f"account:{owner.id}", ip=ip)
        session.flush()
        return None
    extra = accounts.create_company_extra(
        session,
        main_account=main,
        email=clean_email,
        name=clean_name,
        language=i18n.normalize_language(main.language),
        actor_id=main.id,
    )
    onboarding.invite(session, extra, settings=settings, actor_id=main.id)
    session.flush()
    return extra


def extra_account_detail(
    session: Session, actor: Account, account_id: object, *, language: str = "nl", ip: str | None = None
) -> ExtraAccountDetail:
    """'Inzien': the extra account's details, last login, and per company dossier whether it may see it."""
    main = require_main_account(session, actor, ip=ip)
    extra = _extra_of(session, main, account_id, ip=ip)
    assert extra.id is not None  # a stored account (see portal_app/core/models.py)
    granted = set(session.exec(select(DossierAccess.dossier_id).where(DossierAccess.account_id == extra.id)).all())
    rows = session.exec(
        select(Dossier.id, Dossier.number, Dossier.description, Dossier.status)
        .join(DossierAccess, col(DossierAccess.dossier_id) == Dossier.id)
        .where(DossierAccess.account_id == main.id)
        .order_by(Dossier.number, col(Dossier.id))
        .limit(MAX_DOSSIERS_SHOWN)
    ).all()
    dossier_rows = [
        ExtraAccountDossier(
            id=dossier_id,
            number=number,
            description=description,
            status_label=i18n.t(f"status.{status}", language),
            granted=dossier_id in granted,
        )
        for dossier_id, number, description, status in rows
        if dossier_id is not None  # read back from the table, so always set; this tells mypy
    ]
    row = _row(
        extra, language, sum(1 for d in dossier_rows if d.granted), _last_logins(session, [extra.id]).get(extra.id)
    )
    return ExtraAccountDetail(
        account=ExtraAccountInfo(
            **asdict(row),
            created=format_date(extra.created_at, language),
            language_label=i18n.t(f"lang.{i18n.normalize_language(extra.language)}", language),
        ),
        dossiers=dossier_rows,
    )


def set_dossier_access(
    session: Session, actor: Account, account_id: object, dossier_id: object, allowed: object, *, ip: str | None = None
) -> bool:
    """Let the extra account see (allowed=True) or no longer see a company dossier; True when it changed.

    Only dossiers the main account itself has access to. Audited. Does not commit.
    """
    main = require_main_account(session, actor, ip=ip)
    extra = _extra_of(session, main, account_id, ip=ip)
    assert extra.id is not None  # a stored account (see portal_app/core/models.py)
    if not isinstance(allowed, bool):
        raise ValidationFailed("allowed must be true or false", field="allowed")
    try:
        number = parse_id(dossier_id)
    except NotFound:
        number = None
    if number is None or number not in set(_company_dossier_ids(session, main)):
        audit.record(session, "access.denied", actor_id=main.id, target=f"dossier:{str(dossier_id)[:40]}", ip=ip)
        raise NotFound()
    row = session.exec(
        select(DossierAccess).where(DossierAccess.dossier_id == number, DossierAccess.account_id == extra.id)
    ).first()
    if allowed:
        if row is not None:
            return False
        dossiers.grant_access(session, dossier_id=number, account_id=extra.id, actor_id=main.id)
    else:
        if row is None:
            return False
        session.delete(row)
        audit.record(
            session, "access.revoked", actor_id=main.id, dossier_id=number, target=f"account:{extra.id}", ip=ip
        )
    session.flush()
    return True


def delete_extra_account(session: Session, actor: Account, account_id: object, *, ip: str | None = None) -> Account:
    """'Verwijderen': the extra account is marked removed, its sessions end, its dossier access and
    open links go. The row stays for the audit log. Does not commit."""
    main = require_main_account(session, actor, ip=ip)
    extra = _extra_of(session, main, account_id, ip=ip)
    assert extra.id is not None  # a stored account (see portal_app/core/models.py)
    now = utcnow()
    extra.deleted_at = now
    session.add(extra)
    ended = sessions.end_all_sessions(session, extra.id)
    access_rows = session.exec(select(DossierAccess).where(DossierAccess.account_id == extra.id)).all()
    for row in access_rows:
        audit.record(
            session, "access.revoked", actor_id=main.id, dossier_id=row.dossier_id, target=f"account:{extra.id}", ip=ip
        )
        session.delete(row)
    session.exec(
        update(AuthToken)
        .where(
            col(AuthToken.account_id) == extra.id,
            col(AuthToken.used_at).is_(None),
            col(AuthToken.revoked_at).is_(None),
            col(AuthToken.purpose).in_((TokenPurpose.INVITE, TokenPurpose.RESET, TokenPurpose.EMAIL_CHANGE)),
        )
        .values(revoked_at=now)
    )
    audit.record(
        session,
        "account.deleted",
        actor_id=main.id,
        target=f"account:{extra.id}",
        ip=ip,
        detail={"kind": extra.kind, "sessions_ended": ended, "dossiers_revoked": len(access_rows)},
    )
    session.flush()
    return extra
