"""Turns a workload into a plan: keys, funding needs, and every round's signed transactions and schedule.

No clock and no network here: the caller passes what the chain told it (chain id, gas price, start
nonces). Signing is spread over processes; everything the measured phase sends is bytes made here.
Rounds are signed in order, each from the plan's state when it begins (bench.chains.ethereum.plan_state),
which the plan keeps, so later rounds can be signed again from the node's nonces and be the same rounds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.chains.ethereum.contract_plan import ContractPlan, ContractState
from bench.chains.ethereum.contract_txs import plan_contracts
from bench.chains.ethereum.fees import PREPARE_BLOCKS, Pricing, legacy
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.kinds import ETHEREUM_KINDS, write_gas
from bench.chains.ethereum.parallel import sign_in_children
from bench.chains.ethereum.plan_state import PlanState, Stream
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.plan.choice import draw
from bench.plan.presign import presign_count
from bench.plan.round import PlannedRound
from bench.plan.schedule import arrival_offsets
from bench.workload.spec import BalanceRead, ContractTx, Round, TransferTx, TxKind, Workload

PARALLEL_THRESHOLD = 20_000


@dataclass(frozen=True, slots=True)
class Signer:
    """What signing a round needs besides the plan's state: the accounts' keys, the chain, its pricing, the
    contracts, the workload's seed (each round's arrival schedule is drawn from it and the round's index),
    and the blocks between the plan and each round's start (bench.chains.ethereum.fees)."""

    seed: int
    keys: list[bytes] = field(repr=False)
    addresses: list[bytes] = field(repr=False)
    chain_id: int
    pricing: Pricing
    contracts: ContractPlan | None = field(default=None, repr=False)
    blocks_before: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Fees:
    """What one round's writes offer: their type, gas price or fee cap, and tip (type 2)."""

    tx_type: int
    cap: int
    tip: int = 0

    def tx(self, to: bytes, value: int, gas: int, data: bytes = b"") -> UnsignedTx:
        return UnsignedTx(to, value, gas, self.cap, data, self.tx_type, self.tip)


@dataclass(frozen=True, slots=True)
class Signed:
    """Rounds signed in order, the plan's state when each began, the state after the last, and each round's
    gas price or fee cap."""

    rounds: list[PlannedRound]
    starts: tuple[PlanState, ...]
    end: PlanState
    fee_caps: tuple[int, ...] = ()


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
    starts: tuple[PlanState, ...] = field(default=(), repr=False)  # the state each round began from
    pricing: Pricing | None = None  # None: legacy at gas_price
    blocks_before: tuple[int, ...] = ()
    fee_caps: tuple[int, ...] = ()  # each planned round's gas price or fee cap

    @property
    def tx_count(self) -> int:
        return sum(r.count for r in self.rounds)

    @property
    def accounts(self) -> list[str]:
        return ["0x" + a.hex() for a in self.addresses]

    @property
    def signer(self) -> Signer:
        return Signer(
            self.workload.accounts.seed,
            self.keys,
            self.addresses,
            self.chain_id,
            self.pricing or legacy(self.gas_price),
            self.contracts,
            self.blocks_before,
        )

    def record(self) -> dict[str, object]:
        pricing = self.pricing or legacy(self.gas_price)
        return {"gas_price_wei": self.gas_price, **pricing.record(), "fee_cap_wei": list(self.fee_caps)}


def build_plan(
    workload: Workload,
    *,
    chain_id: int,
    gas_price: int,
    start_nonces: list[int] | None = None,
    processes: int | None = None,
    pricing: Pricing | None = None,
    first_block: int = 0,
) -> Plan:
    """Derive keys, decide every transaction, and sign them all (in parallel when it pays); `pricing` None:
    legacy transactions at `gas_price`."""
    count, seed = workload.accounts.count, workload.accounts.seed
    keys = derive_keys(seed, count)
    addresses = [address_of(k) for k in keys]
    nonces = list(start_nonces) if start_nonces is not None else [0] * count
    processes = processes or os.cpu_count() or 1
    started = time.perf_counter()
    contracts = plan_contracts(workload, addresses[0], nonces[0], addresses, seed, first_block)
    setup: list[tuple[bytes, bytes]] = []
    if contracts is not None:
        templates = tuple(UnsignedTx(c.to or b"", 0, c.gas, gas_price, c.data) for c in contracts.setup)
        setup = sign_job(SignJob(keys[0], nonces[0], templates, chain_id))
        nonces[0] += len(templates)
    priced = pricing or legacy(gas_price)
    before = _blocks_before(workload, priced, seed)
    signer = Signer(seed, keys, addresses, chain_id, priced, contracts, before)
    start = PlanState(Stream.seeded(seed), contracts=contracts.start if contracts else ContractState())
    signed = sign_rounds(signer, list(enumerate(workload.rounds)), start, nonces, processes)
    elapsed = time.perf_counter() - started
    funding = _funding(workload, signed.rounds, contracts, gas_price, signed.fee_caps)
    return Plan(
        workload,
        chain_id,
        gas_price,
        keys,
        addresses,
        funding,
        signed.rounds,
        elapsed,
        processes,
        contracts,
        setup,
        signed.starts,
        pricing,
        before,
        signed.fee_caps,
    )


def resign_rounds(plan: Plan, later: Sequence[PlannedRound], nonces: Sequence[int]) -> list[PlannedRound]:
    """Sign `later` rounds (consecutive) again from the node's `nonces` and the plan's state when the first of
    them began: the same transactions as planned (kinds, senders, calls), with only their nonces moved."""
    if not later:
        return []
    first = later[0].index
    assert [r.index for r in later] == list(range(first, first + len(later))), (
        "later rounds follow one another"
    )
    specs = [(r.index, r.spec) for r in later]
    return sign_rounds(plan.signer, specs, plan.starts[first], nonces, plan.processes).rounds


def sign_rounds(
    signer: Signer, rounds: list[tuple[int, Round]], start: PlanState, nonces: Sequence[int], processes: int
) -> Signed:
    """Sign `rounds` (index, spec) in order from `start` (the plan's state when the first begins) and each
    account's next nonce (`nonces`, not changed); answer them with the state each began from."""
    layouts: list[_Layout] = []
    starts, state, next_nonces = [], start, list(nonces)
    for index, spec in rounds:
        starts.append(state)
        layout, state = _lay_out(signer, index, spec, state, next_nonces)
        layouts.append(layout)
    signed = iter(_run_jobs([job for layout in layouts for job in layout.jobs], processes))
    planned = [layout.planned(signed) for layout in layouts]
    return Signed(planned, tuple(starts), state, tuple(layout.fees.cap for layout in layouts))


@dataclass(frozen=True, slots=True)
class _Layout:
    """One round decided, its writes grouped into signing jobs (one per sender, in nonce order)."""

    index: int
    spec: Round
    senders: np.ndarray
    nonces: np.ndarray
    offsets: np.ndarray | None
    kinds: np.ndarray
    payloads: list[bytes]  # reads' fragments; writes' raw transactions are filled in once signed
    jobs: list[SignJob]
    positions: list[np.ndarray]  # each job's positions in the round
    fees: Fees

    def planned(self, signed: Iterator[list[tuple[bytes, bytes]]]) -> PlannedRound:
        """The round, its writes' raw transactions and hashes taken from `signed` (the jobs' results, in order)."""
        payloads, hashes = self.payloads, [b""] * len(self.senders)  # filled in place, not copied
        for positions in self.positions:
            for p, (tx_raw, tx_hash) in zip(positions, next(signed), strict=True):
                payloads[p], hashes[p] = tx_raw, tx_hash
        senders = self.senders.astype(np.int32)
        return PlannedRound(
            self.index, self.spec, senders, self.nonces, payloads, hashes, self.offsets, self.kinds
        )


def _lay_out(
    signer: Signer, index: int, spec: Round, state: PlanState, nonces: list[int]
) -> tuple[_Layout, PlanState]:
    """Decide round `index` from `state`: kinds, senders, calls, nonces (advancing `nonces`, the caller's
    working copy); answer it with the state after it."""
    rng = state.stream.generator()
    offsets = arrival_offsets(spec, seed=signer.seed * 1_000 + index)
    n = presign_count(spec, offsets)
    kinds = _draw_kinds(spec, n, rng)
    senders, turn = _draw_senders(spec, kinds, len(signer.keys), state.turn, rng)
    fees = _round_fees(signer, index, spec, offsets, kinds)
    payloads, unsigned, contracts = _calls(signer, spec, kinds, senders, state.contracts, rng, fees)
    tx_nonces = np.full(n, -1, dtype=np.int64)
    jobs, positions_of_jobs = [], []
    for account, positions in _positions_by_account(senders, len(signer.keys)):
        tx_nonces[positions] = nonces[account] + np.arange(len(positions))
        templates = tuple(_require(unsigned[p]) for p in positions)
        jobs.append(SignJob(signer.keys[account], nonces[account], templates, signer.chain_id))
        positions_of_jobs.append(positions)
        nonces[account] += len(positions)
    layout = _Layout(index, spec, senders, tx_nonces, offsets, kinds, payloads, jobs, positions_of_jobs, fees)
    return layout, PlanState(Stream.of(rng), turn, contracts)


def _round_fees(
    signer: Signer, index: int, spec: Round, offsets: np.ndarray | None, kinds: np.ndarray
) -> Fees:
    """Round `index`'s fees by the plan's rule (bench.chains.ethereum.fees): for the blocks from the plan to its
    end, and those its own gas can fill after it."""
    pricing = signer.pricing
    gas = sum(_gas(e.tx) * int((kinds == k).sum()) for k, e in enumerate(spec.mix) if not e.tx.read)
    before = signer.blocks_before[index] if index < len(signer.blocks_before) else PREPARE_BLOCKS
    blocks = before + pricing.span_blocks(_span(spec, offsets)) + pricing.drain_blocks(gas)
    return Fees(pricing.tx_type, pricing.fee_cap(blocks), pricing.priority_fee if pricing.tx_type == 2 else 0)


def _blocks_before(workload: Workload, pricing: Pricing, seed: int) -> tuple[int, ...]:
    """The blocks between the plan and each round's start: the preparation's, then the rounds' spans."""
    out, blocks = [], PREPARE_BLOCKS
    for index, spec in enumerate(workload.rounds):
        out.append(blocks)
        offsets = None if spec.duration is not None else arrival_offsets(spec, seed=seed * 1_000 + index)
        blocks += pricing.span_blocks(_span(spec, offsets))
    return tuple(out)


def _span(spec: Round, offsets: np.ndarray | None) -> float:
    """A round's length on the run's clock: its duration, else its last arrival, else 0 (closed loop)."""
    if spec.duration is not None:
        return spec.duration
    return float(offsets[-1]) if offsets is not None and len(offsets) else 0.0


def _gas(tx: TxKind) -> int:
    if isinstance(tx, TransferTx):
        return tx.gas
    assert isinstance(tx, ContractTx), f"{tx.kind} is not an Ethereum kind"
    return write_gas(tx)


def _draw_kinds(spec: Round, n: int, rng: np.random.Generator) -> np.ndarray:
    """Which mix entry each of the round's `n` transactions is, drawn by weight."""
    if len(spec.mix) == 1:
        return np.zeros(n, int)
    weights = np.array([e.weight for e in spec.mix])
    return rng.choice(len(spec.mix), size=n, p=weights / weights.sum())


def _draw_senders(
    spec: Round, kinds: np.ndarray, count: int, turn: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Each write's sender (reads: -1): the accounts in turn from `turn`, or drawn by the round's `from:`;
    answered with the next turn."""
    reads = np.array([e.tx.read for e in spec.mix])[kinds]
    writes = int((~reads).sum())
    senders = np.full(len(kinds), -1, dtype=np.int64)
    if spec.sender is not None:
        senders[~reads] = draw(spec.sender, count, writes, rng)
        return senders, turn
    senders[~reads] = (turn + np.arange(writes)) % count
    return senders, turn + writes


def _calls(
    signer: Signer,
    spec: Round,
    kinds: np.ndarray,
    senders: np.ndarray,
    contracts: ContractState,
    rng: np.random.Generator,
    fees: Fees,
) -> tuple[list[bytes], list[UnsignedTx | None], ContractState]:
    """Per position: a read's JSON-RPC fragment, or a write's unsigned transaction (a kind may choose its
    senders, written into `senders`); answered with the contracts' state after the round's calls."""
    count, n = len(signer.addresses), len(kinds)
    payloads: list[bytes] = [b""] * n
    unsigned: list[UnsignedTx | None] = [None] * n
    for k, entry in enumerate(spec.mix):
        mine = np.flatnonzero(kinds == k)
        tx = entry.tx
        if isinstance(tx, TransferTx):
            picks = draw(tx.to, max(count - 1, 1), len(mine), rng)
            for p, t in zip(mine, (senders[mine] + 1 + picks) % count, strict=True):  # never the sender
                unsigned[p] = fees.tx(signer.addresses[int(t)], tx.value_wei, tx.gas)
        elif isinstance(tx, BalanceRead):
            for p, a in zip(mine, draw(tx.of, count, len(mine), rng), strict=True):
                payloads[p] = _balance_read(signer.addresses[int(a)])
        else:  # the loader keeps other families' kinds off an Ethereum target
            assert isinstance(tx, ContractTx), f"{tx.kind} is not an Ethereum kind"
            contracts = _contract_calls(signer, tx, mine, senders, contracts, rng, payloads, unsigned, fees)
    return payloads, unsigned, contracts


def _contract_calls(
    signer: Signer,
    tx: ContractTx,
    mine: np.ndarray,
    senders: np.ndarray,
    state: ContractState,
    rng: np.random.Generator,
    payloads: list[bytes],
    unsigned: list[UnsignedTx | None],
    fees: Fees,
) -> ContractState:
    """Fill positions `mine` with calls of contract kind `tx` built by its record; the state after them."""
    plan = signer.contracts
    if plan is None:
        raise ValueError(f"{tx.kind} needs the workload's contracts planned")
    kind = ETHEREUM_KINDS[tx.kind]
    batch = kind.build(plan, state, tx, senders[mine], rng)
    senders[mine] = batch.senders  # e.g. a custody transfer comes from the product's custodian
    if tx.read:
        for p, data in zip(mine, batch.data, strict=True):
            payloads[p] = data if kind.request else plan.eth_call(tx.contract, data)
        return batch.state
    to, gas = plan.addresses[tx.contract], write_gas(tx)
    for p, data in zip(mine, batch.data, strict=True):
        unsigned[p] = fees.tx(to, 0, gas, data)
    return batch.state


def _funding(
    workload: Workload,
    rounds: list[PlannedRound],
    contracts: ContractPlan | None,
    gas_price: int,
    fee_caps: Sequence[int],
) -> list[int]:
    """Each account's funding: the gas at its round's gas price or fee cap (a node admits a write only when
    its sender holds that much) and value of every write it sends, plus 10% (or the workload's)."""
    need = [0] * workload.accounts.count
    if contracts is not None:
        need[0] += sum(c.gas for c in contracts.setup) * gas_price
    for planned, price in zip(rounds, fee_caps, strict=True):
        for index, entry in enumerate(planned.spec.mix):
            if entry.tx.read:
                continue
            mine = planned.senders[planned.kinds == index]
            if isinstance(entry.tx, TransferTx):
                per_tx = entry.tx.gas * price + entry.tx.value_wei
            else:
                assert isinstance(entry.tx, ContractTx)
                per_tx = write_gas(entry.tx) * price
            for sender, n in zip(*np.unique(mine, return_counts=True), strict=True):
                need[int(sender)] += per_tx * int(n)
    if workload.accounts.funding_wei is not None:
        return [workload.accounts.funding_wei] * len(need)
    return [n * 11 // 10 for n in need]


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
