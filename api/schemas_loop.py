"""Bodies of the routes that close the loop: actions and their effect, suggestions, keys,
forgetting a respondent. Same conventions as :mod:`api.schemas` (undefined figures are
``null``, lists are ``{data, count}``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _aware(moment: datetime) -> datetime:
    """DuckDB's ``now()`` is stored in local time without a zone: say which zone that is.

    A pandas ``Timestamp`` (a subclass whose ``astimezone`` needs an argument) is turned
    into a plain ``datetime`` first.
    """
    if hasattr(moment, "to_pydatetime"):
        moment = moment.to_pydatetime()
    return moment if moment.tzinfo is not None else moment.astimezone()


Stamp = Annotated[datetime, AfterValidator(_aware)]
"""A timestamp that always carries its zone (RFC 3339 ``date-time``)."""

Role = Literal["viewer", "analyst", "admin"]
Verdict = Literal["worked", "got worse", "no detectable change", "not enough data"]
ActionStatus = Literal["open", "closed"]
SuggestionKind = Literal["rename", "merge", "split", "move", "seed", "note"]
SuggestionStatus = Literal["pending", "approved", "rejected"]
ThemeIds = list[int]

# -- actions -----------------------------------------------------------------------------------


class EstimatePublic(BaseModel):
    """A figure in one window with its 95 % interval and n."""

    name: str
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str


class ChangePublic(BaseModel):
    """One measure before and after: shares are fractions, impact and score in points."""

    measure: str
    before: EstimatePublic
    after: EstimatePublic
    change: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None


class EffectPublic(BaseModel):
    """Did the action work? ``changes`` has ``share``, ``negative_share``, ``impact`` and
    ``score``; ``verdict`` is about ``measure`` compared with the rest of the themes."""

    verdict: Verdict
    reason: str
    measure: str
    score: str
    theme_ids: list[int]
    effective: date
    before_start: date
    after_end: date
    n_before: int
    n_after: int
    adjusted_change: float | None = Field(
        description="The change beyond what the other themes saw (p1 - p0 * rest_ratio)."
    )
    relative_p_value: float | None
    rest_ratio: float | None = Field(description="Median after/before ratio of other themes.")
    n_rest_themes: int
    changes: dict[str, ChangePublic]


class ActionBase(BaseModel):
    """What was done, on which themes, by which team, from which day."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    effective: date = Field(description="The day it took effect (first day of the after window).")
    note: str | None = Field(default=None, max_length=2000)
    link: str | None = Field(default=None, max_length=2000)


class ActionCreate(ActionBase):
    """A new action on one or more themes of a finished run."""

    run_id: str = Field(min_length=1, max_length=128)
    theme_ids: ThemeIds = Field(min_length=1, max_length=50)


class ActionUpdate(BaseModel):
    """Fields to change; ``"status": "closed"`` closes the action."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=200)
    effective: date | None = None
    note: str | None = Field(default=None, max_length=2000)
    link: str | None = Field(default=None, max_length=2000)
    status: ActionStatus | None = None
    theme_ids: ThemeIds | None = Field(default=None, min_length=1, max_length=50)


class ActionPublic(ActionBase):
    """A recorded action, who recorded it, and its effect so far."""

    model_config = ConfigDict(extra="ignore")

    action_id: str
    run_id: str
    theme_ids: list[int]
    theme_labels: list[str] = Field(default_factory=list)
    status: ActionStatus
    created_at: Stamp
    created_by: str
    closed_at: Stamp | None = None
    closed_by: str | None = None
    effect: EffectPublic | None = None
    effect_error: str | None = Field(
        default=None, description="Why the effect cannot be measured (e.g. no dates)."
    )


class ActionsPublic(BaseModel):
    """Actions, newest effective date first."""

    data: list[ActionPublic]
    count: int


# -- suggestions -------------------------------------------------------------------------------


class SuggestionCreate(BaseModel):
    """A suggested codeframe change or a note on a theme.

    ``rename``: ``theme_ids=[id]``, ``label``. ``merge``: two or more ``theme_ids``
    (optional ``label``). ``split``: ``theme_ids=[id]``, ``parts``. ``move``:
    ``theme_ids=[id]``, ``parent`` (an id or a new parent's name). ``seed``: ``label`` and
    ``phrases`` (a new theme seeded with example phrases). ``note``: ``theme_ids=[id]`` and
    ``comment``.
    """

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(min_length=1, max_length=128)
    kind: SuggestionKind
    theme_ids: ThemeIds = Field(default_factory=list, max_length=50)
    label: str | None = Field(default=None, min_length=1, max_length=200)
    parts: int | None = Field(default=None, ge=2, le=10)
    parent: str | None = Field(default=None, min_length=1, max_length=200)
    phrases: list[str] | None = Field(default=None, min_length=1, max_length=50)
    comment: str | None = Field(default=None, max_length=2000)


class SuggestionReview(BaseModel):
    """An analyst's decision; the reason is kept with the suggestion."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=2000)


class SuggestionPublic(BaseModel):
    """A suggestion, its author and time, and its outcome."""

    suggestion_id: str
    run_id: str
    kind: SuggestionKind
    theme_ids: list[int]
    payload: dict[str, Any]
    comment: str | None
    author: str
    created_at: Stamp
    status: SuggestionStatus
    reviewer: str | None = None
    reviewed_at: Stamp | None = None
    reason: str | None = None
    result: dict[str, Any] | None = None


class SuggestionsPublic(BaseModel):
    """Suggestions, newest first."""

    data: list[SuggestionPublic]
    count: int


# -- keys and forgetting -----------------------------------------------------------------------


class KeyCreate(BaseModel):
    """A new API key."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role


class KeyPublic(BaseModel):
    """A key's record (never the key or its hash)."""

    key_id: str
    name: str
    role: Role
    created_at: Stamp
    created_by: str
    revoked_at: Stamp | None = None


class KeyCreatedPublic(KeyPublic):
    """A key just made: ``key`` is shown this once."""

    key: str


class KeysPublic(BaseModel):
    """Every key, oldest first."""

    data: list[KeyPublic]
    count: int


class WhoAmIPublic(BaseModel):
    """The name and role of the key that sent the request."""

    name: str
    role: Role


class ForgetPublic(BaseModel):
    """What was removed for one respondent: rows per table, files rewritten, cache entries."""

    response_id: str
    rows: dict[str, int]
    files: list[str]
    cache_entries: int


# -- teams -------------------------------------------------------------------------------------


class TeamThemePublic(BaseModel):
    """One of a team's themes."""

    theme_id: int
    label: str
    responses: int
    share: float | None
    share_negative: float | None
    impact: float | None
    status: str


class TeamPainPublic(BaseModel):
    """One of a team's pain points (rank among all themes)."""

    rank: int
    theme_id: int
    label: str
    n_negative: int
    cost: float | None
    trend: str | None
    examples: list[str]


class TeamPublic(BaseModel):
    """A team's page."""

    team: str
    themes: list[TeamThemePublic]
    pain_points: list[TeamPainPublic]
    actions: list[ActionPublic]
    open_actions: int


class TeamsPublic(BaseModel):
    """Team names."""

    data: list[str]
    count: int


class TrendPointPublic(BaseModel):
    """One week (or day) of an action's themes: share of commented responses mentioning them."""

    period_start: Stamp
    share: float | None
    responses: int
    n: int


class ActionTrendPublic(BaseModel):
    """The share of an action's themes per week (per day over a short span) around its date
    (for the marker chart)."""

    action_id: str
    effective: date
    verdict: Verdict | None
    data: list[TrendPointPublic]
