"""End-to-end `chainmark run` against a real Anvil: numbers agree with the chain's own blocks."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.targets.rpc import RpcClient
from tests.runhelpers import chainmark, db, only_run_dir, peak_overlap, read_summary, write_workload

pytestmark = pytest.mark.anvil

FIXED = """
name: fixed-check
accounts: {count: 20, seed: 3}
target: {confirm_grace: 15s}
rounds:
  - label: warm
    warmup: true
    duration: 2s
    rate: {type: fixed-rate, tps: 40}
  - label: steady
    duration: 6s
    rate: {type: fixed-rate, tps: 150}
"""


def _chain_view(rpc: RpcClient, hashes: dict[bytes, int]) -> dict[int, list[int]]:
    """Scan every block through JSON-RPC: block number -> ids of the run's transactions in it."""
    head = int(rpc.call("eth_blockNumber"), 16)
    out: dict[int, list[int]] = {}
    for number in range(head + 1):
        block = rpc.call("eth_getBlockByNumber", hex(number), False)
        ours = [hashes[bytes.fromhex(h[2:])] for h in block["transactions"] if bytes.fromhex(h[2:]) in hashes]
        if ours:
            out[number] = ours
    return out


def test_fixed_rate_run_agrees_with_chain_blocks(tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient) -> None:
    workload = write_workload(tmp_path / "w.yaml", FIXED)
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    assert summary["target"]["client"].startswith("anvil/")
    assert summary["target"]["chain_id"] == 31337
    with db(run_dir) as conn:
        hashes = {bytes(h): i for i, h in conn.execute("SELECT id, hash FROM txs")}
        rounds = dict(conn.execute("SELECT id, round FROM txs"))
        busy = dict(conn.execute("SELECT source, MAX(cpu_percent) FROM resources GROUP BY source"))
    # The node given by a loopback URL is found by its listening port and sampled beside chainmark itself,
    # and the whole machine (host) beside both.
    assert set(busy) == {"node", "chainmark", "host"} and busy["node"] > 0 and busy["chainmark"] > 0
    assert busy["host"] >= max(busy["node"], busy["chainmark"]) * 0.5
    chain = _chain_view(rpc, hashes)
    for index, r in enumerate(summary["rounds"]):
        planned = 80 if index == 0 else 900
        assert r["sent"] == planned
        blocks = sorted(n for n, ids in chain.items() if any(rounds[i] == index for i in ids))
        on_chain = sum(1 for ids in chain.values() for i in ids if rounds[i] == index)
        assert r["confirmed"] == on_chain == planned, "every transaction confirmed, counted exactly"
        assert r["failed"] == {} and r["timed_out"] == 0
        first_parent = rpc.call("eth_getBlockByNumber", hex(blocks[0] - 1), False)
        last = rpc.call("eth_getBlockByNumber", hex(blocks[-1]), False)
        chain_window = int(last["timestamp"], 16) - int(first_parent["timestamp"], 16)
        chain_tps = on_chain / chain_window
        assert r["throughput_tps"] == pytest.approx(chain_tps, rel=0.02)


def test_latency_is_consistent_with_block_inclusion(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    workload = write_workload(tmp_path / "w.yaml", FIXED.replace("6s", "3s"))
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    with db(run_dir) as conn:
        rows = conn.execute(
            "SELECT s.intended, s.sent, i.seen, b.timestamp FROM sends s JOIN inclusions i ON i.tx = s.tx "
            "JOIN blocks b ON b.number = i.block"
        ).fetchall()
    assert len(rows) == 80 + 3 * 150
    intended, sent, seen, block_ts = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    latency = seen - intended
    assert (latency > 0).all()
    assert (seen >= sent).all()
    # Block timestamps are whole seconds (floor of the mining time): the block cannot be seen before it.
    assert (latency >= block_ts - intended).all()


def test_open_loop_shows_a_node_pause_in_latency(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        """
name: pause
accounts: {count: 20, seed: 5}
rounds:
  - label: steady
    duration: 6s
    rate: {type: fixed-rate, tps: 60}
""",
    )
    pause: dict[str, float] = {}

    def pause_node() -> None:
        # Funding takes a block or two; the round starts after it. Pause well inside the round.
        deadline = time.time() + 60
        while time.time() < deadline and not list((tmp_path / "out").glob("*/results.sqlite")):
            time.sleep(0.05)
        time.sleep(4.5)
        pause["start"] = time.time()
        os.kill(anvil.pid, signal.SIGSTOP)
        time.sleep(2.0)
        os.kill(anvil.pid, signal.SIGCONT)
        pause["end"] = time.time()

    pauser = threading.Thread(target=pause_node)
    pauser.start()
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    pauser.join()
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    with db(run_dir) as conn:
        rows = conn.execute(
            "SELECT s.intended, s.sent, i.seen FROM sends s JOIN inclusions i ON i.tx = s.tx"
        ).fetchall()
        started = conn.execute("SELECT started FROM rounds").fetchone()[0]
    assert started < pause["start"] < started + 6, "the pause fell inside the round"
    intended, sent, seen = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    during = (intended >= pause["start"]) & (intended <= pause["end"] - 0.1)
    assert during.sum() >= 60
    # Open loop: they were sent on time although the node answered nothing...
    assert np.median(sent[during] - intended[during]) < 0.05
    # ...and each one's latency covers the rest of the pause.
    assert ((seen - intended)[during] >= (pause["end"] - intended[during]) - 0.05).all()


def test_fixed_backlog_never_exceeds_in_flight(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        """
name: backlog
accounts: {count: 30, seed: 9}
rounds:
  - label: backlog
    tx_count: 240
    rate: {type: fixed-backlog, in_flight: 40}
""",
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    with db(run_dir) as conn:
        rows = conn.execute("SELECT s.sent, i.seen FROM sends s JOIN inclusions i ON i.tx = s.tx").fetchall()
    assert len(rows) == 240
    assert peak_overlap(rows) == 40, "the backlog is kept full, and never over"
    summary = read_summary(run_dir)
    assert summary["rounds"][0]["confirmed"] == 240


def test_failing_transactions_are_failed_with_reason(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        """
name: broke
accounts: {count: 5, seed: 11, funding_eth: 1}
rounds:
  - label: too-much
    tx_count: 20
    rate: {type: fixed-rate, tps: 20}
    tx: {kind: transfer, value_wei: 10000000000000000000}
""",
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    r = read_summary(only_run_dir(tmp_path / "out"))["rounds"][0]
    assert r["sent"] == 20
    assert r["confirmed"] == 0
    assert r["failed"] == {"insufficient-funds": 20}
    assert r["latency_s"]["p50"] is None


def test_report_rebuilds_identical_summary(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(tmp_path / "w.yaml", FIXED.replace("6s", "2s"))
    assert (
        chainmark(
            "run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q"
        ).returncode
        == 0
    )
    run_dir = only_run_dir(tmp_path / "out")
    before = (run_dir / "summary.json").read_text()
    (run_dir / "summary.json").unlink()
    (run_dir / "report.html").unlink()
    result = chainmark("report", str(run_dir))
    assert result.returncode == 0, result.stderr
    assert (run_dir / "summary.json").read_text() == before
    assert (run_dir / "report.html").stat().st_size > 100_000
    assert "steady" in result.stdout


def test_prometheus_metrics_are_scraped_into_the_run(
    tmp_path: Path, anvil: ManagedAnvil, metrics_server: str
) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        FIXED.replace("6s", "2s").replace(
            "target: {confirm_grace: 15s}",
            f"target: {{confirm_grace: 15s, prometheus: {{url: '{metrics_server}', metrics: [chainmark_test_counter], "
            "interval: 0.5s}}",
        ),
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    with db(run_dir) as conn:
        values = [
            v for (v,) in conn.execute("SELECT value FROM prometheus WHERE name = 'chainmark_test_counter'")
        ]
    assert len(values) >= 4 and values == sorted(values)
    assert "Node metrics scraped from its Prometheus endpoint" in (run_dir / "report.html").read_text()


def test_new_rate_controllers_on_a_real_node(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        """
name: controllers
accounts: {count: 40, seed: 13}
rounds:
  - label: steps
    rate: {type: step-rate, steps: [{duration: 1s, tps: 20}, {duration: 1s, tps: 80}]}
  - label: clients
    tx_count: 150
    rate: {type: fixed-concurrency, clients: 3}
  - label: flat-out
    tx_count: 400
    rate: {type: maximum-rate, max_outstanding: 120}
""",
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    summary = read_summary(run_dir)
    assert [(r["sent"], r["confirmed"]) for r in summary["rounds"]] == [(100, 100), (150, 150), (400, 400)]
    with db(run_dir) as conn:
        steps = [
            t
            for (t,) in conn.execute(
                "SELECT s.intended - r.started FROM sends s JOIN txs t ON t.id = s.tx "
                "JOIN rounds r ON r.idx = t.round WHERE t.round = 0 ORDER BY 1"
            )
        ]
        clients = conn.execute(
            "SELECT s.sent, s.answered FROM sends s JOIN txs t ON t.id = s.tx WHERE t.round = 1"
        ).fetchall()
        flat = conn.execute(
            "SELECT s.sent, i.seen FROM sends s JOIN txs t ON t.id = s.tx "
            "JOIN inclusions i ON i.tx = s.tx WHERE t.round = 2"
        ).fetchall()
    assert steps[:20] == pytest.approx([i / 20 for i in range(20)])
    assert steps[20:] == pytest.approx([1 + i / 80 for i in range(80)])

    assert peak_overlap(clients) == 3, "fixed-concurrency: exactly 3 requests in flight at the most"
    assert peak_overlap(flat) == 120, "maximum-rate: the outstanding bound is reached and never passed"


def test_weighted_mix_with_reads_and_skewed_choices(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    workload = write_workload(
        tmp_path / "w.yaml",
        """
name: mix
accounts: {count: 30, seed: 17}
rounds:
  - label: mixed
    tx_count: 400
    rate: {type: fixed-rate, tps: 200}
    from: {distribution: zipfian, theta: 1.2}
    mix:
      - {weight: 3, tx: {kind: transfer, to: {distribution: hotspot, hot_fraction: 0.1, hot_traffic: 0.9}}}
      - {weight: 1, tx: {kind: balance-read, of: {distribution: uniform}}}
""",
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path / "out")
    r = read_summary(run_dir)["rounds"][0]
    kinds = r["by_kind"]
    assert kinds["transfer"]["sent"] + kinds["balance-read"]["sent"] == 400
    assert 0.65 < kinds["transfer"]["sent"] / 400 < 0.85, "weights 3:1"
    assert r["sent"] == r["confirmed"] == kinds["transfer"]["confirmed"] == kinds["transfer"]["sent"]
    assert r["reads"]["ok"] == r["reads"]["sent"] == kinds["balance-read"]["sent"]
    assert r["reads"]["latency_s"]["p50"] < 0.5, "a read is done when answered, not when a block comes"
    with db(run_dir) as conn:
        hashes = {bytes(h): i for i, h in conn.execute("SELECT id, hash FROM txs WHERE length(hash) > 0")}
        senders = [s for (s,) in conn.execute("SELECT sender FROM txs WHERE kind = 'transfer'")]
    assert sum(len(ids) for ids in _chain_view(rpc, hashes).values()) == r["confirmed"]
    top = max(senders.count(s) for s in set(senders))
    assert top > 3 * len(senders) / 30, "zipfian senders: the first account sends far more than its share"


def test_suite_runs_every_workload_and_writes_an_index(tmp_path: Path, anvil: ManagedAnvil) -> None:
    for name in ("one", "two"):
        write_workload(
            tmp_path / f"{name}.yaml",
            f"""
name: suite-{name}
accounts: {{count: 5, seed: 3}}
rounds:
  - label: r-{name}
    tx_count: 20
    rate: {{type: fixed-rate, tps: 40}}
""",
        )
    (tmp_path / "manifest.yaml").write_text("suite: mini\nversion: 2\nworkloads: [one.yaml, two.yaml]\n")
    result = chainmark(
        "run",
        "--suite",
        str(tmp_path / "manifest.yaml"),
        "--target-url",
        anvil.url,
        "--out",
        str(tmp_path / "out"),
        "-q",
    )
    assert result.returncode == 0, result.stderr
    suite_dir = only_run_dir(tmp_path / "out")
    assert suite_dir.name.endswith("-suite-mini")
    runs = sorted(p for p in suite_dir.iterdir() if p.is_dir())
    assert [read_summary(r)["workload"] for r in runs] == ["suite-one", "suite-two"]
    assert all(read_summary(r)["rounds"][0]["confirmed"] == 20 for r in runs)
    index = (suite_dir / "index.html").read_text()
    assert "chainmark suite mini v2" in index
    for run in runs:
        assert f'href="{run.name}/report.html"' in index


# Anvil's first default dev account (the well-known test mnemonic): funded on every fresh Anvil.
ANVIL_KEY_0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def test_funder_key_from_the_environment_funds_and_is_never_written(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    workload = write_workload(tmp_path / "w.yaml", FIXED.replace("6s", "1s"))
    funder = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    before = int(rpc.call("eth_getTransactionCount", funder, "latest"), 16)
    result = chainmark(
        "run",
        str(workload),
        "--target-url",
        anvil.url,
        "--out",
        str(tmp_path / "out"),
        env={**os.environ, "CHAINMARK_FUNDER_KEY": "0x" + ANVIL_KEY_0},
    )
    assert result.returncode == 0, result.stderr
    # The funder signed the 20 funding transfers itself (raw transactions, nonces counted on chain).
    assert int(rpc.call("eth_getTransactionCount", funder, "latest"), 16) == before + 20
    run_dir = only_run_dir(tmp_path / "out")
    everything = [result.stdout, result.stderr] + [
        p.read_bytes().decode("latin-1") for p in run_dir.iterdir() if p.is_file()
    ]
    assert not any(ANVIL_KEY_0 in text or ANVIL_KEY_0.upper() in text for text in everything)
    assert not any(bytes.fromhex(ANVIL_KEY_0).decode("latin-1") in text for text in everything)


def test_bad_funder_key_is_one_line_and_not_echoed(tmp_path: Path, anvil: ManagedAnvil) -> None:
    workload = write_workload(tmp_path / "w.yaml", FIXED)
    result = chainmark(
        "run",
        str(workload),
        "--target-url",
        anvil.url,
        "--out",
        str(tmp_path / "out"),
        env={**os.environ, "CHAINMARK_FUNDER_KEY": "nothex-secret"},
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip() == "error: CHAINMARK_FUNDER_KEY: expected 32 bytes of hex or a WIF key "
        "(base58: invalid character at position 6; the value is not shown)"
    )


def test_a_round_cut_short_by_its_duration_re_signs_the_next(tmp_path: Path, anvil: ManagedAnvil) -> None:
    """A duration-bounded closed loop signs more than it sends; the unused nonces move the next round back."""
    workload = write_workload(
        tmp_path / "w.yaml",
        """
name: resign
accounts: {count: 10, seed: 23}
rounds:
  - label: backlog
    duration: 2s
    rate: {type: fixed-backlog, in_flight: 20}
  - label: after
    tx_count: 40
    rate: {type: fixed-rate, tps: 40}
""",
    )
    result = chainmark("run", str(workload), "--target-url", anvil.url, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "re-signed 40 transactions of later rounds" in result.stderr
    first, after = read_summary(only_run_dir(tmp_path / "out"))["rounds"]
    assert first["sent"] < first["planned"] == 160
    assert first["notes"] == [f"sent {first['sent']} of 160 pre-signed transactions"]
    assert after["sent"] == after["confirmed"] == 40 and after["timed_out"] == 0
