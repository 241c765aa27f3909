"""Reads a finished run folder (summary.json plus per-round series from results.sqlite) for comparison.

Per round label it keeps the sorted confirmation latencies (seconds) and the confirmed transactions
per 1 s bucket since the round's start, counted from the observer's sight of the including block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import WorkloadError
from bench.results.store import RunStore
from bench.results.summary import SUMMARY_SCHEMA_VERSION

_CONFIRMED = (
    "FROM txs t JOIN sends s ON s.tx = t.id JOIN inclusions i ON i.tx = t.id "
    "LEFT JOIN receipts r ON r.tx = t.id WHERE t.round = ? AND s.error IS NULL "
    "AND (r.status IS NULL OR r.status = 1)"
)


@dataclass(frozen=True, slots=True)
class RunFolder:
    """One run as the comparison sees it: its summary.json and, per round label, its series."""

    path: Path
    name: str
    summary: dict[str, Any]
    latency_s: dict[str, np.ndarray] = field(default_factory=dict)
    confirmed_per_s: dict[str, np.ndarray] = field(default_factory=dict)
    block_interval_s: float | None = None  # median gap of the blocks' own timestamps during the run

    @property
    def labels(self) -> list[str]:
        return [str(r["label"]) for r in self.summary.get("rounds", [])]

    def round(self, label: str) -> dict[str, Any] | None:
        return next((r for r in self.summary.get("rounds", []) if r["label"] == label), None)


def read_run_folder(path: Path, name: str | None = None) -> RunFolder:
    """Read `path`/summary.json and `path`/results.sqlite; WorkloadError names the folder when either is unusable."""
    summary = _read_summary(path)
    try:
        store = RunStore(path / "results.sqlite")
    except FileNotFoundError as exc:
        raise WorkloadError("not a run folder: no results.sqlite", path=str(path)) from exc
    except ValueError as exc:
        raise WorkloadError(str(exc)) from exc
    try:
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
    return RunFolder(path, name or path.name, summary, latency, per_second, interval)


def _read_summary(path: Path) -> dict[str, Any]:
    file = path / "summary.json"
    try:
        summary = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkloadError(
            f"not a run folder: no summary.json (rebuild it with `chainmark report {path}`)", path=str(path)
        ) from exc
    except (OSError, ValueError) as exc:
        raise WorkloadError(f"unreadable summary.json: {exc}", path=str(path)) from exc
    version = summary.get("schema_version") if isinstance(summary, dict) else None
    if version != SUMMARY_SCHEMA_VERSION:
        raise WorkloadError(
            f"summary.json schema_version {version!r}, this chainmark reads {SUMMARY_SCHEMA_VERSION}",
            path=str(path),
        )
    return summary


def _latencies(store: RunStore, round_idx: int) -> np.ndarray:
    rows = store.query(f"SELECT i.seen - s.intended {_CONFIRMED}", (round_idx,))
    return np.sort(np.array([v for (v,) in rows], dtype=np.float64))


def _confirmed_per_second(store: RunStore, round_idx: int, started: float | None) -> np.ndarray:
    seen = np.array(
        [v for (v,) in store.query(f"SELECT i.seen {_CONFIRMED}", (round_idx,))], dtype=np.float64
    )
    if not len(seen):
        return np.zeros(0, dtype=np.int64)
    start = float(started) if started is not None else float(seen.min())
    seconds = np.floor(np.maximum(seen - start, 0.0)).astype(np.int64)
    return np.bincount(seconds)
