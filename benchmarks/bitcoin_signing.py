"""How fast does the Bitcoin family pre-sign? Chains of P2WPKH transfers, against baselines run in the same process.

    .venv/bin/python benchmarks/bitcoin_signing.py [--txs 100000] [--accounts 200] [--processes N]

Rows (signed transfers per second, wall clock, best of --repeat runs after a warm-up; ratios are against the baselines, measured in the same
run so they hold on a noisy machine even when absolute rates move):

- baseline python-bitcoinlib: its mutable transaction objects, its SignatureHash (BIP143) and its
  serializer, one transaction at a time; coincurve for the ECDSA (python-bitcoinlib's own signer goes
  through OpenSSL by ctypes), so the ratio measures the transaction work, not the curve library.
- baseline per-tx records: chainmark's own record path (tx.Tx, bip143_sighash, sign_digest, serialize),
  one transaction at a time, hashlib for every hash.
- chainmark, hashlib: `sign_chains` (txids layer by layer across accounts, then all BIP143 hashes, then
  ECDSA) with hashlib per message, the default.
- chainmark, kernels: the same with `bench.kernels.hash_batch` (SHA-NI rows of equal length) per batch.
- children: `sign_in_children` on 1 and N processes (start-up and pickling included).

The baselines sign a sample of the transactions (--baseline-txs) and must agree with chainmark on every
txid (the fee rule is the same; signatures differ only where chainmark re-signs a short one).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence

import coincurve
import numpy as np
from bitcoin.core import (
    CMutableTransaction,
    CMutableTxIn,
    CMutableTxOut,
    COutPoint,
    CTxInWitness,
    CTxWitness,
)
from bitcoin.core.script import SIGHASH_ALL, SIGVERSION_WITNESS_V0, CScript, CScriptWitness, SignatureHash

from bench.chains.bitcoin.keys import derive_keys, hash160, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import transfer
from bench.chains.bitcoin.parallel import sign_in_children
from bench.chains.bitcoin.signing import (
    MAX_SIGNATURE,
    Signed,
    SpendJob,
    Utxo,
    bip143_sighash,
    script_code_p2wpkh,
    sha256d_each,
    sign_chains,
    sign_digest,
)
from bench.chains.bitcoin.tx import OutPoint, Tx, TxIn, TxOut, serialize, sha256d, txid, vsize
from bench.kernels import hash_batch
from bench.kernels.hashing import SERIAL_MAX_MESSAGES

FEE_RATE = 2


def cpu_label() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    except OSError:
        names = []
    return f"{names[0] if names else 'unknown CPU'}, {os.cpu_count()} logical cores"


def kernel_sha256d(messages: Sequence[bytes]) -> list[bytes]:
    """Double SHA-256 of each message by bench.kernels: messages of one length as the rows of a matrix (the
    SHA-NI path), in calls below the kernels' parallel threshold (the children already use every core)."""
    by_length: dict[int, list[int]] = {}
    for index, message in enumerate(messages):
        by_length.setdefault(len(message), []).append(index)
    out = [b""] * len(messages)
    for length, indices in by_length.items():
        for first in range(0, len(indices), SERIAL_MAX_MESSAGES - 1):
            part = indices[first : first + SERIAL_MAX_MESSAGES - 1]
            rows = np.frombuffer(b"".join(messages[i] for i in part), np.uint8).reshape(len(part), length)
            digests = hash_batch("sha256d", rows).tobytes()
            for k, index in enumerate(part):
                out[index] = digests[32 * k : 32 * k + 32]
    return out


def make_jobs(txs: int, accounts: int) -> list[SpendJob]:
    keys = derive_keys(1, accounts + 1)
    template = transfer(p2wpkh_script(hash160(public_key_of(keys[-1]))), 10_000, FEE_RATE)
    per_account, extra = divmod(txs, accounts)
    return [
        SpendJob(
            key,
            Utxo(sha256d(bytes([i % 256, i // 256])), 0, 10**12),
            (template,) * (per_account + (i < extra)),
        )
        for i, key in enumerate(keys[:accounts])
    ]


def sample(jobs: list[SpendJob], txs: int) -> list[SpendJob]:
    """The first transactions of each job, `txs` in all (the baselines' share of the work)."""
    per_account = max(txs // len(jobs), 1)
    return [SpendJob(j.private_key, j.start, j.templates[:per_account]) for j in jobs]


def baseline_bitcoinlib(job: SpendJob) -> Signed:
    key = coincurve.PrivateKey(job.private_key)
    public = public_key_of(job.private_key)
    own = CScript(p2wpkh_script(hash160(public)))
    script_code = CScript(script_code_p2wpkh(hash160(public))[1:])
    utxo, signed = job.start, []
    for template in job.templates:
        tx = CMutableTransaction(
            [CMutableTxIn(COutPoint(utxo.txid, utxo.vout), nSequence=0xFFFFFFFF)],
            [CMutableTxOut(o.amount, CScript(o.script)) for o in template.payments] + [CMutableTxOut(0, own)],
            nVersion=2,
        )
        tx.wit = CTxWitness([CTxInWitness(CScriptWitness([b"\x00" * MAX_SIGNATURE, public]))])
        fee = template.fee_rate * ((tx.calc_weight() + 3) // 4)
        tx.vout[-1].nValue = utxo.amount - sum(o.amount for o in template.payments) - fee
        digest = SignatureHash(script_code, tx, 0, SIGHASH_ALL, utxo.amount, SIGVERSION_WITNESS_V0)
        signature = key.sign(digest, hasher=None) + b"\x01"
        tx.wit = CTxWitness([CTxInWitness(CScriptWitness([signature, public]))])
        raw, tx_id = tx.serialize(), tx.GetTxid()
        signed.append((raw, tx_id))
        utxo = Utxo(tx_id, len(tx.vout) - 1, tx.vout[-1].nValue)
    return signed


def baseline_records(job: SpendJob) -> Signed:
    key = coincurve.PrivateKey(job.private_key)
    public = key.public_key.format(compressed=True)
    own, script_code = p2wpkh_script(hash160(public)), script_code_p2wpkh(hash160(public))
    utxo, signed = job.start, []
    for template in job.templates:
        inputs = (TxIn(OutPoint(utxo.txid, utxo.vout)),)
        draft = Tx(inputs, (*template.payments, TxOut(0, own)), ((b"\x00" * MAX_SIGNATURE, public),))
        change = utxo.amount - sum(o.amount for o in template.payments) - template.fee_rate * vsize(draft)
        unsigned = Tx(inputs, (*template.payments, TxOut(change, own)))
        signature = sign_digest(key, bip143_sighash(unsigned, 0, utxo.amount, script_code))
        tx = Tx(inputs, unsigned.outputs, ((signature, public),))
        signed.append((serialize(tx), txid(tx)))
        utxo = Utxo(signed[-1][1], len(tx.outputs) - 1, change)
    return signed


def best_of(repeat: int, run: Callable[[], list[Signed]]) -> tuple[float, list[Signed]]:
    """The shortest of `repeat` runs (the least disturbed by other work on the machine), and its output."""
    best, signed = float("inf"), []
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        signed = run()
        best = min(best, time.perf_counter() - started)
    return best, signed


def main() -> int:
    parser = argparse.ArgumentParser(description="time the Bitcoin family's pre-signing")
    parser.add_argument("--txs", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--baseline-txs", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per row")
    args = parser.parse_args()
    jobs = make_jobs(args.txs, args.accounts)
    few = sample(jobs, args.baseline_txs)
    kernel_sha256d([b"warm up"])  # numba's first call loads its cache: not the signer's cost
    print(f"{cpu_label()}; {args.txs:,} P2WPKH transfers from {args.accounts} accounts, {FEE_RATE} sat/vB")
    runs: list[tuple[str, list[SpendJob], Callable[[list[SpendJob]], list[Signed]]]] = [
        ("chainmark, hashlib (1 process)", jobs, lambda js: [c.txs for c in sign_chains(js, sha256d_each)]),
        ("baseline python-bitcoinlib (1 process)", few, lambda js: [baseline_bitcoinlib(j) for j in js]),
        ("baseline per-tx records (1 process)", few, lambda js: [baseline_records(j) for j in js]),
        ("chainmark, kernels (1 process)", jobs, lambda js: [c.txs for c in sign_chains(js, kernel_sha256d)]),
        ("chainmark, 1 child process", jobs, lambda js: [c.txs for c in sign_in_children(js, 1)]),
        (
            f"chainmark, {args.processes} child processes",
            jobs,
            lambda js: [c.txs for c in sign_in_children(js, args.processes)],
        ),
    ]
    rows: dict[str, tuple[float, int]] = {}
    reference: list[Signed] = []
    for label, chosen, run in runs:
        run(sample(chosen, 1_000))  # warm up (allocator, caches, the children's imports from disk)
        seconds, signed = best_of(args.repeat, functools.partial(run, chosen))
        reference = reference or signed
        _check(label, signed, reference)
        count = sum(len(s) for s in signed)
        rows[label] = (count / seconds, count)
    print(format_rows(rows, runs[1][0], runs[2][0]))
    parallel = rows[runs[-1][0]][0]
    print(f"per core on {args.processes} processes: {parallel / args.processes:,.0f} tx/s (target >= 8,000)")
    return 0


def _check(label: str, signed: list[Signed], reference: list[Signed]) -> None:
    """Every run signs the same txids (the baselines on their prefix of each chain)."""
    for mine, theirs in zip(signed, reference, strict=True):
        if [t for _, t in mine] != [t for _, t in theirs[: len(mine)]]:
            raise SystemExit(f"{label}: different txids from chainmark's")


def format_rows(rows: dict[str, tuple[float, int]], library: str, records: str) -> str:
    """One line per run: transactions, rate, and the rate as a multiple of each baseline's."""
    lines = []
    for label, (rate, count) in rows.items():
        lines.append(
            f"{label:40s} {count:>8,} tx {rate:>8,.0f} tx/s   x{rate / rows[library][0]:5.2f} python-bitcoinlib"
            f"   x{rate / rows[records][0]:5.2f} per-tx records"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
