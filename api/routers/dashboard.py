"""The dashboard's page and plotly.js (the page and its assets belong to the dashboard; this
router only serves them). No API key: the page holds no data and asks for the key itself."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from analyzer.errors import NotFoundError

router = APIRouter(include_in_schema=False)

PAGE = Path(__file__).resolve().parents[1] / "templates" / "dashboard.html"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""The policy the page works under (plotly.js adds a <style> element, hence unsafe-inline)."""


@lru_cache(maxsize=1)
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())


@lru_cache(maxsize=1)
def _base_css() -> str:
    return resources.files("analyzer").joinpath("templates", "base.css").read_text("utf-8")


@router.get("/dashboard")
def dashboard() -> FileResponse:
    """The dashboard page."""
    if not PAGE.is_file():
        raise NotFoundError("This installation has no dashboard page (api/templates/).")
    return FileResponse(PAGE, headers={"Content-Security-Policy": CSP})


@router.get("/dashboard/teams/{team}")
def team_page(team: str) -> FileResponse:
    """The dashboard opened on a team's page (the page script reads the team from the path)."""
    return dashboard()


@router.get("/dashboard/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js from the installed plotly package (served locally: nothing is fetched)."""
    return Response(
        _plotly_js(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/dashboard/base.css")
def base_css() -> Response:
    """The styles the dashboard shares with the HTML report (analyzer/templates/base.css); the
    page links it before /static/dashboard.css, whose rules come after and may override it."""
    return Response(_base_css(), media_type="text/css")
