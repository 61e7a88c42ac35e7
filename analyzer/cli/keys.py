"""``cxa keys ...``: API keys with roles (viewer, analyst, admin), stored hashed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from analyzer.cli._common import DEFAULT_DB, DbOption, app, console, fail
from analyzer.errors import AnalyzerError

keys_app = typer.Typer(
    help="Make, list and revoke API keys for 'cxa serve' (roles: viewer, analyst, admin).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    role: Annotated[str, typer.Option("--role", help="viewer, analyst or admin.")] = "viewer",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Make a key; it is printed once (only its hash is stored)."""
    from analyzer.privacy import keys
    from analyzer.store import Store
    from analyzer.store.audit import cli_actor

    try:
        key, record = keys.create_key(Store(db), name=name, role=role, actor=cli_actor())
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"key {record['name']!r} ({record['role']}); shown once, keep it safe:")
    typer.echo(key)


@keys_app.command("list")
def list_(db: DbOption = DEFAULT_DB) -> None:
    """List keys (names, roles, who made them, revoked or live); never the keys."""
    from analyzer.privacy import keys
    from analyzer.store import Store

    try:
        rows = keys.list_keys(Store(db, read_only=True))
    except AnalyzerError as exc:
        fail(exc)
    table = Table(title="API keys")
    for col in ("id", "name", "role", "created", "by", "revoked"):
        table.add_column(col)
    for row in rows:
        table.add_row(
            row["key_id"], row["name"], row["role"], str(row["created_at"])[:19],
            row["created_by"], str(row["revoked_at"])[:19] if row["revoked_at"] else "",
        )  # fmt: skip
    console.print(table)


@keys_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The key's name or id.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Revoke a key; the service refuses it from then on (within a second)."""
    from analyzer.privacy import keys
    from analyzer.store import Store
    from analyzer.store.audit import cli_actor

    try:
        keys.revoke_key(Store(db), name, actor=cli_actor())
    except AnalyzerError as exc:
        fail(exc)
    console.print(f"revoked key {name!r}")


__all__ = ["keys_app"]
