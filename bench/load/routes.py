"""Where each submission goes on a target of several nodes (`target.submit`, issue 12).

A route is one node's HTTP address as the load path posts to it (base URL, path, headers with its
credentials). The policy decides, per position of a planned round, which node's route it leaves by:

- `primary`: every submission to node 0 (the node the observer follows); no per-position choice.
- `round-robin`: position p to node p mod n, so each node takes an equal share of every second.
- `by-account`: a write to node (its sender mod n), so one sender's writes, and their order, stay on one
  node; a read (sender -1) to node p mod n.

The choice is a pure function of the plan, so a Locust worker given its shard's positions picks the same
node the master would, and the run store records it with each transaction (`txs.node`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.targets.url import Endpoint
from bench.workload.spec import SUBMIT_POLICIES

PRIMARY, ROUND_ROBIN, BY_ACCOUNT = SUBMIT_POLICIES


@dataclass(frozen=True, slots=True)
class Route:
    """One node as the load path posts to it."""

    base: str
    path: str
    headers: dict[str, str] = field(repr=False)  # its Authorization holds the URL's credentials

    @classmethod
    def of(cls, endpoint: Endpoint) -> Route:
        headers = {"Content-Type": "application/json"}
        if endpoint.authorization:
            headers["Authorization"] = endpoint.authorization
        return cls(endpoint.base, endpoint.path, headers)

    def as_json(self) -> dict[str, object]:
        return {"base": self.base, "path": self.path, "headers": self.headers}

    @classmethod
    def from_json(cls, doc: dict[str, object]) -> Route:
        headers = doc["headers"]
        assert isinstance(headers, dict)
        return cls(str(doc["base"]), str(doc["path"]), {str(k): str(v) for k, v in headers.items()})


def node_of(policy: str, nodes: int, senders: np.ndarray) -> np.ndarray | None:
    """Each position's node index under `policy` across `nodes` nodes (None: all to node 0)."""
    if policy == PRIMARY or nodes < 2:
        return None
    positions = np.arange(len(senders), dtype=np.int64)
    if policy == ROUND_ROBIN:
        return positions % nodes
    if policy == BY_ACCOUNT:
        senders = np.asarray(senders, dtype=np.int64)
        return np.where(senders >= 0, senders, positions) % nodes
    raise ValueError(f"unknown submit policy {policy!r}")


def group_by_node(
    items: Sequence[tuple[int, float]], nodes: Sequence[int]
) -> list[tuple[int, list[tuple[int, float]]]]:
    """`items` (position, intended) split by their node, each group in the items' order, the groups in the
    order of their first item."""
    groups: dict[int, list[tuple[int, float]]] = {}
    for item in items:
        groups.setdefault(int(nodes[item[0]]), []).append(item)
    return list(groups.items())
