"""Reads a round's transaction kinds: one `tx:`, or a weighted `mix:` of them.

Each kind has a reader registered by name with the keys it accepts, like the rate controllers; a contract
kind's reader comes from its record (bench.workload.contract_kinds). `read_choice` (bench.workload.choice)
reads an account or key choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.contracts.ycsb import get_workload
from bench.workload.choice import read_choice
from bench.workload.contract_kinds import CONTRACT_KINDS, Param, contract_tx
from bench.workload.limits import MAX_WEIGHT, UINT64_MAX, UINT256_MAX
from bench.workload.reader import Reader, given
from bench.workload.spec import BalanceRead, BitcoinTx, Choice, MixEntry, TransferTx, TxKind

MAX_SATOSHIS = 21_000_000 * 100_000_000  # every coin there will be
MAX_BTC_OUTPUTS = 1_000  # a payout's outputs, an evidence's documents, a consolidation's inputs


def _transfer(f: dict[str, Reader]) -> TxKind:
    return TransferTx(
        **given(
            f,
            {
                "value_wei": lambda r: r.integer(0, UINT256_MAX),
                "gas": lambda r: r.integer(21_000, UINT64_MAX),
                "to": read_choice,
            },
        )
    )


def _balance_read(f: dict[str, Reader]) -> TxKind:
    return BalanceRead(**given(f, {"of": read_choice}))


def _btc(kind: str, count_key: str | None, low: int = 1) -> Callable[[dict[str, Reader]], TxKind]:
    """A Bitcoin kind's reader: `amount` (sat per payment), `to`, and the key its `count` is read from."""

    def read(f: dict[str, Reader]) -> TxKind:
        count = f[count_key].integer(low, MAX_BTC_OUTPUTS) if count_key and count_key in f else low
        fields = given(f, {"amount": lambda r: r.integer(1, MAX_SATOSHIS), "to": read_choice})
        return BitcoinTx(kind, count=count, **fields)

    return read


_KINDS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Reader]], TxKind]]] = {
    "transfer": (("value_wei", "gas", "to"), _transfer),
    "balance-read": (("of",), _balance_read),
    "btc-transfer": (("amount", "to"), _btc("btc-transfer", None)),
    "btc-payout": (("outputs", "amount", "to"), _btc("btc-payout", "outputs")),
    "btc-evidence": (("documents",), _btc("btc-evidence", "documents")),
    "btc-consolidate": (("inputs", "amount"), _btc("btc-consolidate", "inputs", low=2)),
}
# The keys of the kinds that are not contract calls (a contract kind's keys are its record's), for the schema.
KIND_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    name: ((), keys) for name, (keys, _) in _KINDS.items()
}


def read_tx(reader: Reader) -> TxKind:
    """One transaction kind: {kind: NAME, ...its keys}; `kind` defaults to transfer."""
    kind_reader = reader.peek("kind")
    name = kind_reader.scalar() if kind_reader else "transfer"
    if name not in _KINDS:
        assert kind_reader is not None
        raise kind_reader.fail(f"unknown transaction kind, expected one of {', '.join(KIND_NAMES)}")
    keys, read = _KINDS[name]
    return read(reader.mapping(("kind", *keys), owner=name))


def read_mix(reader: Reader) -> tuple[MixEntry, ...]:
    """A weighted mix: a list of {weight: W, tx: {kind: ...}}; weights need not sum to 1, only be > 0."""
    entries: list[MixEntry] = []
    for item in reader.sequence():
        f = item.mapping(("weight", "tx"))
        if "tx" not in f:
            raise item.fail("tx: required (e.g. {weight: 3, tx: {kind: transfer}})", shown=False)
        weight = f["weight"].positive(MAX_WEIGHT) if "weight" in f else 1.0
        entries.extend(read_entries(f["tx"], weight))
    if not entries:
        raise reader.fail("expected at least one {weight, tx} entry", shown=False)
    seen: dict[str, TxKind] = {}
    for entry in entries:
        if seen.setdefault(entry.tx.kind, entry.tx) != entry.tx:
            raise reader.fail(
                f"kind {entry.tx.kind!r} appears twice with different settings; results are kept per kind",
                shown=False,
            )
    merged: dict[str, MixEntry] = {}
    for entry in entries:
        before = merged.get(entry.tx.kind)
        merged[entry.tx.kind] = MixEntry(entry.tx, entry.weight + (before.weight if before else 0.0))
    return tuple(merged.values())


def read_entries(reader: Reader, weight: float = 1.0) -> tuple[MixEntry, ...]:
    """One `tx:` mapping as mix entries: a single kind, or the kinds a shortcut (ycsb, smallbank) stands for."""
    return expand_shortcut(reader, weight) or (MixEntry(read_tx(reader), weight),)


# ---- contract kinds (bench.workload.contract_kinds) and the shortcuts that stand for mixes of them ----------

# Shortcuts that expand into a weighted mix of contract kinds, with the parameters they pass on.
_YCSB_OPERATION_KINDS = {
    "read": "kv-read",
    "update": "kv-update",
    "insert": "kv-insert",
    "scan": "kv-scan",
    "read_modify_write": "kv-rmw",
}
# SmallBank's standard mix (H-Store / OLTPBench SmallBank defaults): send_payment 25 %, the others 15 %.
SMALLBANK_MIX = (
    ("smallbank-amalgamate", 15),
    ("smallbank-balance", 15),
    ("smallbank-deposit-checking", 15),
    ("smallbank-send-payment", 25),
    ("smallbank-transact-savings", 15),
    ("smallbank-write-check", 15),
)
SHORTCUT_PARAMS: dict[str, tuple[Param, ...]] = {
    "ycsb": tuple(CONTRACT_KINDS["kv-read"].param(key) for key in ("record_count", "field_length")),
    "smallbank": tuple(CONTRACT_KINDS["smallbank-balance"].param(key) for key in ("customers", "amount")),
}
SHORTCUT_KEYS = {
    "ycsb": ("workload", *(p.name for p in SHORTCUT_PARAMS["ycsb"])),
    "smallbank": tuple(p.name for p in SHORTCUT_PARAMS["smallbank"]),
}


def _contract(name: str) -> Callable[[dict[str, Reader]], TxKind]:
    kind = CONTRACT_KINDS[name]

    def build(f: dict[str, Reader]) -> TxKind:
        return contract_tx(name, tuple((p.name, p.read(f[p.name])) for p in kind.params if p.name in f))

    return build


for _name, _kind in CONTRACT_KINDS.items():
    _KINDS[_name] = (_kind.keys, _contract(_name))
KIND_NAMES = (*_KINDS, *SHORTCUT_KEYS)


def expand_shortcut(reader: Reader, weight: float) -> tuple[MixEntry, ...] | None:
    """`{kind: ycsb, workload: A}` and `{kind: smallbank}` as the weighted mixes they stand for; else None."""
    kind_reader = reader.peek("kind")
    name = kind_reader.scalar() if kind_reader else None
    if name not in SHORTCUT_KEYS:
        return None
    f = reader.mapping(("kind", *SHORTCUT_KEYS[name]), owner=name)
    given_params = tuple((p.name, p.read(f[p.name])) for p in SHORTCUT_PARAMS[name] if p.name in f)
    if name == "smallbank":
        return tuple(
            MixEntry(contract_tx(kind, given_params), weight * share / 100) for kind, share in SMALLBANK_MIX
        )
    return _ycsb(reader, f, given_params, weight)


def _ycsb(
    reader: Reader, f: dict[str, Reader], kv: tuple[tuple[str, Any], ...], weight: float
) -> tuple[MixEntry, ...]:
    """YCSB core workload A-F as its operation mix on KVStore, keys hot by YCSB's request distribution."""
    if "workload" not in f:
        raise reader.fail("workload: required for ycsb (one of A, B, C, D, E, F)", shown=False)
    try:
        ycsb = get_workload(str(f["workload"].scalar()))
    except ValueError as exc:
        raise f["workload"].fail(str(exc).split(":", 1)[1].strip()) from exc
    hot = Choice("zipfian", 0.99) if ycsb.request_distribution == "zipfian" else Choice("zipfian", 1.2)
    entries = []
    for operation, share in ycsb.proportions:
        params: tuple[tuple[str, Any], ...] = (*kv, ("key", hot))
        if operation == "scan":
            params = (*params, ("max_scan", ycsb.max_scan_length))
        entries.append(MixEntry(contract_tx(_YCSB_OPERATION_KINDS[operation], params), weight * share))
    return tuple(entries)
