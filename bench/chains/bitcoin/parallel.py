"""Signs spend jobs on several cores: one `python -m bench.chains.bitcoin.parallel` child per core, over pipes.

Spread and run by bench.plan.children, as the Ethereum family's signing children are. A job is one account's
whole chain (its transactions depend on each other), so jobs, not transactions, are spread over the
children, heaviest first; each child signs its jobs layer by layer like `sign_chains`.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any

from bench.chains.bitcoin.signing import SignedChain, SpendJob, SpendTemplate, Utxo, sign_chains
from bench.chains.bitcoin.tx import TxOut
from bench.plan.children import balance, run_child, spread

__all__ = ["balance", "compact", "expand", "sign_in_children"]

Compact = tuple[bytes, tuple[bytes, int, int], int, list[Any]]  # a job as plain tuples


def sign_in_children(jobs: list[SpendJob], processes: int) -> list[SignedChain]:
    """`sign_chains` of every job, in order, spread over `processes` child processes."""
    return spread(jobs, [len(j.templates) for j in jobs], processes, lambda chunk: _child(chunk))


def _child(jobs: list[SpendJob]) -> list[SignedChain]:
    payload = pickle.dumps(compact(jobs), protocol=pickle.HIGHEST_PROTOCOL)
    answers: list[tuple[list[tuple[bytes, bytes]], tuple[bytes, int, int], list[tuple[bytes, int, int]]]] = (
        pickle.loads(run_child("bench.chains.bitcoin.parallel", payload))
    )
    return [SignedChain(txs, Utxo(*tip), tuple(Utxo(*c) for c in changes)) for txs, tip, changes in answers]


def compact(jobs: list[SpendJob]) -> list[Compact]:
    """Jobs as plain tuples (cheaper to pickle than dataclasses); a template shared by many transactions
    becomes one shared tuple, which pickle writes once."""
    seen: dict[SpendTemplate, tuple[Any, ...]] = {}
    out = []
    for job in jobs:
        templates = [
            seen.get(t)
            or seen.setdefault(
                t,
                (
                    tuple((o.amount, o.script) for o in t.payments),
                    t.fee_rate,
                    t.gather,
                    tuple((u.txid, u.vout, u.amount) for u in t.extra),
                ),
            )
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
                extra = tuple(Utxo(*u) for u in t[3])
                seen[id(t)] = SpendTemplate(tuple(TxOut(*o) for o in t[0]), t[1], t[2], extra)
            rebuilt.append(seen[id(t)])
        jobs.append(SpendJob(key, Utxo(*start), tuple(rebuilt), min_change))
    return jobs


def _main() -> None:
    """Child side: compact jobs in, ((raw, txid) list, tip, change outputs) per job out."""
    jobs = expand(pickle.loads(sys.stdin.buffer.read()))
    answers = [
        (c.txs, (c.tip.txid, c.tip.vout, c.tip.amount), [(u.txid, u.vout, u.amount) for u in c.changes])
        for c in sign_chains(jobs)
    ]
    sys.stdout.buffer.write(pickle.dumps(answers, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()
