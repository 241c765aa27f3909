"""A small blocking JSON-RPC client over one keep-alive HTTP connection, with batch calls.

Used for everything outside the measured send path: node identity, funding, the block observer and
receipt verification. (The send path goes through Locust's FastHttpUser in `bench.load`.) It speaks to
Ethereum nodes and to Bitcoin Core-style nodes alike: those answer a success with `"error": null`, and
(before Core v25) a failed call with HTTP 500 (404 for an unknown method) carrying the JSON error.
"""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Callable, Sequence
from typing import Any

from bench.errors import RpcError, TargetError
from bench.targets.url import Endpoint


class RpcClient:
    """JSON-RPC 2.0 over HTTP(S); raises `TargetError` when the node cannot be reached."""

    def __init__(self, endpoint: Endpoint, timeout: float = 30.0) -> None:
        self.endpoint, self.timeout = endpoint, timeout
        self._conn: http.client.HTTPConnection | None = None
        self._next_id = 0
        self._single = False  # the node answered a batch with one error: no more batches

    def call(self, method: str, *params: Any) -> Any:
        """Call one method and return its result; an error answer raises `RpcError`."""
        answer = self._post({"jsonrpc": "2.0", "id": self._id(), "method": method, "params": list(params)})
        return _result(method, answer)

    def batch(self, method: str, params_list: Sequence[Sequence[Any]]) -> list[Any]:
        """Call `method` once per params in one HTTP request; results in order; any error raises.

        A node (or gateway) that answers a batch with one error object takes no batches: the calls are
        made one by one instead, now and for the rest of this client's life."""
        return self._batch(method, params_list, _result)

    def batch_answers(self, method: str, params_list: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """As `batch`, but each call's answer object as it came (an error is the caller's to read)."""
        return self._batch(method, params_list, lambda _m, answer: answer)

    def batch_or_none(self, method: str, params_list: Sequence[Sequence[Any]], missing: int) -> list[Any]:
        """As `batch`, but a call answered with error code `missing` gives None in its place (a lookup of
        something the node does not hold: Bitcoin Core's `getmempoolentry` of a txid not in its mempool, -5);
        any other error raises."""
        return self._batch(method, params_list, lambda m, answer: _result_or_none(m, answer, missing))

    def _batch(
        self, method: str, params_list: Sequence[Sequence[Any]], result: Callable[[str, dict[str, Any]], Any]
    ) -> list[Any]:
        """One request of `params_list`'s calls (one by one for a node that takes no batches), each answer
        read by `result`."""
        if not params_list:
            return []
        first = self._next_id + 1
        calls = [
            {"jsonrpc": "2.0", "id": self._id(), "method": method, "params": list(p)} for p in params_list
        ]
        answers = None if self._single else self._post(calls)
        if not isinstance(answers, list):
            self._single = True
            return [result(method, self._post(call)) for call in calls]
        by_id = {a.get("id"): a for a in answers}
        return [result(method, by_id.get(first + i, {})) for i in range(len(calls))]

    @property
    def takes_no_batches(self) -> bool:
        """The node answered a batch with one error (its calls are made one by one since)."""
        return self._single

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            host = self.endpoint.base.split("://", 1)[1]
            if self.endpoint.base.startswith("https"):
                self._conn = http.client.HTTPSConnection(
                    host, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                self._conn = http.client.HTTPConnection(host, timeout=self.timeout)
        return self._conn

    def _post(self, payload: object) -> Any:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if self.endpoint.authorization:
            headers["Authorization"] = self.endpoint.authorization
        for attempt in (1, 2):  # one retry: a keep-alive connection the server closed meanwhile
            try:
                conn = self._connection()
                conn.request("POST", self.endpoint.path, body, headers)
                response = conn.getresponse()
                data = response.read()
                break
            except TimeoutError as exc:  # not retried: a silent node would cost twice the timeout
                self.close()
                raise TargetError(
                    f"{self.endpoint.redacted} did not answer within {self.timeout:g} s"
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 2:
                    raise TargetError(f"cannot reach {self.endpoint.redacted}: {exc}") from exc
        if response.status != 200:
            return self._error_answer(response.status, data)
        try:
            return json.loads(data)
        except ValueError as exc:
            raise TargetError(f"{self.endpoint.redacted} did not answer JSON-RPC") from exc

    def _error_answer(self, status: int, data: bytes) -> dict[str, Any]:
        """The JSON-RPC error a non-200 answer carries (Bitcoin Core's HTTP 500), else a TargetError."""
        try:
            answer = json.loads(data)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            return answer
        hint = " (unauthorized: check the URL's user:password)" if status == 401 else ""
        raise TargetError(f"{self.endpoint.redacted} answered HTTP {status}{hint}")


def _result(method: str, answer: dict[str, Any]) -> Any:
    if answer.get("error") is not None:  # Bitcoin Core answers a success with "error": null
        error = answer["error"] or {}
        raise RpcError(method, int(error.get("code", 0)), str(error.get("message", "unknown error")))
    if "result" not in answer:
        raise RpcError(method, 0, "no result in the answer")
    return answer["result"]


def _result_or_none(method: str, answer: dict[str, Any], missing: int) -> Any:
    try:
        return _result(method, answer)
    except RpcError as exc:
        if exc.code == missing:
            return None
        raise
