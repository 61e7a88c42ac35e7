"""The architecture's import contracts (pyproject.toml, ``make contracts``) hold, and they
catch what they are for: an upward import in a scratch copy fails with the contract's name."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")
TOP_LEVEL_MODULES = {
    "__init__.py", "__main__.py", "config.py", "errors.py", "faults.py", "tables.py",
}  # fmt: skip


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache", "--no-logo", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the two packages and the contracts, to break on purpose."""
    root = tmp_path_factory.mktemp("scratch")
    for package in ("analyzer", "api"):
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_top_level_holds_packages_and_a_few_modules() -> None:
    modules = {p.name for p in (ROOT / "analyzer").glob("*.py")}
    assert modules == TOP_LEVEL_MODULES


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("metrics/_stats.py", "from analyzer.pipeline import steps", "Layers"),
        ("store/jobs.py", "from analyzer.themes import persist", "Layers"),
        ("themes/arrays.py", "from analyzer.sentiment import _base", "steps that are independent"),
        ("text/clean.py", "import api.errors", "The library never imports the service"),
        ("metrics/scores.py", "import fastapi", "The library never imports the service"),
    ],
)
def test_an_import_that_breaks_the_architecture_fails_naming_its_contract(
    scratch: Path, module: str, line: str, contract: str
) -> None:
    target = scratch / "analyzer" / module
    original = target.read_text("utf-8")
    try:
        target.write_text(original + f"\n{line}  # noqa\n", "utf-8")
        result = _lint(scratch)
    finally:
        target.write_text(original, "utf-8")
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken.replace("\n", " "), result.stdout
