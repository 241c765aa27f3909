"""Rate controllers: one module each behind one protocol (`base`), registered by name in `registry.RATES`.

fixed-rate, linear-rate, step-rate, poisson and trace are open loop (every tx has an intended send
time); fixed-backlog, fixed-concurrency and maximum-rate closed loop (a tx goes when a slot frees).
"""

from bench.workload.rates.base import Keys, Length, Loop, Pacing, RateController, TxCount
from bench.workload.rates.description import describe_round
from bench.workload.rates.registry import RATES, loop_of, read_rate

__all__ = [
    "RATES",
    "Keys",
    "Length",
    "Loop",
    "Pacing",
    "RateController",
    "TxCount",
    "describe_round",
    "loop_of",
    "read_rate",
]
