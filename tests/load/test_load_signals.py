"""The Locust master's Ctrl-C handler hands SIGINT back when it closes: a Ctrl-C after a distributed round (while
the node stops, the outputs are written, or a suite's next workload is planned) still reaches chainmark's
cleanup, instead of gevent's leftover default killing the process (issue 16)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.runhelpers import ROOT

PROGRAM = textwrap.dedent(
    """
    import os, signal
    from bench.clock import WallClock
    from bench.load.cluster import ClusterMaster
    from bench.stop_signals import stops_raise
    from bench.chains.ethereum.anvil import free_port

    with stops_raise():
        ClusterMaster("127.0.0.1", free_port(), WallClock()).close()
        try:
            os.kill(os.getpid(), signal.SIGINT)
            import gevent; gevent.sleep(1.0)
        except KeyboardInterrupt:
            print("interrupted, cleanly")
    """
)


def test_sigint_after_the_master_closed_still_raises() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "interrupted, cleanly\n"
