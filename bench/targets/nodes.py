"""The managed nodes chainmark can start itself, by name (`target.node`, `--node`): one registry line each."""

from __future__ import annotations

from pathlib import Path

from bench.targets.anvil import ManagedAnvil
from bench.targets.ganache import ManagedGanache
from bench.targets.hardhat import ManagedHardhat
from bench.targets.managed import ManagedNode

# keyed by the workload's names (bench.workload.spec.NODE_NAMES; a test checks they agree)
MANAGED_NODES: dict[str, type[ManagedNode]] = {
    "anvil": ManagedAnvil,
    "hardhat": ManagedHardhat,
    "ganache": ManagedGanache,
}


def managed_node(name: str, run_dir: Path, *, block_time: float, gas_limit: int) -> ManagedNode:
    """The managed node `name`, logging to `run_dir/<name>.log` (not started)."""
    return MANAGED_NODES[name](run_dir / f"{name}.log", block_time=block_time, gas_limit=gas_limit)
