"""The custom Locust messages between chainmark's master and its workers, each declared once with its data.

Terms: a *shard* is the part of a round one worker sends: the round's positions it owns (every
transaction of its sender accounts, and every read whose position falls to it), their intended
offsets after the round's t0 and their pre-built JSON-RPC bodies. A *record* is one send:
`[position, intended, sent, answered, error]`, times in the master's clock. The *offset* of a worker
is its clock minus the master's (estimated by PING/PONG); the worker converts with it both ways.

Locust's own messages (client_ready, heartbeat, stats, quit, ...) carry the rest: connection,
liveness (a worker missing heartbeats is lost) and Locust's request statistics.
"""

from __future__ import annotations

SHARD = "chainmark_shard"
"""master -> worker: {round, chunk, chunks, positions: [int], offsets: [float], reads: [bool],
bodies: [bytes]}. A shard larger than `SHARD_CHUNK` positions comes in several chunks, numbered from 0;
offsets are 0 in a closed-loop round (a transaction goes when a slot frees)."""

READY = "chainmark_ready"
"""worker -> master: {round, worker}: the last chunk of the worker's shard of the round arrived."""

START = "chainmark_start"
"""master -> worker: {round, t0 (master clock), offset (worker minus master, s), users, slots, duration,
chain, base, path, headers}: send the round's shard from t0 on, with `users` Locust users. `slots` is None in
an open-loop round; in a closed-loop one it is the worker's share of the transactions that may be
sent and not yet settled, and `duration` (None: until the shard is sent) bounds the round."""

SETTLED = "chainmark_settled"
"""master -> worker: {round, count}: `count` of the worker's transactions of a closed-loop round were
seen in a block (the master's observer saw them): free their slots. A rejected write or an answered
read frees its slot on the worker itself."""

PING = "chainmark_ping"
"""master -> worker: {t0}: the master's clock when it sent the ping."""

PONG = "chainmark_pong"
"""worker -> master: {t0, t1, t2}: the ping's t0, the worker's clock on receipt and on reply."""

RECORDS = "chainmark_records"
"""worker -> master: {round, worker, records: [[position, intended, sent, answered, error], ...]},
streamed every `RECORD_INTERVAL_S` while the round runs."""

DONE = "chainmark_done"
"""worker -> master: {round, worker, sent, cpu_s, ran_out}: the worker's last record of the round is
sent; `ran_out` says a closed-loop round with a duration used up its pre-signed shard before the end."""

SHARD_CHUNK = 5_000
RECORD_INTERVAL_S = 0.25
SETTLE_INTERVAL_S = 0.02  # how often the master forwards settled counts (a slot's extra wait, at most)
