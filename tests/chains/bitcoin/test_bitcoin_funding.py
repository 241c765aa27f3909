"""Funding a Bitcoin run on a node chainmark did not start (targeted by URL), on a real 2-node litecoind
regtest network (127.0.0.1, never a mock) whose node-0 has a wallet with mined coins: from a WIF funder key,
from the node's wallet, and one error line when neither can pay; and consolidations (k -> 1) whose
prepared inputs are confirmed with the funding."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.chains.bitcoin.keys import derive_keys, encode_wif, p2wpkh_address, public_key_of
from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig
from tests.runhelpers import chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.slow

FUNDER = derive_keys(424242, 1)[0]  # a regtest key the fixture mines coins to
HRP = "rltc"
# An account's writes are 2 s apart in these workloads: a chained spend sent before its parent reached the
# node is refused (missing inputs), and the load generator can start a round a few hundred ms late.

TRANSFERS = """\
name: btc-remote
target: {chain: bitcoin}
accounts: {count: 20, seed: SEED}
rounds:
  - {label: transfers, tx_count: 60, rate: {type: fixed-rate, tps: 10}, tx: {kind: btc-transfer}}
"""

CONSOLIDATIONS = """\
name: btc-consolidate-remote
target: {chain: bitcoin}
accounts: {count: 16, seed: 77}
rounds:
  - label: mixed
    tx_count: 48
    rate: {type: fixed-rate, tps: 8}
    mix:
      - {weight: 2, tx: {kind: btc-consolidate, inputs: 3}}
      - {weight: 1, tx: {kind: btc-transfer}}
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedNetwork]:
    """node-0 holds a wallet `bench` with mature coins and the funder key has 5 mature coinbases; a block
    every 0.5 s from then on."""
    if shutil.which("litecoind") is None:
        pytest.skip("litecoind is not installed (Debian package litecoind)")
    run_dir = tmp_path_factory.mktemp("funding")
    with ManagedNetwork(NetworkConfig(nodes=2, topology="line", block_time=0.5), run_dir) as net:
        node = net.nodes[0]
        node.call("createwallet", "bench")
        node.call("generatetoaddress", 5, p2wpkh_address(public_key_of(FUNDER), HRP))
        net.mature(str(node.call("getnewaddress")), 105)
        net.start_producer([p2wpkh_address(public_key_of(derive_keys(1, 1)[0]), HRP)])
        yield net


def _run(tmp_path: Path, text: str, url: str, key: str | None = None) -> Any:
    env = {"CHAINMARK_FUNDER_KEY": key or ""}
    path = write_workload(tmp_path / "w.yaml", text)
    out = tmp_path / "out"
    return chainmark(
        "run", str(path), "--target-url", url, "--out", str(out), env={**os.environ, **env}, timeout=300
    )


def _meta(run_dir: Path) -> dict[str, Any]:
    with db(run_dir) as store:
        return {k: json.loads(v) for k, v in store.execute("SELECT key, value FROM meta").fetchall()}


def _blocks_hold(run_dir: Path) -> int:
    with db(run_dir) as store:
        return int(store.execute("SELECT SUM(tx_count) FROM blocks").fetchone()[0])


def test_a_wif_funder_key_funds_the_run_and_is_never_written(tmp_path: Path, network: ManagedNetwork) -> None:
    wif = encode_wif(FUNDER, 0xEF)
    done = _run(tmp_path, TRANSFERS.replace("SEED", "5"), network.nodes[1].url, key=wif)
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(tmp_path / "out")
    (one,) = read_summary(run_dir)["rounds"]
    assert (one["planned"], one["sent"], one["confirmed"]) == (60, 60, 60)
    funding = _meta(run_dir)["funding"]
    assert (funding["transactions"], funding["source"], funding["wallet_txids"]) == (1, "key", [])
    assert read_summary(run_dir)["funding"] == funding
    assert _blocks_hold(run_dir) == 60  # the observer starts after funding: the blocks hold our spends only
    written = [p.read_bytes() for p in run_dir.rglob("*") if p.is_file()]
    assert not any(wif.encode() in b or FUNDER.hex().encode() in b or FUNDER in b for b in written)
    assert wif not in done.stderr + done.stdout


def test_the_node_s_wallet_funds_the_run_without_a_key(tmp_path: Path, network: ManagedNetwork) -> None:
    node = network.nodes[0]
    done = _run(tmp_path, TRANSFERS.replace("SEED", "6"), node.url + "wallet/bench")
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(tmp_path / "out")
    (one,) = read_summary(run_dir)["rounds"]
    assert (one["planned"], one["confirmed"]) == (60, 60)
    funding = _meta(run_dir)["funding"]
    assert (funding["transactions"], funding["source"]) == (2, "wallet")  # the wallet's payment, the fan-out
    assert read_summary(run_dir)["funding"] == funding
    (paid,) = funding["wallet_txids"]
    payment = node.call("gettransaction", paid)
    assert payment["confirmations"] >= 1
    # the wallet paid what the fan-out spreads, plus the fan-out's fee and its least change
    assert round(-float(payment["amount"]) * 1e8) > funding["satoshis"] > 0
    assert _blocks_hold(run_dir) == 60
    assert "the node's wallet paid the run's funder" in done.stderr


def test_an_empty_wallet_is_one_line(tmp_path: Path, network: ManagedNetwork) -> None:
    node = network.nodes[0]
    if "empty" not in node.call("listwallets"):
        node.call("createwallet", "empty")
    done = _run(tmp_path, TRANSFERS.replace("SEED", "7"), node.url + "wallet/empty")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "error: the node's wallet holds 0.00000000 coins (confirmed), the run's funding needs"
    )
    assert [line for line in done.stderr.splitlines() if line.startswith("error: ")] == [last]


def test_two_wallets_and_no_name_is_one_line(tmp_path: Path, network: ManagedNetwork) -> None:
    node = network.nodes[0]
    if "empty" not in node.call("listwallets"):
        node.call("createwallet", "empty")
    done = _run(tmp_path, TRANSFERS.replace("SEED", "8"), node.url)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "error: the node has several wallets loaded: name one in the target URL (.../wallet/NAME), "
        "or set CHAINMARK_FUNDER_KEY"
    )


def test_no_key_and_no_wallet_is_one_line(tmp_path: Path, network: ManagedNetwork) -> None:
    """node-1 has no wallet loaded: on regtest the run looks for the managed network's funder coins,
    which this network never mined, and says what to do."""
    done = _run(tmp_path, TRANSFERS.replace("SEED", "9"), network.nodes[1].url)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "has no spendable coin on the node" in last and "load a wallet on the node" in last
    assert "error: " not in "\n".join(done.stderr.strip().splitlines()[:-1])


def test_consolidations_spend_inputs_prepared_with_the_funding(
    tmp_path: Path, network: ManagedNetwork
) -> None:
    done = _run(tmp_path, CONSOLIDATIONS, network.nodes[0].url, key=FUNDER.hex())
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(tmp_path / "out")
    (one,) = read_summary(run_dir)["rounds"]
    assert (one["planned"], one["sent"], one["confirmed"]) == (48, 48, 48)
    consolidations = one["by_kind"]["btc-consolidate"]
    assert consolidations["confirmed"] == consolidations["sent"] > 0
    node = network.nodes[0]
    with db(run_dir) as store:
        hashes = [
            bytes(h).hex()
            for (h,) in store.execute("SELECT hash FROM txs WHERE kind = 'btc-consolidate'").fetchall()
        ]
        consolidating = store.execute(
            "SELECT COUNT(DISTINCT sender) FROM txs WHERE kind = 'btc-consolidate'"
        ).fetchone()[0]
    funding = _meta(run_dir)["funding"]  # one split per account that consolidates, and the fan-out
    assert funding["splits"] == consolidating > 8 and funding["transactions"] == 1 + consolidating
    for txid in hashes[:10]:  # each is a real 3 -> 1 spend on the chain
        tx = node.call("getrawtransaction", txid, True, _block_of(node, txid))
        assert (len(tx["vin"]), len(tx["vout"])) == (3, 1)
    assert _blocks_hold(run_dir) == 48


def _block_of(node: Any, txid: str) -> str:
    """The block holding `txid` (no -txindex: getrawtransaction needs it), searched from the tip down."""
    block = str(node.call("getbestblockhash"))
    for _ in range(200):
        found = node.call("getblock", block, 1)
        if txid in found["tx"]:
            return block
        block = str(found["previousblockhash"])
    raise AssertionError(f"{txid} not in the last 200 blocks")


def test_wrong_credentials_are_one_line_without_them(tmp_path: Path, network: ManagedNetwork) -> None:
    url = f"http://chainmark:wrong-secret@127.0.0.1:{network.nodes[0].rpc_port}/"
    done = _run(tmp_path, TRANSFERS.replace("SEED", "10"), url)
    assert done.returncode in (1, 2)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [done.stderr.strip().splitlines()[-1]], done.stderr
    assert "unauthorized: check the URL's user:password" in errors[0]
    assert "wrong-secret" not in done.stderr + done.stdout


SPREAD = """\
name: btc-remote-network
target: {{chain: bitcoin, nodes: ['{a}', '{b}'], submit: by-account, confirm_at: all}}
accounts: {{count: 20, seed: 11}}
rounds:
  - {{label: spread, tx_count: 60, rate: {{type: fixed-rate, tps: 10}}, tx: {{kind: btc-transfer}}}}
"""


def test_a_remote_network_s_nodes_each_take_their_senders_writes(
    tmp_path: Path, network: ManagedNetwork
) -> None:
    """`target.nodes` on a network chainmark did not start: writes leave by sender to both nodes (each
    sender's chained spends on one node, so none is refused for a parent not yet relayed), node-0's blocks
    confirm them all, and both nodes' tips are followed; their credentials are written nowhere."""
    a, b = (node.url for node in network.nodes)
    path = write_workload(tmp_path / "w.yaml", SPREAD.format(a=a, b=b))
    out = tmp_path / "out"
    env = {**os.environ, "CHAINMARK_FUNDER_KEY": FUNDER.hex()}
    done = chainmark("run", str(path), "--out", str(out), env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    run_dir = only_run_dir(out)
    summary = read_summary(run_dir)
    (one,) = summary["rounds"]
    assert (one["sent"], one["confirmed"], one["failed"]) == (60, 60, {}), one["timed_out_by_reason"]
    assert _blocks_hold(run_dir) == 60
    with db(run_dir) as store:
        rows = store.execute("SELECT sender, node FROM txs").fetchall()
    assert all(node == sender % 2 for sender, node in rows) and {n for _, n in rows} == {0, 1}
    assert [n["node"] for n in summary["propagation"]["nodes"]] == [0, 1]
    # the headline latency is at both nodes (confirm_at: all), node 0's (the observer's) beside it
    (at_nodes,) = summary["propagation"]["confirmed_at_nodes"]
    assert one["latency_at"] == "2 of 2 nodes (all)" and one["latency_s"] == at_nodes["all"]
    assert one["latency_node0_s"]["confirmed_fraction"] == 1.0 == one["latency_s"]["confirmed_fraction"]
    target = _meta(run_dir)["target"]
    assert target["submit"] == "by-account" and len(target["nodes"]) == 2
    secrets = [node.credentials.password for node in network.nodes]
    written = b"".join(p.read_bytes() for p in run_dir.rglob("*") if p.is_file())
    assert not any(s.encode() in written or s in done.stderr + done.stdout for s in secrets)
