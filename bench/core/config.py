"""What a `chainmark core` run measures: sizes, counts and repeats for the full and the quick matrix."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CoreConfig:
    """The kernel matrix (algorithm x message size x threads) and Merkle matrix (scheme x leaves x threads).

    `kernel_bytes` is the data hashed per kernel measurement (2**20 64-byte messages = a Merkle level);
    baselines (hashlib, pycryptodome, pymerkle loops) are slow, so they run on at most `baseline_messages`
    messages and Merkle trees of at most `baseline_max_leaves` leaves.
    """

    message_sizes: tuple[int, ...] = (32, 64, 256, 1024, 16384)
    kernel_bytes: int = 64 << 20
    repeats: int = 9
    merkle_leaves: tuple[int, ...] = (1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20)
    baseline_messages: int = 1 << 15
    baseline_max_leaves: int = 1 << 20
    openssl_seconds: int = 3
    compile_algorithms: tuple[str, ...] = ("sha256", "sha256d", "keccak256", "sm3", "merkle bitcoin")


FULL = CoreConfig()

QUICK = CoreConfig(
    message_sizes=(64, 1024),
    kernel_bytes=16 << 20,
    repeats=5,
    merkle_leaves=(1 << 10, 1 << 14, 1 << 16),
    baseline_messages=1 << 12,
    baseline_max_leaves=1 << 14,
    openssl_seconds=1,
    compile_algorithms=("keccak256",),  # the quickest to compile: keeps --quick under a minute cold
)
