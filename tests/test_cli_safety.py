"""`chainmark run --master`: the unauthenticated master listens on this machine only unless told otherwise.

Checked in a subprocess: the cluster options live beside the engine, which imports Locust (and gevent's
monkey patching must stay out of pytest's process)."""

from __future__ import annotations

import subprocess
import sys

from tests.runhelpers import ROOT

PROGRAM = """
import sys
from bench.cli import _cluster_options, _parser
options = _cluster_options(_parser().parse_args(["run", "w.yaml", "--master", "--expect-workers", "2", *sys.argv[1:]]))
print(options.bind_host, options.bind_port)
"""


def _bind(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_master_binds_loopback_by_default_and_warns_of_a_remote_bind() -> None:
    default = _bind()
    assert (default.stdout, default.stderr) == ("127.0.0.1 5557\n", "")
    remote = _bind("--master-bind", "0.0.0.0:6000")
    assert remote.stdout == "0.0.0.0 6000\n"
    assert remote.stderr == (
        "warning: --master-bind 0.0.0.0: workers anywhere that reaches port 6000 can join, unauthenticated, "
        "and receive this run's signed transactions; bind only on a trusted network\n"
    )
