"""Loads a workload YAML into a validated `Workload`, or raises one `WorkloadError` naming file:line and field.

The YAML is composed (safe loader, no object construction) into a node tree that keeps line numbers;
`Reader` walks only the fields the format defines, so every error can point at the offending line.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.errors import WorkloadError
from bench.workload.kinds import read_choice, read_entries, read_mix
from bench.workload.rates import read_rate
from bench.workload.reader import Reader, given, optional
from bench.workload.spec import (
    NODE_NAMES,
    Accounts,
    LinearRate,
    MixEntry,
    Prometheus,
    Round,
    StepRate,
    Target,
    Trace,
    TransferTx,
    Workload,
)

MAX_FILE_BYTES = 1_000_000
GWEI = 10**9


def load_workload(path: str | Path) -> Workload:
    """Read, parse and validate the workload at `path`; nothing is started on failure."""
    shown = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WorkloadError(f"cannot read workload: {exc.strerror}", path=shown) from exc
    if len(data) > MAX_FILE_BYTES:
        raise WorkloadError(f"file is {len(data)} bytes, the limit is {MAX_FILE_BYTES}", path=shown)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkloadError("file is not UTF-8 text", path=shown) from exc
    return parse_workload(text, shown)


def parse_workload(text: str, path: str = "<workload>") -> Workload:
    """Validate workload YAML `text` (named `path` in errors) into a `Workload`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise WorkloadError(f"invalid YAML: {exc.problem or exc.context}", path=path, line=line) from exc
    except yaml.YAMLError as exc:
        raise WorkloadError(f"invalid YAML: {exc}", path=path) from exc
    if root is None:
        raise WorkloadError("the workload is empty, expected a mapping with name and rounds", path=path)
    top = Reader(root, path, "").mapping(("name", "description", "target", "accounts", "rounds"))
    if "name" not in top:
        raise WorkloadError("name: required", path=path, line=root.start_mark.line + 1)
    if "rounds" not in top:
        raise WorkloadError("rounds: required (a list of rounds)", path=path, line=root.start_mark.line + 1)
    rounds: list[Round] = []
    first_line: dict[str, int] = {}
    for reader in top["rounds"].sequence():  # duplicates fail at once: `*alias` rounds cannot pile up
        rnd = _round(reader)
        if rnd.label in first_line:
            raise reader.fail(
                f"round label {rnd.label!r} is used more than once (first at line {first_line[rnd.label]})",
                shown=False,
            )
        first_line[rnd.label] = reader.line
        rounds.append(rnd)
    if not rounds:
        raise top["rounds"].fail("expected at least one round", shown=False)
    return Workload(
        name=top["name"].string(),
        description=optional(top, "description", Reader.string, ""),
        target=_target(top["target"]) if "target" in top else Target(),
        accounts=_accounts(top["accounts"]) if "accounts" in top else Accounts(),
        rounds=tuple(rounds),
        path=path,
        text=text,
    )


def _target(reader: Reader) -> Target:
    f = reader.mapping(
        (
            "url",
            "node",
            "block_time",
            "gas_limit",
            "gas_price_gwei",
            "confirm_grace",
            "poll_interval",
            "prometheus",
        )
    )
    url = optional(f, "url", _http_url, None)
    node = optional(f, "node", _node_name, None)
    if url is not None and node is not None:
        raise f["node"].fail("a managed node and target.url exclude each other: give one", shown=False)
    gas_price = optional(f, "gas_price_gwei", Reader.positive, None)
    return Target(
        url=url,
        node=node,
        gas_price_wei=None if gas_price is None else int(gas_price * GWEI),
        **given(
            f,
            {
                "block_time": Reader.duration,
                "gas_limit": lambda r: r.integer(21_000),
                "confirm_grace": Reader.duration,
                "poll_interval": Reader.duration,
                "prometheus": _prometheus,
            },
        ),
    )


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
    return url


def _prometheus(reader: Reader) -> Prometheus:
    f = reader.mapping(("url", "metrics", "interval"))
    if "url" not in f or "metrics" not in f:
        raise reader.fail("url and metrics: required (the endpoint and a list of metric names)", shown=False)
    metrics = tuple(m.string() for m in f["metrics"].sequence())
    if not metrics:
        raise f["metrics"].fail("expected at least one metric name", shown=False)
    return Prometheus(url=_http_url(f["url"]), metrics=metrics, **given(f, {"interval": Reader.duration}))


def _accounts(reader: Reader) -> Accounts:
    f = reader.mapping(("count", "seed", "funding_eth"))
    funding = optional(f, "funding_eth", Reader.positive, None)
    return Accounts(
        funding_wei=None if funding is None else int(funding * 10**18),
        **given(f, {"count": lambda r: r.integer(1), "seed": lambda r: r.integer(0)}),
    )


def _round(reader: Reader) -> Round:
    f = reader.mapping(("label", "duration", "tx_count", "rate", "tx", "mix", "from", "warmup", "senders"))
    if "label" not in f:
        raise WorkloadError("required", path=reader.path, line=reader.line, field=f"{reader.field}.label")
    if "rate" not in f:
        raise reader.fail("rate: required (e.g. {type: fixed-rate, tps: 100})", shown=False)
    rate = read_rate(f["rate"])
    duration = optional(f, "duration", Reader.duration, None)
    if isinstance(rate, StepRate | Trace):
        if "tx_count" in f:
            raise f["tx_count"].fail(
                f"not for {rate.kind}: its length comes from its steps or trace", shown=False
            )
        if duration is None:
            duration = sum(d for d, _ in rate.steps) if isinstance(rate, StepRate) else rate.points[-1][0]
    elif isinstance(rate, LinearRate) and duration is None:
        raise reader.fail("duration: required for linear-rate", shown=False)
    elif ("duration" in f) == ("tx_count" in f):
        raise reader.fail("give exactly one of duration or tx_count", shown=False)
    return Round(
        label=f["label"].string(),
        rate=rate,
        mix=_mix(f),
        sender=read_choice(f["from"]) if "from" in f else None,
        duration=duration,
        tx_count=optional(f, "tx_count", lambda r: r.integer(1), None),
        line=reader.line,
        **given(f, {"warmup": Reader.boolean, "senders": lambda r: r.integer(1)}),
    )


def _mix(f: dict[str, Reader]) -> tuple[MixEntry, ...]:
    if "tx" in f and "mix" in f:
        raise f["mix"].fail("give tx (one kind) or mix (weighted kinds), not both", shown=False)
    if "mix" in f:
        return read_mix(f["mix"])
    return read_entries(f["tx"]) if "tx" in f else (MixEntry(TransferTx()),)
