"""The road to the signing of the deed ("het passeren"): one step as Home and the dossier page show it.

Three domains each know one part of the road — `deeds` (is the draft deed approved?), `signing`
(the appointment and its checklist) and `payments` (is the settlement paid?). Each exposes a
`road_steps(session, dossier_id, ...)` service that returns these rows; `signing` puts them in
order for the pages. The row lives here so that no domain imports another's internals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RoadState(StrEnum):
    TODO = "todo"  # not started or waiting for someone
    WAITING_FOR_CLIENT = "waiting_for_client"  # the client has something to do
    DONE = "done"


@dataclass(frozen=True)
class RoadStep:
    # Stable identifier, e.g. "draft_approved", "appointment", "checklist", "payment_received".
    key: str
    # Catalog key of the step's label (shown via tr()); `detail` is already-formatted text or "".
    label_key: str
    state: RoadState
    # When the step was done or is due (UTC); shown in the office time zone by the formatting module.
    at: datetime | None = None
    detail: str = ""
    # Sort position on the road: draft 10, appointment 20, checklist 30, payment 40.
    position: int = 0
