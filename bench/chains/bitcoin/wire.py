"""What a Bitcoin Core transaction looks like on the wire: `sendrawtransaction`, and how its answer reads.

Bitcoin Core answers a failed call with HTTP 500 and a JSON-RPC error object (before v25, whatever the
request's JSON-RPC version), a good one with HTTP 200 and `"error": null`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bench.plan.round import PlannedRound
from bench.targets import batch


class BitcoinWire:
    """JSON-RPC 1.0 over HTTP: `sendrawtransaction` for writes, the planned call for reads."""

    family = "bitcoin"
    request_name = "sendrawtransaction"
    in_order = True  # a spend that reaches the node before its parent is refused (missing inputs)

    def body(self, planned: PlannedRound, position: int, tx_id: int) -> bytes:
        if planned.is_read(position):
            return b'{"jsonrpc":"1.0","id":%d,%s}' % (tx_id, planned.raw[position])
        return b'{"jsonrpc":"1.0","id":%d,"method":"sendrawtransaction","params":["%s"]}' % (
            tx_id,
            planned.raw[position].hex().encode(),
        )

    probe_method: str | None = "getblockcount"

    def answer_error(self, status: int, content: bytes | None, transport_error: object) -> str | None:
        """The node's refusal comes with HTTP 500, which Locust also reports as a transport error: an
        answer with a status is read first, and only a request that got none is a connection failure."""
        if status == 0 or (transport_error is not None and not content):
            return f"connection: {transport_error}"
        try:
            answer = json.loads(content or b"")
        except ValueError:
            return f"http {status}" if status != 200 else "rejected-other: answer is not JSON"
        error = _answer_error(answer) if isinstance(answer, dict) else None
        if error is not None:
            return error
        return None if status == 200 else f"http {status}"

    def batch_body(self, bodies: Sequence[bytes]) -> bytes:
        return batch.join(bodies)

    def batch_errors(
        self, ids: Sequence[int], status: int, content: bytes | None, transport_error: object
    ) -> list[str | None]:
        if status == 0 or (transport_error is not None and not content):  # as answer_error reads it
            return [f"connection: {transport_error}"] * len(ids)
        return batch.errors(
            ids, status, content, lambda: self.answer_error(status, content, None), _answer_error
        )


def _answer_error(answer: dict[str, Any]) -> str | None:
    """One answer object's error message (Bitcoin Core answers a success with `"error": null`)."""
    error = answer.get("error")
    if error is None:
        return None
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)
