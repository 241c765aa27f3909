"""Renders the run report's round table (HTML): a row per round with every column of `REPORT_COLUMNS`,
then, marked with an arrow, a row per kind of its mix and per worker of a distributed round."""

from __future__ import annotations

import html
from collections.abc import Mapping

from bench.report.columns import REPORT_COLUMNS
from bench.report.round_text import format_latency_ms, format_success
from bench.results.round_summary import KindOutcome, ReadOutcome, RoundSummary, WorkerLag
from bench.results.summary import RunSummary

LATENCY_KEYS = tuple(f"latency_s.{k}" for k in ("p50", "p90", "p99", "p999", "max", "mean"))


def render_round_table(summary: RunSummary) -> str:
    """The table's rows, its heading first (every cell escaped here)."""
    head = "<tr>" + "".join(f"<th>{_e(c.report_heading)}</th>" for c in REPORT_COLUMNS) + "</tr>"
    rows = []
    for r in summary.rounds:
        css = ' class="invalid"' if r.verdict is not None and not r.verdict.valid else ""
        rows.append(
            f"<tr{css}>" + "".join(f"<td>{_e(c.report_text(r))}</td>" for c in REPORT_COLUMNS) + "</tr>"
        )
        rows.extend(_part_row(r.label, kind, part) for kind, part in _parts(r).items())
        rows.extend(_worker_row(r.label, worker, lag) for worker, lag in r.by_worker.items())
    return head + "".join(rows)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _parts(r: RoundSummary) -> Mapping[str, KindOutcome]:
    """The kinds of the round's mix; a round of one write kind with reads has its reads as one part."""
    if r.by_kind:
        return r.by_kind
    return {"reads": r.reads} if r.reads else {}


def _sub_row(cells: Mapping[str, object]) -> str:
    """A row under a round: the cells given by column key, "-" in every other column."""
    texts = (cells.get(c.key, "-") for c in REPORT_COLUMNS)
    return '<tr class="part">' + "".join(f"<td>{_e(t)}</td>" for t in texts) + "</tr>"


def _part_row(label: str, kind: str, part: KindOutcome) -> str:
    """A kind of a mix on its own row: writes confirmed by blocks, reads answered (latency to the answer)."""
    latency = [format_latency_ms(part.latency_s.censorable(v)) for v in part.latency_s.ordered()]
    cells: dict[str, object] = {
        "label": f"  \u21b3 {label}: {kind}",
        "verdict": "",
        "sent": part.sent,
        "failed": sum(part.failed.values()),
        **dict(zip(LATENCY_KEYS, latency, strict=True)),
    }
    if isinstance(part, ReadOutcome):
        cells.update(controller="read, answered", confirmed=part.ok, throughput_tps=_fmt(part.throughput_tps))
    else:
        cells.update(
            success_rate=format_success(part.success_rate),
            controller="write, confirmed",
            confirmed=part.confirmed,
            timed_out=part.timed_out,
            commit_throughput_tps=_fmt(part.commit_throughput_tps),
            gas_per_s=_fmt(part.gas_per_s, digits=0),
            gas_used_p50=_fmt(part.gas_used_p50, digits=0),
        )
    return _sub_row(cells)


def _worker_row(label: str, worker: str, lag: WorkerLag) -> str:
    """One worker's share of a distributed round: its sends and how far behind its schedule it was."""
    return _sub_row(
        {
            "label": f"  \u21b3 {label}: worker {worker}",
            "success_rate": "",
            "verdict": "",
            "controller": f"schedule lag p50 {_fmt(lag.schedule_lag_s.p50, 1000, 2)} ms",
            "sent": lag.sent,
            "schedule_lag_s.p99": _fmt(lag.schedule_lag_s.p99, 1000, 2),
        }
    )


def _fmt(value: float | None, scale: float = 1.0, digits: int = 1) -> str:
    return "-" if value is None else f"{value * scale:,.{digits}f}"
