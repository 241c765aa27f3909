"""The managed Hardhat and Ganache nodes: started like Anvil, measured with the default workload, always stopped."""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from bench.chains.ethereum.nodes import MANAGED_NODES
from bench.targets.managed import ManagedNode
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint
from tests.runhelpers import chainmark, only_run_dir, read_summary

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

CLIENTS = {"anvil": "anvil/v1.7.1", "hardhat": "HardhatNetwork/2.29.1", "ganache": "Ganache/v7.9.2"}


@pytest.mark.parametrize("name", sorted(MANAGED_NODES))
def test_node_starts_with_the_chain_asked_for_and_stops(tmp_path: Path, name: str) -> None:
    node: ManagedNode = MANAGED_NODES[name](tmp_path / f"{name}.log", block_time=1.0, gas_limit=50_000_000)
    with node:
        rpc = RpcClient(parse_endpoint(node.url))
        assert rpc.call("web3_clientVersion").startswith(CLIENTS[name])
        assert node.version == CLIENTS[name].split("/")[1].lstrip("v")
        first = int(rpc.call("eth_blockNumber"), 16)
        deadline = time.monotonic() + 10
        while int(rpc.call("eth_blockNumber"), 16) < first + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        head = rpc.call("eth_getBlockByNumber", "latest", False)
        parent = rpc.call(
            "eth_getBlockByNumber", head["parentHash"] and hex(int(head["number"], 16) - 1), False
        )
        assert int(head["timestamp"], 16) - int(parent["timestamp"], 16) in (1, 2), "interval mining at 1 s"
        assert int(head["gasLimit"], 16) == 50_000_000
        base_fee = int(head.get("baseFeePerGas", "0x0"), 16)
        if name == "anvil":  # its normal EIP-1559 base fee: 1 gwei at genesis, falling 1/8 an empty block
            assert 0 < base_fee <= 10**9
        else:
            assert base_fee == 0, "Hardhat (initial base fee 0) and Ganache (berlin) have none"
        (dev, *_) = rpc.call("eth_accounts")
        assert int(rpc.call("eth_getBalance", dev, "latest"), 16) >= 10**8 * 10**18
        pid = node.pid
        rpc.close()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    if name == "hardhat":
        assert (tmp_path / "hardhat.config.js").is_file(), "the node's config is kept beside its log"
        assert not list(
            (Path(__file__).resolve().parents[2] / ".tools" / "hardhat-configs").glob(f"node-*-{node.port}.*")
        )


@pytest.mark.parametrize("name", ["hardhat", "ganache"])
def test_the_default_workload_runs_on_the_managed_node(tmp_path: Path, name: str) -> None:
    done = chainmark(
        "run", "workloads/transfer.yaml", "--node", name, "--out", str(tmp_path), "-q", timeout=300
    )
    assert done.returncode == 0, done.stderr
    run_dir = only_run_dir(tmp_path)
    summary = read_summary(run_dir)
    assert summary["status"] == "completed"
    assert summary["target"]["client"].startswith(CLIENTS[name])
    assert summary["target"]["node"] == {"name": name, "version": CLIENTS[name].split("/")[1].lstrip("v")}
    for r in summary["rounds"]:
        assert r["sent"] == r["planned"]
        assert r["confirmed"] + sum(r["failed"].values()) + r["timed_out"] == r["sent"]
    assert (run_dir / f"{name}.log").stat().st_size > 0
    assert not [
        p for p in psutil.process_iter(["cmdline"]) if str(run_dir) in " ".join(p.info["cmdline"] or [])
    ]
