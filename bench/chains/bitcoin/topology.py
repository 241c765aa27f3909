"""Which nodes of a managed network peer with which: the links of a `line`, a `ring` or a `mesh`.

A link (a, b) means node a dials node b (`addnode`); once connected, both ends count it as a peer. The
links are distinct unordered pairs, so a 2-node ring is a line and no pair is connected twice.
"""

from __future__ import annotations

from itertools import combinations

TOPOLOGIES = ("line", "ring", "mesh")

Link = tuple[int, int]  # (dialer, listener), node indexes


def links(topology: str, nodes: int) -> tuple[Link, ...]:
    """The links of `topology` over `nodes` nodes (line: k -> k+1; ring: and last -> first; mesh: all pairs)."""
    if topology not in TOPOLOGIES:
        raise ValueError(f"topology must be one of {', '.join(TOPOLOGIES)}, got {topology!r}")
    if topology == "mesh":
        return tuple(combinations(range(nodes), 2))
    line = tuple((k, k + 1) for k in range(nodes - 1))
    return (*line, (nodes - 1, 0)) if topology == "ring" and nodes > 2 else line


def degree(topology_links: tuple[Link, ...], node: int) -> int:
    """How many peers `node` has once every link is up."""
    return sum(node in link for link in topology_links)
