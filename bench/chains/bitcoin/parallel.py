"""Signs spend jobs on several cores: one `python -m bench.chains.bitcoin.parallel` child per core, over pipes.

The same approach as the Ethereum family's signing children (bench/chains/ethereum/parallel.py), for the
same reasons: plain subprocesses work with or without gevent's monkey patching (a multiprocessing pool
can hang under it), and keys travel only through the pipe, never through a file. A job is one account's
whole chain (its transactions depend on each other), so jobs, not transactions, are spread over the
children, heaviest first; each child signs its jobs layer by layer like `sign_chains`.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.chains.bitcoin.signing import SignedChain, SpendJob, SpendTemplate, Utxo, sign_chains
from bench.chains.bitcoin.tx import TxOut
from bench.errors import RunError
from bench.lifeline import die_with_parent

Compact = tuple[bytes, tuple[bytes, int, int], int, list[Any]]  # a job as plain tuples


def sign_in_children(jobs: list[SpendJob], processes: int) -> list[SignedChain]:
    """`sign_chains` of every job, in order, spread over `processes` child processes."""
    chunks = balance([len(j.templates) for j in jobs], processes)
    if not chunks:
        return []
    with ThreadPoolExecutor(len(chunks)) as pool:
        results = list(pool.map(lambda chunk: _child([jobs[i] for i in chunk]), chunks))
    by_index = {
        index: one
        for chunk, signed in zip(chunks, results, strict=True)
        for index, one in zip(chunk, signed, strict=True)
    }
    return [by_index[i] for i in range(len(jobs))]


def balance(weights: list[int], parts: int) -> list[list[int]]:
    """Indices of `weights` in at most `parts` non-empty groups of similar total (heaviest first, greedy)."""
    chunks: list[list[int]] = [[] for _ in range(max(parts, 1))]
    loads = [0] * len(chunks)
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lightest = loads.index(min(loads))
        chunks[lightest].append(index)
        loads[lightest] += weights[index]
    return [c for c in chunks if c]


def _child(jobs: list[SpendJob]) -> list[SignedChain]:
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.chains.bitcoin.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent(),  # a killed chainmark does not leave it signing
        )
    except OSError as exc:
        raise RunError(f"cannot start a signing process: {exc}") from exc
    output, errors = process.communicate(pickle.dumps(compact(jobs), protocol=pickle.HIGHEST_PROTOCOL))
    if process.returncode != 0:
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise RunError(f"a signing process failed: {last[0]}")
    answers: list[tuple[list[tuple[bytes, bytes]], tuple[bytes, int, int]]] = pickle.loads(output)
    return [SignedChain(txs, Utxo(*tip)) for txs, tip in answers]


def compact(jobs: list[SpendJob]) -> list[Compact]:
    """Jobs as plain tuples (cheaper to pickle than dataclasses); a template shared by many transactions
    becomes one shared tuple, which pickle writes once."""
    seen: dict[SpendTemplate, tuple[Any, ...]] = {}
    out = []
    for job in jobs:
        templates = [
            seen.get(t)
            or seen.setdefault(t, (tuple((o.amount, o.script) for o in t.payments), t.fee_rate, t.gather))
            for t in job.templates
        ]
        start = (job.start.txid, job.start.vout, job.start.amount)
        out.append((job.private_key, start, job.min_change, templates))
    return out


def expand(compacted: list[Compact]) -> list[SpendJob]:
    """The jobs `compact` packed (shared templates stay shared)."""
    seen: dict[int, SpendTemplate] = {}
    jobs = []
    for key, start, min_change, templates in compacted:
        rebuilt = []
        for t in templates:
            if id(t) not in seen:
                seen[id(t)] = SpendTemplate(tuple(TxOut(*o) for o in t[0]), t[1], t[2])
            rebuilt.append(seen[id(t)])
        jobs.append(SpendJob(key, Utxo(*start), tuple(rebuilt), min_change))
    return jobs


def _main() -> None:
    """Child side: compact jobs in, ((raw, txid) list, tip) per job out."""
    jobs = expand(pickle.loads(sys.stdin.buffer.read()))
    answers = [(c.txs, (c.tip.txid, c.tip.vout, c.tip.amount)) for c in sign_chains(jobs)]
    sys.stdout.buffer.write(pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()
