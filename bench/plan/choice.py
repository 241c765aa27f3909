"""Draws item indices (accounts, keys) from a choice distribution: uniform, zipfian (YCSB style) or hotspot."""

from __future__ import annotations

import numpy as np

from bench.workload.spec import Choice


def draw(choice: Choice, items: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` indices in [0, items) drawn by `choice` (zipfian and hotspot favour the lowest indices)."""
    if items <= 0:
        raise ValueError(f"cannot choose among {items} items")
    if choice.distribution == "uniform":
        return rng.integers(0, items, size=size)
    if choice.distribution == "zipfian":
        weights = 1.0 / np.arange(1, items + 1, dtype=np.float64) ** choice.theta
        return rng.choice(items, size=size, p=weights / weights.sum())
    hot = max(1, min(items - 1, round(items * choice.hot_fraction))) if items > 1 else 1
    in_hot = rng.random(size) < choice.hot_traffic
    picks = rng.integers(0, hot, size=size)
    if items > hot:
        cold = rng.integers(hot, items, size=size)
        picks = np.where(in_hot, picks, cold)
    return picks
