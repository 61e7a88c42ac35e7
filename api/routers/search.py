"""Query by topic: the mentions of a run closest in meaning to a free-text query."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from analyzer.embed import CachedEmbedder, Embedder
from analyzer.embed.search import nearest_mentions, themes_of_hits
from analyzer.tables import primary_rows
from api.deps import ApiKeyDep, FiltersDep, RunId, ServicesDep
from api.errors import CONFLICT, ERROR_RESPONSES, NOT_READY
from api.filters import MAX_LIMIT
from api.schemas import SearchPublic
from api.views import records

router = APIRouter(
    prefix="/v1/runs/{run_id}/search",
    tags=["search"],
    dependencies=[ApiKeyDep],
    responses={**ERROR_RESPONSES, **CONFLICT, **NOT_READY},
)


def uncached(embedder: Embedder) -> Embedder:
    """The embedder under its disk cache, if it has one."""
    return embedder.inner if isinstance(embedder, CachedEmbedder) else embedder


@router.get("")
def search(
    services: ServicesDep,
    run_id: RunId,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="What to look for.")],
    filters: FiltersDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits to return.")] = 20,
) -> SearchPublic:
    """The mentions closest in meaning to ``q`` (cosine over embeddings), best first, among
    the filtered responses; ``themes`` counts the hits per theme and ``count`` is the number
    of hits. Runs of 50,000 mentions or more are searched through an approximate index
    (candidates re-scored exactly; see ``analyzer.embed.search.VectorIndex``). The query is never
    logged."""
    data = services.finished_run(run_id)
    mask = services.run_view(run_id, "search-mask", repr(filters), filters.mention_mask)
    with services.models.borrow() as components:
        # Built once per run (the first search may embed every mention with this copy).
        index = services.mention_index(data, components.embedder)
        # Not through the disk cache: a query's hash has no business being stored.
        query = uncached(components.embedder).encode([q])[0]
    hits = nearest_mentions(query, primary_rows(data.mentions), index, limit, mask)
    labels = dict(zip(data.themes["theme_id"], data.themes["label"], strict=True))
    hits["theme_label"] = [labels.get(t) for t in hits["theme_id"]]
    cols = ["mention_id", "response_id", "text", "similarity", "theme_id", "theme_label"]
    rows = records(hits[[*cols, "sentiment", "sentiment_score"]])
    themes = records(themes_of_hits(hits, data.themes))
    return SearchPublic.model_validate({"data": rows, "count": len(rows), "themes": themes})
