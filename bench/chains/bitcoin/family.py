"""The Bitcoin family as the registry holds it: its connector, its wire and its managed regtest network."""

from __future__ import annotations

from bench.chains.base import ChainFamily, ConnectOptions, Connector, Managed, ManagedOptions
from bench.chains.bitcoin.wire import BitcoinWire
from bench.errors import UsageError
from bench.targets.url import Endpoint


def _not_yet(_endpoint: Endpoint, _options: ConnectOptions) -> Connector:
    raise UsageError("target.chain bitcoin: the connector is not in this build yet")


def _no_network(_name: str, _options: ManagedOptions) -> Managed:
    raise UsageError("target.chain bitcoin: the managed network is not in this build yet")


BITCOIN = ChainFamily(
    name="bitcoin", connect=_not_yet, wire=BitcoinWire(), managed=_no_network, default_node="network"
)
