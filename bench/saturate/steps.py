"""The saturation steps as one run: every step a warm-up and a measured round, stored as normal rounds.

Each step scales the template round (`--round`: its transaction mix, senders and shape) to the step's
rate: a `fixed-rate` or `poisson` round keeps its controller with the new `tps`; any other controller
becomes `fixed-rate`. The step's rounds are planned and signed from the node's current nonces, and its
accounts topped up (its contracts deployed), before its own clock, exactly as a run's first round is; the
rounds are numbered on from the run's earlier steps, so results.sqlite holds every step as normal rounds.
After each measured round the session waits (up to `target.confirm_grace`) for its writes to be included,
so a step's backlog does not run into the next one.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from typing import Any

from bench.after_window import check_unseen, record_blocks, settle, verify
from bench.chains.base import ChainInfo, ChainPlan
from bench.errors import WorkloadError
from bench.plan.round import PlannedRound
from bench.results.round_summary import RoundSummary
from bench.results.stats import summarize
from bench.results.store import RunStore
from bench.saturate.search import Measured, SearchConfig, SearchResult, Step, judge_step, search
from bench.saturate.slo import Slo, broken
from bench.session import Progress, Session
from bench.workers import join_workers
from bench.workload.spec import FixedRate, Round, Workload

WARMUP_S = 3.0
DEFAULT_START_TPS = 100.0  # the first step of a round whose controller has no rate


@dataclass(frozen=True, slots=True)
class StepPlan:
    """What the steps scale and how they are judged: the template round, the search, the SLOs, how long."""

    template: Round
    config: SearchConfig
    slos: tuple[Slo, ...] = ()
    step_s: float = 10.0
    warmup_s: float = WARMUP_S


def step_rounds(
    template: Round, rate: float, number: int, step_s: float, warmup_s: float
) -> tuple[Round, ...]:
    """The step's warm-up round (none when `warmup_s` is 0) and its measured round at `rate` tx/s."""
    return scaled_rounds(template, f"step-{number:02d}-{rate:g}tps", rate, step_s, warmup_s)


def scaled_rounds(
    template: Round, label: str, rate: float, duration: float, warmup_s: float
) -> tuple[Round, ...]:
    """`template` at `rate` tx/s for `duration` (its mix, senders and shape kept), after a warm-up round
    of `warmup_s` at the same rate (none when 0)."""
    controller = (
        dataclasses.replace(template.rate, tps=rate)  # type: ignore[type-var]
        if template.rate.kind in ("fixed-rate", "poisson")
        else FixedRate(tps=rate)
    )
    shaped = dataclasses.replace(template, rate=controller, tx_count=None, warmup=False)
    measured = dataclasses.replace(shaped, label=label, duration=duration)
    if warmup_s <= 0:
        return (measured,)
    return (dataclasses.replace(shaped, label=f"{label}-warmup", duration=warmup_s, warmup=True), measured)


class StepSession(Session):
    """A session whose rounds are the saturation search's steps (see the module docstring)."""

    def __init__(self, *args: Any, steps: StepPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps = steps
        self.done: list[tuple[str, Step]] = []  # (measured round's label, step) in order
        self.counts: list[int] = []  # transactions per round, in round order (first_ids' companion)

    def run(self) -> None:
        """The run's stages (bench.session.Session.run) with the search's steps in place of the planned
        rounds: each step planned, prepared and observed before its own clock."""
        info = self._identify()
        self._batches()
        if self.cluster is not None:
            join_workers(self.cluster, self._say)
            self._record_workers()
        last: list[ChainPlan] = []
        self.store.set_meta(saturation=self._record(None))  # an interrupted search still says what it was
        with self._observing():
            result = search(lambda rate: self._step(info, rate, last), self.steps.config)
        self.store.set_meta(saturation=self._record(result))
        settle(self.store, self.observer, self._say)
        record_blocks(self.store, self.chain.after, self._say)
        if last:
            check_unseen(self.store, self.chain.after, last[-1].accounts, self.clock, self._say)
        verify(self.store, self.chain.after, self._say)

    def _step(self, info: ChainInfo, rate: float, last: list[ChainPlan]) -> Measured:
        """Plan, prepare and run one step at `rate`; what its measured round gave."""
        number = len(self.done) + 1
        rounds = step_rounds(self.steps.template, rate, number, self.steps.step_s, self.steps.warmup_s)
        self._say(f"step {number}: {rate:g} tx/s")
        if last:
            self._settle(last[-1])  # the earlier step's writes the node still holds continue its chains
        plan = self._plan_step(dataclasses.replace(self.workload, rounds=rounds), info)
        last[:] = [plan]
        self._prepare(plan, info)
        self._await_first_block()
        placed = [self._place(one) for one in plan.rounds]
        for one in placed:
            outcome = self.runner.run(one, self.first_ids[one.index])
            for worker in outcome.lost_workers:
                self.report(Progress(f"warning: worker {worker} was lost in round {one.spec.label!r}"))
        self._drain()
        summary = next(r for r in summarize(self.store) if r.index == placed[-1].index)
        measured_round = placed[-1]
        # a mix's reads are answered, never confirmed in a block: a node keeping up confirms the writes
        expected = _expected_tps(
            self.store, rate * measured_round.write_share, self.steps.step_s, summary.window_s
        )
        measured = _measured(rate, summary, self.steps.slos, expected)
        step = judge_step(measured, self.steps.config)
        self.done.append((summary.label, step))
        self.store.set_meta(saturation=self._record(None))
        verdict = "held" if step.held else "did not hold: " + "; ".join(step.reasons)
        self._say(
            f"step {number}: {rate:g} tx/s offered, {summary.throughput_tps:,.1f} tx/s confirmed: {verdict}"
        )
        return measured

    def _plan_step(self, workload: Any, info: ChainInfo) -> ChainPlan:
        self.report(Progress("planning the step: reading account state, signing every transaction"))
        planned = self.chain.planner.plan(workload, info, self.processes)
        self.store.set_meta(plan={**planned.plan.record(), "processes": planned.processes})
        return planned.plan

    def _place(self, planned: PlannedRound) -> PlannedRound:
        """The step's round numbered on from the run's earlier rounds, registered and its txs stored."""
        index = len(self.first_ids)
        first = self.first_ids[-1] + self.counts[-1] if self.first_ids else 0
        placed = dataclasses.replace(planned, index=index)
        self.first_ids.append(first)
        self.counts.append(placed.count)
        self.store.add_round(index, placed.spec.label, placed.spec.warmup, _controller(placed), placed.count)
        self._store_txs(placed)
        return placed

    def _record(self, result: SearchResult | None) -> dict[str, Any]:
        """The search as the run's `saturation` meta: its settings, the steps so far, how it ended."""
        config = self.steps.config
        doc: dict[str, Any] = {
            "round": self.steps.template.label,
            "step_s": self.steps.step_s,
            "warmup_s": self.steps.warmup_s,
            "slos": [s.expression for s in self.steps.slos],
            "config": dataclasses.asdict(config),
            "steps": [
                {
                    "label": label,
                    "offered_tps": s.measured.offered_tps,
                    "held": s.held,
                    "reasons": list(s.reasons),
                }
                for label, s in self.done
            ],
        }
        if result is not None:
            doc.update(max_tps=result.max_tps, stop=result.stop, finding=result.finding)
        return doc


def _measured(rate: float, summary: RoundSummary, slos: tuple[Slo, ...], expected: float) -> Measured:
    invalid = None
    if not summary.valid and summary.verdict is not None:
        invalid = "; ".join(f"{x.code}: {x.detail}" for x in summary.verdict.invalid) or "invalid"
    return Measured(
        rate, summary.throughput_tps, summary.success_rate, broken(slos, summary), invalid, expected
    )


def _expected_tps(store: RunStore, rate: float, step_s: float, window: tuple[float, float] | None) -> float:
    """The confirmed throughput of a node that keeps up: `rate` x `step_s` over the blocks' window, which
    is at most one block interval (the median gap of the blocks seen in it) longer than the round. `rate`
    is the offered rate of writes: a mix's reads are answered, never confirmed in a block."""
    if window is None:
        return rate
    seen = [
        s for (s,) in store.query("SELECT seen FROM blocks WHERE seen BETWEEN ? AND ? ORDER BY seen", window)
    ]
    gaps = sorted(b - a for a, b in itertools.pairwise(seen))
    interval = gaps[len(gaps) // 2] if gaps else 0.0
    return rate * step_s / (step_s + interval)


def _controller(planned: PlannedRound) -> dict[str, Any]:
    from bench.workload.rates import describe_round

    return describe_round(planned.spec)


def template_round(workload: Workload, label: str | None) -> Round:
    """The round `--round LABEL` names, or the workload's first round that is not a warm-up."""
    labels = [r.label for r in workload.rounds]
    if label is None:
        measured = [r for r in workload.rounds if not r.warmup]
        return (measured or list(workload.rounds))[0]
    for one in workload.rounds:
        if one.label == label:
            return one
    raise WorkloadError(
        f"--round {label!r}: {workload.path or workload.name} has no such round (rounds: {', '.join(labels)})"
    )


def start_rate(template: Round, default: float = DEFAULT_START_TPS) -> float:
    """The first step's rate: the template's own rate when it has one, else `default`."""
    return float(getattr(template.rate, "tps", default))
