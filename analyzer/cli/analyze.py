"""``cxa demo-data`` and ``cxa analyze``: make a demo export, analyze an export."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from analyzer.cli._common import (
    DB_NAME,
    DEFAULT_OUT,
    RichProgress,
    app,
    console,
    fail,
    progress_bar,
)
from analyzer.errors import AnalyzerError
from analyzer.tables import primary_rows

if TYPE_CHECKING:
    from analyzer.config import AnalysisConfig
    from analyzer.pipeline import AnalysisResult, Components
    from analyzer.pipeline.sampling import RestScorer
    from analyzer.themes import Codeframe

log = logging.getLogger(__name__)


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Argument(help="CSV file to write, e.g. demo.csv.")],
    rows: Annotated[int, typer.Option(help="Number of responses.", min=1)] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same file.")] = 0,
    fall_after: Annotated[
        str | None,
        typer.Option(
            help="Plant the app-crash theme in every response before this date (YYYY-MM-DD) "
            "and let it fall back afterwards (to try 'cxa actions'); default: it grows at the end."
        ),
    ] = None,
) -> None:
    """Write a synthetic survey export (and its ground truth, for tests) to OUT."""
    from analyzer import demo

    try:
        export_path, truth_path = demo.write(out, rows, seed=seed, fall_after=fall_after)
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"wrote {rows} responses to [bold]{export_path}[/]")
    console.print(f"ground truth (tests only): {truth_path}")


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
    sentiment: Annotated[
        str,
        typer.Option(
            help="Sentiment backend: default (minilm-sentiment, clause level, with the "
            "bundled MiniLM; vader with other models), minilm-aspect (toward each theme), "
            "vader."
        ),
    ] = "default",
    seed: Annotated[int, typer.Option(help="Seed: same input, options and seed, same themes.")] = 0,
    top: Annotated[int, typer.Option(help="Themes to print.", min=1)] = 15,
    multilingual: Annotated[
        bool,
        typer.Option(help="Non-English comments: multilingual encoder and sentiment."),
    ] = True,
    seed_from_bertopic: Annotated[
        Path | None,
        typer.Option(
            "--seed-from-bertopic",
            help="A saved BERTopic model (a folder saved with safetensors, or a pickle file you "
            "trust): each of its topics becomes a seeded theme with the topic's label, anchored "
            "on its representative documents (or top words).",
        ),
    ] = None,
    fit_sample: Annotated[
        int | None,
        typer.Option(
            help="Fit the themes on this many responses, sampled by month, and assign the "
            "others to them. Default: every response up to 150,000, a sample of 100,000 "
            "above. 0: always every response.",
            min=0,
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            help="Score the responses outside the fit sample on Dask: 'local:N' workers "
            "here, or a scheduler address (the --out folder must then be shared)."
        ),
    ] = None,
) -> None:
    """Find themes, sentiment and scores in EXPORT; write a DuckDB store and Parquet files.

    Columns are detected from common names ("comment", "feedback", "likelihood to recommend",
    ...); pass --text, --nps, ... to override. Bad values go to rejects.csv (and
    rejects.parquet) with their file, row, column and reason; no row is dropped.
    """
    from analyzer.config import make_config
    from analyzer.ingest import ColumnMapping
    from analyzer.pipeline import Components, analyze_and_store
    from analyzer.store import Store

    try:
        config = make_config(
            embedding=model,
            sentiment=sentiment,
            seed=seed,
            multilingual=multilingual,
            fit_sample=fit_sample,
        )
        mapping = ColumnMapping(
            text=text, id=id_col, date=date, nps=nps, csat=csat, ces=ces,
            segments=tuple(segment) if segment else None,
            metrics=tuple(metric) if metric else None,
        )  # fmt: skip
        components = Components.from_config(config)
        codeframe = _bertopic_seeds(seed_from_bertopic, components) if seed_from_bertopic else None
        out.mkdir(parents=True, exist_ok=True)
        with progress_bar() as bar, TemporaryDirectory(dir=out, prefix=".fit-") as tmp:
            run_id, result = analyze_and_store(
                export,
                Store(out / DB_NAME),
                mapping=mapping,
                config=config,
                components=components,
                progress=RichProgress(bar),
                model_dir=out / "model",
                codeframe=codeframe,
                score_rest=_dask_scorer(dask, config, Path(tmp)),
            )
        with _timed("files"):
            written = _save_tables(result, out)
        with _timed("report"):
            written["report"] = _write_report(out, run_id)
    except AnalyzerError as exc:
        fail(exc)
    _print_themes(result, top)
    sample = result.info.get("fit_sample")
    if sample:
        console.print(
            f"Themes fitted on {sample['responses']:,} of {sample['of']:,} responses (sampled "
            "by month); the others were assigned to them" + (" on Dask." if dask else ".")
        )
    elif dask:
        console.print("[yellow]--dask was not needed: every response was fitted here.[/]")
    _print_written(run_id, result, written)


def _bertopic_seeds(path: Path, components: Components) -> Codeframe:
    """The topics of the BERTopic model at ``path`` as a codeframe of seed themes."""
    from analyzer.interop import codeframe_from_bertopic

    codeframe, seeds = codeframe_from_bertopic(path, components.processor)
    on_words = sum(s.anchored_on == "top words" for s in seeds)
    console.print(
        f"{len(seeds)} seed themes from the BERTopic model {path}"
        + (f" ({on_words} anchored on top words: no representative documents)" if on_words else "")
    )
    return codeframe


@contextmanager
def _timed(stage: str) -> Iterator[None]:
    """Log how long a step after the pipeline took, as the pipeline logs its stages (-v)."""
    t0 = time.perf_counter()
    yield
    log.info("stage %s took %.2f s", stage, time.perf_counter() - t0)


def _dask_scorer(address: str | None, config: AnalysisConfig, folder: Path) -> RestScorer | None:
    """What scores the responses outside a fit sample: Dask at ``address``, else None (here)."""
    if address is None:
        return None
    from analyzer.batch.distributed import rest_scorer

    return rest_scorer(address, config, folder)


def _save_tables(result: AnalysisResult, out: Path) -> dict[str, Path]:
    from analyzer.pipeline.runs import write_tables

    tables = {
        "responses": result.responses,
        "mentions": result.mentions,
        "themes": result.themes,
        "rejects": result.rejects,
    }
    return {"database": out / DB_NAME, **write_tables(out, tables), "model": out / "model"}


def _write_report(out: Path, run_id: str) -> Path:
    from analyzer.report import write_report
    from analyzer.store import Store

    return write_report(Store(out / DB_NAME, read_only=True).load_run(run_id), out / "report.html")


def _print_themes(result: AnalysisResult, top: int) -> None:
    from analyzer.metrics import theme_table
    from analyzer.metrics.scores import has_scores

    summary = theme_table(result.responses, result.mentions, result.themes, "nps")
    scored = has_scores(result.responses, "nps")  # no NPS column: no NPS figure
    table = Table(
        title=f"Top themes ({len(result.themes)} found)",
        caption="share: of responses with a comment"
        + ("; NPS: of the responses mentioning the theme" if scored else "; the export has no NPS"),
    )
    columns = [
        ("id", "right"),
        ("theme", "left"),
        ("share", "right"),
        ("neg / neu / pos", "center"),
    ]
    for col, justify in columns + ([("NPS", "right")] if scored else []):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    rows: list[dict[Any, Any]] = summary.head(top).to_dict("records")
    for row in rows:
        mix = [_pct(row[f"share_{s}"]) for s in ("negative", "neutral", "positive")]
        cells = [str(row["theme_id"]), str(row["label"]), f"{row['share']:.1%}", " / ".join(mix)]
        if scored:
            cells.append(_score_cell(float(row["score"]), bool(row["low_n"])))
        table.add_row(*cells)
    console.print(table)
    from analyzer.themes.model import NO_TOPIC

    unassigned = int((result.mentions["theme_id"] == -1).sum())
    no_topic = int((result.mentions["theme_id"] == NO_TOPIC).sum())
    line = _agreement_line(result.info.get("sentiment_agreement", {}))
    if line:
        console.print(line)
    console.print(
        f"{len(result.responses)} responses, {len(primary_rows(result.mentions))} mentions, "
        f"{no_topic} with no specific topic, {unassigned} unassigned, "
        f"{len(result.rejects)} rejected values"
    )


def _agreement_line(agreement: dict[str, Any]) -> str | None:
    """One sentence on how mention sentiment agrees with NPS (None without NPS)."""
    nps = agreement.get("nps") or {}
    low, high = nps.get("detractor") or {}, nps.get("promoter") or {}
    if not low.get("n") or not high.get("n") or low.get("agreement") is None:
        return None
    return (
        f"Sentiment vs NPS: {low['agreement']:.0%} of detractors' comments read negative "
        f"(n={low['n']}), {high['agreement']:.0%} of promoters' read positive (n={high['n']}); "
        "low figures mean the model and the scores disagree."
    )


def _score_cell(value: float, low_n: bool) -> str:
    if value != value:
        return "-"
    return f"{value:+.0f}" + (" (low n)" if low_n else "")


def _pct(value: float) -> str:
    return "-" if value != value else f"{value:.0%}"


def _print_written(run_id: str, result: AnalysisResult, written: dict[str, Path]) -> None:
    console.print(f"run [bold]{run_id}[/]")
    for name, path in written.items():
        console.print(f"  {name:<10} {path}")
    if len(result.rejects):
        console.print(
            f"[yellow]{len(result.rejects)} values were rejected; see {written['rejects_csv']}[/]"
        )
    console.print(f"Open the theme report: [bold]{written['report'].resolve()}[/]")


@app.command(
    "train-sentiment",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def train_sentiment(ctx: typer.Context) -> None:
    """Train the sentiment model from the labelled data in ../shared/data (see the model card).

    Options are passed to the trainer; run 'cxa train-sentiment --help-trainer' to list them.
    Writes models/sentiment/aspect/ (or --out DIR; with --sources sst2,semeval,uci the
    clause-level models/sentiment/). Takes tens of minutes on 2 cores.
    """
    from analyzer.sentiment.train_command import main as train

    args = ["--help" if a == "--help-trainer" else a for a in ctx.args]
    raise typer.Exit(code=train(args))


__all__ = ["analyze", "demo_data", "train_sentiment"]
