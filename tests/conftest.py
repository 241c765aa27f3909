"""Shared fixtures: a real Anvil node on 127.0.0.1 (never a mock), and a Prometheus-style metrics server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint


@pytest.fixture
def anvil(tmp_path: Path) -> Iterator[ManagedAnvil]:
    """A fresh Anvil with 1 s interval mining, stopped after the test."""
    node = ManagedAnvil(tmp_path / "fixture-anvil.log", block_time=1.0, gas_limit=100_000_000)
    with node:
        yield node


@pytest.fixture
def rpc(anvil: ManagedAnvil) -> Iterator[RpcClient]:
    client = RpcClient(parse_endpoint(anvil.url))
    yield client
    client.close()


@pytest.fixture
def metrics_server() -> Iterator[str]:
    """Serves `chainmark_test_counter N` (N counts the scrapes) on 127.0.0.1."""
    hits = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits["n"] += 1
            body = f"chainmark_test_counter {hits['n']}\nother 1\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/metrics"
    server.shutdown()
    server.server_close()
