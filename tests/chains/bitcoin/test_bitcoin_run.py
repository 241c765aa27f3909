"""`chainmark run` end to end on the real managed regtest network (3 litecoind nodes on 127.0.0.1, never a
mock): every planned spend is confirmed, the confirmed count is what the chain's own blocks hold, and no
node is left running; a closed port and an unknown chain each end in one error line."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.slow

WORKLOAD = """\
name: btc-run
target: {chain: bitcoin, network: {nodes: 3, topology: ring, block_time: 1s}}
accounts: {count: 20}
rounds:
  - {label: transfers, duration: 10s, rate: {type: fixed-rate, tps: 20}, tx: {kind: btc-transfer}}
"""


def _litecoinds_under(path: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-af", "litecoind"], capture_output=True, text=True, check=False)
    return [line for line in found.stdout.splitlines() if str(path) in line]


def test_a_bitcoin_workload_runs_on_the_managed_network(tmp_path: Path) -> None:
    if shutil.which("litecoind") is None:
        pytest.skip("litecoind is not installed (Debian package litecoind)")
    out = tmp_path / "out"
    done = chainmark(
        "run", str(write_workload(tmp_path / "w.yaml", WORKLOAD)), "--out", str(out), timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    (one,) = summary["rounds"]
    assert (one["planned"], one["sent"], one["confirmed"]) == (200, 200, 200)
    assert one["success_rate"] == 1.0
    with db(run_dir) as store:
        in_blocks = store.execute("SELECT SUM(tx_count) FROM blocks").fetchone()[0]  # less coinbases
        observed = store.execute("SELECT COUNT(*) FROM blocks").fetchone()[0]
        meta = dict(store.execute("SELECT key, value FROM meta").fetchall())
    assert in_blocks == 200  # the observer starts after funding: the blocks hold our spends only
    blocks = summary["blocks"]  # every observed block's Merkle root recomputed by the kernels
    assert blocks["seen"] == blocks["merkle_verified"] == observed and blocks["merkle_mismatched"] == []
    assert json.loads(meta["blocks"]) == blocks
    assert json.loads(meta["funding"])["transactions"] == 1
    assert "Merkle roots recomputed" in json.loads(meta["verification"])
    assert json.loads(meta["target"])["chain_id"] == "regtest"
    assert _litecoinds_under(tmp_path) == []


def test_a_closed_port_is_one_line(tmp_path: Path) -> None:
    from bench.targets.managed import free_port

    text = WORKLOAD.replace(
        "{chain: bitcoin, network: {nodes: 3, topology: ring, block_time: 1s}}",
        f"{{chain: bitcoin, url: 'http://u:p@127.0.0.1:{free_port()}'}}",
    )
    done = chainmark("run", str(write_workload(tmp_path / "w.yaml", text)), "--out", str(tmp_path / "out"))
    assert done.returncode in (1, 2)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [done.stderr.strip().splitlines()[-1]], done.stderr  # progress lines, then one error
    assert "cannot reach" in errors[0] and "u:p" not in done.stderr


def test_an_unknown_chain_exits_2(tmp_path: Path) -> None:
    text = WORKLOAD.replace("chain: bitcoin", "chain: solana")
    done = chainmark("run", str(write_workload(tmp_path / "w.yaml", text)), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "target.chain: expected one of ethereum, bitcoin" in done.stderr
