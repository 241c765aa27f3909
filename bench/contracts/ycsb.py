"""The YCSB core workloads A-F as data: operation proportions, request distribution, record defaults.

Taken from the Yahoo! Cloud Serving Benchmark's own definitions, brianfrankcooper/YCSB
`workloads/workloada` .. `workloadf` (Cooper et al., "Benchmarking Cloud Serving Systems with YCSB",
SoCC 2010), and its `CoreWorkload` defaults: 1000 records of 10 fields of 100 bytes, keys
"user" + the FNV-1a 64 hash of the record number (`site.ycsb.Utils.fnvhash64`, hashed insert order).
On the `KVStore` contract a record's fields are one value of field_count * field_length bytes.

Operations: "read", "update", "insert", "scan", "read_modify_write".
"""

from __future__ import annotations

from dataclasses import dataclass

OPERATIONS = ("read", "update", "insert", "scan", "read_modify_write")
DEFAULT_RECORD_COUNT = 1000
DEFAULT_FIELD_COUNT = 10
DEFAULT_FIELD_LENGTH = 100

_FNV_OFFSET_BASIS_64 = 0xCBF29CE484222325
_FNV_PRIME_64 = 1099511628211
_MASK_64 = (1 << 64) - 1


@dataclass(frozen=True, slots=True)
class YcsbWorkload:
    """One YCSB core workload: the share of each operation (summing to 1) and how keys are chosen."""

    letter: str
    description: str
    proportions: tuple[tuple[str, float], ...]  # (operation, share), operations from OPERATIONS
    request_distribution: str  # "zipfian" or "latest" (the most recently inserted records are hottest)
    max_scan_length: int = 0  # scans draw their length uniformly from 1 .. max_scan_length (workload E)

    def __post_init__(self) -> None:
        unknown = [op for op, _ in self.proportions if op not in OPERATIONS]
        if unknown:
            raise ValueError(f"workload {self.letter}: unknown operations {unknown}")
        if abs(sum(share for _, share in self.proportions) - 1.0) > 1e-9:
            raise ValueError(f"workload {self.letter}: proportions must sum to 1")


WORKLOADS = {
    "A": YcsbWorkload("A", "update heavy: read/update 50/50", (("read", 0.5), ("update", 0.5)), "zipfian"),
    "B": YcsbWorkload("B", "read mostly: read/update 95/5", (("read", 0.95), ("update", 0.05)), "zipfian"),
    "C": YcsbWorkload("C", "read only", (("read", 1.0),), "zipfian"),
    "D": YcsbWorkload("D", "read latest: read/insert 95/5", (("read", 0.95), ("insert", 0.05)), "latest"),
    "E": YcsbWorkload(
        "E", "short ranges: scan/insert 95/5", (("scan", 0.95), ("insert", 0.05)), "zipfian", 100
    ),
    "F": YcsbWorkload(
        "F",
        "read-modify-write: read/read-modify-write 50/50",
        (("read", 0.5), ("read_modify_write", 0.5)),
        "zipfian",
    ),
}


def get_workload(letter: str) -> YcsbWorkload:
    """Return YCSB core workload `letter` (A-F, either case); ValueError lists the valid letters."""
    try:
        return WORKLOADS[letter.upper()]
    except (KeyError, AttributeError):
        raise ValueError(
            f"unknown YCSB workload {letter!r}: expected one of {', '.join(WORKLOADS)}"
        ) from None


def fnv_hash64(value: int) -> int:
    """YCSB's `Utils.fnvhash64`: FNV-1a over the 8 little-endian bytes, then Java's Math.abs of the long."""
    hashed = _FNV_OFFSET_BASIS_64
    for i in range(8):
        hashed = ((hashed ^ ((value >> (8 * i)) & 0xFF)) * _FNV_PRIME_64) & _MASK_64
    signed = hashed - (1 << 64) if hashed >= 1 << 63 else hashed
    return signed if signed == -(1 << 63) else abs(signed)  # Math.abs(Long.MIN_VALUE) stays negative


def record_key(record: int) -> bytes:
    """The YCSB key of record number `record` (>= 0): b"user" + the decimal FNV hash."""
    if record < 0:
        raise ValueError(f"record number must be >= 0, got {record}")
    return b"user" + str(fnv_hash64(record)).encode()
