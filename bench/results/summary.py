"""Builds summary.json, chainmark's public result format that users read in CI, from the run store.

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
"""

from __future__ import annotations

from typing import Any

from bench.results.stats import RoundSummary, summarize
from bench.results.store import RunStore

SUMMARY_SCHEMA_VERSION = 2

DEFINITIONS = {
    "success_rate": "confirmed / sent, writes only",
    "latency_s": "seen-in-block time minus intended send time, seconds, exact nearest-rank percentiles over "
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


def build_summary(store: RunStore, summaries: list[RoundSummary] | None = None) -> dict[str, Any]:
    """The summary.json document of the run in `store`."""
    meta = store.meta()
    summaries = summaries if summaries is not None else summarize(store)
    out = {
        "schema_version": SUMMARY_SCHEMA_VERSION,
        "workload": meta.get("workload"),
        "status": meta.get("status"),
        "error": meta.get("error"),
        "seed": meta.get("seed"),
        "started": meta.get("started"),
        "ended": meta.get("ended"),
        "chainmark": meta.get("chainmark"),
        "target": meta.get("target", {}),
        "plan": meta.get("plan", {}),
        "observer": meta.get("observer"),
        "machine": meta.get("machine", {}),
        "rounds": [s.as_json() for s in summaries],
        "definitions": DEFINITIONS,
    }
    if "workers" in meta:  # a distributed run: its workers, clock offsets and losses
        out["workers"] = meta["workers"]
    return out
