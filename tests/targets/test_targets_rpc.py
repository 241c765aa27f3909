"""The JSON-RPC client against a real Bitcoin Core-style node (one litecoind -regtest on 127.0.0.1): a success
carries `"error": null`, a failed call comes as HTTP 500 (404 for an unknown method) with the JSON error, a batch
answers per call, and a wrong password is a clear HTTP 401 that shows no credentials."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.chains.bitcoin.credentials import RpcCredentials
from bench.chains.bitcoin.litecoind import RegtestNode, find_litecoind
from bench.errors import RpcError, TargetError
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

pytestmark = pytest.mark.skipif(
    shutil.which("litecoind") is None, reason="litecoind is not installed (make bitcoin-deps)"
)


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegtestNode]:
    started = RegtestNode(0, find_litecoind(), tmp_path_factory.mktemp("rpc"), RpcCredentials.generate())
    started.start()
    yield started
    started.stop()


@pytest.fixture
def rpc(node: RegtestNode) -> Iterator[RpcClient]:
    client = node.client()
    yield client
    client.close()


def test_a_success_with_a_null_error_is_a_result(rpc: RpcClient) -> None:
    assert rpc.call("getblockcount") == 0
    assert rpc.call("getblockchaininfo")["chain"] == "regtest"


@pytest.mark.parametrize(
    ("method", "params", "code", "message"),
    [
        ("getblockhash", (5,), -8, "Block height out of range"),  # HTTP 500
        ("nosuchmethod", (), -32601, "Method not found"),  # HTTP 404
        ("generatetoaddress", (1, "not-an-address"), -5, "Invalid address"),
    ],
)
def test_a_failed_call_is_an_rpc_error_with_the_node_s_code(
    rpc: RpcClient, method: str, params: tuple[object, ...], code: int, message: str
) -> None:
    with pytest.raises(RpcError, match=message) as caught:
        rpc.call(method, *params)
    assert caught.value.code == code
    assert rpc.call("getblockcount") == 0, "the connection is still usable"


def test_a_batch_answers_per_call(rpc: RpcClient) -> None:
    assert rpc.batch("getblockhash", [[0], [0]])[0] == rpc.call("getbestblockhash")
    with pytest.raises(RpcError, match="out of range") as caught:
        rpc.batch("getblockhash", [[0], [7]])
    assert caught.value.code == -8


def test_a_wrong_password_is_http_401_and_shows_no_credentials(node: RegtestNode, tmp_path: Path) -> None:
    url = f"http://{node.credentials.user}:wrong-password@127.0.0.1:{node.rpc_port}/"
    client = RpcClient(parse_endpoint(url), timeout=5)
    with pytest.raises(TargetError, match=r"answered HTTP 401 \(unauthorized") as caught:
        client.call("getblockcount")
    client.close()
    assert "wrong-password" not in str(caught.value) and node.credentials.user not in str(caught.value)
