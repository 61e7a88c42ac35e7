"""``cxa forget``: remove a respondent everywhere, or purge old comment text (retention)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from analyzer.cli._common import DEFAULT_DB, DbOption, app, console, fail
from analyzer.errors import AnalyzerError, ConfigError


@app.command("forget")
def forget(
    response_id: Annotated[
        str | None, typer.Option("--response-id", help="The export's id of the respondent.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Only runs / scored exports read from FILE.")
    ] = None,
    retain_days: Annotated[
        int | None,
        typer.Option(
            "--retain-days",
            envvar="CXA_RETAIN_DAYS",
            min=1,
            help="Instead: purge comment text of responses older than DAYS (figures stay).",
        ),
    ] = None,
    also: Annotated[
        list[Path] | None, typer.Option("--also", help="Another folder of Parquet outputs.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Forget a respondent (right to be forgotten) or apply the text retention rule.

    With --response-id: the comment, mentions and scores of that response leave every run
    and scored export in the store, the theme examples and model folders, the Parquet files
    under the store's folder (and --also folders), suggestion notes quoting them and the
    embedding cache, and the theme reports there are written again; what was removed is
    printed. The id may be the one in your export (an e-mail address, say) or the stored
    one. With --retain-days (or $CXA_RETAIN_DAYS): texts older than that many days
    become [PURGED]; every count, theme, sentiment and score stays. Run it from cron for a
    schedule ('cxa serve' does it hourly when CXA_RETAIN_DAYS is set).
    """
    from analyzer.privacy import forget as lib
    from analyzer.report import rewrite_reports
    from analyzer.store import Store
    from analyzer.store.audit import cli_actor

    try:
        store = Store(db)
        roots = [*lib.output_roots(store), *(also or [])]
        if response_id is not None:
            removed = lib.forget_response(
                store, response_id, source=source, roots=roots, actor=cli_actor()
            )
            rewritten = rewrite_reports(store, removed.reports)
        elif retain_days is not None:
            counts = lib.purge_text(store, retain_days, roots=roots, actor=cli_actor())
        else:
            raise ConfigError("Give --response-id ID (forget one respondent) or --retain-days N.")
    except AnalyzerError as exc:
        fail(exc)
    if response_id is None:
        console.print(f"purged text older than {retain_days} days: {counts}")
        return
    rows = ", ".join(f"{table} {n}" for table, n in removed.rows.items())
    console.print(f"forgot the response: rows removed: {rows}", soft_wrap=True)
    console.print(f"theme examples removed: {removed.examples}")
    console.print(f"suggestion notes changed: {removed.notes}")
    stale = [p for p, _ in removed.reports if Path(p) not in set(rewritten)]
    console.print(f"reports written again: {len(rewritten)}; withdrawn: {len(stale)}")
    for path in stale:
        console.print(f"  {path}", highlight=False, soft_wrap=True)
    console.print(f"files rewritten: {len(removed.files)}")
    for path in removed.files:
        console.print(f"  {path}", highlight=False, soft_wrap=True)
    console.print(f"embedding cache entries removed: {removed.cache_entries}")


__all__ = ["forget"]
