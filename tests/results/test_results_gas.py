"""Gas per round and per write kind: the median gas a confirmed write used, and gas per second over the window."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.results.round_summary import ReadOutcome, WriteOutcome
from bench.results.stats import summarize
from bench.results.store import RunStore
from tests.results.mixed_store import mixed_store


def _gas_store(path: Path) -> RunStore:
    """One round of 5 writes: two transfers (21,000), two swaps (120,000, 130,000; one reverted at 90,000)."""
    store = RunStore(path, create=True)
    store.set_meta(status="completed", started=0.0, ended=20.0)
    store.add_round(0, "r", False, {"type": "fixed-rate", "tps": 1}, 5)
    store.update_round(0, started=0.0, ended=5.0)
    kinds = ["transfer", "transfer", "amm-swap", "amm-swap", "amm-swap"]
    store.add_txs((i, 0, i, 0, i, bytes([i + 1]) * 32, k) for i, k in enumerate(kinds))
    store.add_sends((i, float(i), float(i), float(i) + 0.01, None) for i in range(5))
    store.add_blocks([(n, n, n + 0.5, 1, 0, 30_000_000, None, None) for n in range(1, 8)])
    store.add_inclusions([(i, i + 2, i + 2.5) for i in range(5)])
    store.add_receipts([(0, 1, 21_000), (1, 1, 21_000), (2, 1, 120_000), (3, 1, 130_000), (4, 0, 90_000)])
    return store


def test_gas_per_tx_and_per_second_count_confirmed_writes(tmp_path: Path) -> None:
    store = _gas_store(tmp_path / "results.sqlite")
    (r,) = summarize(store)
    store.close()
    assert r.confirmed == 4 and r.failed == {"reverted": 1}
    assert r.gas_used == 21_000 * 2 + 120_000 + 130_000
    assert r.gas_used_p50 == 21_000  # nearest rank: the 2nd of 4
    assert r.window_s == (1.5, 5.5)  # block 1's sight (the parent of the first inclusion) to block 5's
    assert r.gas_per_s == pytest.approx(r.gas_used / 4.0)
    swap, transfer = r.by_kind["amm-swap"], r.by_kind["transfer"]
    assert isinstance(swap, WriteOutcome) and isinstance(transfer, WriteOutcome)
    assert (swap.gas_used_p50, swap.gas_used, swap.gas_per_s) == (120_000, 250_000, pytest.approx(62_500.0))
    assert (transfer.gas_used_p50, transfer.gas_per_s) == (21_000, pytest.approx(10_500.0))
    doc = r.as_json()
    assert (doc["gas_used_p50"], doc["gas_used"]) == (21_000, 292_000)
    assert doc["by_kind"]["amm-swap"]["gas_used_p50"] == 120_000


def test_the_mixed_store_has_gas_for_writes_only(tmp_path: Path) -> None:
    store = mixed_store(tmp_path / "results.sqlite")
    mix = summarize(store)[0]
    store.close()
    assert mix.gas_used == 21_000 * mix.confirmed
    assert mix.gas_used_p50 == 21_000
    assert isinstance(mix.by_kind["balance-read"], ReadOutcome)
