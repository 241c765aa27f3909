"""The managed Ganache node (npm `ganache` 7): how it starts.

Ganache 7 has no option for a base fee of 0, so it runs the Berlin hardfork (before EIP-1559: no base
fee at all), which prices pre-signed legacy transactions the way the other managed nodes do.
"""

from __future__ import annotations

from bench.targets.managed import DEV_BALANCE_ETH, ManagedNode, npm_entry, npm_version

CHAIN_ID = 31337


class ManagedGanache(ManagedNode):
    """Ganache with interval mining."""

    name = "ganache"

    @property
    def version(self) -> str | None:
        return npm_version("ganache")

    def command(self) -> list[str]:
        return [
            "node",
            str(npm_entry("ganache", "dist/node/cli.js")),
            "--server.host",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--miner.blockTime",
            f"{self.block_time:g}",
            "--miner.blockGasLimit",
            str(self.gas_limit),
            "--chain.chainId",
            str(CHAIN_ID),
            "--chain.hardfork",
            "berlin",
            "--wallet.totalAccounts",
            "2",
            "--wallet.defaultBalance",
            str(DEV_BALANCE_ETH),
        ]
