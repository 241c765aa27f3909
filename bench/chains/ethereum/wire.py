"""What an Ethereum transaction looks like on the wire: a JSON-RPC request, and how its answer reads.

Bodies are built once per round before its clock starts (the load path only posts bytes); a read's
payload is already its `"method":...,"params":[...]` fragment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bench.plan.round import PlannedRound
from bench.targets import batch


class EthereumWire:
    """JSON-RPC 2.0 over HTTP: `eth_sendRawTransaction` for writes, the planned call for reads."""

    family = "ethereum"
    request_name = "eth_sendRawTransaction"
    in_order = False  # a node holds a nonce that arrives early until the gap before it fills

    def body(self, planned: PlannedRound, position: int, tx_id: int) -> bytes:
        if planned.is_read(position):
            return b'{"jsonrpc":"2.0","id":%d,%s}' % (tx_id, planned.raw[position])
        return b'{"jsonrpc":"2.0","id":%d,"method":"eth_sendRawTransaction","params":["0x%s"]}' % (
            tx_id,
            planned.raw[position].hex().encode(),
        )

    probe_method: str | None = "eth_chainId"

    def answer_error(self, status: int, content: bytes | None, transport_error: object) -> str | None:
        return json_rpc_error(status, content, transport_error)

    def batch_body(self, bodies: Sequence[bytes]) -> bytes:
        return batch.join(bodies)

    def batch_errors(
        self, ids: Sequence[int], status: int, content: bytes | None, transport_error: object
    ) -> list[str | None]:
        if transport_error is not None or status == 0:
            return [f"connection: {transport_error}"] * len(ids)
        return batch.errors(ids, status, content, lambda: json_rpc_error(status, content, None), answer_error)


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
    if not isinstance(answer, dict):
        return "rejected-other: answer is not a JSON-RPC answer"
    return answer_error(answer)


def answer_error(answer: dict[str, Any]) -> str | None:
    """One JSON-RPC answer object's error message, or None for a result."""
    if "error" in answer:
        error = answer["error"] or {}
        return str(error.get("message", error)) if isinstance(error, dict) else str(error)
    return None
