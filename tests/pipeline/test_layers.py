"""The import graph runs one way: errors/config → core → storage → sources → notifiers → pipeline → run →
cli/web. No module imports a layer above its own, and no modules import each other in a cycle.

For the layers every import counts, including those inside functions and under ``TYPE_CHECKING``: a
type-only or deferred import of a higher layer is still an arrow the wrong way. For cycles, imports at
module level count, ``TYPE_CHECKING`` ones included, as long as one import of the cycle is a real one (two
modules naming each other's types only for the type checker import nothing at run time). An import
deferred into a function is how a registry loads its plugins (the per-language lexicons) and how commands
stay fast to start; it is not a cycle.
"""

from __future__ import annotations

import ast
import itertools
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("monitor", "storage", "notifiers")
LAYERS = (
    # the one severity scale is a leaf that both the config and the judgement read
    ("monitor.errors", "monitor.config", "monitor.config_fields", "monitor.core.severity"),
    ("monitor.core",),
    ("storage",),
    ("monitor.sources",),
    ("notifiers",),
    ("monitor.pipeline",),
    ("monitor.run", "monitor.demo_data"),  # the demo's sample history, read by the demo job
    ("monitor.cli", "monitor.web"),
)
#: The facade and the entry point sit outside the layers: they only re-export and start.
OUTSIDE = {"monitor", "monitor.__main__"}


@dataclass(frozen=True)
class Edge:
    target: str
    deferred: bool  # inside a function
    type_only: bool  # under ``if TYPE_CHECKING:``


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


def _statements(node: ast.AST, *, deferred: bool = False, type_only: bool = False
                ) -> list[tuple[ast.Import | ast.ImportFrom, bool, bool]]:
    found: list[tuple[ast.Import | ast.ImportFrom, bool, bool]] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.append((child, deferred, type_only))
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            for statement in child.body:
                found += _statements(ast.Module([statement], []), deferred=deferred, type_only=True)
            for statement in child.orelse:
                found += _statements(ast.Module([statement], []), deferred=deferred, type_only=type_only)
        else:
            inner = deferred or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            found += _statements(child, deferred=inner, type_only=type_only)
    return found


def edges_of(name: str, path: Path, known: set[str]) -> set[Edge]:
    """The project modules ``name`` imports (``from a import b`` counts a.b when that is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[Edge] = set()
    for node, deferred, type_only in _statements(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base])
            targets = [base.strip("."), *(f"{base}.{alias.name}".strip(".") for alias in node.names)]
        found.update(Edge(t, deferred, type_only) for t in targets if t in known and t != name)
    return found


def graph() -> dict[str, set[Edge]]:
    found = modules()
    known = set(found)
    return {name: edges_of(name, path, known) for name, path in found.items() if name not in OUTSIDE}


def layer_of(name: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes):
            return index
    return None


def test_every_module_belongs_to_a_layer() -> None:
    assert [name for name in graph() if layer_of(name) is None] == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = [
        f"{name} → {edge.target}"
        for name, edges in graph().items()
        for edge in sorted(edges, key=lambda edge: edge.target)
        if edge.target not in OUTSIDE and (layer_of(edge.target) or 0) > (layer_of(name) or 0)
    ]
    assert upward == []


def find_cycles(edges: dict[str, dict[str, bool]]) -> list[list[str]]:
    """Cycles found by a depth-first walk; ``edges[a][b]`` is True when a imports b for real."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges.get(node, {})):
            if state.get(target) == 1:
                loop = [*path[path.index(target):], target]
                if any(edges[a][b] for a, b in itertools.pairwise(loop)):
                    cycles.append(loop)
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return cycles


def test_the_import_graph_has_no_cycle() -> None:
    edges: dict[str, dict[str, bool]] = {}
    for name, found in graph().items():
        for edge in found:
            # a module importing its own package (to reach a sibling) is how packages work, not a cycle
            if edge.deferred or edge.target in OUTSIDE or name.startswith(edge.target + "."):
                continue
            real = edges.setdefault(name, {}).get(edge.target, False)
            edges[name][edge.target] = real or not edge.type_only
    assert find_cycles(edges) == []


def test_the_cycle_check_sees_a_type_only_import_answered_by_a_real_one() -> None:
    # what health.py and the chain once did to each other
    edges = {"health": {"chain": False}, "chain": {"health": True}}
    assert find_cycles(edges) == [["chain", "health", "chain"]]
    assert find_cycles({"a": {"b": False}, "b": {"a": False}}) == []
