"""The payment step on the road to the signing ("payment_received", position 40).

Shown only when the dossier has a settlement statement: done (with the day) once
staff marked "betaling ontvangen", else waiting for the client.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlmodel import Session

from portal_app.core.services.road import RoadState, RoadStep
from portal_app.payments.services import settlements

KEY = "payment_received"
POSITION = 40
LABEL_KEY = "road.payment_received"


def road_steps(session: Session, dossier_id: int) -> list[RoadStep]:
    """The dossier's payment step; empty when the dossier has no settlement statement."""
    exists, paid_on = settlements.paid_on(session, dossier_id)
    if not exists:
        return []
    if paid_on is None:
        return [RoadStep(key=KEY, label_key=LABEL_KEY, state=RoadState.WAITING_FOR_CLIENT, position=POSITION)]
    # noon UTC: the same calendar day in the office's time zone
    at = datetime.combine(paid_on, time(12, 0), tzinfo=UTC)
    return [RoadStep(key=KEY, label_key=LABEL_KEY, state=RoadState.DONE, at=at, position=POSITION)]
