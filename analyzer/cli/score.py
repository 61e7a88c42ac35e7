"""``cxa score``: score a new export with a saved theme model, in chunks, resumably."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from analyzer.cli._common import DB_NAME, app, console, err_console, fail
from analyzer.errors import AnalyzerError

if TYPE_CHECKING:
    from rich.progress import Progress, Task
    from rich.text import Text

    from analyzer.batch import BatchResult


def _rate_column() -> Any:
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Comments per second over the run so far."""

        def render(self, task: Task) -> Text:
            elapsed = task.finished_time if task.finished else task.elapsed
            if not elapsed or not task.completed:
                return Text("- comments/s", style="progress.data.speed")
            return Text(f"{task.completed / elapsed:,.0f} comments/s", style="progress.data.speed")

    return RateColumn()


class _Bar:
    """Adapts a rich progress display to the pipeline's Progress protocol."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: Any = None

    def start(self, stage: str, total: int | None) -> None:
        self._task = self._progress.add_task(stage, total=total)

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def finish(self, stage: str, seconds: float) -> None:
        done = self._progress.tasks[-1].completed
        self._progress.update(self._task, total=done, description=f"{stage} ({seconds:.1f}s)")


def _progress_bar() -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        _rate_column(),
        TimeElapsedColumn(),
        console=err_console,
    )


@app.command()
def score(
    export: Annotated[Path, typer.Argument(help="New survey export: CSV, TSV, Parquet or JSONL.")],
    model: Annotated[
        Path, typer.Option("--model", "-m", help="Saved theme model: DIR/model of 'cxa analyze'.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the scored Parquet files.")],
    db: Annotated[
        Path | None, typer.Option(help=f"DuckDB store to add the rows to [default: OUT/{DB_NAME}].")
    ] = None,
    fast: Annotated[
        bool,
        typer.Option(
            "--fast",
            help="Static embeddings distilled from MiniLM and rule-based redaction (no person "
            "names): for big backfills. Needs a model fitted with 'cxa analyze --model static'.",
        ),
    ] = False,
    embedding: Annotated[
        str | None,
        typer.Option(help="Embedder (minilm, onnx, onnx-int8, static) [default: the model's]."),
    ] = None,
    spacy_model: Annotated[
        str | None,
        typer.Option(help="spaCy model for redaction [default: en_core_web_sm; blank if --fast]."),
    ] = None,
    sentiment: Annotated[str, typer.Option(help="Sentiment backend name.")] = "default",
    chunk_rows: Annotated[int, typer.Option(help="Rows per chunk.", min=1)] = 5000,
    workers: Annotated[
        int,
        typer.Option(
            help="Scoring processes. 1 (default) overlaps text processing with embedding in "
            "one process; N > 1 scores whole chunks in N processes (for --fast on many cores).",
            min=1,
        ),
    ] = 1,
    dask: Annotated[
        str | None,
        typer.Option(help="Score on Dask: 'local:N' workers here, or a scheduler address."),
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Continue an interrupted job in OUT; --no-resume starts over.")
    ] = True,
    merge: Annotated[
        bool, typer.Option(help="Also merge the parts into OUT/responses.parquet etc.")
    ] = True,
) -> None:
    """Score EXPORT with a saved theme model: themes and sentiment per mention.

    The export is streamed in chunks (constant memory); each chunk is written to
    OUT/parts/ and its rows replace earlier ones of the same export and model in the store,
    so scoring a file again never duplicates rows. An interrupted run resumes where it
    stopped.
    """
    from analyzer.batch import ScoringSpec, resolve_embedding, score_export
    from analyzer.config import make_config

    try:
        model_dir = str(model.expanduser().resolve())
        name = resolve_embedding(model_dir, fast=fast, requested=embedding)
        text_model = spacy_model or ("blank" if fast else "en_core_web_sm")
        config = make_config(
            embedding=name, spacy_model=text_model, sentiment=sentiment, use_cache=False
        )
        spec = ScoringSpec(model_dir=model_dir, config=config)
        with _progress_bar() as bar:
            result = score_export(
                export,
                spec,
                out,
                db=db if db is not None else out / DB_NAME,
                chunk_rows=chunk_rows,
                resume=resume,
                workers=workers,
                dask=dask,
                merge=merge,
                progress=_Bar(bar),
            )
    except AnalyzerError as exc:
        fail(exc)
    _print_result(result, name)


def _print_result(result: BatchResult, embedding: str) -> None:
    rate = result.n_responses / result.seconds if result.seconds else 0.0
    skipped = f" ({result.n_skipped} finished earlier)" if result.n_skipped else ""
    console.print(
        f"scored {result.n_responses:,} responses, {result.n_mentions:,} mentions in "
        f"{result.n_chunks} chunks{skipped}: {result.seconds:.1f}s, {rate:,.0f} comments/s "
        f"(embedder {embedding})"
    )
    console.print(f"export fingerprint [bold]{result.fingerprint}[/]")
    console.print(f"  {'parts':<10} {result.out / 'parts'}")
    for table, path in result.files.items():
        console.print(f"  {table:<10} {path}")
    if result.n_rejects:
        console.print(f"[yellow]{result.n_rejects} values were rejected; see rejects.parquet[/]")


__all__ = ["score"]
