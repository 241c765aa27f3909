"""Reads a round's `rate:` mapping into a rate controller spec; trace files are read here, at the YAML edge.

One reader per controller, registered by name; each names the keys it accepts, so an unknown or
misplaced key is reported with the controller's own list. A trace file is CSV (`t_s,tps` per line,
an optional header) or YAML (a list of `[t_s, tps]` pairs), relative to the workload's folder.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from pathlib import Path

import yaml

from bench.errors import WorkloadError
from bench.workload.reader import Reader, given
from bench.workload.spec import (
    FixedBacklog,
    FixedConcurrency,
    FixedRate,
    LinearRate,
    MaximumRate,
    Poisson,
    RateController,
    StepRate,
    Trace,
)

MAX_TRACE_BYTES = 5_000_000


def _fixed_rate(f: dict[str, Reader]) -> RateController:
    return FixedRate(tps=f["tps"].positive())


def _fixed_backlog(f: dict[str, Reader]) -> RateController:
    return FixedBacklog(in_flight=f["in_flight"].integer(1))


def _linear_rate(f: dict[str, Reader]) -> RateController:
    start, end = f["start_tps"].non_negative(), f["end_tps"].non_negative()
    if start == end == 0:
        raise f["end_tps"].fail("start_tps and end_tps cannot both be 0")
    return LinearRate(start_tps=start, end_tps=end)


def _step_rate(f: dict[str, Reader]) -> RateController:
    steps = []
    for step in f["steps"].sequence():
        fields = step.mapping(("duration", "tps"))
        if "duration" not in fields or "tps" not in fields:
            raise step.fail("each step needs duration and tps, e.g. {duration: 10s, tps: 100}", shown=False)
        steps.append((fields["duration"].duration(), fields["tps"].non_negative()))
    if not steps:
        raise f["steps"].fail("expected at least one step", shown=False)
    if not any(tps > 0 for _, tps in steps):
        raise f["steps"].fail("at least one step needs tps > 0", shown=False)
    return StepRate(steps=tuple(steps))


def _poisson(f: dict[str, Reader]) -> RateController:
    return Poisson(tps=f["tps"].positive(), **given(f, {"seed": lambda r: r.integer(0)}))


def _trace(f: dict[str, Reader]) -> RateController:
    mode = f["mode"].string() if "mode" in f else "interpolate"
    if mode not in ("interpolate", "step"):
        raise f["mode"].fail("expected interpolate or step")
    scale = f["scale"].positive() if "scale" in f else 1.0
    name = f["file"].string()
    points = read_trace(f["file"], Path(f["file"].path).parent / name)
    return Trace(points=tuple((t, tps * scale) for t, tps in points), mode=mode, file=name)


def _fixed_concurrency(f: dict[str, Reader]) -> RateController:
    return FixedConcurrency(clients=f["clients"].integer(1), **given(f, {"max_tps": Reader.positive}))


def _maximum_rate(f: dict[str, Reader]) -> RateController:
    return MaximumRate(**given(f, {"max_outstanding": lambda r: r.integer(1), "max_tps": Reader.positive}))


# name -> (required keys, optional keys, reader)
_CONTROLLERS: dict[
    str, tuple[tuple[str, ...], tuple[str, ...], Callable[[dict[str, Reader]], RateController]]
] = {
    "fixed-rate": (("tps",), (), _fixed_rate),
    "linear-rate": (("start_tps", "end_tps"), (), _linear_rate),
    "step-rate": (("steps",), (), _step_rate),
    "poisson": (("tps",), ("seed",), _poisson),
    "trace": (("file",), ("mode", "scale"), _trace),
    "fixed-backlog": (("in_flight",), (), _fixed_backlog),
    "fixed-concurrency": (("clients",), ("max_tps",), _fixed_concurrency),
    "maximum-rate": ((), ("max_outstanding", "max_tps"), _maximum_rate),
}
RATE_NAMES = tuple(_CONTROLLERS)
RATE_KEYS = {name: (required, optional) for name, (required, optional, _) in _CONTROLLERS.items()}


def read_rate(reader: Reader) -> RateController:
    """The rate controller a round's `rate:` mapping describes."""
    type_reader = reader.peek("type")
    if type_reader is None:
        raise reader.fail(f"type: required, one of {', '.join(RATE_NAMES)}", shown=False)
    kind = type_reader.scalar()
    if kind not in _CONTROLLERS:
        raise type_reader.fail(f"unknown rate controller, expected one of {', '.join(RATE_NAMES)}")
    required, optional, read = _CONTROLLERS[kind]
    fields = reader.mapping(("type", *required, *optional), owner=kind)
    missing = [key for key in required if key not in fields]
    if missing:
        raise reader.fail(f"{missing[0]}: required for {kind}", shown=False)
    return read(fields)


def read_trace(where: Reader, path: Path) -> list[tuple[float, float]]:
    """(t_s, tps) points of a trace file: t ascending from 0, tps >= 0, some tps > 0."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise where.fail(f"cannot read trace file {path}: {exc.strerror}") from exc
    if len(data) > MAX_TRACE_BYTES:
        raise where.fail(f"trace file {path} is {len(data)} bytes, the limit is {MAX_TRACE_BYTES}")
    text = data.decode("utf-8", errors="replace")
    rows = _yaml_rows(text, path) if path.suffix in (".yaml", ".yml") else _csv_rows(text)
    points: list[tuple[float, float]] = []
    for line, row in rows:
        try:
            t, tps = (float(v) for v in row)
        except (TypeError, ValueError):
            raise WorkloadError(
                f"expected two numbers (t_s, tps), got {row!r}", path=str(path), line=line
            ) from None
        if not (math.isfinite(t) and math.isfinite(tps)) or t < 0 or tps < 0:
            raise WorkloadError(
                f"t_s and tps must be finite and >= 0, got {row!r}", path=str(path), line=line
            )
        if points and t <= points[-1][0]:
            raise WorkloadError(
                f"t_s must increase, got {t:g} after {points[-1][0]:g}", path=str(path), line=line
            )
        points.append((t, tps))
    if len(points) < 2 or points[0][0] != 0:
        raise WorkloadError("a trace needs at least two points, the first at t_s 0", path=str(path))
    if not any(tps > 0 for _, tps in points):
        raise WorkloadError("every tps in the trace is 0", path=str(path))
    return points


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if not rows and not _is_number(cells[0]):
            continue  # a header line before the first point
        rows.append((number, cells))
    return rows


def _yaml_rows(text: str, path: Path) -> list[tuple[int, list[str]]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise WorkloadError(f"invalid YAML: {exc}", path=str(path)) from exc
    if not isinstance(root, yaml.SequenceNode):
        raise WorkloadError("expected a list of [t_s, tps] pairs", path=str(path))
    rows = []
    for item in root.value:
        values = [v.value for v in item.value] if isinstance(item, yaml.SequenceNode) else [item.value]
        rows.append((item.start_mark.line + 1, [str(v) for v in values]))
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
