"""The saturation search (pure): which rate to try next, and when the maximum is known.

A *step* is one measured round at one offered rate. A step *holds* when its success rate is at least
`min_success`, its confirmed throughput is at least `follow` of what a node that keeps up would show
(`expected_tps`: the offered rate times the round's duration over the window of the blocks that carried
it, at most one block interval longer than the round), and no SLO is broken.
The search steps geometrically (x `factor`) from `start_tps` until a step does not hold (or `max_tps` is
reached), then bisects between the highest rate that held and the lowest that did not until they are
within `tolerance` of each other. A first step that does not hold is followed by geometric steps down.

A step whose round is invalid because chainmark, not the target, shaped it (the generator or the machine
was the limit, the observer lost the node) ends the search with that finding: never a node figure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# How the search ended (SearchResult.stop).
BRACKETED = "bracketed"  # the maximum is known to within the tolerance
MAX_TPS = "max-tps"  # every step held up to --max-tps
NONE_HELD = "none-held"  # not even `floor_tps` held
INVALID = "invalid"  # a step was invalid: the generator (or the machine, the observer) was the limit
STEPS = "max-steps"  # the step budget ran out before the maximum was bracketed


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """How the search steps (defaults: doubling, bisection to 5 %, 95 % success, 90 % followed)."""

    start_tps: float
    max_tps: float | None = None
    factor: float = 2.0
    tolerance: float = 0.05
    min_success: float = 0.95
    follow: float = 0.90
    max_steps: int = 20
    floor_tps: float = 1.0


@dataclass(frozen=True, slots=True)
class Measured:
    """What one step measured: the offered rate, confirmed throughput, success rate, the SLOs it broke
    (one sentence each), and the finding that makes it invalid (None when it is valid). `expected_tps` is
    the confirmed throughput a node that keeps up would show (None: the offered rate)."""

    offered_tps: float
    confirmed_tps: float
    success_rate: float | None
    broken_slos: tuple[str, ...] = ()
    invalid: str | None = None
    expected_tps: float | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step judged: what it measured, whether it held, and why not."""

    measured: Measured
    held: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The steps in the order they ran, the highest offered rate that held (None if none did), how the
    search ended (`stop`) and that in a sentence (`finding`)."""

    steps: tuple[Step, ...]
    max_tps: float | None
    stop: str
    finding: str


def judge_step(measured: Measured, config: SearchConfig) -> Step:
    """Whether the step held under the config's criteria, with one reason per criterion it missed."""
    reasons = list(measured.broken_slos)
    success = measured.success_rate
    if success is None or success < config.min_success:
        shown = "nothing sent" if success is None else f"{success:.1%}"
        reasons.append(f"success rate {shown} < {config.min_success:.0%}")
    expected = measured.offered_tps if measured.expected_tps is None else measured.expected_tps
    if measured.confirmed_tps < config.follow * expected:
        reasons.append(
            f"confirmed {measured.confirmed_tps:,.1f} tx/s did not follow the offered "
            f"{measured.offered_tps:,.1f} tx/s (a node keeping up: {expected:,.1f} tx/s over the blocks' "
            f"window; floor {config.follow:.0%})"
        )
    if measured.invalid is not None:
        reasons.append(f"invalid: {measured.invalid}")
    return Step(measured, held=not reasons, reasons=tuple(reasons))


def next_rate(held: float | None, broke: float | None, config: SearchConfig) -> float | str:
    """The next rate to try from the highest rate that held and the lowest that did not, or the stop code."""
    if broke is None:
        assert held is not None
        if config.max_tps is not None and held >= config.max_tps:
            return MAX_TPS
        up = held * config.factor
        return _rate(min(up, config.max_tps) if config.max_tps is not None else up)
    if held is None:
        down = _rate(broke / config.factor)
        return NONE_HELD if broke <= config.floor_tps or down < config.floor_tps else down
    if broke - held <= config.tolerance * held:
        return BRACKETED
    middle = _rate((held + broke) / 2)
    return BRACKETED if middle in (held, broke) else middle


def search(measure: Callable[[float], Measured], config: SearchConfig) -> SearchResult:
    """Measure steps as `next_rate` says until it stops; `measure(rate)` runs one step at `rate` tx/s."""
    steps: list[Step] = []
    held: float | None = None
    broke: float | None = None
    rate: float | str = _rate(min(config.start_tps, config.max_tps or config.start_tps))
    while isinstance(rate, float):
        if len(steps) >= config.max_steps:
            return _result(steps, held, STEPS, config)
        step = judge_step(measure(rate), config)
        steps.append(step)
        if step.measured.invalid is not None:
            return _result(steps, held, INVALID, config)
        if step.held:
            held = rate if held is None else max(held, rate)
        else:
            broke = rate if broke is None else min(broke, rate)
        rate = next_rate(held, broke, config)
    return _result(steps, held, rate, config)


def _result(steps: list[Step], held: float | None, stop: str, config: SearchConfig) -> SearchResult:
    return SearchResult(tuple(steps), held, stop, _finding(steps, held, stop, config))


def _finding(steps: list[Step], held: float | None, stop: str, config: SearchConfig) -> str:
    last = steps[-1] if steps else None
    if stop == INVALID and last is not None:
        invalid = last.measured.invalid or ""
        who, hint = _limit(invalid)
        return f"{who}: {last.measured.offered_tps:,.1f} tx/s offered, {invalid}; {hint}" + (
            f"; the highest rate that held before it: {held:,.1f} tx/s" if held is not None else ""
        )
    if stop == MAX_TPS:
        return f"every step held up to --max-tps {config.max_tps:,.1f} tx/s: the target's limit is higher"
    if stop == NONE_HELD:
        return f"no step held, down to {steps[-1].measured.offered_tps:,.1f} tx/s"
    if stop == STEPS:
        return f"the step budget ({config.max_steps}) ran out before the maximum was bracketed"
    broke = min(s.measured.offered_tps for s in steps if not s.held)
    return (
        f"maximum sustainable rate {held:,.1f} tx/s: the next step up, {broke:,.1f} tx/s, did not hold "
        f"(within {config.tolerance:.0%})"
    )


def _limit(invalid: str) -> tuple[str, str]:
    """Who limited an invalid step, from its verdict's reason codes (bench.results.verdict), and what to try."""
    if invalid.startswith("machine-saturated"):
        return (
            "the machine, not the node alone, limits this run (chainmark and the node share its CPUs)",
            "run the node elsewhere (--target-url) or on a quieter machine",
        )
    if invalid.startswith(("observer-lost", "worker-lost")):
        return "the measurement, not the node, failed in this step", "see the run's report for when"
    return (
        "the generator, not the node, limits this run",
        "try --workers (more sending processes) or a bigger machine",
    )


def _rate(value: float) -> float:
    """A rate as the steps are named: 0.1 tx/s resolution."""
    return float(round(value, 1))
