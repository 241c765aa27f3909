"""Choice distributions: uniform, zipfian and hotspot draw the shapes they promise (seeded, no clock)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.plan.choice import draw
from bench.workload.spec import Choice


def _counts(choice: Choice, items: int = 100, size: int = 100_000) -> np.ndarray:
    picks = draw(choice, items, size, np.random.default_rng(3))
    assert picks.min() >= 0 and picks.max() < items
    return np.bincount(picks, minlength=items)


def test_uniform_is_flat() -> None:
    counts = _counts(Choice())
    assert counts.min() > 800 and counts.max() < 1200


def test_zipfian_follows_one_over_rank_to_the_theta() -> None:
    counts = _counts(Choice(distribution="zipfian", theta=1.0))
    assert counts[0] / counts[1] == pytest.approx(2.0, rel=0.1)
    assert counts[0] / counts[9] == pytest.approx(10.0, rel=0.2)


def test_hotspot_sends_the_hot_traffic_to_the_hot_fraction() -> None:
    counts = _counts(Choice(distribution="hotspot", hot_fraction=0.1, hot_traffic=0.9))
    assert counts[:10].sum() / counts.sum() == pytest.approx(0.9, abs=0.01)


def test_one_item_and_bad_sizes() -> None:
    assert (draw(Choice(distribution="hotspot"), 1, 5, np.random.default_rng(1)) == 0).all()
    with pytest.raises(ValueError, match="cannot choose among 0 items"):
        draw(Choice(), 0, 5, np.random.default_rng(1))
