"""Reads a round's transaction kinds (`tx:` or a weighted `mix:`) and the account/key choice distributions.

Each kind has a reader registered by name with the keys it accepts, like the rate controllers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bench.contracts.ycsb import get_workload
from bench.workload.limits import MAX_WEIGHT, UINT64_MAX, UINT256_MAX
from bench.workload.reader import Reader, given
from bench.workload.spec import BalanceRead, Choice, ContractTx, MixEntry, TransferTx, TxKind

DISTRIBUTIONS = ("uniform", "zipfian", "hotspot")


def read_choice(reader: Reader) -> Choice:
    """A choice distribution: {distribution: uniform|zipfian|hotspot, theta, hot_fraction, hot_traffic}."""
    f = reader.mapping(("distribution", "theta", "hot_fraction", "hot_traffic"), owner="a choice")
    kind = f["distribution"].string() if "distribution" in f else "uniform"
    if kind not in DISTRIBUTIONS:
        raise f["distribution"].fail(f"unknown distribution, expected one of {', '.join(DISTRIBUTIONS)}")
    for key, allowed in (("theta", "zipfian"), ("hot_fraction", "hotspot"), ("hot_traffic", "hotspot")):
        if key in f and kind != allowed:
            raise f[key].fail(f"only for distribution {allowed}", shown=False)
    choice = Choice(
        distribution=kind,
        **given(f, {"theta": _unbounded, "hot_fraction": _unbounded, "hot_traffic": _unbounded}),
    )
    if "theta" in f and not 0 < choice.theta < 10:
        raise f["theta"].fail("must be between 0 and 10 (YCSB uses 0.99)")
    for key in ("hot_fraction", "hot_traffic"):
        if key in f and not 0 < getattr(choice, key) < 1:
            raise f[key].fail("must be between 0 and 1 (exclusive)")
    return choice


def _unbounded(reader: Reader) -> float:
    """A number > 0; its range is checked by the caller (theta, hot_fraction, hot_traffic)."""
    return reader.positive(math.inf)


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


_KINDS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Reader]], TxKind]]] = {
    "transfer": (("value_wei", "gas", "to"), _transfer),
    "balance-read": (("of",), _balance_read),
}
KIND_NAMES = tuple(_KINDS)
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


# ---- contract kinds ---------------------------------------------------------------------------------


def _int_between(low: int, high: int) -> Callable[[Reader], int]:
    def read(reader: Reader) -> int:
        return reader.integer(low, high)

    return read


_KV = {"record_count": _int_between(1, 1_000_000), "field_length": _int_between(1, 4096), "key": read_choice}
_BANK = {"customers": _int_between(2, 1_000_000), "amount": _int_between(1, 10**9), "customer": read_choice}
_IO = {"n": _int_between(1, 1000), "keys": _int_between(1, 10**9)}

# kind -> (contract, read, {param: reader}); defaults live in bench.chains.ethereum.contract_txs (DEFAULTS).
CONTRACT_KINDS: dict[str, tuple[str, bool, dict[str, Callable[[Reader], Any]]]] = {
    "erc20-transfer": ("ERC20", False, {"amount": _int_between(1, 10**18), "to": read_choice}),
    "erc20-balance": ("ERC20", True, {"of": read_choice}),
    "donothing": ("DoNothing", False, {}),
    "cpuheavy": ("CPUHeavy", False, {"n": _int_between(1, 5000)}),
    "ioheavy-write": ("IOHeavy", False, _IO),
    "ioheavy-scan": ("IOHeavy", True, _IO),
    "kv-read": ("KVStore", True, _KV),
    "kv-update": ("KVStore", False, _KV),
    "kv-insert": ("KVStore", False, _KV),
    "kv-scan": ("KVStore", True, {**_KV, "max_scan": _int_between(1, 1000)}),
    "kv-rmw": ("KVStore", False, _KV),
    "smallbank-amalgamate": ("SmallBank", False, _BANK),
    "smallbank-balance": ("SmallBank", True, _BANK),
    "smallbank-deposit-checking": ("SmallBank", False, _BANK),
    "smallbank-send-payment": ("SmallBank", False, _BANK),
    "smallbank-transact-savings": ("SmallBank", False, _BANK),
    "smallbank-write-check": ("SmallBank", False, _BANK),
    "evidence-store": ("Evidence", False, {}),
    "evidence-batch": ("Evidence", False, {"k": _int_between(1, 4096)}),
    "evidence-verify": ("Evidence", True, {"k": _int_between(1, 4096)}),
    "trace-register": ("Traceability", False, {}),
    "trace-transfer": ("Traceability", False, {"products": _int_between(1, 100_000)}),
    "trace-history": ("Traceability", True, {"products": _int_between(1, 100_000)}),
}

# Shortcuts that expand into a weighted mix of the kinds above.
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


def _contract(name: str) -> Callable[[dict[str, Reader]], TxKind]:
    contract, read, params = CONTRACT_KINDS[name]

    def build(f: dict[str, Reader]) -> TxKind:
        values = tuple(sorted((key, params[key](f[key])) for key in params if key in f))
        return ContractTx(kind=name, contract=contract, read=read, params=values)

    return build


for _name, _entry in CONTRACT_KINDS.items():
    _KINDS[_name] = (tuple(_entry[2]), _contract(_name))
KIND_NAMES = (*_KINDS, "ycsb", "smallbank")
KIND_KEYS.update({name: ((), keys) for name, (keys, _) in _KINDS.items() if name not in KIND_KEYS})
SHORTCUT_KEYS = {"ycsb": ("workload", "record_count", "field_length"), "smallbank": ("customers", "amount")}


def expand_shortcut(reader: Reader, weight: float) -> tuple[MixEntry, ...] | None:
    """`{kind: ycsb, workload: A}` and `{kind: smallbank}` as the weighted mixes they stand for; else None."""
    kind_reader = reader.peek("kind")
    name = kind_reader.scalar() if kind_reader else None
    if name not in SHORTCUT_KEYS:
        return None
    f = reader.mapping(("kind", *SHORTCUT_KEYS[name]), owner=name)
    if name == "smallbank":
        bank = tuple(sorted((k, _BANK[k](f[k])) for k in ("customers", "amount") if k in f))
        return tuple(
            MixEntry(ContractTx(kind, "SmallBank", CONTRACT_KINDS[kind][1], bank), weight * share / 100)
            for kind, share in SMALLBANK_MIX
        )
    if "workload" not in f:
        raise reader.fail("workload: required for ycsb (one of A, B, C, D, E, F)", shown=False)
    try:
        ycsb = get_workload(str(f["workload"].scalar()))
    except ValueError as exc:
        raise f["workload"].fail(str(exc).split(":", 1)[1].strip()) from exc
    kv: list[tuple[str, Any]] = [(k, _KV[k](f[k])) for k in ("record_count", "field_length") if k in f]
    hot = Choice("zipfian", 0.99) if ycsb.request_distribution == "zipfian" else Choice("zipfian", 1.2)
    entries = []
    for operation, share in ycsb.proportions:
        kind = _YCSB_OPERATION_KINDS[operation]
        params: list[tuple[str, Any]] = [*kv, ("key", hot)]
        if operation == "scan":
            params.append(("max_scan", ycsb.max_scan_length))
        entries.append(
            MixEntry(
                ContractTx(kind, "KVStore", CONTRACT_KINDS[kind][1], tuple(sorted(params))), weight * share
            )
        )
    return tuple(entries)
