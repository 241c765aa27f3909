"""How long does a 1,000,000-transaction run take to report, and how big is the report?

Fills a results store synthetically (no chain: 1 M transactions at 2,000 tx/s over 500 s of 1 s
blocks, ~0.3 % rejected, a few reverted, latencies drawn from a gamma distribution), then times
`write_outputs` (summary.json + report.html) and prints the sizes.

    .venv/bin/python benchmarks/report_1m.py [--txs 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.report.outputs import write_outputs
from bench.results.store import RunStore


def fill(store: RunStore, txs: int, rate: float = 2000.0) -> None:
    rng = np.random.default_rng(1)
    t0 = 1_800_000_000.0
    store.set_meta(
        workload="synthetic-1m",
        workload_text="name: synthetic-1m\n",
        seed=1,
        status="completed",
        started=t0 - 2,
        ended=t0 + txs / rate + 10,
        target={
            "url": "http://127.0.0.1:8545",
            "client": "synthetic",
            "chain_id": 1,
            "block_gas_limit": 10**9,
        },
    )
    half = txs // 2
    for idx, (first, count) in enumerate(((0, half), (half, txs - half))):
        store.add_round(idx, f"round-{idx}", idx == 0, {"type": "fixed-rate", "tps": rate}, count)
        store.update_round(idx, started=t0 + first / rate, ended=t0 + (first + count) / rate)
    ids = np.arange(txs)
    intended = t0 + ids / rate
    sent = intended + rng.exponential(0.0005, txs)
    answered = sent + rng.exponential(0.002, txs)
    rejected = rng.random(txs) < 0.003
    latency = rng.gamma(4.0, 0.15, txs)
    seen = intended + latency
    block = np.floor(seen - t0).astype(np.int64) + 1
    rounds = (ids >= half).astype(np.int64)
    store.add_txs(
        (int(i), int(r), int(i), int(i % 500), int(i // 500), int(i).to_bytes(32, "big"), "transfer")
        for i, r in zip(ids, rounds, strict=True)
    )
    store.add_sends(
        (int(i), float(a), float(b), float(c), "insufficient funds" if rej else None)
        for i, a, b, c, rej in zip(ids, intended, sent, answered, rejected, strict=True)
    )
    ok = ~rejected
    store.add_inclusions(
        (int(i), int(b), float(t0 + b - 1 + 0.05)) for i, b in zip(ids[ok], block[ok], strict=True)
    )
    counts = np.bincount(block[ok])
    store.add_blocks(
        (int(n), int(t0 + n - 1), float(t0 + n - 1 + 0.05), int(c), int(c) * 21000, 10**9, 0, 0)
        for n, c in enumerate(counts)
        if n > 0
    )
    status = np.where(rng.random(int(ok.sum())) < 0.001, 0, 1)
    store.add_receipts((int(i), int(s), 21000) for i, s in zip(ids[ok], status, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description="time the report of a synthetic large run")
    parser.add_argument("--txs", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(tmp)
        store = RunStore(run_dir / "results.sqlite", create=True)
        started = time.perf_counter()
        fill(store, args.txs)
        filled = time.perf_counter() - started
        started = time.perf_counter()
        write_outputs(store, run_dir)
        built = time.perf_counter() - started
        store.close()
        size = (run_dir / "report.html").stat().st_size
        print(
            f"transactions: {args.txs:,}; store filled in {filled:.1f} s "
            f"({(run_dir / 'results.sqlite').stat().st_size / 2**20:.0f} MiB)"
        )
        print(f"summary.json + report.html built in {built:.1f} s; report.html {size / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
