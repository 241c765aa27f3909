"""How many threads the parallel kernels use (a thin wrapper so callers need not import numba)."""

from collections.abc import Iterator
from contextlib import contextmanager

import numba


def max_threads() -> int:
    """The most threads the kernels can use in this process (numba's NUMBA_NUM_THREADS)."""
    return int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]


def get_threads() -> int:
    """The number of threads the next parallel kernel call will use."""
    return int(numba.get_num_threads())


def set_threads(n: int) -> None:
    """Use `n` threads (1 .. max_threads()) for later parallel kernel calls in this thread."""
    if not 1 <= n <= max_threads():
        raise ValueError(f"threads must be in 1..{max_threads()}, got {n}")
    numba.set_num_threads(n)


@contextmanager
def dynamic_chunks() -> Iterator[None]:
    """Hand parallel loop iterations out one at a time (numba's chunk size 1) in this thread.

    By default each thread gets a fixed share; when one of them shares its core with another process,
    the whole loop waits for it. Handed out one by one, the busier thread just takes fewer chunks.
    (Set from Python: inside a cached kernel `set_parallel_chunksize` would make it uncacheable.)
    """
    previous = numba.set_parallel_chunksize(1)
    try:
        yield
    finally:
        numba.set_parallel_chunksize(previous)
