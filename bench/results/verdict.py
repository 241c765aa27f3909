"""Decides whether a round's numbers are a valid measurement of the target, and names why not (pure).

A round is *invalid* when chainmark, not the target, shaped its numbers:
  open loop     the schedule was not held (schedule lag p99 over LAG_BOUND_S, or the achieved send rate
                under RATE_FLOOR of the planned rate, by more than the lag bound in all) and the cause was
                the generator: its sending processes used over CPU_BOUND of a core each
                (`generator-cpu-bound`), the machine's CPUs were over HOST_BOUND busy (`machine-saturated`),
                or no cause on the target's side was found (`schedule-not-held`)
  closed loop   the generator was CPU-bound or the machine saturated while the backlog (sent and not yet
                settled) averaged under FILL_FLOOR of its bound: the loop did not keep the node as busy as
                asked (`backlog-not-filled`)
  any round     the observer lost the node (`observer-lost`), or a cluster worker was lost in it
                (`worker-lost`)
A slipped schedule while every sender was waiting on the node's answers is a finding about the node
(`node-slow-to-accept`): a *flag*, not a reason to discard the round; so is a pre-signed pool that ran out
(`pool-ran-out`). A node that loses transactions is the finding too, shown by latency and success rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LAG_BOUND_S = 0.100
RATE_FLOOR = 0.95
CPU_BOUND = 0.90
HOST_BOUND = 0.90
FILL_FLOOR = 0.90
BUSY_FLOOR = 0.5  # of the late sends, the share that left with every sender busy for "waiting on the node"


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a round is invalid, or one flag on it: a stable code and a sentence with the figures."""

    code: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Finding:
        return cls(str(doc.get("code")), str(doc.get("detail") or ""))


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What a round's verdict is decided on; None where the store could not say (an older store)."""

    open_loop: bool
    sent: int
    lag_p99_s: float | None = None
    planned_rate_tps: float | None = None  # open loop: (sent - 1) / span of their intended times
    send_rate_tps: float = 0.0
    shortfall_s: float = 0.0  # how much longer the sends took than their intended times' span
    generator_cpu: float | None = None  # CPU per sending process over the round, in cores
    host_cpu: float | None = None  # the machine's CPU over the round, fraction of all its cores
    senders: int | None = None
    late_all_busy: float | None = (
        None  # of the sends later than LAG_BOUND_S, the share sent with all senders busy
    )
    submit_p50_s: float | None = None
    submit_p99_s: float | None = None
    backlog_fill: float | None = None  # closed loop: time-average of sent-and-unsettled over its bound
    backlog_bound: int | None = None
    observer_lost: str | None = None
    workers_lost: tuple[str, ...] = ()
    ran_out: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """A round's verdict: whether it is `valid`, the reasons it is not, and its flags.

    `valid` is kept, not derived from the reasons (`judge` makes it "no reason"), so a summary read back
    says what its file said: one edited by hand may say `valid: false` and give no reason."""

    invalid: tuple[Finding, ...] = ()
    flags: tuple[Finding, ...] = ()
    valid: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "invalid_reasons": [f.as_json() for f in self.invalid],
            "flags": [f.as_json() for f in self.flags],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Verdict:
        """The verdict of a summary.json round (one that has a `valid` key)."""
        invalid = tuple(Finding.from_json(r) for r in doc.get("invalid_reasons") or [])
        flags = tuple(Finding.from_json(f) for f in doc.get("flags") or [])
        return cls(invalid, flags, valid=doc["valid"] is not False)


def judge(facts: RoundFacts) -> Verdict:
    """The round's verdict from its facts (see the module docstring for the rules)."""
    invalid: list[Finding] = []
    flags: list[Finding] = []
    if facts.observer_lost:
        invalid.append(Finding("observer-lost", f"the block observer lost the node: {facts.observer_lost}"))
    invalid.extend(Finding("worker-lost", detail) for detail in facts.workers_lost)
    if facts.ran_out:
        flags.append(
            Finding(
                "pool-ran-out", "the pre-signed pool ran out before the round's duration (sign a larger one)"
            )
        )
    if facts.sent >= 2:
        slipped = _schedule_slip(facts) if facts.open_loop else _unfilled_backlog(facts)
        if slipped is not None:
            found = _cause(facts, slipped)
            (flags if found.code == "node-slow-to-accept" else invalid).append(found)
    return Verdict(tuple(invalid), tuple(flags), valid=not invalid)


def _schedule_slip(facts: RoundFacts) -> str | None:
    """How the open-loop schedule was not held, or None when it was."""
    lag = facts.lag_p99_s
    if lag is not None and lag > LAG_BOUND_S:
        return f"schedule lag p99 {lag * 1000:,.0f} ms (bound {LAG_BOUND_S * 1000:.0f} ms)"
    planned = facts.planned_rate_tps
    if planned and facts.send_rate_tps < RATE_FLOOR * planned and facts.shortfall_s > LAG_BOUND_S:
        return (
            f"sent {facts.send_rate_tps:,.1f} tx/s of the planned {planned:,.1f} tx/s "
            f"({facts.send_rate_tps / planned:.0%}, floor {RATE_FLOOR:.0%})"
        )
    return None


def _unfilled_backlog(facts: RoundFacts) -> str | None:
    """How a closed loop fell short of its bound while the generator was the limit, or None."""
    if facts.backlog_fill is None or facts.backlog_fill >= FILL_FLOOR or not _generator_limited(facts):
        return None
    return (
        f"the backlog averaged {facts.backlog_fill:.0%} of its bound of {facts.backlog_bound} "
        f"(floor {FILL_FLOOR:.0%})"
    )


def _generator_limited(facts: RoundFacts) -> bool:
    return (facts.generator_cpu or 0.0) > CPU_BOUND or (facts.host_cpu or 0.0) > HOST_BOUND


def _cause(facts: RoundFacts, slipped: str) -> Finding:
    """Why the round slipped: the generator's CPU, the machine, the node's answers, or unknown."""
    usage = _usage(facts)
    if not facts.open_loop:
        return Finding("backlog-not-filled", f"{slipped}: the generator was the limit ({usage})")
    if (facts.generator_cpu or 0.0) > CPU_BOUND:
        return Finding("generator-cpu-bound", f"{slipped}: chainmark's sending was CPU-bound ({usage})")
    if (facts.host_cpu or 0.0) > HOST_BOUND:
        return Finding("machine-saturated", f"{slipped}: the machine was saturated ({usage})")
    if facts.late_all_busy is not None and facts.late_all_busy >= BUSY_FLOOR:
        return Finding(
            "node-slow-to-accept",
            f"{slipped}: all {facts.senders} senders were waiting on the node's answers for "
            f"{facts.late_all_busy:.0%} of the late sends (submission latency p50 {_ms(facts.submit_p50_s)}, "
            f"p99 {_ms(facts.submit_p99_s)}): the node is slow to accept; latency still counts from the "
            "intended time; more `senders` would keep the schedule",
        )
    return Finding("schedule-not-held", f"{slipped}; no cause on the node's side was found ({usage})")


def _usage(facts: RoundFacts) -> str:
    parts = []
    if facts.generator_cpu is not None:
        parts.append(f"chainmark {facts.generator_cpu:.0%} of a core per sending process")
    if facts.host_cpu is not None:
        parts.append(f"machine CPUs {facts.host_cpu:.0%} busy")
    return ", ".join(parts) or "CPU not measured"


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"
