"""The chain families chainmark speaks, by the workload's `target.chain` name: one registry line each.

Adding a family is a package `bench/chains/<family>/` implementing bench.chains.base's protocols, one
line here, and its name in bench.workload.spec.CHAIN_NAMES (a test checks the two agree). Nothing in the
engine, the load path, the observer, the results or the report changes.
"""

from __future__ import annotations

from bench.chains.base import ChainFamily
from bench.chains.bitcoin.family import BITCOIN
from bench.chains.ethereum.family import ETHEREUM

CHAINS: dict[str, ChainFamily] = {
    "ethereum": ETHEREUM,
    "bitcoin": BITCOIN,
}


def chain_family(name: str) -> ChainFamily:
    """The family registered as `name` (names are validated with the workload, so this cannot miss)."""
    return CHAINS[name]
