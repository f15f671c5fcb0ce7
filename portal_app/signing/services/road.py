"""The road to the signing ("het passeren") of one dossier, as Home and the dossier page show it.

It puts together, in order: where the dossier's own progress steps stand (the manual's
Voortgang), the draft deed (deeds domain, position 10), the appointment (20), the
checklist (30) and the payment (40, payments domain). Each step has its state in words
and a date. Callers check access to the dossier first. Plain Python, no Reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal_app.accounts.models import Account
from portal_app.core.models import utcnow
from portal_app.core.services import formatting, i18n
from portal_app.core.services.road import RoadState, RoadStep
from portal_app.deeds.services import road as deeds_road
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus
from portal_app.dossiers.services import dossiers
from portal_app.payments.services import road as payments_road
from portal_app.signing.services import appointments, checklist

PROGRESS_POSITION = 0
APPOINTMENT_POSITION = 20
CHECKLIST_POSITION = 30
# Home shows the road of at most this many dossiers.
MAX_HOME_DOSSIERS = 5
# ... looking at no more than this many open dossiers (a few queries each).
MAX_HOME_SCAN = 10


@dataclass(frozen=True)
class RoadRow:
    """One step as the page shows it: label, state and date in the reader's language."""

    key: str
    label: str
    state: str  # RoadState value, for styling (never the only sign: `state_text` says it)
    state_text: str
    date: str
    detail: str


@dataclass(frozen=True)
class DossierRoad:
    dossier_id: int
    number: str
    description: str
    rows: list[RoadRow]


def signing_steps(session: Session, dossier_id: int, language: str, now: datetime | None = None) -> list[RoadStep]:
    """This domain's steps: the appointment (20) and the checklist (30); [] without an appointment."""
    appointment = appointments.get(session, dossier_id)
    if appointment is None:
        return []
    moment = now or utcnow()
    past = formatting.aware(appointment.starts_at) <= formatting.aware(moment)
    items = checklist.rows(session, dossier_id, language)
    done = sum(1 for item in items if item.done)
    last_tick = max((item.done_at for item in items if item.done_at is not None), default=None)
    steps = [
        RoadStep(
            key="appointment",
            label_key="road.appointment",
            state=RoadState.DONE if past else RoadState.TODO,
            at=appointment.starts_at,
            detail=appointments.countdown(appointment.starts_at, moment, language),
            position=APPOINTMENT_POSITION,
        )
    ]
    if items:
        steps.append(
            RoadStep(
                key="checklist",
                label_key="road.checklist",
                state=RoadState.DONE if done == len(items) else RoadState.WAITING_FOR_CLIENT,
                at=last_tick if done == len(items) else None,
                detail=i18n.t("road.checklist_count", language, done=done, total=len(items)),
                position=CHECKLIST_POSITION,
            )
        )
    return steps


def progress_step(session: Session, dossier_id: int, language: str) -> RoadStep | None:
    """The dossier's own progress steps as one step: "4 van 10 stappen gereed"."""
    steps, done, total = dossiers.progress(session, dossier_id)
    if total == 0:
        return None
    last = max((step.done_at for step in steps if step.done_at is not None), default=None)
    return RoadStep(
        key="progress",
        label_key="road.progress",
        state=RoadState.DONE if done == total else RoadState.TODO,
        at=last,
        detail=i18n.t("road.progress_count", language, done=done, total=total),
        position=PROGRESS_POSITION,
    )


def road_steps(session: Session, dossier_id: int, language: str = "nl", now: datetime | None = None) -> list[RoadStep]:
    """Every step of the road of one dossier, in order (the caller checked access)."""
    steps: list[RoadStep] = []
    progress = progress_step(session, dossier_id, language)
    if progress is not None:
        steps.append(progress)
    steps += deeds_road.road_steps(session, dossier_id)
    steps += signing_steps(session, dossier_id, language, now)
    steps += payments_road.road_steps(session, dossier_id)
    return sorted(steps, key=lambda step: (step.position, step.key))


def state_text(state: RoadState, language: str, key: str = "") -> str:
    if key == "appointment" and state is RoadState.TODO:
        return i18n.t("road.state_planned", language)  # an appointment that is set is planned, not "not done"
    return i18n.t(f"road.state_{state.value}", language)


def rows(steps: list[RoadStep], language: str) -> list[RoadRow]:
    return [
        RoadRow(
            key=step.key,
            label=i18n.t(step.label_key, language) if step.label_key else step.key,
            state=str(step.state),
            state_text=state_text(step.state, language, step.key),
            date=formatting.format_date(step.at, language, style="numeric") if step.at else "",
            detail=step.detail,
        )
        for step in steps
    ]


def has_road(steps: list[RoadStep]) -> bool:
    """Whether there is a road to show: something beyond the manual's progress steps (draft, appointment, payment)."""
    return any(step.key != "progress" for step in steps)


def has_road_rows(found: list[RoadRow]) -> bool:
    return any(row.key != "progress" for row in found)


def for_client(
    session: Session, account: Account, dossier_id: object, language: str, *, ip: str | None = None
) -> DossierRoad:
    """The road of a dossier the client sees (NotFound, audited, otherwise)."""
    dossier = dossiers.get_for_account(session, account, dossier_id, ip=ip)
    assert dossier.id is not None
    return DossierRoad(
        dossier_id=dossier.id,
        number=dossier.number,
        description=dossier.description,
        rows=rows(road_steps(session, dossier.id, language), language),
    )


def home_roads(session: Session, account: Account, language: str) -> list[DossierRoad]:
    """Home: the road of each open dossier of the client that has an appointment or a draft deed."""
    found = session.exec(
        select(Dossier)
        .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
        .where(
            DossierAccess.account_id == account.id,
            col(Dossier.status).in_((DossierStatus.IN_PROGRESS, DossierStatus.WAITING)),
        )
        .order_by(col(Dossier.created_at).desc(), col(Dossier.id).desc())
        .limit(MAX_HOME_SCAN)
    ).all()
    roads: list[DossierRoad] = []
    for dossier in found:
        assert dossier.id is not None
        steps = road_steps(session, dossier.id, language)
        if has_road(steps):
            roads.append(DossierRoad(dossier.id, dossier.number, dossier.description, rows(steps, language)))
        if len(roads) >= MAX_HOME_DOSSIERS:
            break
    return roads
