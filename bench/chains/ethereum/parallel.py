"""Signs batches of sign jobs on several cores: one `python -m bench.chains.ethereum.parallel` child per core, over pipes.

Child processes rather than `multiprocessing`: `chainmark run` has Locust (and so gevent's monkey
patching) loaded, under which a multiprocessing pool can hang; a plain subprocess fed through a pipe
works the same with or without gevent. Keys travel only through the pipe, never through a file.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.errors import RunError
from bench.lifeline import die_with_parent

Signed = list[tuple[bytes, bytes]]


def sign_in_children(jobs: list[SignJob], processes: int) -> list[Signed]:
    """`sign_job` of every job, in order, spread over `processes` child processes."""
    chunks: list[list[int]] = [[] for _ in range(processes)]
    loads = [0] * processes
    for index in sorted(range(len(jobs)), key=lambda i: -len(jobs[i].templates)):
        lightest = loads.index(min(loads))
        chunks[lightest].append(index)
        loads[lightest] += len(jobs[index].templates)
    chunks = [c for c in chunks if c]
    with ThreadPoolExecutor(len(chunks)) as pool:
        results = list(pool.map(lambda chunk: _child([jobs[i] for i in chunk]), chunks))
    out: list[Signed] = [[] for _ in jobs]
    for chunk, signed in zip(chunks, results, strict=True):
        for index, one in zip(chunk, signed, strict=True):
            out[index] = one
    return out


def _child(jobs: list[SignJob]) -> list[Signed]:
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.chains.ethereum.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent(),  # a killed chainmark does not leave it signing
        )
    except OSError as exc:
        raise RunError(f"cannot start a signing process: {exc}") from exc
    compact = [
        (
            j.private_key,
            j.first_nonce,
            j.chain_id,
            [(t.to, t.value, t.gas, t.gas_price, t.data) for t in j.templates],
        )
        for j in jobs
    ]
    output, errors = process.communicate(pickle.dumps(compact, protocol=pickle.HIGHEST_PROTOCOL))
    if process.returncode != 0:
        last = errors.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise RunError(f"a signing process failed: {last[0]}")
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
