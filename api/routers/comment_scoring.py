"""Score new comments with a saved theme model: mentions, themes with confidence, sentiment."""

from __future__ import annotations

from fastapi import APIRouter

from api.comment_payloads import check_limits, reject_rows, score_rows, validated_responses
from api.deps import AnalystOnly, ApiKeyDep, ServicesDep, SettingsDep
from api.errors import CONFLICT, ERROR_RESPONSES, NOT_READY, TOO_LARGE
from api.schemas import ScorePublic, ScoreRequest

router = APIRouter(
    prefix="/v1/score",
    tags=["scoring"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT, **TOO_LARGE, **NOT_READY},
)


@router.post("", dependencies=[AnalystOnly])
def score(body: ScoreRequest, services: ServicesDep, settings: SettingsDep) -> ScorePublic:
    """Split each comment into mentions and give each its theme (with confidence) and
    sentiment, using the theme model of a finished run (``run_id``) or a named model.

    At most 1,000 comments of at most 20,000 characters each by default (413 past
    either). Scores are checked as in a file: a bad value is listed in ``rejects`` and
    ignored. Mention texts come back redacted; nothing is stored.
    """
    from analyzer.batch.setup import check_compatible
    from analyzer.pipeline import score_frame

    check_limits(body.comments, settings)
    saved = services.saved_model(run_id=body.run_id, name=body.model)
    responses, rejects = validated_responses(body.comments)
    with services.models.borrow() as components:
        check_compatible(saved.model, str(saved.folder), components)
        responses, mentions = score_frame(responses, saved.model, components)
    rows = score_rows(body.comments, responses, mentions, saved.labels)
    return ScorePublic.model_validate(
        {
            "data": rows,
            "count": len(rows),
            "run_id": body.run_id,
            "model": body.model,
            "rejects": reject_rows(rejects),
        }
    )
