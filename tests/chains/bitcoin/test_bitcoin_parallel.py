"""Signing in child processes: the same chains as in-process, jobs intact through their compact form, and
jobs spread evenly over the children."""

from __future__ import annotations

import pytest

from bench.chains.bitcoin.keys import derive_keys, hash160, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import consolidation, evidence, transfer
from bench.chains.bitcoin.parallel import balance, compact, expand, sign_in_children
from bench.chains.bitcoin.signing import SpendJob, Utxo, sign_chains
from bench.chains.bitcoin.tx import sha256d
from bench.errors import RunError

KEYS = derive_keys(21, 5)
TO = p2wpkh_script(hash160(public_key_of(derive_keys(22, 1)[0])))


def _jobs() -> list[SpendJob]:
    """Jobs of different lengths sharing templates (as a plan's do)."""
    shared = transfer(TO, 5_000, 2)
    jobs = []
    for i, key in enumerate(KEYS):
        split, gather = consolidation(p2wpkh_script(hash160(public_key_of(key))), 3, 9_000, 1)
        templates = (shared, split, gather, evidence(sha256d(key), 4)) + (shared,) * (3 * i)
        jobs.append(SpendJob(key, Utxo(sha256d(bytes([i])), 0, 10**8), templates, 500))
    return jobs


def test_children_sign_what_one_process_signs() -> None:
    jobs = _jobs()
    assert sign_in_children(jobs, 2) == sign_chains(jobs)
    assert sign_in_children([], 2) == []


def test_a_child_that_fails_says_why() -> None:
    short = SpendJob(KEYS[0], Utxo(sha256d(b"small"), 2, 5_100), (transfer(TO, 5_000, 2),))
    with pytest.raises(
        RunError,
        match=r"a signing process failed: ValueError: transaction 0 of the chain from [0-9a-f]{64}:2",
    ):
        sign_in_children([*_jobs(), short], 2)


def test_jobs_survive_their_compact_form() -> None:
    jobs = _jobs()
    assert expand(compact(jobs)) == jobs


@pytest.mark.parametrize(
    ("weights", "parts", "groups"),
    [
        ([5, 1, 1, 3], 2, [[0], [3, 1, 2]]),
        ([2, 2], 4, [[0], [1]]),
        ([], 3, []),
    ],
)
def test_jobs_are_balanced_heaviest_first(weights: list[int], parts: int, groups: list[list[int]]) -> None:
    assert balance(weights, parts) == groups
