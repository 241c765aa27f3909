"""Builds summary.json, chainmark's public result format that users read in CI, from the run store, and
reads it back: a run's summary travels as a `RunSummary` record, made JSON once when the file is written
(`as_json`) and read back once (`RunSummary.from_json`, `read_summary`).

Format history (schema_version):
  1  workload, status, target {url (credentials redacted), client, chain_id, block_gas_limit},
     rounds [{label, sent, confirmed, failed {reason: count}, timed_out, send_rate_tps,
     throughput_tps, latency_s {p50, p90, p99, p999, max, mean}, window_s [start, end],
     commit_throughput_tps, pending, schedule_lag_s, submit_latency_s, generator_cpu_s, locust_submit, notes,
     reads {sent, ok, failed, throughput_tps, latency_s} | null, by_kind {kind: ...}}],
     plan, observer, machine, definitions;
     distributed runs add `workers` {count, duplicates_received, nodes [{index, id, offset_ms,
     rtt_ms, lost_at, lost_in_round}]} and per round `by_worker` {index: {sent, schedule_lag_s}}
  2  per round (and per write kind in `by_kind`): `latency_s` is over every write accepted at submission,
     a never-confirmed one counting as +infinity: a percentile landing on one is null, so are max and mean
     when any is, plus `confirmed_fraction` and `censored_above_s` (a null percentile exceeds it);
     version 1's confirmed-only figures move to `latency_confirmed_s`; `success_rate` (confirmed / sent);
     `timed_out_by_reason` {pending, queued, dropped, nonce-gap, unchecked}, `included_late`,
     `included_unrecorded` (in a block, but its send record was lost with a worker),
     `queued_next_nonce`; the verdict `valid`, `invalid_reasons` [{code, detail}], `flags` [{code,
     detail}]; `load` {users, processes}. `chainmark report` rebuilds version 2 from any results store.
     Later additions to version 2 (a reader of version 2 may ignore them): `confirmations` (the depth a
     write's latency is measured to: 1, the including block itself, or k: the block that made it k deep),
     `reorgs` {count, orphaned_blocks, deepest} (the observer followed them; only blocks of the final best
     chain count), and, where the family checks its blocks, `blocks` (Bitcoin: {seen, merkle_verified,
     merkle_mismatched [heights]}).
     A run whose preparer funded its accounts in transactions of its own (the Bitcoin family) adds
     `funding` {transactions, source, ...}, counted apart from the rounds. A run on a network of several
     nodes adds `propagation` {blocks, interval_s, units, nodes [{node, blocks, delay_ms {p50...}}], outages,
     confirmed_at_nodes [{round, index, nodes, writes, 1, majority, all: latency in s, censored}]}
     (bench.results.propagation); with `target.confirm_at` each round's `latency_s` is that level's, named
     by `latency_at`, and node 0's moves to `latency_node0_s`. A run with `faults:` adds `faults` [{fault, node, action, status, detail,
     intended_s, started_s, end_action, ended_s, windows_s, success_rate, throughput_tps {before, during,
     after}, recovery_s, recovery_reason, recovery_parts_s, reorgs, orphaned_at_nodes, lost_by_reason}] (bench.results.reliability).
     Added within version 2 (fields a reader of an older file finds absent, read as their defaults):
     per round and write kind `gas_used_p50`, `gas_used`, `gas_per_s` (issue 15), `timed_out_by_reason`
     `priced-out`; `plan` {tx_type, base_fee_wei, priority_fee_wei, max_fee_cap_wei, fee_cap_wei [per round]}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.results.propagation import headline_at, propagation
from bench.results.reliability import reliability
from bench.results.round_summary import Json, RoundSummary
from bench.results.stats import summarize
from bench.results.store import RunStore

SUMMARY_SCHEMA_VERSION = 2

DEFINITIONS = {
    "success_rate": "confirmed / sent, writes only",
    "confirmations": "a write is confirmed once the block that makes its including block this many deep "
    "is seen (1: the including block itself); a block orphaned by a reorg never confirms",
    "latency_s": "seen-in-block time (of the block that made it `confirmations` deep) minus intended send "
    "time, seconds, exact nearest-rank percentiles over "
    "every write accepted at submission; one never confirmed counts as +infinity, so a percentile landing on "
    "it is null (it exceeds censored_above_s); writes rejected at submission are failures, not latency",
    "latency_confirmed_s": "the same percentiles over the confirmed writes alone",
    "timed_out_by_reason": "what the node said after the window of each accepted write never seen in a block: "
    "pending (held, executable), queued (held, not executable), dropped (unknown to the node), nonce-gap (an "
    "earlier nonce of its sender was dropped or rejected); one found in a block after all is included_late",
    "valid": "false when chainmark, not the target, shaped the round's numbers (see invalid_reasons)",
    "throughput_tps": "confirmed transactions / window_s length (the blocks that carried the round)",
    "window_s": "unix seconds: observer's sight of the block before the round's first inclusion "
    "to its sight of the block with the round's last inclusion",
    "commit_throughput_tps": "confirmed / (last confirmation seen - first intended send), Caliper's definition",
    "send_rate_tps": "(sent - 1) / (last send - first send)",
    "schedule_lag_s": "actual send time minus intended send time",
    "submit_latency_s": "eth_sendRawTransaction answer time minus send time",
    "status": "receipts fetched after the measured window; reverted counts as failed",
}


@dataclass(frozen=True, slots=True)
class Reorgs:
    """The reorgs the observer followed in a run: how many, how many blocks they orphaned, the deepest."""

    count: int
    orphaned_blocks: int
    deepest: int

    @classmethod
    def of(cls, rows: list[tuple[float, int, int, list[Any]]]) -> Reorgs:
        """From the store's `reorgs` rows (at, fork, depth, orphaned)."""
        depths = [depth for _, _, depth, _ in rows]
        return cls(len(depths), sum(depths), max(depths, default=0))

    def as_json(self) -> dict[str, int]:
        return {"count": self.count, "orphaned_blocks": self.orphaned_blocks, "deepest": self.deepest}

    @classmethod
    def from_json(cls, doc: Json) -> Reorgs:
        return cls(int(doc.get("count", 0)), int(doc.get("orphaned_blocks", 0)), int(doc.get("deepest", 0)))


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run's summary.json as a record: what ran, how it ended, and every round's numbers.

    `target`, `plan`, `machine` and `workers` (a distributed run's workers, clock offsets and losses)
    are the run's metadata as the engine recorded it, passed through as they are."""

    workload: str | None
    status: str | None
    rounds: tuple[RoundSummary, ...] = ()
    error: str | None = None
    seed: int | None = None
    started: float | None = None
    ended: float | None = None
    chainmark: str | None = None
    target: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    observer: str | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    workers: dict[str, Any] | None = None
    confirmations: int = 1
    reorgs: Reorgs = field(default_factory=lambda: Reorgs(0, 0, 0))
    blocks: dict[str, Any] = field(default_factory=dict)  # the family's own checks (AfterWindow.record)
    funding: dict[str, Any] | None = None  # the preparer's funding transactions, where it records them
    propagation: dict[str, Any] | None = None  # block propagation per node, on a network of several nodes
    faults: list[dict[str, Any]] | None = None  # reliability per fault (bench.results.reliability)
    schema_version: int = SUMMARY_SCHEMA_VERSION  # as the file says (compare checks it before reading)

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.rounds]

    def round(self, label: str) -> RoundSummary | None:
        """The first round named `label`, or None."""
        return next((r for r in self.rounds if r.label == label), None)

    def as_json(self) -> dict[str, Any]:
        out = {
            "schema_version": self.schema_version,
            "workload": self.workload,
            "status": self.status,
            "error": self.error,
            "seed": self.seed,
            "started": self.started,
            "ended": self.ended,
            "chainmark": self.chainmark,
            "target": self.target,
            "plan": self.plan,
            "observer": self.observer,
            "machine": self.machine,
            "confirmations": self.confirmations,
            "reorgs": self.reorgs.as_json(),
            **({"blocks": self.blocks} if self.blocks else {}),
            "rounds": [r.as_json() for r in self.rounds],
            "definitions": DEFINITIONS,
        }
        if self.workers is not None:  # a distributed run: its workers, clock offsets and losses
            out["workers"] = self.workers
        if self.funding is not None:
            out["funding"] = self.funding
        if self.propagation is not None:
            out["propagation"] = self.propagation
        if self.faults is not None:
            out["faults"] = self.faults
        return out

    @classmethod
    def from_json(cls, doc: Json) -> RunSummary:
        """The record of a summary.json document (`definitions` are this chainmark's, not re-read)."""
        return cls(
            workload=doc.get("workload"),
            status=doc.get("status"),
            rounds=tuple(RoundSummary.from_json(r, i) for i, r in enumerate(doc.get("rounds") or [])),
            error=doc.get("error"),
            seed=doc.get("seed"),
            started=doc.get("started"),
            ended=doc.get("ended"),
            chainmark=doc.get("chainmark"),
            target=dict(doc.get("target") or {}),
            plan=dict(doc.get("plan") or {}),
            observer=doc.get("observer"),
            machine=dict(doc.get("machine") or {}),
            workers=doc.get("workers"),
            confirmations=int(doc.get("confirmations", 1)),
            reorgs=Reorgs.from_json(doc.get("reorgs") or {}),
            blocks=dict(doc.get("blocks") or {}),
            funding=doc.get("funding"),
            propagation=doc.get("propagation"),
            faults=doc.get("faults"),
            schema_version=doc.get("schema_version", 0),
        )


def run_summary(store: RunStore, summaries: list[RoundSummary] | None = None) -> RunSummary:
    """The summary of the run in `store` (its rounds summarised unless `summaries` are given)."""
    meta = store.meta()
    rounds = list(summaries if summaries is not None else summarize(store))
    spread = propagation(store)
    if spread is not None and meta.get("confirm_at"):
        rounds = headline_at(rounds, spread, str(meta["confirm_at"]))
    return RunSummary(
        workload=meta.get("workload"),
        status=meta.get("status"),
        rounds=tuple(rounds),
        error=meta.get("error"),
        seed=meta.get("seed"),
        started=meta.get("started"),
        ended=meta.get("ended"),
        chainmark=meta.get("chainmark"),
        target=meta.get("target", {}),
        plan=meta.get("plan", {}),
        observer=meta.get("observer"),
        machine=meta.get("machine", {}),
        workers=meta.get("workers"),
        confirmations=int(meta.get("confirmations", 1)),
        reorgs=Reorgs.of(store.reorgs()),
        blocks=meta.get("blocks", {}),
        funding=meta.get("funding"),
        propagation=spread,
        faults=reliability(store),
    )


def build_summary(store: RunStore, summaries: list[RoundSummary] | None = None) -> dict[str, Any]:
    """The summary.json document of the run in `store`."""
    return run_summary(store, summaries).as_json()


def read_summary(file: Path) -> RunSummary:
    """A summary.json file read back into its record."""
    return RunSummary.from_json(json.loads(file.read_text(encoding="utf-8")))
