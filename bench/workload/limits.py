"""The documented range of every numeric workload field, checked at validate (the README's limits table).

A range is where a run of that size is still a benchmark on one machine, or where the chain says so
(uint64 gas, uint256 wei). The plan's total size (transactions, accounts, memory) is bounded separately,
by `bench.plan.size`, against `--max-plan`.
"""

from __future__ import annotations

UINT64_MAX = 2**64 - 1
UINT256_MAX = 2**256 - 1

MAX_TPS = 1_000_000.0  # any rate: tps, start_tps, end_tps, a step's or trace point's tps, max_tps
MAX_DURATION_S = 7 * 24 * 3600.0  # a round, a step, a trace's last point
MAX_TX_COUNT = 100_000_000  # a round's tx_count
MAX_ACCOUNTS = 1_000_000  # accounts.count (each one is funded before round 1)
MAX_SEED = UINT64_MAX  # accounts.seed, a poisson round's seed
MAX_SLOTS = 1_000_000  # in_flight, clients, max_outstanding
MAX_SENDERS = 10_000  # a round's Locust users (one greenlet and connection each)
MAX_WEIGHT = 1_000_000.0  # a mix entry's weight
MAX_GAS_PRICE_GWEI = 1_000_000.0
MAX_FUNDING_ETH = 1_000_000_000.0
MIN_BLOCK_TIME_S, MAX_BLOCK_TIME_S = 0.1, 3600.0  # a managed Anvil's interval mining
MAX_GRACE_S = 24 * 3600.0  # confirm_grace
MAX_CONFIRMATIONS = 1_000  # target.confirmations: blocks deep (Bitcoin's customary 6, a finality margin)
MIN_POLL_S, MAX_POLL_S = 0.001, 60.0  # poll_interval, prometheus interval
MAX_TRACE_SCALE = MAX_TPS
MAX_FEE_RATE = 100_000  # sat/vB, a Bitcoin target's fee_rate
MAX_BATCH = 1000  # target.batch: submissions per JSON-RPC batch request
MAX_BATCH_WINDOW_S = 0.1  # target.batch_window: a batch holds its first transaction at most this long
