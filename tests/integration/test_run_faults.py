"""Bad input and faults: one clear line, a non-zero exit status, no traceback, and nothing recorded is lost."""

from __future__ import annotations

import signal
from pathlib import Path

import psutil
import pytest

from bench.chains.ethereum.anvil import ManagedAnvil, free_port
from tests.runhelpers import (
    chainmark,
    only_run_dir,
    read_summary,
    start_chainmark,
    wait_for_sends,
    write_workload,
)

pytestmark = pytest.mark.anvil

LONG = """
name: long
accounts: {count: 10, seed: 21}
rounds:
  - label: steady
    duration: 30s
    rate: {type: fixed-rate, tps: 50}
"""

BAD = """name: bad
rounds:
  - label: a
    duration: 5s
    rate: {type: fixed-rate, tps: -5}
"""


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_workload_is_one_line_exit_2_nothing_started(tmp_path: Path, command: str) -> None:
    workload = write_workload(tmp_path / "w.yaml", BAD)
    result = (
        chainmark(command, str(workload), "--out", str(tmp_path / "out"))
        if command == "run"
        else (chainmark(command, str(workload)))
    )
    assert result.returncode == 2
    assert _one_error_line(result.stderr) == f"error: {workload}:5: rounds[0].rate.tps: must be > 0, got -5"
    assert not (tmp_path / "out").exists(), "nothing was started"


def test_dead_endpoint(tmp_path: Path) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    url = f"http://127.0.0.1:{free_port()}"
    result = chainmark("run", str(workload), "--target-url", url, "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert _one_error_line(result.stderr).startswith(f"error: cannot reach {url}")
    summary = read_summary(only_run_dir(tmp_path / "out"))
    assert summary["status"] == "failed"
    assert "cannot reach" in summary["error"]


def test_credentials_in_url_are_never_shown(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG.replace("30s", "1s"))
    url = anvil.url.replace("http://", "http://bench:s3cr3tpass@")
    result = chainmark("run", str(workload), "--target-url", url, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    assert read_summary(run_dir)["target"]["url"] == anvil.url.replace("http://", "http://***@")
    texts = [result.stdout, result.stderr] + [
        p.read_text(errors="replace") for p in run_dir.iterdir() if p.suffix in (".json", ".html")
    ]
    texts.append((run_dir / "results.sqlite").read_bytes().decode("latin-1"))
    assert not any("s3cr3tpass" in t for t in texts)


def test_ctrl_c_keeps_records_and_stops_managed_anvil(tmp_path: Path) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    process = start_chainmark("run", str(workload), "--out", str(tmp_path / "out"))
    try:
        run_dir = wait_for_sends(tmp_path / "out", at_least=50)
        children = [p for p in psutil.Process(process.pid).children(recursive=True) if "anvil" in p.name()]
        assert children, "the managed anvil runs as a child"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "interrupted" in stderr
    summary = read_summary(run_dir)
    assert summary["status"] == "interrupted"
    assert summary["rounds"][0]["sent"] >= 50
    assert (run_dir / "report.html").is_file()
    for child in children:
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE


def test_node_killed_mid_run(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(tmp_path / "w.yaml", LONG)
    process = start_chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"))
    try:
        run_dir = wait_for_sends(tmp_path / "out", at_least=50)
        psutil.Process(anvil.pid).kill()
        _, stderr = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1
    _one_error_line(stderr)
    summary = read_summary(run_dir)
    assert summary["status"] == "failed"
    assert summary["rounds"][0]["sent"] >= 50
    # the observer lost the node in the round: its numbers are not a measurement of the node
    assert summary["rounds"][0]["valid"] is False
    assert [r["code"] for r in summary["rounds"][0]["invalid_reasons"]] == ["observer-lost"]
