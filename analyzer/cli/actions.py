"""``cxa actions ...``: record actions taken on themes and read whether they worked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from analyzer.cli._common import DEFAULT_DB, DbOption, app, console, fail
from analyzer.errors import AnalyzerError

actions_app = typer.Typer(
    help="Record actions taken on themes and measure whether they worked.",
    no_args_is_help=True,
)
app.add_typer(actions_app, name="actions")

RunOption = Annotated[str, typer.Option("--run", help="Run id, or 'latest'.")]
BeforeOption = Annotated[
    int, typer.Option("--before-weeks", min=1, help="Weeks before the action's date compared.")
]
AfterOption = Annotated[
    int, typer.Option("--after-weeks", min=1, help="Weeks from the action's date compared.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value:.1%}"


def _effect_line(effect: dict[str, Any]) -> tuple[str, str, str, str]:
    share = effect["changes"][effect["measure"]]
    before = f"{_pct(share['before']['value'])} (n={share['before']['n']})"
    after = f"{_pct(share['after']['value'])} (n={share['after']['n']})"
    low, high = share["ci_low"], share["ci_high"]
    change = "-" if share["change"] is None else f"{share['change'] * 100:+.1f} pts"
    if low is not None and high is not None:
        change += f" [{low * 100:+.1f}, {high * 100:+.1f}]"
    return before, after, change, effect["verdict"]


def _with_effects(
    db: Path, actions: list[dict[str, Any]], before: int, after: int
) -> list[dict[str, Any]]:
    from analyzer.loop import actions as lib
    from analyzer.store import Store

    store = Store(db, read_only=True)
    data: dict[str, Any] = {}
    out = []
    for action in actions:
        if action["run_id"] not in data:
            data[action["run_id"]] = lib.action_data(store, action["run_id"])
        effect = lib.evaluate(
            store, action, before_weeks=before, after_weeks=after, data=data[action["run_id"]]
        )
        out.append({**action, "effect": lib.effect_record(effect)})
    return out


@actions_app.command("add")
def add(
    title: Annotated[str, typer.Option("--title", help="What was done.")],
    theme: Annotated[list[int], typer.Option("--theme", help="Theme id (repeatable).")],
    date: Annotated[str, typer.Option("--date", help="Day it took effect (YYYY-MM-DD).")],
    team: Annotated[str | None, typer.Option("--team", help="Owner team.")] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note.")] = None,
    link: Annotated[str | None, typer.Option("--link", help="A link (ticket, doc).")] = None,
    db: DbOption = DEFAULT_DB,
    run: RunOption = "latest",
) -> None:
    """Record an action on one or more themes of a run."""
    from analyzer.loop import actions as lib
    from analyzer.pipeline.runs import resolve_run
    from analyzer.store import Store
    from analyzer.store.audit import cli_actor

    try:
        store = Store(db)
        run_id = resolve_run(store, run)
        action = lib.add_action(
            store, run_id=run_id, theme_ids=theme, title=title, team=team, effective=date,
            note=note, link=link, actor=cli_actor(),
        )  # fmt: skip
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"recorded action {action['action_id']} on themes {action['theme_ids']}")


@actions_app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open or closed.")] = None,
    team: Annotated[str | None, typer.Option(help="Only this team's actions.")] = None,
    before_weeks: BeforeOption = 8,
    after_weeks: AfterOption = 8,
    as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """List actions with before / after / change / verdict of their theme's share."""
    from analyzer.loop import actions as lib
    from analyzer.store import Store

    try:
        found = lib.list_actions(Store(db, read_only=True), status=status, team=team)
        rows = _with_effects(db, found, before_weeks, after_weeks)
    except AnalyzerError as exc:
        fail(exc)
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    table = Table(title="Actions and their effect (share of responses mentioning the theme)")
    table.add_column("id", no_wrap=True)
    for col in ("title", "team", "date", "before", "after", "change [95% CI]"):
        table.add_column(col, overflow="fold")
    table.add_column("verdict", no_wrap=True)
    for row in rows:
        table.add_row(
            row["action_id"], f"{row['title']} ({row['status']})", row["team"] or "",
            str(row["effective"]), *_effect_line(row["effect"]),
        )  # fmt: skip
    console.print(table)
    for row in rows:
        console.print(f"{row['action_id']}: {row['effect']['reason']}", highlight=False)


@actions_app.command("show")
def show(
    action_id: Annotated[str, typer.Argument(help="Action id (see 'cxa actions list').")],
    before_weeks: BeforeOption = 8,
    after_weeks: AfterOption = 8,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Show one action's effect on every measure (share, negative share, impact, score)."""
    from analyzer.loop import actions as lib
    from analyzer.store import Store

    try:
        action = lib.get_action(Store(db, read_only=True), action_id)
        row = _with_effects(db, [action], before_weeks, after_weeks)[0]
    except AnalyzerError as exc:
        fail(exc)
    effect = row["effect"]
    console.print(f"{row['title']} ({row['action_id']}, {row['status']}): {effect['verdict']}")
    console.print(effect["reason"], highlight=False)
    table = Table()
    for col in ("measure", "before [95% CI] n", "after [95% CI] n", "change [95% CI]", "p"):
        table.add_column(col)
    for name, change in effect["changes"].items():
        table.add_row(name, *_figures(change))
    console.print(table)


def _figures(change: dict[str, Any]) -> tuple[str, str, str, str]:
    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.3g}"

    def est(e: dict[str, Any]) -> str:
        return f"{fmt(e['value'])} [{fmt(e['ci_low'])}, {fmt(e['ci_high'])}] n={e['n']}"

    interval = f"{fmt(change['change'])} [{fmt(change['ci_low'])}, {fmt(change['ci_high'])}]"
    return est(change["before"]), est(change["after"]), interval, fmt(change["p_value"])


@actions_app.command("close")
def close(
    action_id: Annotated[str, typer.Argument(help="Action id.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Mark an action closed (its effect is still measured and reported)."""
    from analyzer.loop import actions as lib
    from analyzer.store import Store
    from analyzer.store.audit import cli_actor

    try:
        lib.close_action(Store(db), action_id, actor=cli_actor())
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"closed action {action_id}")


__all__ = ["actions_app"]
