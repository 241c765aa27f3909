"""The engine's in-process tests: the engine and bench.rounds import Locust (for the default round
runners), and importing Locust monkey-patches the whole process with gevent. These tests never run Locust,
so the engine is imported here, before the test modules, with Locust's patching switched off; pytest's
process keeps real threads and sockets for every other test (test_engine_stages checks it)."""

from __future__ import annotations

import importlib
import os


def _import_engine_unpatched() -> None:
    previous = os.environ.get("LOCUST_SKIP_MONKEY_PATCH")
    os.environ["LOCUST_SKIP_MONKEY_PATCH"] = "1"
    try:
        importlib.import_module("bench.engine")
    finally:
        if previous is None:
            del os.environ["LOCUST_SKIP_MONKEY_PATCH"]
        else:
            os.environ["LOCUST_SKIP_MONKEY_PATCH"] = previous


_import_engine_unpatched()
