"""``cxa score``: score a new export with a saved theme model, in chunks, resumably."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from analyzer.cli._common import DB_NAME, RichProgress, app, console, fail, progress_bar
from analyzer.errors import AnalyzerError

if TYPE_CHECKING:
    from analyzer.batch import BatchResult


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
    sentiment: Annotated[
        str,
        typer.Option(
            help="Sentiment backend: default (minilm-aspect, toward each theme), "
            "minilm-sentiment (clause level), vader."
        ),
    ] = "default",
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
        with progress_bar(rate=True) as bar:
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
                progress=RichProgress(bar),
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
        console.print(f"[yellow]{result.n_rejects} values were rejected; see rejects.csv[/]")


__all__ = ["score"]
