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
from bench.workload.files import FileProblem, read_file
from bench.workload.limits import MAX_DURATION_S, MAX_SEED, MAX_SLOTS, MAX_TPS, MAX_TRACE_SCALE
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
from bench.workload.yamltree import compose_yaml

MAX_TRACE_BYTES = 5_000_000


def _fixed_rate(f: dict[str, Reader]) -> RateController:
    return FixedRate(tps=f["tps"].positive(MAX_TPS))


def _fixed_backlog(f: dict[str, Reader]) -> RateController:
    return FixedBacklog(in_flight=f["in_flight"].integer(1, MAX_SLOTS))


def _linear_rate(f: dict[str, Reader]) -> RateController:
    start, end = f["start_tps"].non_negative(MAX_TPS), f["end_tps"].non_negative(MAX_TPS)
    if start == end == 0:
        raise f["end_tps"].fail("start_tps and end_tps cannot both be 0")
    return LinearRate(start_tps=start, end_tps=end)


def _step_rate(f: dict[str, Reader]) -> RateController:
    steps = []
    for step in f["steps"].sequence():
        fields = step.mapping(("duration", "tps"))
        if "duration" not in fields or "tps" not in fields:
            raise step.fail("each step needs duration and tps, e.g. {duration: 10s, tps: 100}", shown=False)
        steps.append((fields["duration"].duration(MAX_DURATION_S), fields["tps"].non_negative(MAX_TPS)))
    if not steps:
        raise f["steps"].fail("expected at least one step", shown=False)
    if not any(tps > 0 for _, tps in steps):
        raise f["steps"].fail("at least one step needs tps > 0", shown=False)
    return StepRate(steps=tuple(steps))


def _poisson(f: dict[str, Reader]) -> RateController:
    return Poisson(tps=f["tps"].positive(MAX_TPS), **given(f, {"seed": lambda r: r.integer(0, MAX_SEED)}))


def _trace(f: dict[str, Reader]) -> RateController:
    mode = f["mode"].string() if "mode" in f else "interpolate"
    if mode not in ("interpolate", "step"):
        raise f["mode"].fail("expected interpolate or step")
    scale = f["scale"].positive(MAX_TRACE_SCALE) if "scale" in f else 1.0
    name = f["file"].string()
    points = read_trace(f["file"], Path(f["file"].path).parent / name)
    peak = max(tps for _, tps in points) * scale
    if peak > MAX_TPS:
        raise f["scale"].fail(f"the scaled trace peaks at {peak:g} tps, over the limit of {MAX_TPS:g}")
    return Trace(points=tuple((t, tps * scale) for t, tps in points), mode=mode, file=name)


def _fixed_concurrency(f: dict[str, Reader]) -> RateController:
    return FixedConcurrency(clients=f["clients"].integer(1, MAX_SLOTS), **given(f, {"max_tps": _max_tps}))


def _maximum_rate(f: dict[str, Reader]) -> RateController:
    return MaximumRate(
        **given(f, {"max_outstanding": lambda r: r.integer(1, MAX_SLOTS), "max_tps": _max_tps})
    )


def _max_tps(reader: Reader) -> float:
    return reader.positive(MAX_TPS)


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
    """(t_s, tps) points of a trace file: t ascending from 0 to at most MAX_DURATION_S, tps >= 0, some > 0."""
    shown = str(path)
    try:
        data = read_file(path, MAX_TRACE_BYTES, f"trace file {shown}")
    except FileProblem as exc:  # said where the workload names the file
        raise where.fail(str(exc)) from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise where.fail(f"{shown}: trace file is not UTF-8 text") from None
    rows = _yaml_rows(text, shown) if path.suffix in (".yaml", ".yml") else _csv_rows(text, shown)
    points: list[tuple[float, float]] = []
    for line, row in rows:
        try:
            t, tps = (float(v) for v in row)
        except (TypeError, ValueError, OverflowError):
            raise WorkloadError(
                f"expected two numbers (t_s, tps), got {_shown_row(row)}", path=shown, line=line
            ) from None
        if not (math.isfinite(t) and math.isfinite(tps)) or t < 0 or tps < 0:
            raise WorkloadError(
                f"t_s and tps must be finite and >= 0, got {_shown_row(row)}", path=shown, line=line
            )
        if t > MAX_DURATION_S or tps > MAX_TPS:
            raise WorkloadError(
                f"t_s must be <= {MAX_DURATION_S:g} and tps <= {MAX_TPS:g}, got {_shown_row(row)}",
                path=shown,
                line=line,
            )
        if points and t <= points[-1][0]:
            raise WorkloadError(
                f"t_s must increase, got {t:g} after {points[-1][0]:g}", path=shown, line=line
            )
        points.append((t, tps))
    if len(points) < 2 or points[0][0] != 0:
        raise WorkloadError("a trace needs at least two points, the first at t_s 0", path=shown)
    if not any(tps > 0 for _, tps in points):
        raise WorkloadError("every tps in the trace is 0", path=shown)
    return points


def _shown_row(row: list[str]) -> str:
    text = repr(row)
    return text if len(text) <= 60 else text[:57] + "..."


def _csv_rows(text: str, shown: str) -> list[tuple[int, list[str]]]:
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if not cells or not any(cells) or cells[0].startswith("#"):
                continue
            if not rows and not _is_number(cells[0]):
                continue  # a header line before the first point
            rows.append((reader.line_num, cells))
    except csv.Error as exc:  # a field over csv's limit (128 KiB), a NUL byte
        raise WorkloadError(f"not a CSV trace: {exc}", path=shown, line=reader.line_num + 1) from None
    return rows


def _yaml_rows(text: str, shown: str) -> list[tuple[int, list[str]]]:
    """The [t_s, tps] pairs of a YAML trace, read with the workload's alias-safe, line-aware reader."""
    root = compose_yaml(text, shown)
    if root is None:
        raise WorkloadError("expected a list of [t_s, tps] pairs", path=shown)
    if not isinstance(root, yaml.SequenceNode):
        raise WorkloadError("expected a list of [t_s, tps] pairs", path=shown, line=root.start_mark.line + 1)
    rows = []
    for item in Reader(root, shown, "").sequence():
        if not isinstance(item.node, yaml.SequenceNode) or len(item.node.value) != 2:
            raise item.fail("expected a [t_s, tps] pair")
        rows.append((item.line, [str(v.scalar()) for v in item.sequence()]))
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
