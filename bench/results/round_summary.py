"""Holds one round's summary as frozen records, written as and read back from a summary.json round.

The definitions of the figures are in `bench.results.stats`, which computes them; here they are only
held, written (`as_json`, once, at the file boundary) and read back (`from_json`, once). A record read
from a file that lacks a field (an older or hand-edited summary) takes the field's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.results.percentiles import AcceptedLatency, Percentiles
from bench.results.verdict import Verdict

Json = Mapping[str, Any]  # a summary.json object as json.loads gives it


def rounded(value: float, digits: int = 6) -> float:
    """A figure as summary.json keeps it: to the microsecond (or `digits`)."""
    return round(value, digits)


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """The written transactions of one write kind of a round's mix: counts, rates and latency."""

    sent: int = 0
    success_rate: float | None = None
    confirmed: int = 0
    included_late: int = 0
    commit_throughput_tps: float = 0.0
    failed: dict[str, int] = field(default_factory=dict)
    timed_out: int = 0
    timed_out_by_reason: dict[str, int] = field(default_factory=dict)
    queued_next_nonce: int = 0
    pending: int = 0
    latency_s: AcceptedLatency = field(default_factory=AcceptedLatency)
    latency_confirmed_s: Percentiles = field(default_factory=Percentiles)
    gas_used_p50: int | None = None  # over the confirmed writes with a receipt
    gas_used: int = 0  # their sum
    gas_per_s: float = 0.0  # that sum over the round's window (set with the window)

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "success_rate": self.success_rate,
            "confirmed": self.confirmed,
            "included_late": self.included_late,
            "commit_throughput_tps": self.commit_throughput_tps,
            "failed": self.failed,
            "timed_out": self.timed_out,
            "timed_out_by_reason": self.timed_out_by_reason,
            "queued_next_nonce": self.queued_next_nonce,
            "pending": self.pending,
            "latency_s": self.latency_s.as_json(),
            "latency_confirmed_s": self.latency_confirmed_s.as_json(),
            "gas_used_p50": self.gas_used_p50,
            "gas_used": self.gas_used,
            "gas_per_s": rounded(self.gas_per_s),
        }

    @classmethod
    def from_json(cls, doc: Json) -> WriteOutcome:
        return cls(
            sent=doc.get("sent") or 0,
            success_rate=doc.get("success_rate"),
            confirmed=doc.get("confirmed") or 0,
            included_late=doc.get("included_late") or 0,
            commit_throughput_tps=doc.get("commit_throughput_tps") or 0.0,
            failed=dict(doc.get("failed") or {}),
            timed_out=doc.get("timed_out") or 0,
            timed_out_by_reason=dict(doc.get("timed_out_by_reason") or {}),
            queued_next_nonce=doc.get("queued_next_nonce") or 0,
            pending=doc.get("pending") or 0,
            latency_s=AcceptedLatency.from_json(doc.get("latency_s")),
            latency_confirmed_s=Percentiles.from_json(doc.get("latency_confirmed_s")),
            gas_used_p50=doc.get("gas_used_p50"),
            gas_used=doc.get("gas_used") or 0,
            gas_per_s=doc.get("gas_per_s") or 0.0,
        )


@dataclass(frozen=True, slots=True)
class ReadOutcome:
    """The reads of a round (eth_call, eth_getBalance ...), or of one read kind: answered ok or failed by
    reason, and their latency from intended send time to the answer."""

    sent: int = 0
    ok: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    throughput_tps: float = 0.0
    latency_s: Percentiles = field(default_factory=Percentiles)

    def as_json(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "throughput_tps": self.throughput_tps,
            "latency_s": self.latency_s.as_json(),
        }

    @classmethod
    def from_json(cls, doc: Json) -> ReadOutcome:
        return cls(
            sent=doc.get("sent") or 0,
            ok=doc.get("ok") or 0,
            failed=dict(doc.get("failed") or {}),
            throughput_tps=doc.get("throughput_tps") or 0.0,
            latency_s=Percentiles.from_json(doc.get("latency_s")),
        )


KindOutcome = WriteOutcome | ReadOutcome


def kind_from_json(doc: Json) -> KindOutcome:
    """A `by_kind` entry: reads are the ones answered `ok`, writes the ones `confirmed`."""
    return ReadOutcome.from_json(doc) if "ok" in doc else WriteOutcome.from_json(doc)


@dataclass(frozen=True, slots=True)
class WorkerLag:
    """One worker's share of a distributed round: its sends and how far behind its schedule it was."""

    sent: int = 0
    schedule_lag_s: Percentiles = field(default_factory=Percentiles)

    def as_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "schedule_lag_s": self.schedule_lag_s.as_json()}

    @classmethod
    def from_json(cls, doc: Json) -> WorkerLag:
        return cls(doc.get("sent") or 0, Percentiles.from_json(doc.get("schedule_lag_s")))


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """One round's numbers (see bench.results.stats for their definitions), as written to summary.json.

    `verdict` is None for a round read from a summary that gave none (written before verdicts existed)."""

    index: int
    label: str
    warmup: bool
    controller: dict[str, Any]
    planned: int
    sent: int
    confirmed: int
    failed: dict[str, int]
    timed_out: int
    pending: int
    send_rate_tps: float
    throughput_tps: float
    latency_s: AcceptedLatency
    window_s: tuple[float, float] | None
    schedule_lag_s: Percentiles
    submit_latency_s: Percentiles
    notes: list[str] = field(default_factory=list)
    generator_cpu_s: float | None = None
    locust_submit: dict[str, Any] = field(default_factory=dict)  # Locust's own statistics, passed through
    reads: ReadOutcome | None = None
    by_kind: dict[str, KindOutcome] = field(default_factory=dict)
    commit_throughput_tps: float = 0.0
    by_worker: dict[str, WorkerLag] = field(default_factory=dict)
    success_rate: float | None = None
    latency_confirmed_s: Percentiles = field(default_factory=Percentiles)
    timed_out_by_reason: dict[str, int] = field(default_factory=dict)
    included_late: int = 0
    included_unrecorded: int = 0
    queued_next_nonce: int = 0
    verdict: Verdict | None = field(default_factory=Verdict)
    load: dict[str, int] = field(default_factory=dict)
    gas_used_p50: int | None = None  # gas used per confirmed write (its receipt), median
    gas_used: int = 0  # the confirmed writes' gas
    gas_per_s: float = 0.0  # gas_used over the window, beside throughput_tps
    # `target.confirm_at`: whose holding the block `latency_s` counts to ("2 of 3 nodes (majority)"), and
    # the observer's own, node 0's (bench.results.propagation.headline_at); None: node 0's is the headline
    latency_at: str | None = None
    latency_node0_s: AcceptedLatency | None = None

    @property
    def valid(self) -> bool:
        """Valid unless its verdict says otherwise (a round without a verdict is not known to be invalid)."""
        return self.verdict is None or self.verdict.valid

    @property
    def failure_rate(self) -> float | None:
        """(failed + timed out) / sent, None when nothing was sent."""
        if not self.sent:
            return None
        return (sum(self.failed.values()) + self.timed_out) / self.sent

    def as_json(self) -> dict[str, Any]:
        out = {
            "label": self.label,
            "warmup": self.warmup,
            **(self.verdict.as_json() if self.verdict is not None else {}),
            "controller": self.controller,
            "load": self.load,
            "planned": self.planned,
            "sent": self.sent,
            "success_rate": self.success_rate,
            "confirmed": self.confirmed,
            "included_late": self.included_late,
            "included_unrecorded": self.included_unrecorded,
            "failed": self.failed,
            "timed_out": self.timed_out,
            "timed_out_by_reason": self.timed_out_by_reason,
            "queued_next_nonce": self.queued_next_nonce,
            "pending": self.pending,
            "send_rate_tps": rounded(self.send_rate_tps),
            "throughput_tps": rounded(self.throughput_tps),
            "commit_throughput_tps": self.commit_throughput_tps,
            "gas_used_p50": self.gas_used_p50,
            "gas_used": self.gas_used,
            "gas_per_s": rounded(self.gas_per_s),
            "latency_s": self.latency_s.as_json(),
            "latency_confirmed_s": self.latency_confirmed_s.as_json(),
            "window_s": list(self.window_s) if self.window_s else None,
            "schedule_lag_s": self.schedule_lag_s.as_json(),
            "submit_latency_s": self.submit_latency_s.as_json(),
            "notes": self.notes,
            "generator_cpu_s": None if self.generator_cpu_s is None else rounded(self.generator_cpu_s, 3),
            "locust_submit": self.locust_submit,
            "reads": self.reads.as_json() if self.reads is not None else None,
            "by_kind": {kind: part.as_json() for kind, part in self.by_kind.items()},
        }
        if self.latency_at is not None and self.latency_node0_s is not None:
            out["latency_at"] = self.latency_at
            out["latency_node0_s"] = self.latency_node0_s.as_json()
        if self.by_worker:  # distributed runs only
            out["by_worker"] = {worker: lag.as_json() for worker, lag in self.by_worker.items()}
        return out

    @classmethod
    def from_json(cls, doc: Json, index: int) -> RoundSummary:
        """The round at position `index` of a summary.json's `rounds`."""
        window = doc.get("window_s")
        reads = doc.get("reads")
        return cls(
            index=index,
            label=str(doc.get("label", "")),
            warmup=bool(doc.get("warmup")),
            controller=dict(doc.get("controller") or {}),
            planned=doc.get("planned") or 0,
            sent=doc.get("sent") or 0,
            confirmed=doc.get("confirmed") or 0,
            failed=dict(doc.get("failed") or {}),
            timed_out=doc.get("timed_out") or 0,
            pending=doc.get("pending") or 0,
            send_rate_tps=doc.get("send_rate_tps") or 0.0,
            throughput_tps=doc.get("throughput_tps") or 0.0,
            latency_s=AcceptedLatency.from_json(doc.get("latency_s")),
            window_s=(window[0], window[1]) if window else None,
            schedule_lag_s=Percentiles.from_json(doc.get("schedule_lag_s")),
            submit_latency_s=Percentiles.from_json(doc.get("submit_latency_s")),
            notes=list(doc.get("notes") or []),
            generator_cpu_s=doc.get("generator_cpu_s"),
            locust_submit=dict(doc.get("locust_submit") or {}),
            reads=ReadOutcome.from_json(reads) if reads else None,
            by_kind={kind: kind_from_json(part) for kind, part in (doc.get("by_kind") or {}).items()},
            commit_throughput_tps=doc.get("commit_throughput_tps") or 0.0,
            by_worker={w: WorkerLag.from_json(lag) for w, lag in (doc.get("by_worker") or {}).items()},
            success_rate=doc.get("success_rate"),
            latency_confirmed_s=Percentiles.from_json(doc.get("latency_confirmed_s")),
            timed_out_by_reason=dict(doc.get("timed_out_by_reason") or {}),
            included_late=doc.get("included_late") or 0,
            included_unrecorded=doc.get("included_unrecorded") or 0,
            queued_next_nonce=doc.get("queued_next_nonce") or 0,
            verdict=Verdict.from_json(doc) if "valid" in doc else None,
            load=dict(doc.get("load") or {}),
            gas_used_p50=doc.get("gas_used_p50"),
            gas_used=doc.get("gas_used") or 0,
            gas_per_s=doc.get("gas_per_s") or 0.0,
            latency_at=doc.get("latency_at"),
            latency_node0_s=AcceptedLatency.from_json(doc["latency_node0_s"])
            if "latency_node0_s" in doc
            else None,
        )
