"""hash_batch against hashlib / pycryptodome oracles over every padding boundary, and its input checks."""

import hashlib
import random

import numpy as np
import pytest
from Crypto.Hash import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.kernels import ALGORITHMS, cpu_features, hash_batch
from bench.kernels.hashing import hash_rows

# Every SHA-256 / SM3 padding boundary (55/56 bytes: one or two tail blocks; 64-byte blocks) and the
# Keccak-256 rate boundary (135/136/137 bytes), plus long messages.
LENGTHS = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 135, 136, 137, 271, 272, 1000, 10000]


def oracle(algorithm: str, message: bytes) -> bytes:
    if algorithm == "sha256":
        return hashlib.sha256(message).digest()
    if algorithm == "sha256d":
        return hashlib.sha256(hashlib.sha256(message).digest()).digest()
    if algorithm == "keccak256":
        return keccak.new(digest_bits=256, data=message).digest()
    return hashlib.new("sm3", message).digest()


def random_bytes(rng: random.Random, length: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(length))


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_variable_lengths_match_oracle(algorithm: str) -> None:
    rng = random.Random(1)
    messages = [random_bytes(rng, n) for n in LENGTHS for _ in range(2)]
    digests = hash_batch(algorithm, messages)
    assert digests.shape == (len(messages), 32)
    assert digests.dtype == np.uint8
    for message, digest in zip(messages, digests, strict=True):
        assert digest.tobytes() == oracle(algorithm, message), len(message)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("length", LENGTHS)
def test_fixed_length_array_matches_oracle(algorithm: str, length: int) -> None:
    rows = np.random.default_rng(length).integers(0, 256, size=(37, length), dtype=np.uint8)
    digests = hash_batch(algorithm, rows)
    for row, digest in zip(rows, digests, strict=True):
        assert digest.tobytes() == oracle(algorithm, row.tobytes())


SHA_PATHS = [
    pytest.param(False, id="portable"),
    pytest.param(
        True, id="sha-ni", marks=pytest.mark.skipif(not cpu_features().sha_ni, reason="CPU lacks SHA-NI")
    ),
]


@pytest.mark.parametrize("sha_ni", SHA_PATHS)
@pytest.mark.parametrize("algorithm", ["sha256", "sha256d"])
@pytest.mark.parametrize("length", LENGTHS)
def test_both_sha256_paths_match_oracle(sha_ni: bool, algorithm: str, length: int) -> None:
    # 21 rows: a serial call with a partial group of lanes and an odd message for the paired SHA-NI loop.
    rows = np.random.default_rng(length + 1).integers(0, 256, size=(21, length), dtype=np.uint8)
    digests = hash_rows(algorithm, rows, sha_ni=sha_ni)
    for row, digest in zip(rows, digests, strict=True):
        assert digest.tobytes() == oracle(algorithm, row.tobytes())


@pytest.mark.parametrize("sha_ni", SHA_PATHS)
@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("length", [32, 64, 65])
def test_parallel_row_kernels_match_oracle(sha_ni: bool, algorithm: str, length: int) -> None:
    rows = np.random.default_rng(length).integers(0, 256, size=(4501, length), dtype=np.uint8)
    digests = hash_rows(algorithm, rows, sha_ni=sha_ni)
    for i in (0, 1, 15, 16, 17, 500, 999, 1000, 4499, 4500):
        assert digests[i].tobytes() == oracle(algorithm, rows[i].tobytes()), i


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_array_and_bytes_paths_agree_on_non_contiguous_input(algorithm: str) -> None:
    wide = np.random.default_rng(7).integers(0, 256, size=(50, 130), dtype=np.uint8)
    view = wide[::2, 3:67]
    expected = hash_batch(algorithm, [row.tobytes() for row in view])
    assert np.array_equal(hash_batch(algorithm, view), expected)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_parallel_variable_length_batch(algorithm: str) -> None:
    rng = random.Random(5)
    messages = [random_bytes(rng, rng.randrange(0, 150)) for _ in range(5000)]
    digests = hash_batch(algorithm, messages)
    for i in (0, 1, 2500, 4998, 4999):
        assert digests[i].tobytes() == oracle(algorithm, messages[i])


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize(("length", "n"), [(8, 3), (32, 4501), (64, 37), (136, 21), (200, 4200)])
def test_a_list_of_equal_length_bytes_takes_the_row_kernels_and_others_the_checked_path(
    algorithm: str, length: int, n: int
) -> None:
    """A list of exact `bytes` of one length (a multiple of 8) is read as rows in one pass and hashed
    across messages; a list with one other length, a `bytearray` or a `bytes` subclass in it is hashed
    one message at a time. Both give the oracle's digests."""

    class Tagged(bytes):
        pass

    rows = np.random.default_rng(length + n).integers(0, 256, size=(n, length), dtype=np.uint8)
    listed = [row.tobytes() for row in rows]
    digests = hash_batch(algorithm, listed)
    assert np.array_equal(digests, hash_rows(algorithm, rows, sha_ni=cpu_features().sha_ni))
    for i in {0, n // 2, n - 1}:
        assert digests[i].tobytes() == oracle(algorithm, listed[i]), i
    k = n // 2
    for odd in (listed[k][:-1], bytearray(listed[k]), Tagged(listed[k])):
        mixed = [*listed[:k], odd, *listed[k + 1 :]]
        mixed_digests = hash_batch(algorithm, mixed)
        assert mixed_digests[k].tobytes() == oracle(algorithm, bytes(odd))
        assert np.array_equal(np.delete(mixed_digests, k, axis=0), np.delete(digests, k, axis=0))


@settings(max_examples=30, deadline=None)
@given(algorithm=st.sampled_from(ALGORITHMS), messages=st.lists(st.binary(max_size=300), max_size=8))
def test_hypothesis_bytes_batches(algorithm: str, messages: list[bytes]) -> None:
    digests = hash_batch(algorithm, messages)
    assert [d.tobytes() for d in digests] == [oracle(algorithm, m) for m in messages]


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_empty_batches(algorithm: str) -> None:
    assert hash_batch(algorithm, []).shape == (0, 32)
    assert hash_batch(algorithm, np.zeros((0, 64), np.uint8)).shape == (0, 32)
    assert hash_batch(algorithm, np.zeros((3, 0), np.uint8))[0].tobytes() == oracle(algorithm, b"")


@pytest.mark.parametrize(
    ("algorithm", "messages", "match"),
    [
        ("sha3-256", [b"x"], "unknown hash algorithm 'sha3-256': expected one of sha256, sha256d"),
        ("sha256", np.zeros((2, 3), np.int32), "dtype uint8, got int32"),
        ("sha256", np.zeros(5, np.uint8), "must be 2-D .* got 1-D"),
        ("sha256", np.zeros((2, 2, 2), np.uint8), "must be 2-D .* got 3-D"),
        ("sha256", b"abc", "sequence of bytes, got a single bytes"),
        ("sha256", ["abc"], r"messages\[0\] must be bytes, got str"),
    ],
)
def test_bad_input_raises_value_error(algorithm: str, messages: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        hash_batch(algorithm, messages)  # type: ignore[arg-type]


@pytest.mark.parametrize("sha_ni", SHA_PATHS)
@pytest.mark.parametrize("algorithm", ["sha256", "sha256d", "sm3"])
@pytest.mark.parametrize(("length", "n"), [(0, 3), (32, 21), (64, 4200), (63, 17), (119, 5)])
def test_prefixed_rows_match_oracle(sha_ni: bool, algorithm: str, length: int, n: int) -> None:
    rows = np.random.default_rng(length).integers(0, 256, size=(n, length), dtype=np.uint8)
    for prefix in (0, 1):
        digests = hash_rows(algorithm, rows, sha_ni=sha_ni, prefix=prefix)
        for row, digest in zip(rows, digests, strict=True):
            assert digest.tobytes() == oracle(algorithm, bytes([prefix]) + row.tobytes())


def test_prefix_is_refused_for_keccak() -> None:
    with pytest.raises(ValueError, match="prefix byte is supported for sha256 and sm3 rows only"):
        hash_rows("keccak256", np.zeros((2, 64), np.uint8), sha_ni=False, prefix=0)
