"""The `chainmark` command's own text: usage errors are one line with exit status 2; validate prints one line per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import __version__
from bench.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_run_needs_exactly_one_of_workload_or_suite(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert capsys.readouterr().err == "error: run: give a workload file or --suite NAME, not both\n"
    assert main(["run", "workloads/transfer.yaml", "--suite", "standard"]) == 2


def test_run_refuses_a_non_http_target_before_starting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert (
        main(
            ["run", str(ROOT / "workloads/transfer.yaml"), "--target-url", "ftp://x", "--out", str(tmp_path)]
        )
        == 2
    )
    assert (
        capsys.readouterr().err == "error: --target-url: expected an http:// or https:// URL, got ftp://x\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_validate_prints_one_line_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(ROOT / "workloads/transfer.yaml"), str(ROOT / "workloads/examples/step-rate.yaml")]
    assert main(["validate", *files]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{files[0]}: ok (transfer, 2 rounds, 6,250 transactions, about 7.2 MiB at the plan's peak)",
        f"{files[1]}: ok (example-step-rate, 1 rounds, 5,000 transactions, about 5.7 MiB at the plan's peak)",
    ]


def test_report_on_a_folder_without_results(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["report", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: no results.sqlite in {tmp_path}\n"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"chainmark {__version__}\n"


def test_report_on_a_corrupt_store_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "results.sqlite").write_text("garbage")
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {tmp_path / 'results.sqlite'}: not a chainmark results store (file is not a database)"
    ]
