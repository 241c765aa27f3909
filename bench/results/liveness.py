"""Tells a run that is still going from one whose process died without a word (SIGKILL, power loss, OOM).

A run records which process owns it (pid, its start time, a hash of the host's name: the name itself is
not published) when it starts; a store still saying `running` whose owner is no longer that process on
this host was left by a run that died.
"""

from __future__ import annotations

import hashlib
import socket
from typing import Any

import psutil


def owner() -> dict[str, Any]:
    """The `owner` meta entry of a run started by this process."""
    me = psutil.Process()
    return {"pid": me.pid, "started": me.create_time(), "host": _host()}


def died(meta: dict[str, Any]) -> bool:
    """True when the run in `meta` says `running` but its owner process is gone (known only on its host)."""
    who = meta.get("owner")
    if meta.get("status") != "running" or not isinstance(who, dict) or who.get("host") != _host():
        return False
    try:
        return abs(psutil.Process(int(who["pid"])).create_time() - float(who["started"])) > 0.5
    except (psutil.Error, KeyError, TypeError, ValueError):
        return True


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:16]
