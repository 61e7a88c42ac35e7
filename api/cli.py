"""``cxa serve``: the service's command, registered on the ``cxa`` app as a plug-in.

The library's CLI never imports ``api``; it loads the commands named in the ``cxa.commands``
entry-point group (see pyproject.toml), and this module is one of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    db: Annotated[
        Path | None, typer.Option(help="DuckDB store (default $CXA_DB or cxa-out/cxa.duckdb).")
    ] = None,
    insecure_local: Annotated[
        bool,
        typer.Option(
            "--insecure-local",
            help="Serve without an API key, on 127.0.0.1 only (for trying it out).",
        ),
    ] = False,
) -> None:
    """Start the HTTP API and dashboard (docs at /docs, dashboard at /dashboard).

    Every data endpoint needs the X-API-Key header; set the key with $CXA_API_KEY (or a file
    named by $CXA_API_KEY_FILE). Without a key the service refuses to start unless
    --insecure-local is given.
    """
    from analyzer.errors import AnalyzerError
    from api.main import serve as run_server

    try:
        run_server(host=host, port=port, db=db, insecure_local=insecure_local)
    except AnalyzerError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``cxa`` app (entry point ``cxa.commands: serve``)."""
    app.command("serve")(serve)


__all__ = ["register", "serve"]
