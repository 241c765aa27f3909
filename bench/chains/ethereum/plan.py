"""Turns a workload into a plan: keys, funding needs, and every round's signed transactions and schedule.

No clock and no network here: the caller passes what the chain told it (chain id, gas price, start
nonces). Signing is spread over processes; everything the measured phase sends is bytes made here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from bench.chains.ethereum.contract_txs import ContractPlan, gas_limit, plan_contracts
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.parallel import sign_in_children
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.plan.choice import draw
from bench.plan.presign import presign_count
from bench.plan.round import PlannedRound
from bench.plan.schedule import arrival_offsets
from bench.workload.spec import (
    BalanceRead,
    ContractTx,
    Round,
    TransferTx,
    Workload,
)

PARALLEL_THRESHOLD = 20_000


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything decided before the clock starts. Private keys are kept out of repr and never stored."""

    workload: Workload
    chain_id: int
    gas_price: int
    keys: list[bytes] = field(repr=False)
    addresses: list[bytes] = field(repr=False)
    funding_wei: list[int] = field(repr=False)
    rounds: list[PlannedRound] = field(repr=False)
    signing_seconds: float = 0.0
    processes: int = 1
    contracts: ContractPlan | None = field(default=None, repr=False)
    setup: list[tuple[bytes, bytes]] = field(default_factory=list, repr=False)  # (raw, hash) from account 0

    @property
    def tx_count(self) -> int:
        return sum(r.count for r in self.rounds)

    @property
    def accounts(self) -> list[str]:
        return ["0x" + a.hex() for a in self.addresses]

    def record(self) -> dict[str, object]:
        return {"gas_price_wei": self.gas_price}


def build_plan(
    workload: Workload,
    *,
    chain_id: int,
    gas_price: int,
    start_nonces: list[int] | None = None,
    processes: int | None = None,
) -> Plan:
    """Derive keys, decide every transaction, and sign them all (in parallel when it pays)."""
    count = workload.accounts.count
    keys = derive_keys(workload.accounts.seed, count)
    addresses = [address_of(k) for k in keys]
    nonces = list(start_nonces) if start_nonces is not None else [0] * count
    processes = processes or os.cpu_count() or 1
    started = time.perf_counter()
    contracts = plan_contracts(workload, addresses[0], nonces[0], addresses, workload.accounts.seed)
    setup: list[tuple[bytes, bytes]] = []
    need = [0] * count
    if contracts is not None:
        templates = tuple(UnsignedTx(c.to or b"", 0, c.gas, gas_price, c.data) for c in contracts.setup)
        setup = sign_job(SignJob(keys[0], nonces[0], templates, chain_id))
        nonces[0] += len(templates)
        need[0] += sum(c.gas for c in contracts.setup) * gas_price
    rounds = sign_rounds(
        workload,
        keys,
        addresses,
        chain_id,
        gas_price,
        nonces,
        list(enumerate(workload.rounds)),
        processes,
        contracts,
    )
    elapsed = time.perf_counter() - started
    for planned in rounds:
        for index, entry in enumerate(planned.spec.mix):
            if entry.tx.read:
                continue
            mine = planned.senders[planned.kinds == index]
            if isinstance(entry.tx, TransferTx):
                per_tx = entry.tx.gas * gas_price + entry.tx.value_wei
            else:
                assert isinstance(entry.tx, ContractTx)
                per_tx = gas_limit(entry.tx) * gas_price
            for sender, n in zip(*np.unique(mine, return_counts=True), strict=True):
                need[int(sender)] += per_tx * int(n)
    funding = [
        workload.accounts.funding_wei if workload.accounts.funding_wei is not None else n * 11 // 10
        for n in need
    ]
    return Plan(
        workload, chain_id, gas_price, keys, addresses, funding, rounds, elapsed, processes, contracts, setup
    )


def sign_rounds(
    workload: Workload,
    keys: list[bytes],
    addresses: list[bytes],
    chain_id: int,
    gas_price: int,
    nonces: list[int],
    rounds: list[tuple[int, Round]],
    processes: int,
    contracts: ContractPlan | None = None,
) -> list[PlannedRound]:
    """Sign `rounds` (index, spec) in order starting from per-account `nonces` (updated in place)."""
    count = len(keys)
    rng = np.random.default_rng(workload.accounts.seed)
    layouts = []
    jobs: list[SignJob] = []
    cursor = 0
    for index, spec in rounds:
        offsets = arrival_offsets(spec, seed=workload.accounts.seed * 1_000 + index)
        n = presign_count(spec, offsets)
        weights = np.array([e.weight for e in spec.mix])
        kinds = (
            rng.choice(len(spec.mix), size=n, p=weights / weights.sum())
            if len(spec.mix) > 1
            else np.zeros(n, int)
        )
        reads = np.array([e.tx.read for e in spec.mix])[kinds]
        writes = int((~reads).sum())
        senders = np.full(n, -1, dtype=np.int64)
        if spec.sender is None:
            senders[~reads] = (cursor + np.arange(writes)) % count
            cursor += writes
        else:
            senders[~reads] = draw(spec.sender, count, writes, rng)
        payloads, unsigned = _calls(spec, kinds, senders, addresses, gas_price, contracts, rng)
        tx_nonces = np.full(n, -1, dtype=np.int64)
        job_slices = []
        for account, positions in _positions_by_account(senders, count):
            tx_nonces[positions] = nonces[account] + np.arange(len(positions))
            templates = tuple(_require(unsigned[p]) for p in positions)
            jobs.append(SignJob(keys[account], nonces[account], templates, chain_id))
            job_slices.append(positions)
            nonces[account] += len(positions)
        layouts.append((index, spec, senders, tx_nonces, job_slices, offsets, kinds, payloads))
    signed = _run_jobs(jobs, processes)
    out, job_index = [], 0
    for index, spec, senders, tx_nonces, job_slices, offsets, kinds, payloads in layouts:
        hashes: list[bytes] = [b""] * len(senders)
        for positions in job_slices:
            for p, (tx_raw, tx_hash) in zip(positions, signed[job_index], strict=True):
                payloads[p], hashes[p] = tx_raw, tx_hash
            job_index += 1
        out.append(
            PlannedRound(index, spec, senders.astype(np.int32), tx_nonces, payloads, hashes, offsets, kinds)
        )
    return out


def _calls(
    spec: Round,
    kinds: np.ndarray,
    senders: np.ndarray,
    addresses: list[bytes],
    gas_price: int,
    contracts: ContractPlan | None,
    rng: np.random.Generator,
) -> tuple[list[bytes], list[UnsignedTx | None]]:
    """Per position: a read's JSON-RPC fragment, or a write's unsigned transaction (senders may be forced)."""
    count, n = len(addresses), len(kinds)
    payloads: list[bytes] = [b""] * n
    unsigned: list[UnsignedTx | None] = [None] * n
    for k, entry in enumerate(spec.mix):
        mine = np.flatnonzero(kinds == k)
        tx = entry.tx
        if isinstance(tx, TransferTx):
            picks = draw(tx.to, max(count - 1, 1), len(mine), rng)
            for p, t in zip(mine, (senders[mine] + 1 + picks) % count, strict=True):  # never the sender
                unsigned[p] = UnsignedTx(addresses[int(t)], tx.value_wei, tx.gas, gas_price)
        elif isinstance(tx, BalanceRead):
            for p, a in zip(mine, draw(tx.of, count, len(mine), rng), strict=True):
                payloads[p] = _balance_read(addresses[int(a)])
        else:
            if contracts is None:
                raise ValueError(f"{tx.kind} needs the workload's contracts planned")
            forced = contracts.senders(tx, len(mine), rng)
            if forced is not None:  # e.g. a custody transfer must come from the product's custodian
                senders[mine] = forced
            for p, data in zip(mine, contracts.calldata(tx, senders[mine], rng), strict=True):
                if tx.read:
                    payloads[p] = contracts.eth_call(tx, data)
                else:
                    unsigned[p] = UnsignedTx(
                        contracts.addresses[tx.contract], 0, gas_limit(tx), gas_price, data
                    )
    return payloads, unsigned


def _positions_by_account(senders: np.ndarray, count: int) -> list[tuple[int, np.ndarray]]:
    """(account, its positions in send order) for every account that sends; one sort, not a scan per account."""
    order = np.argsort(senders, kind="stable")
    bounds = np.searchsorted(senders[order], np.arange(count + 1))
    return [(a, order[bounds[a] : bounds[a + 1]]) for a in range(count) if bounds[a + 1] > bounds[a]]


def _require(tx: UnsignedTx | None) -> UnsignedTx:
    assert tx is not None, "every write has its unsigned transaction"
    return tx


def _balance_read(address: bytes) -> bytes:
    return b'"method":"eth_getBalance","params":["0x%s","latest"]' % address.hex().encode()


def _run_jobs(jobs: list[SignJob], processes: int) -> list[list[tuple[bytes, bytes]]]:
    total = sum(len(j.templates) for j in jobs)
    if processes <= 1 or total < PARALLEL_THRESHOLD:
        return [sign_job(j) for j in jobs]
    return sign_in_children(jobs, processes)
