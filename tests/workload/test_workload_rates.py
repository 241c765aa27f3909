"""The rate controllers' YAML: each controller's keys, step lists, and trace files (CSV and YAML) with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import WorkloadError
from bench.workload import load_workload, parse_workload
from bench.workload.spec import FixedConcurrency, LinearRate, MaximumRate, StepRate, Trace


def _workload(tmp_path: Path, rate: str, length: str = "") -> Path:
    extra = f", {length}" if length else ""
    path = tmp_path / "w.yaml"
    path.write_text(f"name: t\nrounds:\n  - {{label: a, rate: {rate}{extra}}}\n", encoding="utf-8")
    return path


def _error(tmp_path: Path, rate: str, length: str = "") -> str:
    with pytest.raises(WorkloadError) as info:
        load_workload(_workload(tmp_path, rate, length))
    return str(info.value)


def test_every_controller_reads(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("t_s,tps\n0,10\n5,20\n", encoding="utf-8")
    cases = {
        "{type: linear-rate, start_tps: 1, end_tps: 9}": ("duration: 3s", LinearRate(1.0, 9.0)),
        "{type: step-rate, steps: [{duration: 1s, tps: 5}]}": ("", StepRate(((1.0, 5.0),))),
        "{type: trace, file: t.csv, scale: 2}": (
            "",
            Trace(((0.0, 20.0), (5.0, 40.0)), "interpolate", "t.csv"),
        ),
        "{type: fixed-concurrency, clients: 4}": ("tx_count: 10", FixedConcurrency(4)),
        "{type: maximum-rate, max_outstanding: 50}": ("duration: 2s", MaximumRate(50)),
    }
    for rate, (length, expected) in cases.items():
        assert load_workload(_workload(tmp_path, rate, length)).rounds[0].rate == expected


def test_step_and_trace_rounds_take_their_length_from_the_rate(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("- [0, 10]\n- [7.5, 0]\n", encoding="utf-8")
    steps = load_workload(
        _workload(tmp_path, "{type: step-rate, steps: [{duration: 2s, tps: 5}, {duration: 3s, tps: 1}]}")
    )
    trace = load_workload(_workload(tmp_path, "{type: trace, file: t.yaml, mode: step}"))
    assert steps.rounds[0].duration == 5.0
    assert trace.rounds[0].duration == 7.5
    cut = load_workload(_workload(tmp_path, "{type: trace, file: t.yaml}", "duration: 2s"))
    assert cut.rounds[0].duration == 2.0


@pytest.mark.parametrize(
    ("rate", "length", "message"),
    [
        (
            "{type: linear-rate, start_tps: 1, end_tps: 9}",
            "tx_count: 5",
            "w.yaml:3: rounds[0]: duration: required for linear-rate",
        ),
        (
            "{type: linear-rate, start_tps: 0, end_tps: 0}",
            "duration: 1s",
            "w.yaml:3: rounds[0].rate.end_tps: start_tps and end_tps cannot both be 0, got 0",
        ),
        (
            "{type: linear-rate, start_tps: 5}",
            "duration: 1s",
            "w.yaml:3: rounds[0].rate: end_tps: required for linear-rate",
        ),
        ("{type: step-rate, steps: []}", "", "w.yaml:3: rounds[0].rate.steps: expected at least one step"),
        (
            "{type: step-rate, steps: [{duration: 1s}]}",
            "",
            "w.yaml:3: rounds[0].rate.steps[0]: each step needs duration and tps, e.g. {duration: 10s, tps: 100}",
        ),
        (
            "{type: step-rate, steps: [{duration: 1s, tps: 0}]}",
            "",
            "w.yaml:3: rounds[0].rate.steps: at least one step needs tps > 0",
        ),
        (
            "{type: step-rate, steps: [{duration: 1s, tps: -1}]}",
            "",
            "w.yaml:3: rounds[0].rate.steps[0].tps: must be >= 0, got -1",
        ),
        (
            "{type: step-rate, steps: [{duration: 1s, tps: 1}]}",
            "tx_count: 3",
            "w.yaml:3: rounds[0].tx_count: not for step-rate: its length comes from its steps or trace",
        ),
        ("{type: poisson, tps: 0}", "duration: 1s", "w.yaml:3: rounds[0].rate.tps: must be > 0, got 0"),
        (
            "{type: poisson, tps: 5, seed: -1}",
            "duration: 1s",
            "w.yaml:3: rounds[0].rate.seed: must be >= 0, got -1",
        ),
        (
            "{type: fixed-concurrency}",
            "duration: 1s",
            "w.yaml:3: rounds[0].rate: clients: required for fixed-concurrency",
        ),
        (
            "{type: fixed-concurrency, clients: 0}",
            "duration: 1s",
            "w.yaml:3: rounds[0].rate.clients: must be >= 1, got 0",
        ),
        (
            "{type: maximum-rate, in_flight: 3}",
            "duration: 1s",
            "w.yaml:3: rounds[0].rate.in_flight: unknown key for maximum-rate, expected one of type, max_outstanding, max_tps, got 'in_flight'",
        ),
        (
            "{type: trace, file: t.csv, mode: smooth}",
            "",
            "w.yaml:3: rounds[0].rate.mode: expected interpolate or step, got 'smooth'",
        ),
    ],
)
def test_bad_rates(tmp_path: Path, rate: str, length: str, message: str) -> None:
    (tmp_path / "t.csv").write_text("0,1\n1,2\n", encoding="utf-8")
    assert _error(tmp_path, rate, length) == f"{tmp_path}/{message}"


def test_missing_trace_file(tmp_path: Path) -> None:
    message = _error(tmp_path, "{type: trace, file: nowhere.csv}")
    assert (
        f"{tmp_path / 'w.yaml'}:3: rounds[0].rate.file: cannot read trace file {tmp_path / 'nowhere.csv'}"
        in message
    )
    assert message.endswith("got 'nowhere.csv'")


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("t.csv", "t_s,tps\n0,10\nfive,20\n", "t.csv:3: expected two numbers (t_s, tps), got ['five', '20']"),
        ("t.csv", "0,10\n5\n", "t.csv:2: expected two numbers (t_s, tps), got ['5']"),
        ("t.csv", "0,10\n5,20\n5,30\n", "t.csv:3: t_s must increase, got 5 after 5"),
        ("t.csv", "0,10\n5,-1\n", "t.csv:2: t_s and tps must be finite and >= 0, got ['5', '-1']"),
        ("t.csv", "0,10\n", "t.csv: a trace needs at least two points, the first at t_s 0"),
        ("t.csv", "1,10\n2,10\n", "t.csv: a trace needs at least two points, the first at t_s 0"),
        ("t.csv", "0,0\n2,0\n", "t.csv: every tps in the trace is 0"),
        ("t.yaml", "{a: 1}\n", "t.yaml:1: expected a list of [t_s, tps] pairs"),
        ("t.yaml", "- [0, 1]\n- [1, x]\n", "t.yaml:2: expected two numbers (t_s, tps), got ['1', 'x']"),
        ("t.yaml", "- [0, 1\n", "t.yaml:2: invalid YAML: expected ',' or ']'"),
    ],
)
def test_malformed_trace_files(tmp_path: Path, name: str, content: str, expected: str) -> None:
    (tmp_path / name).write_text(content, encoding="utf-8")
    message = _error(tmp_path, f"{{type: trace, file: {name}}}")
    assert message.startswith(str(tmp_path / expected))


def test_huge_trace_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("0,1\n" * 1_300_000, encoding="utf-8")
    assert "the limit is 5000000" in _error(tmp_path, "{type: trace, file: t.csv}")


def test_inline_rate_without_a_file_path_uses_the_workload_folder(tmp_path: Path) -> None:
    text = "name: t\nrounds: [{label: a, rate: {type: trace, file: t.csv}}]\n"
    with pytest.raises(WorkloadError, match=r"cannot read trace file t\.csv"):
        parse_workload(text, "w.yaml")


@pytest.mark.parametrize(
    ("round_text", "message"),
    [
        ("mix: []", "w.yaml:3: rounds[0].mix: expected at least one {weight, tx} entry"),
        ("mix: [{weight: 0, tx: {kind: transfer}}]", "w.yaml:3: rounds[0].mix[0].weight: must be > 0, got 0"),
        (
            "mix: [{weight: 1}]",
            "w.yaml:3: rounds[0].mix[0]: tx: required (e.g. {weight: 3, tx: {kind: transfer}})",
        ),
        (
            "tx: {kind: transfer}, mix: [{tx: {kind: transfer}}]",
            "w.yaml:3: rounds[0].mix: give tx (one kind) or mix (weighted kinds), not both",
        ),
        (
            "tx: {kind: transfer, to: {distribution: pareto}}",
            "w.yaml:3: rounds[0].tx.to.distribution: unknown distribution, expected one of uniform, zipfian, hotspot, got 'pareto'",
        ),
        (
            "tx: {kind: transfer, to: {distribution: uniform, theta: 0.9}}",
            "w.yaml:3: rounds[0].tx.to.theta: only for distribution zipfian",
        ),
        (
            "from: {distribution: hotspot, hot_fraction: 1.5}",
            "w.yaml:3: rounds[0].from.hot_fraction: must be between 0 and 1 (exclusive), got 1.5",
        ),
        (
            "tx: {kind: balance-read, value_wei: 1}",
            "w.yaml:3: rounds[0].tx.value_wei: unknown key for balance-read, expected one of kind, of, got 'value_wei'",
        ),
    ],
)
def test_bad_mixes_and_choices(tmp_path: Path, round_text: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        f"name: t\nrounds:\n  - {{label: a, tx_count: 5, rate: {{type: fixed-rate, tps: 5}}, {round_text}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(WorkloadError) as info:
        load_workload(path)
    assert str(info.value) == f"{tmp_path}/{message}"
