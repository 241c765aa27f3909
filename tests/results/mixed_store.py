"""Builds a results store whose rounds have everything a summary can hold: a mix of write and read kinds,
two workers (one lost), rejections, a revert, writes never seen (with what the node said of them),
Locust's statistics, notes, resources and a closed-loop warm-up."""

from __future__ import annotations

from pathlib import Path

from bench.results.store import RunStore

META = {
    "workload": "mixed",
    "status": "completed",
    "started": 1000.0,
    "ended": 1100.0,
    "seed": 3,
    "chainmark": "0.1.0",
    "machine": {"cpu": "X", "cores": 2, "memory_gib": 4.0, "os": "L", "python": "3"},
    "target": {"url": "http://127.0.0.1:8545", "client": "anvil/v1.7.1", "chain_id": 31337},
    "plan": {"tx_count": 70},
    "observer": "polling",
    "workers": {
        "count": 2,
        "duplicates_received": 0,
        "nodes": [
            {"index": 0, "id": "a", "offset_ms": 0.5, "rtt_ms": 0.2, "lost_at": None, "lost_in_round": None},
            {"index": 1, "id": "b", "offset_ms": 0.1, "rtt_ms": 0.3, "lost_at": 1002.0, "lost_in_round": 0},
        ],
    },
}
KINDS = ("transfer", "erc20", "balance-read")


def mixed_store(path: Path) -> RunStore:
    """The store at `path`: round 0 "mix" (60 sends at 20/s), round 1 "warm" (a warm-up of 10 writes)."""
    store = RunStore(path, create=True)
    store.set_meta(**META)
    store.add_round(0, "mix", False, {"type": "fixed-rate", "tps": 20}, 60)
    store.update_round(0, started=1000.0, ended=1003.0, generator_cpu_s=0.5, notes=["a note"])
    store.update_round(0, load={"users": 2, "processes": 1})
    store.add_round(1, "warm", True, {"type": "fixed-backlog", "in_flight": 4}, 10)
    store.update_round(1, started=1010.0, ended=1012.0)
    txs, sends, inclusions, blocks = [], [], [], [(1, 999, 999.5, 0, 0, 30_000_000, 7, 600)]
    for i in range(70):
        round_idx, kind = (0, KINDS[i % 3]) if i < 60 else (1, "transfer")
        txs.append(
            (i, round_idx, i, i % 4, i, b"" if kind == "balance-read" else (i + 1).to_bytes(32, "big"), kind)
        )
        intended = 1000.0 + i / 20 if i < 60 else 1010.0 + (i - 60) / 10
        error = "nonce too low" if i in (4, 7) else ("txpool is full" if i == 10 else None)
        sends.append((i, intended, intended + 0.002 * (i % 5), intended + 0.01, error, i % 2))
        if kind != "balance-read" and error is None and not 50 <= i < 60:
            seen = intended + 0.3 + 0.01 * (i % 60)
            blocks.append((len(blocks) + 1, int(seen), seen, 1, 21_000, 30_000_000, 7, 600))
            inclusions.append((i, len(blocks), seen))
    blocks.append((len(blocks) + 1, 1020, 1020.0, 0, 0, 30_000_000, 7, 600))
    store.add_txs(txs)
    store.add_worker_sends(sends)
    store.add_blocks(blocks)
    store.add_inclusions(inclusions)
    store.add_receipts((tx, 0 if tx == 13 else 1, 21_000) for tx, _block, _seen in inclusions)
    store.add_unseen([(52, "queued", True), (53, "dropped", False), (55, "nonce-gap", False)])
    store.add_rpc_stats(0, "eth_sendRawTransaction", {"num_requests": 40, "avg": 0.01})
    return store
