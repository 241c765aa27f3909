"""JSON-RPC batches for the send path: one HTTP request carrying several pre-built request bodies.

A batch is the JSON array of its requests (JSON-RPC 2.0 section 6); the node answers with an array of
answers in any order, matched back to their requests by id. A node that answers the whole batch with one
error object (or an HTTP error) refused every request in it, each with that reason. Whether a node accepts
batches at all is learnt before the clock with two cheap reads in one request (`accepts_batches`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from bench.errors import RpcError, TargetError
from bench.targets.rpc import RpcClient
from bench.targets.url import Endpoint

PROBE_TIMEOUT_S = 10.0
NO_ANSWER = "rejected-other: no answer for it in the batch's answer"


def join(bodies: Sequence[bytes]) -> bytes:
    """The batch request carrying `bodies` (each one JSON-RPC request object)."""
    return b"[" + b",".join(bodies) + b"]"


def errors(
    ids: Sequence[int],
    status: int,
    content: bytes | None,
    whole: Callable[[], str | None],
    item: Callable[[dict[str, Any]], str | None],
) -> list[str | None]:
    """Each batched request's refusal reason (None: accepted), in the order of `ids`.

    `whole()` reads the answer as one request's answer (a transport error, an HTTP error, one error object
    for the whole batch); `item(answer)` reads one answer object of the array."""
    answers = None
    if status == 200 and content:
        try:
            answers = json.loads(content)
        except ValueError:
            answers = None
    if not isinstance(answers, list):
        reason = whole() or "rejected-other: the batch's answer is not a list of answers"
        return [reason] * len(ids)
    by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
    return [item(by_id[i]) if i in by_id else NO_ANSWER for i in ids]


def accepts_batches(endpoint: Endpoint, method: str) -> bool:
    """Whether the node answers a batch of two `method` calls (no parameters) with two answers."""
    rpc = RpcClient(endpoint, timeout=PROBE_TIMEOUT_S)
    try:
        rpc.batch(method, [[], []])
        return not rpc.takes_no_batches
    except (RpcError, TargetError):
        return False
    finally:
        rpc.close()
