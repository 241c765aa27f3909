"""Shared fixtures: a real Anvil node on 127.0.0.1 (never a mock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.targets.anvil import ManagedAnvil
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint


@pytest.fixture
def anvil(tmp_path: Path) -> Iterator[ManagedAnvil]:
    """A fresh Anvil with 1 s interval mining, stopped after the test."""
    node = ManagedAnvil(tmp_path / "fixture-anvil.log", block_time=1.0, gas_limit=100_000_000)
    with node:
        yield node


@pytest.fixture
def rpc(anvil: ManagedAnvil) -> Iterator[RpcClient]:
    client = RpcClient(parse_endpoint(anvil.url))
    yield client
    client.close()
