"""Turns SIGINT and SIGTERM into exceptions raised in the main greenlet, so every stop runs the same cleanup.

Under Locust, gevent's hub (not the code being stopped) is often the one running when a signal arrives:
an exception raised there would be printed by the hub and lost, so it is thrown into the main greenlet
instead, the way gevent's hub passes on a KeyboardInterrupt that lands in it (`greenlet` only: gevent
itself stays Locust's, in `bench.load`). A second signal while that cleanup runs is ignored: the cleanup is bounded (workers, then the
node, each given 5 s), and the children die with chainmark anyway (`bench.lifeline`).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from bench.errors import Terminated

STOP_SIGNALS = {signal.SIGINT: KeyboardInterrupt, signal.SIGTERM: Terminated}


@contextmanager
def stops_raise() -> Iterator[None]:
    """While inside, SIGINT raises KeyboardInterrupt and SIGTERM raises Terminated in the main greenlet."""
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping:
            return
        stopping.append(signum)
        _raise_in_main(STOP_SIGNALS[signal.Signals(signum)])

    previous: dict[signal.Signals, Callable[..., Any] | int | None] = {}
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:  # `cmd &` in a script: the shell meant it ignored
            previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def _raise_in_main(kind: type[KeyboardInterrupt]) -> None:
    greenlet = sys.modules.get("greenlet")  # loaded by Locust's gevent; never imported here
    if greenlet is not None:
        current = greenlet.getcurrent()
        main = current
        while main.parent is not None:
            main = main.parent
        if current is not main:  # gevent's hub or a user greenlet: raise in main, as gevent's own hub does
            main.throw(kind)
            return
    raise kind()
