"""The managed Anvil node (the default target): where its binary is, and how it is started."""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import time
from pathlib import Path
from typing import Any

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


STATE_INTERVAL_S = 1  # how often a restartable Anvil dumps its state (the most a kill loses)
WHOLE_DUMP_TRIES = 100  # a kill lets Anvil run up to this many times 50 ms to finish writing its dump


class ManagedAnvil(ManagedNode):
    """Anvil (npm `@foundry-rs/anvil`) with interval mining. Given a `state_path`, it dumps its state
    there every second and on exit, and starts from it (`--state`): killed and started again, it goes on
    from its last dump, having lost at most the blocks of the last second, as a node that crashed would.

    Anvil rewrites the dump in place, so a SIGKILL in the middle of a write would leave half a file it cannot
    start from (seen here: an empty one). A kill therefore first stops the process (SIGSTOP: from then on it
    answers nothing, as a crashed node), and sends SIGKILL once the dump on disk is whole JSON, letting it
    run 50 ms at a time until it is: a node with crash-safe storage, which is what a real chain's is."""

    name = "anvil"

    def __init__(
        self,
        log_path: Path,
        *,
        block_time: float = 1.0,
        gas_limit: int = 100_000_000,
        binary: Path | None = None,
        startup_timeout: float = 30.0,
        state_path: Path | None = None,
    ) -> None:
        super().__init__(
            log_path, block_time=block_time, gas_limit=gas_limit, startup_timeout=startup_timeout
        )
        self.binary = binary or find_anvil()
        self.state_path = state_path

    @property
    def restartable(self) -> bool:
        return self.state_path is not None

    def _kill(self) -> str:
        if self.state_path is None or self.process is None:
            return super()._kill()
        pid, stopped, tries = self.process.pid, time.monotonic(), 1
        os.kill(pid, signal.SIGSTOP)
        while not _whole_json(self.state_path):
            if tries == WHOLE_DUMP_TRIES:
                return super()._kill() + f" (its state dump was never whole in {WHOLE_DUMP_TRIES} tries)"
            os.kill(pid, signal.SIGCONT)
            time.sleep(0.05)
            tries += 1
            os.kill(pid, signal.SIGSTOP)
        done = super()._kill()
        waited = f" after {tries} tries" if tries > 1 else ""
        return f"{done} (stopped, then killed {1e3 * (time.monotonic() - stopped):.0f} ms later on a whole dump{waited})"

    def metadata(self) -> dict[str, Any]:
        if self.state_path is None:
            return {}
        return {"state": {"file": self.state_path.name, "dump_interval_s": STATE_INTERVAL_S}}

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
            *(
                ["--state", str(self.state_path), "--state-interval", str(STATE_INTERVAL_S)]
                if self.state_path is not None
                else []
            ),
        ]


def _whole_json(path: Path) -> bool:
    """Whether the file holds one whole JSON document (Anvil's dump, not caught halfway through a write):
    its last byte is checked first, so a dump caught mid-write costs no parse."""
    try:
        with open(path, "rb") as dump:
            dump.seek(0, os.SEEK_END)
            if dump.tell() == 0:
                return False
            dump.seek(-1, os.SEEK_END)
            if dump.read(1) not in (b"}", b"\n"):
                return False
            dump.seek(0)
            json.loads(dump.read())
    except (OSError, ValueError):
        return False
    return True
