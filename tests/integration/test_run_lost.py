"""Transactions a real Anvil accepts and then loses: classified after the window, censored in every figure."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.chains.ethereum.unseen import Write, check_unseen
from bench.targets.rpc import RpcClient
from tests.runhelpers import chainmark, read_summary, start_chainmark, write_workload

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "run-summary-v1"

DROPPED = """
name: dropped
target:
  url: {url}
  confirm_grace: 2s
accounts:
  count: 4
  seed: 11
rounds:
  - label: steady
    duration: 4s
    rate: {{type: fixed-rate, tps: 25}}
"""


def _steady_sends(run_dir: Path) -> int:
    try:
        with sqlite3.connect(run_dir / "results.sqlite") as conn:
            return int(conn.execute("SELECT COUNT(*) FROM sends").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_dropped_transactions_are_classified_and_counted_in_latency(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    workload = write_workload(tmp_path / "w.yaml", DROPPED.format(url=anvil.url))
    out = tmp_path / "out"
    process = start_chainmark("run", str(workload), "--out", str(out))
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not ((runs := list(out.glob("*"))) and _steady_sends(runs[0]) >= 30):
            time.sleep(0.05)
        rpc.call("anvil_dropAllTransactions")  # what the node held (sent, not yet in a block) is gone
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    (run_dir,) = list(out.iterdir())
    r = read_summary(run_dir)["rounds"][0]
    reasons = r["timed_out_by_reason"]
    assert r["timed_out"] > 0 and set(reasons) <= {"dropped", "nonce-gap"}, reasons
    assert reasons.get("dropped", 0) >= 1 and sum(reasons.values()) == r["timed_out"]
    assert r["success_rate"] == pytest.approx(r["confirmed"] / r["sent"], abs=1e-6)
    accepted = r["sent"] - sum(r["failed"].values())
    assert r["latency_s"]["confirmed_fraction"] == pytest.approx(r["confirmed"] / accepted, abs=1e-6)
    # more than 1 % never arrived: p99 and max are unbounded, not the survivors' figures
    assert r["latency_s"]["p99"] is None and r["latency_s"]["max"] is None
    assert r["latency_s"]["censored_above_s"] > 0
    assert r["latency_confirmed_s"]["p99"] is not None

    with sqlite3.connect(run_dir / "results.sqlite") as conn:
        rows = conn.execute(
            "SELECT t.sender, t.nonce, t.hash, u.reason FROM unseen u JOIN txs t ON t.id = u.tx"
        ).fetchall()
    dropped_nonce = {}
    for sender, nonce, tx_hash, reason in rows:
        on_chain = rpc.call("eth_getTransactionByHash", "0x" + bytes(tx_hash).hex())
        assert on_chain is None or on_chain.get("blockNumber") is None, "a timed-out write is not on chain"
        if reason == "dropped":
            assert on_chain is None, "the node no longer knows a dropped write"
            dropped_nonce[sender] = min(nonce, dropped_nonce.get(sender, nonce))
    for sender, nonce, _, reason in rows:
        if reason == "nonce-gap":
            assert nonce > dropped_nonce[sender], "behind a gap: an earlier nonce of its sender was dropped"

    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert f"{r['timed_out']:,} of {accepted:,} accepted transactions were never included" in report
    assert "&gt; " in report  # the censored latency cells

    # the same workload on the same node, nothing dropped: the baseline a comparison gates the lossy run by
    clean = chainmark("run", str(workload), "--out", str(tmp_path / "clean"), "-q")
    assert clean.returncode == 0, clean.stderr
    (clean_dir,) = list((tmp_path / "clean").iterdir())
    gated = chainmark(
        "compare", str(clean_dir), str(run_dir), "--labels", "clean,lossy", "-o", str(tmp_path / "cmp"),
        "--fail-if", "latency_s.p99>+10%", "--fail-if", "success_rate<-5%",
    )  # fmt: skip
    assert gated.returncode == 3, gated.stderr
    failed = [line for line in gated.stderr.splitlines() if line.startswith("gate failed: ")]
    assert len(failed) == 2 and "censored" in failed[0], failed
    doc = json.loads((tmp_path / "cmp" / "comparison.json").read_text(encoding="utf-8"))
    lossy = doc["rounds"][0]["runs"][1]
    assert lossy["values"]["latency_s.p99"] is None or lossy["censored"], lossy
    assert lossy["values"]["success_rate"] == pytest.approx(r["success_rate"])


def test_unseen_check_on_a_real_node(anvil: ManagedAnvil, rpc: RpcClient) -> None:
    """Held as executable, held behind a gap, unknown, behind a rejected nonce, and included after all."""
    rpc.call("evm_setIntervalMining", 0)  # nothing is mined until evm_mine: the pool holds what is sent
    key = derive_keys(5, 1)[0]
    sender = "0x" + address_of(key).hex()
    dev = rpc.call("eth_accounts")[0]
    rpc.call("eth_sendTransaction", {"from": dev, "to": sender, "value": hex(10**18)})
    rpc.call("evm_mine")
    chain_id = int(rpc.call("eth_chainId"), 16)
    transfer = UnsignedTx(to=address_of(key), value=1, gas=21_000, gas_price=10**9)
    signed = sign_job(SignJob(key, 0, (transfer,) * 5, chain_id))
    for n in (0, 1, 3):  # 2 is never sent (as if rejected): 3 waits behind it
        rpc.call("eth_sendRawTransaction", "0x" + signed[n][0].hex())
    writes = [Write(n, sender, n, signed[n][1], rejected=(n == 2)) for n in range(4)]
    writes.append(Write(4, sender, 4, signed[4][1]))  # never sent: unknown to the node
    check = check_unseen(rpc, writes, {}, now=100.0)
    assert check.pool == "txpool_inspect"
    assert {tx: reason for tx, reason, _ in check.rows} == {
        0: "pending",
        1: "pending",
        3: "nonce-gap",
        4: "nonce-gap",
    }
    assert [tx for tx, _, next_nonce in check.rows if next_nonce] == [0]

    rpc.call("evm_mine")  # 0 and 1 are included now
    head = int(rpc.call("eth_blockNumber"), 16)
    again = check_unseen(rpc, [w for w in writes if w.tx_id in (0, 1, 4)], {}, now=200.0)
    assert {tx: reason for tx, reason, _ in again.rows} == {
        0: "included-late",
        1: "included-late",
        4: "dropped",
    }
    assert again.inclusions == [(0, head, 200.0), (1, head, 200.0)]
    assert [b[0] for b in again.blocks] == [head]


def test_report_rebuilds_a_run_folder_written_by_chainmark_0_1(tmp_path: Path) -> None:
    """The fixture's summary.json (schema 1) gave p99 over the 9 of 60 that arrived; rebuilt, it says > N s."""
    run_dir = tmp_path / "old"
    shutil.copytree(FIXTURE, run_dir)
    old = json.loads((FIXTURE / "summary.json").read_text(encoding="utf-8"))
    done = chainmark("report", str(run_dir))
    assert done.returncode == 0, done.stderr
    summary = read_summary(run_dir)
    assert (old["schema_version"], summary["schema_version"]) == (1, 2)
    steady, old_steady = summary["rounds"][1], old["rounds"][1]
    assert (steady["sent"], steady["confirmed"], steady["timed_out"]) == (60, 9, 51)
    assert steady["latency_confirmed_s"] == old_steady["latency_s"]
    assert steady["latency_s"]["p50"] is None and steady["latency_s"]["confirmed_fraction"] == 0.15
    assert steady["timed_out_by_reason"] == {"unchecked": 51}
    assert steady["success_rate"] == 0.15
    assert "> 2.5 s" in done.stdout
    assert (run_dir / "report.html").stat().st_size > 100_000
