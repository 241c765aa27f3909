"""bench.report.compare: synthetic run folders (real summary.json via write_outputs) -> tables, ratios, groups, gates."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench.cli import main
from bench.errors import WorkloadError
from bench.report.compare import compare_runs
from bench.report.compare_cells import format_number
from bench.report.gates import parse_gate
from bench.results.comparison import group_runs
from bench.results.confidence import mean_interval, t_critical
from bench.results.run_folder import RunFolder
from bench.results.summary import RunSummary
from tests.report.synthetic_runs import MACHINE, make_run
from tests.report.synthetic_runs import summary_round as _summary_round


def _doc(out: Path) -> dict[str, Any]:
    return json.loads((out / "comparison.json").read_text(encoding="utf-8"))


def _round(doc: dict[str, Any], label: str) -> dict[str, Any]:
    return next(r for r in doc["rounds"] if r["label"] == label)


# --- confidence ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "t"), [(1, 12.706), (2, 4.303), (10, 2.228), (30, 2.042), (31, 1.96), (500, 1.96)]
)
def test_t_critical_table(df: int, t: float) -> None:
    assert t_critical(df) == t


def test_t_critical_rejects_zero_df() -> None:
    with pytest.raises(ValueError):
        t_critical(0)


def test_mean_interval_student_t() -> None:
    iv = mean_interval([1.0, 2.0, 3.0])  # s = 1, df = 2
    assert iv.mean == 2.0 and iv.n == 3
    half = 4.303 / math.sqrt(3)
    assert iv.low == pytest.approx(2.0 - half) and iv.high == pytest.approx(2.0 + half)


def test_mean_interval_of_one_has_no_interval() -> None:
    iv = mean_interval([5.0])
    assert (iv.mean, iv.low, iv.high) == (5.0, None, None)
    assert iv.overlaps(mean_interval([1.0, 2.0])) is None


def test_overlap() -> None:
    a, b, c = (
        mean_interval([1.0, 1.1, 0.9]),
        mean_interval([1.05, 1.15, 0.95]),
        mean_interval([5.0, 5.1, 4.9]),
    )
    assert a.overlaps(b) is True and a.overlaps(c) is False and c.overlaps(a) is False


# --- gate parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "metric", "op", "pct", "label"),
    [
        ("throughput_tps<-5%", "throughput_tps", "<", -5.0, None),
        ("latency_s.p99>+10%", "latency_s.p99", ">", 10.0, None),
        (" latency_s.p50 > 2.5 % @steady ", "latency_s.p50", ">", 2.5, "steady"),
        ("failure_rate>+0%@warm up", "failure_rate", ">", 0.0, "warm up"),
    ],
)
def test_parse_gate(text: str, metric: str, op: str, pct: float, label: str | None) -> None:
    gate = parse_gate(text)
    assert (gate.metric, gate.op, gate.percent, gate.label) == (metric, op, pct, label)


@pytest.mark.parametrize(
    "text", ["", "throughput_tps", "throughput_tps<-5", "throughput_tps=-5%", "<-5%", "p99>>1%"]
)
def test_parse_gate_malformed(text: str) -> None:
    with pytest.raises(WorkloadError, match=r"malformed gate, expected METRIC<-N% or METRIC>\+N%"):
        parse_gate(text)


# --- side by side ----------------------------------------------------------------------------


def test_side_by_side_values_and_ratios(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base", rate=100.0, delay=0.05)
    cand = make_run(tmp_path, "cand", rate=80.0, delay=0.10, failed=4)
    result = compare_runs([base, cand], tmp_path / "cmp")
    assert result.out_dir == tmp_path / "cmp" and result.failed_gates == [] and result.warnings == []
    doc = _doc(tmp_path / "cmp")
    assert doc["baseline"] == "base" and [r["label"] for r in doc["rounds"]] == ["warm", "steady"]
    steady = _round(doc, "steady")
    b, c = _summary_round(base, "steady"), _summary_round(cand, "steady")
    base_row, cand_row = steady["runs"]
    assert base_row["values"]["throughput_tps"] == b["throughput_tps"]
    assert cand_row["values"]["throughput_tps"] == c["throughput_tps"]
    assert cand_row["ratio"]["throughput_tps"] == pytest.approx(c["throughput_tps"] / b["throughput_tps"])
    assert cand_row["ratio"]["latency_s.p99"] == pytest.approx(c["latency_s"]["p99"] / b["latency_s"]["p99"])
    assert cand_row["values"]["failure_rate"] == pytest.approx(4 / 40)
    assert base_row["values"]["failure_rate"] == 0.0 and cand_row["ratio"]["failure_rate"] is None
    assert base_row["ratio"]["throughput_tps"] == 1.0
    assert cand_row["window_s"] == c["window_s"]

    md = (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
    assert (
        "| run | success rate (%) | throughput (tx/s) | latency p50 (ms) | latency p90 (ms) | latency p99 (ms) |"
        in md
    )
    tps, p99 = (
        format_number(b["throughput_tps"], "throughput_tps"),
        format_number(c["latency_s"]["p99"], "latency_s.p99"),
    )
    assert f"| base | {format_number(1.0, 'success_rate')} (baseline) | {tps} (baseline) | " in md
    assert f"| {p99} ({c['latency_s']['p99'] / b['latency_s']['p99']:.2f}x) |" in md
    assert "| 10.00 |" in md  # the candidate's failure rate, % (no ratio: the baseline's is 0)
    html = (tmp_path / "cmp" / "index.html").read_text(encoding="utf-8")
    assert html.count('<script type="text/javascript">/**') <= 1  # plotly.js inlined once
    assert html.count("Plotly.newPlot") == 2 + 2 * 2  # two bar charts, then CDF + series per round
    assert "tx/s" in html and "(ms" in html


def test_series_for_cdf_and_throughput_over_time(tmp_path: Path) -> None:
    from bench.results.run_folder import read_run_folder

    run = read_run_folder(make_run(tmp_path, "r", rate=20.0, n=40, delay=0.5))
    counts = run.confirmed_per_s["steady"]  # 40 txs at 20 tx/s seen 0.5..1 s late: seconds 0..2
    assert counts.sum() == 40 and len(counts) == 3
    assert run.latency_s["steady"][0] == pytest.approx(0.5) and len(run.latency_s["steady"]) == 40


# --- repeat groups ---------------------------------------------------------------------------


def test_repeats_grouped_with_confidence_intervals(tmp_path: Path) -> None:
    runs = [
        make_run(tmp_path, "a1", rate=100.0),
        make_run(tmp_path, "a2", rate=102.0),
        make_run(tmp_path, "a3", rate=98.0),
        make_run(tmp_path, "b1", rate=50.0, client="geth/1.14"),
        make_run(tmp_path, "b2", rate=51.0, client="geth/1.14"),
        make_run(tmp_path, "c1", rate=99.0, client="besu/24"),
    ]
    compare_runs(runs, tmp_path / "cmp")
    doc = _doc(tmp_path / "cmp")
    assert [(g["id"], g["runs"]) for g in doc["groups"]] == [
        ("G1", ["a1", "a2", "a3"]),
        ("G2", ["b1", "b2"]),
        ("G3", ["c1"]),
    ]
    stats = next(s for s in doc["group_stats"] if s["label"] == "steady")
    g1, g2, g3 = stats["groups"]
    tps = [_summary_round(r, "steady")["throughput_tps"] for r in runs[:3]]
    mean = sum(tps) / 3
    s = math.sqrt(sum((v - mean) ** 2 for v in tps) / 2)
    assert g1["metrics"]["throughput_tps"]["mean"] == pytest.approx(mean)
    assert g1["metrics"]["throughput_tps"]["high"] == pytest.approx(mean + 4.303 * s / math.sqrt(3))
    assert g1["vs_baseline_group"] is None
    assert g2["vs_baseline_group"]["throughput_tps"] == "lower"
    assert g2["vs_baseline_group"]["latency_s.p50"] == "overlap"  # identical latencies
    assert g3["metrics"]["throughput_tps"]["low"] is None
    assert g3["vs_baseline_group"]["throughput_tps"] == "no interval (group of one)"
    md = (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
    assert "(n=1, no interval)" in md and "lower, significant" in md and "(n=3)" in md
    assert "not significant (intervals overlap)" in md


# --- refusal, --force, warnings --------------------------------------------------------------


def test_different_workloads_refused_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_run(tmp_path, "base")
    other = make_run(tmp_path, "other", workload="erc20")
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(other), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "workload 'erc20' differs from the baseline's 'synthetic'" in err and "--force" in err
    assert not out.exists()


def test_different_round_labels_refused(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base")
    other = make_run(tmp_path, "other", rounds=(("warm", True), ("peak", False)))
    with pytest.raises(WorkloadError, match=r"round labels \['warm', 'peak'\] differ"):
        compare_runs([base, other], tmp_path / "cmp")


def test_force_compares_different_workloads_and_rounds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_run(tmp_path, "base")
    other = make_run(tmp_path, "other", workload="erc20", rounds=(("warm", True), ("peak", False)))
    out = tmp_path / "cmp"
    assert main(["compare", str(base), str(other), "-o", str(out), "--force"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"comparison: {out / 'index.html'}\n"
    assert "compared with --force" in captured.err
    doc = _doc(out)
    assert [r["label"] for r in doc["rounds"]] == ["warm", "steady", "peak"]
    assert _round(doc, "peak")["runs"][0]["present"] is False
    assert "no such round" in (out / "comparison.md").read_text(encoding="utf-8")
    assert [g["runs"] for g in doc["groups"]] == [["base"], ["other"]]


def test_machine_and_version_differences_are_warnings(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base")
    other = make_run(tmp_path, "other", machine={**MACHINE, "cpu": "Other CPU"}, version="0.2.0")
    result = compare_runs([base, other], tmp_path / "cmp")
    assert len(result.warnings) == 2
    assert "different machines" in result.warnings[0] and "Other CPU" in result.warnings[0]
    assert "different chainmark versions" in result.warnings[1] and "0.2.0" in result.warnings[1]
    html = (tmp_path / "cmp" / "index.html").read_text(encoding="utf-8")
    md = (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
    assert html.index("<h2>Warnings</h2>") < html.index("<h2>Runs</h2>")
    assert "different chainmark versions" in html
    assert md.index("> **Warning:** the runs used different machines") < md.index("## Runs")


def test_one_run_or_not_a_run_folder_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_run(tmp_path, "base")
    assert main(["compare", str(base), "-o", str(tmp_path / "cmp")]) == 2
    assert "at least two run folders" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(base), str(tmp_path / "empty"), "-o", str(tmp_path / "cmp")]) == 2
    assert "no summary.json" in capsys.readouterr().err


# --- gates -----------------------------------------------------------------------------------


def test_gates_fail_with_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_run(tmp_path, "base", rate=100.0)
    slow = make_run(tmp_path, "slow", rate=80.0, delay=0.2)
    out = tmp_path / "cmp"
    argv = ["compare", str(base), str(slow), "-o", str(out)]
    status = main([*argv, "--fail-if", "throughput_tps<-5%", "--fail-if", "latency_s.p99>+10%@steady"])
    assert status == 3
    captured = capsys.readouterr()
    assert captured.out == f"comparison: {out / 'index.html'}\n"
    failed = [line for line in captured.err.splitlines() if line.startswith("gate failed: ")]
    assert len(failed) == 2  # throughput on "steady" only (warm is a warm-up), p99 on "steady"
    assert failed[0].startswith("gate failed: throughput_tps<-5%: slow round 'steady': throughput_tps ")
    assert failed[1].startswith("gate failed: latency_s.p99>+10%@steady: slow round 'steady': latency_s.p99 ")
    assert "(+300.0 %)" in failed[1]
    doc = _doc(out)
    assert doc["failed_gates"] == [line.removeprefix("gate failed: ") for line in failed]
    assert "**failed**" in (out / "comparison.md").read_text(encoding="utf-8")


def test_gates_pass_with_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = make_run(tmp_path, "base", rate=100.0)
    same = make_run(tmp_path, "same", rate=99.0)
    gates = [
        "--fail-if",
        "throughput_tps<-5%",
        "--fail-if",
        "latency_s.p99>+10%",
        "--fail-if",
        "failure_rate>+1%",
    ]
    assert main(["compare", str(base), str(same), "-o", str(tmp_path / "cmp"), *gates]) == 0
    assert "gate failed" not in capsys.readouterr().err
    assert "**passed**" in (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")


def test_gate_on_a_warmup_round_by_label(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base", rate=100.0)
    slow = make_run(tmp_path, "slow", rate=50.0)
    result = compare_runs([base, slow], tmp_path / "cmp", gates=["throughput_tps<-5%@warm"])
    assert len(result.failed_gates) == 1 and "round 'warm'" in result.failed_gates[0]


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        (
            "throughput_tps<=5%",
            "--fail-if 'throughput_tps<=5%': malformed gate, expected METRIC<-N% or METRIC>+N%",
        ),
        ("throughput<-5%", "--fail-if 'throughput<-5%': unknown metric 'throughput'"),
        ("throughput_tps<-5%@nope", "--fail-if 'throughput_tps<-5%@nope': the baseline has no round 'nope'"),
    ],
)
def test_bad_gate_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], gate: str, message: str
) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand")
    assert main(["compare", str(base), str(cand), "-o", str(tmp_path / "cmp"), "--fail-if", gate]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


# --- escaping --------------------------------------------------------------------------------


def test_user_strings_are_escaped(tmp_path: Path) -> None:
    evil = "<script>window.__pwned = 1</script>"
    rounds = (("warm", True), (evil, False))
    base = make_run(tmp_path, "base", rounds=rounds, client=f"anvil {evil}")
    cand = make_run(tmp_path, "cand", rounds=rounds, client="x|y*z")
    compare_runs([base, cand], tmp_path / "cmp", gates=[f"throughput_tps<-99%@{evil}"])
    html = (tmp_path / "cmp" / "index.html").read_text(encoding="utf-8")
    md = (tmp_path / "cmp" / "comparison.md").read_text(encoding="utf-8")
    assert evil not in html and evil not in md
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "&lt;script>window.__pwned = 1&lt;/script>" in md
    assert "x\\|y\\*z" in md  # a pipe stays inside its Markdown table cell
    assert _doc(tmp_path / "cmp")["rounds"][1]["label"] == evil  # the JSON keeps the data as it is


def test_a_round_without_a_metric_shows_no_value(tmp_path: Path) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand")
    summary = json.loads((cand / "summary.json").read_text(encoding="utf-8"))
    del summary["rounds"][1]["latency_s"]
    (cand / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    compare_runs([base, cand], tmp_path / "cmp")
    cand_row = _round(_doc(tmp_path / "cmp"), "steady")["runs"][1]
    assert cand_row["values"]["latency_s.p99"] is None and cand_row["ratio"]["latency_s.p99"] is None
    assert cand_row["values"]["throughput_tps"] is not None


def test_block_interval_separates_targets() -> None:
    summary = {
        "workload": "w",
        "target": {"client": "anvil/v1.7.1", "chain_id": 31337},
        "rounds": [{"label": "a"}],
    }
    runs = [
        RunFolder(Path(n), n, RunSummary.from_json(summary), block_interval_s=b)
        for n, b in (("x", 1.0), ("y", 2.0), ("z", 1.02))
    ]
    assert [[r.name for r in g] for g in group_runs(runs)] == [["x", "z"], ["y"]]


def test_runs_whose_latency_runs_to_different_points_are_flagged(tmp_path: Path) -> None:
    """Latency to inclusion at node 0 and latency to 3-deep, or at 2 of 3 nodes, are different figures."""
    base = make_run(tmp_path, "base")
    deep = make_run(tmp_path, "deep")
    doc = json.loads((deep / "summary.json").read_text(encoding="utf-8"))
    doc["confirmations"] = 3
    doc["rounds"][1]["latency_at"] = "2 of 3 nodes (majority)"
    doc["rounds"][1]["latency_node0_s"] = doc["rounds"][1]["latency_s"]
    (deep / "summary.json").write_text(json.dumps(doc), encoding="utf-8")
    result = compare_runs([base, deep], tmp_path / "cmp")
    assert result.warnings == [
        "the runs used different latency bases: base: inclusion at node 0; deep: 3-deep at 2 of 3 nodes (majority)"
    ]
    assert compare_runs([base, make_run(tmp_path, "same")], tmp_path / "cmp2").warnings == []
