"""Loads a workload YAML into a validated `Workload`, or raises one `WorkloadError` naming file:line and field.

The YAML is composed (safe loader, no object construction) into a node tree that keeps line numbers;
`Reader` walks only the fields the format defines, so every error can point at the offending line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.errors import WorkloadError
from bench.urls import redact_url, url_problem
from bench.workload import limits
from bench.workload.faults import read_faults
from bench.workload.files import read_limited
from bench.workload.kinds import read_choice, read_entries, read_mix
from bench.workload.rates import Length, read_rate
from bench.workload.reader import Reader, given, optional
from bench.workload.spec import (
    BITCOIN_KINDS,
    CHAIN_NAMES,
    CONFIRM_LEVELS,
    MAX_CHAIN_LIMIT,
    MAX_NETWORK_NODES,
    MAX_TARGET_NODES,
    MIN_CHAIN_LIMIT,
    NODE_NAMES,
    SUBMIT_POLICIES,
    TOPOLOGY_NAMES,
    Accounts,
    BitcoinTx,
    MixEntry,
    Network,
    Prometheus,
    Round,
    Target,
    TransferTx,
    Workload,
)
from bench.workload.yamltree import compose_yaml

MAX_FILE_BYTES = 1_000_000
GWEI = 10**9


def load_workload(path: str | Path) -> Workload:
    """Read, parse and validate the workload at `path`; nothing is started on failure."""
    shown = str(path)
    data = read_limited(path, MAX_FILE_BYTES, "workload")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkloadError("file is not UTF-8 text", path=shown) from exc
    return parse_workload(text, shown)


def parse_workload(text: str, path: str = "<workload>") -> Workload:
    """Validate workload YAML `text` (named `path` in errors) into a `Workload`."""
    root = compose_yaml(text, path)
    if root is None:
        raise WorkloadError("the workload is empty, expected a mapping with name and rounds", path=path)
    top = Reader(root, path, "").mapping(("name", "description", "target", "accounts", "rounds", "faults"))
    if "name" not in top:
        raise WorkloadError("name: required", path=path, line=root.start_mark.line + 1)
    if "rounds" not in top:
        raise WorkloadError("rounds: required (a list of rounds)", path=path, line=root.start_mark.line + 1)
    target = _target(top["target"]) if "target" in top else Target()
    rounds: list[Round] = []
    first_line: dict[str, int] = {}
    for reader in top["rounds"].sequence():  # duplicates fail at once: `*alias` rounds cannot pile up
        rnd = _round(reader, target.chain)
        _check_kinds_fit_chain(rnd, len(rounds), target.chain, path)
        if rnd.label in first_line:
            raise reader.fail(
                f"round label {rnd.label!r} is used more than once (first at line {first_line[rnd.label]})",
                shown=False,
            )
        first_line[rnd.label] = reader.line
        rounds.append(rnd)
    if not rounds:
        raise top["rounds"].fail("expected at least one round", shown=False)
    _check_gas_fits_blocks(rounds, target, path)
    return Workload(
        name=top["name"].string(),
        description=optional(top, "description", Reader.string, ""),
        target=target,
        accounts=_accounts(top["accounts"]) if "accounts" in top else Accounts(),
        rounds=tuple(rounds),
        faults=read_faults(top["faults"], target) if "faults" in top else (),
        path=path,
        text=text,
    )


def _check_gas_fits_blocks(rounds: list[Round], target: Target, path: str) -> None:
    """On a managed node a transfer asking more gas than a block holds would never be mined."""
    if target.url is not None:
        return
    for index, rnd in enumerate(rounds):
        for entry in rnd.mix:
            if isinstance(entry.tx, TransferTx) and entry.tx.gas > target.gas_limit:
                raise WorkloadError(
                    f"must be <= target.gas_limit {target.gas_limit} (a managed node's block), got {entry.tx.gas}",
                    path=path,
                    line=rnd.line,
                    field=f"rounds[{index}].tx.gas",
                )


def _check_kinds_fit_chain(rnd: Round, index: int, chain: str, path: str) -> None:
    """A Bitcoin kind needs a Bitcoin target and the others an Ethereum one: the planner of the other
    family could not build it."""
    for entry in rnd.mix:
        if (entry.tx.kind in BITCOIN_KINDS) != (chain == "bitcoin"):
            wanted = ", ".join(BITCOIN_KINDS) if chain == "bitcoin" else "the non-btc- kinds"
            raise WorkloadError(
                f"kind {entry.tx.kind!r} cannot run on a target.chain {chain} target (use {wanted})",
                path=path,
                line=rnd.line,
                field=f"rounds[{index}].tx.kind",
            )


# the target fields only one family reads: naming one on the other's target is a mistake, not a no-op
ETHEREUM_ONLY = (
    "node",
    "block_time",
    "gas_limit",
    "gas_price_gwei",
    "tx_type",
    "priority_fee_gwei",
    "max_fee_gwei",
)  # bitcoin: network.block_time
BITCOIN_ONLY = ("network", "fee_rate")


def _target(reader: Reader) -> Target:
    f = reader.mapping(
        (
            "chain",
            "url",
            "nodes",
            "submit",
            "confirm_at",
            "node",
            "block_time",
            "gas_limit",
            "gas_price_gwei",
            "tx_type",
            "priority_fee_gwei",
            "max_fee_gwei",
            "confirm_grace",
            "confirmations",
            "poll_interval",
            "prometheus",
            "network",
            "fee_rate",
            "batch",
            "batch_window",
        )
    )
    chain = optional(f, "chain", _chain_name, "ethereum")
    for key in BITCOIN_ONLY if chain != "bitcoin" else ETHEREUM_ONLY:
        if key in f:
            raise f[key].fail(f"not for a target.chain {chain} target", shown=False)
    url = optional(f, "url", _http_url, None)
    nodes: tuple[str, ...] = optional(f, "nodes", _node_urls, ())
    if url is not None and nodes:
        raise f["nodes"].fail("target.url and target.nodes exclude each other: give one", shown=False)
    url = nodes[0] if nodes else url
    remote = "target.nodes" if nodes else "target.url"
    node = optional(f, "node", _node_name, None)
    if url is not None and node is not None:
        raise f["node"].fail(f"a managed node and {remote} exclude each other: give one", shown=False)
    if url is not None and "network" in f:
        raise f["network"].fail(f"a managed network and {remote} exclude each other: give one", shown=False)
    gas_price = optional(f, "gas_price_gwei", lambda r: r.positive(limits.MAX_GAS_PRICE_GWEI), None)
    fees = _fees(f, gas_price is not None)
    network = optional(f, "network", _network, None)
    if network is None and chain == "bitcoin" and url is None:
        network = Network()
    submit = optional(f, "submit", _submit_policy, "primary")
    count = len(nodes) if nodes else network.nodes if network else 1
    if submit != "primary":
        _check_submit(f["submit"], submit, chain, count)
    confirm_at = optional(f, "confirm_at", _confirm_level, None)
    if confirm_at is not None and count < 2:
        raise f["confirm_at"].fail(
            "counts the nodes holding a write's block, and this target has one "
            "(give target.nodes, or a managed network of several nodes)",
            shown=False,
        )
    if confirm_at is not None and "confirmations" in f and f["confirmations"].scalar() != 1:
        raise f["confirm_at"].fail(
            "counts the nodes first seen holding a write's block, which is one confirmation deep: "
            "give confirmations: 1 with it, or leave confirm_at out",
            shown=False,
        )
    return Target(
        chain=chain,
        url=url,
        nodes=nodes,
        submit=submit,
        confirm_at=confirm_at,
        node=node,
        network=network,
        fee_rate=optional(f, "fee_rate", lambda r: r.integer(1, limits.MAX_FEE_RATE), None),
        batch=optional(f, "batch", _batch, None),
        gas_price_wei=None if gas_price is None else int(gas_price * GWEI),
        **fees,
        **given(
            f,
            {
                "block_time": lambda r: r.duration(limits.MAX_BLOCK_TIME_S, limits.MIN_BLOCK_TIME_S),
                "gas_limit": lambda r: r.integer(21_000, limits.UINT64_MAX),
                "confirm_grace": lambda r: r.duration(limits.MAX_GRACE_S),
                "confirmations": lambda r: r.integer(1, limits.MAX_CONFIRMATIONS),
                "poll_interval": _poll,
                "prometheus": _prometheus,
                "batch_window": lambda r: r.duration(limits.MAX_BATCH_WINDOW_S),
            },
        ),
    )


def _node_urls(reader: Reader) -> tuple[str, ...]:
    """A remote network's nodes: distinct http(s) URLs, the primary (which the observer follows) first."""
    items = reader.sequence()
    if not 1 <= len(items) <= MAX_TARGET_NODES:
        raise reader.fail(f"expected 1 to {MAX_TARGET_NODES} node URLs, got {len(items)}", shown=False)
    urls = tuple(_http_url(item) for item in items)
    for index, url in enumerate(urls):
        if url in urls[:index]:
            raise items[index].fail(f"node {urls.index(url)} has this URL already", shown=False)
    return urls


def _submit_policy(reader: Reader) -> str:
    name = reader.string()
    if name not in SUBMIT_POLICIES:
        raise reader.fail(f"expected one of {', '.join(SUBMIT_POLICIES)} (where writes go on several nodes)")
    return name


def _confirm_level(reader: Reader) -> str:
    value = reader.scalar()
    name = str(value) if not isinstance(value, bool) else ""
    if name not in CONFIRM_LEVELS:
        raise reader.fail(
            f"expected one of {', '.join(CONFIRM_LEVELS)} (of the nodes, how many hold the block)"
        )
    return name


def _check_submit(reader: Reader, submit: str, chain: str, nodes: int) -> None:
    if nodes < 2:
        raise reader.fail(
            f"{submit} spreads writes over several nodes, and this target has one "
            "(give target.nodes, or a managed network of several nodes)",
            shown=False,
        )
    if submit == "round-robin" and chain == "bitcoin":
        raise reader.fail(
            "round-robin would send a sender's chained spends to different nodes, and a node refuses a "
            "spend whose parent has not reached it: use by-account (each sender's writes on one node)",
            shown=False,
        )


def _batch(reader: Reader) -> int | None:
    """`auto` (None), `off` (1; YAML reads a bare off as false) or at most N submissions per request."""
    value = reader.scalar()
    if value is False or value == "off":
        return 1
    if value == "auto":
        return None
    if isinstance(value, str):
        raise reader.fail("expected auto, off or a number of submissions per request")
    return reader.integer(1, limits.MAX_BATCH)


def _fees(f: dict[str, Reader], gas_price: bool) -> dict[str, Any]:
    """The transaction type and its fees: a gas price is for types 0 and 1, a tip and a fee cap for type 2 (a
    gas price alone means type 0)."""
    tx_type = optional(f, "tx_type", lambda r: r.integer(0, 2), 0 if gas_price else None)
    type2 = ("priority_fee_gwei", "max_fee_gwei")
    if gas_price and tx_type == 2:
        raise f["gas_price_gwei"].fail(
            "a type-2 transaction has no gas price: give priority_fee_gwei / max_fee_gwei", shown=False
        )
    for key in type2:
        if key in f and tx_type in (0, 1):
            raise f[key].fail(
                f"only for tx_type 2 (this target's transactions are type {tx_type})", shown=False
            )
    wei = {k: optional(f, k, lambda r: r.positive(limits.MAX_GAS_PRICE_GWEI), None) for k in type2}
    return {
        "tx_type": tx_type,
        **{k.replace("_gwei", "_wei"): None if v is None else int(v * GWEI) for k, v in wei.items()},
    }


def _network(reader: Reader) -> Network:
    f = reader.mapping(("nodes", "topology", "block_time", "producer", "mempool_chain_limit"))
    network = Network(
        **given(
            f,
            {
                "nodes": lambda r: r.integer(1, MAX_NETWORK_NODES),
                "topology": _topology,
                "block_time": lambda r: r.duration(limits.MAX_BLOCK_TIME_S, limits.MIN_BLOCK_TIME_S),
                "producer": Reader.string,
                "mempool_chain_limit": lambda r: r.integer(MIN_CHAIN_LIMIT, MAX_CHAIN_LIMIT),
            },
        )
    )
    names = [f"node-{k}" for k in range(network.nodes)]
    if network.producer != "round-robin" and network.producer not in names:
        raise f["producer"].fail(f"expected round-robin or one of {', '.join(names)} (a node of the network)")
    return network


def _topology(reader: Reader) -> str:
    name = reader.string()
    if name not in TOPOLOGY_NAMES:
        raise reader.fail(f"expected one of {', '.join(TOPOLOGY_NAMES)} (how the nodes are peered)")
    return name


def _chain_name(reader: Reader) -> str:
    name = reader.string()
    if name not in CHAIN_NAMES:
        raise reader.fail(f"expected one of {', '.join(CHAIN_NAMES)} (a chain family)")
    return name


def _node_name(reader: Reader) -> str:
    name = reader.string()
    if name not in NODE_NAMES:
        raise reader.fail(f"expected one of {', '.join(NODE_NAMES)} (a managed node)")
    return name


def _http_url(reader: Reader) -> str:
    url = reader.string()
    if not url.startswith(("http://", "https://")):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        raise reader.fail(f"expected an http:// or https:// URL, got scheme {scheme!r}", shown=False)
    problem = url_problem(url)
    if problem is not None:
        raise reader.fail(f"{problem}, got {redact_url(url)}", shown=False)
    return url


def _prometheus(reader: Reader) -> Prometheus:
    f = reader.mapping(("url", "metrics", "interval"))
    if "url" not in f or "metrics" not in f:
        raise reader.fail("url and metrics: required (the endpoint and a list of metric names)", shown=False)
    metrics = tuple(m.string() for m in f["metrics"].sequence())
    if not metrics:
        raise f["metrics"].fail("expected at least one metric name", shown=False)
    return Prometheus(url=_http_url(f["url"]), metrics=metrics, **given(f, {"interval": _poll}))


def _poll(reader: Reader) -> float:
    return reader.duration(limits.MAX_POLL_S, limits.MIN_POLL_S)


def _accounts(reader: Reader) -> Accounts:
    f = reader.mapping(("count", "seed", "funding_eth"))
    funding = optional(f, "funding_eth", lambda r: r.positive(limits.MAX_FUNDING_ETH), None)
    return Accounts(
        funding_wei=None if funding is None else int(funding * 10**18),
        **given(
            f,
            {
                "count": lambda r: r.integer(1, limits.MAX_ACCOUNTS),
                "seed": lambda r: r.integer(0, limits.MAX_SEED),
            },
        ),
    )


def _round(reader: Reader, chain: str) -> Round:
    f = reader.mapping(("label", "duration", "tx_count", "rate", "tx", "mix", "from", "warmup", "senders"))
    if "label" not in f:
        raise WorkloadError("required", path=reader.path, line=reader.line, field=f"{reader.field}.label")
    if "rate" not in f:
        raise reader.fail("rate: required (e.g. {type: fixed-rate, tps: 100})", shown=False)
    rate = read_rate(f["rate"])
    duration = _duration(reader, f, rate.length(), rate.kind)
    return Round(
        label=f["label"].string(),
        rate=rate,
        mix=_mix(f, chain),
        sender=read_choice(f["from"]) if "from" in f else None,
        duration=duration,
        tx_count=optional(f, "tx_count", lambda r: r.integer(1, limits.MAX_TX_COUNT), None),
        line=reader.line,
        **given(f, {"warmup": Reader.boolean, "senders": lambda r: r.integer(1, limits.MAX_SENDERS)}),
    )


def _duration(reader: Reader, f: dict[str, Reader], length: Length, kind: str) -> float | None:
    """The round's duration, by its rate controller's `length` rule (its own length, when it has one)."""
    duration = optional(f, "duration", lambda r: r.duration(limits.MAX_DURATION_S), None)
    if length.own is not None:
        if "tx_count" in f:
            raise f["tx_count"].fail(f"not for {kind}: its length comes from its steps or trace", shown=False)
        return length.own if duration is None else duration
    if length.needs_duration and duration is None:
        raise reader.fail(f"duration: required for {kind}", shown=False)
    if ("duration" in f) == ("tx_count" in f):
        raise reader.fail("give exactly one of duration or tx_count", shown=False)
    return duration


def _mix(f: dict[str, Reader], chain: str) -> tuple[MixEntry, ...]:
    if "tx" in f and "mix" in f:
        raise f["mix"].fail("give tx (one kind) or mix (weighted kinds), not both", shown=False)
    if "mix" in f:
        return read_mix(f["mix"])
    default = BitcoinTx("btc-transfer") if chain == "bitcoin" else TransferTx()
    return read_entries(f["tx"]) if "tx" in f else (MixEntry(default),)
