"""Signs batches of sign jobs on several cores: one `python -m bench.chains.ethereum.parallel` child per core, over pipes.

Spread over the children and run by bench.plan.children (why subprocesses and pipes: there); this
module says how a job is packed for the pipe and signed on the other side.
"""

from __future__ import annotations

import pickle
import sys

from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.plan.children import run_child, spread

Signed = list[tuple[bytes, bytes]]


def sign_in_children(jobs: list[SignJob], processes: int) -> list[Signed]:
    """`sign_job` of every job, in order, spread over `processes` child processes."""
    return spread(jobs, [len(j.templates) for j in jobs], processes, lambda chunk: _child(chunk))


def _child(jobs: list[SignJob]) -> list[Signed]:
    compact = [
        (
            j.private_key,
            j.first_nonce,
            j.chain_id,
            [(t.to, t.value, t.gas, t.gas_price, t.data, t.tx_type, t.priority_fee) for t in j.templates],
        )
        for j in jobs
    ]
    output = run_child(
        "bench.chains.ethereum.parallel", pickle.dumps(compact, protocol=pickle.HIGHEST_PROTOCOL)
    )
    result: list[Signed] = pickle.loads(output)
    return result


def _main() -> None:
    """Child side: plain tuples in (cheaper to pickle than dataclasses), (raw, hash) lists out."""
    compact = pickle.loads(sys.stdin.buffer.read())
    jobs = [
        SignJob(key, nonce, tuple(UnsignedTx(*t) for t in templates), chain_id)
        for key, nonce, chain_id, templates in compact
    ]
    sys.stdout.buffer.write(pickle.dumps([sign_job(j) for j in jobs], protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()
