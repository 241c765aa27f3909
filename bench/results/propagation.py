"""Block propagation on a network of several nodes, from each node's tip watcher (store table node_tips).

A block's delay at a node is when that node was first seen holding it minus when the first node was: 0 at
the node that had it first (usually its producer), never negative. Per node: the blocks it was seen
holding and the exact percentiles of their delays, in milliseconds, over the observed window (from the
first block after the observer started to the end of the drain). The resolution is the watchers' poll
interval (`target.poll_interval`), recorded beside the figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.results.stats import percentiles
from bench.results.store import RunStore


def propagation(store: RunStore) -> dict[str, Any] | None:
    """summary.json's `propagation`, or None when the run followed a single node."""
    rows = store.query("SELECT node, number, hash, seen FROM node_tips")
    if not rows:
        return None
    first: dict[bytes, float] = {}
    for _, _, block, seen in rows:
        key = bytes(block)
        first[key] = min(first.get(key, seen), seen)
    delays: dict[int, list[float]] = {}
    for node, _, block, seen in rows:
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
        "lost": meta.get("lost") or {},
    }
