"""The run store: one SQLite file per run, written as the run goes (WAL), from which every report is rebuilt.

Tables (schema_version 7; version 6 had no node_tips, version 5 had no reorgs, version 4 no rounds.load or unseen, version 3 no
sends.worker, version 2 no txs.kind, version 1 no rounds.generator_cpu_s, resources or prometheus):
  meta        key -> JSON value: workload text, seed, target identity, machine, versions, times, status
  rounds      one row per round: label, warm-up flag, controller, planned count, start/end, notes,
              CPU seconds chainmark's own process used during the round, and how it sent (load: users,
              sending processes)
  txs         every planned transaction: round, position, sender account, nonce, hash, kind (reads too)
  sends       one row per submission: intended time, send time, answer time, rejection reason, and
              which worker sent it (its Locust index; NULL when the run had no workers)
  blocks      every block the observer saw on the best chain: number, timestamp, seen time, tx count, gas
              (a block a reorg orphaned is replaced by the winning branch's block at its height)
  inclusions  tx -> block of the best chain that included it, and when the observer saw it confirmed (that
              block, or the block that made it `target.confirmations` deep)
  reorgs      every reorg the observer followed: run clock time, fork height (the last block both
              branches share), depth, and the orphaned blocks [[height, hash hex], ...]
  node_tips   on a network of several nodes, each node's tip as followed by its own watcher: node index,
              height, block hash, when that node was first seen holding it (block propagation)
  receipts    tx -> status and gas used, fetched after the measured window
  unseen      tx -> what the node said, after the window, of an accepted write never seen in a block
              (pending, queued, dropped, nonce-gap, included-late) and whether its nonce was its
              sender's next one on chain
  rpc_stats   Locust's own per-request statistics for each round
  prometheus  metrics scraped from the node's Prometheus endpoint, when the workload names one
  resources   per-second samples of the node's and chainmark's own CPU, memory, disk I/O, host network

Times are unix seconds (float). Writes are inserts committed in small batches, so a crash or Ctrl-C
loses at most the last batch; only a reorg deletes (the orphaned blocks' rows and inclusions).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bench.errors import ResultsError
from bench.results.full_disk import disk_full_as_error

SCHEMA_VERSION = 10

_OBSERVATIONS = """
CREATE TABLE IF NOT EXISTS resources (
    t REAL NOT NULL, source TEXT NOT NULL, cpu_percent REAL NOT NULL, rss_bytes INTEGER NOT NULL,
    read_bytes INTEGER NOT NULL, write_bytes INTEGER NOT NULL, net_sent_bytes INTEGER NOT NULL,
    net_recv_bytes INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS prometheus (
    t REAL NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL);
"""
_UNSEEN = """
CREATE TABLE IF NOT EXISTS unseen (tx INTEGER PRIMARY KEY, reason TEXT NOT NULL, next_nonce INTEGER NOT NULL);
"""
_REORGS = """
CREATE TABLE IF NOT EXISTS reorgs (
    at REAL NOT NULL, fork INTEGER NOT NULL, depth INTEGER NOT NULL, orphaned TEXT NOT NULL);
"""
_NODE_TIPS = """
CREATE TABLE IF NOT EXISTS node_tips (node INTEGER NOT NULL, number INTEGER NOT NULL, hash BLOB NOT NULL,
    seen REAL NOT NULL);
"""
_FAULTS = """
CREATE TABLE IF NOT EXISTS faults (
    idx INTEGER PRIMARY KEY, fault INTEGER NOT NULL, node INTEGER NOT NULL, action TEXT NOT NULL,
    intended REAL NOT NULL, started REAL, ended REAL, status TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
"""

_MEMPOOL = """
CREATE TABLE IF NOT EXISTS mempool_seen (tx INTEGER NOT NULL, node INTEGER NOT NULL, seen REAL NOT NULL);
"""

# A write sent again after its node restarted from an older state (bench.recovery), a row per time: when, its
# outcome before (NULL: accepted, then lost), and the node's answer this time (NULL: held).
_RESENDS = """
CREATE TABLE IF NOT EXISTS resends (tx INTEGER NOT NULL, at REAL NOT NULL, first_error TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS resends_tx ON resends (tx);
"""

# Step-by-step upgrades of older stores: version N -> N + 1.
_UPGRADES = {
    1: "ALTER TABLE rounds ADD COLUMN generator_cpu_s REAL;" + _OBSERVATIONS,
    2: "ALTER TABLE txs ADD COLUMN kind TEXT NOT NULL DEFAULT 'transfer';",
    3: "ALTER TABLE sends ADD COLUMN worker INTEGER;",
    4: "ALTER TABLE rounds ADD COLUMN load TEXT;" + _UNSEEN,
    5: _REORGS,
    6: _NODE_TIPS,
    7: _FAULTS,
    8: "ALTER TABLE txs ADD COLUMN node INTEGER;" + _MEMPOOL,
    9: _RESENDS,
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (
    idx INTEGER PRIMARY KEY, label TEXT NOT NULL, warmup INTEGER NOT NULL, controller TEXT NOT NULL,
    planned INTEGER NOT NULL, started REAL, ended REAL, notes TEXT NOT NULL DEFAULT '[]',
    generator_cpu_s REAL, load TEXT);
CREATE TABLE IF NOT EXISTS txs (
    id INTEGER PRIMARY KEY, round INTEGER NOT NULL, seq INTEGER NOT NULL, sender INTEGER NOT NULL,
    nonce INTEGER NOT NULL, hash BLOB NOT NULL, kind TEXT NOT NULL DEFAULT 'transfer', node INTEGER);
CREATE TABLE IF NOT EXISTS sends (
    tx INTEGER PRIMARY KEY, intended REAL NOT NULL, sent REAL NOT NULL, answered REAL, error TEXT,
    worker INTEGER);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL, seen REAL NOT NULL, tx_count INTEGER NOT NULL,
    gas_used INTEGER NOT NULL, gas_limit INTEGER NOT NULL, base_fee INTEGER, size INTEGER);
CREATE TABLE IF NOT EXISTS inclusions (tx INTEGER PRIMARY KEY, block INTEGER NOT NULL, seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS receipts (tx INTEGER PRIMARY KEY, status INTEGER NOT NULL, gas_used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rpc_stats (round INTEGER NOT NULL, name TEXT NOT NULL, stats TEXT NOT NULL);
"""


class RunStore:
    """Append-only writer and reader of one run's `results.sqlite`."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        if not create and not path.is_file():
            raise FileNotFoundError(path)
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()  # the observer thread and the senders' flusher both write
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            if create:
                self.db.executescript(
                    _SCHEMA + _OBSERVATIONS + _UNSEEN + _REORGS + _NODE_TIPS + _FAULTS + _MEMPOOL + _RESENDS
                )
                self.set_meta(schema_version=SCHEMA_VERSION)
            else:
                self._upgrade(path)
        except sqlite3.DatabaseError as exc:  # not SQLite, or not chainmark's tables
            self.db.close()
            raise ResultsError(f"not a chainmark results store ({exc})", path=str(path)) from exc
        except ResultsError:
            self.db.close()
            raise

    def _upgrade(self, path: Path) -> None:
        version = self.meta().get("schema_version")
        if not isinstance(version, int) or not 1 <= version <= SCHEMA_VERSION:
            raise ResultsError(
                f"results schema_version {version}, this chainmark reads 1 to {SCHEMA_VERSION}",
                path=str(path),
            )
        while version < SCHEMA_VERSION:
            self.db.executescript(_UPGRADES[version])
            version += 1
            self.set_meta(schema_version=version)

    def close(self) -> None:
        self.db.close()

    def set_meta(self, **values: Any) -> None:
        rows = [(k, json.dumps(v)) for k, v in values.items()]
        self._insert("INSERT OR REPLACE INTO meta VALUES (?, ?)", rows)

    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def add_round(self, idx: int, label: str, warmup: bool, controller: dict[str, Any], planned: int) -> None:
        self._insert(
            "INSERT OR REPLACE INTO rounds (idx, label, warmup, controller, planned) VALUES (?, ?, ?, ?, ?)",
            [(idx, label, int(warmup), json.dumps(controller), planned)],
        )

    def update_round(self, idx: int, **values: float | list[str] | dict[str, int] | None) -> None:
        """Set any of started, ended, notes (a list), generator_cpu_s, load (a dict) on round `idx`."""
        for column, value in values.items():
            if column not in ("started", "ended", "notes", "generator_cpu_s", "load"):
                raise ValueError(f"rounds has no column {column}")
            if value is not None:
                stored = json.dumps(value) if column in ("notes", "load") else value
                with disk_full_as_error(self.path.parent, self.records):
                    self.db.execute(f"UPDATE rounds SET {column} = ? WHERE idx = ?", (stored, idx))

    def add_txs(self, rows: Iterable[tuple[int, int, int, int, int, bytes, str]]) -> None:
        """(id, round, seq, sender, nonce, hash, kind) rows; replaces rows of a re-signed round.

        A read has sender and nonce -1 and an empty hash."""
        self._insert(
            "INSERT OR REPLACE INTO txs (id, round, seq, sender, nonce, hash, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def add_tx_nodes(self, rows: Iterable[tuple[int, int]]) -> None:
        """(node, tx id) rows: the node each write was submitted to, on a target of several nodes (NULL:
        the primary, node 0, on a target of one)."""
        self._insert("UPDATE txs SET node = ? WHERE id = ?", rows)

    def add_sends(self, rows: Iterable[tuple[int, float, float, float | None, str | None]]) -> None:
        """(tx, intended, sent, answered, error) rows of a run without workers."""
        self._insert(
            "INSERT OR REPLACE INTO sends (tx, intended, sent, answered, error) VALUES (?, ?, ?, ?, ?)", rows
        )

    def add_worker_sends(
        self, rows: Iterable[tuple[int, float, float, float | None, str | None, int]]
    ) -> None:
        """(tx, intended, sent, answered, error, worker) rows of a distributed run."""
        self._insert("INSERT OR REPLACE INTO sends VALUES (?, ?, ?, ?, ?, ?)", rows)

    def add_blocks(
        self, rows: Iterable[tuple[int, int, float, int, int, int, int | None, int | None]]
    ) -> None:
        self._insert("INSERT OR IGNORE INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def add_inclusions(self, rows: Iterable[tuple[int, int, float]]) -> None:
        self._insert("INSERT OR IGNORE INTO inclusions VALUES (?, ?, ?)", rows)

    def orphan(self, numbers: Sequence[int], tx_ids: Sequence[int]) -> None:
        """A reorg: drop the rows of the orphaned blocks `numbers` and the inclusions of `tx_ids` (in them,
        or no longer confirmed deep enough), in one transaction."""
        full = disk_full_as_error(self.path.parent, self.records)
        with full, self._lock, self.db:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM blocks WHERE number = ?", [(n,) for n in numbers])
            self.db.executemany("DELETE FROM inclusions WHERE tx = ?", [(t,) for t in tx_ids])

    def add_reorg(self, at: float, fork: int, orphaned: Sequence[tuple[int, bytes]]) -> None:
        """One reorg: when (run clock), the fork height, and the orphaned blocks (height, hash)."""
        blocks = json.dumps([[n, h.hex()] for n, h in orphaned])
        self._insert("INSERT INTO reorgs VALUES (?, ?, ?, ?)", [(at, fork, len(orphaned), blocks)])

    def reorgs(self) -> list[tuple[float, int, int, list[list[Any]]]]:
        """Every reorg recorded, in order: (at, fork, depth, orphaned [[height, hash hex], ...])."""
        rows = self.db.execute("SELECT at, fork, depth, orphaned FROM reorgs ORDER BY rowid")
        return [(at, fork, depth, json.loads(orphaned)) for at, fork, depth, orphaned in rows]

    def add_node_tips(self, rows: Iterable[tuple[int, int, bytes, float]]) -> None:
        """(node index, height, block hash, first seen at that node)."""
        self._insert("INSERT INTO node_tips VALUES (?, ?, ?, ?)", rows)

    def add_mempool_seen(self, rows: Iterable[tuple[int, int, float]]) -> None:
        """(tx id, node index, first seen in that node's mempool): a sampled write (bench.observe.mempool)."""
        self._insert("INSERT INTO mempool_seen VALUES (?, ?, ?)", rows)

    def add_fault_step(
        self, row: tuple[int, int, int, str, float, float | None, float | None, str, str]
    ) -> None:
        """One applied fault step: (step, its workload fault, node, action, intended, started, ended,
        status, detail) on the run clock; status `done`, `failed`, `timeout` or `skipped`."""
        self._insert("INSERT OR REPLACE INTO faults VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [row])

    def add_resends(self, rows: Sequence[tuple[int, float, str | None, str | None]]) -> None:
        """(tx, at, first_error, error) rows of writes sent again after a restart. A write whose first
        submission was refused and whose second was held counts as accepted from then on: its send record's
        error is cleared (the refusal stays here), so every count and latency takes it as the chain does."""
        self._insert("INSERT INTO resends VALUES (?, ?, ?, ?)", rows)
        held = [(tx,) for tx, _, first, error in rows if first is not None and error is None]
        self._insert("UPDATE sends SET error = NULL WHERE tx = ?", held)

    def add_receipts(self, rows: Iterable[tuple[int, int, int]]) -> None:
        self._insert("INSERT OR REPLACE INTO receipts VALUES (?, ?, ?)", rows)

    def add_unseen(self, rows: Iterable[tuple[int, str, bool]]) -> None:
        """(tx, reason, next_nonce) rows: what the node said of accepted writes never seen in a block."""
        self._insert("INSERT OR REPLACE INTO unseen VALUES (?, ?, ?)", ((t, r, int(n)) for t, r, n in rows))

    def add_rpc_stats(self, round_idx: int, name: str, stats: dict[str, Any]) -> None:
        self._insert("INSERT INTO rpc_stats VALUES (?, ?, ?)", [(round_idx, name, json.dumps(stats))])

    def add_resources(self, rows: Iterable[tuple[float, str, float, int, int, int, int, int]]) -> None:
        self._insert("INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def add_metrics(self, rows: Iterable[tuple[float, str, str, float]]) -> None:
        self._insert("INSERT INTO prometheus VALUES (?, ?, ?, ?)", rows)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, params).fetchall()

    def _insert(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        full = disk_full_as_error(self.path.parent, self.records)
        with full, self._lock, self.db:  # one transaction per batch
            self.db.execute("BEGIN")
            self.db.executemany(sql, rows)

    def records(self) -> int | None:
        """Submissions stored so far (what a full disk leaves), or None if even that cannot be read."""
        try:
            return int(self.db.execute("SELECT COUNT(*) FROM sends").fetchone()[0])
        except sqlite3.Error:
            return None
