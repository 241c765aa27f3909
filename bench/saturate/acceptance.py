"""The acceptance suite's workloads, derived from a saturation's maximum sustainable rate.

    stress     the maximum for `stress_s` (default 30 s), after a 3 s warm-up at 20 % of it
    spike      2 x the maximum for 10 s, after a 3 s warm-up at 20 % of it
    stability  20 % of the maximum for `stability_s` (default 10 minutes)

Each is the saturation's workload with its scaled round (its mix, senders and shape) at that rate; the
criteria they are judged by live in bench.results.acceptance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from bench.errors import WorkloadError
from bench.results.saturation import FILE, Saturation, read_saturation
from bench.saturate.steps import scaled_rounds, template_round
from bench.workload.loader import load_workload
from bench.workload.spec import Workload

WARMUP_S, SPIKE_S = 3.0, 10.0
STRESS_S, STABILITY_S = 30.0, 600.0
BASE_SHARE, SPIKE_FACTOR = 0.20, 2.0


@dataclass(frozen=True, slots=True)
class AcceptanceTest:
    """One test of the suite: its name ("stress", "spike", "stability"), the workload, its measured round."""

    name: str
    workload: Workload
    round: str


def acceptance_tests(
    sat: Saturation, workload: Workload, stress_s: float = STRESS_S, stability_s: float = STABILITY_S
) -> tuple[AcceptanceTest, ...]:
    """The three tests at the saturation's maximum (see the module docstring)."""
    if sat.max_tps is None:
        raise WorkloadError(f"the saturation found no sustainable rate ({sat.finding}); nothing to accept")
    template = template_round(workload, sat.round)
    top, base = sat.max_tps, round(sat.max_tps * BASE_SHARE, 1)
    warm = scaled_rounds(template, "warmup", base, WARMUP_S, 0.0)[0]
    warm = dataclasses.replace(warm, warmup=True)
    plans = (
        ("stress", (warm, *scaled_rounds(template, "stress", top, stress_s, 0.0))),
        ("spike", (warm, *scaled_rounds(template, "spike", round(top * SPIKE_FACTOR, 1), SPIKE_S, 0.0))),
        ("stability", scaled_rounds(template, "stability", base, stability_s, 0.0)),
    )
    return tuple(
        AcceptanceTest(
            name, dataclasses.replace(workload, name=f"{workload.name}-{name}", rounds=rounds), name
        )
        for name, rounds in plans
    )


def saturation_workload(sat: Saturation, run_dir: Path) -> Workload:
    """The workload the saturation ran, from the file it names (it must still be there)."""
    if not sat.workload_path:
        raise WorkloadError(f"{run_dir / FILE}: names no workload file")
    path = Path(sat.workload_path)
    if not path.is_file():
        raise WorkloadError(f"{run_dir / FILE}: its workload {path} is not there any more")
    return load_workload(path)


def find_saturation(given: Path | None, out: Path) -> Path:
    """`given`, or the newest folder under `out` holding a saturation.json (folders are named by time)."""
    if given is not None:
        read_saturation(given)  # one line when it is not a saturation folder
        return given
    found = sorted(p for p in out.glob(f"*/{FILE}")) if out.is_dir() else []
    if not found:
        raise WorkloadError(
            f"run --suite acceptance: no saturation folder under {out} (run `chainmark saturate W.yaml` first, "
            "or give --from-saturation DIR)"
        )
    return found[-1].parent
