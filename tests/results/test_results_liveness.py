"""bench.results.liveness: a store saying `running` is `died` only when its owner process is really gone."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import psutil

from bench.results.liveness import died, owner


def _meta(who: dict[str, Any], status: str = "running") -> dict[str, Any]:
    return {"status": status, "owner": who}


def test_a_live_owner_is_running() -> None:
    assert not died(_meta(owner()))


def test_an_owner_that_exited_died() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    who = {**owner(), "pid": child.pid, "started": psutil.Process(child.pid).create_time()}
    child.wait()
    assert died(_meta(who))


def test_a_reused_pid_is_not_the_owner() -> None:
    assert died(_meta({**owner(), "started": owner()["started"] - 3600}))


def test_what_cannot_be_known_is_left_as_it_is() -> None:
    assert not died(_meta({**owner(), "host": "another-host"}))  # another machine's run
    assert not died({"status": "running"})  # a store of an older chainmark: no owner recorded
    assert not died(_meta({**owner(), "pid": 1, "started": 0.0}, status="completed"))
    assert "host" in owner() and len(owner()["host"]) == 16  # a hash: the host's name is not published
