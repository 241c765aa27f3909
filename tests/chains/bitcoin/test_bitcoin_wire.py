"""The Bitcoin family's wire: the request bytes for a planned write or read, and how litecoind's answers read
(the answers below are litecoind 0.21.2.1's own, captured from a regtest node)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.chains.bitcoin.wire import BitcoinWire
from bench.plan.round import PlannedRound
from bench.workload.spec import FixedRate, MixEntry, Round, TransferTx

WIRE = BitcoinWire()


def _planned(raw: list[bytes]) -> PlannedRound:
    spec = Round(label="r", rate=FixedRate(tps=1), tx_count=len(raw), mix=(MixEntry(TransferTx(), 1.0),))
    n = len(raw)
    return PlannedRound(
        0, spec, np.zeros(n), np.arange(n), raw, [b"\x01" * 32] * n, np.zeros(n), np.zeros(n, int)
    )


def test_a_write_is_sendrawtransaction_of_its_hex() -> None:
    body = WIRE.body(_planned([b"\x02\x00\xab"]), 0, 41)
    assert json.loads(body) == {
        "jsonrpc": "1.0",
        "id": 41,
        "method": "sendrawtransaction",
        "params": ["0200ab"],
    }


@pytest.mark.parametrize(
    ("status", "content", "expected"),
    [
        pytest.param(200, b'{"result":"ab12","error":null,"id":1}\n', None, id="accepted"),
        pytest.param(
            500,
            b'{"result":null,"error":{"code":-26,"message":"min relay fee not met, 100 < 141"},"id":2}\n',
            "min relay fee not met, 100 < 141",
            id="refused-with-http-500",
        ),
        pytest.param(
            500,
            b'{"result":null,"error":{"code":-25,"message":"bad-txns-inputs-missingorspent"},"id":3}\n',
            "bad-txns-inputs-missingorspent",
            id="missing-parent",
        ),
        pytest.param(401, b"", "http 401", id="wrong-credentials"),
        pytest.param(500, b"<html>", "http 500", id="not-json"),
        pytest.param(200, b"<html>", "rejected-other: answer is not JSON", id="ok-but-not-json"),
    ],
)
def test_the_answer_reads_as_litecoind_means_it(status: int, content: bytes, expected: str | None) -> None:
    assert WIRE.answer_error(status, content, None) == expected


def test_a_refusal_locust_also_calls_a_transport_error_is_the_node_s_reason() -> None:
    """Locust's FastHttpSession sets `error` on an HTTP 500 too; the JSON body still says why."""
    body = b'{"result":null,"error":{"code":-26,"message":"too-long-mempool-chain"},"id":2}\n'
    assert WIRE.answer_error(500, body, "URL http://127.0.0.1:1/: code=500") == "too-long-mempool-chain"


def test_a_transport_error_is_a_connection_failure() -> None:
    assert WIRE.answer_error(0, None, ConnectionRefusedError("refused")) == "connection: refused"
