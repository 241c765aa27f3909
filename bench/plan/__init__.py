"""The plan, whatever the chain: what is done before the clock starts (schedules, send order, pre-sign counts).

A chain family's planner (bench/chains/<family>/) signs the transactions; this package holds the record it
fills (`PlannedRound`) and the chain-free parts: arrival schedules, random choices, how many to pre-sign,
and the plan-size guard.
"""
