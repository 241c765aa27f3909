"""The import graph of bench's packages (read from the source, every import, lazy ones too): no cycle, and
the heavy or process-patching libraries stay in the one package each that owns them."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import bench

ROOT = Path(bench.__file__).parent
# a top-level module of bench (cli.py, engine.py, errors.py, clock.py) is its own unit
UNITS = sorted(
    {p.stem if p.is_file() else p.name for p in ROOT.iterdir() if p.suffix == ".py" or p.is_dir()}
    - {"__init__", "__pycache__"}
)


def _unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bench" and len(parts) > 1 else None


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out.extend(f"{node.module}.{a.name}" for a in node.names)  # `from bench import engine`
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
    return out


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """unit -> bench units it imports; unit -> outside top-level packages it imports."""
    inside: dict[str, set[str]] = defaultdict(set)
    outside: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        unit = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        for name in _imports(path):
            target = _unit(name)
            if name.split(".")[0] != "bench":
                outside[unit].add(name.split(".")[0])
            elif target is not None and target in UNITS and target != unit:
                inside[unit].add(target)
    return inside, outside


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_package_graph_has_no_cycle() -> None:
    inside, _ = _graph()
    assert _cycle(inside) is None, " -> ".join(_cycle(inside) or [])


@pytest.mark.parametrize(
    ("unit", "forbidden"),
    [
        pytest.param("kernels", set(UNITS) - {"kernels"}, id="kernels-is-a-leaf"),
        pytest.param(
            "chains",
            {"engine", "session", "after_window", "workers", "rounds", "load", "cli", "report"},
            id="chains-below-the-engine",
        ),
        pytest.param(
            "results",
            {
                "engine",
                "session",
                "after_window",
                "workers",
                "rounds",
                "load",
                "observe",
                "targets",
                "plan",
                "report",
                "cli",
            },
            id="results",
        ),
        pytest.param(
            "workload",
            {
                "engine",
                "session",
                "after_window",
                "workers",
                "rounds",
                "load",
                "observe",
                "targets",
                "plan",
                "report",
                "results",
            },
            id="workload",
        ),
        pytest.param(
            "report",
            {
                "engine",
                "session",
                "after_window",
                "workers",
                "rounds",
                "load",
                "observe",
                "targets",
                "plan",
                "cli",
            },
            id="report",
        ),
    ],
)
def test_a_layer_does_not_import_the_layers_above_it(unit: str, forbidden: set[str]) -> None:
    inside, _ = _graph()
    assert not inside[unit] & forbidden, sorted(inside[unit] & forbidden)


CHAIN_FREE = (
    "engine",
    "rounds",
    "load",
    "observe",
    "results",
    "report",
    "cli",
    "plan",
    "targets",
    "workload",
)


def test_the_engine_speaks_to_chains_only_through_the_seam() -> None:
    """Nothing above the seam imports a chain family's own modules: only bench.chains.base (the protocols)
    and bench.chains.registry (the families by name)."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        unit = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if unit not in CHAIN_FREE:
            continue
        for name in _imports(path):
            if name.startswith("bench.chains.") and name.split(".")[2] not in ("base", "registry"):
                offenders.append(f"{rel}: {name}")
    assert not offenders, offenders
    assert (ROOT / "chains" / "ethereum").is_dir(), "the check looks for a family that exists"


@pytest.mark.parametrize(
    ("library", "owners"),
    [
        pytest.param("locust", {"load"}, id="locust"),  # it monkey-patches the process with gevent
        pytest.param("gevent", {"load"}, id="gevent"),
        pytest.param("numba", {"kernels"}, id="numba"),
        pytest.param("plotly", {"report"}, id="plotly"),
    ],
)
def test_a_library_is_imported_by_its_owner_only(library: str, owners: set[str]) -> None:
    _, outside = _graph()
    users = {unit for unit, libraries in outside.items() if library in libraries}
    assert users <= owners, sorted(users - owners)
    assert users, f"{library} is imported somewhere (else this check checks nothing)"


@pytest.mark.parametrize(
    ("graph", "cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"plan": {"contracts"}, "contracts": {"plan"}}, ["contracts", "plan", "contracts"]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ],
)
def test_the_cycle_check_finds_a_cycle(graph: dict[str, set[str]], cycle: list[str] | None) -> None:
    assert _cycle(graph) == cycle


def test_the_report_runs_no_sql() -> None:
    """bench.report draws what bench.results reads (frozen records and arrays); it never queries the store."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "report").rglob("*.py")
        if ".query(" in path.read_text(encoding="utf-8") or "sqlite3" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
