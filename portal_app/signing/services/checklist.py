"""What to bring to the signing: a checklist per dossier, seeded from a default list per kind of dossier.

Staff add and remove items (the list is the dossier's own once seeded); a client of
the dossier ticks items off, one tick for the dossier. Every id the browser sends is
checked against the dossier here. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.models import utcnow
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import one_line, require_staff
from portal_app.dossiers.models import Dossier
from portal_app.dossiers.services import dossiers
from portal_app.payments.services import iban_guard
from portal_app.signing.models import SigningChecklistItem

MAX_LABEL = 200
MAX_ITEMS = 40
DEFAULT_KIND = "general"
# The default list per kind of dossier, as catalog keys: a default item shows in the reader's
# language (signing.item.* in both catalogs); an item staff type stays as typed.
DEFAULT_ITEMS: dict[str, tuple[str, ...]] = {
    "house": (
        "signing.item.id_every_party",
        "signing.item.bank_card",
        "signing.item.payment_proof",
        "signing.item.power_of_attorney",
    ),
    "company": (
        "signing.item.id_every_representative",
        "signing.item.trade_register",
        "signing.item.power_or_resolution",
    ),
    "general": ("signing.item.id_every_party",),
}
KINDS = tuple(DEFAULT_ITEMS)


@dataclass(frozen=True)
class ChecklistRow:
    id: int
    label: str
    done: bool
    done_at: datetime | None


def clean_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind not in DEFAULT_ITEMS:
        raise ValidationFailed("unknown dossier kind", field="kind", code="signing.err.kind")
    return kind


def _items(session: Session, dossier_id: int) -> list[SigningChecklistItem]:
    return list(
        session.exec(
            select(SigningChecklistItem)
            .where(SigningChecklistItem.dossier_id == dossier_id)
            .order_by(col(SigningChecklistItem.position), col(SigningChecklistItem.id))
            .limit(MAX_ITEMS)
        ).all()
    )


def label_of(item: SigningChecklistItem, language: str) -> str:
    """A default item in the reader's language; an item typed by staff as typed."""
    return i18n.t(item.label_key, language) if item.label_key else item.label


def _row(item: SigningChecklistItem, language: str) -> ChecklistRow:
    assert item.id is not None  # a stored row (see portal_app/core/models.py)
    return ChecklistRow(id=item.id, label=label_of(item, language), done=item.done_at is not None, done_at=item.done_at)


def rows(session: Session, dossier_id: int, language: str = i18n.DEFAULT_LANGUAGE) -> list[ChecklistRow]:
    """The dossier's checklist in `language` (no access check: callers have checked)."""
    return [_row(item, language) for item in _items(session, dossier_id)]


def for_client(
    session: Session,
    account: Account,
    dossier_id: object,
    language: str = i18n.DEFAULT_LANGUAGE,
    *,
    ip: str | None = None,
) -> list[ChecklistRow]:
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    assert dossier.id is not None
    return rows(session, dossier.id, language)


def seed_defaults(session: Session, dossier_id: int, kind: str) -> int:
    """Fill an empty checklist from the default list of `kind`; how many items were added."""
    if session.exec(select(SigningChecklistItem.id).where(SigningChecklistItem.dossier_id == dossier_id)).first():
        return 0
    keys = DEFAULT_ITEMS[clean_kind(kind)]
    for position, key in enumerate(keys):
        # the Dutch text is kept too: what an export or an old reader shows
        label = i18n.t(key, i18n.DEFAULT_LANGUAGE)[:MAX_LABEL]
        session.add(SigningChecklistItem(dossier_id=dossier_id, position=position, label=label, label_key=key))
    session.flush()
    return len(keys)


def _staff_dossier(session: Session, actor: Account, dossier_id: object) -> tuple[Account, int]:
    staff = require_staff(session, actor)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None or dossier.id is None:
        raise NotFound()
    return staff, dossier.id


def for_staff(
    session: Session, actor: Account, dossier_id: object, language: str = i18n.DEFAULT_LANGUAGE
) -> list[ChecklistRow]:
    _staff, found_id = _staff_dossier(session, actor, dossier_id)
    return rows(session, found_id, language)


def add_item(session: Session, actor: Account, dossier_id: object, label: object) -> SigningChecklistItem:
    staff, found_id = _staff_dossier(session, actor, dossier_id)
    text = one_line(label, MAX_LABEL + 1)
    if not text:
        raise ValidationFailed("required", field="label", code="signing.err.item_required")
    if len(text) > MAX_LABEL:
        raise ValidationFailed("too long", field="label", code="signing.err.item_long")
    # IBAN fraud (issue 17): a text clients read may not name another account number
    iban_guard.refuse_published_text(session, actor=staff, dossier_id=found_id, what="checklist", texts=(text,))
    count, last = session.exec(
        select(func.count(col(SigningChecklistItem.id)), func.max(SigningChecklistItem.position)).where(
            SigningChecklistItem.dossier_id == found_id
        )
    ).one()
    if (count or 0) >= MAX_ITEMS:
        raise ValidationFailed("too many", field="label", code="signing.err.item_many")
    item = SigningChecklistItem(dossier_id=found_id, position=(last or 0) + 1, label=text)
    session.add(item)
    session.flush()
    audit.record(
        session, "signing.checklist_item_added", actor_id=staff.id, dossier_id=found_id, target=f"checklist:{item.id}"
    )
    return item


def _item_of(session: Session, dossier_id: int, item_id: object) -> SigningChecklistItem:
    item = session.get(SigningChecklistItem, parse_id(item_id))
    if item is None or item.dossier_id != dossier_id:
        raise NotFound()
    return item


def remove_item(session: Session, actor: Account, dossier_id: object, item_id: object) -> None:
    staff, found_id = _staff_dossier(session, actor, dossier_id)
    item = _item_of(session, found_id, item_id)
    session.delete(item)
    audit.record(
        session, "signing.checklist_item_removed", actor_id=staff.id, dossier_id=found_id, target=f"checklist:{item.id}"
    )
    session.flush()


def set_done(
    session: Session,
    account: Account,
    dossier_id: object,
    item_id: object,
    done: object,
    *,
    ip: str | None = None,
    language: str = i18n.DEFAULT_LANGUAGE,
) -> ChecklistRow:
    """A client ticks an item of a dossier they see on or off."""
    if not isinstance(done, bool):
        raise ValidationFailed("done must be true or false", field="done")
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    assert dossier.id is not None and account.id is not None
    if account.is_staff:
        raise NotFound()
    item = _item_of(session, dossier.id, item_id)
    assert item.id is not None
    if done and item.done_at is None:
        item.done_at, item.done_by_id = utcnow(), account.id
    elif not done:
        item.done_at, item.done_by_id = None, None
    session.add(item)
    session.flush()
    return _row(item, language)
