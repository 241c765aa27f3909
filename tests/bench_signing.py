"""pytest-benchmark: chainmark's transaction signing next to eth-account (with coincurve) in the same run.

    .venv/bin/pytest tests/bench_signing.py --benchmark-enable --benchmark-only --benchmark-group-by=group

Each benchmark signs TXS legacy EIP-155 transfers from one key; compare the two rows' means (us per
call / TXS = us per transaction). In the normal suite benchmarks are disabled and each body runs
once on a few transactions, checking both produce the same bytes.
"""

from __future__ import annotations

from eth_account import Account
from pytest_benchmark.fixture import BenchmarkFixture

from bench.chains.ethereum.keys import address_of, checksum, derive_keys
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job

TXS = 2_000
SMOKE = 4
KEY, OTHER = derive_keys(7, 2)
TO = address_of(OTHER)


def _count(benchmark: BenchmarkFixture) -> int:
    return SMOKE if benchmark.disabled else TXS


def test_bench_sign_chainmark(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "sign legacy transfers (one key)"
    n = _count(benchmark)
    job = SignJob(KEY, 0, tuple(UnsignedTx(TO, 1, 21_000, 10**9) for _ in range(n)), 31337)
    signed = benchmark(sign_job, job)
    assert len(signed) == n


def test_bench_sign_eth_account(benchmark: BenchmarkFixture) -> None:
    benchmark.group = "sign legacy transfers (one key)"
    n = _count(benchmark)
    to = checksum(TO)

    def sign_all() -> list[bytes]:
        return [
            bytes(
                Account.sign_transaction(
                    {
                        "nonce": i,
                        "gasPrice": 10**9,
                        "gas": 21_000,
                        "to": to,
                        "value": 1,
                        "data": b"",
                        "chainId": 31337,
                    },
                    KEY,
                ).raw_transaction
            )
            for i in range(n)
        ]

    raws = benchmark.pedantic(sign_all, rounds=1 if n == SMOKE else 3, iterations=1)
    ours = sign_job(SignJob(KEY, 0, tuple(UnsignedTx(TO, 1, 21_000, 10**9) for _ in range(n)), 31337))
    assert raws == [raw for raw, _ in ours]
