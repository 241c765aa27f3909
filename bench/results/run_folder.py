"""Reads a finished run folder (summary.json plus per-round series from results.sqlite) for comparison.

The comparison is written against summary.json schema_version 2. A folder whose summary.json is
schema 1 (written before censored latency and round validity existed) is compared from a summary
rebuilt in memory from its results.sqlite, with a warning; the folder itself is not changed.

Per round label it keeps the sorted latencies (seconds) of every write the node accepted at
submission, +inf for one never confirmed (censored: never seen in a block, or reverted), and the
confirmed transactions per 1 s bucket since the round's start, counted from the observer's sight
of the including block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import ResultsError
from bench.results.round_summary import RoundSummary
from bench.results.store import RunStore
from bench.results.summary import RunSummary, run_summary

COMPARED_SCHEMA_VERSION = 2  # the summary.json version the comparison reads
REBUILT_SCHEMA_VERSIONS = (1,)  # older versions compared from a summary rebuilt from results.sqlite

_ACCEPTED_WRITES = (
    "FROM txs t JOIN sends s ON s.tx = t.id LEFT JOIN inclusions i ON i.tx = t.id "
    "LEFT JOIN receipts r ON r.tx = t.id WHERE t.round = ? AND s.error IS NULL AND length(t.hash) > 0"
)
_IS_CONFIRMED = "i.seen IS NOT NULL AND (r.status IS NULL OR r.status = 1)"


@dataclass(frozen=True, slots=True)
class RunFolder:
    """One run as the comparison sees it: its summary (schema 2) and, per round label, its series.

    `name` is the run's label in the comparison; `warnings` are what reading the folder found."""

    path: Path
    name: str
    summary: RunSummary
    latency_s: dict[str, np.ndarray] = field(default_factory=dict)  # accepted writes, +inf = censored
    confirmed_per_s: dict[str, np.ndarray] = field(default_factory=dict)
    block_interval_s: float | None = None  # median gap of the blocks' own timestamps during the run
    warnings: tuple[str, ...] = ()

    @property
    def labels(self) -> list[str]:
        return self.summary.labels

    def round(self, label: str) -> RoundSummary | None:
        return self.summary.round(label)


def read_run_folder(path: Path, name: str | None = None) -> RunFolder:
    """Read `path`/summary.json and `path`/results.sqlite; ResultsError names the folder when either is unusable."""
    doc = _read_summary(path)
    store = _open_store(path)
    try:
        version = doc["schema_version"]
        if version in REBUILT_SCHEMA_VERSIONS:
            summary, warnings = upgrade_summary(store, path, version)
        else:
            summary, warnings = RunSummary.from_json(doc), ()
        latency, per_second = {}, {}
        for idx, label, started in store.query("SELECT idx, label, started FROM rounds ORDER BY idx"):
            latency[label] = _latencies(store, idx)
            per_second[label] = _confirmed_per_second(store, idx, started)
        stamps = np.array(
            [t for (t,) in store.query("SELECT timestamp FROM blocks ORDER BY number")], dtype=float
        )
    finally:
        store.close()
    interval = float(np.median(np.diff(stamps))) if len(stamps) > 2 else None
    return RunFolder(path, name or path.name, summary, latency, per_second, interval, warnings)


def upgrade_summary(store: RunStore, path: Path, version: int) -> tuple[RunSummary, tuple[str, ...]]:
    """The summary of an older summary.json rebuilt from the run's store, and the warning that says so."""
    summary = run_summary(store)
    if summary.schema_version != COMPARED_SCHEMA_VERSION:
        raise ResultsError(
            f"summary.json schema_version {version}, and this chainmark rebuilds schema "
            f"{summary.schema_version!r}, not the {COMPARED_SCHEMA_VERSION} compare reads",
            path=str(path),
        )
    warning = (
        f"{path}: summary.json is schema {version}; compared from its results.sqlite "
        f"(rebuild with `chainmark report {path}`)"
    )
    return summary, (warning,)


def _read_summary(path: Path) -> dict[str, Any]:
    """`path`/summary.json as JSON, once its schema_version is one compare reads."""
    file = path / "summary.json"
    if not path.is_dir():
        raise ResultsError("no such run folder (RUN_DIR or RUN_DIR=LABEL)", path=str(path))
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(
            f"not a run folder: no summary.json (rebuild it with `chainmark report {path}`)", path=str(path)
        ) from exc
    except (OSError, ValueError) as exc:
        raise ResultsError(f"unreadable summary.json: {exc}", path=str(path)) from exc
    version = summary.get("schema_version") if isinstance(summary, dict) else None
    readable = (*REBUILT_SCHEMA_VERSIONS, COMPARED_SCHEMA_VERSION)
    if isinstance(version, bool) or version not in readable:
        raise ResultsError(
            f"summary.json schema_version {version!r}, this chainmark compares "
            f"{' and '.join(map(str, readable))}",
            path=str(path),
        )
    return summary


def _open_store(path: Path) -> RunStore:
    try:
        return RunStore(path / "results.sqlite")
    except FileNotFoundError as exc:
        raise ResultsError("not a run folder: no results.sqlite", path=str(path)) from exc


def _latencies(store: RunStore, round_idx: int) -> np.ndarray:
    """Sorted latencies of the round's accepted writes; +inf for each one never confirmed."""
    rows = store.query(
        f"SELECT CASE WHEN {_IS_CONFIRMED} THEN i.seen - s.intended END {_ACCEPTED_WRITES}", (round_idx,)
    )
    return np.sort(np.array([np.inf if v is None else v for (v,) in rows], dtype=np.float64))


def _confirmed_per_second(store: RunStore, round_idx: int, started: float | None) -> np.ndarray:
    seen = np.array(
        [v for (v,) in store.query(f"SELECT i.seen {_ACCEPTED_WRITES} AND {_IS_CONFIRMED}", (round_idx,))],
        dtype=np.float64,
    )
    if not len(seen):
        return np.zeros(0, dtype=np.int64)
    start = float(started) if started is not None else float(seen.min())
    seconds = np.floor(np.maximum(seen - start, 0.0)).astype(np.int64)
    return np.bincount(seconds)
