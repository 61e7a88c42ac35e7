"""Bounds on an export's columns, segments and metrics, in every format (issue 16, High)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analyzer.errors import ColumnError, ConfigError
from analyzer.ingest import ColumnMapping, iter_export, read_export, validate
from analyzer.ingest.limits import Limits

WIDE = pd.DataFrame(
    [["the app crashes", *range(11)], ["delivery was late", *range(11)]],
    columns=["comment", *(f"q{i}" for i in range(11))],
)  # 12 columns


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif path.suffix == ".parquet":
        frame.astype(str).to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        lines = [json.dumps(r) for r in frame.astype(str).to_dict("records")]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(list(row))
        book.save(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl", ".xlsx"])
def test_too_many_columns_are_refused_naming_the_file(tmp_path: Path, suffix: str) -> None:
    path = _write(WIDE, tmp_path / f"wide{suffix}")
    limits = Limits(columns=11)
    for read in (
        lambda: read_export(path, limits=limits),
        lambda: next(iter(iter_export(path, chunk_rows=1, limits=limits))),
    ):
        with pytest.raises(ColumnError, match=r"wide\.\w+ has 12 columns; at most 11") as info:
            read()
        assert "CXA_MAX_COLUMNS" in str(info.value)
    assert len(read_export(path, limits=Limits(columns=12)).responses) == 2


def test_segments_and_metrics_are_bounded_whether_chosen_or_detected() -> None:
    raw = pd.DataFrame(
        {"comment": ["a"], "channel": ["x"], "region": ["y"], "m1": ["1"], "m2": ["2"]}
    )
    with pytest.raises(ColumnError, match=r"2 segment columns.*CXA_MAX_SEGMENTS"):
        validate(raw, source="s.csv", mapping=None, limits=Limits(segments=1))
    chosen = ColumnMapping(segments=("m1", "m2", "region"))
    with pytest.raises(ColumnError, match="3 segment columns"):
        validate(raw, source="s.csv", mapping=chosen, limits=Limits(segments=2))
    with pytest.raises(ColumnError, match=r"2 metric columns.*--metric.*CXA_MAX_METRICS"):
        validate(raw, source="s.csv", mapping=None, limits=Limits(metrics=1))
    fine = validate(raw, source="s.csv", mapping=None, limits=Limits(segments=2, metrics=2))
    assert fine.segments == ["channel", "region"] and fine.metrics == ["m1", "m2"]


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Limits.from_env() == Limits(columns=1_000, segments=50, metrics=200)
    monkeypatch.setenv("CXA_MAX_COLUMNS", "3")
    monkeypatch.setenv("CXA_MAX_METRICS", "7")
    assert Limits.from_env() == Limits(columns=3, segments=50, metrics=7)
    with pytest.raises(ColumnError, match="at most 3"):
        validate(WIDE, source="w.csv", mapping=None)
    monkeypatch.setenv("CXA_MAX_SEGMENTS", "lots")
    with pytest.raises(ConfigError, match="CXA_MAX_SEGMENTS must be a positive whole number"):
        Limits.from_env()
