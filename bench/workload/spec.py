"""The workload as frozen dataclasses: what a validated workload YAML says, with every default in one place.

Glossary (used verbatim in YAML, code, CLI and report labels):
  workload  a YAML file: a target, accounts, and rounds run in sequence
  round     one phase of a run with one rate controller and one transaction kind
  rate      the round's rate controller: open loop (`fixed-rate`, `linear-rate`, `step-rate`, `poisson`,
            `trace`: every tx has an intended send time) or closed loop (`fixed-backlog`,
            `fixed-concurrency`, `maximum-rate`: a tx goes when a slot frees); see `bench.workload.rates`
  tx        one signed transaction the plan builds before the clock starts
  target    the node the load goes to: a managed Anvil or regtest network, or a node's endpoint by URL
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The rate controllers' records live in their modules (bench.workload.rates.*); the built-in ones are named
# here too, so the workload's records keep one import path.
from bench.workload.rates.base import RateController
from bench.workload.rates.fixed_backlog import FixedBacklog
from bench.workload.rates.fixed_concurrency import FixedConcurrency
from bench.workload.rates.fixed_rate import FixedRate
from bench.workload.rates.linear_rate import LinearRate
from bench.workload.rates.maximum_rate import MaximumRate
from bench.workload.rates.poisson import Poisson
from bench.workload.rates.step_rate import StepRate
from bench.workload.rates.trace import Trace

__all__ = [
    "NODE_NAMES",
    "Accounts",
    "BalanceRead",
    "Choice",
    "ContractTx",
    "Fault",
    "FixedBacklog",
    "FixedConcurrency",
    "FixedRate",
    "LinearRate",
    "MaximumRate",
    "MixEntry",
    "Poisson",
    "Prometheus",
    "RateController",
    "Round",
    "StepRate",
    "Target",
    "Trace",
    "TransferTx",
    "TxKind",
    "Workload",
]


@dataclass(frozen=True, slots=True)
class Choice:
    """How an account or key is picked: `uniform`, `zipfian` (skew `theta`), or `hotspot` (`hot_traffic`
    of the picks go to the first `hot_fraction` of the items) — contention on purpose."""

    distribution: str = "uniform"
    theta: float = 0.99
    hot_fraction: float = 0.2
    hot_traffic: float = 0.8


@dataclass(frozen=True, slots=True)
class TransferTx:
    """A native value transfer from the sending account to another workload account (`to` picks it)."""

    value_wei: int = 1
    gas: int = 21_000
    to: Choice = field(default_factory=Choice)
    kind: str = "transfer"
    read: bool = False


@dataclass(frozen=True, slots=True)
class BalanceRead:
    """A read: `eth_getBalance` of a workload account (`of` picks it), measured as read latency."""

    of: Choice = field(default_factory=Choice)
    kind: str = "balance-read"
    read: bool = True


@dataclass(frozen=True, slots=True)
class ContractTx:
    """A call of one of chainmark's benchmark contracts (deployed in the plan phase); `read` ones are eth_calls."""

    kind: str
    contract: str
    read: bool
    params: tuple[tuple[str, Any], ...] = ()

    def get(self, key: str, default: Any = None) -> Any:
        return dict(self.params).get(key, default)


@dataclass(frozen=True, slots=True)
class BitcoinTx:
    """A UTXO spend on a Bitcoin target, from the sender's chain of spends (each spends the last one's change).

    `count` is what the kind multiplies: a payout's outputs, an evidence's documents (one OP_RETURN holds
    the Merkle root of `count` document hashes), a consolidation's inputs; a transfer has 1."""

    kind: str  # one of BITCOIN_KINDS
    amount: int = 10_000  # satoshis of each payment output
    count: int = 1
    to: Choice = field(default_factory=Choice)
    read: bool = False


BITCOIN_KINDS = ("btc-transfer", "btc-payout", "btc-evidence", "btc-consolidate")
TxKind = TransferTx | BalanceRead | ContractTx | BitcoinTx


@dataclass(frozen=True, slots=True)
class MixEntry:
    """One transaction kind of a round's mix and its relative weight."""

    tx: TxKind
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Round:
    """One phase of the run: how long (duration or tx_count), at what rate, sending what."""

    label: str
    rate: RateController
    mix: tuple[MixEntry, ...] = (MixEntry(TransferTx()),)
    sender: Choice | None = None  # None: accounts take turns (round robin), which spaces each one's nonces
    duration: float | None = None
    tx_count: int | None = None
    warmup: bool = False
    senders: int = 256
    line: int = 0

    def planned_tx_count(self) -> int | None:
        """How many transactions the round sends, when the workload alone fixes it (else the plan decides)."""
        if self.tx_count is not None:
            return self.tx_count
        if self.duration is None:
            return None
        count = self.rate.count(self)
        return count.n if count.fixed else None


@dataclass(frozen=True, slots=True)
class Accounts:
    """The sender accounts: `count` keys derived from `seed`, each funded before round 1."""

    count: int = 100
    seed: int = 1
    funding_wei: int | None = None  # None: enough for every planned transaction, plus 10%


@dataclass(frozen=True, slots=True)
class Prometheus:
    """A node's Prometheus endpoint and the metric names to scrape from it during the run."""

    url: str
    metrics: tuple[str, ...]
    interval: float = 1.0


CHAIN_NAMES = ("ethereum", "bitcoin")  # the chain families (bench.chains.registry connects to them)
NODE_NAMES = ("anvil", "hardhat", "ganache")  # the managed nodes (bench.chains.ethereum.nodes starts them)


@dataclass(frozen=True, slots=True)
class Network:
    """A managed regtest network of a UTXO chain: `nodes` peered by `topology`, a block every `block_time`
    mined by `producer` ("node-K" or "round-robin")."""

    nodes: int = 3
    topology: str = "ring"
    block_time: float = 1.0
    producer: str = "node-0"
    # -limitancestorcount / -limitdescendantcount of every node: how many unconfirmed spends one chain may
    # hold in a mempool (litecoind's default is 25; a sender's spends between two blocks are one chain)
    mempool_chain_limit: int = 500


TOPOLOGY_NAMES = ("line", "ring", "mesh")
MAX_NETWORK_NODES = 8
MIN_CHAIN_LIMIT, MAX_CHAIN_LIMIT = 1, 100_000  # network.mempool_chain_limit


# Fault actions (bench.faults applies them): a process action needs a node chainmark manages; `exec` runs a
# command of the user's (a remote network's own restart script). `for:` pairs a fault with its end.
FAULT_ENDS = {"kill": "restart", "stop": "start", "pause": "resume", "isolate": "heal"}
RESTART_ACTIONS = ("kill", "stop", "start", "restart")  # a node down and up again: its chain must survive
PROCESS_ACTIONS = (*RESTART_ACTIONS, "pause", "resume", "isolate", "heal")
FAULT_ACTIONS = (*PROCESS_ACTIONS, "exec")
MAX_FAULTS = 100


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault step: `action` on node `node` at `at` seconds after the load starts (the first round's
    start); `until`, from `for:`, applies the action's end (FAULT_ENDS) that many seconds later. `exec` runs
    `command` (split like a shell, run without one) for at most `timeout` seconds. `line`: its YAML line."""

    at: float
    node: int
    action: str
    until: float | None = None
    command: tuple[str, ...] = ()
    timeout: float = 30.0
    line: int = 0


SUBMIT_POLICIES = ("primary", "round-robin", "by-account")  # bench.load.routes spreads the load by them
CONFIRM_LEVELS = ("1", "majority", "all")  # target.confirm_at: of n nodes, how many must hold a write's block
MAX_TARGET_NODES = 16  # target.nodes


@dataclass(frozen=True, slots=True)
class Target:
    """Where the load goes. No URL means a managed node (`node`: anvil, hardhat or ganache) started (and
    stopped) by chainmark. `nodes`: a remote network's nodes (`url` is the first, the primary)."""

    chain: str = "ethereum"  # the chain family (CHAIN_NAMES)
    url: str | None = None
    nodes: tuple[str, ...] = ()  # a remote network: every node's URL, the primary first (url == nodes[0])
    submit: str = "primary"  # where writes go on several nodes (SUBMIT_POLICIES)
    # several nodes: the headline latency is a write's block held by this many (CONFIRM_LEVELS) of them; None:
    # held by node 0, the node the observer follows
    confirm_at: str | None = None
    node: str | None = None  # None: anvil when there is no URL
    block_time: float = 1.0
    gas_limit: int = 100_000_000
    gas_price_wei: int | None = None  # types 0 and 1; None: max(2 x eth_gasPrice, 1 gwei)
    tx_type: int | None = None  # 0 legacy, 1 EIP-2930, 2 EIP-1559; None: 2 on a node with a base fee, else 0
    priority_fee_wei: int | None = None  # type 2's tip; None: eth_maxPriorityFeePerGas (1 gwei without it)
    max_fee_wei: int | None = (
        None  # type 2: the fee cap's bound (bench.chains.ethereum.fees); None: 1000 gwei
    )
    confirm_grace: float = 30.0
    confirmations: int = 1  # a tx is confirmed once its block is this many deep (1: the block itself)
    poll_interval: float = 0.1
    prometheus: Prometheus | None = None
    network: Network | None = None  # bitcoin: the managed network when there is no URL (None: its default)
    fee_rate: int | None = None  # bitcoin, sat/vB; None: 2 x the node's minimum relay fee
    batch: int | None = None  # open-loop sends per request: None auto (where the node takes batches), 1 off
    batch_window: float = 0.001  # those due within this many seconds of a batch's first leave with it


@dataclass(frozen=True, slots=True)
class Workload:
    """A whole validated workload; `text` is the YAML it came from, kept with the results."""

    name: str
    rounds: tuple[Round, ...]
    target: Target = field(default_factory=Target)
    accounts: Accounts = field(default_factory=Accounts)
    faults: tuple[Fault, ...] = ()
    description: str = ""
    path: str = ""
    text: str = ""

    @property
    def urls(self) -> tuple[str, ...]:
        """The URLs the workload names (its text holds their secrets, if any)."""
        prometheus = self.target.prometheus
        return tuple(
            u for u in (self.target.url, *self.target.nodes, prometheus.url if prometheus else None) if u
        )
