"""The import graph runs one way: errors/config → core → storage → sources → notifiers → pipeline → run →
cli/web. No module imports a layer above its own, and no modules import each other in a cycle.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a type-only import
of a higher layer is still an arrow the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("monitor", "storage", "notifiers")
LAYERS = (
    ("monitor.errors", "monitor.config"),
    ("monitor.core",),
    ("storage",),
    ("monitor.sources",),
    ("notifiers",),
    ("monitor.pipeline",),
    ("monitor.run",),
    ("monitor.cli", "monitor.web"),
)
#: The facade and the entry point sit outside the layers: they only re-export and start.
OUTSIDE = {"monitor", "monitor.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports (``from a import b`` counts a.b when that is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[:len(package.split(".")) - node.level + 1], base])
            found.add(base.strip("."))
            found.update(f"{base}.{alias.name}".strip(".") for alias in node.names)
    return {target for target in found if target in known and target != name}


def layer_of(name: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes):
            return index
    return None


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items() if name not in OUTSIDE}


def test_every_module_belongs_to_a_layer() -> None:
    assert [name for name in graph() if layer_of(name) is None] == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{name} → {target}"
        for name, targets in graph().items()
        for target in sorted(targets)
        if target not in OUTSIDE and (layer_of(target) or 0) > (layer_of(name) or 0)
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle() -> None:
    edges = {name: {t for t in targets if t not in OUTSIDE and not name.startswith(t + ".")}
             for name, targets in graph().items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert cycles == []
