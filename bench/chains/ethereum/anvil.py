"""The managed Anvil node (the default target): where its binary is, and how it is started."""

from __future__ import annotations

import platform
import shutil
from pathlib import Path

from bench.errors import TargetError
from bench.targets.managed import DEV_BALANCE_ETH, PROJECT_ROOT, ManagedNode, free_port, npm_version

__all__ = ["ManagedAnvil", "find_anvil", "free_port"]

_PLATFORMS = {
    ("Linux", "x86_64"): "linux-amd64",
    ("Linux", "aarch64"): "linux-arm64",
    ("Darwin", "arm64"): "darwin-arm64",
    ("Darwin", "x86_64"): "darwin-amd64",
}


def find_anvil(explicit: str | None = None, project_root: Path | None = None) -> Path:
    """Locate the Anvil binary: `explicit`, the project's npm install (`.tools/`), or PATH."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise TargetError(f"anvil binary not found at {explicit}")
        return path
    root = project_root or PROJECT_ROOT
    suffix = _PLATFORMS.get((platform.system(), platform.machine()), "")
    candidate = root / ".tools" / "node_modules" / "@foundry-rs" / f"anvil-{suffix}" / "bin" / "anvil"
    if candidate.is_file():
        return candidate
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    raise TargetError("anvil not found: run `make setup` (installs @foundry-rs/anvil into .tools/)")


class ManagedAnvil(ManagedNode):
    """Anvil (npm `@foundry-rs/anvil`) with interval mining."""

    name = "anvil"

    def __init__(
        self,
        log_path: Path,
        *,
        block_time: float = 1.0,
        gas_limit: int = 100_000_000,
        binary: Path | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        super().__init__(
            log_path, block_time=block_time, gas_limit=gas_limit, startup_timeout=startup_timeout
        )
        self.binary = binary or find_anvil()

    @property
    def version(self) -> str | None:
        return npm_version("@foundry-rs/anvil")

    def command(self) -> list[str]:
        block_time = f"{self.block_time:g}"
        # Anvil's own base fee (1 gwei at genesis, moving by EIP-1559): the plan's fee rule covers its rise.
        return [
            str(self.binary),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--block-time",
            block_time,
            "--gas-limit",
            str(self.gas_limit),
            "--accounts",
            "2",
            "--balance",
            str(DEV_BALANCE_ETH),
            "--order",
            "fifo",
            "--no-request-size-limit",
        ]
