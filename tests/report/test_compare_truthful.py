"""bench.report.compare when writes are lost or the generator fell behind: schema-1 folders, censored latency,
invalid rounds, run labels and the one-sentence repeat-groups section (synthetic folders via the real store)."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.cli import main
from bench.report.compare import compare_runs
from bench.report.compare_figures import latency_bars, latency_cdfs, throughput_bars
from bench.results.comparison import metric_value
from bench.results.round_summary import RoundSummary
from bench.results.run_folder import read_run_folder
from tests.report.synthetic_runs import edit_round, make_run, mark_invalid, read_summary, summary_round

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "run-summary-v1"
INVALID = {"lag": 0.3, "cpu_s": 0.4}  # sent 300 ms late with a whole core busy: generator-cpu-bound


def _doc(out: Path) -> dict[str, Any]:
    return json.loads((out / "comparison.json").read_text(encoding="utf-8"))


def _row(out: Path, label: str, run: int) -> dict[str, Any]:
    return next(r for r in _doc(out)["rounds"] if r["label"] == label)["runs"][run]


def _md(out: Path) -> str:
    return (out / "comparison.md").read_text(encoding="utf-8")


def _html(out: Path) -> str:
    return (out / "index.html").read_text(encoding="utf-8")


def _bound(run_dir: Path, label: str = "steady") -> str:
    """The "> X s" text of a round's censored_above_s as the tables show it."""
    return _seconds(summary_round(run_dir, label)["latency_s"]["censored_above_s"])


# --- schema 1 folders ------------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_schema_1_folder_is_compared_from_its_store(tmp_path: Path) -> None:
    before = _digest(FIXTURE)
    a, b = tmp_path / "v1-a", tmp_path / "v1-b"
    shutil.copytree(FIXTURE, a)
    shutil.copytree(FIXTURE, b)
    result = compare_runs([a, b], tmp_path / "cmp", gates=["latency_s.p50>+10%"])
    assert result.warnings[:2] == [
        f"{run}: summary.json is schema 1; compared from its results.sqlite (rebuild with `chainmark report {run}`)"
        for run in (a, b)
    ]
    assert (
        json.loads((a / "summary.json").read_text(encoding="utf-8"))["schema_version"] == 1
    )  # not rewritten
    assert _digest(FIXTURE) == before
    # 51 of the steady round's 60 accepted writes were dropped: its p50 lands on a lost one.
    row = _row(tmp_path / "cmp", "steady", 1)
    assert row["values"]["success_rate"] == pytest.approx(9 / 60)
    assert row["confirmed_fraction"] == pytest.approx(9 / 60, abs=1e-6)
    assert row["values"]["latency_s.p50"] is None and row["no_ratio"]["latency_s.p50"] == "censored"
    assert row["censored"]["latency_s.p50"]["above_s"] > 0
    assert isinstance(row["valid"], bool)  # the verdict comes from the rebuild
    shown = _gate_value(read_run_folder(a).round("steady"))
    assert result.failed_gates == [
        f"latency_s.p50>+10%: v1-b round 'steady': latency_s.p50 {shown} vs baseline {shown}: "
        "both censored, cannot check the gate"
    ]
    series = read_run_folder(a).latency_s["steady"]
    assert len(series) == 60 and int(np.isfinite(series).sum()) == 9 and math.isinf(series[-1])


def _gate_value(round_summary: RoundSummary | None) -> str:
    assert round_summary is not None
    latency = round_summary.latency_s
    return (
        f"censored ({_seconds(latency['censored_above_s'])}, "
        f"{latency['confirmed_fraction'] * 100:.1f} % of accepted writes confirmed)"
    )


def _record(round_json: dict[str, Any]) -> RoundSummary:
    """A summary.json round read back as the record compare works on."""
    return RoundSummary.from_json(round_json, 0)


def _seconds(above: float) -> str:
    return f"> {above:,.1f} s"


@pytest.mark.parametrize("version", [0, 3, "2", None, True])
def test_an_unknown_summary_version_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], version: object
) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand")
    summary = read_summary(cand)
    summary["schema_version"] = version
    (cand / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    assert main(["compare", str(base), str(cand), "-o", str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"summary.json schema_version {version!r}, this chainmark compares" in err


# --- censored latency ------------------------------------------------------------------------


def test_metric_value_of_a_censored_percentile_is_infinite(tmp_path: Path) -> None:
    steady = summary_round(make_run(tmp_path, "r", lost=3), "steady")
    assert steady["latency_s"]["p99"] is None and steady["latency_s"]["confirmed_fraction"] < 1
    assert metric_value(_record(steady), "latency_s.p99") == math.inf
    assert metric_value(_record(steady), "latency_s.max") == math.inf
    assert metric_value(_record(steady), "latency_s.p50") == steady["latency_s"]["p50"]
    assert metric_value(_record(steady), "latency_confirmed_s.p99") == steady["latency_confirmed_s"]["p99"]
    assert metric_value(_record(steady), "success_rate") == pytest.approx(37 / 40)
    empty = {"latency_s": {"p99": None, "confirmed_fraction": None, "censored_above_s": None}}
    assert metric_value(_record(empty), "latency_s.p99") is None  # no data is not censored
    whole = {"latency_s": {"p99": None, "confirmed_fraction": 1.0, "censored_above_s": None}}
    assert metric_value(_record(whole), "latency_s.p99") is None
    kinds = {
        "by_kind": {"erc20": {"latency_s": {"p99": None, "confirmed_fraction": 0.5, "censored_above_s": 3}}}
    }
    # a gate on one kind of a mix
    assert metric_value(_record(kinds), "by_kind.erc20.latency_s.p99") == math.inf
    with pytest.raises(KeyError):
        metric_value(_record(kinds), "by_kind.erc20.latency_s.p42")


@pytest.mark.parametrize(
    ("base_lost", "cand_lost", "cand_note"),
    [
        (0, 3, "censored"),  # the candidate lost writes: its p99 is a lower bound, no ratio
        (3, 0, "no ratio: baseline censored"),
        (3, 3, "censored"),
    ],
)
def test_censored_cells_have_no_ratio(tmp_path: Path, base_lost: int, cand_lost: int, cand_note: str) -> None:
    base = make_run(tmp_path, "base", lost=base_lost)
    cand = make_run(tmp_path, "cand", lost=cand_lost)
    out = tmp_path / "cmp"
    compare_runs([base, cand], out)
    base_row, cand_row = _row(out, "steady", 0), _row(out, "steady", 1)
    assert cand_row["ratio"]["latency_s.p99"] is None and cand_row["ratio"]["latency_s.p50"] is not None
    assert cand_row["ratio"]["success_rate"] == pytest.approx((40 - cand_lost) / (40 - base_lost))
    censored_run = cand if cand_lost else base
    entry = (cand_row if cand_lost else base_row)["censored"]["latency_s.p99"]
    assert entry["above_s"] == summary_round(censored_run, "steady")["latency_s"]["censored_above_s"]
    md, html = _md(out), _html(out)
    if cand_lost:
        assert f"| {_bound(cand)} (censored) |" in md
        assert f'<td class="censored">&gt; {_bound(cand)[2:]} (censored)</td>' in html  # marked, not plain
    else:
        assert "(no ratio: baseline censored) |" in md and f"| {_bound(base)} (baseline; censored) |" in md
    assert cand_note in md
    assert "(inf" not in md and "Infinity" not in (out / "comparison.json").read_text(encoding="utf-8")


def test_censored_bars_stand_at_their_bound_hatched(tmp_path: Path) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand", lost=3)
    out = tmp_path / "cmp"
    compare_runs([base, cand], out)
    doc = _doc(out)
    fig = latency_bars(doc)
    bar = fig.data[1]
    p99 = list(zip(*bar.x, strict=True)).index(("steady", "p99"))
    assert bar.y[p99] == pytest.approx(summary_round(cand, "steady")["latency_s"]["censored_above_s"] * 1000)
    assert bar.marker.pattern.shape[p99] == "/" and bar.text[p99] == _bound(cand)
    assert fig.data[0].marker.pattern.shape[p99] == "" and fig.data[0].text[p99] == ""
    assert any("hatched: censored" in a.text for a in fig.layout.annotations)


def test_cdf_stops_at_the_confirmed_fraction(tmp_path: Path) -> None:
    runs = [
        read_run_folder(make_run(tmp_path, "base"), "base"),
        read_run_folder(make_run(tmp_path, "cand", lost=4), "cand"),
    ]
    assert len(runs[1].latency_s["steady"]) == 40 and math.isinf(runs[1].latency_s["steady"][-1])
    fig = latency_cdfs(runs, "steady")
    assert tuple(fig.layout.yaxis.range) == (0, 1.02)  # a curve stopping at 0.9 is seen to stop short
    whole, cut = fig.data
    assert whole.y[-1] == pytest.approx(1.0) and whole.name == "base"
    assert cut.y[-1] == pytest.approx(36 / 40) and "90.0 % confirmed, the rest censored" in cut.name
    assert all(math.isfinite(x) for x in cut.x)


@pytest.mark.parametrize(
    ("gate", "base_lost", "cand_lost", "failed", "noted"),
    [
        ("latency_s.p99>+10%", 0, 3, "latency_s.p99 censored ({bound}, 92.5 % of accepted writes confirmed) "
         "vs baseline {base_p99} (unbounded increase)", None),
        ("latency_s.p99<-10%", 0, 3, None, "passed with a censored value"),
        ("latency_s.p99>+10%", 3, 0, None, "passed with a censored value"),
        ("latency_s.p99<-10%", 3, 0, "(-100.0 %)", None),
        ("latency_s.p99>+10%", 3, 3, "both censored, cannot check the gate", None),
        ("success_rate<-5%", 0, 3, "success_rate 0.925 vs baseline 1 (-7.5 %)", None),
        ("latency_s.p50>+10%", 0, 3, None, None),  # p50 is not censored: checked as a number
    ],
)  # fmt: skip
def test_gates_on_censored_values(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gate: str,
    base_lost: int,
    cand_lost: int,
    failed: str | None,
    noted: str | None,
) -> None:
    base = make_run(tmp_path, "base", lost=base_lost)
    cand = make_run(tmp_path, "cand", lost=cand_lost)
    status = main(["compare", str(base), str(cand), "-o", str(tmp_path / "cmp"), "--fail-if", gate])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("gate failed: ")]
    notes = [line for line in err.splitlines() if line.startswith("warning: gate ")]
    assert status == (3 if failed else 0), err
    if failed:
        base_p99 = f"{summary_round(base, 'steady')['latency_s']['p99'] or 0:.6g}"
        expected = failed.format(bound=_bound(cand) if cand_lost else "", base_p99=base_p99)
        assert len(lines) == 1 and lines[0].startswith(f"gate failed: {gate}: cand round 'steady': ")
        assert lines[0].endswith(expected), lines[0]
    else:
        assert lines == []
    assert len(notes) == (1 if noted else 0) and (noted is None or noted in notes[0]), err


# --- invalid rounds --------------------------------------------------------------------------


def test_an_invalid_round_is_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand", **INVALID)
    reason = summary_round(cand, "steady")["invalid_reasons"][0]
    assert summary_round(cand, "steady")["valid"] is False, "the store judged the lagging round valid"
    out = tmp_path / "cmp"
    status = main(["compare", str(base), str(cand), "-o", str(out), "--fail-if", "throughput_tps<-5%"])
    err = capsys.readouterr().err
    assert status == 3
    assert (
        f"warning: cand: round 'steady' is invalid ({reason['detail']}); left out of ratios, headline charts, "
        "group intervals and gates (pass --allow-invalid to keep it)"
    ) in err
    assert (
        "gate failed: throughput_tps<-5%: nothing valid left to check (left out: cand round 'steady' invalid "
        f"({reason['detail']})); pass --allow-invalid to check invalid rounds"
    ) in err
    row = _row(out, "steady", 1)
    assert row["left_out"] is True and row["valid"] is False
    assert all(r is None for r in row["ratio"].values()) and row["no_ratio"]["throughput_tps"] == "invalid"
    assert row["values"]["throughput_tps"] is not None  # the value is still shown
    assert f"(invalid: {reason['code']}) |" in _md(out)
    assert '<td class="invalid">' in _html(out)
    doc = _doc(out)
    bars = throughput_bars(doc)
    assert bars.data[1].y[1] is None and bars.data[0].y[1] is not None
    assert bars.layout.annotations[0].text.startswith("left out (invalid round): cand round ")
    assert "cand round steady" in bars.layout.annotations[0].text
    steady_stats = next(s for s in doc["group_stats"] if s["label"] == "steady")
    assert steady_stats["groups"][0]["metrics"]["throughput_tps"]["n"] == 1  # the invalid run left out


def test_allow_invalid_keeps_the_round(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand", rate=50.0, **INVALID)
    out = tmp_path / "cmp"
    argv = [
        "compare",
        str(base),
        str(cand),
        "-o",
        str(out),
        "--allow-invalid",
        "--fail-if",
        "throughput_tps<-5%",
    ]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "cand: round 'steady' is invalid (" in err and "compared anyway (--allow-invalid)" in err
    assert "gate failed: throughput_tps<-5%: cand round 'steady': throughput_tps " in err
    row = _row(out, "steady", 1)
    assert row["left_out"] is False and row["ratio"]["throughput_tps"] is not None
    assert f"x; invalid: {row['invalid_reasons'][0]['code']}) |" in _md(out)
    assert throughput_bars(_doc(out)).data[1].y[1] is not None


def test_an_invalid_baseline_round_has_no_ratios(tmp_path: Path) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand")
    mark_invalid(base, "steady", "observer-lost", "the block observer lost the node: <gone>")
    out = tmp_path / "cmp"
    result = compare_runs([base, cand], out, gates=["latency_s.p99>+10%@steady"])
    assert any(
        w.startswith("base: round 'steady' is invalid (the block observer lost the node: <gone>)")
        and "it is the baseline's, so this round has no ratios" in w
        for w in result.warnings
    )
    steady = next(r for r in _doc(out)["rounds"] if r["label"] == "steady")
    assert steady["ratios_unavailable"] == (
        "no ratios: the baseline base's round is invalid (the block observer lost the node: <gone>)"
    )
    assert all(r is None for r in steady["runs"][1]["ratio"].values())
    assert steady["runs"][1]["no_ratio"]["success_rate"] == "baseline invalid"
    assert result.failed_gates == [
        "latency_s.p99>+10%@steady: nothing valid left to check (left out: base round 'steady' invalid "
        "(the block observer lost the node: <gone>)); pass --allow-invalid to check invalid rounds"
    ]
    md, html = _md(out), _html(out)
    assert "> **No ratios:** no ratios: the baseline base's round is invalid" in md
    assert "&lt;gone&gt;" in html and "<gone>" not in html and "<gone>" not in md
    assert "(no ratio: baseline invalid) |" in md


def test_a_flag_does_not_leave_a_round_out(tmp_path: Path) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand")
    edit_round(cand, "steady", flags=[{"code": "node-slow-to-accept", "detail": "the node was slow"}])
    result = compare_runs([base, cand], tmp_path / "cmp", gates=["throughput_tps<-50%"])
    row = _row(tmp_path / "cmp", "steady", 1)
    assert row["left_out"] is False and row["ratio"]["throughput_tps"] is not None and row["flags"]
    assert result.failed_gates == [] and result.warnings == []


# --- labels ----------------------------------------------------------------------------------


def _names(out: Path) -> list[str]:
    return [r["name"] for r in _doc(out)["runs"]]


@pytest.mark.parametrize(
    ("args", "clients", "expected"),
    [
        (["--labels", "anvil,hardhat,ganache"], ("a/1", "a/1", "a/1"), ["anvil", "hardhat", "ganache"]),
        (["{0}=one", "{1}=two", "{2}=three"], ("a/1", "a/1", "a/1"), ["one", "two", "three"]),
        ([], ("anvil/v1.7.1", "hardhat/2.22.1", "Geth/v1.14.8-stable/linux-amd64/go1.22"),
         ["anvil/v1.7.1", "hardhat/2.22.1", "Geth/v1.14.8-stable"]),
        ([], ("anvil/v1.7.1", "anvil/v1.7.1", "hardhat/2.22.1"), ["r0", "r1", "r2"]),
        (["{0}=mine"], ("a/1", "a/1", "a/1"), ["mine", "r1", "r2"]),
    ],
)  # fmt: skip
def test_run_labels(tmp_path: Path, args: list[str], clients: tuple[str, ...], expected: list[str]) -> None:
    dirs = [make_run(tmp_path, f"r{i}", client=c, rate=100.0 - i) for i, c in enumerate(clients)]
    named = [a.format(*dirs) for a in args if "=" in a]
    given = {Path(a.rpartition("=")[0]) for a in named}
    rest = [a for a in args if "=" not in a]
    runs = [*named, *(str(d) for d in dirs if d not in given)]
    out = tmp_path / "cmp"
    assert main(["compare", *runs, "-o", str(out), "--force", *rest]) == 0
    assert _names(out) == expected
    md, html = _md(out), _html(out)
    for label in expected:
        assert f"| {label} |" in md and f"<td>{label}</td>" in html
        assert '"name":"{}"'.format(label.replace("/", "\\u002f")) in html  # every chart's legend


def test_a_folder_whose_name_holds_an_equals_sign(tmp_path: Path) -> None:
    odd = make_run(tmp_path / "a", "rate=100")
    other = make_run(tmp_path / "b", "rate=100")
    out = tmp_path / "cmp"
    assert main(["compare", str(odd), f"{other}=fast", "-o", str(out)]) == 0  # an existing folder wins
    assert _names(out) == ["rate=100", "fast"]
    assert main(["compare", str(odd), str(other), "-o", str(out)]) == 0
    assert _names(out) == ["a/rate=100", "b/rate=100"]  # the shortest distinct folder names


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--labels", "a,b,c"], "--labels: 3 label(s) 'a,b,c' for 2 run folders; give one per RUN_DIR"),
        (["--labels", "a,"], "--labels: label 2 of 'a,' is empty"),
        (["--labels", "same,same"], "compare: label 'same' names both "),
        (["{0}=x", "{1}=x"], "compare: label 'x' names both "),
        (["{0}=x", "--labels", "a,b"], "compare: give labels with --labels or as RUN_DIR=LABEL, not both"),
        (["{0}="], "empty label after '='; write RUN_DIR=LABEL"),
        (["{0}-gone=x"], "-gone: no such run folder (RUN_DIR or RUN_DIR=LABEL)"),
    ],
)
def test_bad_labels_are_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    dirs = [make_run(tmp_path, "a"), make_run(tmp_path, "b")]
    named = [a.format(*dirs) for a in args if a.startswith("{")]
    rest = [a for a in args if not a.startswith("{")]
    positional = named + [str(d) for d in dirs[len(named) :]]
    assert main(["compare", *positional, "-o", str(tmp_path / "cmp"), *rest]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
    assert not (tmp_path / "cmp").exists()


def test_labels_are_escaped_everywhere(tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>|*x*"
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand", lost=3)
    out = tmp_path / "cmp"
    compare_runs([base, cand], out, labels=[evil, "b&c"], gates=["latency_s.p99>+1%"])
    md, html = _md(out), _html(out)
    assert "<img" not in html and "<img" not in md
    assert "&lt;img src=x onerror=alert(1)&gt;|*x*" in html and "b&amp;c" in html
    assert "&lt;img src=x onerror=alert(1)>\\|\\*x\\*" in md  # one table cell, no emphasis
    assert _doc(out)["baseline"] == evil  # the JSON keeps the data as it is


# --- repeat groups ---------------------------------------------------------------------------


def test_groups_of_one_are_one_sentence(tmp_path: Path) -> None:
    base = make_run(tmp_path, "base")
    cand = make_run(tmp_path, "cand", client="hardhat/2.22.1")
    out = tmp_path / "cmp"
    compare_runs([base, cand], out)
    sentence = (
        "No two of the 2 runs repeat one another (same workload, target client, chain id, block interval "
        "and rounds), so there are no confidence intervals; repeat a run to get them."
    )
    md, html = _md(out), _html(out)
    groups_md = md[md.index("## Repeat groups") : md.index("## Definitions")]
    assert groups_md == f"## Repeat groups\n\n{sentence}\n\n"
    groups_html = html[html.index("<h2>Repeat groups</h2>") : html.index("<h2>Charts</h2>")]
    assert sentence in groups_html and "<table" not in groups_html and "no interval" not in groups_html
    repeated = make_run(tmp_path, "again")
    compare_runs([base, repeated, cand], tmp_path / "cmp2")
    assert "| G1 | synthetic on anvil/v1.7.1 (chain id 31337) | base, again |" in _md(tmp_path / "cmp2")


def test_an_unknown_metric_is_bad_input_even_when_every_round_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, cand = make_run(tmp_path, "base"), make_run(tmp_path, "cand", **INVALID)
    argv = ["compare", str(base), str(cand), "-o", str(tmp_path / "cmp"), "--fail-if", "latency_s.p98>+1%"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --fail-if 'latency_s.p98>+1%': unknown metric 'latency_s.p98'")
    assert err.count("\n") == 1
