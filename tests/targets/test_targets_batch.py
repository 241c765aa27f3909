"""JSON-RPC batch answers read per request: matched by id, a whole-batch error is each one's, and both
families' wires read their own answer shapes."""

from __future__ import annotations

import json

import pytest

from bench.chains.bitcoin.wire import BitcoinWire
from bench.chains.ethereum.wire import EthereumWire
from bench.targets.batch import NO_ANSWER, join


def _answers(*items: dict[str, object]) -> bytes:
    return json.dumps(list(items)).encode()


def test_a_batch_request_is_the_array_of_its_bodies() -> None:
    bodies = [b'{"jsonrpc":"2.0","id":7,"method":"a"}', b'{"jsonrpc":"2.0","id":8,"method":"b"}']
    assert json.loads(join(bodies)) == [json.loads(b) for b in bodies]


def test_ethereum_answers_are_matched_by_id_in_any_order() -> None:
    content = _answers(
        {"jsonrpc": "2.0", "id": 12, "error": {"code": -32000, "message": "nonce too low"}},
        {"jsonrpc": "2.0", "id": 10, "result": "0xab"},
    )
    assert EthereumWire().batch_errors([10, 11, 12], 200, content, None) == [None, NO_ANSWER, "nonce too low"]


def test_bitcoin_answers_a_success_with_a_null_error() -> None:
    content = _answers(
        {"result": "ab", "error": None, "id": 1},
        {"result": None, "error": {"code": -26, "message": "txn-mempool-conflict"}, "id": 2},
    )
    assert BitcoinWire().batch_errors([1, 2], 200, content, None) == [None, "txn-mempool-conflict"]


@pytest.mark.parametrize("wire", [EthereumWire(), BitcoinWire()], ids=["ethereum", "bitcoin"])
@pytest.mark.parametrize(
    ("status", "content", "transport", "reason"),
    [
        (200, b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not supported"}}', None,
         "batch not supported"),
        (0, None, "connection refused", "connection: connection refused"),
        (200, b"<html>", None, "rejected-other: answer is not JSON"),
    ],
)  # fmt: skip
def test_one_answer_for_the_whole_batch_is_each_request_s(
    wire: EthereumWire | BitcoinWire, status: int, content: bytes | None, transport: str | None, reason: str
) -> None:
    assert wire.batch_errors([1, 2, 3], status, content, transport) == [reason] * 3


def test_an_http_error_for_the_whole_batch_is_each_request_s() -> None:
    assert EthereumWire().batch_errors([1, 2], 503, b"busy", None) == ["http 503", "http 503"]
    assert BitcoinWire().batch_errors([1, 2], 401, b"", None) == ["http 401", "http 401"]
