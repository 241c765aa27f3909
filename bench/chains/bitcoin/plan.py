"""The Bitcoin plan: the funding fan-out and every round's chains of spends, all signed before the clock.

Why the fan-out is signed here and not when funding: a UTXO account's first spend names the outpoint it
spends, so the chains cannot be signed before that outpoint is known. The fan-out (one transaction from
the funder's coin, one output per account) has a txid fixed as soon as it is built, so the planner builds
and signs it first, every account's chain starts from its output, and the preparer only sends it and waits
for its confirmation. A sender's n-th write spends its (n-1)-th's change: `nonces` is that position.

A consolidation (k -> 1) spends its chain's change and k - 1 outputs prepared before the clock: each
consolidating account's *split* (one transaction from its fan-out output, k - 1 outputs of SPLIT_SAT per
consolidation to itself) is signed right after the fan-out, and its change starts the account's chain.
The preparer sends the splits once the fan-out is confirmed (so no mempool chain grows past a remote node's
limit) and waits for them too. The funder's coin is asked for (`CoinFor`) once the fan-out's total is known,
so a wallet can pay exactly that.

Re-signing (`resign_rounds`): the plan keeps each account's change output of every planned write, so the
later rounds can be signed again, with the same templates, from whichever write the node holds last.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.chains.bitcoin.keys import hash160, p2wpkh_address, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import consolidate, evidence, evidence_root, payout, transfer
from bench.chains.bitcoin.parallel import sign_in_children
from bench.chains.bitcoin.signing import SignedChain, SpendJob, SpendTemplate, Utxo, sign_chains
from bench.errors import WorkloadError
from bench.plan.presign import presign_count
from bench.plan.round import PlannedRound
from bench.plan.schedule import arrival_offsets
from bench.workload.spec import BitcoinTx, Round, Workload

SPLIT_SAT = 10_000  # sat: each output a split prepares for a consolidation (above the dust limit)
MAX_SPLIT_OUTPUTS = 2_000  # ~62 kvB: a split stays under the 100 kvB a node relays
DUST = 10_000  # sat: above every output's dust limit (Litecoin's is ~3,000 sat for P2WPKH: 3 sat/B dust relay fee)
PARALLEL_FROM = 4_000  # transactions: below this, signing children cost more than they save


@dataclass(frozen=True, slots=True)
class BitcoinPlan:
    """The signed fan-out, splits and rounds, and what the preparer, the record and `resign` need.

    `changes[a][n]` is the change output of account a's n-th planned write (its chain's tip once that
    write is the last one sent); `starts[a]` is what its first write spends. `resign_rounds` replaces the
    entries past an account's real tip when it signs later rounds again."""

    rounds: list[PlannedRound]
    addresses: list[str]
    fanout: bytes = field(repr=False)  # the funding transaction, signed
    fanout_txid: bytes = b""  # internal byte order
    fee_rate: int = 0
    funding_sat: int = 0
    signing_seconds: float = 0.0
    processes: int = 1
    splits: list[tuple[bytes, bytes]] = field(
        default_factory=list, repr=False
    )  # (raw, txid): consolidations' inputs
    keys: Keys | None = field(default=None, repr=False)
    layouts: list[_Layout] = field(default_factory=list, repr=False)
    starts: list[Utxo] = field(default_factory=list, repr=False)
    changes: list[list[Utxo]] = field(default_factory=list, repr=False)
    funded_by: str = "key"  # the funder's source: key, managed (the managed network's key) or wallet
    paid_before: tuple[str, ...] = ()  # txids the wallet sent the funder before the fan-out

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


CoinFor = Callable[[int], Utxo]  # the funder's coin for a fan-out that needs this many satoshis


def build_plan(
    workload: Workload, keys: Keys, funder: tuple[bytes, CoinFor], fee_rate: int, processes: int | None
) -> BitcoinPlan:
    """Lay out every round (kinds, senders round-robin, templates), size and sign the fan-out and the
    consolidations' splits, then sign every account's chains from its output, round by round."""
    started = time.perf_counter()
    count = len(keys.private)
    layouts, turn = [], 0
    for index, spec in enumerate(workload.rounds):
        layout = _lay_out(workload.accounts.seed, index, spec, keys, fee_rate, turn)
        turn = (turn + layout.count) % count
        layouts.append(layout)
    prepared = [sum(p) for p in zip(*(lay.prepared for lay in layouts), strict=True)]
    splits = [_split(keys.scripts[a], n, fee_rate) if n else None for a, n in enumerate(prepared)]
    needs = [
        DUST + sum(lay.cost(a) for lay in layouts) + (_cost(split) if split else 0)
        for a, split in enumerate(splits)
    ]
    fanout_key, coin_for = funder
    fan_template = payout(list(zip(keys.scripts, needs, strict=True)), fee_rate)
    coin = coin_for(sum(needs) + _cost(fan_template) + DUST)
    try:
        (signed_fan,) = sign_chains([SpendJob(fanout_key, coin, (fan_template,), min_change=DUST)])
    except ValueError as exc:
        raise WorkloadError(
            f"the funder's largest coin ({coin.amount} sat) cannot fund {count} accounts "
            f"({sum(needs)} sat): fund it more, or plan fewer transactions"
        ) from exc
    fan_raw, fan_txid = signed_fan.txs[0]
    starts, split_txs = _split_chains(keys, [Utxo(fan_txid, a, needs[a]) for a in range(count)], splits)
    _fill_consolidations(layouts, split_txs, prepared)
    workers = processes or 1
    rounds, changes = _sign_rounds(keys, starts, layouts, workers, [0] * count)
    return BitcoinPlan(
        rounds,
        keys.addresses,
        fan_raw,
        fan_txid,
        fee_rate,
        sum(needs),
        time.perf_counter() - started,
        workers,
        [(raw, txid) for raw, txid, _ in split_txs if raw],
        keys,
        layouts,
        starts,
        changes,
    )


def _sign_rounds(
    keys: Keys, tips: list[Utxo], layouts: Sequence[_Layout], workers: int, positions: list[int]
) -> tuple[list[PlannedRound], list[list[Utxo]]]:
    """Every layout's chains signed from `tips`, round after round; each account's change outputs in order."""
    rounds: list[PlannedRound] = []
    changes: list[list[Utxo]] = [[] for _ in tips]
    for layout in layouts:
        chains = _sign(keys, tips, layout, workers)
        for a, chain in enumerate(chains):
            changes[a].extend(chain.changes)
        tips = [c.tip for c in chains]
        rounds.append(layout.planned(chains, positions))
    return rounds, changes


def resign_rounds(
    plan: BitcoinPlan, tips: Sequence[int], later: Sequence[PlannedRound], processes: int
) -> list[PlannedRound]:
    """Sign the `later` rounds again from each account's real tip: `tips[a]` is the chain position of
    account a's last write the node holds (-1: none, so its chain starts again where it first did).
    The same templates (payments, documents, a consolidation's prepared inputs), new outpoints."""
    assert plan.keys is not None, "a plan made by build_plan keeps its keys for re-signing"
    starts = [plan.changes[a][t] if t >= 0 else plan.starts[a] for a, t in enumerate(tips)]
    layouts = [plan.layouts[r.index] for r in later]
    rounds, changes = _sign_rounds(plan.keys, starts, layouts, processes, [t + 1 for t in tips])
    for a, t in enumerate(tips):
        plan.changes[a][t + 1 :] = changes[a]
    return rounds


def _split(own_script: bytes, outputs: int, fee_rate: int) -> SpendTemplate:
    """The transaction that prepares an account's consolidations: `outputs` outputs of SPLIT_SAT to itself."""
    if outputs > MAX_SPLIT_OUTPUTS:
        raise WorkloadError(
            f"btc-consolidate: an account needs {outputs} prepared inputs, over the {MAX_SPLIT_OUTPUTS} "
            "one split transaction holds: use more accounts or fewer consolidations"
        )
    return payout([(own_script, SPLIT_SAT)] * outputs, fee_rate)


def _split_chains(
    keys: Keys, funded: list[Utxo], splits: Sequence[SpendTemplate | None]
) -> tuple[list[Utxo], list[tuple[bytes, bytes, int]]]:
    """Each account's chain start (its split's change, or its fan-out output) and its split as
    (raw, txid, outputs) (empty raw where it has none)."""
    jobs = [SpendJob(keys.private[a], funded[a], (t,), min_change=DUST) for a, t in enumerate(splits) if t]
    signed = iter(sign_chains(jobs)) if jobs else iter(())
    starts, out = [], []
    for a, template in enumerate(splits):
        if template is None:
            starts.append(funded[a])
            out.append((b"", b"", 0))
            continue
        chain = next(signed)
        starts.append(chain.tip)
        out.append((*chain.txs[0], len(template.payments)))
    return starts, out


def _fill_consolidations(
    layouts: Sequence[_Layout], splits: Sequence[tuple[bytes, bytes, int]], prepared: Sequence[int]
) -> None:
    """Give each consolidation its k - 1 prepared outputs of its account's split, in chain order."""
    taken = [0] * len(prepared)
    for layout in layouts:
        for a, wants in enumerate(layout.wants):
            for n, k in wants.items():
                txid = splits[a][1]
                extra = [Utxo(txid, taken[a] + j, SPLIT_SAT) for j in range(k)]
                taken[a] += k
                layout.templates[a][n] = consolidate(extra, layout.templates[a][n].fee_rate)


def _cost(template: SpendTemplate, inputs: int = 1) -> int:
    """An upper bound of what a transaction spends from its chain: its payments and its fee (a
    consolidation's prepared inputs bring more than their fee, which the bound leaves out)."""
    outputs = len(template.payments) + 1
    vsize = 11 + 68 * inputs + 43 * outputs
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
    """One round decided: per position its sender and kind; per account its templates in chain order, and
    which of them are consolidations (template index -> prepared inputs it spends beside the change)."""

    index: int
    spec: Round
    senders: np.ndarray
    kinds: np.ndarray
    offsets: np.ndarray | None
    templates: list[list[SpendTemplate]]
    wants: list[dict[int, int]]

    @property
    def count(self) -> int:
        return len(self.senders)

    @property
    def prepared(self) -> list[int]:
        """Per account, the prepared outputs its consolidations in this round spend."""
        return [sum(w.values()) for w in self.wants]

    def cost(self, account: int) -> int:
        wants = self.wants[account]
        return sum(_cost(t, 1 + wants.get(n, 0)) for n, t in enumerate(self.templates[account]))

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
    wants: list[dict[int, int]] = [{} for _ in range(count)]
    for p, (sender, k) in enumerate(zip(senders.tolist(), kinds.tolist(), strict=True)):
        tx = spec.mix[k].tx
        assert isinstance(tx, BitcoinTx), "the loader keeps other families' kinds off a Bitcoin target"
        if tx.kind == "btc-consolidate":
            wants[sender][len(templates[sender])] = tx.count - 1
        templates[sender].append(_template(tx, sender, keys.scripts, fee_rate, (seed, index, p)))
    return _Layout(index, spec, senders, kinds, offsets, templates, wants)


def _template(
    tx: BitcoinTx, sender: int, scripts: Sequence[bytes], fee_rate: int, where: tuple[int, int, int]
) -> SpendTemplate:
    """One write of `tx`'s kind from `sender`: recipients are the next accounts (never the sender); a
    consolidation's prepared inputs are filled in once its account's split is signed."""
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
    if tx.kind == "btc-consolidate":
        return SpendTemplate((), fee_rate)  # its prepared inputs: _fill_consolidations
    raise WorkloadError(f"{tx.kind}: not a Bitcoin transaction kind")


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
