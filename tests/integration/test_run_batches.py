"""JSON-RPC batches on the send path, against a real Anvil: each transaction keeps its own record (intended,
sent, answered, error) and its own answer; a node that refuses batches gets one request per transaction."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.targets.rpc import RpcClient
from tests.runhelpers import ROOT, chainmark, db, only_run_dir, read_summary, write_workload

pytestmark = pytest.mark.anvil

DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # Anvil's first dev account

# Runs in a child process: Locust's gevent patching stays out of pytest's process.
SEND_ONE_BATCH = """
import json, sys
import numpy as np
from eth_account import Account
from bench.chains.ethereum.connector import WIRE
from bench.clock import WallClock
from bench.load.dispatch import Batching, OpenLoop, RoundCounters
from bench.load.runner import run_round
from bench.targets.url import parse_endpoint

url, key = sys.argv[1], sys.argv[2]
raws = [
    Account.sign_transaction(
        {"to": "0x" + "11" * 20, "value": 1, "gas": 21000, "gasPrice": 10**10, "nonce": n, "chainId": 31337}, key
    ).raw_transaction.hex().removeprefix("0x")
    for n in range(10)
]
raws.insert(4, "deadbeef")  # not a transaction: refused, alone
bodies = [
    b'{"jsonrpc":"2.0","id":%d,"method":"eth_sendRawTransaction","params":["0x%s"]}' % (100 + i, r.encode())
    for i, r in enumerate(raws)
]
clock, counters = WallClock(), RoundCounters()
offsets = np.arange(len(bodies)) * 0.00005  # 50 us apart: all within one 1 ms window
stats = run_round(
    endpoint=parse_endpoint(url), wire=WIRE, bodies=bodies, dispatcher=OpenLoop(offsets, clock.now() + 0.3),
    counters=counters, clock=clock, users=1, on_answered=lambda p, e: None, tick=lambda: None,
    batching=Batching(100), ids=range(100, 100 + len(bodies)),
)
print(json.dumps({"records": counters.records, "stats": stats}))
"""


def test_one_batch_keeps_each_transaction_s_own_times_and_answer(anvil: ManagedAnvil, rpc: RpcClient) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SEND_ONE_BATCH, anvil.url, DEV_KEY], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    records = sorted(out["records"])
    assert [r[0] for r in records] == list(range(11))
    intended = [r[1] for r in records]
    assert intended == sorted(intended) and len(set(intended)) == 11  # each its own intended time
    assert len({(r[2], r[3]) for r in records}) == 1  # one request: one send and one answer time
    assert records[0][2] >= intended[-1]  # none left before it was due
    errors = [r[4] for r in records]
    assert errors[4] is not None and all(e is None for i, e in enumerate(errors) if i != 4)
    assert out["stats"]["batches"]["num_requests"] == 1
    # The node took the ten good ones: its pending nonce of the sender moved past them.
    sender = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert int(rpc.call("eth_getTransactionCount", sender, "pending"), 16) == 10


STEADY = """
name: batch-check
accounts: {count: 20, seed: 5}
target: {confirm_grace: 15s}
rounds:
  - label: steady
    duration: 2s
    rate: {type: fixed-rate, tps: %d}
"""


def _run(tmp_path: Path, url: str, tps: int) -> Path:
    workload = write_workload(tmp_path / "w.yaml", STEADY % tps)
    result = chainmark("run", str(workload), "--target-url", url, "--out", str(tmp_path / "out"), "-q")
    assert result.returncode == 0, result.stderr
    return only_run_dir(tmp_path / "out")


def _chain_count(rpc: RpcClient, hashes: set[bytes]) -> int:
    head = int(rpc.call("eth_blockNumber"), 16)
    blocks = rpc.batch("eth_getBlockByNumber", [[hex(n), False] for n in range(head + 1)])
    return sum(bytes.fromhex(h[2:]) in hashes for b in blocks for h in b["transactions"])


def test_a_batched_run_records_every_transaction_and_agrees_with_the_chain(
    tmp_path: Path, anvil: ManagedAnvil, rpc: RpcClient
) -> None:
    run_dir = _run(tmp_path, anvil.url, 1500)
    summary = read_summary(run_dir)
    with db(run_dir) as conn:
        meta = json.loads(dict(conn.execute("SELECT key, value FROM meta"))["batch"])
        sends = conn.execute("SELECT tx, intended, sent, answered, error FROM sends").fetchall()
        hashes = {bytes(h) for (h,) in conn.execute("SELECT hash FROM txs")}
        included = conn.execute("SELECT COUNT(*) FROM inclusions").fetchone()[0]
    assert meta == {"setting": "auto", "node_accepts": True, "size": 100, "window_ms": 1.0}
    assert len(sends) == len(hashes) == 3000 and all(e is None for *_, e in sends)
    shared: dict[tuple[float, float], list[float]] = {}
    for _, intended, sent, answered, _ in sends:
        shared.setdefault((sent, answered), []).append(intended)
        assert sent >= intended - 1e-9 and answered >= sent
    batched = [times for times in shared.values() if len(times) > 1]
    assert batched, "at 1,500 tx/s (0.67 ms apart) transactions pair up within a 1 ms window"
    assert all(len(set(times)) == len(times) for times in batched)  # their own intended times
    assert included == _chain_count(rpc, hashes) == 3000
    assert summary["status"] == "completed"


class _NoBatches(BaseHTTPRequestHandler):
    """A JSON-RPC gateway that refuses batch requests and passes single ones to the node behind it
    (keep-alive on both sides: one upstream connection per client connection)."""

    protocol_version = "HTTP/1.1"
    upstream = ""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if body.lstrip().startswith(b"["):
            out = (
                b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch requests not allowed"}}'
            )
        else:
            if not hasattr(self, "node"):
                self.node = http.client.HTTPConnection(self.upstream, timeout=30)
            self.node.request("POST", "/", body, {"Content-Type": "application/json"})
            out = self.node.getresponse().read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def finish(self) -> None:
        super().finish()
        if hasattr(self, "node"):
            self.node.close()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def no_batches(anvil: ManagedAnvil) -> Iterator[str]:
    handler = type("Gateway", (_NoBatches,), {"upstream": anvil.url.split("://", 1)[1].rstrip("/")})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_a_node_that_refuses_batches_gets_one_request_per_transaction(
    tmp_path: Path, no_batches: str, rpc: RpcClient
) -> None:
    run_dir = _run(tmp_path, no_batches, 200)
    with db(run_dir) as conn:
        meta = json.loads(dict(conn.execute("SELECT key, value FROM meta"))["batch"])
        sends = conn.execute("SELECT sent, answered, error FROM sends").fetchall()
        stats = [json.loads(s) for (s,) in conn.execute("SELECT stats FROM rpc_stats")]
        hashes = {bytes(h) for (h,) in conn.execute("SELECT hash FROM txs")}
    assert meta == {"setting": "auto", "node_accepts": False, "size": 1, "window_ms": 1.0}
    assert len(sends) == 400 and all(e is None for *_, e in sends)
    assert all("batches" not in s for s in stats) and sum(s["num_requests"] for s in stats) == 400
    assert _chain_count(rpc, hashes) == 400
