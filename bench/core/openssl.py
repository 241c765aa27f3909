"""Run `openssl speed -evp` for a hash and message size, and parse its throughput (the native reference)."""

import re
import shutil
import subprocess
from dataclasses import dataclass

# chainmark algorithm -> OpenSSL EVP digest measured in its place. Keccak-256 differs from SHA3-256 only in
# its padding byte, so they cost the same per Keccak-f permutation; sha256d is two SHA-256 calls.
EVP_NAMES = {"sha256": "sha256", "sha256d": "sha256", "keccak256": "sha3-256", "sm3": "sm3"}

_ROW = re.compile(r"^(?P<name>[\w-]+)\s+(?P<kbytes>[\d.]+)k\s*$")


@dataclass(frozen=True, slots=True)
class OpensslSpeed:
    """One `openssl speed` measurement: `evp` digests of `message_bytes`-byte inputs on `processes` cores."""

    evp: str
    message_bytes: int
    processes: int
    bytes_per_second: float

    @property
    def ns_per_call(self) -> float:
        """Nanoseconds per digest call, per process (so it is comparable with one thread)."""
        return self.message_bytes / self.bytes_per_second * 1e9 * self.processes


def openssl_path() -> str | None:
    """The `openssl` executable on PATH, or None."""
    return shutil.which("openssl")


def openssl_version(executable: str) -> str:
    """`openssl version` output, e.g. "OpenSSL 3.0.19 27 Jan 2026"."""
    return subprocess.run([executable, "version"], capture_output=True, text=True, check=True).stdout.strip()


def parse_speed(output: str, evp: str) -> float:
    """Bytes per second from `openssl speed` output for digest `evp` (OpenSSL prints 1000s of bytes/s)."""
    for line in reversed(output.splitlines()):
        match = _ROW.match(line.strip())
        if match and match["name"] == evp:
            return float(match["kbytes"]) * 1000.0
    raise ValueError(f"no throughput row for {evp!r} in openssl speed output: {output[-300:]!r}")


def run_speed(
    executable: str, evp: str, message_bytes: int, *, seconds: int, processes: int = 1
) -> OpensslSpeed:
    """Run `openssl speed -evp` once and return its throughput."""
    command = [executable, "speed", "-seconds", str(seconds), "-bytes", str(message_bytes), "-evp", evp]
    if processes > 1:
        command[2:2] = ["-multi", str(processes)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return OpensslSpeed(evp, message_bytes, processes, parse_speed(result.stdout, evp))
