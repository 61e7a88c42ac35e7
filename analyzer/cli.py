"""The ``cxa`` command line: a thin adapter over the library.

Heavy libraries (torch, spaCy, BERTopic) are imported inside the commands that need them, so
``cxa --help`` answers at once.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from analyzer.errors import AnalyzerError

if TYPE_CHECKING:
    import pandas as pd

    from analyzer.pipeline import AnalysisResult

app = typer.Typer(
    name="cxa",
    help=(
        "Offline customer-feedback analyzer: finds the themes in survey comments, the "
        "sentiment of each, and how they move NPS, CSAT and CES. Nothing leaves this machine."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=False)
err_console = Console(stderr=True)

DEFAULT_OUT = Path("cxa-out")
DB_NAME = "cxa.duckdb"


def _fail(exc: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code=2)


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log each stage's timing to stderr.")
    ] = False,
) -> None:
    """Offline customer-feedback analyzer."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Argument(help="CSV file to write, e.g. demo.csv.")],
    rows: Annotated[int, typer.Option(help="Number of responses.", min=1)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 0,
) -> None:
    """Write a synthetic survey export (and its ground truth, for tests) to OUT."""
    from analyzer import demo

    export_path, truth_path = demo.write(out, rows, seed=seed)
    console.print(f"wrote {rows} responses to [bold]{export_path}[/]")
    console.print(f"ground truth (tests only): {truth_path}")


class _RichProgress:
    """Renders pipeline progress as rich progress bars (one per stage)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def start(self, stage: str, total: int | None) -> None:
        self._task = self._progress.add_task(stage, total=total)

    def advance(self, n: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def finish(self, stage: str, seconds: float) -> None:
        task = self._progress.tasks[-1]
        self._progress.update(
            self._task,
            completed=task.total or 1,
            total=task.total or 1,
            description=f"{stage} ({seconds:.1f}s)",
        )


def _progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    )


@app.command()
def analyze(
    export: Annotated[
        Path, typer.Argument(help="Survey export: CSV, TSV, XLSX, Parquet or JSONL.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results.")] = DEFAULT_OUT,
    text: Annotated[str | None, typer.Option(help="Column with the comment text.")] = None,
    id_col: Annotated[str | None, typer.Option("--id", help="Column with the response id.")] = None,
    date: Annotated[str | None, typer.Option(help="Column with the response date.")] = None,
    nps: Annotated[str | None, typer.Option(help="Column with NPS (0-10).")] = None,
    csat: Annotated[str | None, typer.Option(help="Column with CSAT (1-5).")] = None,
    ces: Annotated[str | None, typer.Option(help="Column with CES (1-7).")] = None,
    segment: Annotated[
        list[str] | None, typer.Option(help="Segment column (repeatable); default: detected.")
    ] = None,
    metric: Annotated[
        list[str] | None, typer.Option(help="Numeric metric column (repeatable), e.g. revenue.")
    ] = None,
    model: Annotated[
        str, typer.Option(help="Embedding model: 'minilm' (bundled) or a local model folder.")
    ] = "minilm",
    sentiment: Annotated[str, typer.Option(help="Sentiment backend name.")] = "default",
    seed: Annotated[int, typer.Option(help="Seed: same input, options and seed, same themes.")] = 0,
    top: Annotated[int, typer.Option(help="Themes to print.", min=1)] = 15,
) -> None:
    """Find themes, sentiment and scores in EXPORT; write a DuckDB store and Parquet files.

    Columns are detected from common names ("comment", "feedback", "likelihood to recommend",
    ...); pass --text, --nps, ... to override. Bad values go to rejects.csv with their file,
    row, column and reason; no row is dropped.
    """
    from analyzer.config import make_config
    from analyzer.ingest import ColumnMapping
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store

    try:
        config = make_config(embedding=model, sentiment=sentiment, seed=seed)
        mapping = ColumnMapping(
            text=text, id=id_col, date=date, nps=nps, csat=csat, ces=ces,
            segments=tuple(segment) if segment else None,
            metrics=tuple(metric) if metric else None,
        )  # fmt: skip
        out.mkdir(parents=True, exist_ok=True)
        with _progress_bar() as bar:
            run_id, result = analyze_and_store(
                export,
                Store(out / DB_NAME),
                mapping=mapping,
                config=config,
                progress=_RichProgress(bar),
                model_dir=out / "model",
            )
        written = _save_tables(result, out)
    except AnalyzerError as exc:
        _fail(exc)
        return
    _print_themes(result, top)
    _print_written(run_id, result, written)


def _save_tables(result: AnalysisResult, out: Path) -> dict[str, Path]:
    written = {
        "database": out / DB_NAME,
        "responses": out / "responses.parquet",
        "mentions": out / "mentions.parquet",
        "themes": out / "themes.parquet",
        "rejects": out / "rejects.csv",
        "model": out / "model",
    }
    result.responses.to_parquet(written["responses"], index=False)
    result.mentions.to_parquet(written["mentions"], index=False)
    result.themes.to_parquet(written["themes"], index=False)
    result.rejects.to_csv(written["rejects"], index=False)
    return written


def _theme_summary(
    responses: pd.DataFrame, mentions: pd.DataFrame, themes: pd.DataFrame
) -> pd.DataFrame:
    """Per theme: share of responses, sentiment mix and average NPS of those who mention it."""
    import pandas as pd

    assigned = mentions[mentions["theme_id"] >= 0]
    n_resp = max(1, len(responses))
    nps = responses.set_index("response_id")["nps"]
    rows = []
    for theme in themes.itertuples():
        m = assigned[assigned["theme_id"] == theme.theme_id]
        rids = m["response_id"].unique()
        mix = m["sentiment"].value_counts(normalize=True)
        scores = pd.to_numeric(nps.reindex(rids), errors="coerce").dropna()
        rows.append(
            {
                "theme_id": theme.theme_id,
                "label": theme.label,
                "parent": getattr(theme, "parent_label", "") or "",
                "responses": len(rids),
                "share": len(rids) / n_resp,
                "neg": float(mix.get("negative", 0.0)),
                "neu": float(mix.get("neutral", 0.0)),
                "pos": float(mix.get("positive", 0.0)),
                "avg_nps": float(scores.mean()) if len(scores) else float("nan"),
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    return table.sort_values(["responses", "theme_id"], ascending=[False, True])


def _print_themes(result: AnalysisResult, top: int) -> None:
    summary = _theme_summary(result.responses, result.mentions, result.themes)
    table = Table(title=f"Top themes ({len(result.themes)} found)", show_lines=False)
    for col, justify in [
        ("id", "right"), ("theme", "left"), ("share of responses", "right"),
        ("sentiment (neg / neu / pos)", "center"), ("avg NPS", "right"),
    ]:  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for row in summary.head(top).itertuples():
        avg = "-" if row.avg_nps != row.avg_nps else f"{row.avg_nps:.1f}"
        table.add_row(
            str(row.theme_id),
            str(row.label),
            f"{row.share:.1%}",
            f"{row.neg:.0%} / {row.neu:.0%} / {row.pos:.0%}",
            avg,
        )
    console.print(table)
    unassigned = int((result.mentions["theme_id"] < 0).sum())
    console.print(
        f"{len(result.responses)} responses, {len(result.mentions)} mentions, "
        f"{unassigned} unassigned, {len(result.rejects)} rejected values"
    )


def _print_written(run_id: str, result: AnalysisResult, written: dict[str, Path]) -> None:
    console.print(f"run [bold]{run_id}[/]")
    for name, path in written.items():
        console.print(f"  {name:<10} {path}")
    if len(result.rejects):
        console.print(
            f"[yellow]{len(result.rejects)} values were rejected; see {written['rejects']}[/]"
        )


def run() -> None:
    """Entry point used by ``python -m analyzer``."""
    app()


__all__ = ["app", "run"]
