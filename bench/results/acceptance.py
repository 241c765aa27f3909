"""Judges the acceptance suite's runs: one pass/fail criterion each, with its value and bound in a sentence.

    stress     success rate of the `stress` round >= 95 %, in a valid round (bench.results.verdict: one the
               generator could not offer at its rate did not test the target, and fails)
    spike      success rate of the `spike` round >= 75 %, in a valid round
    stability  latency flat: the least-squares drift of the confirmation latency (p50 of each tenth of the
               round, by intended send time) over the round is at most max(50 % of the round's p50 latency,
               one block interval); chainmark's memory flat: the least-squares growth of its own process's
               resident memory (sampled each second) over the round is at most max(10 % of its median, 32 MiB)

A drift, not a difference of two slices, so one slow block at either end does not decide it; a bound
relative to the latency itself, with a block interval as its floor, since confirmation latency moves in
whole blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bench.results.round_data import load_round
from bench.results.round_summary import RoundSummary
from bench.results.store import RunStore

STRESS_SUCCESS, SPIKE_SUCCESS = 0.95, 0.75
SLICES = 10
LATENCY_DRIFT, MEMORY_DRIFT = 0.50, 0.10
MEMORY_FLOOR = 32 * 2**20


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of one test: whether it passed, and what was measured against what bound."""

    test: str
    name: str
    passed: bool
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"test": self.test, "criterion": self.name, "passed": self.passed, "detail": self.detail}


def success_criterion(test: str, rnd: RoundSummary | None, floor: float) -> Criterion:
    name = f"success rate >= {floor:.0%}"
    if rnd is None or rnd.success_rate is None:
        return Criterion(test, name, False, f"round {test!r} sent nothing: no success rate")
    detail = f"{rnd.success_rate:.1%} of {rnd.sent:,} sent confirmed at {rnd.send_rate_tps:,.1f} tx/s sent"
    if not rnd.valid:
        reasons = "; ".join(f"{x.code}: {x.detail}" for x in rnd.verdict.invalid) if rnd.verdict else ""
        return Criterion(
            test, name, False, f"{detail}, but the round is invalid ({reasons or 'no reason given'})"
        )
    return Criterion(test, name, rnd.success_rate >= floor, detail)


def latency_flat(test: str, store: RunStore, round_idx: int, block_interval_s: float) -> Criterion:
    """The latency flatness criterion (see the module docstring) of round `round_idx`."""
    name = "latency flat"
    data = load_round(store, round_idx)
    latency = data.included_seen - data.intended
    keep = np.isfinite(latency)
    times, latency = data.intended[keep], latency[keep]
    if len(times) < SLICES:
        return Criterion(test, name, False, f"only {len(times)} confirmed writes: too few to tell")
    edges = np.linspace(times.min(), times.max(), SLICES + 1)
    which = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, SLICES - 1)
    centres, medians = [], []
    for k in range(SLICES):
        part = latency[which == k]
        if len(part):
            centres.append((edges[k] + edges[k + 1]) / 2)
            medians.append(float(np.median(part)))
    span = float(times.max() - times.min())
    drift = round(float(np.polyfit(centres, medians, 1)[0]) * span, 6) + 0.0 if len(centres) >= 2 else 0.0
    bound = max(LATENCY_DRIFT * float(np.median(latency)), block_interval_s)
    return Criterion(
        test,
        name,
        drift <= bound,
        f"p50 latency drifted {drift:+.3f} s over {span:,.0f} s (tenths' p50 {medians[0]:.3f} s -> "
        f"{medians[-1]:.3f} s; bound {bound:.3f} s)",
    )


def memory_flat(test: str, store: RunStore, window: tuple[float, float]) -> Criterion:
    """The memory flatness criterion (see the module docstring) of chainmark's process over `window`."""
    name = "chainmark's memory flat"
    rows = store.query(
        "SELECT t, rss_bytes FROM resources WHERE source = 'chainmark' AND t BETWEEN ? AND ? ORDER BY t",
        window,
    )
    if len(rows) < 3:
        return Criterion(test, name, False, f"only {len(rows)} memory samples in the round: too few to tell")
    t = np.array([r[0] for r in rows], dtype=float)
    rss = np.array([r[1] for r in rows], dtype=float)
    span = float(t[-1] - t[0])
    growth = float(round(float(np.polyfit(t - t[0], rss, 1)[0]) * span))  # whole bytes: no "-0.0 MiB"
    bound = max(MEMORY_DRIFT * float(np.median(rss)), MEMORY_FLOOR)
    return Criterion(
        test,
        name,
        growth <= bound,
        f"resident memory grew {growth / 2**20:+,.1f} MiB over {span:,.0f} s "
        f"({rss[0] / 2**20:,.0f} -> {rss[-1] / 2**20:,.0f} MiB; bound {bound / 2**20:,.1f} MiB)",
    )
