"""Check a core run against the issue's speed targets: each target met, or by how much it is missed."""

from dataclasses import dataclass

from bench.core.compile_times import MERKLE_PREFIX, CompileTime
from bench.core.measure import KernelPoint, MerkleBaseline, MerklePoint
from bench.core.openssl import OpensslSpeed


@dataclass(frozen=True, slots=True)
class Target:
    """One speed target: `measured` against `limit`; lower is better unless `higher_is_better`."""

    name: str
    measured: float
    limit: float
    higher_is_better: bool
    detail: str

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit

    @property
    def shortfall(self) -> float:
        """How far off the target, as a factor (1.0 when met)."""
        if self.met:
            return 1.0
        return self.limit / self.measured if self.higher_is_better else self.measured / self.limit


def _kernel(points: list[KernelPoint], algorithm: str, size: int, threads: int, path: str | None = None):
    for p in points:
        if (p.algorithm, p.message_bytes, p.threads) == (algorithm, size, threads) and path in (None, p.path):
            return p
    return None


def _openssl(speeds: list[OpensslSpeed], evp: str, size: int, processes: int = 1) -> OpensslSpeed | None:
    for s in speeds:
        if (s.evp, s.message_bytes, s.processes) == (evp, size, processes):
            return s
    return None


def kernel_targets(points: list[KernelPoint], speeds: list[OpensslSpeed], top: int) -> list[Target]:
    """SHA-256 <= 0.4x OpenSSL at 64 B and >= 1.7x scaling; Keccak <= 1x; SM3 <= 0.8x (1 thread)."""
    found: list[Target] = []
    sha, ossl = _kernel(points, "sha256", 64, 1), _openssl(speeds, "sha256", 64)
    if sha and ossl:
        found.append(
            Target(
                "SHA-256, 64-byte messages, 1 thread: time per hash / OpenSSL's",
                sha.ns_per_message / ossl.ns_per_call,
                0.4,
                False,
                f"{sha.ns_per_message:.1f} ns ({sha.path}) vs openssl speed -evp sha256 -bytes 64: "
                f"{ossl.ns_per_call:.1f} ns",
            )
        )
    wide = _kernel(points, "sha256", 64, top)
    if sha and wide and top > 1:
        multi = _openssl(speeds, "sha256", 64, top)
        reference = (
            f"; openssl speed -multi {top} scales {ossl.ns_per_call / multi.ns_per_call * top:.2f}x"
            if (ossl and multi)
            else ""
        )
        found.append(
            Target(
                f"SHA-256 scaling, 1 -> {top} threads",
                sha.ns_per_message / wide.ns_per_message,
                1.7,
                True,
                f"{sha.ns_per_message:.1f} -> {wide.ns_per_message:.1f} ns per hash{reference}",
            )
        )
    for algorithm, evp, limit, what in (
        ("keccak256", "sha3-256", 1.0, "permutation"),
        ("sm3", "sm3", 0.8, "block"),
    ):
        ours, bulk = _kernel(points, algorithm, 64, 1), _bulk(speeds, evp)
        if ours and bulk:
            found.append(
                Target(
                    f"{algorithm}, 64-byte messages, 1 thread: time per {what} / OpenSSL {evp}'s",
                    ours.ns_per_block / bulk,
                    limit,
                    False,
                    f"{ours.ns_per_block:.1f} ns per {what} vs OpenSSL {bulk:.1f} ns (bulk, -bytes 16384)",
                )
            )
    return found


def _bulk(speeds: list[OpensslSpeed], evp: str) -> float | None:
    """OpenSSL's ns per compression / permutation from its largest single-process measurement."""
    bulk = [s for s in speeds if s.evp == evp and s.processes == 1]
    if not bulk:
        return None
    s = max(bulk, key=lambda s: s.message_bytes)
    rate = 136 if evp == "sha3-256" else 64
    return s.ns_per_call / (s.message_bytes // rate + 1)


def merkle_targets(points: list[MerklePoint], baselines: list[MerkleBaseline], top: int) -> list[Target]:
    """Each scheme within 1.3x of hashes x per-hash cost; >= 12x the hashlib loop; >= 80x pymerkle."""
    found: list[Target] = []
    for scheme in dict.fromkeys(p.scheme for p in points):
        mine = [p for p in points if p.scheme == scheme and p.threads == top]
        if not mine:
            continue
        largest = max(mine, key=lambda p: p.leaves)
        found.append(
            Target(
                f"Merkle {scheme}, {largest.leaves} leaves, {top} threads: time / (hashes x per-hash cost)",
                largest.ratio_to_ideal,
                1.3,
                False,
                f"{largest.best_seconds * 1e3:.1f} ms vs {largest.hashes} hashes = "
                f"{largest.ideal_seconds * 1e3:.1f} ms",
            )
        )
        for library, limit in (("hashlib loop", 12.0), ("pymerkle", 80.0)):
            if scheme not in ("bitcoin", "rfc6962") or (scheme, library) == ("rfc6962", "hashlib loop"):
                continue
            found.extend(_speedup(scheme, library, limit, mine, baselines, top))
        if scheme == "bitcoin":
            # Bar 6x, goal 10x (issue 12 of the guide): from the leaves a caller has, conversion included.
            found.extend(_speedup(scheme, "hashlib loop", 10.0, mine, baselines, top, from_list=True))
    return found


def _speedup(scheme, library, limit, mine, baselines, top, from_list=False) -> list[Target]:
    base = {b.leaves: b for b in baselines if (b.scheme, b.library) == (scheme, library)}
    common = [p for p in mine if p.leaves in base and (p.list_seconds is not None or not from_list)]
    if not common:
        return []
    p = max(common, key=lambda q: q.leaves)
    b = base[p.leaves]
    seconds = p.list_seconds if from_list and p.list_seconds is not None else p.best_seconds
    source = "a list of bytes" if from_list else "an (n, 32) array"
    return [
        Target(
            f"Merkle {scheme}, {p.leaves} leaves from {source}, {top} threads: speed-up over {library}",
            b.seconds / seconds,
            limit,
            True,
            f"{seconds * 1e3:.1f} ms vs {library} {b.seconds * 1e3:.1f} ms",
        )
    ]


def compile_targets(compiles: list[CompileTime]) -> list[Target]:
    """The first full-size Merkle root in a fresh process, from numba's cache (`make setup` fills it): < 1 s."""
    return [
        Target(
            f"{c.algorithm}, 2^20 leaves: first call in a fresh process after a small one, cached (s)",
            c.cached_first_call_seconds,
            1.0,
            False,
            f"{c.cached_first_call_seconds:.2f} s cached vs {c.cold_first_call_seconds:.1f} s compiling",
        )
        for c in compiles
        if c.algorithm.startswith(MERKLE_PREFIX)
    ]
