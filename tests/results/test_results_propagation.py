"""Block propagation and confirmation at k of n nodes (bench.results.propagation) from a store written with
known rows: each node's delay after the first node seen holding a block, and each write's latency at
1-of-n, a majority and n-of-n, a node never seen holding a write's block counting as unbounded."""

from __future__ import annotations

from pathlib import Path

from bench.results.propagation import propagation
from bench.results.store import RunStore
from bench.results.summary import run_summary


def test_delays_and_k_of_n_confirmation_latency(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "results.sqlite", create=True)
    store.add_round(0, "load", False, {"type": "fixed-rate"}, 4)
    store.add_txs((i, 0, i, 1, i, bytes([1, i]), "transfer") for i in range(4))
    store.add_sends((i, 10.0 + i, 10.0 + i, 10.01 + i, None) for i in range(4))
    # writes 0 and 1 in block 1 (hash A), 2 in block 2 (B), 3 in block 3 (C)
    store.add_inclusions([(0, 1, 12.0), (1, 1, 12.0), (2, 2, 13.0), (3, 3, 14.0)])
    store.add_node_tips(
        [
            (0, 1, b"A", 12.0),
            (1, 1, b"A", 12.3),
            (2, 1, b"A", 12.5),
            (0, 2, b"B", 13.0),
            (2, 2, b"B", 13.2),
            (1, 2, b"B", 13.9),
            (0, 3, b"C", 14.0),
            (1, 3, b"C", 14.4),  # node-2 never held C before the watchers stopped (last tip at 14.4)
            (2, 0, b"G", 14.1),  # node-2, restarted, fetched the genesis again: not a propagation
        ]
    )
    store.set_meta(node_tips={"nodes": 3, "interval_s": 0.1, "outages": {}})
    doc = propagation(store)
    assert doc is not None and doc["blocks"] == 3
    delays = {n["node"]: (n["blocks"], n["delay_ms"]["max"]) for n in doc["nodes"]}
    assert delays == {0: (3, 0.0), 1: (3, 900.0), 2: (2, 500.0)}
    (load,) = doc["confirmed_at_nodes"]
    assert (load["round"], load["nodes"], load["writes"]) == ("load", 3, 4)
    # per write, seen at its k-th node minus intended: 1-of-3 is node-0 for all (2.0, 1.0, 1.0, 1.0 s)
    assert load["1"]["max"] == 2.0 and load["1"]["p50"] == 1.0
    # majority (2 of 3): 12.3-10 = 2.3, 12.3-11 = 1.3, 13.2-12 = 1.2, 14.4-13 = 1.4
    assert load["majority"]["p50"] == 1.3 and load["majority"]["max"] == 2.3
    # all 3: 2.5, 1.5, 1.9, and write 3 never reached node-2: unbounded, waited 14.4 - 13 = 1.4 s
    assert load["all"]["p50"] == 1.9 and load["all"]["p99"] is None and load["all"]["max"] is None
    assert load["all"]["confirmed_fraction"] == 0.75 and load["all"]["censored_above_s"] == 1.4


def test_writes_never_confirmed_are_censored_at_every_level_and_confirm_at_picks_the_headline(
    tmp_path: Path,
) -> None:
    """As the round's own latency: every accepted write counts, one never included (or reverted) as
    unbounded at every level; a write refused at submission is not one. `confirm_at` makes a level the
    round's headline `latency_s`, node 0's kept beside it."""
    store = RunStore(tmp_path / "results.sqlite", create=True)
    store.add_round(0, "load", False, {"type": "fixed-rate", "tps": 1}, 5)
    store.update_round(0, started=10.0, ended=15.0)
    store.add_txs((i, 0, i, 1, i, bytes([1, i]), "transfer") for i in range(5))
    store.add_sends((i, 10.0 + i, 10.0 + i, 10.01 + i, "nonce too low" if i == 4 else None) for i in range(5))
    # write 0 in block 1 (A), 1 in block 2 (B); 2 reverted in block 2; 3 never included; 4 refused
    store.add_inclusions([(0, 1, 12.0), (1, 2, 13.0), (2, 2, 13.0)])
    store.add_receipts([(0, 1, 21_000), (1, 1, 21_000), (2, 0, 21_000)])
    store.add_node_tips(
        [(0, 1, b"A", 12.0), (1, 1, b"A", 12.5), (0, 2, b"B", 13.0), (1, 2, b"B", 13.5), (1, 3, b"C", 20.0)]
    )
    store.set_meta(node_tips={"nodes": 2, "interval_s": 0.1, "outages": {}}, confirm_at="all")
    doc = propagation(store)
    assert doc is not None
    (load,) = doc["confirmed_at_nodes"]
    assert (load["index"], load["writes"]) == (0, 4)
    # all 2: 12.5 - 10 = 2.5 and 13.5 - 11 = 2.5; writes 2 and 3 never confirmed: half censored
    assert (
        load["all"]["confirmed_fraction"] == 0.5 and load["all"]["p50"] == 2.5 and load["all"]["p99"] is None
    )
    (one,) = run_summary(store).rounds
    assert one.latency_at == "2 of 2 nodes (all)"
    assert one.latency_s.as_json() == load["all"]
    assert one.latency_node0_s is not None and one.latency_node0_s.p50 == 2.0  # node 0: 12 - 10, 13 - 11
    assert one.as_json()["latency_node0_s"]["confirmed_fraction"] == 0.5
