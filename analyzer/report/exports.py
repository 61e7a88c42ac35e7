"""The tables behind the report's charts as CSV, and as ``data:`` URIs for download links.

A ``data:`` link downloads without JavaScript or a server, so the report stays one file
that works offline. Cells that spreadsheet programs would run as formulas are defused
(comments are untrusted input, and theme labels and verbatims come from them) by the rule
every CSV of the project follows (:mod:`analyzer.text.spreadsheet`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

from analyzer.report.content import ReportContent
from analyzer.text.spreadsheet import spreadsheet_safe


@dataclass(frozen=True)
class Download:
    """One CSV export: the file name offered and its ``data:`` URI."""

    key: str
    filename: str
    title: str
    href: str
    rows: int


def to_csv(table: pd.DataFrame) -> str:
    """``table`` as CSV text: lists joined with ``"; "``, formula-like text defused.

    Parameters
    ----------
    table : DataFrame
        Any table; text and list cells may hold untrusted text.

    Returns
    -------
    str
        CSV with a header row and ``\\n`` line ends, without the index.
    """
    return spreadsheet_safe(table).to_csv(index=False, lineterminator="\n")


def data_uri(csv_text: str) -> str:
    """A ``data:text/csv`` URI of ``csv_text`` with a UTF-8 byte-order mark for Excel."""
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + csv_text, safe="")


def _scores(content: ReportContent) -> pd.DataFrame:
    rows = []
    for kind, summary in content.scores.items():
        for est in (summary.headline, summary.secondary):
            rows.append((kind, est.name, est.value, est.ci_low, est.ci_high, est.n, est.method))
    return pd.DataFrame(rows, columns=["score", "figure", "value", "ci_low", "ci_high", "n", "ci"])


def _verbatims(content: ReportContent) -> pd.DataFrame:
    rows = [
        (d.theme_id, d.label, v.sentiment, v.date, v.rating, v.text)
        for d in content.details
        for v in d.verbatims
    ]
    columns = ["theme_id", "label", "sentiment", "date", content.score, "text"]
    return pd.DataFrame(rows, columns=columns)


SCORE_FIGURES = ("impact", "impact_negative", "impact_positive", "cost", "low_n")
"""With every ``score*`` column, the columns that hold a score figure (or flag its n): left
out of the theme tables of a run without ratings of the report's score, where they would be
empty. The score tables themselves are not linked from such a report."""


def _unscored(content: ReportContent, table: pd.DataFrame) -> pd.DataFrame:
    if content.has_score:
        return table
    drop = [c for c in table.columns if c in SCORE_FIGURES or str(c).startswith("score")]
    return table.drop(columns=[*drop, *([content.score] if content.score in table else [])])


def report_tables(content: ReportContent) -> dict[str, tuple[str, pd.DataFrame]]:
    """Every exported table by key: a human title and the table.

    Keys: ``scores``, ``score_trend``, ``top_level``, ``volume``, ``impact``, ``emerging``,
    ``theme_trends``, ``segment_scores``, ``segments``, ``hierarchy``, ``pain_points``,
    ``themes`` and ``verbatims``. In a run without ratings of the report's score the
    :data:`SCORE_FIGURES` columns are left out (the page then links no score table).
    """
    themes = content.themes
    period = content.windows.adjective
    base = ["theme_id", "label"]
    volume = [*base, "responses", "share", "mentions", "share_negative", "share_neutral"]
    impact = ["impact", "impact_negative", "impact_positive", "score", "score_n", "low_n"]
    hierarchy = [*base, "parent_id", "parent_label", "responses", "score", "score_n"]
    tables = {
        "scores": ("Headline scores", _scores(content)),
        "score_trend": (f"{period} scores", content.score_trend),
        "top_level": (
            "Top-level themes",
            content.top_level[
                [c for c in [*volume, "share_positive", "children"] if c in content.top_level]
            ],
        ),
        "volume": ("Theme volume and sentiment", themes[[*volume, "share_positive"]]),
        "impact": ("Theme impact", themes[[*base, *impact]]),
        "emerging": ("Emerging and fading themes", content.emerging),
        "theme_trends": (f"{period} theme shares", content.theme_trends),
        "segment_scores": ("Score by segment", content.segment_scores),
        "segments": ("Themes by segment", content.segments),
        "hierarchy": ("Theme hierarchy", themes[hierarchy]),
        "pain_points": ("Pain points", content.pain_points),
        "themes": ("All themes", themes),
        "verbatims": ("Verbatims", _verbatims(content)),
    }
    return {key: (title, _unscored(content, table)) for key, (title, table) in tables.items()}


def downloads(content: ReportContent) -> dict[str, Download]:
    """A :class:`Download` for every table of :func:`report_tables`, by the same keys."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", content.run_id).strip("._")
    prefix = f"{stem}-" if stem else ""
    return {
        key: Download(
            key=key,
            filename=f"{prefix}{key}.csv",
            title=title,
            href=data_uri(to_csv(table)),
            rows=len(table),
        )
        for key, (title, table) in report_tables(content).items()
    }


__all__ = ["Download", "data_uri", "downloads", "report_tables", "to_csv"]
