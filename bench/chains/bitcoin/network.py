"""The managed regtest network: N litecoind nodes on loopback, peered by a topology, fed blocks by a producer.

The embedded default target of the Bitcoin family (`target: {chain: bitcoin, network: {nodes: 3, topology:
ring, block_time: 1s}}`). `start()` starts every node (data dirs and logs under `<run dir>/nodes/`), peers
them by the topology and waits, polling, until every link is up; `mature(address)` mines the coinbase
maturity's worth of blocks to the funder's address and waits until every node holds that tip;
`start_producer(addresses)` then mines a block every `block_time` on the producer (node-K, or the nodes in
turn). `stop()` stops the producer, then every node, and runs on every exit of the context manager
(success, error, Ctrl-C). Nodes stopped after a fault come back with `RegtestNode.restart()` and
`reconnect(k)`.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bench.chains.bitcoin.litecoind import (
    MWEB_VBPARAMS,
    WHITELIST,
    RegtestNode,
    RpcCredentials,
    find_litecoind,
    litecoind_version,
    log_tail,
)
from bench.chains.bitcoin.producer import BlockProducer, ProducedBlock
from bench.chains.bitcoin.topology import TOPOLOGIES, Link, links
from bench.clock import Clock
from bench.errors import RpcError, TargetError

COINBASE_MATURITY = 100  # a coinbase is spendable once 100 blocks are built on it
ROUND_ROBIN = "round-robin"
NODE_ALREADY_ADDED = -23  # addnode add of a peer already in the added-node list
MWEB_NOTE = (
    f"{MWEB_VBPARAMS} (MWEB kept inactive: once it activates on regtest, after a few hundred blocks, "
    "generatetoaddress fails with 'CreateNewBlock: TestBlockValidity failed: bad-txns-vin-empty')"
)

WHITELIST_NOTE = (
    f"{WHITELIST} (the nodes trust each other: a syncing node fetches blocks from any peer, and transactions "
    "are relayed at once, without Core's 1-5 s trickle delay)"
)


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    """How the managed network is made; a default lives here once. Limits of None keep the node's default."""

    nodes: int = 3
    topology: str = "ring"
    block_time: float = 1.0
    producer: str = "node-0"  # "node-K", or "round-robin" (every node in turn)
    limit_ancestor_count: int | None = None  # -limitancestorcount (litecoind's default: 25)
    limit_descendant_count: int | None = None  # -limitdescendantcount (litecoind's default: 25)
    binary: Path | None = None  # None: litecoind on PATH
    fallback_fee: str = "0.0001"  # LTC/kvB, a wallet's fee where it has no estimate yet
    rpc_threads: int = 8
    rpc_work_queue: int = 256  # litecoind's 16 answers HTTP 503 "Work queue depth exceeded" under load
    startup_timeout: float = 30.0
    peering_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.nodes < 1:
            raise ValueError(f"a network needs at least 1 node, got {self.nodes}")
        if self.topology not in TOPOLOGIES:
            raise ValueError(f"topology must be one of {', '.join(TOPOLOGIES)}, got {self.topology!r}")
        if self.block_time <= 0:
            raise ValueError(f"block_time must be > 0 s, got {self.block_time}")
        names = [f"node-{k}" for k in range(self.nodes)]
        if self.producer != ROUND_ROBIN and self.producer not in names:
            raise ValueError(
                f"producer must be {ROUND_ROBIN} or one of {', '.join(names)}, got {self.producer!r}"
            )
        for limit in (self.limit_ancestor_count, self.limit_descendant_count):
            if limit is not None and limit < 1:
                raise ValueError(f"a mempool limit must be >= 1, got {limit}")

    @property
    def producers(self) -> tuple[int, ...]:
        """The nodes that take the producer's slots in turn."""
        if self.producer == ROUND_ROBIN:
            return tuple(range(self.nodes))
        return (int(self.producer.removeprefix("node-")),)

    def node_args(self) -> tuple[str, ...]:
        """The command-line options every node gets beyond its ports, data dir and log."""
        args = [
            f"-fallbackfee={self.fallback_fee}",
            f"-rpcthreads={self.rpc_threads}",
            f"-rpcworkqueue={self.rpc_work_queue}",
        ]
        if self.limit_ancestor_count is not None:
            args.append(f"-limitancestorcount={self.limit_ancestor_count}")
        if self.limit_descendant_count is not None:
            args.append(f"-limitdescendantcount={self.limit_descendant_count}")
        return tuple(args)


class ManagedNetwork:
    """The network's nodes and producer; use as a context manager so every node is always stopped."""

    def __init__(self, config: NetworkConfig, run_dir: Path, *, clock: Clock | None = None) -> None:
        self.config, self.run_dir, self.clock = config, run_dir, clock
        self.links: tuple[Link, ...] = links(config.topology, config.nodes)
        self.nodes: tuple[RegtestNode, ...] = ()
        self.version = ""
        self.producer: BlockProducer | None = None
        self.produced: tuple[ProducedBlock, ...] = ()  # what the last producer made (kept after stop)
        self._away: set[int] = set()  # nodes a fault left down, paused or cut off (see `fault`)

    def start(self) -> Self:
        """Start every node, peer them, and wait until every link is up; on any failure (Ctrl-C too),
        whatever started is stopped before the error goes on."""
        try:
            binary = find_litecoind(self.config.binary)
            self.version = litecoind_version(binary)
            credentials = RpcCredentials.generate()
            nodes_dir, args = self.run_dir / "nodes", self.config.node_args()
            self.nodes = tuple(
                RegtestNode(k, binary, nodes_dir, credentials, args, self.config.startup_timeout)
                for k in range(self.config.nodes)
            )
            for node in self.nodes:  # started together, then waited for: startups overlap
                node.spawn()
            for node in self.nodes:
                node.wait_ready()
            self._dial(self.links)
            self.wait_peered()
        except BaseException:
            self.stop()
            raise
        return self

    def wait_peered(self, timeout: float | None = None) -> None:
        """Poll until every node has its topology's peers (handshake done); TargetError naming the node
        still missing one, and its log's last lines, after `timeout` (default: the config's)."""
        self._poll(self._peering_problem, timeout or self.config.peering_timeout)

    def wait_synced(self, tip: str | None = None, timeout: float = 30.0) -> str:
        """Poll until every running node's best block is `tip` (None: the first producer's); returns it."""
        want = tip or str(self.nodes[self.config.producers[0]].call("getbestblockhash"))
        self._poll(lambda: self._behind(want), timeout)
        return want

    def mature(self, address: str, blocks: int = COINBASE_MATURITY + 1) -> str:
        """Mine `blocks` blocks to `address` (the funder's P2WPKH address) on the first producer, so
        `blocks - 100` coinbases are spendable, and wait until every node holds the new tip (returned)."""
        if blocks <= COINBASE_MATURITY:
            raise ValueError(
                f"mature needs more than {COINBASE_MATURITY} blocks for a spendable coin, got {blocks}"
            )
        hashes = self.nodes[self.config.producers[0]].call("generatetoaddress", blocks, address)
        return self.wait_synced(str(hashes[-1]))

    def start_producer(self, addresses: Sequence[str]) -> BlockProducer:
        """Mine a block every `block_time` on the producer; node k mines to `addresses[k % len(addresses)]`."""
        if self.producer is not None:
            raise TargetError("the block producer is already running")
        self.producer = BlockProducer(
            self.nodes, addresses, self.config.block_time, self.config.producers, self.clock
        )
        self.producer.start()
        return self.producer

    def stop_producer(self) -> tuple[ProducedBlock, ...]:
        """Stop the producer (if running); returns what it produced (also kept in `produced`)."""
        producer, self.producer = self.producer, None
        if producer is not None:
            self.produced = producer.stop()
        return self.produced

    def reconnect(self, k: int) -> None:
        """Dial node k's links again and wait for them: after `restart()` (a node forgets its added
        peers) or `set_network_active(True)` (an added peer is retried only once a minute). Only the links
        to nodes that can answer are dialled and waited for: not to one a fault left down, paused or cut off
        (that one is peered again when its own fault ends)."""
        away = self._away - {k}
        mine = tuple(link for link in self.links if k in link and not away.intersection(link))
        self._dial(mine)
        self._poll(lambda: self._peering_problem(mine), self.config.peering_timeout)

    def fault(self, k: int, action: str) -> str:
        """A fault step on node k: kill (SIGKILL), stop (RPC stop, waited for), start / restart (same data
        dir and ports, peers dialled again), pause / resume (SIGSTOP / SIGCONT), isolate / heal
        (`setnetworkactive`, links dialled again on heal). Returns what was done."""
        node = self.nodes[k]
        if action in ("kill", "stop"):
            pid = node.pid
            if action == "kill":
                node.kill()
            else:
                node.stop()
            self._away.add(k)
            return f"SIGKILL to pid {pid}" if action == "kill" else "RPC stop, exited"
        if action in ("start", "restart"):
            node.restart()
            self._away.discard(k)
            self.reconnect(k)
            return f"started as pid {node.pid}, peered again"
        if action in ("pause", "resume"):
            sent = signal.SIGSTOP if action == "pause" else signal.SIGCONT
            os.kill(node.pid, sent)
            (self._away.add if action == "pause" else self._away.discard)(k)
            return f"{sent.name} to pid {node.pid}"
        if action in ("isolate", "heal"):
            node.set_network_active(action == "heal")
            if action == "heal":
                self._away.discard(k)
                self.reconnect(k)
            else:
                self._away.add(k)
            return f"setnetworkactive {str(action == 'heal').lower()}"
        raise TargetError(f"{node.name} has no fault action {action!r}")

    def stop(self) -> None:
        """Stop the producer, then every node (RPC `stop` to all, then each waited for; SIGTERM, SIGKILL)."""
        try:
            self.stop_producer()
        finally:
            for node in self.nodes:
                node.request_stop()
            for node in self.nodes:
                node.wait_stopped()

    def metadata(self) -> dict[str, Any]:
        """What the run records of the network."""
        c = self.config
        return {
            "nodes": c.nodes,
            "topology": c.topology,
            "links": [list(link) for link in self.links],
            "block_time_s": c.block_time,
            "producer": c.producer,
            "version": self.version,
            "vbparams": MWEB_NOTE,
            "whitelist": WHITELIST_NOTE,
            "limit_ancestor_count": c.limit_ancestor_count,
            "limit_descendant_count": c.limit_descendant_count,
            "args": [f"-vbparams={MWEB_VBPARAMS}", f"-whitelist={WHITELIST}", *c.node_args()],
            "ports": {n.name: {"p2p": n.p2p_port, "rpc": n.rpc_port} for n in self.nodes},
        }

    def _dial(self, to_dial: Sequence[Link]) -> None:
        """`addnode add` (redialled if the link drops), then `onetry` (connects now: an added peer waits
        for litecoind's next 2 s round)."""
        for a, b in to_dial:
            dialer, address = self.nodes[a], self.nodes[b].p2p_address
            try:
                dialer.call("addnode", address, "add")
            except RpcError as exc:
                if exc.code != NODE_ALREADY_ADDED:
                    raise
            dialer.call("addnode", address, "onetry")

    def _peering_problem(self, links: Sequence[Link] | None = None) -> tuple[RegtestNode, str] | None:
        """The first node still missing a link of `links` (default: all; an outbound peer it dialled, or an
        inbound one)."""
        links = self.links if links is None else links
        for k, node in enumerate(self.nodes):
            if not any(k in link for link in links):
                continue
            peers = [p for p in node.call("getpeerinfo") if "verack" in p.get("bytesrecv_per_msg", {})]
            outbound = {p["addr"] for p in peers if not p["inbound"]}
            missing = [
                self.nodes[b].name for a, b in links if a == k and self.nodes[b].p2p_address not in outbound
            ]
            want_in, inbound = sum(b == k for _, b in links), sum(bool(p["inbound"]) for p in peers)
            if missing:
                return node, f"has no link to {', '.join(missing)}"
            if inbound < want_in:
                return node, f"has {inbound} of its {want_in} inbound peers"
        return None

    def _behind(self, tip: str) -> tuple[RegtestNode, str] | None:
        for node in self.nodes:
            info = node.call("getblockchaininfo") if node.running else None
            if info is not None and info["bestblockhash"] != tip:
                return node, f"is at height {info['blocks']} ({info['bestblockhash']}), not at the tip {tip}"
        return None

    def _poll(self, problem: Callable[[], tuple[RegtestNode, str] | None], timeout: float) -> None:
        """Poll `problem` until it finds none; TargetError saying which node and how its log ends."""
        deadline = time.monotonic() + timeout
        while (found := problem()) is not None:
            if time.monotonic() > deadline:
                node, what = found
                raise TargetError(
                    f"after {timeout:g}s {node.name} {what}; its log {node.log_path} ends:\n"
                    + log_tail(node.log_path)
                )
            time.sleep(0.02)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
