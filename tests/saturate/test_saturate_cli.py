"""`chainmark saturate`'s bad options: one `error:` line, exit status 2, nothing started or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main

ROOT = Path(__file__).resolve().parents[2]
TRANSFER = str(ROOT / "workloads/transfer.yaml")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (
            ["--slo", "latency_s.p98<2s"],
            "--slo 'latency_s.p98<2s': unknown metric 'latency_s.p98' (e.g. latency_s.p50, "
            "latency_s.p99, latency_s.max, success_rate, throughput_tps, failure_rate)",
        ),
        (
            ["--slo", "latency_s.p99 < soon"],
            "--slo 'latency_s.p99 < soon': malformed, expected METRIC<VALUE or "
            "METRIC>VALUE with an optional unit s, ms or % (e.g. 'latency_s.p99<2s', 'success_rate>99%')",
        ),
        (["--round", "nope"], f"--round 'nope': {TRANSFER} has no such round (rounds: warmup, steady)"),
        (
            ["--step-duration=-5s"],
            "--step-duration: expected a duration such as 30, 30s, 500ms, 2m or 1h, got '-5s'",
        ),
        (["--step-duration", "0.5s"], "--step-duration: must be at least 1 s, got '0.5s'"),
        (["--warmup", "soon"], "--warmup: expected a duration such as 30, 30s, 500ms, 2m or 1h, got 'soon'"),
        (["--max-tps", "-5"], "--max-tps: must be > 0 tx/s, got -5"),
        (["--start-tps", "0"], "--start-tps: must be > 0 tx/s, got 0"),
        (["--min-success", "1.5"], "--min-success: must be between 0 and 1, got 1.5"),
        (["--factor", "1"], "--factor: must be between 1.05 and 100, got 1"),
        (["--max-steps", "0"], "--max-steps: must be between 1 and 100, got 0"),
        (
            ["--node", "anvil", "--target-url", "http://127.0.0.1:1"],
            "saturate: give --target-url (your node) or --node (a managed one), not both",
        ),
        (["--target-url", "ftp://x"], "--target-url: expected an http:// or https:// URL, got ftp://x"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    options: list[str], error: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["saturate", TRANSFER, "--out", str(tmp_path), *options]) == 2
    assert capsys.readouterr().err == f"error: {error}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_workload_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["saturate", str(tmp_path / "none.yaml"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
