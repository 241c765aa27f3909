"""Targets: met / shortfall arithmetic and the checks built from measurements."""

import pytest

from bench.core.compile_times import CompileTime
from bench.core.measure import KernelPoint, MerkleBaseline, MerklePoint, blocks_per_message, merkle_hashes
from bench.core.openssl import OpensslSpeed
from bench.core.targets import Target, compile_targets, kernel_targets, merkle_targets


def test_lower_is_better_target() -> None:
    met = Target("t", 0.3, 0.4, False, "")
    missed = Target("t", 0.6, 0.4, False, "")
    assert met.met and met.shortfall == 1.0
    assert not missed.met and missed.shortfall == pytest.approx(1.5)


def test_higher_is_better_target() -> None:
    missed = Target("t", 6.0, 12.0, True, "")
    assert not missed.met and missed.shortfall == pytest.approx(2.0)
    assert Target("t", 13.0, 12.0, True, "").met


@pytest.mark.parametrize(
    ("algorithm", "size", "blocks"),
    [("sha256", 64, 2), ("sha256", 55, 1), ("sha256", 56, 2), ("sha256d", 64, 3), ("keccak256", 135, 1)],
)
def test_blocks_per_message(algorithm: str, size: int, blocks: int) -> None:
    assert blocks_per_message(algorithm, size) == blocks


@pytest.mark.parametrize(
    ("scheme", "leaves", "hashes"), [("bitcoin", 5, 3 + 2 + 1), ("rfc6962", 5, 5 + 4), ("openzeppelin", 5, 4)]
)
def test_merkle_hash_counts(scheme: str, leaves: int, hashes: int) -> None:
    assert merkle_hashes(scheme, leaves) == hashes


def test_kernel_targets_from_measurements() -> None:
    n = 1000
    points = [
        KernelPoint("sha256", 64, 1, "sha-ni", n, n * 80e-9, 2),
        KernelPoint("sha256", 64, 2, "sha-ni", n, n * 50e-9, 2),
        KernelPoint("keccak256", 64, 1, "vectorised", n, n * 100e-9, 1),
        KernelPoint("sm3", 64, 1, "vectorised", n, n * 260e-9, 2),
    ]
    speeds = [
        OpensslSpeed("sha256", 64, 1, 64 / 250e-9),
        OpensslSpeed("sha256", 64, 2, 2 * 64 / 250e-9),
        OpensslSpeed("sha3-256", 16320, 1, 16320 / (121 * 400e-9)),
        OpensslSpeed("sm3", 16384, 1, 16384 / (257 * 240e-9)),
    ]
    found = {t.name.split(",")[0]: t for t in kernel_targets(points, speeds, 2)}
    assert found["SHA-256"].measured == pytest.approx(80 / 250)
    assert found["SHA-256 scaling"].measured == pytest.approx(1.6)
    assert not found["SHA-256 scaling"].met
    assert "-multi 2 scales 2.00x" in found["SHA-256 scaling"].detail
    assert found["keccak256"].measured == pytest.approx(100 / 400)
    assert found["sm3"].measured == pytest.approx(130 / 240)


def test_merkle_targets_compare_the_largest_common_tree() -> None:
    points = [
        MerklePoint("bitcoin", 1024, 2, 0.002, 1023, 0.001),
        MerklePoint("bitcoin", 4096, 2, 0.004, 4095, 0.0035),
    ]
    baselines = [MerkleBaseline("bitcoin", 1024, "hashlib loop", 0.05)]
    ratio, speedup = merkle_targets(points, baselines, 2)
    assert ratio.measured == pytest.approx(0.004 / 0.0035) and ratio.met
    assert speedup.measured == pytest.approx(25.0) and speedup.met


def test_the_list_of_bytes_target_compares_the_list_path_with_the_hashlib_loop() -> None:
    points = [MerklePoint("bitcoin", 1024, 2, 0.002, 1023, 0.001, list_seconds=0.008)]
    baselines = [MerkleBaseline("bitcoin", 1024, "hashlib loop", 0.05)]
    _, _, from_list = merkle_targets(points, baselines, 2)
    assert "from a list of bytes" in from_list.name and "8.0 ms vs hashlib loop 50.0 ms" in from_list.detail
    assert from_list.measured == pytest.approx(6.25) and not from_list.met  # the goal is 10x


def test_the_cached_first_merkle_call_target() -> None:
    compiles = [
        CompileTime("sha256", 0.3, 5.0, 0.3, 0.1),
        CompileTime("merkle bitcoin", 0.3, 4.0, 0.3, 0.4),
    ]
    (target,) = compile_targets(compiles)
    assert target.met and target.measured == 0.4 and "4.0 s compiling" in target.detail
    (slow,) = compile_targets([CompileTime("merkle bitcoin", 0.3, 4.0, 0.3, 1.5)])
    assert not slow.met
