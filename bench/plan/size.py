"""Estimates a plan's size (transactions, accounts, memory) from the workload alone, before anything is built.

`chainmark validate` and `run` refuse a workload whose plan would not fit `--max-plan` bytes, so a
typo such as `tps: 1e9` is one line at validate instead of a MemoryError (or hours of signing) after
the node started. The per-item costs were measured by building plans (README, "Limits"):
a planned transaction keeps about 400 bytes (raw transaction, hash, nonce, offset), about 800 at the
peak of signing on two processes, plus its JSON-RPC body (about 250) while its round is sent; an
account keeps about 260 bytes (key, address, funding).
"""

from __future__ import annotations

from dataclasses import dataclass

import psutil

from bench.errors import WorkloadError
from bench.workload.spec import Round, Workload

BYTES_PER_TX = 1_200  # at the peak: signed, pickled back from a signing process, and its body built
BYTES_PER_ACCOUNT = 300


@dataclass(frozen=True, slots=True)
class PlanSize:
    """What a plan of the workload holds: transactions per round, accounts, and the memory at its peak."""

    round_txs: tuple[int, ...]
    accounts: int

    @property
    def transactions(self) -> int:
        return sum(self.round_txs)

    @property
    def peak_bytes(self) -> int:
        return self.transactions * BYTES_PER_TX + self.accounts * BYTES_PER_ACCOUNT


def default_max_plan() -> int:
    """Half of this machine's physical memory: the `--max-plan` default."""
    return int(psutil.virtual_memory().total // 2)


def estimate_plan(workload: Workload) -> PlanSize:
    """The plan's size, computed from the rate controllers (no transaction is drawn or signed)."""
    return PlanSize(tuple(_round_txs(r) for r in workload.rounds), workload.accounts.count)


def check_plan_size(workload: Workload, max_bytes: int) -> PlanSize:
    """The plan's size; WorkloadError at the largest round's line when its peak memory is over `max_bytes`."""
    size = estimate_plan(workload)
    if size.peak_bytes <= max_bytes:
        return size
    biggest = max(range(len(size.round_txs)), key=lambda i: size.round_txs[i])
    spec = workload.rounds[biggest]
    raise WorkloadError(
        f"the plan is {size.transactions:,} transactions and {size.accounts:,} accounts, about "
        f"{format_bytes(size.peak_bytes)} of memory at its peak, over --max-plan {format_bytes(max_bytes)}; "
        f"lower this round's rate, duration or tx_count (or raise --max-plan), got {size.round_txs[biggest]:,} "
        "transactions in this round",
        path=workload.path,
        line=spec.line,
        field=f"rounds[{biggest}]",
    )


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def parse_bytes(text: str) -> int:
    """`--max-plan` values: 500MB, 4GiB, 2G, or a number of bytes; ValueError otherwise."""
    units = {
        "": 1,
        "k": 10**3,
        "m": 10**6,
        "g": 10**9,
        "t": 10**12,
        "ki": 2**10,
        "mi": 2**20,
        "gi": 2**30,
        "ti": 2**40,
    }
    value = text.strip().lower().removesuffix("b")
    number = value.rstrip("kmgti")
    unit = value[len(number) :]
    if unit not in units or not number.replace(".", "", 1).isdigit():
        raise ValueError(f"expected a size such as 500MB, 4GiB or 2000000000, got {text!r}")
    size = float(number) * units[unit]
    if not 0 < size < 2**63:
        raise ValueError(f"expected a size above 0 bytes, got {text!r}")
    return int(size)


def _round_txs(spec: Round) -> int:
    """Transactions the plan signs for the round (open loop: the integral of its rate over its length)."""
    return spec.rate.count(spec).n
