"""bench.report.columns: one column definition heads and fills the terminal table, the run report's
round table and the comparison's tables; a column reads what its summary.json path names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from bench.report.columns import BY_KEY, COLUMNS, COMPARED_COLUMNS, REPORT_COLUMNS, TERMINAL_COLUMNS, columns
from bench.report.round_table import render_round_table
from bench.results.comparison import METRICS, metric_value
from bench.results.percentiles import Censored
from bench.results.round_summary import RoundSummary
from bench.results.summary import RunSummary, run_summary
from tests.results.mixed_store import mixed_store


@pytest.fixture
def summary(tmp_path: Path) -> RunSummary:
    store = mixed_store(tmp_path / "results.sqlite")
    out = run_summary(store)
    store.close()
    return out


def test_every_key_is_defined_once() -> None:
    assert len(BY_KEY) == len(COLUMNS)
    with pytest.raises(KeyError):
        columns("latency_s.p42")


def test_the_comparison_tables_are_the_compared_metrics() -> None:
    assert tuple(c.key for c in COMPARED_COLUMNS) == METRICS
    assert [c.title for c in COMPARED_COLUMNS] == [
        "success rate (%)",
        "throughput (tx/s)",
        "latency p50 (ms)",
        "latency p90 (ms)",
        "latency p99 (ms)",
        "latency p99.9 (ms)",
        "latency max (ms)",
        "failure rate (%)",
    ]


def test_the_terminal_headings() -> None:
    assert [c.terminal_heading for c in TERMINAL_COLUMNS] == [
        "round", "success", "sent", "confirmed", "failed", "timed out", "send tx/s", "throughput tx/s",
        "p50 ms", "p99 ms", "max ms", "lag p99 ms", "verdict",
    ]  # fmt: skip


def test_the_run_report_headings() -> None:
    assert [c.report_heading for c in REPORT_COLUMNS] == [
        "Round", "Success (%)", "Verdict", "Rate", "Sent", "Confirmed", "Failed", "Timed out",
        "Send rate (tx/s)", "Throughput (tx/s)", "Commit throughput (tx/s)", "Gas per second (gas/s)",
        "Gas per tx p50 (gas)", "Latency p50 (ms)", "p90",
        "p99", "p99.9", "max", "mean", "Window (s)", "Schedule lag p99 (ms)",
    ]  # fmt: skip


def _same(value: object, resolved: float | None) -> bool:
    if isinstance(value, Censored):
        return resolved == math.inf
    return value == resolved or value == pytest.approx(resolved)


def test_a_column_reads_what_its_path_names(summary: RunSummary) -> None:
    """Where a column's key is a numeric summary.json path, the typed getter and the path agree (the
    tables and the gates see the same number); a censored latency is unbounded on both sides."""
    checked = 0
    for r in summary.rounds:
        for column in COLUMNS:
            try:
                resolved = metric_value(r, column.key)
            except KeyError:
                continue  # a word, a sum or a length: no single number at that path
            assert _same(column.value(r), resolved), (r.label, column.key)
            checked += 1
    assert checked >= 2 * 12


def test_the_round_table_has_a_cell_per_column_in_every_row(summary: RunSummary) -> None:
    table = render_round_table(summary)
    rows = table.split("</tr>")[:-1]
    assert len(rows) == 1 + 2 + 3 + 2 + 2  # heading, rounds, kinds of the mix, workers of each round
    assert all(row.count("<td>") + row.count("<th>") == len(REPORT_COLUMNS) for row in rows)
    assert '<tr class="invalid">' in table  # the round a worker was lost in


def test_cells(summary: RunSummary) -> None:
    mix: RoundSummary = summary.rounds[0]
    cells = {c.key: (c.text(mix), c.report_text(mix)) for c in COLUMNS}
    assert cells["sent"] == ("40", "40")
    assert cells["latency_s.p99"] == ("> 17.1 s", "> 17.1 s")
    assert cells["verdict"] == ("INVALID: worker-lost",) * 2
    assert cells["label"] == ("mix",) * 2 and summary.rounds[1].label == "warm"
    assert BY_KEY["label"].text(summary.rounds[1]) == "warm (warm-up)"
