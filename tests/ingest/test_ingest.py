"""Tests of analyzer.ingest: formats, encodings, column mapping, validation and rejects."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from tolerance import EXACT_ATOL, assert_frames_close

from analyzer.errors import ColumnError, ConfigError, UnreadableFileError
from analyzer.ingest import (
    MAX_COMMENT_CHARS,
    REJECT_COLUMNS,
    ColumnMapping,
    iter_export,
    read_export,
    read_table,
    validate,
)

HEADER = ["Response ID", "Submitted At", "Verbatim", "Likelihood to recommend", "CSAT", "Channel"]
ROWS = [
    ["r1", "2025-03-04 10:22", "Café was great – “fast”", 9, 5, "web"],
    ["r2", "2025-03-05", "Delivery was late", 3, 2, "app"],
    ["r3", "2025-03-06", "", None, 4, "web"],
]
EXPECTED_COMMENTS = ["Café was great – “fast”", "Delivery was late", ""]


def frame(rows: list[list[object]] = ROWS, header: list[str] = HEADER) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=header)


def write_csv(path: Path, header: list[str], rows: list[list[object]], **kw: object) -> Path:
    frame(rows, header).to_csv(path, index=False, **kw)
    return path


def write(tmp_path: Path, name: str, df: pd.DataFrame) -> Path:
    """Write ``df`` in the format its extension names."""
    path = tmp_path / name
    suffix = path.suffix
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".tsv":
        df.to_csv(path, index=False, sep="\t")
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)
    elif suffix == ".parquet":
        df.astype({"Likelihood to recommend": "Int64"}).to_parquet(path, index=False)
    else:
        records = [
            {k: (None if pd.isna(v) else v) for k, v in r.items()} for r in df.to_dict("records")
        ]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


@pytest.mark.parametrize("name", ["x.csv", "x.tsv", "x.xlsx", "x.parquet", "x.jsonl", "x.json"])
def test_every_format_gives_the_same_responses(tmp_path: Path, name: str) -> None:
    expected = read_export(write(tmp_path, "ref.csv", frame())).responses
    result = read_export(write(tmp_path, name, frame()))
    assert_frames_close(result.responses, expected, atol=EXACT_ATOL, check_dtype=True)
    assert list(result.responses["comment"]) == EXPECTED_COMMENTS
    assert list(result.responses["row"]) == [2, 3, 4]
    assert result.responses["nps"].tolist()[:2] == [9, 3]
    assert result.responses["nps"].isna().tolist() == [False, False, True]
    assert result.rejects.empty and list(result.rejects.columns) == REJECT_COLUMNS
    assert result.segments == ["channel"] and result.metrics == []


def test_responses_follow_the_contract(tmp_path: Path) -> None:
    result = read_export(write(tmp_path, "x.csv", frame()))
    dtypes = result.responses.dtypes.astype(str).to_dict()
    assert dtypes == {
        "response_id": "object",
        "row": "int64",
        "date": "datetime64[ns]",
        "comment": "object",
        "nps": "Int64",
        "csat": "Int64",
        "ces": "Int64",
        "channel": "object",
    }
    assert result.responses["date"][0] == pd.Timestamp("2025-03-04 10:22")
    assert result.responses["ces"].isna().all()
    assert result.source == str(tmp_path / "x.csv")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_give_the_same_text(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "x.csv", HEADER, ROWS, encoding=encoding)
    result = read_export(path)
    assert list(result.responses["comment"]) == EXPECTED_COMMENTS
    assert result.mapping["id"] == "Response ID"  # the BOM is not part of the first header
    assert result.encoding == encoding
    assert list(read_table(path).columns) == HEADER


def test_synonyms_map_to_roles(tmp_path: Path) -> None:
    header = ["responseId", "How likely are you to recommend us to a friend?", "Open ended"]
    header += ["Timestamp", "Customer Effort", "Sales Channel", "Order Value", "Zip code"]
    rows = [["a", "10", "fine", "2025-01-02", "3", "web", "12.5", "12345"]]
    result = read_export(write_csv(tmp_path / "x.csv", header, rows))
    assert result.mapping == {
        "id": "responseId",
        "date": "Timestamp",
        "nps": "How likely are you to recommend us to a friend?",
        "ces": "Customer Effort",
        "text": "Open ended",
        "sales_channel": "Sales Channel",
        "order_value": "Order Value",
    }
    assert result.segments == ["sales_channel"] and result.metrics == ["order_value"]
    assert result.responses.loc[0, "order_value"] == pytest.approx(12.5)
    assert result.responses.loc[0, "nps"] == 10


def test_overrides_win_and_names_are_snake_case(tmp_path: Path) -> None:
    header = ["Key", "Notes", "Score", "Comment", "Date", "Team Name", "NPS"]
    rows = [["k1", "the real text", "8", "ignored", "x", "blue", "1"]]
    mapping = ColumnMapping(text="Notes", id="key", nps="Score", segments=("Team Name", "Date"))
    result = read_export(write_csv(tmp_path / "x.csv", header, rows), mapping)
    assert result.mapping["text"] == "Notes" and result.mapping["id"] == "Key"
    assert result.mapping["nps"] == "Score" and "date" not in result.mapping
    assert result.segments == ["team_name", "date_2"]  # no clash with the role column 'date'
    assert result.metrics == ["nps_2"]  # the unmapped numeric 'NPS' column
    row = result.responses.iloc[0]
    assert (row["comment"], row["response_id"], row["nps"], row["date_2"]) == (
        "the real text", "k1", 8, "x",
    )  # fmt: skip


def test_bad_override_names_column_and_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", frame())
    with pytest.raises(ColumnError) as info:
        read_export(path, ColumnMapping(text="Verbatm"))
    message = str(info.value)
    assert "'Verbatm'" in message and "'Likelihood to recommend'" in message
    assert "Did you mean 'Verbatim'?" in message


def test_missing_text_column(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["id", "nps", "region"], [["a", "9", "EU"]])
    with pytest.raises(ColumnError, match="--text COLUMN") as info:
        read_export(path)
    assert "'id', 'nps', 'region'" in str(info.value)
    assert "no header row" not in str(info.value)


def test_a_file_without_a_header_row_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_text("Wow... Loved this place.\t1\nCrust is not good.\t0\n", "utf-8")
    with pytest.raises(ColumnError, match="--text COLUMN") as info:
        read_export(path)
    message = str(info.value)
    assert "reviews.tsv" in message and "'1'" in message
    assert "if the file has no header row, add one" in message


def test_bad_values_become_rejects_and_rows_are_kept(tmp_path: Path) -> None:
    header = ["id", "comment", "nps", "csat", "ces", "date", "revenue"]
    rows = [
        ["a", "ok", "11", "good", "0", "2025-03-04", "10"],
        ["b", "fine", " 9 ", "4.0", "7", "soon-ish", "n/a"],
        ["c", "meh", "7.5", "5", "1", "", "12,5"],
        ["d", "bad", "-1", "", "3", "2025-03-05", "3.5"],
    ]
    path = write_csv(tmp_path / "x.csv", header, rows)
    result = read_export(path, ColumnMapping(metrics=("revenue",)))
    res, rej = result.responses, result.rejects
    assert list(res["response_id"]) == ["a", "b", "c", "d"]
    assert res["nps"].tolist()[1] == 9 and res["nps"].isna().tolist() == [True, False, True, True]
    assert res["csat"].tolist()[1:2] == [4] and pd.isna(res["csat"][0])
    assert pd.isna(res["ces"][0]) and res["date"].isna().tolist() == [False, True, True, False]
    assert result.metrics == ["revenue"] and res["revenue"].isna().tolist() == [
        False,
        True,
        True,
        False,
    ]
    found = set(rej[["file", "row", "column", "value"]].itertuples(index=False, name=None))
    assert found == {
        (str(path), 2, "nps", "11"),
        (str(path), 2, "csat", "good"),
        (str(path), 2, "ces", "0"),
        (str(path), 3, "date", "soon-ish"),
        (str(path), 4, "nps", "7.5"),
        (str(path), 4, "revenue", "12,5"),
        (str(path), 5, "nps", "-1"),
    }  # empty cells and "n/a" are simply missing
    reasons = dict(zip(rej["value"], rej["reason"], strict=True))
    assert reasons["11"] == "NPS must be an integer from 0 to 10"
    assert reasons["good"] == "CSAT must be an integer from 1 to 5"
    assert reasons["0"] == "CES must be an integer from 1 to 7"
    assert rej["row"].dtype == "int64" and list(rej["row"]) == sorted(rej["row"])


def test_dates_flexible_and_consistent(tmp_path: Path) -> None:
    dates = ["2025-03-04", "2025-03-04 10:22", "03/04/2025", "4 Mar 2025", "20250304"]
    path = write_csv(tmp_path / "x.csv", ["comment", "date"], [["x", d] for d in dates])
    parsed = read_export(path).responses["date"]
    assert list(parsed.dt.date.astype(str)) == ["2025-03-04"] * 5  # month first by default
    dayfirst = write_csv(
        tmp_path / "y.csv", ["comment", "date"], [["x", "03/04/2025"], ["x", "13/04/2025 2:15 PM"]]
    )
    parsed = read_export(dayfirst).responses["date"]
    assert list(parsed) == [pd.Timestamp("2025-04-03"), pd.Timestamp("2025-04-13 14:15")]


def test_dates_with_a_month_name_and_a_two_digit_year(tmp_path: Path) -> None:
    """DD-MON-YY ("31-Jul-18") is how Excel and many databases export dates; a review export
    written that way once lost every date to the rejects."""
    cells = ["31-Jul-18", "1 Aug 18", "Jul 31, 18", "05-Sept-19", "31-Foo-18", "30-Feb-18"]
    path = write_csv(tmp_path / "x.csv", ["comment", "date"], [["x", d] for d in cells])
    result = read_export(path)
    parsed = result.responses["date"]
    assert list(parsed[:4].dt.date.astype(str)) == [
        "2018-07-31",
        "2018-08-01",
        "2018-07-31",
        "2019-09-05",
    ]
    assert parsed[4:].isna().all() and len(parsed) == 6  # unreadable: rejected, row kept
    assert result.rejects["value"].tolist() == ["31-Foo-18", "30-Feb-18"]


def test_excel_serial_and_date_cells(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["comment", "date"])
    sheet.append(["serial", 45720])
    sheet.append(["cell", pd.Timestamp("2025-03-05 08:00").to_pydatetime()])
    book.save(tmp_path / "x.xlsx")
    parsed = read_export(tmp_path / "x.xlsx").responses["date"]
    assert list(parsed) == [pd.Timestamp("2025-03-04"), pd.Timestamp("2025-03-05 08:00")]


def test_empty_comments_and_text_cleaning() -> None:
    comments = ["", "   ", None, float("nan"), "Cafe\u0301\x00 ok\r\nbye", "x"]
    raw = pd.DataFrame({"comment": comments, "nps": [1, 2, 3, 4, 5, 6]})
    result = validate(raw, source="df", mapping=None)
    assert list(result.responses["comment"]) == ["", "", "", "", "Café ok\nbye", "x"]
    assert list(result.responses["response_id"]) == [f"row-{n}" for n in range(2, 8)]
    assert result.rejects.empty


def test_huge_comment_is_truncated_with_a_reject(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["id", "comment"], [["a", "y" * 25_000], ["b", "short"]])
    result = read_export(path)
    assert len(result.responses["comment"][0]) == MAX_COMMENT_CHARS
    assert result.responses["comment"][1] == "short"
    (reject,) = result.rejects.itertuples(index=False)
    assert (reject.row, reject.column, reject.value) == (2, "comment", "<25,000 characters>")
    assert "truncated" in reject.reason


def test_duplicate_ids_are_kept_unique_with_rejects(tmp_path: Path) -> None:
    rows = [["a", "x"], ["a", "y"], ["", "z"], ["a", "w"]]
    result = read_export(write_csv(tmp_path / "x.csv", ["id", "comment"], rows))
    assert list(result.responses["response_id"]) == ["a", "a#2", "row-4", "a#3"]
    assert list(result.rejects["row"]) == [3, 4, 5]
    assert "duplicate" in result.rejects["reason"][0] and "'a#2'" in result.rejects["reason"][0]
    assert "empty" in result.rejects["reason"][1]


@pytest.mark.parametrize(
    ("content", "needle"),
    [("id,comment\n1,a\n2,b,extra,more\n", "line 3"), ('id,comment\n1,"open\n2,b\n', "quotes")],
)
def test_malformed_csv(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(UnreadableFileError, match=needle) as info:
        read_export(path)
    assert "bad.csv" in str(info.value)


def test_invalid_json_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"comment": "a"}\n{"comment": "b"}\n{"comment": oops}\n', "utf-8")
    with pytest.raises(UnreadableFileError, match=r"x\.jsonl: invalid JSON on line 3"):
        read_export(path)


@pytest.mark.parametrize("name", ["x.parquet", "x.xlsx"])
def test_corrupt_binary_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04 this is not really a zip or parquet file" * 10)
    with pytest.raises(UnreadableFileError, match=name.replace(".", r"\.")):
        read_export(path)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.xls"
    path.write_text("id,comment\n1,a\n", "utf-8")
    with pytest.raises(UnreadableFileError, match=r"x\.xls.*\.csv.*\.xlsx.*\.parquet.*\.jsonl"):
        read_export(path)
    with pytest.raises(UnreadableFileError, match="not found"):
        read_export(tmp_path / "nope.csv")


@pytest.mark.parametrize(("content", "needle"), [("", "empty"), ("\n\n", "no header"),
                                                 ("id,comment\n", "no data rows")])  # fmt: skip
def test_empty_files(tmp_path: Path, content: str, needle: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(UnreadableFileError, match=needle):
        read_export(path)


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('id,comment,nps\na,"two\nlines",9\n\nb,x,12\n', "utf-8")
    result = read_export(path)
    assert list(result.responses["row"]) == [2, 4]
    assert list(result.rejects["row"]) == [3, 4]  # the blank row, then NPS 12


@pytest.mark.parametrize("name", ["x.csv", "x.xlsx"])
def test_blank_rows_are_skipped_with_one_reject_each(tmp_path: Path, name: str) -> None:
    blank = [None, None, None, None, None, None]
    rows = [ROWS[0], blank, ROWS[1], ["  ", "", None, None, None, " "], ROWS[2]]
    path = write(tmp_path, name, frame(rows))
    result = read_export(path)
    assert list(result.responses["row"]) == [2, 4, 6]
    assert list(result.responses["comment"]) == EXPECTED_COMMENTS
    rejects = result.rejects.to_dict("records")
    reason = "blank row: every cell is empty; skipped"
    assert rejects == [
        {"file": str(path), "row": row, "column": "", "value": "", "reason": reason}
        for row in (3, 5)
    ]
    parts = list(iter_export(path, chunk_rows=2))
    joined = pd.concat([p.rejects for p in parts], ignore_index=True)
    assert_frames_close(joined, result.rejects, atol=EXACT_ATOL, check_dtype=True)


def test_blank_rows_reject_in_a_dataframe() -> None:
    raw = pd.DataFrame({"comment": ["a", None, "", "b"], "nps": [1, None, " ", 2]})
    result = validate(raw, source="df", mapping=None)
    assert list(result.responses["row"]) == [2, 5]
    assert list(result.rejects["row"]) == [3, 4]
    assert set(result.rejects["column"]) == {""} and set(result.rejects["value"]) == {""}


@pytest.mark.parametrize("name", ["x.csv", "x.jsonl", "x.parquet", "x.xlsx"])
def test_iter_export_equals_read_export(tmp_path: Path, name: str) -> None:
    rows = [
        [f"r{i % 7}", f"2025-03-{i % 28 + 1:02d}", f"comment {i}", i % 13, 3, "web"]
        for i in range(23)
    ]
    path = write(tmp_path, name, frame(rows))
    whole = read_export(path)
    parts = list(iter_export(path, chunk_rows=5))
    assert len(parts) == 5 and all(len(p.responses) <= 5 for p in parts)
    for attr in ("responses", "rejects"):
        joined = pd.concat([getattr(p, attr) for p in parts], ignore_index=True)
        assert_frames_close(joined, getattr(whole, attr), atol=EXACT_ATOL, check_dtype=True)
    assert list(parts[1].responses["row"]) == [7, 8, 9, 10, 11]
    assert parts[-1].rejects["row"].tolist() == [22, 23, 24]  # ids first seen in chunk 1
    assert len(whole.rejects) == 16 + 2  # 16 duplicate ids, NPS 11 and 12
    with pytest.raises(ConfigError):
        next(iter_export(path, chunk_rows=0))
