"""Reads a trace file's (t_s, tps) points, at the YAML edge, with file:line errors.

A trace file is CSV (`t_s,tps` per line, an optional header) or YAML (a list of `[t_s, tps]` pairs),
read with the workload's alias-safe, line-aware reader; the `trace` controller names it relative to the
workload's folder.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import yaml

from bench.errors import WorkloadError
from bench.workload.files import FileProblem, read_file
from bench.workload.limits import MAX_DURATION_S, MAX_TPS
from bench.workload.reader import Reader
from bench.workload.yamltree import compose_yaml

MAX_TRACE_BYTES = 5_000_000


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
