"""The shape of the code: no import cycle between modules, no private name imported from
another module. The layer contracts themselves are import-linter's (pyproject.toml, run by
``make lint``)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import grimp
import pytest

from vigie.core.settings import ROOT

PACKAGES = ("vigie", "bot", "actions")


def _internal(module: str) -> bool:
    return module.split(".")[0] in PACKAGES


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    modules = sorted(m for m in graph.modules if _internal(m))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for child in sorted(graph.find_modules_directly_imported_by(module)):
            if not _internal(child):
                continue
            if child not in index:
                visit(child)
                low[module] = min(low[module], low[child])
            elif child in stack:
                low[module] = min(low[module], index[child])
        if low[module] == index[module]:
            component = stack[stack.index(module) :]
            del stack[stack.index(module) :]
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_between_modules(graph: grimp.ImportGraph) -> None:
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    """The check above can fail: a graph with a cycle is reported."""
    cyclic = grimp.ImportGraph()
    for name in ("vigie", "vigie.a", "vigie.b", "vigie.c"):
        cyclic.add_module(name)
    cyclic.add_import(importer="vigie.a", imported="vigie.b")
    cyclic.add_import(importer="vigie.b", imported="vigie.a")
    cyclic.add_import(importer="vigie.c", imported="vigie.a")
    assert _cycles(cyclic) == [["vigie.a", "vigie.b"]]


def _private_imports() -> Iterator[str]:
    """``from other.module import _private`` anywhere in the project's code."""
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if not _internal(node.module):
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        where = path.relative_to(ROOT)
                        yield f"{where}:{node.lineno} imports {node.module}.{alias.name}"


def test_no_private_name_is_imported_across_modules() -> None:
    assert list(_private_imports()) == []
