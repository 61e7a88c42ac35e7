"""The FastAPI app of ``cxa serve``: build it, mount the routers, run it with uvicorn."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import Response
from starlette.types import Scope

from analyzer.errors import ConfigError
from api.deps import principal_of
from api.errors import install_error_handlers
from api.middleware import (
    AccessLogMiddleware,
    ApiKeyMiddleware,
    BodyLimitMiddleware,
    CatchAllMiddleware,
    SecurityHeadersMiddleware,
)
from api.retention import RetentionJob
from api.routers import (
    actions,
    comment_scoring,
    dashboard,
    health,
    keys,
    painpoints,
    responses,
    runs,
    scored_exports,
    search,
    suggestions,
    survey_scores,
    teams,
    themes,
)
from api.services import Services
from api.settings import LOOPBACK_HOSTS, MB, Settings, get_settings

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"
LOCALHOST = "127.0.0.1"
DOCS_STATIC = "/docs-static"
"""Where Swagger UI's script, stylesheet and icon are served from, so /docs loads nothing
from another host. They come from the installed fastapi-offline package (Swagger UI 5, which
renders the OpenAPI 3.1 document FastAPI writes); only its files are used, not its app."""
DOCS_DIR = files("fastapi_offline") / "static"
DOCS_ASSETS = frozenset({"swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"})
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
DESCRIPTION = """
Find the themes in survey comments, their sentiment and how they move NPS, CSAT and CES.
Everything runs on this machine.

**Key.** Every `/v1` endpoint needs the `X-API-Key` header: the key set in `CXA_API_KEY`
or `CXA_API_KEY_FILE` (an admin key), or one made with `cxa keys create --role ROLE`; use
*Authorize* above. Roles: `viewer` reads and suggests, `analyst` also uploads, scores, edits
the codeframe, reviews suggestions and records actions, `admin` also manages keys and
forgets respondents; a write the role may not do gets 403.

**Runs.** `POST /v1/runs` uploads an export (CSV, TSV, XLSX, Parquet, JSON Lines) and
analyses it in the background, one run at a time; `GET /v1/runs/{run_id}` shows the stage.

**Filters.** The lists of a run take `segment=COLUMN:VALUE` (repeatable; the same column
twice means either value), `since` / `until` (dates, inclusive), `score_band`
(`promoter`, `passive`, `detractor`) and `sentiment`; and `limit` / `offset` (the answer's
`count` is the number of rows in all pages).

**Limits.** Uploads up to `CXA_MAX_UPLOAD_MB` (200 MB), JSON bodies up to `CXA_MAX_BODY_MB`
(32 MB), `POST /v1/score` up to `CXA_MAX_COMMENTS` (1,000) comments of at most
`CXA_MAX_COMMENT_CHARS` (20,000) characters; past any of them the answer is 413. An export
may have up to `CXA_MAX_ROWS` (5,000,000) rows, `CXA_MAX_COLUMNS` (1,000) columns,
`CXA_MAX_SEGMENTS` (50) segment and `CXA_MAX_METRICS` (200) metric columns (422 past them);
run ids in paths up to 128 characters.

**Errors** are `{"detail": message, "errors": [...]}`; the message says what was wrong.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the models (in a thread: /readyz says 503 until they are) and stop the runs."""
    services: Services = app.state.services
    services.start()
    days = services.settings.retain_days
    retention = RetentionJob(services.store, days).start() if days else None
    app.state.retention = retention
    yield
    if retention is not None:
        retention.stop()
    services.close()


def _middleware(app: FastAPI, settings: Settings, accepts: Callable[[str | None], bool]) -> None:
    """Stack the middleware; the last added runs first (see :mod:`api.middleware`)."""
    upload = (settings.max_upload_mb * MB, "Upload a smaller export or raise CXA_MAX_UPLOAD_MB.")
    body = (settings.max_body_mb * MB, "Send fewer comments per request or raise CXA_MAX_BODY_MB.")
    app.add_middleware(BodyLimitMiddleware, default=body, per_path={"/v1/runs": upload})
    app.add_middleware(ApiKeyMiddleware, accepts=accepts)  # before any body is read
    # DNS rebinding: a page of another site resolving to this machine gets no answer.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.hosts, www_redirect=False)
    app.add_middleware(CatchAllMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware)


class SwaggerAssets(StaticFiles):
    """The files of the folder that /docs loads, and no others."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in DOCS_ASSETS:
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def _with_csp(page: HTMLResponse) -> HTMLResponse:
    """Add a policy allowing this origin only, plus the page's own inline scripts by hash."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())
    )
    page.headers["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    return page


def _docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs from the installed package (FastAPI's own /docs uses a CDN).

    Like the dashboard, the page and its files need no API key: they hold no data, and
    *Authorize* sends the key with the requests made from the page.
    """
    app.mount(DOCS_STATIC, SwaggerAssets(directory=str(DOCS_DIR)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            oauth2_redirect_url=root + OAUTH2_REDIRECT,
            swagger_ui_parameters={"validatorUrl": None},  # no badge from validator.swagger.io
        )
        return _with_csp(page)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _with_csp(get_swagger_ui_oauth2_redirect_html())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings : Settings, optional
        Used instead of the environment (tests pass their own).

    Raises
    ------
    ConfigError
        No API key is configured and ``insecure_local`` is off.
    """
    if settings is None:
        settings = get_settings()
    services = Services(settings)
    if services.api_key is None and not settings.insecure_local and not services.has_keys():
        raise ConfigError(
            "No API key: set CXA_API_KEY (or CXA_API_KEY_FILE to a file holding it), make "
            "keys with 'cxa keys create', or pass --insecure-local to serve without a key on "
            "127.0.0.1 only."
        )
    app = FastAPI(
        title="cx-analyzer",
        summary="Themes, sentiment and score impact of customer feedback, offline.",
        description=DESCRIPTION,
        version="1",
        lifespan=lifespan,
        docs_url=None,  # _docs serves it without a CDN
        redoc_url=None,  # ReDoc loads its script and fonts from CDNs
    )
    app.state.services = services
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    _middleware(app, settings, lambda key: principal_of(services, key) is not None)
    for module in (
        health,
        runs,
        survey_scores,
        themes,
        painpoints,
        search,
        comment_scoring,
        scored_exports,
        dashboard,
    ):
        app.include_router(module.router)
    for module in (actions, suggestions, teams, keys, responses):  # closing the loop (issue 18)
        app.include_router(module.router)
    _docs(app)
    if STATIC_DIR.is_dir():  # the dashboard's scripts and styles
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": "api.logs.SafeFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "api": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "analyzer": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
    },
}
"""Uvicorn's access log (which prints query strings) is off; ``api.access`` logs paths.
Every message is escaped (:class:`api.logs.SafeFormatter`): one record, one line."""


def _with_bound_host(settings: Settings, host: str) -> Settings:
    """Without ``CXA_ALLOWED_HOSTS``, also answer to the name or address served on."""
    if settings.allowed_hosts is not None:
        return settings
    if host in ("0.0.0.0", "::", ""):
        log.warning(
            "Serving on all interfaces, but only requests to %s are answered (400 for other "
            "Host headers); set CXA_ALLOWED_HOSTS to the names clients use.",
            ", ".join(LOOPBACK_HOSTS),
        )
        return settings
    if host in LOOPBACK_HOSTS or host == "::1":
        return settings
    bound = f"[{host}]" if ":" in host else host
    return settings.model_copy(update={"allowed_hosts": [*LOOPBACK_HOSTS, bound]})


def serve(
    host: str = LOCALHOST, port: int = 8000, db: Path | None = None, insecure_local: bool = False
) -> None:
    """Run the service with uvicorn until interrupted.

    Parameters
    ----------
    host, port : str, int
        Where to listen; ``insecure_local`` forces ``127.0.0.1``.
    db : Path, optional
        The DuckDB store (default ``CXA_DB`` or ``cxa-out/cxa.duckdb``).
    insecure_local : bool
        Serve without an API key, on 127.0.0.1 only.
    """
    import uvicorn

    updates: dict[str, object] = {"insecure_local": insecure_local or get_settings().insecure_local}
    if db is not None:
        updates["db"] = Path(db)
    settings = get_settings().model_copy(update=updates)
    if settings.insecure_local and host != LOCALHOST:
        log.warning("--insecure-local: binding to %s instead of %s", LOCALHOST, host)
        host = LOCALHOST
    settings = _with_bound_host(settings, host)
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=LOG_CONFIG)


__all__ = ["LOG_CONFIG", "create_app", "serve"]
