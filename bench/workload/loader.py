"""Loads a workload YAML into a validated `Workload`, or raises one `WorkloadError` naming file:line and field.

The YAML is composed (safe loader, no object construction) into a node tree that keeps line numbers;
`_Reader` walks only the fields the format defines, so every error can point at the offending line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bench.errors import WorkloadError
from bench.workload.duration import parse_duration
from bench.workload.spec import (
    Accounts,
    FixedBacklog,
    FixedRate,
    Prometheus,
    RateController,
    Round,
    Target,
    TransferTx,
    TxKind,
    Workload,
)

MAX_FILE_BYTES = 1_000_000
GWEI = 10**9
T = TypeVar("T")
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


class _Reader:
    """Typed access to a composed YAML node, raising `WorkloadError` with file:line and field path."""

    def __init__(self, node: yaml.Node, path: str, field: str) -> None:
        self.node, self.path, self.field = node, path, field

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def fail(self, message: str, *, shown: bool = True) -> WorkloadError:
        got = f", got {_show(self.node)}" if shown else ""
        return WorkloadError(message + got, path=self.path, line=self.line, field=self.field)

    def mapping(self, allowed: tuple[str, ...]) -> dict[str, _Reader]:
        if not isinstance(self.node, yaml.MappingNode):
            raise self.fail("expected a mapping")
        out: dict[str, _Reader] = {}
        for key_node, value_node in self.node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            child = f"{self.field}.{key}" if self.field else str(key)
            if key not in allowed:
                raise WorkloadError(
                    f"unknown key, expected one of {', '.join(allowed)}, got {key!r}",
                    path=self.path,
                    line=key_node.start_mark.line + 1,
                    field=child,
                )
            if key in out:
                raise WorkloadError(
                    "duplicate key", path=self.path, line=key_node.start_mark.line + 1, field=child
                )
            out[key] = _Reader(value_node, self.path, child)
        return out

    def sequence(self) -> list[_Reader]:
        if not isinstance(self.node, yaml.SequenceNode):
            raise self.fail("expected a list")
        return [_Reader(n, self.path, f"{self.field}[{i}]") for i, n in enumerate(self.node.value)]

    def scalar(self) -> Any:
        if not isinstance(self.node, yaml.ScalarNode):
            raise self.fail("expected a single value")
        if self.node.tag not in _PLAIN_TAGS:
            raise self.fail(f"unsupported YAML tag {self.node.tag}, expected a plain value")
        try:
            return yaml.SafeLoader("").construct_object(self.node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
            raise self.fail(f"not a valid {self.node.tag.rsplit(':', 1)[-1]}") from exc

    def string(self) -> str:
        value = self.scalar()
        if not isinstance(value, str) or not value.strip():
            raise self.fail("expected a non-empty string")
        return value

    def integer(self, minimum: int) -> int:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail("expected an integer")
        if value < minimum:
            raise self.fail(f"must be >= {minimum}")
        return value

    def positive(self) -> float:
        value = self.scalar()
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail("expected a number")
        if value <= 0:
            raise self.fail("must be > 0")
        return float(value)

    def boolean(self) -> bool:
        value = self.scalar()
        if not isinstance(value, bool):
            raise self.fail("expected true or false")
        return value

    def duration(self) -> float:
        try:
            seconds = parse_duration(self.scalar())
        except ValueError as exc:
            raise self.fail(str(exc)) from exc
        if not math.isfinite(seconds):
            raise self.fail("must be a finite duration")
        if seconds <= 0:
            raise self.fail("must be > 0")
        return seconds


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        text = repr(node.value) if node.tag.endswith(":str") else str(node.value)
        return text if len(text) <= 60 else text[:57] + "..."
    return "a mapping" if isinstance(node, yaml.MappingNode) else "a list"


def _opt(fields: dict[str, _Reader], key: str, read: Callable[[_Reader], T], default: T) -> T:
    return read(fields[key]) if key in fields else default


def _given(fields: dict[str, _Reader], readers: dict[str, Callable[[_Reader], Any]]) -> dict[str, Any]:
    """Read the keys present in `fields`; absent ones keep the dataclass field's default."""
    return {key: read(fields[key]) for key, read in readers.items() if key in fields}


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
    top = _Reader(root, path, "").mapping(("name", "description", "target", "accounts", "rounds"))
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
        description=_opt(top, "description", _Reader.string, ""),
        target=_target(top["target"]) if "target" in top else Target(),
        accounts=_accounts(top["accounts"]) if "accounts" in top else Accounts(),
        rounds=tuple(rounds),
        path=path,
        text=text,
    )


def _target(reader: _Reader) -> Target:
    f = reader.mapping(
        ("url", "block_time", "gas_limit", "gas_price_gwei", "confirm_grace", "poll_interval", "prometheus")
    )
    url = _opt(f, "url", _http_url, None)
    gas_price = _opt(f, "gas_price_gwei", _Reader.positive, None)
    return Target(
        url=url,
        gas_price_wei=None if gas_price is None else int(gas_price * GWEI),
        **_given(
            f,
            {
                "block_time": _Reader.duration,
                "gas_limit": lambda r: r.integer(21_000),
                "confirm_grace": _Reader.duration,
                "poll_interval": _Reader.duration,
                "prometheus": _prometheus,
            },
        ),
    )


def _http_url(reader: _Reader) -> str:
    url = reader.string()
    if not url.startswith(("http://", "https://")):
        scheme = url.split("://", 1)[0] if "://" in url else ""
        raise reader.fail(f"expected an http:// or https:// URL, got scheme {scheme!r}", shown=False)
    return url


def _prometheus(reader: _Reader) -> Prometheus:
    f = reader.mapping(("url", "metrics", "interval"))
    if "url" not in f or "metrics" not in f:
        raise reader.fail("url and metrics: required (the endpoint and a list of metric names)", shown=False)
    metrics = tuple(m.string() for m in f["metrics"].sequence())
    if not metrics:
        raise f["metrics"].fail("expected at least one metric name", shown=False)
    return Prometheus(url=_http_url(f["url"]), metrics=metrics, **_given(f, {"interval": _Reader.duration}))


def _accounts(reader: _Reader) -> Accounts:
    f = reader.mapping(("count", "seed", "funding_eth"))
    funding = _opt(f, "funding_eth", _Reader.positive, None)
    return Accounts(
        funding_wei=None if funding is None else int(funding * 10**18),
        **_given(f, {"count": lambda r: r.integer(1), "seed": lambda r: r.integer(0)}),
    )


def _round(reader: _Reader) -> Round:
    f = reader.mapping(("label", "duration", "tx_count", "rate", "tx", "warmup", "senders"))
    if "label" not in f:
        raise WorkloadError("required", path=reader.path, line=reader.line, field=f"{reader.field}.label")
    if "rate" not in f:
        raise reader.fail("rate: required (e.g. {type: fixed-rate, tps: 100})", shown=False)
    if ("duration" in f) == ("tx_count" in f):
        raise reader.fail("give exactly one of duration or tx_count", shown=False)
    return Round(
        label=f["label"].string(),
        rate=_rate(f["rate"]),
        tx=_tx(f["tx"]) if "tx" in f else TransferTx(),
        duration=_opt(f, "duration", _Reader.duration, None),
        tx_count=_opt(f, "tx_count", lambda r: r.integer(1), None),
        line=reader.line,
        **_given(f, {"warmup": _Reader.boolean, "senders": lambda r: r.integer(1)}),
    )


_RATES = ("fixed-rate", "fixed-backlog")


def _rate(reader: _Reader) -> RateController:
    f = reader.mapping(("type", "tps", "in_flight"))
    if "type" not in f:
        raise reader.fail(f"type: required, one of {', '.join(_RATES)}", shown=False)
    kind = f["type"].scalar()
    if kind == "fixed-rate":
        if "tps" not in f:
            raise reader.fail("tps: required for fixed-rate", shown=False)
        if "in_flight" in f:
            raise f["in_flight"].fail("only for fixed-backlog", shown=False)
        return FixedRate(tps=f["tps"].positive())
    if kind == "fixed-backlog":
        if "in_flight" not in f:
            raise reader.fail("in_flight: required for fixed-backlog", shown=False)
        if "tps" in f:
            raise f["tps"].fail("only for fixed-rate", shown=False)
        return FixedBacklog(in_flight=f["in_flight"].integer(1))
    raise f["type"].fail(f"unknown rate controller, expected one of {', '.join(_RATES)}")


def _tx(reader: _Reader) -> TxKind:
    f = reader.mapping(("kind", "value_wei", "gas"))
    kind = f["kind"].scalar() if "kind" in f else "transfer"
    if kind != "transfer":
        raise f["kind"].fail("unknown transaction kind, expected one of transfer")
    return TransferTx(**_given(f, {"value_wei": lambda r: r.integer(0), "gas": lambda r: r.integer(21_000)}))
