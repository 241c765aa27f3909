"""A real managed regtest network (litecoind on 127.0.0.1, never a mock) shared by the tests that only read it,
and P2WPKH addresses to mine to (derived by the node from a public key, so no wallet is needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import coincurve
import pytest

from bench.chains.bitcoin.litecoind import RegtestNode
from bench.chains.bitcoin.network import ManagedNetwork, NetworkConfig


def p2wpkh_address(node: RegtestNode, secret: int) -> str:
    """The regtest P2WPKH address (rltc1q...) of private key `secret`."""
    pubkey = coincurve.PrivateKey.from_int(secret).public_key.format().hex()
    descriptor = node.call("getdescriptorinfo", f"wpkh({pubkey})")["descriptor"]
    return str(node.call("deriveaddresses", descriptor)[0])


@pytest.fixture(scope="module")
def ring(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ManagedNetwork]:
    """A 3-node ring with a 0.5 s block time (the producer is started by the test that needs it)."""
    run_dir: Path = tmp_path_factory.mktemp("ring")
    with ManagedNetwork(NetworkConfig(nodes=3, topology="ring", block_time=0.5), run_dir) as network:
        yield network


@pytest.fixture(scope="module")
def address(ring: ManagedNetwork) -> Callable[[int], str]:
    return lambda secret: p2wpkh_address(ring.nodes[0], secret)
