"""Signing on several cores, whatever the chain: jobs spread over child processes fed through pipes.

Child processes rather than `multiprocessing`: `chainmark run` has Locust (and so gevent's monkey
patching) loaded, under which a multiprocessing pool can hang; a plain subprocess fed through a pipe
works the same with or without gevent. Keys travel only through the pipe, never through a file. Each
family's signing module (`python -m bench.chains.<family>.parallel`) says how its jobs are packed and
signed; this module spreads them and runs the children.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bench.errors import RunError
from bench.lifeline import die_with_parent

J = TypeVar("J")
R = TypeVar("R")


def balance(weights: Sequence[int], parts: int) -> list[list[int]]:
    """Indices of `weights` in at most `parts` non-empty groups of similar total (heaviest first, greedy)."""
    chunks: list[list[int]] = [[] for _ in range(max(parts, 1))]
    loads = [0] * len(chunks)
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lightest = loads.index(min(loads))
        chunks[lightest].append(index)
        loads[lightest] += weights[index]
    return [c for c in chunks if c]


def spread(
    jobs: Sequence[J], weights: Sequence[int], processes: int, sign: Callable[[list[J]], list[R]]
) -> list[R]:
    """`sign` of every job, in the jobs' order, with the jobs balanced over `processes` concurrent calls."""
    chunks = balance(weights, processes)
    if not chunks:
        return []
    with ThreadPoolExecutor(len(chunks)) as pool:
        results = list(pool.map(lambda chunk: sign([jobs[i] for i in chunk]), chunks))
    by_index = {
        index: one
        for chunk, signed in zip(chunks, results, strict=True)
        for index, one in zip(chunk, signed, strict=True)
    }
    return [by_index[i] for i in range(len(jobs))]


def run_child(module: str, payload: bytes) -> bytes:
    """Run `python -m module`, feed it `payload` on stdin and return its stdout; RunError if it fails."""
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent(),  # a killed chainmark does not leave it signing
        )
    except OSError as exc:
        raise RunError(f"cannot start a signing process: {exc}") from exc
    output, errors = process.communicate(payload)
    if process.returncode != 0:
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise RunError(f"a signing process failed: {last[0]}")
    return output
