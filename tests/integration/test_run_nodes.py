"""`target.nodes` and `target.submit` on real Anvil nodes (127.0.0.1, never a mock): writes spread over the
nodes' routes by the policy, each recorded with its node, every node's tip followed; in one process and on
Locust workers. Anvils do not peer, so the runs here reach one Anvil by two routes (its URL with and
without a trailing slash): what they check is the send path and the watchers, not a network's gossip (the
litecoind network tests do that). A node of another chain, or one that does not answer, is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.targets.managed import free_port
from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

SPREAD = """\
name: spread
target: {{nodes: ['{a}', '{b}'], submit: {policy}, batch: {batch}}}
accounts: {{count: 10}}
rounds:
  - {{label: spread, tx_count: 120, rate: {{type: fixed-rate, tps: 60}}, tx: {{kind: transfer}}}}
"""


def _spread(tmp_path: Path, anvil: ManagedAnvil, policy: str, batch: str, *extra: str) -> Path:
    text = SPREAD.format(a=anvil.url, b=anvil.url + "/", policy=policy, batch=batch)
    out = tmp_path / "out"
    done = chainmark("run", str(write_workload(tmp_path / "w.yaml", text)), "--out", str(out), "-q", *extra)
    assert done.returncode == 0, done.stderr[-2000:]
    return only_run_dir(out)


@pytest.mark.parametrize(("policy", "batch"), [("round-robin", "auto"), ("by-account", "off")])
def test_writes_leave_by_each_node_s_route_as_the_policy_says(
    tmp_path: Path, anvil: ManagedAnvil, policy: str, batch: str
) -> None:
    run_dir = _spread(tmp_path, anvil, policy, batch)
    summary = read_summary(run_dir)
    (one,) = summary["rounds"]
    assert (one["sent"], one["confirmed"], one["failed"]) == (120, 120, {})
    with db(run_dir) as store:
        rows = store.execute("SELECT seq, sender, node FROM txs WHERE round = 0 ORDER BY seq").fetchall()
        tips = dict(store.execute("SELECT node, COUNT(*) FROM node_tips GROUP BY node").fetchall())
        in_blocks = store.execute("SELECT SUM(tx_count) FROM blocks").fetchone()[0]
        target = store.execute("SELECT value FROM meta WHERE key = 'target'").fetchone()[0]
    if policy == "round-robin":
        assert [node for _, _, node in rows] == [seq % 2 for seq, _, _ in rows]
    else:
        assert all(node == sender % 2 for _, sender, node in rows)
    assert {node for _, _, node in rows} == {0, 1}
    assert in_blocks == 120  # the chain's own blocks hold every write, whichever route it took
    # both "nodes" were watched: each was seen holding blocks
    assert set(tips) == {0, 1} and min(tips.values()) >= 2, tips
    assert '"submit": "' + policy + '"' in target
    # 1 write in 100 (ids 0 and 100) followed into both mempools; a pending one is seen at both, one mined
    # before a poll at neither, and neither is ever seen before its send
    pool = summary["propagation"]["mempool"]
    assert (pool["sampled_every"], pool["followed"]) == (100, 2)
    assert all(n["seen"] <= 2 and n["after_send_ms"]["p50"] >= 0 for n in pool["nodes"]), pool
    assert set(pool["watcher_load"]["requests"]) == {"0", "1"}


def test_locust_workers_spread_writes_as_one_process_does(tmp_path: Path, anvil: ManagedAnvil) -> None:
    run_dir = _spread(tmp_path, anvil, "round-robin", "auto", "--workers", "2")
    (one,) = read_summary(run_dir)["rounds"]
    assert (one["sent"], one["confirmed"]) == (120, 120)
    with db(run_dir) as store:
        by_node = dict(store.execute("SELECT node, COUNT(*) FROM txs GROUP BY node").fetchall())
        workers = store.execute("SELECT COUNT(DISTINCT worker) FROM sends").fetchone()[0]
    assert by_node == {0: 60, 1: 60} and workers == 2


def test_a_node_of_another_chain_is_one_line(tmp_path: Path, anvil: ManagedAnvil) -> None:
    # another Anvil with another block gas limit: another genesis block
    with ManagedAnvil(tmp_path / "other.log", block_time=1.0, gas_limit=50_000_000) as other:
        text = SPREAD.format(a=anvil.url, b=other.url, policy="round-robin", batch="auto")
        done = chainmark("run", str(write_workload(tmp_path / "w.yaml", text)), "--out", str(tmp_path / "o"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"target.nodes: node 1 ({other.url}) is on another chain: its genesis block is" in done.stderr


def test_a_node_that_does_not_answer_is_one_line(tmp_path: Path, anvil: ManagedAnvil) -> None:
    silent = f"http://127.0.0.1:{free_port()}"
    text = SPREAD.format(a=anvil.url, b=silent, policy="primary", batch="auto")
    done = chainmark("run", str(write_workload(tmp_path / "w.yaml", text)), "--out", str(tmp_path / "o"))
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert f"target.nodes: node 1 ({silent}) did not answer: " in done.stderr


@pytest.mark.parametrize(
    ("target", "args", "expected"),
    [
        (
            "{nodes: [http://127.0.0.1:9, http://127.0.0.1:10], confirm_at: all}",
            ("--target-url", "http://127.0.0.1:11"),
            "target.confirm_at: counts the nodes holding a write's block, and --target-url names one node",
        ),
        (
            "{nodes: [http://127.0.0.1:9, http://127.0.0.1:10], submit: by-account}",
            ("--target-url", "http://127.0.0.1:11"),
            "target.submit: by-account spreads writes over the workload's nodes, and --target-url names one node",
        ),
        (
            "{nodes: [http://127.0.0.1:9, http://127.0.0.1:10]}",
            ("--node", "anvil"),
            "target.nodes: --node anvil starts one managed node, and the workload names a remote network",
        ),
    ],
    ids=["confirm-at", "submit", "node"],
)
def test_one_node_on_the_command_line_refuses_a_network_s_settings(
    tmp_path: Path, target: str, args: tuple[str, ...], expected: str
) -> None:
    text = f"name: n\ntarget: {target}\nrounds:\n  - {{label: a, tx_count: 5, rate: {{type: fixed-rate, tps: 5}}}}\n"
    path = write_workload(tmp_path / "w.yaml", text)
    done = chainmark("run", str(path), *args, "--out", str(tmp_path / "o"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{path}: {expected}" in done.stderr, done.stderr
    assert not (tmp_path / "o").exists()  # nothing started
