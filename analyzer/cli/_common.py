"""What every ``cxa`` command shares: the Typer app, consoles, error exit and progress bars."""

from __future__ import annotations

import inspect
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

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


def _reflow(text: str) -> str:
    """A command's help with each paragraph on one line, so the help formatter wraps it to
    the terminal (Typer keeps a docstring's line breaks: "leave every run / and scored
    export" broke mid-sentence on an 80-column terminal)."""
    text = inspect.cleandoc(text).partition("\f")[0]
    return "\n\n".join(
        " ".join(line.strip() for line in p.splitlines()) for p in text.split("\n\n")
    )


def reflow_help(typer_app: typer.Typer) -> None:
    """Reflow the help of every command of ``typer_app`` and of its command groups."""
    for command in typer_app.registered_commands:
        doc = command.help or (command.callback.__doc__ if command.callback else None)
        if doc:
            command.help = _reflow(doc)
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            reflow_help(group.typer_instance)


console = Console(stderr=False)
err_console = Console(stderr=True)

DEFAULT_OUT = Path("cxa-out")
DB_NAME = "cxa.duckdb"
DEFAULT_DB = DEFAULT_OUT / DB_NAME

DbOption = Annotated[
    Path, typer.Option("--db", help="The DuckDB store written by 'cxa analyze --out DIR'.")
]
RunArgument = Annotated[
    str, typer.Argument(help="Run id (see 'cxa runs'), or 'latest' for the newest finished run.")
]


def fail(exc: Exception) -> NoReturn:
    """Print ``exc`` as a one-line error and exit with status 2 (no traceback)."""
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


class RichProgress:
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
        done = task.completed or 1
        self._progress.update(
            self._task, completed=done, total=done, description=f"{stage} ({seconds:.1f}s)"
        )


class RateColumn(ProgressColumn):
    """Comments per second over the stage so far."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("- comments/s", style="progress.data.speed")
        return Text(f"{task.completed / elapsed:,.0f} comments/s", style="progress.data.speed")


def progress_bar(*, rate: bool = False) -> Progress:
    """A rich progress display on stderr, so stdout stays clean for tables and data.

    Parameters
    ----------
    rate : bool
        Also show comments per second (batch scoring).
    """
    columns: list[ProgressColumn] = [
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if rate:
        columns.append(RateColumn())
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=err_console, transient=False)


def open_run(db: Path, run: str) -> Any:
    """Load ``run`` ('latest' allowed) from the store at ``db`` as a ``RunData``."""
    from analyzer.pipeline.runs import resolve_run
    from analyzer.store import Store

    store = Store(db, read_only=True)
    return store.load_run(resolve_run(store, run))
