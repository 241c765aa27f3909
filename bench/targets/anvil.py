"""Starts, waits for, and always stops a local Anvil node on a free 127.0.0.1 port (the default target)."""

from __future__ import annotations

import platform
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from bench.errors import TargetError
from bench.lifeline import die_with_parent
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

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
    root = project_root or Path(__file__).resolve().parents[2]
    suffix = _PLATFORMS.get((platform.system(), platform.machine()), "")
    candidate = root / ".tools" / "node_modules" / "@foundry-rs" / f"anvil-{suffix}" / "bin" / "anvil"
    if candidate.is_file():
        return candidate
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    raise TargetError("anvil not found: run `make setup` (installs @foundry-rs/anvil into .tools/)")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ManagedAnvil:
    """An Anvil process with interval mining; use as a context manager so it is always stopped."""

    def __init__(
        self,
        log_path: Path,
        *,
        block_time: float = 1.0,
        gas_limit: int = 100_000_000,
        binary: Path | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.log_path, self.block_time, self.gas_limit = log_path, block_time, gas_limit
        self.binary = binary or find_anvil()
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        block_time = f"{self.block_time:g}"
        # Base fee 0: EIP-1559 pricing would otherwise price pre-signed transactions out as blocks fill.
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
            "--block-base-fee-per-gas",
            "0",
            "--accounts",
            "2",
            "--balance",
            "100000000",
            "--order",
            "fifo",
            "--no-request-size-limit",
        ]

    def start(self) -> ManagedAnvil:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # the port was free when asked; another process may take it before Anvil binds
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    self.command(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    preexec_fn=die_with_parent(),  # not even a SIGKILL of chainmark leaves it running
                )
            if self._wait_ready():
                return self
        self.stop()
        raise TargetError(f"anvil did not start; see its log {self.log_path}")

    def _wait_ready(self) -> bool:
        """Poll until Anvil answers JSON-RPC; False if the process exited first."""
        assert self.process is not None
        rpc = RpcClient(parse_endpoint(self.url), timeout=2.0)
        deadline = time.monotonic() + self.startup_timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                try:
                    rpc.call("web3_clientVersion")
                    return True
                except TargetError:
                    time.sleep(0.02)
        finally:
            rpc.close()
        self.stop()
        raise TargetError(f"anvil did not answer within {self.startup_timeout:g}s; see {self.log_path}")

    def stop(self) -> None:
        """Stop the node (SIGTERM, then SIGKILL after 5 s); safe to call twice."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGCONT)  # in case a test paused it
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int:
        if self.process is None:
            raise TargetError("anvil is not running")
        return self.process.pid

    def __enter__(self) -> ManagedAnvil:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
