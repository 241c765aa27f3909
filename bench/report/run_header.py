"""Formats the run report's header table from the run's metadata as its store recorded it: what ran,
where, on what machine, with which plan, and how its blocks were observed (every value HTML-escaped)."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _time(unix: object) -> str:
    if not isinstance(unix, int | float):
        return "-"
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def render_header(meta: dict[str, Any]) -> str:
    """The header table's rows: workload, status, target, machine, versions, seed, times, plan, observer ..."""
    target, machine, plan = meta.get("target", {}), meta.get("machine", {}), meta.get("plan", {})
    versions = ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
    rows = [
        ("Workload", f"{meta.get('workload', '')} ({meta.get('workload_path', '')})"),
        ("Status", meta.get("status", "")),
        (
            "Target",
            f"{target.get('url', '')} - {target.get('client', '')}, chain id {target.get('chain_id', '')}, "
            f"block gas limit {target.get('block_gas_limit', '')}"
            + (
                f", {_managed(target)}, block time {target['block_time_s']:g} s"
                if "block_time_s" in target
                else ""
            ),
        ),
        (
            "Machine",
            f"{machine.get('cpu', '')}, {machine.get('cores', '')} cores, {machine.get('memory_gib', '')} GiB, "
            f"{machine.get('os', '')}, Python {machine.get('python', '')}",
        ),
        ("Versions", versions),
        ("Seed", meta.get("seed", "")),
        ("Started / ended", f"{_time(meta.get('started'))} / {_time(meta.get('ended'))}"),
        (
            "Plan",
            f"{plan.get('tx_count', '-')} transactions signed before the clock started, in "
            f"{plan.get('signing_seconds', '-')} s on {plan.get('processes', '-')} processes; "
            + _pricing_text(plan),
        ),
        ("Observer", f"{meta.get('observer', '-')}; {meta.get('verification', 'receipts not fetched')}"),
        ("Prometheus", _prometheus_line(meta.get("prometheus"))),
    ]
    if "workers" in meta:
        rows.append(("Workers", _workers_line(meta["workers"])))
    if meta.get("error"):
        rows.append(("Error", meta["error"]))
    return "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)


def _managed(target: dict[str, Any]) -> str:
    """ "managed hardhat 2.29.1" (a run before chainmark named its managed node: "managed")."""
    node = target.get("node") or {}
    return " ".join(["managed", *(str(node[k]) for k in ("name", "version") if node.get(k))])


def _workers_line(workers: dict[str, Any]) -> str:
    """A distributed run's workers: clock offset from the master (round trip), and any that were lost."""
    nodes = workers.get("nodes", [])
    clocks = ", ".join(
        f"worker {n['index']} {n['offset_ms']:+.3f} ms (round trip {n['rtt_ms']:.3f} ms)"
        + (f", lost in round {n['lost_in_round']}" if n.get("lost_in_round") is not None else "")
        for n in nodes
    )
    return (
        f"{len(nodes)} Locust workers under a master in chainmark's process; clock offset from the master: "
        f"{clocks}; duplicate records received: {workers.get('duplicates_received', 0)}"
    )


def _pricing_text(plan: dict[str, Any]) -> str:
    """What the plan's transactions offer: type 2's base fee, tip and caps per round, else the gas price."""
    if plan.get("tx_type") != 2:
        return f"type {plan.get('tx_type', 0)}, gas price {plan.get('gas_price_wei', '-')} wei"
    caps = ", ".join(f"{c:,}" for c in plan.get("fee_cap_wei") or [])
    return (
        f"type 2 (EIP-1559), base fee at plan {plan.get('base_fee_wei', 0):,} wei, tip "
        f"{plan.get('priority_fee_wei', 0):,} wei, fee cap per round {caps} wei"
    )


def _prometheus_line(info: dict[str, Any] | None) -> str:
    if not info:
        return "not configured"
    error = f"; last error: {info['last_error']}" if info.get("last_error") else ""
    return f"{info.get('url')}: {info.get('scrapes', 0)} scrapes{error}"
