"""Ties the life of a child process (the managed node, a local worker) to chainmark's own.

On Linux the child asks the kernel, between fork and exec, for SIGKILL when its parent dies
(`prctl(PR_SET_PDEATHSIG)`), so not even a SIGKILL of chainmark leaves a node or a worker running; it
exits at once if the parent is already gone. Elsewhere `die_with_parent` is None and children are only
stopped by chainmark's own cleanup. (The call is two lines of ctypes: of the packages that wrap prctl,
python-prctl needs libcap headers to build and pyprctl has not been released since 2021.)
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def _libc_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
        return prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()  # loaded before any fork: nothing is looked up in the child


def _child_lifeline(parent: int) -> Callable[[], None]:
    def in_child() -> None:
        assert _PRCTL is not None
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the lifeline was tied
            os._exit(1)

    return in_child


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` for `subprocess.Popen` that makes the child die with this process (None off Linux)."""
    return _child_lifeline(os.getpid()) if _PRCTL is not None else None
