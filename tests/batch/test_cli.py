"""``cxa score`` through Typer's CliRunner, including its error messages."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

import analyzer.cli.score  # noqa: F401  (registers the command)
from analyzer.cli import app

runner = CliRunner()


def _score(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["score", *map(str, args)])


def test_cli_scores_and_is_idempotent(tmp_path, export, model_dir) -> None:
    out = tmp_path / "out"
    args = (export, "--model", model_dir, "--out", out, "--chunk-rows", "150",
            "--spacy-model", "blank", "--sentiment", "vader")  # fmt: skip
    first = _score(*args)
    assert first.exit_code == 0, first.output
    assert "scored 400 responses" in first.output and "comments/s" in first.output
    assert _score(*args).exit_code == 0
    responses = pd.read_parquet(out / "responses.parquet")
    assert len(responses) == 400 and responses["response_id"].is_unique
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and sorted(manifest["chunks"]) == ["0", "1", "2"]
    assert manifest["settings"]["embedding"] == "fake"  # taken from the model's card
    assert (out / "cxa.duckdb").exists()


def test_missing_model_folder_is_a_clear_error(tmp_path, export) -> None:
    result = _score(export, "--model", tmp_path / "nope", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "No theme model" in result.output and "--model DIR/model" in result.output


def test_model_and_embedder_mismatch_is_a_clear_error(tmp_path, export, model_dir) -> None:
    result = _score(export, "--model", model_dir, "--out", tmp_path / "out", "--fast")
    assert result.exit_code == 2
    assert "fitted with the embedder 'fake-256'" in result.output
    assert "cxa analyze EXPORT --model static" in result.output


def test_bad_dask_address_is_a_clear_error(tmp_path, export, model_dir) -> None:
    result = _score(export, "--model", model_dir, "--out", tmp_path / "out",
                    "--spacy-model", "blank", "--dask", "local:zero")  # fmt: skip
    assert result.exit_code == 2 and "local:N" in result.output
