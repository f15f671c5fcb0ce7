"""The deeds domain's part of the road to the signing: is the newest draft deed approved?"""

from __future__ import annotations

from sqlmodel import Session

from portal_app.core.services.road import RoadState, RoadStep

POSITION = 10
KEY = "draft_approved"
LABEL_KEY = "road.draft_approved"


def road_steps(session: Session, dossier_id: int) -> list[RoadStep]:
    """The "draft_approved" step (position 10), or [] when the dossier has no draft deed.

    Done when every client account with access approved the newest version of the
    newest draft; `detail` is "approved/required" (e.g. "1/2") while waiting.
    """
    from portal_app.deeds.services.drafts import draft_views

    drafts = draft_views(session, dossier_id, None)
    if not drafts:
        return []
    draft = drafts[-1]
    latest = draft.versions[-1]
    if draft.required and not draft.pending:
        at = max(approval.at for approval in latest.approvals)
        return [RoadStep(key=KEY, label_key=LABEL_KEY, state=RoadState.DONE, at=at, position=POSITION)]
    done = len(draft.required) - len(draft.pending)
    return [
        RoadStep(
            key=KEY,
            label_key=LABEL_KEY,
            state=RoadState.WAITING_FOR_CLIENT,
            at=latest.published_at,
            detail=f"{done}/{len(draft.required)}",
            position=POSITION,
        )
    ]
