"""The connector seam: what the engine, the load path and the observer need from a chain, and nothing more.

A chain family (bench/chains/<family>/) implements these small protocols and registers one `ChainFamily`
in bench/chains/registry.py. The engine plans, funds, sends, observes and verifies through them; it never
speaks a chain's protocol. Connectors report facts (a request's answer, block n seen at t holding these
transaction ids, what the node said of a write after the window); what latency, throughput and success
mean is defined once, in bench/results/, over those facts (STYLE.md §9: the contrast with Caliper's
connectors, which each decided when a transaction "finished").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from bench.plan.round import PlannedRound
from bench.targets.url import Endpoint
from bench.workload.spec import Target, Workload

# number, timestamp, seen, tx count, gas used, gas limit, base fee, size: the store's `blocks` row
BlockRow = tuple[int, int, float, int, int, int, int | None, int | None]
InclusionRow = tuple[int, int, float]  # tx id, block number, seen
ReceiptRow = tuple[int, int, int]  # tx id, status (1 ok), gas used


@dataclass(frozen=True, slots=True)
class ChainInfo:
    """Who the target is, recorded with every run: `params` are the family's own facts (block gas limit...)."""

    client: str
    chain_id: int | str
    params: Mapping[str, object] = field(default_factory=dict)
    native: object = field(default=None, repr=False)  # the family's own record of the node, for its planner


@dataclass(frozen=True, slots=True)
class BlockFacts:
    """One block as read from the node: its store row, the ids of the transactions it holds (in order), its
    own hash and its parent's (how the observer tells a block on the same branch from one of a reorg)."""

    row: BlockRow
    tx_ids: Sequence[bytes]
    hash: bytes
    parent: bytes

    @property
    def number(self) -> int:
        return self.row[0]


@dataclass(frozen=True, slots=True)
class Write:
    """One of the run's writes the after-window check looks at: never seen in a block (`rejected` False),
    or refused at submission (`rejected` True: only its place in its sender's chain matters, to find gaps)."""

    tx_id: int
    sender: str  # the account as the chain names it (a 0x address, lower case, on Ethereum)
    nonce: int
    hash: bytes
    rejected: bool = False


@dataclass(frozen=True, slots=True)
class UnseenCheck:
    """What the check found: a reason per unseen write, and the inclusions and blocks it learnt of."""

    rows: list[tuple[int, str, bool]]  # tx id, reason, the write was its sender's next on chain
    inclusions: list[InclusionRow]
    blocks: list[BlockRow]
    pool: str  # how held writes were told apart (e.g. "txpool_inspect" or "nonces")

    def as_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for _, reason, _ in self.rows:
            counts[reason] = counts.get(reason, 0) + 1
        return {"checked": len(self.rows), "by_reason": dict(sorted(counts.items())), "pool": self.pool}


class ChainPlan(Protocol):
    """A chain's plan as the engine sees it: the rounds to send and what to record of the planning."""

    @property
    def rounds(self) -> list[PlannedRound]: ...

    @property
    def accounts(self) -> Sequence[str]:
        """Each workload account as the chain names it (index = the sender number in `PlannedRound`)."""
        ...

    def record(self) -> dict[str, Any]:
        """What summary.json's `plan` holds beside the engine's own figures (e.g. the gas price)."""
        ...


@dataclass(frozen=True, slots=True)
class Planned:
    """The planner's answer: the plan, and what signing it cost."""

    plan: ChainPlan
    signing_seconds: float
    processes: int


class Identity(Protocol):
    def identify(self, timeout: float) -> ChainInfo:
        """Ask the node who it is (the run's first call: a silent endpoint fails within `timeout`)."""
        ...


class Planner(Protocol):
    def plan(self, workload: Workload, info: ChainInfo, processes: int | None) -> Planned:
        """Keys from the seed, account state from the node, every round built and signed before the clock."""
        ...

    def resign(self, plan: ChainPlan, later: Sequence[PlannedRound]) -> list[PlannedRound]:
        """Sign `later` rounds again from the node's account state (a round left signed writes unsent)."""
        ...

    def settle(self, plan: ChainPlan, timeout: float) -> bool:
        """Wait (up to `timeout`) until the node's account state of `plan`'s accounts counts every earlier
        write of theirs the node holds, so that a plan or re-signing read now continues their chains; False
        when the timeout came first."""
        ...


class Preparer(Protocol):
    def prepare(self, plan: ChainPlan, info: ChainInfo, say: Callable[[str], None]) -> dict[str, object]:
        """Fund the workload's accounts and set up its contracts, confirmed, before the clock; say each step,
        and answer what the run's metadata records of it."""
        ...


class Wire(Protocol):
    """The bytes the load path sends for a planned transaction, and how the node's answer reads.
    Stateless and picklable by name: a Locust worker looks it up in the registry."""

    family: str  # the registry name a Locust worker looks the wire up by
    request_name: str  # the submission method, as Locust's statistics name it
    in_order: bool  # a sender's write must reach the node after its previous one was answered (a UTXO
    # chain's spend refused before its parent); False where the node queues them (Ethereum's nonces)

    def body(self, planned: PlannedRound, position: int, tx_id: int) -> bytes:
        """The request body that sends transaction `position` of `planned` (request id `tx_id`)."""
        ...

    def answer_error(self, status: int, content: bytes | None, transport_error: object) -> str | None:
        """The node's reason for refusing a submission, or None if it accepted it."""
        ...

    # Batches (several submissions in one request; the send path uses them where the node accepts them).
    probe_method: str | None  # a cheap read, no parameters, batched twice to learn if the node takes batches;
    # None: the protocol has no batches

    def batch_body(self, bodies: Sequence[bytes]) -> bytes:
        """One request carrying `bodies` (each a `body()`)."""
        ...

    def batch_errors(
        self, ids: Sequence[int], status: int, content: bytes | None, transport_error: object
    ) -> list[str | None]:
        """Each batched submission's refusal reason (None: accepted), matched by its request id `ids[i]`."""
        ...


class HeadStream(Protocol):
    """Pushed new heads (a subscription): `next_head` waits up to `timeout` for the next head's number."""

    mode: str

    def next_head(self, timeout: float) -> int | None: ...

    def close(self) -> None: ...


class HeadFeed(Protocol):
    """Following the chain's head and reading its blocks (the observer's only view of the chain)."""

    def head(self) -> int:
        """The current head's number (polled when there is no subscription)."""
        ...

    def blocks(self, numbers: Sequence[int], seen: float) -> list[BlockFacts]:
        """The blocks `numbers`, in order, as they reached us at `seen` (raises TargetError if one is missing)."""
        ...

    def hashes(self, numbers: Sequence[int]) -> list[bytes | None]:
        """The hashes of the node's best chain at heights `numbers`, in one cheap batched query (None past
        its tip: the best chain is shorter than that now)."""
        ...

    def subscribe(self) -> HeadStream | None:
        """A stream of new heads, or None where the node offers none (the observer polls instead)."""
        ...

    def close(self) -> None:
        """Close its connections (the connector closes every feed it made, too)."""
        ...


class MempoolProbe(Protocol):
    """Asks one node which of some transactions its mempool (or chain) holds: a sample's, while it is measured
    (bench.observe.mempool). One batched request per ask."""

    def held(self, hashes: Sequence[bytes]) -> list[bool | None]:
        """Per hash: True in the node's pool, False not there (yet), None known there only mined (no longer
        to look for)."""
        ...

    def close(self) -> None: ...


class Recovery(Protocol):
    """What the run needs of the chain to send again the writes a restarted node lost (bench.recovery)."""

    def next_nonces(self, plan: ChainPlan) -> list[int]:
        """Each plan account's next nonce on the node's chain (its latest block), in `plan.accounts` order."""
        ...

    def resend(self, raws: Sequence[bytes]) -> list[str | None]:
        """Submit signed writes again, in this order; each one's refusal reason (None: the node holds it,
        or already did)."""
        ...

    def close(self) -> None: ...


class AfterWindow(Protocol):
    """What the node says after the measured window (never asked while it is being measured)."""

    def unseen(self, writes: Sequence[Write], seen_blocks: dict[int, float], now: float) -> UnseenCheck:
        """What became of each accepted write never seen in a block."""
        ...

    def receipts(self, blocks: Sequence[int], tx_ids: dict[bytes, int]) -> list[ReceiptRow]:
        """Status and cost of the run's transactions included in `blocks`."""
        ...

    @property
    def verification(self) -> str:
        """How receipts were read, for the run's metadata."""
        ...

    def record(self) -> dict[str, Any]:
        """The family's own checks of the blocks it observed, kept as the run's `blocks` metadata and
        summary.json's `blocks` ({} when it has none). Bitcoin: {seen, merkle_verified, merkle_mismatched
        [heights]}; a non-empty `merkle_mismatched` is an error the report and the terminal show."""
        ...


@dataclass(frozen=True, slots=True)
class Connector:
    """One chain target, connected: the parts the engine uses, and `close` for the connections they hold."""

    identity: Identity
    planner: Planner
    preparer: Preparer
    wire: Wire
    heads: Callable[[], HeadFeed]  # a feed of its own (its own connection) for the observer's thread
    after: AfterWindow
    close: Callable[[], None]
    # a feed of another node of the same network (its own connection), to follow every node's tip
    node_heads: Callable[[Endpoint], HeadFeed] | None = None
    # a probe of another node's mempool (its own connection), to follow a sample of the writes into it
    mempool: Callable[[Endpoint], MempoolProbe] | None = None
    # sends again what the load's node lost when it was killed and restarted from an older state
    recovery: Recovery | None = None


class Managed(Protocol):
    """A local node or network chainmark starts for the run and always stops (a context manager): where
    the load goes (`url`, the primary node), what to monitor (`pid`), and what the run records of it."""

    name: str
    block_time: float

    @property
    def url(self) -> str: ...

    @property
    def pid(self) -> int: ...

    @property
    def version(self) -> str | None: ...

    @property
    def node_urls(self) -> list[str]:
        """Every node's URL, the primary (`url`) first: a single node's is `[url]`."""
        ...

    def metadata(self) -> dict[str, Any]:
        """What the run records of it beside name and version (a network's nodes, topology, args)."""
        ...

    def fault(self, node: int, action: str) -> str:
        """Apply a fault step (bench.faults) to node `node` once it is due; returns what was done, for the
        record. TargetError when the node would not take it."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class ManagedOptions:
    """How the workload (and the command line) ask for a managed local node or network."""

    run_dir: Path  # its logs (and data dirs) go here
    target: Target
    binary: str | None = None  # an explicit node binary (`--anvil-binary`)
    restartable: bool = False  # the workload kills, stops or starts the node: its chain must survive it


@dataclass(frozen=True, slots=True)
class ConnectOptions:
    """What a connector takes from the run's options: the funder key (read by the CLI, never stored)."""

    funder_key: bytes | None = field(default=None, repr=False)
    use_websocket: bool = True  # follow pushed heads where the node offers them
    managed: Mapping[str, Any] | None = None  # the managed target's `metadata()`; None for a remote target


@dataclass(frozen=True, slots=True)
class ChainFamily:
    """A chain family as registered: its name, how to connect to a target, its wire and its managed nodes."""

    name: str
    connect: Callable[[Endpoint, ConnectOptions], Connector]
    wire: Wire
    managed: Callable[[str, ManagedOptions], Managed]  # a managed node by name (validated with the workload)
    default_node: str
