"""The theme report that CX leaders read: one self-contained HTML file per run.

::

    content   ReportContent: every table behind the report (pure pandas over metrics)
    changed   the "What changed" callout: growing theme, top pain point, score in the windows
    windows   the recent and baseline windows (days, weeks or months, following the span)
    drilldown ThemeDetail: each theme's keywords, examples and verbatims
    figures   one plotly figure per chart, free functions over those tables
    exports   the tables as CSV and data: URIs for the download links
    page      Jinja rendering (autoescaped) with plotly.js inlined; write_report, and
              rewrite_reports (the reports forgetting withdrew)

Example
-------
>>> from analyzer.store import Store
>>> from analyzer.report import write_report
>>> store = Store("cxa.duckdb", read_only=True)  # doctest: +SKIP
>>> write_report(store.load_run(store.latest_run()), "report.html")  # doctest: +SKIP
"""

from analyzer.report.content import ReportContent, report_content
from analyzer.report.page import build_report_html, render_html, rewrite_reports, write_report

__all__ = [
    "ReportContent",
    "build_report_html",
    "render_html",
    "report_content",
    "rewrite_reports",
    "write_report",
]
