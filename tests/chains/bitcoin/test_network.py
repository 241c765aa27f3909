"""The managed regtest network on real litecoind processes (127.0.0.1): peering by topology, block propagation,
maturing coins, the block producer's timing and turns, 500+ blocks with MWEB kept inactive, fault hooks, and
no process left behind however the network ends."""

from __future__ import annotations

import itertools
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig
from bench.chains.bitcoin.producer import BlockProducer, next_slot
from bench.chains.bitcoin.topology import degree, links
from bench.errors import TargetError

needs_litecoind = pytest.mark.skipif(
    shutil.which("litecoind") is None, reason="litecoind is not installed (make bitcoin-deps)"
)
Address = Callable[[int], str]


@pytest.mark.parametrize(
    ("topology", "nodes", "expected"),
    [
        ("line", 1, ()),
        ("ring", 1, ()),
        ("line", 3, ((0, 1), (1, 2))),
        ("ring", 2, ((0, 1),)),  # a 2-node ring is a line: one pair is never linked twice
        ("ring", 3, ((0, 1), (1, 2), (2, 0))),
        ("mesh", 4, ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))),
    ],
)
def test_links_follow_the_topology(topology: str, nodes: int, expected: tuple[tuple[int, int], ...]) -> None:
    assert links(topology, nodes) == expected


def test_a_node_s_degree_counts_both_ends_of_its_links() -> None:
    assert [degree(links("line", 4), k) for k in range(4)] == [1, 2, 2, 1]
    assert [degree(links("ring", 4), k) for k in range(4)] == [2, 2, 2, 2]


@pytest.mark.parametrize(
    ("slot", "now", "expected"),
    [
        (1, 1.02, 2),  # on time: the next slot
        (1, 1.9, 2),  # late, but less than a whole interval past slot 2: still slot 2
        (1, 2.3, 2),
        (1, 3.1, 3),  # a whole interval past slot 2: it is skipped, not caught up
        (1, 5.6, 5),
    ],
)
def test_next_slot_keeps_the_absolute_schedule(slot: int, now: float, expected: int) -> None:
    assert next_slot(slot, t0=0.0, interval=1.0, now=now) == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"nodes": 0}, "at least 1 node"),
        ({"topology": "star"}, "line, ring, mesh"),
        ({"block_time": 0}, "block_time must be > 0"),
        ({"producer": "node-3"}, "round-robin or one of node-0, node-1, node-2"),
        ({"limit_ancestor_count": 0}, "mempool limit"),
    ],
)
def test_a_bad_config_is_refused_with_what_was_expected(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NetworkConfig(**fields)  # type: ignore[arg-type]


def test_the_config_says_who_produces() -> None:
    assert NetworkConfig(producer="node-2").producers == (2,)
    assert NetworkConfig(nodes=3, producer="round-robin").producers == (0, 1, 2)
    args = NetworkConfig(limit_ancestor_count=500, limit_descendant_count=600).node_args()
    assert "-limitancestorcount=500" in args and "-limitdescendantcount=600" in args


def _poll(done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _peer_counts(network: ManagedNetwork) -> list[int]:
    return [int(node.call("getconnectioncount")) for node in network.nodes]


def _litecoinds_under(run_dir: Path) -> list[psutil.Process]:
    alive = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if "litecoind" in cmdline and str(run_dir) in cmdline and process.status() != psutil.STATUS_ZOMBIE:
            alive.append(process)
    return alive


@needs_litecoind
def test_a_ring_peers_each_node_with_its_two_neighbours(ring: ManagedNetwork) -> None:
    assert _peer_counts(ring) == [2, 2, 2]
    for a, b in ring.links:
        outbound = [p["addr"] for p in ring.nodes[a].call("getpeerinfo") if not p["inbound"]]
        assert ring.nodes[b].p2p_address in outbound


@needs_litecoind
def test_a_block_mined_on_node_0_reaches_every_node(ring: ManagedNetwork, address: Address) -> None:
    (block,) = ring.nodes[0].call("generatetoaddress", 1, address(1))
    _poll(lambda: [n.call("getbestblockhash") for n in ring.nodes] == [block] * 3)


@needs_litecoind
def test_mature_leaves_a_spendable_coinbase_on_every_node(ring: ManagedNetwork, address: Address) -> None:
    funder = address(2)
    tip = ring.mature(funder)
    assert [n.call("getbestblockhash") for n in ring.nodes] == [tip] * 3
    height = ring.nodes[2].call("getblockcount")
    scan = ring.nodes[2].call("scantxoutset", "start", [f"addr({funder})"])
    mature = [u for u in scan["unspents"] if height - u["height"] >= 100]
    assert len(mature) >= 1 and mature[0]["amount"] > 0


@needs_litecoind
def test_the_producer_keeps_the_block_time(ring: ManagedNetwork, address: Address) -> None:
    ring.start_producer([address(3)])
    time.sleep(4)
    produced = ring.stop_producer()
    assert all(p.error is None for p in produced), [p.error for p in produced]
    assert 6 <= len(produced) <= 10, len(produced)
    intervals = [b.at - a.at for a, b in itertools.pairwise(produced)]
    assert abs(statistics.median(intervals) - 0.5) <= 0.1, intervals
    assert {p.node for p in produced} == {0}
    assert all(p.at >= p.intended for p in produced), "no block before its slot"
    assert ring.wait_synced() == produced[-1].block_hash, "every produced block reached every node"


@needs_litecoind
def test_520_blocks_mine_with_mweb_kept_inactive(ring: ManagedNetwork, address: Address) -> None:
    """Without -vbparams=mweb:..., MWEB activates at height 432 and generatetoaddress fails from there."""
    hashes = ring.nodes[0].call("generatetoaddress", 520, address(4))
    ring.wait_synced(hashes[-1])
    info = ring.nodes[1].call("getblockchaininfo")
    assert info["blocks"] >= 520
    assert info["softforks"]["mweb"]["active"] is False
    assert ring.metadata()["vbparams"].startswith("mweb:9999999999:9999999999 (MWEB kept inactive")


@needs_litecoind
def test_the_metadata_says_how_the_network_was_made(ring: ManagedNetwork) -> None:
    meta = ring.metadata()
    assert {k: meta[k] for k in ("nodes", "topology", "block_time_s", "producer")} == {
        "nodes": 3,
        "topology": "ring",
        "block_time_s": 0.5,
        "producer": "node-0",
    }
    assert meta["version"].startswith("Litecoin Core version v0.21")
    assert meta["links"] == [[0, 1], [1, 2], [2, 0]]
    assert meta["whitelist"].startswith("noban@127.0.0.1 (the nodes trust each other")


@needs_litecoind
def test_credentials_are_in_the_url_only(ring: ManagedNetwork) -> None:
    node = ring.nodes[0]
    password = node.credentials.password
    assert password in node.url and password not in node.redacted_url and "***@" in node.redacted_url
    assert password not in " ".join(psutil.Process(node.pid).cmdline()), "litecoind gets a salted HMAC"
    assert password not in repr(node.credentials)
    for path in ring.run_dir.rglob("*.log"):
        assert password not in path.read_text(errors="replace")


@needs_litecoind
@pytest.mark.parametrize(("topology", "peers"), [("line", [1, 2, 2, 1]), ("mesh", [3, 3, 3, 3])])
def test_line_and_mesh_have_their_links_and_sync(
    tmp_path: Path, address: Address, topology: str, peers: list[int]
) -> None:
    with ManagedNetwork(NetworkConfig(nodes=4, topology=topology), tmp_path) as network:
        assert _peer_counts(network) == peers
        # fresh nodes are in initial block download, fetching only from preferred peers: in a line node-1's
        # one outbound peer is node-2, which has no blocks (so the nodes trust each other: -whitelist=noban)
        tip = network.mature(address(5))
        assert [n.call("getbestblockhash") for n in network.nodes] == [tip] * 4


@needs_litecoind
def test_round_robin_takes_turns_and_each_node_mines_its_own_blocks(tmp_path: Path, address: Address) -> None:
    config = NetworkConfig(nodes=3, topology="ring", block_time=0.25, producer="round-robin")
    mine_to = [address(10 + k) for k in range(3)]
    with ManagedNetwork(config, tmp_path) as network:
        network.start_producer(mine_to)
        time.sleep(2)
        produced = [p for p in network.stop_producer() if p.block_hash]
        assert len(produced) >= 6
        assert [p.node for p in produced] == [(p.slot - 1) % 3 for p in produced]
        assert {p.node for p in produced} == {0, 1, 2}
        assert all(a.node != b.node for a, b in itertools.pairwise(produced) if b.slot == a.slot + 1)
        network.wait_synced()
        for p in produced:
            coinbase = network.nodes[2].call("getblock", p.block_hash, 2)["tx"][0]
            assert coinbase["vout"][0]["scriptPubKey"]["addresses"] == [mine_to[p.node]]


@needs_litecoind
def test_stop_leaves_no_process_and_keeps_the_data_dirs(tmp_path: Path) -> None:
    network = ManagedNetwork(NetworkConfig(nodes=2, topology="line"), tmp_path).start()
    pids = [node.pid for node in network.nodes]
    assert len(_litecoinds_under(tmp_path)) == 2
    network.stop()
    network.stop()  # twice is fine
    assert not _litecoinds_under(tmp_path)
    assert not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    for node in network.nodes:
        assert (node.datadir / "regtest" / "blocks").is_dir()
        assert "Shutdown: done" in node.log_path.read_text()


@needs_litecoind
def test_an_exception_inside_the_network_stops_every_node(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), ManagedNetwork(NetworkConfig(nodes=2), tmp_path):
        assert len(_litecoinds_under(tmp_path)) == 2
        raise RuntimeError("boom")
    assert not _litecoinds_under(tmp_path)


@needs_litecoind
def test_no_node_outlives_a_killed_chainmark(tmp_path: Path) -> None:
    """SIGKILL leaves no cleanup to run: the kernel kills each node (PR_SET_PDEATHSIG, bench.lifeline)."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig\n"
        "network = ManagedNetwork(NetworkConfig(nodes=2), Path(sys.argv[1])).start()\n"
        "print(*[node.pid for node in network.nodes], flush=True)\n"
        "time.sleep(60)\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as owner:
        assert owner.stdout is not None
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 2 and len(_litecoinds_under(tmp_path)) == 2
        owner.kill()
    _poll(lambda: not _litecoinds_under(tmp_path))


def test_a_node_that_cannot_start_fails_clearly_and_leaves_nothing(tmp_path: Path) -> None:
    fake = tmp_path / "litecoind"
    fake.write_text("#!/bin/sh\necho 'Error: Unable to bind to 127.0.0.1 on this computer.' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(TargetError, match=r"node-0 exited at start(.|\n)*Unable to bind"):
        ManagedNetwork(NetworkConfig(nodes=2, binary=fake), tmp_path).start()
    assert not _litecoinds_under(tmp_path)


@needs_litecoind
def test_a_killed_node_restarts_on_its_ports_and_catches_up(tmp_path: Path, address: Address) -> None:
    with ManagedNetwork(NetworkConfig(nodes=3, topology="ring"), tmp_path) as network:
        node = network.nodes[2]
        ports, old_pid = (node.p2p_port, node.rpc_port), node.pid
        node.kill()
        assert not node.running and not psutil.pid_exists(old_pid)
        producer = BlockProducer(network.nodes, [address(20)], 0.1, producers=(2, 0))
        producer.start()
        time.sleep(0.6)
        produced = producer.stop()
        assert {p.node for p in produced if p.block_hash} == {0}, "the producer goes on past a dead node"
        failed = [p for p in produced if p.error]
        assert failed and {p.node for p in failed} == {2} and "cannot reach http://***@" in failed[0].error
        assert node.credentials.password not in failed[0].error and producer.failure() is None
        hashes = network.nodes[0].call("generatetoaddress", 3, address(20))
        node.restart()
        assert (node.p2p_port, node.rpc_port) == ports and node.pid != old_pid
        network.reconnect(2)
        assert network.wait_synced(hashes[-1]) == node.call("getbestblockhash")


@needs_litecoind
def test_an_isolated_node_falls_behind_then_catches_up(tmp_path: Path, address: Address) -> None:
    with ManagedNetwork(NetworkConfig(nodes=3, topology="ring"), tmp_path) as network:
        isolated = network.nodes[1]
        isolated.set_network_active(False)
        _poll(lambda: isolated.call("getconnectioncount") == 0)
        with pytest.raises(
            TargetError, match=r"after 0.3s node-0 has no link to node-1; its log .*node-0.log ends:\n"
        ):
            network.wait_peered(timeout=0.3)
        (block,) = network.nodes[0].call("generatetoaddress", 1, address(21))
        time.sleep(0.3)
        assert isolated.call("getbestblockhash") != block
        isolated.set_network_active(True)
        network.reconnect(1)
        assert network.wait_synced(block) == isolated.call("getbestblockhash")
        assert _peer_counts(network) == [2, 2, 2]
