"""The Ethereum family as the registry holds it: its connector, its wire and its managed dev nodes."""

from __future__ import annotations

from bench.chains.base import ChainFamily
from bench.chains.ethereum.connector import WIRE, connect
from bench.chains.ethereum.nodes import managed_node

ETHEREUM = ChainFamily(
    name="ethereum", connect=connect, wire=WIRE, managed=managed_node, default_node="anvil"
)
