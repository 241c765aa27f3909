"""The workload as frozen dataclasses: what a validated workload YAML says, with every default in one place.

Glossary (used verbatim in YAML, code, CLI and report labels):
  workload  a YAML file: a target, accounts, and rounds run in sequence
  round     one phase of a run with one rate controller and one transaction kind
  rate      the round's rate controller (`fixed-rate` open loop, `fixed-backlog` closed loop)
  tx        one signed transaction the plan builds before the clock starts
  target    the node the load goes to: a managed Anvil, or any Ethereum JSON-RPC endpoint by URL
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FixedRate:
    """Open loop: tx n is due at round start + n / tps, whatever earlier sends are doing."""

    tps: float
    kind: str = "fixed-rate"


@dataclass(frozen=True, slots=True)
class FixedBacklog:
    """Closed loop: keep `in_flight` transactions sent but not yet seen in a block."""

    in_flight: int
    kind: str = "fixed-backlog"


RateController = FixedRate | FixedBacklog


@dataclass(frozen=True, slots=True)
class TransferTx:
    """A native value transfer from one workload account to another."""

    value_wei: int = 1
    gas: int = 21_000
    kind: str = "transfer"


TxKind = TransferTx


@dataclass(frozen=True, slots=True)
class Round:
    """One phase of the run: how long (duration or tx_count), at what rate, sending what."""

    label: str
    rate: RateController
    tx: TxKind = field(default_factory=TransferTx)
    duration: float | None = None
    tx_count: int | None = None
    warmup: bool = False
    senders: int = 256
    line: int = 0

    def planned_tx_count(self) -> int | None:
        """How many transactions the round sends, when the workload fixes it."""
        if self.tx_count is not None:
            return self.tx_count
        if isinstance(self.rate, FixedRate) and self.duration is not None:
            return max(1, round(self.duration * self.rate.tps))
        return None


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


@dataclass(frozen=True, slots=True)
class Target:
    """Where the load goes. No URL means a managed Anvil started (and stopped) by chainmark."""

    url: str | None = None
    block_time: float = 1.0
    gas_limit: int = 100_000_000
    gas_price_wei: int | None = None  # None: max(2 x eth_gasPrice, 1 gwei)
    confirm_grace: float = 30.0
    poll_interval: float = 0.1
    prometheus: Prometheus | None = None


@dataclass(frozen=True, slots=True)
class Workload:
    """A whole validated workload; `text` is the YAML it came from, kept with the results."""

    name: str
    rounds: tuple[Round, ...]
    target: Target = field(default_factory=Target)
    accounts: Accounts = field(default_factory=Accounts)
    description: str = ""
    path: str = ""
    text: str = ""
