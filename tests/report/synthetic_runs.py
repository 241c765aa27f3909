"""Builds synthetic run folders for the comparison tests through the real RunStore and write_outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.report.outputs import write_outputs
from bench.results.store import RunStore

MACHINE = {"cpu": "Test CPU", "cores": 2, "memory_gib": 4.0, "os": "Linux 6", "python": "3.11.9"}
ROUNDS = (("warm", True), ("steady", False))


def make_run(
    root: Path,
    name: str,
    *,
    rate: float = 100.0,
    delay: float = 0.05,
    n: int = 40,
    failed: int = 0,
    lost: int = 0,
    lag: float = 0.001,
    cpu_s: float | None = None,
    workload: str = "synthetic",
    rounds: tuple[tuple[str, bool], ...] = ROUNDS,
    client: str = "anvil/v1.7.1",
    machine: dict[str, Any] | None = None,
    version: str = "0.1.0",
) -> Path:
    """A run folder whose rounds each send `n` txs at `rate` tx/s; tx i is seen in its own block
    `delay * (1 + i / n)` s after its intended time; the first `failed` are rejected (nonce) and the
    last `lost` are accepted but never seen in a block (so they are censored latency); each is sent
    `lag` s late, and chainmark's process used `cpu_s` CPU seconds in each round; a last empty block
    5 s after the last send closes the observation."""
    run_dir = root / name
    run_dir.mkdir(parents=True)
    store = RunStore(run_dir / "results.sqlite", create=True)
    store.set_meta(
        workload=workload,
        status="completed",
        started=1000.0,
        ended=2000.0,
        seed=1,
        chainmark=version,
        machine=machine or MACHINE,
        target={
            "url": "http://127.0.0.1:8545",
            "client": client,
            "chain_id": 31337,
            "block_gas_limit": 30_000_000,
        },
    )
    tx, block = 0, 1
    for idx, (label, warmup) in enumerate(rounds):
        start = 1000.0 + 100.0 * idx
        store.add_round(idx, label, warmup, {"type": "fixed-rate", "tps": rate}, n)
        store.update_round(idx, started=start, ended=start + n / rate, generator_cpu_s=cpu_s)
        blocks = [(block, int(start - 0.5), start - 0.5, 0, 0, 30_000_000, 7, 600)]
        block += 1
        txs, sends, inclusions = [], [], []
        for i in range(n):
            intended = start + i / rate
            error = "nonce too low" if i < failed else None
            txs.append((tx, idx, i, i % 10, i, tx.to_bytes(32, "big"), "transfer"))
            sends.append((tx, intended, intended + lag, intended + lag + 0.001, error))
            if error is None and i < n - lost:
                seen = intended + delay * (1 + i / n)
                blocks.append((block, int(seen), seen, 1, 21_000, 30_000_000, 7, 600))
                inclusions.append((tx, block, seen))
                block += 1
            tx += 1
        end = start + n / rate + 5.0
        blocks.append((block, int(end), end, 0, 0, 30_000_000, 7, 600))
        block += 1
        store.add_txs(txs)
        store.add_sends(sends)
        store.add_blocks(blocks)
        store.add_inclusions(inclusions)
        store.add_receipts((t, 1, 21_000) for t, _b, _s in inclusions)
    write_outputs(store, run_dir)
    store.close()
    return run_dir


def edit_round(run_dir: Path, label: str, **fields: Any) -> None:
    """Overwrite fields of one round of a run's summary.json (a verdict the synthetic store cannot produce)."""
    summary = read_summary(run_dir)
    next(r for r in summary["rounds"] if r["label"] == label).update(fields)
    (run_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


def mark_invalid(run_dir: Path, label: str, code: str = "generator-cpu-bound", detail: str = "") -> None:
    detail = detail or f"{code} in round {label}"
    edit_round(run_dir, label, valid=False, invalid_reasons=[{"code": code, "detail": detail}])


def read_summary(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))


def summary_round(run_dir: Path, label: str) -> dict[str, Any]:
    return next(r for r in read_summary(run_dir)["rounds"] if r["label"] == label)
