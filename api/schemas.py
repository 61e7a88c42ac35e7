"""Request and response bodies: one schema family per entity (``XBase``, ``XPublic``,
``XsPublic{data, count}``), following the FastAPI full-stack template.

Figures that can be undefined (a score with no scored response, an impact with nobody
left out) are ``null``, never NaN.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas_trends import TrendContext

RunStatus = Literal["queued", "running", "done", "failed"]
StageState = Literal["pending", "running", "done", "failed"]
Sentiment = Literal["negative", "neutral", "positive"]
ScoreKind = Literal["nps", "csat", "ces"]
ScoreBand = Literal["promoter", "passive", "detractor"]
Trend = Literal["emerging", "fading", "stable", "insufficient_data"]
MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$"


# -- errors ------------------------------------------------------------------------------------


class FieldErrorPublic(BaseModel):
    """One problem found in the request: where (``["query", "limit"]``) and what."""

    loc: list[str | int]
    msg: str


class ErrorPublic(BaseModel):
    """Every error response: a message that names the problem and how to fix it."""

    detail: str
    errors: list[FieldErrorPublic] = Field(default_factory=list)


# -- health ------------------------------------------------------------------------------------


class HealthPublic(BaseModel):
    """Liveness or readiness of the service."""

    status: Literal["ok", "loading", "failed"]
    detail: str | None = None


# -- runs --------------------------------------------------------------------------------------


class ColumnMappingIn(BaseModel):
    """Explicit column choices for an upload; any role left out is detected from its name."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description="Column with the comment text.")
    id: str | None = Field(default=None, description="Column with the response id.")
    date: str | None = Field(default=None, description="Column with the response date.")
    nps: str | None = Field(default=None, description="Column with NPS (0-10).")
    csat: str | None = Field(default=None, description="Column with CSAT (1-5).")
    ces: str | None = Field(default=None, description="Column with CES (1-7).")
    segments: list[str] | None = Field(default=None, description="Segment columns.")
    metrics: list[str] | None = Field(default=None, description="Numeric metric columns.")


class StagePublic(BaseModel):
    """One pipeline stage of a run and how far it got."""

    name: str
    state: StageState


class RunBase(BaseModel):
    """What identifies a run and where it stands."""

    run_id: str
    status: RunStatus
    stage: str | None = Field(description="The current (or last) stage.")
    source: str = Field(description="File name of the analysed export.")


class RunPublic(RunBase):
    """A run, its progress by stage and, once done, its size."""

    created_at: datetime | None = None
    error: str | None = Field(default=None, description="Why the run failed.")
    stages: list[StagePublic]
    n_responses: int | None = None
    n_mentions: int | None = None
    n_rejects: int | None = None
    segments: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)
    segment_values: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Values of each segment column (finished runs, GET /v1/runs/{run_id}).",
    )


class RunsPublic(BaseModel):
    """A page of runs, newest first; ``count`` is the number of runs in all pages."""

    data: list[RunPublic]
    count: int


class RejectPublic(BaseModel):
    """A value that could not be used: its row, column, value and why."""

    row: int
    column: str
    value: str
    reason: str


class RejectsPublic(BaseModel):
    """A page of a run's rejects; ``count`` is the number in all pages."""

    data: list[RejectPublic]
    count: int


# -- scores ------------------------------------------------------------------------------------


class ScoreFigurePublic(BaseModel):
    """A headline or secondary figure of a score with its 95% interval."""

    score: ScoreKind
    figure: str = Field(description="e.g. nps, promoters_pct, csat_pct, csat_mean, ces_mean.")
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    low_n: bool


class ScoreTrendPublic(BaseModel):
    """A score's headline in one period (a month, week or day: see ``TrendContext``)."""

    score: ScoreKind
    period: str
    period_start: date = Field(description="First day of the period.")
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    low_n: bool


class ScoresPublic(BaseModel):
    """NPS, CSAT and CES of the filtered responses, and their trend per period; a score
    without ratings in them has no figure and no trend (never a null with ``n = 0``)."""

    data: list[ScoreFigurePublic]
    count: int
    trend: list[ScoreTrendPublic]


# -- themes ------------------------------------------------------------------------------------


class ThemeBase(BaseModel):
    """A theme of the codeframe."""

    theme_id: int
    label: str
    keywords: list[str] = Field(default_factory=list)
    parent_id: int = -1
    parent_label: str | None = None
    owner: str | None = None
    kind: Literal["named", "residual", "seed"] = Field(
        default="named",
        description="named: its label is said by most of its mentions (see coverage, lift); "
        "residual: what no phrase named in its part of the map ('Flight: other'), counted, "
        "never ranked as a pain point; seed: an analyst's seeded theme.",
    )
    coverage: float | None = Field(
        default=None,
        description="Share of the theme's mentions that say its label (when fitted).",
    )
    lift: float | None = Field(
        default=None,
        description="Coverage over the share of the other mentions that say the label.",
    )


class ThemePublic(ThemeBase):
    """A theme with its figures over the filtered responses (see ``analyzer.metrics``)."""

    responses: int = Field(description="Responses mentioning the theme (each counted once).")
    share: float | None = Field(description="Of the responses with a comment.")
    mentions: int
    share_negative: float | None
    share_neutral: float | None
    share_positive: float | None
    n_negative: int
    n_positive: int
    score: float | None = Field(description="Headline score of the responses mentioning it.")
    score_ci_low: float | None
    score_ci_high: float | None
    score_n: int
    impact: float | None = Field(description="Overall score minus the score without them.")
    impact_negative: float | None
    impact_positive: float | None
    low_n: bool
    trend: Trend | None = Field(
        description="Share in the last two periods (months, weeks or days) vs before."
    )


class ThemesPublic(TrendContext):
    """A page of themes, most mentioned first; ``count`` is the number in all pages."""

    data: list[ThemePublic]
    count: int
    score: ScoreKind


class ExamplePublic(BaseModel):
    """A verbatim (redacted mention) of a theme."""

    mention_id: str
    response_id: str
    text: str
    sentiment: str
    sentiment_score: float | None
    confidence: float | None


class TrendPointPublic(BaseModel):
    """A theme's share and score in one period (a month, week or day)."""

    period: str
    period_start: date = Field(description="First day of the period.")
    n_commented: int
    responses: int
    share: float | None
    score: float | None
    score_n: int


class ThemeDetailPublic(ThemePublic):
    """A theme with example verbatims and its trend per period."""

    examples: list[ExamplePublic]
    trend_series: list[TrendPointPublic]


class ThemeUpdate(BaseModel):
    """A codeframe edit: new label and/or owner (``owner: null`` clears it)."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = Field(default=None, min_length=1, max_length=120)
    owner: str | None = Field(default=None, max_length=120)


class ThemeMerge(BaseModel):
    """Merge themes into the first one listed, optionally relabelling it."""

    model_config = ConfigDict(extra="forbid")

    theme_ids: list[int] = Field(min_length=2, max_length=100)
    label: str | None = Field(default=None, min_length=1, max_length=120)


# -- pain points -------------------------------------------------------------------------------


class PainPointPublic(BaseModel):
    """A theme with negative mentions, ranked by the score they cost."""

    rank: int
    theme_id: int
    label: str
    owner: str | None
    responses: int
    n_negative: int
    negative_mentions: int
    share_negative: float | None
    score: float | None
    impact: float | None
    impact_negative: float | None
    cost: float | None = Field(description="Score points lost to the negative mentions.")
    trend: Trend | None
    negative_recent_share: float | None = Field(
        description="Share of commented responses with a negative mention of the theme in "
        "the recent window."
    )
    negative_baseline_share: float | None
    negative_trend: Trend | None = Field(description="The trend of its negative mentions.")
    low_n: bool
    examples: list[str]


class PainPointsPublic(TrendContext):
    """A page of pain points in rank order (``ranked_by``); ``count`` is the number in all
    pages."""

    data: list[PainPointPublic]
    count: int
    score: ScoreKind


# -- scored exports (cxa score) ----------------------------------------------------------------

ThemeLabels = Literal["model", "theme_ids"]


class ScoredExportPublic(BaseModel):
    """An export scored by ``cxa score`` with a saved theme model."""

    fingerprint: str = Field(description="Key of the export's bytes and the theme model.")
    source: str = Field(description="File name of the scored export.")
    model: str = Field(description="Folder name of the theme model that scored it.")
    embedding: str
    status: Literal["running", "done"]
    updated_at: datetime | None = None


class ScoredExportsPublic(BaseModel):
    """A page of scored exports, newest first; ``count`` is the number in all pages."""

    data: list[ScoredExportPublic]
    count: int


class _ScoredSource(BaseModel):
    """Which scored export a list is of, and where its theme labels come from."""

    fingerprint: str
    theme_labels: ThemeLabels = Field(
        description="`model`: the theme model's codeframe; `theme_ids`: its folder is not "
        "reachable, so themes are named by id only (see `note`)."
    )
    note: str | None = None


class ScoredThemesPublic(ThemesPublic, _ScoredSource):
    """A scored export's themes; ``theme_labels`` says where the labels come from."""


class ScoredPainPointsPublic(PainPointsPublic, _ScoredSource):
    """A scored export's pain points; ``theme_labels`` says where the labels come from."""


# -- search ------------------------------------------------------------------------------------


class SearchHitPublic(BaseModel):
    """A mention close in meaning to the query."""

    mention_id: str
    response_id: str
    text: str
    similarity: float = Field(description="Cosine similarity to the query, in [-1, 1].")
    theme_id: int
    theme_label: str | None
    sentiment: str
    sentiment_score: float | None


class ThemeCountPublic(BaseModel):
    """How many of the hits fall under a theme (``-1``: no theme)."""

    theme_id: int
    label: str | None
    count: int


class SearchPublic(BaseModel):
    """The closest mentions, best first, and the themes they fall under."""

    data: list[SearchHitPublic]
    count: int
    themes: list[ThemeCountPublic]


# -- scoring -----------------------------------------------------------------------------------


class CommentIn(BaseModel):
    """One comment to score. Scores are checked as in a file: a bad value is reported in
    ``rejects`` and ignored, not refused."""

    model_config = ConfigDict(extra="forbid")

    id: str | int | None = Field(default=None, description="Your id; default `row-<n>`.")
    text: str = Field(description="The comment (at most 20,000 characters by default).")
    nps: int | str | None = Field(default=None, description="0-10.")
    csat: int | str | None = Field(default=None, description="1-5.")
    ces: int | str | None = Field(default=None, description="1-7.")
    date: str | None = Field(default=None, description="e.g. 2024-03-31.")


class ScoreRequest(BaseModel):
    """Comments to score with a saved theme model: a run's (``run_id``) or a named one."""

    model_config = ConfigDict(extra="forbid")

    comments: list[CommentIn] = Field(
        min_length=1, description="At most 1,000 comments by default (413 past it)."
    )
    run_id: str | None = Field(
        default=None, max_length=128, description="Use the model of this run."
    )
    model: str | None = Field(
        default=None,
        pattern=MODEL_NAME_PATTERN,
        description="Use the model folder of this name in the service's models folder.",
    )


class MentionThemePublic(BaseModel):
    """Another theme a mention names, with the mention's sentiment toward it."""

    theme_id: int
    theme_label: str | None
    confidence: float | None
    sentiment: str
    sentiment_score: float | None


class MentionScorePublic(BaseModel):
    """A mention of a scored comment (redacted) with its theme and sentiment."""

    position: int
    text: str
    theme_id: int
    theme_label: str | None
    confidence: float | None
    sentiment: str
    sentiment_score: float | None
    language: str | None = Field(default=None, description="ISO 639-1 code or 'unknown'.")
    other_themes: list[MentionThemePublic] = Field(
        default_factory=list,
        description="Other themes the mention names ('the staff and the food were great' "
        "names staff and food), each with the mention's sentiment toward it.",
    )


class CommentThemePublic(BaseModel):
    """A theme a comment mentions, with the highest confidence among its mentions."""

    theme_id: int
    label: str | None
    confidence: float | None
    mentions: int


class CommentScorePublic(BaseModel):
    """One scored comment, in request order."""

    index: int = Field(description="Position in the request, from 0.")
    id: str
    sentiment: str | None = Field(description="Overall: negative, neutral, positive or mixed.")
    sentiment_score: float | None
    language: str | None = Field(default=None, description="ISO 639-1 code or 'unknown'.")
    mentions: list[MentionScorePublic]
    themes: list[CommentThemePublic]


class ScoreRejectPublic(RejectPublic):
    """A value of a comment that could not be used (``index`` is its position)."""

    index: int


class ScorePublic(BaseModel):
    """Every comment scored, and the values that were rejected."""

    data: list[CommentScorePublic]
    count: int
    run_id: str | None
    model: str | None
    rejects: list[ScoreRejectPublic]
