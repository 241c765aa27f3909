"""The managed regtest network as the engine's `Managed`: started, its funder's coins matured and its
block producer running on entry; every node stopped on exit, however the run ends."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from bench.chains.base import ManagedOptions
from bench.chains.bitcoin.connector import MANAGED_FUNDER_KEY
from bench.chains.bitcoin.keys import public_key_of
from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig
from bench.errors import UsageError
from bench.workload.spec import Network


class ManagedBitcoinNetwork:
    """node-0 takes the load (`url`, `pid`); the producer mines every `block_time`."""

    name = "litecoind-regtest"

    def __init__(self, options: ManagedOptions) -> None:
        network = options.target.network or Network()
        self.block_time = network.block_time
        config = NetworkConfig(
            nodes=network.nodes,
            topology=network.topology,
            block_time=network.block_time,
            producer=network.producer,
            limit_ancestor_count=network.mempool_chain_limit,
            limit_descendant_count=network.mempool_chain_limit,
        )
        self.network = ManagedNetwork(config, options.run_dir)

    @property
    def url(self) -> str:
        return self.network.nodes[0].url

    @property
    def node_urls(self) -> list[str]:
        return [node.url for node in self.network.nodes]

    @property
    def pid(self) -> int:
        return self.network.nodes[0].pid

    @property
    def version(self) -> str | None:
        return self.network.version or None

    def metadata(self) -> dict[str, Any]:
        """The network as the run records it: nodes, topology, producer, ports, the args that matter."""
        return self.network.metadata()

    def fault(self, node: int, action: str) -> str:
        """A fault step on node-K of the network (bench.faults): see `ManagedNetwork.fault`."""
        return self.network.fault(node, action)

    def __enter__(self) -> Self:
        self.network.start()
        try:
            node = self.network.nodes[0]
            descriptor = node.call("getdescriptorinfo", f"wpkh({public_key_of(MANAGED_FUNDER_KEY).hex()})")
            address = str(node.call("deriveaddresses", descriptor["descriptor"])[0])
            self.network.mature(address)
            self.network.start_producer([address])
        except BaseException:
            self.network.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.network.stop()


def managed_network(name: str, options: ManagedOptions) -> ManagedBitcoinNetwork:
    """The family's one managed target (`name` is the default node name, "network")."""
    if name != "network":
        raise UsageError(
            f"--node {name}: a Bitcoin target has no managed node by name (its network is target.network)"
        )
    return ManagedBitcoinNetwork(options)
