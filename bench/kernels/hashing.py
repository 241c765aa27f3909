"""Hash a batch of messages with one of the supported algorithms (the `hash_batch` entry point)."""

from collections.abc import Sequence

import numpy as np

from bench.kernels.keccak import keccak256_range, keccak256_var
from bench.kernels.sha256 import sha256_range, sha256_var
from bench.kernels.sm3 import sm3_range, sm3_var

ALGORITHMS = ("sha256", "sha256d", "keccak256", "sm3")

# Below this many messages (and bytes) a parallel launch costs more than it saves: run on one thread.
SERIAL_MAX_MESSAGES = 256
SERIAL_MAX_BYTES = 1 << 16

Messages = np.ndarray | Sequence[bytes]


def check_algorithm(algorithm: str) -> None:
    """Raise ValueError unless `algorithm` is one of ALGORITHMS."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown hash algorithm {algorithm!r}: expected one of {', '.join(ALGORITHMS)}")


def as_flat(messages: Messages) -> tuple[np.ndarray, np.ndarray]:
    """Return (data, offsets): the messages concatenated as uint8 and their n + 1 start offsets."""
    if isinstance(messages, np.ndarray):
        rows = as_matrix(messages)
        n, width = rows.shape
        return rows.reshape(-1), np.arange(n + 1, dtype=np.int64) * width
    if isinstance(messages, str | bytes | bytearray | memoryview):
        raise ValueError(
            "messages must be a 2-D uint8 array or a sequence of bytes, "
            f"got a single {type(messages).__name__}"
        )
    lengths = np.zeros(len(messages) + 1, dtype=np.int64)
    for i, message in enumerate(messages):
        if not isinstance(message, bytes | bytearray | memoryview):
            raise ValueError(f"messages[{i}] must be bytes, got {type(message).__name__}")
        lengths[i + 1] = len(message)
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    return (data if data.size else np.zeros(1, np.uint8)), np.cumsum(lengths)


def as_matrix(messages: np.ndarray) -> np.ndarray:
    """Return `messages` as a C-contiguous 2-D uint8 array, or raise ValueError saying what was expected."""
    if messages.dtype != np.uint8:
        raise ValueError(f"messages array must have dtype uint8, got {messages.dtype}")
    if messages.ndim != 2:
        raise ValueError(f"messages array must be 2-D (n messages x length), got {messages.ndim}-D")
    return np.ascontiguousarray(messages)


def hash_batch(algorithm: str, messages: Messages) -> np.ndarray:
    """Hash each message; return an (n, 32) uint8 array of digests.

    `messages` is a 2-D uint8 array (n messages of equal length, the fast path) or a sequence of
    `bytes` of any lengths. `algorithm` is "sha256", "sha256d", "keccak256" or "sm3".
    """
    check_algorithm(algorithm)
    data, offsets = as_flat(messages)
    out = np.empty((offsets.size - 1, 32), dtype=np.uint8)
    if out.shape[0] == 0:
        return out
    n = out.shape[0]
    serial = n < SERIAL_MAX_MESSAGES and data.size < SERIAL_MAX_BYTES
    if algorithm in ("sha256", "sha256d"):
        double = algorithm == "sha256d"
        if serial:
            sha256_range(data, offsets, out, double, 0, n)
        else:
            sha256_var(data, offsets, out, double)
    elif algorithm == "keccak256":
        if serial:
            keccak256_range(data, offsets, out, 0, n)
        else:
            keccak256_var(data, offsets, out)
    elif serial:
        sm3_range(data, offsets, out, 0, n)
    else:
        sm3_var(data, offsets, out)
    return out
