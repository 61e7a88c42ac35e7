"""The import structure of analyzer/ and api/ has no cycle.

Every ``import`` is read from the source (nothing is executed, so the check is instant and
catches cycles that lazy imports hide at run time). Three levels: imports at module level
(what Python runs on import), imports inside functions (lazy ones), and imports only for
type checking (``if TYPE_CHECKING:``), which still tie two modules' designs together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("analyzer", "api")
KNOWN_LAZY_CYCLES: set[frozenset[str]] = set()
"""Lazy cycles accepted for now (none). An entry must name a cycle that exists: the tests
below fail otherwise, so a fixed cycle cannot stay listed."""


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _target(base: str, name: str) -> str:
    full = f"{base}.{name}" if base else name
    return full if full in MODULES else base


def _imports(name: str, path: Path, *, lazy: bool, typing: bool) -> set[str]:
    """Modules of analyzer/ and api/ that ``name`` imports at the levels asked for."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child) and not typing:
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and not lazy:
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.update(_target(base, alias.name) for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in MODULES and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def _graph(*, lazy: bool, typing: bool) -> dict[str, set[str]]:
    return {m: _imports(m, p, lazy=lazy, typing=typing) for m, p in MODULES.items()}


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _cycles(graph) == [frozenset({"a", "b", "c"})]
    assert _imports(
        "analyzer.pipeline.runs", MODULES["analyzer.pipeline.runs"], lazy=True, typing=True
    ) >= {
        "analyzer.embed",
        "analyzer.store",
        "analyzer.themes.persist",
    }


def test_no_import_cycle_at_module_level() -> None:
    """What Python runs on import: a cycle here can fail with a partly initialised module."""
    assert len(MODULES) > 80 and "api.model_pool" in MODULES
    assert _cycles(_graph(lazy=False, typing=False)) == []


@pytest.mark.parametrize("typing", [False, True], ids=["lazy imports", "and type-only imports"])
def test_no_import_cycle_beyond_the_known_one(typing: bool) -> None:
    cycles = set(_cycles(_graph(lazy=True, typing=typing)))
    assert cycles - KNOWN_LAZY_CYCLES == set()
    assert KNOWN_LAZY_CYCLES - cycles == set(), "fixed: remove it from KNOWN_LAZY_CYCLES"


def test_the_library_does_not_import_the_service() -> None:
    graph = _graph(lazy=True, typing=True)
    offenders = {m: sorted(d) for m, d in graph.items() if m.startswith("analyzer")}
    offenders = {m: [d for d in deps if d.startswith("api")] for m, deps in offenders.items()}
    assert {m: deps for m, deps in offenders.items() if deps} == {}
