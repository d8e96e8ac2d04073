"""No import cycle between packages: built from the source's AST, lazy imports included.

Each first-level package (``orders``, ``contacts`` …) and top-level module (``wiring``,
``app``) is a node; ``a → b`` when any module of ``a`` imports from ``b`` anywhere, at the top
or inside a function. Where a lower domain needs higher ones it keeps a registry that
``activereach.wiring`` fills at start-up (docs/architecture.md, "Rules for ingest code").
"""

from __future__ import annotations

import ast
from pathlib import Path

import activereach

ROOT = Path(activereach.__file__).parent


def _package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name.split(".")[1] for name in found
            if name.startswith("activereach.") and name.count(".") >= 1}


def import_graph() -> dict[str, dict[str, set[str]]]:
    """package → imported package → the files that import it."""
    graph: dict[str, dict[str, set[str]]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        package = _package_of(path)
        for target in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if target != package:
                graph.setdefault(package, {}).setdefault(target, set()).add(
                    str(path.relative_to(ROOT)))
    return graph


def _cycle_from(start: str, graph: dict[str, dict[str, set[str]]]) -> list[str] | None:
    """A path start → … → start, if there is one."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for target in sorted(graph.get(node, {})):
            if target == start:
                return [*path, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*path, target]))
    return None


def test_no_import_cycle_between_packages() -> None:
    graph = import_graph()
    cycles = {package: _cycle_from(package, graph) for package in sorted(graph)}
    found = {package: cycle for package, cycle in cycles.items() if cycle}
    assert not found, "import cycle between packages:\n  " + "\n  ".join(
        f"{a} → {b} ({', '.join(sorted(graph[a][b]))})"
        for cycle in found.values() for a, b in zip(cycle, cycle[1:], strict=False))


def test_the_graph_sees_lazy_imports() -> None:
    """The check would be blind if function-level imports were skipped."""
    tree = ast.parse("def f():\n    from activereach.orders.service import ingest_order\n")
    assert _imports(tree) == {"orders"}


def test_kit_and_jobs_import_no_domain() -> None:
    """The foundations: every domain may use them, so they may use no domain."""
    graph = import_graph()
    allowed = {"kit": {"config"}, "jobs": {"kit"}}
    for package, may_use in allowed.items():
        extra = set(graph.get(package, {})) - may_use
        assert not extra, f"{package} imports {sorted(extra)}: " + "; ".join(
            f"{t}: {sorted(graph[package][t])}" for t in sorted(extra))
