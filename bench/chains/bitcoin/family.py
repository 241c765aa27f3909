"""The Bitcoin family as the registry holds it: its connector, its wire and its managed regtest network."""

from __future__ import annotations

from bench.chains.base import ChainFamily
from bench.chains.bitcoin.connector import WIRE, connect
from bench.chains.bitcoin.managed import managed_network

# no node names: the engine asks for the default, and the family starts its network (target.network)
BITCOIN = ChainFamily(
    name="bitcoin", connect=connect, wire=WIRE, managed=managed_network, default_node="network"
)
