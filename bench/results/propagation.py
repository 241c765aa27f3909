"""Block propagation on a network of several nodes, from each node's tip watcher (store table node_tips).

A block's delay at a node is when that node was first seen holding it minus when the first node was: 0 at
the node that had it first (usually its producer), never negative. Per node: the blocks it was seen
holding and the exact percentiles of their delays, in milliseconds, over the blocks node-0 (the primary) was
seen holding in the observed window (from the first block after the observer started to the end of the
drain). The resolution is the watchers' poll interval (`target.poll_interval`), recorded beside the figures.

Confirmation at k of n nodes, per round: a write included (on node-0's final chain, not reverted) in the block
with hash H is confirmed at node k when node k was first seen holding H. Its latency at 1-of-n, a majority
(floor(n/2) + 1) and n-of-n is the first, the majority-th and the last of those times minus its intended send
time, in seconds, over every write the node accepted, as the round's latency is: one never confirmed (never
included, or reverted), or that some nodes were never seen holding, counts as unbounded at the levels it did
not reach (censored), waited for until the last tip seen.

`target.confirm_at` makes one level the rounds' headline latency (`headline_at`): each round's `latency_s`
is then that level's, with `latency_at` naming it and the observer's own (node 0's) kept as
`latency_node0_s`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from bench.results.round_summary import AcceptedLatency, RoundSummary
from bench.results.stats import censored_percentiles, percentiles
from bench.results.store import RunStore


def propagation(store: RunStore) -> dict[str, Any] | None:
    """summary.json's `propagation`, or None when the run followed a single node."""
    rows = store.query("SELECT node, number, hash, seen FROM node_tips")
    if not rows:
        return None
    # the blocks node-0 (the primary) held in the window: a node restarted after a crash fetches again the
    # heights its lost tip fell back to (older blocks, first seen then), and a cut-off node's own branch
    # never propagated; neither is a propagation delay
    primary = {bytes(block) for node, _, block, _ in rows if int(node) == 0}
    held = [row for row in rows if bytes(row[2]) in primary]
    first: dict[bytes, float] = {}
    for _, _, block, seen in held:
        key = bytes(block)
        first[key] = min(first.get(key, seen), seen)
    delays: dict[int, list[float]] = {}
    for node, _, block, seen in held:
        delays.setdefault(int(node), []).append((seen - first[bytes(block)]) * 1000.0)
    meta = store.meta().get("node_tips") or {}
    return {
        "blocks": len(first),
        "interval_s": meta.get("interval_s"),
        "units": "ms from the first node seen holding the block",
        "nodes": [
            {"node": node, "blocks": len(d), "delay_ms": percentiles(np.asarray(d)).as_json()}
            for node, d in sorted(delays.items())
        ],
        "outages": meta.get("outages") or {},
        "watcher_load": meta.get("load"),  # the watchers' own RPC requests per node (their cost to the nodes)
        "confirmed_at_nodes": confirmed_at_nodes(store, rows),
        "mempool": mempool(store),
    }


def mempool(store: RunStore) -> dict[str, Any] | None:
    """The sampled writes' arrival in each node's mempool (bench.observe.mempool), or None when none was
    followed: per node, how many it was seen holding, and the exact percentiles of when, in ms after the first
    node seen holding each and after its send."""
    meta = store.meta().get("mempool")
    if not meta:
        return None
    rows = store.query("SELECT m.tx, m.node, m.seen, s.sent FROM mempool_seen m JOIN sends s ON s.tx = m.tx")
    first: dict[int, float] = {}
    for tx, _, seen, _ in rows:
        first[int(tx)] = min(first.get(int(tx), seen), seen)
    after_first: dict[int, list[float]] = {node: [] for node in range(int(meta.get("nodes") or 0))}
    after_send: dict[int, list[float]] = {node: [] for node in after_first}
    for tx, node, seen, sent in rows:
        after_first.setdefault(int(node), []).append((seen - first[int(tx)]) * 1000.0)
        after_send.setdefault(int(node), []).append((seen - sent) * 1000.0)
    return {
        "sampled_every": meta.get("sampled_every"),
        "followed": meta.get("followed"),
        "interval_s": meta.get("interval_s"),
        "units": "ms after the first node seen holding the write, and after its send",
        "nodes": [
            {
                "node": node,
                "seen": len(delays),
                "delay_ms": percentiles(np.asarray(delays)).as_json(),
                "after_send_ms": percentiles(np.asarray(after_send[node])).as_json(),
            }
            for node, delays in sorted(after_first.items())
        ],
        "watcher_load": meta.get("load"),
        "errors": meta.get("errors") or {},
    }


def final_chain(rows: Iterable[tuple[Any, Any, Any]]) -> dict[int, bytes]:
    """Node-0's block hash at each height as it last held it, from (node, height, hash) tip rows in the
    order they were seen: the chain the observer confirmed from."""
    return {int(number): bytes(block) for node, number, block in rows if int(node) == 0}


def confirmed_at_nodes(store: RunStore, tips: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Per round, the latency of its writes at 1-of-n, a majority and n-of-n nodes (`tips`: node_tips rows)."""
    nodes = sorted({int(node) for node, _, _, _ in tips})
    ordered = sorted(tips, key=lambda row: row[3])
    final = final_chain((node, number, block) for node, number, block, _ in ordered)
    first: dict[tuple[int, bytes], float] = {}
    for node, _, block, seen in ordered:
        key = (int(node), bytes(block))
        first[key] = min(first.get(key, seen), seen)
    until = max(row[3] for row in tips)
    levels = {"1": 1, "majority": len(nodes) // 2 + 1, "all": len(nodes)}
    out = []
    for idx, label in store.query("SELECT idx, label FROM rounds ORDER BY idx"):
        rows = store.query(
            "SELECT s.intended, i.block, r.status FROM txs t JOIN sends s ON s.tx = t.id "
            "LEFT JOIN inclusions i ON i.tx = t.id LEFT JOIN receipts r ON r.tx = t.id "
            "WHERE t.round = ? AND length(t.hash) > 0 AND s.error IS NULL",
            (idx,),
        )
        if not rows:
            continue
        times = np.full((len(rows), len(nodes)), np.inf)
        for r, (_, number, status) in enumerate(rows):
            block = final.get(int(number)) if number is not None and status != 0 else None
            for c, node in enumerate(nodes):
                if block is not None and (node, block) in first:
                    times[r, c] = first[(node, block)]
        times.sort(axis=1)
        intended = np.array([row[0] for row in rows], dtype=np.float64)
        entry: dict[str, Any] = {"round": label, "index": idx, "nodes": len(nodes), "writes": len(rows)}
        for name, k in levels.items():
            at = times[:, k - 1]
            reached = np.isfinite(at)
            entry[name] = censored_percentiles(
                at[reached] - intended[reached], until - intended[~reached]
            ).as_json()
        out.append(entry)
    return out


def headline_at(rounds: list[RoundSummary], spread: dict[str, Any], level: str) -> list[RoundSummary]:
    """`rounds` with `level`'s latency (of `spread`'s confirmed_at_nodes) as each one's headline `latency_s`,
    node 0's kept beside it; a round with no writes keeps node 0's."""
    entries = {entry["index"]: entry for entry in spread.get("confirmed_at_nodes") or []}
    out = []
    for one in rounds:
        entry = entries.get(one.index)
        if entry is None:
            out.append(one)
            continue
        k = {"1": 1, "majority": entry["nodes"] // 2 + 1, "all": entry["nodes"]}[level]
        named = f" ({level})" if level != "1" else ""
        out.append(
            replace(
                one,
                latency_s=AcceptedLatency.from_json(entry[level]),
                latency_at=f"{k} of {entry['nodes']} nodes{named}",
                latency_node0_s=one.latency_s,
            )
        )
    return out
