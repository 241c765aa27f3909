"""The Bitcoin plan: the funding fan-out and every round's chains of spends, all signed before the clock.

Why the fan-out is signed here and not when funding: a UTXO account's first spend names the outpoint it
spends, so the chains cannot be signed before that outpoint is known. The fan-out (one transaction from
the funder's coin, one output per account) has a txid fixed as soon as it is built, so the planner builds
and signs it first, every account's chain starts from its output, and the preparer only sends it and waits
for its confirmation. A sender's n-th write spends its (n-1)-th's change: `nonces` is that position.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.chains.bitcoin.keys import hash160, p2wpkh_address, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import evidence, evidence_root, payout, transfer
from bench.chains.bitcoin.parallel import sign_in_children
from bench.chains.bitcoin.signing import SignedChain, SpendJob, SpendTemplate, Utxo, sign_chains
from bench.errors import WorkloadError
from bench.plan.presign import presign_count
from bench.plan.round import PlannedRound
from bench.plan.schedule import arrival_offsets
from bench.workload.spec import BitcoinTx, Round, Workload

DUST = 10_000  # sat: above every output's dust limit (Litecoin's is ~3,000 sat for P2WPKH: 3 sat/B dust relay fee)
PARALLEL_FROM = 4_000  # transactions: below this, signing children cost more than they save


@dataclass(frozen=True, slots=True)
class BitcoinPlan:
    """The signed fan-out and rounds, and the facts the preparer and the record need."""

    rounds: list[PlannedRound]
    addresses: list[str]
    fanout: bytes = field(repr=False)  # the funding transaction, signed
    fanout_txid: bytes = b""  # internal byte order
    fee_rate: int = 0
    funding_sat: int = 0
    signing_seconds: float = 0.0
    processes: int = 1

    @property
    def accounts(self) -> list[str]:
        return self.addresses

    def record(self) -> dict[str, object]:
        return {"fee_rate_sat_per_vb": self.fee_rate, "funding_sat": self.funding_sat}


@dataclass(frozen=True, slots=True)
class Keys:
    """The workload's keys and what the chain calls them (kept out of repr)."""

    private: list[bytes] = field(repr=False)
    scripts: list[bytes]
    addresses: list[str]


def account_keys(private: list[bytes], hrp: str) -> Keys:
    publics = [public_key_of(k) for k in private]
    scripts = [p2wpkh_script(hash160(p)) for p in publics]
    return Keys(private, scripts, [p2wpkh_address(p, hrp) for p in publics])


def build_plan(
    workload: Workload, keys: Keys, funder: tuple[bytes, Utxo], fee_rate: int, processes: int | None
) -> BitcoinPlan:
    """Lay out every round (kinds, senders round-robin, templates), size and sign the fan-out, then sign
    every account's chains from its output, round by round."""
    started = time.perf_counter()
    count = len(keys.private)
    layouts, turn = [], 0
    for index, spec in enumerate(workload.rounds):
        layout = _lay_out(workload.accounts.seed, index, spec, keys, fee_rate, turn)
        turn = (turn + layout.count) % count
        layouts.append(layout)
    needs = [DUST + sum(_cost(t) for lay in layouts for t in lay.templates[a]) for a in range(count)]
    fanout_key, coin = funder
    pays = [(script, need) for script, need in zip(keys.scripts, needs, strict=True)]
    fan = SpendJob(fanout_key, coin, (payout(pays, fee_rate),), min_change=DUST)
    try:
        (signed_fan,) = sign_chains([fan])
    except ValueError as exc:
        raise WorkloadError(
            f"the funder's largest coin ({coin.amount} sat) cannot fund {count} accounts "
            f"({sum(needs)} sat): fund it more, or plan fewer transactions"
        ) from exc
    fan_raw, fan_txid = signed_fan.txs[0]
    tips = [Utxo(fan_txid, a, needs[a]) for a in range(count)]
    workers = processes or 1
    rounds, positions = [], [0] * count
    for layout in layouts:
        chains = _sign(keys, tips, layout, workers)
        tips = [c.tip for c in chains]
        rounds.append(layout.planned(chains, positions))
    return BitcoinPlan(
        rounds,
        keys.addresses,
        fan_raw,
        fan_txid,
        fee_rate,
        sum(needs),
        time.perf_counter() - started,
        workers,
    )


def _cost(template: SpendTemplate) -> int:
    """An upper bound of what a transaction spends from its input: its payments and its fee."""
    outputs = len(template.payments) + 1
    vsize = 11 + 68 + 43 * outputs
    return sum(o.amount for o in template.payments) + template.fee_rate * vsize


def _sign(keys: Keys, tips: list[Utxo], layout: _Layout, processes: int) -> list[SignedChain]:
    jobs = [
        SpendJob(keys.private[a], tips[a], tuple(layout.templates[a]), min_change=DUST)
        for a in range(len(tips))
    ]
    if processes > 1 and layout.count >= PARALLEL_FROM:
        return sign_in_children(jobs, processes)
    return sign_chains(jobs)


@dataclass(frozen=True, slots=True)
class _Layout:
    """One round decided: per position its sender and kind; per account its templates in chain order."""

    index: int
    spec: Round
    senders: np.ndarray
    kinds: np.ndarray
    offsets: np.ndarray | None
    templates: list[list[SpendTemplate]]

    @property
    def count(self) -> int:
        return len(self.senders)

    def planned(self, chains: list[SignedChain], positions: list[int]) -> PlannedRound:
        """The round in send order: position p is its sender's next write (advancing `positions`)."""
        raw, hashes = [b""] * self.count, [b""] * self.count
        nonces = np.zeros(self.count, dtype=np.int64)
        taken = [0] * len(chains)
        for p, sender in enumerate(self.senders.tolist()):
            tx_raw, txid = chains[sender].txs[taken[sender]]
            raw[p], hashes[p] = tx_raw, txid[::-1]  # display order: how blocks name it
            nonces[p] = positions[sender] + taken[sender]
            taken[sender] += 1
        for a, n in enumerate(taken):
            positions[a] += n
        return PlannedRound(
            self.index, self.spec, self.senders, nonces, raw, hashes, self.offsets, self.kinds
        )


def _lay_out(seed: int, index: int, spec: Round, keys: Keys, fee_rate: int, turn: int) -> _Layout:
    offsets = arrival_offsets(spec, seed=seed * 1_000 + index)
    n = presign_count(spec, offsets)
    rng = np.random.default_rng([seed, index])
    weights = np.array([e.weight for e in spec.mix])
    kinds = rng.choice(len(spec.mix), size=n, p=weights / weights.sum()).astype(np.int64)
    count = len(keys.private)
    senders = ((turn + np.arange(n)) % count).astype(np.int32)
    templates: list[list[SpendTemplate]] = [[] for _ in range(count)]
    for p, (sender, k) in enumerate(zip(senders.tolist(), kinds.tolist(), strict=True)):
        tx = spec.mix[k].tx
        assert isinstance(tx, BitcoinTx), "the loader keeps other families' kinds off a Bitcoin target"
        templates[sender].append(_template(tx, sender, keys.scripts, fee_rate, (seed, index, p)))
    return _Layout(index, spec, senders, kinds, offsets, templates)


def _template(
    tx: BitcoinTx, sender: int, scripts: Sequence[bytes], fee_rate: int, where: tuple[int, int, int]
) -> SpendTemplate:
    """One write of `tx`'s kind from `sender`: recipients are the next accounts (never the sender)."""
    others = [scripts[(sender + 1 + j) % len(scripts)] for j in range(tx.count)]
    if len(scripts) == 1:
        others = [scripts[0]] * tx.count
    if tx.kind == "btc-transfer":
        return transfer(others[0], tx.amount, fee_rate)
    if tx.kind == "btc-payout":
        return payout([(s, tx.amount) for s in others], fee_rate)
    if tx.kind == "btc-evidence":
        documents = [_document(where, j) for j in range(tx.count)]
        return evidence(documents[0] if tx.count == 1 else evidence_root(documents), fee_rate)
    raise WorkloadError(
        f"{tx.kind}: not planned on Bitcoin targets yet (use btc-transfer, btc-payout, btc-evidence)"
    )


def _document(where: tuple[int, int, int], j: int) -> bytes:
    """A stand-in document's hash, the same for the same seed, round, position and index."""
    return hashlib.sha256(b"chainmark-document" + repr((*where, j)).encode()).digest()


def chain_limit_problem(workload: Workload, accounts: int, limit: int, block_time: float) -> str | None:
    """Why the plan would overrun the node's mempool chain limit, or None: a sender's writes between two
    blocks stay unconfirmed, chained, and the node refuses the `limit`+1-th."""
    for spec in workload.rounds:
        rate = spec.rate
        tps = getattr(rate, "tps", None) or getattr(rate, "max_tps", None)
        if tps is None:
            continue
        per_sender = math.ceil(2 * tps * block_time / accounts)  # a late block doubles the chain
        if per_sender > limit:
            need = math.ceil(2 * tps * block_time / limit)
            return (
                f"round {spec.label!r}: {tps:g} tx/s over {accounts} accounts chains ~{per_sender} unconfirmed "
                f"spends per account across blocks {block_time:g} s apart, over the node's mempool limit of "
                f"{limit}: use accounts.count >= {need}"
            )
    return None
