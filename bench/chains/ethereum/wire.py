"""What an Ethereum transaction looks like on the wire: a JSON-RPC request, and how its answer reads.

Bodies are built once per round before its clock starts (the load path only posts bytes); a read's
payload is already its `"method":...,"params":[...]` fragment.
"""

from __future__ import annotations

import json

from bench.plan.round import PlannedRound


class EthereumWire:
    """JSON-RPC 2.0 over HTTP: `eth_sendRawTransaction` for writes, the planned call for reads."""

    family = "ethereum"
    request_name = "eth_sendRawTransaction"

    def body(self, planned: PlannedRound, position: int, tx_id: int) -> bytes:
        if planned.is_read(position):
            return b'{"jsonrpc":"2.0","id":%d,%s}' % (tx_id, planned.raw[position])
        return b'{"jsonrpc":"2.0","id":%d,"method":"eth_sendRawTransaction","params":["0x%s"]}' % (
            tx_id,
            planned.raw[position].hex().encode(),
        )

    def answer_error(self, status: int, content: bytes | None, transport_error: object) -> str | None:
        return json_rpc_error(status, content, transport_error)


def json_rpc_error(status: int, content: bytes | None, transport_error: object) -> str | None:
    """The node's reason for refusing a JSON-RPC submission, or None if it accepted it."""
    if transport_error is not None or status == 0:
        return f"connection: {transport_error}"
    if status != 200:
        return f"http {status}"
    try:
        answer = json.loads(content or b"")
    except ValueError:
        return "rejected-other: answer is not JSON"
    if "error" in answer:
        error = answer["error"] or {}
        return str(error.get("message", error))
    return None
