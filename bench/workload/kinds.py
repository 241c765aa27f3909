"""Reads a round's transaction kinds (`tx:` or a weighted `mix:`) and the account/key choice distributions.

Each kind has a reader registered by name with the keys it accepts, like the rate controllers.
"""

from __future__ import annotations

from collections.abc import Callable

import yaml

from bench.errors import WorkloadError
from bench.workload.reader import Reader, given
from bench.workload.spec import BalanceRead, Choice, MixEntry, TransferTx, TxKind

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
        **given(
            f, {"theta": Reader.positive, "hot_fraction": Reader.positive, "hot_traffic": Reader.positive}
        ),
    )
    if "theta" in f and not 0 < choice.theta < 10:
        raise f["theta"].fail("must be between 0 and 10 (YCSB uses 0.99)")
    for key in ("hot_fraction", "hot_traffic"):
        if key in f and not 0 < getattr(choice, key) < 1:
            raise f[key].fail("must be between 0 and 1 (exclusive)")
    return choice


def _transfer(f: dict[str, Reader]) -> TxKind:
    return TransferTx(
        **given(
            f, {"value_wei": lambda r: r.integer(0), "gas": lambda r: r.integer(21_000), "to": read_choice}
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
    if not isinstance(reader.node, yaml.MappingNode):
        raise reader.fail("expected a mapping such as {kind: transfer}")
    named = [v for k, v in reader.node.value if isinstance(k, yaml.ScalarNode) and k.value == "kind"]
    kind_reader = Reader(named[0], reader.path, f"{reader.field}.kind") if named else None
    name = kind_reader.scalar() if kind_reader else "transfer"
    if name not in _KINDS:
        assert kind_reader is not None
        raise kind_reader.fail(f"unknown transaction kind, expected one of {', '.join(KIND_NAMES)}")
    keys, read = _KINDS[name]
    return read(reader.mapping(("kind", *keys), owner=name))


def read_mix(reader: Reader) -> tuple[MixEntry, ...]:
    """A weighted mix: a list of {weight: W, tx: {kind: ...}}; weights need not sum to 1, only be > 0."""
    entries = []
    for item in reader.sequence():
        f = item.mapping(("weight", "tx"))
        if "tx" not in f:
            raise item.fail("tx: required (e.g. {weight: 3, tx: {kind: transfer}})", shown=False)
        entries.append(MixEntry(tx=read_tx(f["tx"]), weight=f["weight"].positive() if "weight" in f else 1.0))
    if not entries:
        raise reader.fail("expected at least one {weight, tx} entry", shown=False)
    kinds = [e.tx.kind for e in entries]
    duplicate = next(
        (
            k
            for k in kinds
            if kinds.count(k) > 1
            and entries[kinds.index(k)].tx != entries[len(kinds) - 1 - kinds[::-1].index(k)].tx
        ),
        None,
    )
    if duplicate is not None:
        raise WorkloadError(
            f"kind {duplicate!r} appears twice with different settings; results are kept per kind",
            path=reader.path,
            line=reader.line,
            field=reader.field,
        )
    return tuple(entries)
