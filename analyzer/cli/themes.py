"""``cxa themes ...``: read and edit a run's codeframe (rename, merge, split, move, owner),
and export its themes as a BERTopic model.

Edits are saved in the codeframe of the run's theme model, so every later ``cxa score`` with
that model honours them, and the run's stored themes and mentions are updated at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from analyzer.cli._common import DEFAULT_DB, DbOption, RunArgument, app, console, fail
from analyzer.errors import AnalyzerError

if TYPE_CHECKING:
    from analyzer.loop.curation import Change
    from analyzer.store import Store

themes_app = typer.Typer(
    help="List and edit a run's themes; edits are kept in the model's codeframe.",
    no_args_is_help=True,
)
app.add_typer(themes_app, name="themes")

RunOption = Annotated[str, typer.Option("--run", help="Run id, or 'latest'.")]
ThemeId = Annotated[int, typer.Argument(help="Theme id (see 'cxa themes list').")]


def _store_and_run(db: Path, run: str) -> tuple[Store, str]:
    from analyzer.pipeline.runs import resolve_run
    from analyzer.store import Store

    store = Store(db)
    return store, resolve_run(store, run)


def _apply(db: Path, run: str, change: Change) -> int:
    from analyzer.loop import curation

    store, run_id = _store_and_run(db, run)
    return curation.edit(store, run_id, change)


@themes_app.command("list")
def list_themes(db: DbOption = DEFAULT_DB, run: RunOption = "latest") -> None:
    """List themes with their parent, owner, size and keywords."""
    from analyzer.pipeline.runs import resolve_run
    from analyzer.store import Store

    try:
        store = Store(db, read_only=True)
        data = store.load_run(resolve_run(store, run))
    except AnalyzerError as exc:
        fail(exc)
    table = Table(title=f"Themes of {data.run_id}")
    for col in ("id", "label", "parent", "owner", "mentions", "keywords"):
        table.add_column(col, overflow="fold")
    for row in data.themes.sort_values("size", ascending=False).to_dict("records"):
        table.add_row(
            str(row["theme_id"]),
            str(row["label"]),
            str(row["parent_label"] or ""),
            str(row["owner"] or ""),
            str(row["size"]),
            ", ".join(list(row["keywords"])[:6]),
        )
    console.print(table)


@themes_app.command()
def rename(
    theme_id: ThemeId,
    label: Annotated[str, typer.Argument(help="The new label, e.g. 'late delivery'.")],
    db: DbOption = DEFAULT_DB,
    run: RunOption = "latest",
) -> None:
    """Give a theme a new label."""
    from analyzer.loop import curation

    try:
        _apply(db, run, curation.rename(theme_id, label))
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"theme {theme_id} is now '{label}'")


@themes_app.command()
def merge(
    theme_ids: Annotated[list[int], typer.Argument(help="Two or more theme ids.")],
    into: Annotated[int | None, typer.Option(help="Surviving id (default: the first).")] = None,
    label: Annotated[str | None, typer.Option(help="Label of the merged theme.")] = None,
    db: DbOption = DEFAULT_DB,
    run: RunOption = "latest",
) -> None:
    """Merge themes into one; their mentions move to the surviving id."""
    from analyzer.loop import curation

    try:
        survivor = _apply(db, run, curation.merge(theme_ids, into=into, label=label))
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"merged {theme_ids} into theme {survivor}")


@themes_app.command()
def split(
    theme_id: ThemeId,
    parts: Annotated[int, typer.Option(help="Number of new themes.", min=2)] = 2,
    db: DbOption = DEFAULT_DB,
    run: RunOption = "latest",
) -> None:
    """Split a theme into PARTS themes by clustering its mentions."""
    from analyzer.config import cache_dir
    from analyzer.embed import get_embedder
    from analyzer.loop import curation
    from analyzer.pipeline import runs

    try:
        store, run_id = _store_and_run(db, run)
        fitted = runs.run_embedder(store.run_meta(run_id))
        embedder = get_embedder(fitted.key, cache_dir=cache_dir() / "embeddings")
        new_ids = curation.split(store, run_id, theme_id, embedder, parts)
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"split theme {theme_id} into {new_ids}")


@themes_app.command()
def move(
    theme_id: ThemeId,
    parent: Annotated[str, typer.Argument(help="A parent id, or the name of a new parent.")],
    db: DbOption = DEFAULT_DB,
    run: RunOption = "latest",
) -> None:
    """Move a theme under another parent theme."""
    from analyzer.loop import curation

    target: int | str = int(parent) if parent.lstrip("-").isdigit() else parent
    try:
        _apply(db, run, curation.move(theme_id, target))
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"theme {theme_id} moved under '{parent}'")


@themes_app.command()
def owner(
    theme_id: ThemeId,
    team: Annotated[str, typer.Argument(help="Owning team; '' clears it.")],
    db: DbOption = DEFAULT_DB,
    run: RunOption = "latest",
) -> None:
    """Make a team responsible for a theme (shown with pain points)."""
    from analyzer.loop import curation

    try:
        _apply(db, run, curation.set_owner(theme_id, team or None))
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"theme {theme_id} is owned by '{team}'" if team else "owner cleared")


@themes_app.command("export-bertopic")
def export_bertopic(
    run: RunArgument = "latest",
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the BERTopic model (replaced whole).")
    ] = Path("bertopic-model"),
    db: DbOption = DEFAULT_DB,
) -> None:
    """Save a run's themes as a BERTopic model: load it with BERTopic.load(OUT).

    Topics are the themes with their ids and labels, outliers (-1) the unassigned mentions;
    mentions with no specific topic are left out, and a mention with several themes is one
    document per theme. OUT also gets documents.parquet (for topics_over_time) and
    cxa_export.json (which theme each topic is).
    """
    from analyzer.cli._common import open_run
    from analyzer.interop import export_bertopic as export

    try:
        folder, done = export(open_run(db, run), out)
    except AnalyzerError as exc:
        fail(exc)
    topics = done.topics[done.topics["topic"] >= 0]
    outliers = int(done.topics.loc[done.topics["topic"] == -1, "size"].sum())
    console.print(
        f"wrote the BERTopic model of run {done.run_id} to [bold]{folder}[/]: "
        f"{len(topics)} topics, {len(done.documents)} documents, {outliers} outliers "
        f"(unassigned), {done.no_topic} mentions with no specific topic left out"
    )
    if done.renumbered:
        console.print(
            "theme ids have gaps (codeframe edits): topics are numbered 0..K-1 in theme-id "
            f"order; {folder / 'cxa_export.json'} maps each topic to its theme"
        )
    if done.empty_themes:
        console.print(f"themes without mentions, not in BERTopic: {done.empty_themes}")


@themes_app.command()
def history(db: DbOption = DEFAULT_DB, run: RunOption = "latest") -> None:
    """Show the codeframe's edit history."""
    from analyzer.loop import curation
    from analyzer.themes import ThemeModel

    try:
        store, run_id = _store_and_run(db, run)
        folder = curation.model_dir(store.run_meta(run_id), run_id)
        entries = ThemeModel.load(folder).codeframe_.history
    except AnalyzerError as exc:
        fail(exc)
    table = Table(title=f"Codeframe history of {run_id}")
    for col in ("when", "action", "details"):
        table.add_column(col)
    for entry in entries:
        table.add_row(entry["timestamp"], entry["action"], str(entry["args"]))
    console.print(table)


__all__ = ["themes_app"]
