"""Parsing `openssl speed` output, and one real short run when openssl is on PATH."""

import pytest

from bench.core.openssl import OpensslSpeed, openssl_path, parse_speed, run_speed

SAMPLE = """\
Doing sha256 for 1s on 64 size blocks: 3645187 sha256's in 1.00s
version: 3.0.19
built on: Tue Jan 27 00:00:00 2026 UTC
options: bn(64,64)
CPUINFO: OPENSSL_ia32cap=0xfffa32034f8bffff:0x415f46f1bf2ffb
The 'numbers' are in 1000s of bytes per second processed.
type             64 bytes
sha256          233291.97k
"""


def test_parse_speed_reads_the_table_row_in_bytes_per_second() -> None:
    assert parse_speed(SAMPLE, "sha256") == pytest.approx(233_291_970.0)


def test_parse_speed_names_the_missing_digest() -> None:
    with pytest.raises(ValueError, match="no throughput row for 'sm3'"):
        parse_speed(SAMPLE, "sm3")


def test_ns_per_call_is_per_process() -> None:
    one = OpensslSpeed("sha256", 64, 1, 64e7)
    two = OpensslSpeed("sha256", 64, 2, 128e7)
    assert one.ns_per_call == pytest.approx(100.0)
    assert two.ns_per_call == pytest.approx(100.0)


@pytest.mark.skipif(openssl_path() is None, reason="openssl is not on PATH")
def test_real_openssl_speed_run() -> None:
    executable = openssl_path()
    assert executable is not None
    speed = run_speed(executable, "sha256", 64, seconds=1)
    assert speed.evp == "sha256"
    assert speed.bytes_per_second > 1e6
