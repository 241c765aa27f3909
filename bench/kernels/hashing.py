"""Hash a batch of messages with one of the supported algorithms (the `hash_batch` entry point)."""

from collections.abc import Sequence

import numpy as np

from bench.kernels import keccak_soa, sha256_ni_batch, sha256_soa, sm3_soa
from bench.kernels.bytes_list import rows_of_bytes
from bench.kernels.cpu import cpu_features
from bench.kernels.keccak import keccak256_range, keccak256_var
from bench.kernels.sha256 import sha256_range, sha256_var
from bench.kernels.sm3 import sm3_range, sm3_var
from bench.kernels.soa import tail_template
from bench.kernels.threads import dynamic_chunks

ALGORITHMS = ("sha256", "sha256d", "keccak256", "sm3")

# Below this many messages (and bytes) a parallel launch costs more than it saves (on a busy machine it
# also waits for a free core): run on one thread.
SERIAL_MAX_MESSAGES = 4096
SERIAL_MAX_BYTES = 1 << 18

SHA_NI = cpu_features().sha_ni  # chosen once, at import: the SHA-NI kernels or the portable ones

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
    if isinstance(messages, np.ndarray):
        return hash_rows(algorithm, as_matrix(messages), sha_ni=SHA_NI)
    if type(messages) is list and messages and type(messages[0]) is bytes and len(messages[0]) > 0:
        # A list of exact `bytes` all as long as the first (a multiple of 8 bytes): the row kernels, which
        # hash across messages; anything else (None back) is checked and hashed one message at a time.
        rows = rows_of_bytes(messages, len(messages[0]))
        if rows is not None:
            return hash_rows(algorithm, rows, sha_ni=SHA_NI)
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
            with dynamic_chunks():
                sha256_var(data, offsets, out, double)
    elif algorithm == "keccak256":
        if serial:
            keccak256_range(data, offsets, out, 0, n)
        else:
            with dynamic_chunks():
                keccak256_var(data, offsets, out)
    elif serial:
        sm3_range(data, offsets, out, 0, n)
    else:
        with dynamic_chunks():
            sm3_var(data, offsets, out)
    return out


def hash_rows(
    algorithm: str, rows: np.ndarray, *, sha_ni: bool, out: np.ndarray | None = None, prefix: int = -1
) -> np.ndarray:
    """Hash each row of a C-contiguous 2-D uint8 array (the fixed-length fast path).

    SHA-256 and SHA-256d run on the SHA-NI kernel if `sha_ni` (callers pass `SHA_NI`; tests pass both),
    else on the portable vectorised one; SM3 and Keccak-256 (rows of a multiple of 8 bytes) are
    vectorised across messages. Digests go to `out` (a C-contiguous (n, 32) uint8 array) if given.
    With `prefix` (0..255; SHA-256 and SM3 only) each message is that byte followed by the row.
    """
    check_algorithm(algorithm)
    n, width = rows.shape
    out = np.empty((n, 32), dtype=np.uint8) if out is None else out
    if n == 0:
        return out
    serial = n < SERIAL_MAX_MESSAGES and rows.size < SERIAL_MAX_BYTES
    template = tail_template(width + (prefix >= 0))
    if algorithm in ("sha256", "sha256d"):
        kernel = sha256_ni_batch if sha_ni else sha256_soa
        double = algorithm == "sha256d"
        if serial:
            kernel.rows_range(rows, out, double, 0, n, template, prefix)
        else:
            with dynamic_chunks():
                kernel.rows(rows, out, double, template, prefix)
    elif algorithm == "sm3":
        if serial:
            sm3_soa.rows_range(rows, out, 0, n, template, prefix)
        else:
            with dynamic_chunks():
                sm3_soa.rows(rows, out, template, prefix)
    elif prefix >= 0:
        raise ValueError("a prefix byte is supported for sha256 and sm3 rows only")
    else:
        _keccak_rows(rows, out, serial)
    return out


def _keccak_rows(rows: np.ndarray, out: np.ndarray, serial: bool) -> None:
    n, width = rows.shape
    if width % 8 == 0 and width > 0:
        words, padding = rows.view(np.uint64), keccak_soa.tail_words(width)
        if serial:
            keccak_soa.rows64_range(words, out.view(np.uint64), 0, n, padding)
        else:
            with dynamic_chunks():
                keccak_soa.rows64(words, out.view(np.uint64), padding)
        return
    data = rows.reshape(-1) if rows.size else np.zeros(1, np.uint8)
    offsets = np.arange(n + 1, dtype=np.int64) * width
    if serial:
        keccak256_range(data, offsets, out, 0, n)
    else:
        with dynamic_chunks():
            keccak256_var(data, offsets, out)
