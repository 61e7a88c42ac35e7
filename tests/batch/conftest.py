"""A small theme model fitted once with the fake embedder, and small demo exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import demo
from analyzer.config import AnalysisConfig, make_config


@pytest.fixture(scope="session")
def fast_config() -> AnalysisConfig:
    return make_config(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory, fast_config: AnalysisConfig) -> Path:
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store

    tmp = tmp_path_factory.mktemp("fit")
    export, _ = demo.write(tmp / "fit.csv", 300, seed=3)
    analyze_and_store(
        export, Store(tmp / "fit.duckdb"), config=fast_config, model_dir=tmp / "model"
    )
    return tmp / "model"


@pytest.fixture(scope="session")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = demo.write(tmp_path_factory.mktemp("new") / "new.csv", 400, seed=4)
    return path
