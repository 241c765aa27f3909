"""One managed `litecoind -regtest` process: started on free 127.0.0.1 ports, polled until it answers, always stopped.

A regtest node is one member of the managed network (`bench.chains.bitcoin.network`). Its data dir
(`<run dir>/nodes/node-K/`) and its log (`<run dir>/nodes/node-K.log`: litecoind's debug log, with its
stdout and stderr appended) stay in the run folder. RPC credentials are generated per run and handed to
litecoind as `-rpcauth` (a salted HMAC), so the password appears in no command line, file or log; only the
node's URL carries it, and every message shows the redacted URL. The process dies with chainmark
(`bench.lifeline`); note that PR_SET_PDEATHSIG follows the *thread* that started it, so start and restart
nodes from a thread that lives as long as the network (the main thread).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.chains.bitcoin.credentials import RpcCredentials
from bench.errors import RpcError, TargetError
from bench.targets.managed import free_port, spawn_logged
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint, redact_url

# Litecoin's MWEB deployment activates on regtest after a few hundred blocks; from then on generatetoaddress
# fails with "CreateNewBlock: TestBlockValidity failed: bad-txns-vin-empty" (seen at 450 blocks). A start
# time far in the future keeps it inactive (700+ blocks and segwit spends worked).
MWEB_VBPARAMS = "mweb:9999999999:9999999999"
# The managed nodes trust each other. In initial block download a node fetches blocks only from "preferred"
# peers (outbound or noban ones): without this, a node whose one outbound peer has no blocks never syncs (a
# line's node-1 at the start). Noban peers also get transactions at once, without the 1-5 s "trickle" delay.
WHITELIST = "noban@127.0.0.1"
RPC_WARMUP = -28  # "Loading block index...", "Verifying blocks...": the node is up but not ready yet
STOP_WAIT = 10.0  # seconds an RPC `stop` may take before SIGTERM
TERM_WAIT = 5.0  # seconds after SIGTERM before SIGKILL


def find_litecoind(explicit: str | Path | None = None) -> Path:
    """The litecoind binary: `explicit`, or the one on PATH (Debian's `litecoind` package)."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise TargetError(f"litecoind binary not found at {explicit}")
        return path
    on_path = shutil.which("litecoind")
    if on_path is None:
        raise TargetError("litecoind not found: run `make bitcoin-deps` (apt-get install litecoind)")
    return Path(on_path)


def litecoind_version(binary: Path) -> str:
    """The first line of `litecoind -version` ("Litecoin Core version v0.21.2.1-g...")."""
    try:
        done = subprocess.run([str(binary), "-version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TargetError(f"cannot run {binary} -version: {exc}") from exc
    return (done.stdout.splitlines() or ["unknown"])[0].strip()


def log_tail(path: Path, lines: int = 5) -> str:
    """The last `lines` lines of a node's log, for an error message (empty when there is no log yet)."""
    try:
        with open(path, "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 8192))
            text = log.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class RegtestNode:
    """node-K of a managed network. `start()` picks free ports; `restart()` keeps them and the data dir."""

    def __init__(
        self,
        index: int,
        binary: Path,
        nodes_dir: Path,
        credentials: RpcCredentials,
        args: Sequence[str] = (),
        startup_timeout: float = 30.0,
    ) -> None:
        self.index, self.binary, self.credentials = index, binary, credentials
        self.datadir = nodes_dir / self.name
        self.log_path = nodes_dir / f"{self.name}.log"
        self.args, self.startup_timeout = tuple(args), startup_timeout
        self.p2p_port = self.rpc_port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._rpc: RpcClient | None = None

    @property
    def name(self) -> str:
        return f"node-{self.index}"

    @property
    def url(self) -> str:
        """The RPC URL with its credentials (for a connector; never show it: see `redacted_url`)."""
        c = self.credentials
        return f"http://{c.user}:{c.password}@127.0.0.1:{self.rpc_port}/"

    @property
    def redacted_url(self) -> str:
        return redact_url(self.url)

    @property
    def p2p_address(self) -> str:
        return f"127.0.0.1:{self.p2p_port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise TargetError(f"{self.name} is not running")
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        """The node's command line for its ports (its password is not in it: `-rpcauth` holds a salted HMAC)."""
        return [
            str(self.binary),
            "-regtest",
            f"-datadir={self.datadir}",
            f"-port={self.p2p_port}",
            f"-rpcport={self.rpc_port}",
            "-bind=127.0.0.1",
            "-rpcbind=127.0.0.1",
            "-rpcallowip=127.0.0.1",
            f"-rpcauth={self.credentials.rpcauth()}",
            f"-vbparams={MWEB_VBPARAMS}",
            "-listen=1",
            "-listenonion=0",
            "-dnsseed=0",
            "-discover=0",
            "-txindex=0",
            f"-whitelist={WHITELIST}",
            "-printtoconsole=0",
            f"-debuglogfile={self.log_path}",
            *self.args,
        ]

    def call(self, method: str, *params: Any) -> Any:
        """One RPC call on the node's own connection (not thread-safe: a thread makes its own `client()`)."""
        if self._rpc is None:
            self._rpc = self.client()
        return self._rpc.call(method, *params)

    def client(self, timeout: float = 30.0) -> RpcClient:
        """A new RPC client for this node (one per thread)."""
        return RpcClient(parse_endpoint(self.url), timeout=timeout)

    def spawn(self) -> None:
        """Start the process on free ports without waiting for it (`wait_ready` does)."""
        self.p2p_port, self.rpc_port = free_port(), free_port()
        self._popen()

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def wait_ready(self, attempts: int = 3) -> None:
        """Poll until the node answers RPC; a process that exited first (a port taken meanwhile) is
        started again on other ports, up to `attempts` times in all."""
        for _ in range(attempts - 1):
            if self._poll_ready():
                return
            self.spawn()
        if not self._poll_ready():
            raise TargetError(
                f"{self.name} exited at start; its log {self.log_path} ends:\n{log_tail(self.log_path)}"
            )

    def restart(self) -> None:
        """Start the node again on the same ports and data dir (after `kill` or `stop`)."""
        if self.running:
            raise TargetError(f"{self.name} is running: stop or kill it before a restart")
        self._popen()
        if not self._poll_ready():
            raise TargetError(
                f"{self.name} did not restart; its log {self.log_path} ends:\n{log_tail(self.log_path)}"
            )

    def kill(self) -> None:
        """SIGKILL the node (a crash); its data dir stays for `restart`."""
        process, self.process = self.process, None
        self._close_rpc()
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def set_network_active(self, active: bool) -> None:
        """Isolate the node (False: every peer dropped, none taken) or let it peer again (True; then
        `ManagedNetwork.reconnect` dials its links at once)."""
        self.call("setnetworkactive", active)

    def request_stop(self) -> None:
        """Ask the node to shut down (RPC `stop`) without waiting; `wait_stopped` waits."""
        if not self.running:
            return
        rpc = self.client(timeout=5.0)
        try:
            rpc.call("stop")
        except TargetError:  # not answering: SIGTERM now (wait_stopped SIGKILLs it if that is not enough)
            assert self.process is not None
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
        finally:
            rpc.close()
            self._close_rpc()

    def wait_stopped(self, stop_wait: float = STOP_WAIT) -> None:
        """Wait for the process to exit; SIGTERM after `stop_wait` s, SIGKILL 5 s later. Safe to call twice."""
        process, self.process = self.process, None
        self._close_rpc()
        if process is None:
            return
        for send, wait in ((None, stop_wait), (signal.SIGTERM, TERM_WAIT), (signal.SIGKILL, None)):
            if send is not None and process.poll() is None:
                process.send_signal(signal.SIGCONT)  # in case a fault paused it
                process.send_signal(send)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop(self) -> None:
        self.request_stop()
        self.wait_stopped()

    def _popen(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.process = spawn_logged(self.command(), self.log_path)

    def _poll_ready(self) -> bool:
        """True once the node answers RPC; False if the process exited first; TargetError on the deadline."""
        assert self.process is not None
        rpc = self.client(timeout=2.0)
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer"
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                try:
                    rpc.call("getnetworkinfo")
                    return True
                except RpcError as exc:
                    if exc.code != RPC_WARMUP:
                        raise
                    last = exc.rpc_message
                except TargetError as exc:
                    last = str(exc)
                time.sleep(0.02)
        finally:
            rpc.close()
        raise TargetError(
            f"{self.name} ({self.redacted_url}) did not answer within {self.startup_timeout:g}s ({last}); "
            f"its log {self.log_path} ends:\n{log_tail(self.log_path)}"
        )

    def _close_rpc(self) -> None:
        if self._rpc is not None:
            self._rpc.close()
            self._rpc = None
