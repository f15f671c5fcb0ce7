"""Progress steps from templates per kind of dossier (levering woning, hypotheek, testament, ...).

An admin edits each kind's steps in Instellingen (one step per line); a new dossier
of a kind starts with that kind's steps, which staff can still add to, rename, move
or remove per dossier (dossiers/services/staff_dossiers.py). A kind the admin never
edited uses the built-in steps below. The steps are shown to clients as they are
typed (Dutch). Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, delete, func, select

from portal_app.accounts.models import Account
from portal_app.audit.services import audit
from portal_app.core.services import i18n
from portal_app.core.services.errors import NotFound, ValidationFailed
from portal_app.core.services.ids import parse_id
from portal_app.core.services.staff_access import require_staff
from portal_app.dossiers.models import Dossier, ProgressStep
from portal_app.office.models import StepTemplate

MAX_TEMPLATE_STEPS = 20
MAX_STEP_CHARS = 200  # ProgressStep.title

# the kinds of dossier, in the order the office thinks of them, with their built-in steps
DEFAULT_STEPS: dict[str, tuple[str, ...]] = {
    "levering_woning": (
        "Koopovereenkomst ontvangen",
        "Gegevens en identiteit gecontroleerd",
        "Concept-akte en nota van afrekening gestuurd",
        "Geld ontvangen op de derdengeldenrekening",
        "Akte getekend",
        "Akte ingeschreven bij het Kadaster",
    ),
    "hypotheek": (
        "Hypotheekstukken van de bank ontvangen",
        "Gegevens en identiteit gecontroleerd",
        "Concept-hypotheekakte gestuurd",
        "Akte getekend",
        "Akte ingeschreven bij het Kadaster",
    ),
    "testament": (
        "Eerste gesprek gehad",
        "Vragenlijst ingevuld",
        "Concept-testament gestuurd",
        "Testament getekend",
        "Testament ingeschreven in het Centraal Testamentenregister",
    ),
    "oprichting_bv": (
        "Gegevens van de oprichters ontvangen",
        "Concept-statuten gestuurd",
        "Akte van oprichting getekend",
        "BV ingeschreven bij de Kamer van Koophandel",
    ),
    "samenlevingscontract": (
        "Eerste gesprek gehad",
        "Concept-samenlevingscontract gestuurd",
        "Samenlevingscontract getekend",
    ),
}
DOSSIER_TYPES = tuple(DEFAULT_STEPS)


@dataclass(frozen=True, kw_only=True)
class TemplateView:
    """One kind's template for the settings screen: its name and its steps, one per line."""

    dossier_type: str
    label: str
    steps_text: str
    count: int


def type_label(dossier_type: str, language: str) -> str:
    return i18n.t(f"dossier_type.{dossier_type}", language)


def _check_type(dossier_type: object) -> str:
    if not isinstance(dossier_type, str) or dossier_type not in DEFAULT_STEPS:
        raise ValidationFailed("unknown kind", field="dossier_type", code="templates.unknown_type")
    return dossier_type


def template_steps(session: Session, dossier_type: str) -> list[str]:
    """The steps a new dossier of this kind gets (one query, served by the kind's index)."""
    stored = session.exec(
        select(col(StepTemplate.title))
        .where(StepTemplate.dossier_type == dossier_type)
        .order_by(col(StepTemplate.position), col(StepTemplate.id))
    ).all()
    return list(stored) if stored else list(DEFAULT_STEPS.get(dossier_type, ()))


def templates_view(*, session: Session, actor: Account, language: str = "nl") -> list[TemplateView]:
    require_staff(session, actor, admin=True)
    stored: dict[str, list[str]] = {}
    for dossier_type, title in session.exec(
        select(col(StepTemplate.dossier_type), col(StepTemplate.title)).order_by(
            col(StepTemplate.dossier_type), col(StepTemplate.position), col(StepTemplate.id)
        )
    ).all():
        stored.setdefault(dossier_type, []).append(title)
    views = []
    for dossier_type in DOSSIER_TYPES:
        steps = stored.get(dossier_type) or list(DEFAULT_STEPS[dossier_type])
        views.append(
            TemplateView(
                dossier_type=dossier_type,
                label=type_label(dossier_type, language),
                steps_text="\n".join(steps),
                count=len(steps),
            )
        )
    return views


def parse_steps(text: object) -> list[str]:
    """The steps of a template as typed: one per line, blank lines skipped, spaces collapsed."""
    if not isinstance(text, str):
        raise ValidationFailed("no steps", field="steps", code="templates.empty")
    steps = [" ".join(line.split()) for line in text.splitlines()]
    steps = [step for step in steps if step]
    if not steps:
        raise ValidationFailed("no steps", field="steps", code="templates.empty")
    if len(steps) > MAX_TEMPLATE_STEPS:
        raise ValidationFailed("too many", field="steps", code="templates.too_many", maximum=MAX_TEMPLATE_STEPS)
    if any(len(step) > MAX_STEP_CHARS for step in steps):
        raise ValidationFailed("too long", field="steps", code="templates.too_long", maximum=MAX_STEP_CHARS)
    if any(ord(ch) < 32 for step in steps for ch in step):
        raise ValidationFailed("control characters", field="steps", code="templates.empty")
    return steps


def save_template(*, session: Session, actor: Account, dossier_type: object, steps_text: object) -> list[str]:
    """Replace one kind's steps (admins only); dossiers made before keep their own steps. Audited."""
    actor = require_staff(session, actor, admin=True)
    kind = _check_type(dossier_type)
    steps = parse_steps(steps_text)
    session.exec(delete(StepTemplate).where(col(StepTemplate.dossier_type) == kind))
    for position, title in enumerate(steps):
        session.add(StepTemplate(dossier_type=kind, position=position, title=title))
    audit.record(
        session, "step_template.changed", actor_id=actor.id, detail={"dossier_type": kind, "steps": len(steps)}
    )
    session.flush()
    return steps


def apply_template(*, session: Session, actor: Account, dossier_id: object, dossier_type: object) -> int:
    """Give a new dossier (one without steps) the steps of its kind; "" means no template. Audited."""
    actor = require_staff(session, actor)
    if dossier_type in ("", None):
        return 0
    kind = _check_type(dossier_type)
    dossier = session.get(Dossier, parse_id(dossier_id))
    if dossier is None or dossier.id is None:
        raise NotFound()
    existing = session.exec(select(func.count(col(ProgressStep.id))).where(ProgressStep.dossier_id == dossier.id)).one()
    if existing:
        raise ValidationFailed("has steps", field="dossier_type", code="templates.dossier_has_steps")
    steps = template_steps(session, kind)
    for position, title in enumerate(steps):
        session.add(ProgressStep(dossier_id=dossier.id, position=position, title=title))
    audit.record(
        session,
        "progress.template_applied",
        actor_id=actor.id,
        dossier_id=dossier.id,
        detail={"dossier_type": kind, "steps": len(steps)},
    )
    session.flush()
    return len(steps)
