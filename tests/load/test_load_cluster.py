"""Sharding a round among workers and estimating clock offsets: pure functions, no Locust, no network."""

from __future__ import annotations

import numpy as np
import pytest

from bench.load.clocksync import ClockSample, best_sample
from bench.load.shard import shard_positions, split_users


@pytest.mark.parametrize("workers", [1, 2, 3, 7])
def test_shards_are_disjoint_complete_and_keep_accounts_whole(workers: int) -> None:
    rng = np.random.default_rng(1)
    senders = rng.integers(-1, 20, size=500)  # -1: a read
    shards = shard_positions(senders, workers)
    together = np.sort(np.concatenate(shards))
    assert together.tolist() == list(range(500)), "every position exactly once"
    owners: dict[int, int] = {}
    for k, positions in enumerate(shards):
        assert (np.diff(positions) > 0).all(), "a shard keeps the round's send order"
        for account in set(senders[positions].tolist()) - {-1}:
            assert owners.setdefault(account, k) == k, "an account's nonces are all on one worker"


def test_shard_offsets_together_are_the_single_process_schedule() -> None:
    senders = np.arange(100) % 9
    offsets = np.arange(100) / 50.0
    shards = shard_positions(senders, 2)
    merged = np.sort(np.concatenate([offsets[s] for s in shards]))
    assert np.array_equal(merged, offsets)


def test_reads_are_spread_by_position() -> None:
    shards = shard_positions(np.full(6, -1), 3)
    assert [s.tolist() for s in shards] == [[0, 3], [1, 4], [2, 5]]


def test_zero_workers_is_refused() -> None:
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        shard_positions(np.zeros(3, dtype=int), 0)


@pytest.mark.parametrize(
    ("users", "workers", "expected"), [(256, 2, [128, 128]), (5, 2, [3, 2]), (1, 3, [1, 1, 1])]
)
def test_users_are_split_evenly_at_least_one_each(users: int, workers: int, expected: list[int]) -> None:
    assert split_users(users, workers) == expected


def test_ntp_offset_and_round_trip() -> None:
    # The worker's clock is 2.0 s ahead; 1 ms each way; the worker takes 0.5 ms to reply.
    sample = ClockSample(t0=10.0, t1=12.001, t2=12.0015, t3=10.0025)
    assert sample.offset == pytest.approx(2.0)
    assert sample.rtt == pytest.approx(0.002)


def test_asymmetric_sample_loses_to_the_shortest_round_trip() -> None:
    slow = ClockSample(t0=0.0, t1=2.009, t2=2.009, t3=0.010)  # 9 ms out, 1 ms back: offset off by 4 ms
    fast = ClockSample(t0=1.0, t1=3.0002, t2=3.0002, t3=1.0004)
    best = best_sample([slow, fast])
    assert best is fast
    assert best.offset == pytest.approx(2.0)
    assert abs(slow.offset - 2.0) == pytest.approx(0.004)
    with pytest.raises(ValueError):
        best_sample([])
