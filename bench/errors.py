"""The error tree: every error chainmark raises on purpose, and what each one means.

    ChainmarkError                 base; `cli.main` is the one place that catches it
    ├── UsageError                 what the user asked for cannot be done as asked    -> exit 2
    │   ├── WorkloadError          the workload (YAML or CLI options) is invalid
    │   └── ResultsError           a results store or run folder cannot be read
    ├── TargetError                the target node cannot be started, reached or used -> exit 1
    │   └── RpcError               the node answered a JSON-RPC call with an error
    └── RunError                   the run could not complete (funding failed, ...)   -> exit 1
        └── DiskFullError          the disk holding the run folder is full             -> exit 1

    KeyboardInterrupt              Ctrl-C (SIGINT)                                    -> exit 130
    └── Terminated                 SIGTERM (`timeout`, CI, `kill`, systemd, containers) -> exit 143

A failed *transaction* is not an error: it is a record with a reason (see `bench.results`).
"""

from __future__ import annotations


class ChainmarkError(Exception):
    """Raised for any failure chainmark reports to the user as one line."""

    exit_status = 1


class UsageError(ChainmarkError):
    """Raised when what the user asked for cannot be done as asked (bad input, not a failed run)."""

    exit_status = 2


class WorkloadError(UsageError):
    """Raised when a workload file or option is invalid; names file:line, field, problem and value."""

    def __init__(self, message: str, *, path: str = "", line: int = 0, field: str = "") -> None:
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        what = f"{field}: " if field else ""
        super().__init__(f"{where}{what}{message}")
        self.path, self.line, self.field = path, line, field


class ResultsError(UsageError):
    """Raised when a results store or run folder is missing, not chainmark's, or of an unreadable version."""

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


class TargetError(ChainmarkError):
    """Raised when the target node cannot be started, reached, or does not behave as a node should."""


class RpcError(TargetError):
    """Raised when a JSON-RPC call returns an error object."""

    def __init__(self, method: str, code: int, message: str) -> None:
        super().__init__(f"{method} failed: {message} (code {code})")
        self.method, self.code, self.rpc_message = method, code, message


class RunError(ChainmarkError):
    """Raised when a run cannot go on (funding not confirmed, no transaction could be planned, ...)."""


class DiskFullError(RunError):
    """Raised when a write to the run folder fails because its disk is full; says how much was kept."""

    def __init__(self, run_dir: str, kept: str) -> None:
        super().__init__(f"the disk holding {run_dir} is full: {kept}")
        self.run_dir = run_dir


class Terminated(KeyboardInterrupt):
    """Raised in the main greenlet on SIGTERM, so a stop runs the same cleanup as Ctrl-C (exit 143)."""
