"""Splits a round's positions among workers so that no sender account is on two workers.

A write goes to the worker `sender % workers`, so every nonce of an account is sent by one worker, in
order; a read (sender -1) goes to `position % workers`. Each worker keeps the round's intended
offsets of its positions, so the union of the shards is exactly the single-process schedule.
"""

from __future__ import annotations

import numpy as np


def shard_positions(senders: np.ndarray, workers: int) -> list[np.ndarray]:
    """The ascending positions each of `workers` workers owns; together they are every position once."""
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    positions = np.arange(len(senders))
    owner = np.where(senders >= 0, senders % workers, positions % workers)
    return [np.flatnonzero(owner == k) for k in range(workers)]


def split_users(users: int, workers: int) -> list[int]:
    """Locust users per worker: `users` spread as evenly as possible, at least one each."""
    return [max(1, users // workers + (1 if k < users % workers else 0)) for k in range(workers)]
