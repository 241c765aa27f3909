"""How many threads the parallel kernels use (a thin wrapper so callers need not import numba)."""

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
