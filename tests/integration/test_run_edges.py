"""Small things a hostile but fair user found (issue 16): a suite's name cannot escape --out, a run with no
transaction confirmed says so, a silent endpoint fails in seconds with a progress line."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil, free_port
from tests.runhelpers import chainmark, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

SHORT = """name: short
accounts: {count: 5, seed: 8}
rounds:
  - {label: a, tx_count: 10, rate: {type: fixed-rate, tps: 20}}
"""


def test_a_suite_name_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    write_workload(tmp_path / "w.yaml", SHORT)
    manifest = write_workload(
        tmp_path / "suite.yaml", "suite: 'x/../../../elsewhere'\nversion: 1\nworkloads: [w.yaml]\n"
    )
    out = tmp_path / "deep" / "er" / "out"
    dead = f"http://127.0.0.1:{free_port()}"
    result = chainmark("run", "--suite", str(manifest), "--target-url", dead, "--out", str(out))
    assert result.returncode == 1  # the target is unreachable: the suite's folder exists all the same
    (suite_dir,) = out.iterdir()
    assert suite_dir.name.endswith("-suite-x_.._.._.._elsewhere")
    assert (suite_dir / "index.html").is_file()
    outside = [p for p in tmp_path.rglob("*") if out not in p.parents and p != out and out not in [p]]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in outside) == [
        "deep",
        "deep/er",
        "suite.yaml",
        "w.yaml",
    ]


def test_a_run_with_nothing_confirmed_says_so(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(
        tmp_path / "w.yaml", SHORT.replace("seed: 8}", "seed: 8, funding_eth: 0.000000000000000001}")
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr  # `run --strict` (issue 7) is what fails such a run
    summary = read_summary(only_run_dir(tmp_path / "out"))
    assert summary["rounds"][0]["confirmed"] == 0
    assert (
        "warning: round 'a': none of its 10 transactions was confirmed (failed: insufficient-funds 10); "
        "its numbers measure no throughput"
    ) in result.stdout.splitlines()


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP port on 127.0.0.1 that accepts connections and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_silent_endpoint_fails_in_seconds_with_a_progress_line(
    tmp_path: Path, silent_endpoint: str
) -> None:
    workload = write_workload(tmp_path / "w.yaml", SHORT)
    started = time.monotonic()
    result = chainmark("run", str(workload), "--target-url", silent_endpoint, "--out", str(tmp_path / "out"))
    assert time.monotonic() - started < 15  # the first call waits 10 s, not the 30 s RPC timeout (twice)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"connecting to {silent_endpoint}" in lines
    assert lines[-1] == f"error: {silent_endpoint} did not answer within 10 s"
