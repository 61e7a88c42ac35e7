"""``cxa runs`` and ``cxa report-table``: list stored runs and print their summary tables."""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from analyzer.cli._common import DEFAULT_DB, DbOption, RunArgument, app, console, fail, open_run
from analyzer.errors import AnalyzerError, ConfigError


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Score(StrEnum):
    nps = "nps"
    csat = "csat"
    ces = "ces"


# Columns shown in the terminal per table; csv and json carry every column.
_SHOWN = {
    "scores": ["score", "figure", "value", "ci_low", "ci_high", "n", "low_n"],
    "themes": [
        "theme_id", "label", "responses", "share", "share_negative", "share_positive",
        "score", "impact", "impact_negative", "impact_positive", "low_n",
    ],
    "pain_points": [
        "rank", "label", "owner", "n_negative", "impact_negative", "trend", "low_n", "examples",
    ],
    "emerging": ["theme_id", "label", "status", "recent_share", "baseline_share", "z", "p_value"],
    "drivers": ["label", "sentiment", "weight", "share_of_r2", "n", "low_n"],
    "segments": [
        "segment_value", "label", "responses", "share", "share_significant", "score",
        "score_diff", "score_significant",
    ],
}  # fmt: skip


@app.command()
def runs(db: DbOption = DEFAULT_DB) -> None:
    """List the runs in a store, newest first."""
    from analyzer.store import Store

    try:
        listing = Store(db, read_only=True).list_runs()
    except AnalyzerError as exc:
        fail(exc)
    table = Table(title=f"Runs in {db}")
    for col in listing.columns:
        table.add_column(str(col))
    for row in listing.itertuples(index=False):
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@app.command("report-table")
def report_table(
    run: RunArgument = "latest",
    db: DbOption = DEFAULT_DB,
    score: Annotated[Score, typer.Option(help="Score for impact and pain points.")] = Score.nps,
    segment: Annotated[
        str | None, typer.Option(help="Segment column to compare, e.g. channel.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Only responses on or after this date.")] = None,
    until: Annotated[
        str | None, typer.Option(help="Only responses on or before this date.")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(help="Only responses with COLUMN=VALUE, e.g. language=es (repeatable)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.table,
    out: Annotated[
        Path | None,
        typer.Option(help="csv: folder for one file per table; json: file (default stdout)."),
    ] = None,
    top: Annotated[int, typer.Option(help="Rows per table in the terminal.", min=1)] = 15,
) -> None:
    """Print a run's scores, themes with impact, pain points, emerging themes and drivers.

    Impact is leave-one-out: the score of all responses minus the score of those that do not
    mention the theme (NPS points, -200..200). Figures on fewer than 30 responses are flagged
    low_n.
    """
    from analyzer.metrics.summary import Filters, summarize

    try:
        data = open_run(db, run)
        chosen = _where(where or [], data.segments)
        filters = Filters(since=since, until=until, segment=chosen)
        tables = summarize(data, score=score.value, segment=segment, filters=filters)
        if fmt is Format.table:
            _print_tables(tables, top, score.value)
        elif fmt is Format.csv:
            _write_csv(tables, out)
        else:
            _write_json(tables, out)
    except AnalyzerError as exc:
        fail(exc)


def _where(values: list[str], segments: list[str]) -> dict[str, str] | None:
    """``["language=es"]`` -> ``{"language": "es"}``, checked against the run's segments."""
    out: dict[str, str] = {}
    for value in values:
        column, sep, wanted = value.partition("=")
        if not sep or column.strip() not in segments:
            raise ConfigError(
                f"--where {value!r} is not COLUMN=VALUE with a segment column of the run; "
                f"its segment columns are: {', '.join(segments) or 'none'} (e.g. language=es)."
            )
        out[column.strip()] = wanted.strip()
    return out or None


@app.command()
def report(
    run: RunArgument = "latest",
    db: DbOption = DEFAULT_DB,
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "report.html"
    ),
    score: Annotated[Score, typer.Option(help="Score for impact and pain points.")] = Score.nps,
) -> None:
    """Write the theme report of a run: one self-contained HTML file, no network needed.

    Headline scores with intervals, what changed, themes by volume and sentiment, impact on
    the score, emerging and fading themes, segments, the hierarchy and redacted verbatims.
    Every chart's table can be downloaded as CSV from the page.
    """
    from analyzer.report import write_report
    from analyzer.store import Store

    try:
        store = Store(db, read_only=True)
        path = write_report(open_run(db, run), out, score=score.value, store=store)
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"report: [bold]{path.resolve()}[/]")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"
    if isinstance(value, list | tuple):
        return " | ".join(str(v)[:60] for v in value)
    return "-" if value is None else str(value)


# Columns that hold a figure of the chosen score: not shown for a run without its ratings.
_SCORE_FIGURES = {
    "themes": ["score", "impact", "impact_negative", "impact_positive", "low_n"],
    "pain_points": ["impact_negative", "low_n"],
    "segments": ["score", "score_diff", "score_significant"],
}
# Shown instead for such a run: what the pain points are ranked by.
_UNSCORED = {"pain_points": ["share_negative", "negative_baseline_share", "negative_recent_share"]}


def _print_tables(tables: dict[str, Any], top: int, score: str) -> None:
    scored = score in set(tables["scores"]["score"])
    if not scored:
        console.print(
            f"[yellow]This run has no {score.upper()} ratings: no score or impact is shown, "
            "and pain points are ranked by the responses with a negative mention.[/]"
        )
    for name, frame in tables.items():
        cols = [c for c in _SHOWN.get(name, list(frame.columns)) if c in frame.columns]
        if not scored:
            cols = [c for c in cols if c not in _SCORE_FIGURES.get(name, [])]
            extra = [c for c in _UNSCORED.get(name, []) if c in frame.columns]
            cols = cols[:4] + extra + cols[4:] if extra else cols
        if name == "scores" and frame.empty:
            console.print("scores: no NPS, CSAT or CES ratings in this run")
            continue
        table = Table(title=name.replace("_", " "), title_justify="left")
        for col in cols:
            table.add_column(col, overflow="fold")
        for row in frame[cols].head(top).itertuples(index=False):
            table.add_row(*(_cell(v) for v in row))
        console.print(table)


def _write_csv(tables: dict[str, Any], out: Path | None) -> None:
    if out is None:
        raise ConfigError("--format csv writes one file per table: pass --out FOLDER.")
    out.mkdir(parents=True, exist_ok=True)
    from analyzer.text.spreadsheet import spreadsheet_safe

    for name, frame in tables.items():
        path = out / f"{name}.csv"
        spreadsheet_safe(frame).to_csv(path, index=False)  # no cell runs as a formula
        console.print(f"wrote {path}")


def _write_json(tables: dict[str, Any], out: Path | None) -> None:
    payload = {
        name: json.loads(frame.to_json(orient="records", date_format="iso"))
        for name, frame in tables.items()
    }
    text = json.dumps(payload, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        console.print(f"wrote {out}")


__all__ = ["report", "report_table", "runs"]
