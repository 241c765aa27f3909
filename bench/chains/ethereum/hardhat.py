"""The managed Hardhat node (npm `hardhat` 2.x, its EDR engine): a config file in the run folder, and how it starts.

`hardhat node` reads its chain from a Hardhat config: interval mining at the workload's block time (no
automine), FIFO mempool order, the block gas limit, a base fee of 0 and two funded dev accounts, as the
other managed nodes have. Hardhat runs only from a project that can resolve its own package, so the config
it reads lives under `.tools/` for the node's lifetime; a copy is kept beside the node's log.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bench.targets.managed import DEV_BALANCE_ETH, TOOLS, ManagedNode, npm_entry, npm_version

CHAIN_ID = 31337


class ManagedHardhat(ManagedNode):
    """Hardhat's node with interval mining."""

    name = "hardhat"

    def __init__(self, log_path: Path, **options: Any) -> None:
        super().__init__(log_path, **options)
        self.configs: list[Path] = []  # written under .tools/ for the node's lifetime

    def stop(self) -> None:
        super().stop()
        for config in self.configs:
            config.unlink(missing_ok=True)
        self.configs.clear()

    @property
    def version(self) -> str | None:
        return npm_version("hardhat")

    def config(self) -> str:
        network = {
            "chainId": CHAIN_ID,
            "mining": {
                "auto": False,
                "interval": round(self.block_time * 1000),
                "mempool": {"order": "fifo"},
            },
            "blockGasLimit": self.gas_limit,
            "initialBaseFeePerGas": 0,
            "accounts": {"count": 2, "accountsBalance": str(DEV_BALANCE_ETH * 10**18)},
        }
        return "module.exports = " + json.dumps({"networks": {"hardhat": network}}, indent=2) + ";\n"

    def command(self) -> list[str]:
        text = self.config()
        self.log_path.with_name("hardhat.config.js").write_text(text, encoding="utf-8")
        config = TOOLS.parent / "hardhat-configs" / f"node-{os.getpid()}-{self.port}.config.js"
        config.parent.mkdir(exist_ok=True)
        config.write_text(text, encoding="utf-8")
        self.configs.append(config)
        return [
            "node",
            str(npm_entry("hardhat", "internal/cli/bootstrap.js")),
            "--config",
            str(config),
            "node",
            "--hostname",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]

    def cwd(self) -> Path:
        return TOOLS.parent  # where `hardhat` resolves as a local installation

    def env(self) -> dict[str, str]:
        return {"HARDHAT_DISABLE_TELEMETRY_PROMPT": "true", "HARDHAT_TELEMETRY": "false"}
