"""Finding 4 of the second probe: an XLSX export is checked against the limits before it is
read, and streamed.

A 135 KB workbook of 16,384 columns was refused only after 17.9 s, and a 5 MB one of
1,000,000 rows after 88 s, with +190 MB of server memory and health checks taking 1.9 s
meanwhile: pandas loaded the whole sheet before any limit was looked at. Now the sheet's
declared size is checked first, rows are streamed with openpyxl's read-only mode, and each
row's width and the running row count are checked while reading (a sheet can lie about its
size). The budgets are generous bounds, not benchmarks: the streamed reads take well under a
second here.
"""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from openpyxl.utils import get_column_letter

from analyzer.errors import ColumnError, UnreadableFileError
from analyzer.ingest import ColumnMapping, iter_export, read_export
from analyzer.ingest.limits import Limits
from api.uploads import check_export

BUDGET_S = 5.0
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument'
        '.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id='
        '"rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _cell(row: int, col: int, value: str | int) -> str:
    ref = f"{get_column_letter(col)}{row}"
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _workbook(path: Path, rows: Iterable[list[str | int]], dimension: str | None) -> Path:
    """A minimal .xlsx written as XML (openpyxl would take minutes for a million rows)."""
    body = "".join(
        f'<row r="{r}">' + "".join(_cell(r, c, v) for c, v in enumerate(values, 1)) + "</row>"
        for r, values in enumerate(rows, 1)
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.'
        f'org/spreadsheetml/2006/main">{dim}<sheetData>{body}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return path


WIDE_ROWS = 200


@pytest.fixture(scope="module")
def wide_body() -> list[list[str | int]]:
    """A header and 200 rows of 16,384 cells (the probe's workbook: 135 KB zipped)."""
    header: list[str | int] = ["comment", *(f"q{i}" for i in range(2, 16_385))]
    row: list[str | int] = ["good app", *([1] * 16_383)]
    return [header, *([row] * WIDE_ROWS)]


@pytest.mark.parametrize("dimension", ["A1:XFD201", None, "A1:C3"])
def test_a_sheet_of_16384_columns_is_refused_at_once(
    tmp_path: Path, wide_body: list[list[str | int]], dimension: str | None
) -> None:
    # declared, undeclared, or declared smaller than it is: refused before or at its header
    path = _workbook(tmp_path / "wide.xlsx", wide_body, dimension)
    start = time.perf_counter()
    with pytest.raises(ColumnError, match="16,384 columns"):
        read_export(path)
    assert time.perf_counter() - start < BUDGET_S


def _long(path: Path, rows: int, dimension: bool) -> Path:
    body = (["a comment", 9] for _ in range(rows))
    dim = f"A1:B{rows + 1}" if dimension else None
    return _workbook(path, [["comment", "nps"], *body], dim)


def test_a_declared_row_count_past_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = _long(tmp_path / "long.xlsx", 5_000, dimension=True)
    with pytest.raises(UnreadableFileError, match="more than 1,000 data rows"):
        next(iter(iter_export(path, limits=Limits(rows=1_000))))


def test_rows_past_the_limit_are_refused_while_reading(tmp_path: Path) -> None:
    path = _long(tmp_path / "long.xlsx", 5_000, dimension=False)
    chunks = iter_export(path, chunk_rows=500, limits=Limits(rows=1_000))
    assert len(next(chunks).responses) == 500  # read as a stream...
    with pytest.raises(UnreadableFileError, match="more than 1,000 data rows"):
        list(chunks)  # ...and refused at the first chunk past the limit


def test_the_upload_check_of_a_million_row_workbook_reads_only_its_first_rows(
    tmp_path: Path,
) -> None:
    path = _long(tmp_path / "million.xlsx", 1_000_000, dimension=True)
    assert path.stat().st_size < 10_000_000  # a few MB, as the probe's
    tracemalloc.start()
    start = time.perf_counter()
    try:
        check_export(path, ColumnMapping())
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < BUDGET_S
    assert peak < 60 * 2**20  # the whole sheet as a DataFrame took +190 MB


@pytest.mark.parametrize(
    ("bound", "value"), [("MAX_XLSX_UNPACKED", 10_000), ("MAX_XLSX_PART", 200)]
)
def test_a_workbook_that_unpacks_past_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: str, value: int
) -> None:
    from analyzer.ingest import readers

    path = _long(tmp_path / "small.xlsx", 200, dimension=True)  # its sheet ~20 KB unpacked
    monkeypatch.setattr(readers, bound, value)
    with pytest.raises(UnreadableFileError, match="unpacks to"):
        read_export(path)


def test_a_streamed_workbook_reads_as_before(tmp_path: Path) -> None:
    rows: list[list[str | int]] = [["id", "comment", "nps", "comment"]]
    rows += [[f"r{i}", f"comment {i}", i % 11, "again"] for i in range(1, 1_201)]
    path = _workbook(tmp_path / "ok.xlsx", rows, "A1:D1201")
    whole = read_export(path)
    parts = list(iter_export(path, chunk_rows=500))
    assert [len(p.responses) for p in parts] == [500, 500, 200]
    assert whole.responses["response_id"].tolist() == [f"r{i}" for i in range(1, 1_201)]
    assert whole.responses["nps"].tolist() == [i % 11 for i in range(1, 1_201)]
    assert whole.responses["row"].tolist() == list(range(2, 1_202))
    assert whole.mapping["text"] == "comment"  # the repeated header became "comment.1"
