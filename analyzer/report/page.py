"""Render the theme report as one self-contained HTML file.

The page is a Jinja template (``analyzer/templates/report.html.j2``) with autoescaping on:
comments are untrusted input. The figures travel as one JSON block inside a
``<script type="application/json">`` element, with ``<``, ``>`` and ``&`` written as
``\\u003c``... so no text can close the element. plotly.js, the CSS and the page script
are inlined once, so the file opens without a network.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from analyzer import __version__
from analyzer.metrics import Estimate
from analyzer.report import figures as F
from analyzer.report.changed import readable_first
from analyzer.report.content import ReportContent, report_content
from analyzer.report.exports import downloads
from analyzer.report.loop import LoopContent, action_figure, loop_content
from analyzer.store import RunData, Store

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028"}
_JSON_ESCAPES["\u2029"] = "\\u2029"


def safe_json(text: str) -> Markup:
    """JSON text that is safe inside a ``<script>`` element (and still the same JSON)."""
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return Markup(text)


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_score(value: float | None, kind: str, signed: bool = True) -> str:
    """A score as the report prints it: NPS ``+12`` / ``−28``, CSAT ``78%``, CES ``4.21``."""
    if _missing(value):
        return "–"
    assert value is not None
    if kind == "ces":
        return f"{value:.2f}"
    if round(value) == 0:
        return "0%" if kind == "csat" else "0"  # neither "−0" nor "+0"
    text = f"{value:+.0f}" if kind == "nps" and signed else f"{value:.0f}"
    return text.replace("-", "−") + ("%" if kind == "csat" else "")


def fmt_ci(est: Estimate, kind: str) -> str:
    """``"95% CI −6 to +9"``; empty when the interval is unknown."""
    if _missing(est.ci_low) or _missing(est.ci_high):
        return ""
    return f"95% CI {fmt_score(est.ci_low, kind)} to {fmt_score(est.ci_high, kind)}"


def fmt_pct(value: float | None, digits: int = 0) -> str:
    """A share in [0, 1] as a percentage: ``0.314`` -> ``"31%"``."""
    return "–" if _missing(value) else f"{100 * value:.{digits}f}%"  # type: ignore[operator]


def fmt_points(value: float | None, digits: int = 1, signed: bool = False) -> str:
    """Score points: ``7.3`` (or ``+7.3`` / ``−7.3`` with ``signed``)."""
    if _missing(value):
        return "–"
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    return text.replace("-", "−")


def fmt_int(value: int | float) -> str:
    """A count with thousands separators: ``12,345``."""
    return "–" if _missing(float(value)) else f"{int(value):,}"


def css_width(share: float | None) -> str:
    """A share in [0, 1] as a CSS width: ``"31.4%"``; ``"0%"`` when unknown."""
    return "0%" if _missing(share) else f"{100 * max(0.0, min(1.0, float(share))):.1f}%"  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("analyzer", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        score=fmt_score, ci=fmt_ci, pct=fmt_pct, points=fmt_points, int=fmt_int, width=css_width
    )
    env.filters["readable_first"] = readable_first
    env.tests["number_known"] = lambda value: not _missing(value)
    return env


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return resources.files("analyzer").joinpath("templates", name).read_text("utf-8")


def report_figures(content: ReportContent) -> dict[str, go.Figure]:
    """Every chart of the report, by the key its ``data-figure`` element names."""
    out: dict[str, go.Figure] = {}
    if not content.score_trend.empty:
        out["score_trend"] = F.score_trend_figure(content.score_trend, content.windows)
    themes = content.themes
    if themes.empty:
        return out
    if not content.top_level.empty:
        out["top_level"] = F.volume_figure(content.top_level, top=40)
    out["volume"] = F.volume_figure(themes)
    scored = content.has_score  # no score figure without ratings of the score
    if scored:
        out["impact"] = F.impact_figure(themes, content.score)
    if not content.theme_trends.empty:
        out["trends"] = F.trends_figure(
            content.theme_trends, content.emerging, themes, content.windows
        )
    if content.segment is not None:
        if scored:
            out["segment_scores"] = F.segment_scores_figure(
                content.segment_scores, content.segment, content.score
            )
        out["segments"] = F.segment_figure(content.segments, themes, content.segment)
    overall = content.scores.get(content.score)
    out["hierarchy"] = F.hierarchy_figure(
        themes, content.score if scored else None, overall.value if overall is not None else None
    )
    return out


def _figures_json(figs: dict[str, go.Figure]) -> Markup:
    parts = [f"{json.dumps(key)}:{pio.to_json(fig, validate=False)}" for key, fig in figs.items()]
    return safe_json("{" + ",".join(parts) + "}")


def render_html(content: ReportContent, loop: LoopContent | None = None) -> str:
    """The report page of ``content`` (see the module docstring), with the actions and team
    sections of ``loop`` when given."""
    figs = report_figures(content)
    for action in loop.actions if loop else []:
        if action.get("effect") is not None:
            figs[f"action_{action['action_id']}"] = action_figure(action)
    context: dict[str, Any] = {
        "c": content,
        "closing": loop,
        "loop_index_safe": lambda name: re.sub(r"[^a-z0-9]+", "-", str(name).lower()),
        "figures": figs,
        "figures_json": _figures_json(figs),
        "catalogue": list(zip(content.themes.to_dict("records"), content.details, strict=True)),
        "moved": content.emerging[content.emerging["status"].isin(["emerging", "fading"])].to_dict(
            "records"
        ),
        "downloads": downloads(content),
        "names": F.SCORE_NAMES,
        "titles": F.SCORE_TITLES,
        "top": F.TOP_THEMES,
        "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "version": __version__,
        "css": Markup(_asset("base.css") + "\n" + _asset("report.css")),
        "script": Markup(_asset("report.js")),
        "plotly_js": Markup(get_plotlyjs()),
    }
    return _environment().get_template("report.html.j2").render(context)


def build_report_html(run: RunData, score: str = "nps", *, store: Store | None = None) -> str:
    """The theme report of ``run`` as one self-contained HTML page.

    Parameters
    ----------
    run : RunData
        A stored run (:meth:`analyzer.store.Store.load_run`).
    score : {"nps", "csat", "ces"}
        The score that theme impacts, theme scores and segment scores use.

    Returns
    -------
    str
        The page: plotly.js, styles and script inlined; no network needed to open it.

    Raises
    ------
    ConfigError
        If ``score`` is not one of ``nps``, ``csat``, ``ces``.

    With ``store`` (the run's store) the page also has the sections "Actions and their
    effect" (action markers on their themes' weekly trend) and one per owner team.
    """
    content = report_content(run, score)
    loop = None
    if store is not None:
        loop = loop_content(store, run, content.themes, content.pain_points)
    return render_html(content, loop)


def write_report(
    run: RunData, out_path: str | Path, *, score: str = "nps", store: Store | None = None
) -> Path:
    """Write the theme report of ``run`` to ``out_path`` (UTF-8; folders are created).

    Parameters
    ----------
    run : RunData
        A stored run.
    out_path : str or Path
        The HTML file to write; an existing file is replaced.
    score : {"nps", "csat", "ces"}
        As in :func:`build_report_html`.
    store : Store, optional
        As in :func:`build_report_html`.

    Returns
    -------
    Path
        ``out_path``.
    """
    page = build_report_html(run, score, store=store)
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def rewrite_reports(store: Store, reports: list[tuple[str, str]]) -> list[Path]:
    """Write again the reports that forgetting withdrew (``(path, run_id)``, see
    :func:`analyzer.privacy.scrub.withdraw_reports`), from what the store holds now.

    A report whose run is gone from the store (or not finished) stays withdrawn. Returns the
    reports written.
    """
    from analyzer.errors import NotFoundError

    written = []
    for path, run_id in reports:
        try:
            if store.run_meta(run_id)["status"] != "done":
                continue
            written.append(write_report(store.load_run(run_id), path, store=store))
        except NotFoundError:
            continue
    return written


__all__ = [
    "build_report_html",
    "render_html",
    "report_figures",
    "rewrite_reports",
    "safe_json",
    "write_report",
]
