"""Synthetic saturation records for the report and compare tests (four steps, the last one not held)."""

from __future__ import annotations

from bench.results.saturation import KneePoint, Saturation, StepRecord

HOSTILE = "<script>window.__pwned = 1</script>"


def _step(
    label: str, offered: float, confirmed: float, p50: float | None, p99: float | None, held: bool
) -> StepRecord:
    return StepRecord(
        label=label,
        offered_tps=offered,
        confirmed_tps=confirmed,
        send_rate_tps=offered,
        success_rate=1.0 if held else 0.8,
        latency_p50_s=p50,
        latency_p99_s=p99,
        censored_above_s=None if p99 is not None else 4.0,
        window_s=(0.0, 11.0),
        valid=True,
        invalid_reasons=(),
        held=held,
        reasons=() if held else (f"success rate 80.0% < 95% {HOSTILE}",),
    )


def saturation(name: str) -> Saturation:
    steps = (
        _step(f"step-01-100tps{HOSTILE}", 100, 91, 0.5, 1.0, True),
        _step("step-02-200tps", 200, 182, 0.52, 1.02, True),
        _step("step-03-400tps", 400, 360, 0.9, 1.9, True),
        _step("step-04-800tps", 800, 500, 3.0, None, False),
    )
    return Saturation(
        workload=name,
        round=HOSTILE,
        step_s=10.0,
        warmup_s=3.0,
        slos=(f"latency_s.p99<2s{HOSTILE}",),
        config={"min_success": 0.95, "follow": 0.9, "factor": 2.0, "tolerance": 0.05},
        steps=steps,
        max_tps=400.0,
        stop="bracketed",
        finding=f"maximum sustainable rate 400.0 tx/s {HOSTILE}",
        knee_p50=KneePoint(400.0, 0.9),
        knee_p99=None,
        target={"client": HOSTILE, "node": {"name": "anvil", "version": "1.7.1"}},
        machine={"cpu": "AMD EPYC", "cores": 2},
    )
