"""The managed Ethereum dev nodes chainmark can start itself, by name (`target.node`, `--node`): one line each."""

from __future__ import annotations

from bench.chains.base import ManagedOptions
from bench.chains.ethereum.anvil import ManagedAnvil, find_anvil
from bench.chains.ethereum.ganache import ManagedGanache
from bench.chains.ethereum.hardhat import ManagedHardhat
from bench.targets.managed import ManagedNode

# keyed by the workload's names (bench.workload.spec.NODE_NAMES; a test checks they agree)
MANAGED_NODES: dict[str, type[ManagedNode]] = {
    "anvil": ManagedAnvil,
    "hardhat": ManagedHardhat,
    "ganache": ManagedGanache,
}


def managed_node(name: str, options: ManagedOptions) -> ManagedNode:
    """The managed node `name`, logging to `<run dir>/<name>.log`, with the workload's block time and gas
    limit (not started); Anvil's binary may be given explicitly (`--anvil-binary`). A restartable Anvil keeps
    its state in `<run dir>/anvil-state.json`."""
    target = options.target
    log = options.run_dir / f"{name}.log"
    if name == "anvil":
        binary = find_anvil(options.binary)
        state = options.run_dir / "anvil-state.json" if options.restartable else None
        return ManagedAnvil(
            log, block_time=target.block_time, gas_limit=target.gas_limit, binary=binary, state_path=state
        )
    return MANAGED_NODES[name](log, block_time=target.block_time, gas_limit=target.gas_limit)
