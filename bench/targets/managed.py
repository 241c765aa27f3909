"""Starts, waits for, and always stops a local development node process on a free 127.0.0.1 port.

A managed node is one of the dev nodes chainmark can run itself (Anvil, Hardhat's EDR node, Ganache:
see `bench.chains.ethereum.nodes`). Each kind says only how it is started (`command`) and where its binary and
version come from; this base starts it with its output in the run folder, polls JSON-RPC until it
answers (never a fixed sleep), retries on a port taken meanwhile, and stops it with SIGTERM, then
SIGKILL after 5 s. Every kind is started with the same block interval, block gas limit, a base fee of
0 (pre-signed legacy transactions are not priced out as blocks fill) and two funded dev accounts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from abc import ABC, abstractmethod
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from bench.errors import TargetError
from bench.lifeline import die_with_parent
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOOLS = PROJECT_ROOT / ".tools" / "node_modules"
DEV_BALANCE_ETH = 100_000_000


def spawn_logged(
    command: list[str], log_path: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a node process with its output appended to `log_path`, in a session of its own, dying with
    chainmark (not even a SIGKILL of chainmark leaves it running)."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(),
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def npm_version(package: str, tools: Path = TOOLS) -> str | None:
    """The exact version of an npm package installed under `.tools/` (None when it is not there)."""
    try:
        return str(json.loads((tools / package / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def npm_entry(package: str, script: str, tools: Path = TOOLS) -> Path:
    """The JavaScript entry point `script` of an npm package installed under `.tools/`."""
    path = tools / package / script
    if not path.is_file():
        raise TargetError(f"{package} not found: run `make setup` (installs {package} into .tools/)")
    return path


class ManagedNode(ABC):
    """A dev node process; use as a context manager so it is always stopped. Subclasses set `name`
    and implement `command()` (and may override `env`, `cwd` and `version`)."""

    name = "node"

    def __init__(
        self,
        log_path: Path,
        *,
        block_time: float = 1.0,
        gas_limit: int = 100_000_000,
        startup_timeout: float = 30.0,
    ) -> None:
        self.log_path, self.block_time, self.gas_limit = log_path, block_time, gas_limit
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def version(self) -> str | None:
        """The node's exact version, as installed (None when unknown)."""
        return None

    @property
    def node_urls(self) -> list[str]:
        return [self.url]

    def metadata(self) -> dict[str, Any]:
        """Nothing beyond the name and version for a single dev node."""
        return {}

    @abstractmethod
    def command(self) -> list[str]:
        """The node's command line, for the port in `self.port`."""

    def env(self) -> dict[str, str]:
        """Environment additions for the node process."""
        return {}

    def cwd(self) -> Path | None:
        """The node process's working directory (None: chainmark's)."""
        return None

    def start(self) -> Self:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):  # the port was free when asked; another process may take it before the node binds
            self.port = free_port()
            self.process = spawn_logged(self.command(), self.log_path, self.env(), self.cwd())
            if self._wait_ready():
                return self
        self.stop()
        raise TargetError(f"{self.name} did not start; see its log {self.log_path}")

    def _wait_ready(self) -> bool:
        """Poll until the node answers JSON-RPC; False if the process exited first."""
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
        raise TargetError(f"{self.name} did not answer within {self.startup_timeout:g}s; see {self.log_path}")

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
            raise TargetError(f"{self.name} is not running")
        return self.process.pid

    @property
    def restartable(self) -> bool:
        """Whether the node keeps its chain across a restart (its state on disk): kill, stop, start and
        restart are then fault steps too."""
        return False

    def fault(self, node: int, action: str) -> str:
        """A fault step on the node: pause / resume (SIGSTOP / SIGCONT); on a restartable node also kill
        (SIGKILL), stop (SIGTERM, waited for) and start / restart (the same command on the same port,
        waited for until it answers). Returns what was done."""
        signals = {"pause": signal.SIGSTOP, "resume": signal.SIGCONT}
        if node == 0 and action in signals:
            os.kill(self.pid, signals[action])
            return f"{signals[action].name} to pid {self.pid}"
        if node != 0 or action not in ("kill", "stop", "start", "restart") or not self.restartable:
            raise TargetError(f"a managed {self.name} cannot {action} node {node}")
        if action in ("start", "restart"):
            return self._start_again()
        if action == "stop":
            pid = self.pid
            self.stop()
            return f"SIGTERM to pid {pid}, exited"
        return self._kill()

    def _kill(self) -> str:
        """SIGKILL the node, waited for; what was done."""
        process, self.process = self.process, None  # down: `pid` says so until it is started again
        assert process is not None
        process.kill()
        process.wait()
        return f"SIGKILL to pid {process.pid}"

    def _start_again(self) -> str:
        """Start the node again on its port (a client's URL stays right) and wait until it answers."""
        if self.process is not None and self.process.poll() is None:
            raise TargetError(f"{self.name} is running (pid {self.process.pid}): nothing to start")
        started = time.monotonic()
        self.process = spawn_logged(self.command(), self.log_path, self.env(), self.cwd())
        if not self._wait_ready():
            self.process = None
            raise TargetError(
                f"{self.name} did not start again on port {self.port}; see its log {self.log_path}"
            )
        return f"started again on port {self.port} as pid {self.pid}, answering after {time.monotonic() - started:.2f} s"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
