"""The action modules are thin adapters in layers: no import cycle, no private name
imported from another module, no import inside a function."""

from __future__ import annotations

import ast

from vigie.core.settings import ROOT

ACTIONS = ROOT / "actions"


def _imports() -> dict[str, list[ast.ImportFrom | ast.Import]]:
    found: dict[str, list[ast.ImportFrom | ast.Import]] = {}
    for path in sorted(ACTIONS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found[path.stem] = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, nodes in _imports().items():
        graph[module] = set()
        for node in nodes:
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
            )
            graph[module] |= {n.removeprefix("actions.") for n in names if n.startswith("actions.")}
    return graph


def test_the_layers() -> None:
    assert _graph() == {
        "__init__": set(),
        "common": set(),
        "faq": {"common"},
        "tickets": {"common", "faq"},
        "phishing": {"common", "tickets"},
        "incidents": {"common", "tickets"},
    }


def test_no_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module not in done:
            for imported in graph[module]:
                visit(imported, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())


def test_no_private_name_crosses_a_module_and_no_lazy_import() -> None:
    for module, nodes in _imports().items():
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("actions", "vigie")
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"actions/{module}.py imports {private} from {node.module}"
            assert node.col_offset == 0, f"actions/{module}.py imports inside a function"
