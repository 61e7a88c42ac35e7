"""The public API: what ``analyzer.__all__`` names resolves, lazily, to the real objects."""

from __future__ import annotations

import subprocess
import sys

import pytest

import analyzer


def test_every_public_name_resolves_to_the_object_of_its_home_module() -> None:
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store
    from analyzer.themes import ThemeModel

    assert {"analyze", "ThemeModel", "Store", "score_frame", "read_export"} <= set(analyzer.__all__)
    for name in analyzer.__all__:
        assert getattr(analyzer, name) is not None, name
    assert analyzer.ThemeModel is ThemeModel
    assert analyzer.Store is Store
    assert analyzer.analyze_and_store is analyze_and_store
    assert analyzer.metrics.nps is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'fit_everything'"):
        _ = analyzer.fit_everything  # type: ignore[attr-defined]


def test_importing_the_package_loads_no_heavy_module() -> None:
    code = (
        "import sys, analyzer; "
        "print(sorted(m for m in ('pandas', 'torch', 'duckdb', 'spacy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_to_bertopic_is_public_and_loads_bertopic_only_when_called() -> None:
    from analyzer.interop import to_bertopic

    assert "to_bertopic" in analyzer.__all__ and analyzer.to_bertopic is to_bertopic
    code = (
        "import sys, analyzer; analyzer.to_bertopic; "
        "print(sorted(m for m in ('bertopic', 'umap', 'hdbscan') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_all_lists_exactly_the_lazily_imported_names() -> None:
    lazy = set(analyzer._HOMES) | set(analyzer._MODULES) | {"__version__"}
    assert set(analyzer.__all__) == lazy
