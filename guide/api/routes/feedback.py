"""Feedback counts ("was this useful?"), under ``/v1/feedback``.

- ``POST /v1/feedback``: one vote, ``{"kind": "crisis" | "everyday", "need": need id | "none",
  "region": RSS code | "none", "useful": true | false, "reason": one of guide.feedback.REASONS | null}``
  (a reason only with ``useful: false``). Anything else, an unknown need or region included: 422.
  Only the count of that combination goes up; nothing else is kept (``guide.feedback``).
- ``GET /v1/feedback``: every count, with the totals.
- ``GUIDE_FEEDBACK=off``: both answer 404 ``feedback_off`` and nothing is written.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from guide.api.deps import get_app_settings
from guide.api.errors import ApiError
from guide.api.schemas import ErrorBody
from guide.feedback import Counts, FeedbackStore, Vote, unknown

router = APIRouter(tags=["feedback"])
RESPONSES: dict[int | str, dict] = {
    404: {"model": ErrorBody, "description": "feedback is off (GUIDE_FEEDBACK=off)"},
    413: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}


def feedback_store(settings=Depends(get_app_settings)) -> FeedbackStore:
    """The counts store; 404 when feedback is off (a dependency: it answers before the body is read)."""
    if not settings.feedback:
        raise ApiError(404, "feedback_off", "Les avis sont désactivés. / Feedback is turned off.")
    return FeedbackStore.from_settings(settings)


@router.post("/v1/feedback", response_model=Counts, responses=RESPONSES)
def post_feedback(
    vote: Vote, store: FeedbackStore = Depends(feedback_store), settings=Depends(get_app_settings)
) -> Counts:
    """Count one "was this useful?" vote; answers the counts."""
    why = unknown(vote, settings.corpus_dir)
    if why:
        raise ApiError(422, "invalid_request", "Requête invalide / Invalid request — " + why)
    store.add(vote)
    return store.counts()


@router.get("/v1/feedback", response_model=Counts, responses=RESPONSES)
def get_feedback(store: FeedbackStore = Depends(feedback_store)) -> Counts:
    """Every count per (kind, need, region, useful, reason), biggest first, with the totals."""
    return store.counts()
