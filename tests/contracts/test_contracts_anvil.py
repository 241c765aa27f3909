"""The benchmark contracts on a real Anvil: each workload's functional outcome, not just "no error".

Transactions are built with `bench.contracts.calls`, signed with `bench.chains.ethereum.signing.sign_job` by keys
derived as the plan derives them, and sent in batches of raw transactions; a revert is receipt status 0.
One Anvil with 0.2 s interval mining serves the module.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from bench.chains.ethereum.anvil import ManagedAnvil
from bench.chains.ethereum.keccak import keccak256
from bench.chains.ethereum.keys import address_of, derive_keys
from bench.chains.ethereum.signing import SignJob, UnsignedTx, sign_job
from bench.contracts import calls, load_artifact
from bench.contracts.ycsb import record_key
from bench.kernels import merkle_proof, merkle_root, verify_proof
from bench.targets.rpc import RpcClient
from bench.targets.url import parse_endpoint

pytestmark = pytest.mark.anvil

GAS_PRICE = 10**9
Call = tuple[bytes, bytes, int]  # (to, data, gas); to = b"" deploys


class Chain:
    """Sends signed batches to the node and waits for their receipts."""

    def __init__(self, rpc: RpcClient) -> None:
        self.rpc = rpc
        self.chain_id = int(rpc.call("eth_chainId"), 16)
        self.funder = rpc.call("eth_accounts")[0]

    def accounts(self, seed: int, count: int) -> list[tuple[bytes, bytes]]:
        """`count` funded (private key, address) pairs derived from `seed`."""
        keys = derive_keys(seed, count)
        hashes = [
            self.rpc.call(
                "eth_sendTransaction",
                {"from": self.funder, "to": "0x" + address_of(k).hex(), "value": hex(10**20)},
            )
            for k in keys
        ]
        self.wait(hashes)
        return [(k, address_of(k)) for k in keys]

    def send(self, key: bytes, batch: Sequence[Call]) -> list[dict[str, Any]]:
        """Sign `batch` from `key` with consecutive nonces, send it in one request, return the receipts."""
        address = "0x" + address_of(key).hex()
        nonce = int(self.rpc.call("eth_getTransactionCount", address, "pending"), 16)
        templates = tuple(UnsignedTx(to, 0, gas, GAS_PRICE, data) for to, data, gas in batch)
        signed = sign_job(SignJob(key, nonce, templates, self.chain_id))
        hashes = self.rpc.batch("eth_sendRawTransaction", [["0x" + raw.hex()] for raw, _ in signed])
        assert hashes == ["0x" + tx_hash.hex() for _, tx_hash in signed]
        return self.wait(hashes)

    def wait(self, hashes: Sequence[str], timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            receipts = self.rpc.batch("eth_getTransactionReceipt", [[h] for h in hashes])
            if all(r is not None for r in receipts):
                return receipts
            assert time.monotonic() < deadline, "transactions not mined in time"
            time.sleep(0.05)

    def deploy(self, key: bytes, name: str, *args: Any, gas: int = 5_000_000) -> bytes:
        (receipt,) = self.send(key, [(b"", calls.deploy_data(load_artifact(name), *args), gas)])
        assert receipt["status"] == "0x1"
        return bytes.fromhex(receipt["contractAddress"][2:])

    def call(self, to: bytes, data: bytes) -> bytes:
        return bytes.fromhex(
            self.rpc.call("eth_call", {"to": "0x" + to.hex(), "data": "0x" + data.hex()})[2:]
        )

    def calls(self, to: bytes, datas: Sequence[bytes]) -> list[bytes]:
        params = [[{"to": "0x" + to.hex(), "data": "0x" + d.hex()}, "latest"] for d in datas]
        return [bytes.fromhex(r[2:]) for r in self.rpc.batch("eth_call", params)]


def statuses(receipts: Sequence[dict[str, Any]]) -> list[int]:
    return [int(r["status"], 16) for r in receipts]


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    log = tmp_path_factory.mktemp("contracts-anvil") / "anvil.log"
    with ManagedAnvil(Path(log), block_time=0.2, gas_limit=100_000_000) as node:
        rpc = RpcClient(parse_endpoint(node.url))
        yield Chain(rpc)
        rpc.close()


def test_erc20_transfers_conserve_the_supply(chain: Chain) -> None:
    rng = random.Random(1)
    (owner, owner_address), (spender, spender_address), (poor, poor_address) = chain.accounts(101, 3)
    supply = 10**24
    token = chain.deploy(owner, "ERC20", supply)
    holders = [address_of(k) for k in derive_keys(102, 20)]
    balances = {owner_address: supply, spender_address: 0, poor_address: 0} | {h: 0 for h in holders}

    batch: list[Call] = []
    for _ in range(200):
        to, amount = rng.choice(holders), rng.randrange(1, 10**18)
        batch.append((token, calls.erc20_transfer(to, amount), 100_000))
        balances[owner_address] -= amount
        balances[to] += amount
    batch.append((token, calls.erc20_approve(spender_address, 10**20), 100_000))
    assert set(statuses(chain.send(owner, batch))) == {1}

    moves = [(rng.choice(holders), rng.randrange(1, 10**17)) for _ in range(50)]
    receipts = chain.send(
        spender, [(token, calls.erc20_transfer_from(owner_address, to, a), 100_000) for to, a in moves]
    )
    assert set(statuses(receipts)) == {1}
    for to, amount in moves:
        balances[owner_address] -= amount
        balances[to] += amount
    # A transfer beyond the balance reverts and moves nothing.
    assert statuses(chain.send(poor, [(token, calls.erc20_transfer(holders[0], 1), 100_000)])) == [0]

    addresses = list(balances)
    read = chain.calls(token, [calls.erc20_balance_of(a) for a in addresses])
    assert {a: calls.decode_uint(r) for a, r in zip(addresses, read, strict=True)} == balances
    assert (
        calls.decode_uint(chain.call(token, calls.erc20_total_supply())) == supply == sum(balances.values())
    )


def test_kvstore_reads_back_what_was_written_and_scans_in_order(chain: Chain) -> None:
    rng = random.Random(2)
    ((key, _),) = chain.accounts(201, 1)
    store = chain.deploy(key, "KVStore")
    field_size = 10 * 20  # 10 fields of 20 bytes
    order = [record_key(i) for i in range(120)]
    model = {k: rng.randbytes(field_size) for k in order[:100]}
    batch: list[Call] = [(store, calls.kv_insert(k, v), 800_000) for k, v in model.items()]
    assert set(statuses(chain.send(key, batch))) == {1}

    batch = []
    for i in range(150):
        k, v = rng.choice(order[:100]), rng.randbytes(field_size)
        build = calls.kv_update if i % 3 else calls.kv_read_modify_write
        batch.append((store, build(k, v), 800_000))
        model[k] = v
    for k in order[100:]:
        model[k] = rng.randbytes(field_size)
        batch.append((store, calls.kv_insert(k, model[k]), 800_000))
    batch.append((store, calls.kv_insert(order[0], b"duplicate"), 800_000))
    batch.append((store, calls.kv_update(b"absent", b"x"), 800_000))
    assert statuses(chain.send(key, batch)) == [1] * 170 + [0, 0]

    values = chain.calls(store, [calls.kv_read(k) for k in order])
    assert [calls.decode_kv_read(v) for v in values] == [model[k] for k in order]
    assert calls.decode_kv_read(chain.call(store, calls.kv_read(b"absent"))) is None
    assert calls.decode_uint(chain.call(store, calls.kv_record_count())) == 120
    scan = calls.decode_kv_scan(chain.call(store, calls.kv_scan(order[5], 10)))
    assert scan == [(k, model[k]) for k in order[5:15]]
    tail = calls.decode_kv_scan(chain.call(store, calls.kv_scan(order[115], 100)))
    assert tail == [(k, model[k]) for k in order[115:]]
    # readModifyWrite answers the value it replaces.
    old = chain.call(store, calls.kv_read_modify_write(order[7], b"new"))
    assert calls.decode_bytes(old) == model[order[7]]


def _smallbank_step(op: str, args: tuple[int, ...], checking: list[int], savings: list[int]) -> bool:
    """Apply one SmallBank transaction to the model; False if the contract must revert (nothing changes)."""
    if op == "amalgamate":
        a, b = args
        total = checking[a] + savings[a]
        checking[a] = savings[a] = 0
        checking[b] += total
    elif op == "deposit_checking":
        checking[args[0]] += args[1]
    elif op == "send_payment":
        a, b, amount = args
        if checking[a] < amount:
            return False
        checking[a] -= amount
        checking[b] += amount
    elif op == "transact_savings":
        if savings[args[0]] + args[1] < 0:
            return False
        savings[args[0]] += args[1]
    elif op == "write_check":
        c, amount = args
        checking[c] -= amount + 1 if checking[c] + savings[c] < amount else amount
    return True


def test_smallbank_totals_are_conserved(chain: Chain) -> None:
    rng = random.Random(3)
    ((key, _),) = chain.accounts(301, 1)
    bank = chain.deploy(key, "SmallBank")
    n = 40
    checking, savings = [10_000] * n, [5_000] * n
    assert statuses(
        chain.send(key, [(bank, calls.smallbank_open_accounts(0, n, 10_000, 5_000), 5_000_000)])
    ) == [1]

    builders = {
        "amalgamate": calls.smallbank_amalgamate,
        "balance": calls.smallbank_balance,
        "deposit_checking": calls.smallbank_deposit_checking,
        "send_payment": calls.smallbank_send_payment,
        "transact_savings": calls.smallbank_transact_savings,
        "write_check": calls.smallbank_write_check,
    }
    batch: list[Call] = []
    expected: list[int] = []
    inflow = 0
    for _ in range(300):
        op = rng.choice(list(builders))
        a, b = rng.sample(range(n), 2)
        args = {
            "amalgamate": (a, b),
            "balance": (a,),
            "deposit_checking": (a, rng.randrange(0, 500)),
            "send_payment": (a, b, rng.randrange(0, 20_000)),
            "transact_savings": (a, rng.randrange(-8_000, 2_000)),
            "write_check": (a, rng.randrange(0, 30_000)),
        }[op]
        before = sum(checking) + sum(savings)
        ok = _smallbank_step(op, args, checking, savings)
        inflow += sum(checking) + sum(savings) - before
        expected.append(int(ok))
        batch.append((bank, builders[op](*args), 200_000))
    assert statuses(chain.send(key, batch)) == expected
    assert 0 in expected and 1 in expected  # both outcomes exercised

    balances = [
        calls.decode_int(r) for r in chain.calls(bank, [calls.smallbank_balance(c) for c in range(n)])
    ]
    assert balances == [c + s for c, s in zip(checking, savings, strict=True)]
    assert sum(balances) == n * 15_000 + inflow


def test_donothing_costs_only_the_transaction(chain: Chain) -> None:
    ((key, _),) = chain.accounts(401, 1)
    target = chain.deploy(key, "DoNothing")
    receipts = chain.send(key, [(target, calls.donothing_nothing(), 50_000)] * 100)
    assert set(statuses(receipts)) == {1}
    assert {21_000 < int(r["gasUsed"], 16) < 21_200 for r in receipts} == {True}


def _lcg_median(n: int, seed: int) -> int:
    values, x = [], seed
    for _ in range(n):
        values.append(x)
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**256
    return sorted(values)[n // 2] if n else 0


def test_cpuheavy_sorts_and_costs_grow_with_n(chain: Chain) -> None:
    ((key, _),) = chain.accounts(501, 1)
    target = chain.deploy(key, "CPUHeavy")
    cases = [(0, 1), (1, 5), (2, 9), (10, 7), (100, 2**255 + 3), (500, 11)]
    answers = chain.calls(target, [calls.cpuheavy_sorted(n, seed) for n, seed in cases])
    assert [calls.decode_uint(a) for a in answers] == [_lcg_median(n, seed) for n, seed in cases]

    sizes = [10, 50, 100, 200, 400]
    receipts = chain.send(key, [(target, calls.cpuheavy_sort(n, 42), 20_000_000) for n in sizes])
    assert set(statuses(receipts)) == {1}
    gas = [int(r["gasUsed"], 16) for r in receipts]
    assert gas == sorted(gas) and gas[-1] > 5 * gas[0]
    logged = [bytes.fromhex(r["logs"][0]["data"][2:]) for r in receipts]
    assert [(int.from_bytes(d[:32]), int.from_bytes(d[32:])) for d in logged] == [
        (n, _lcg_median(n, 42)) for n in sizes
    ]


def test_ioheavy_scan_reads_what_write_wrote(chain: Chain) -> None:
    ((key, _),) = chain.accounts(601, 1)
    target = chain.deploy(key, "IOHeavy")
    writes = [(0, 10, 7), (1_000, 50, 8), (5_000, 200, 9)]
    receipts = chain.send(key, [(target, calls.ioheavy_write(*w), 8_000_000) for w in writes])
    assert set(statuses(receipts)) == {1}
    gas = [int(r["gasUsed"], 16) for r in receipts]
    assert gas[0] < gas[1] < gas[2] and gas[2] > 200 * 20_000  # one fresh storage slot per key

    def slot(seed: int, k: int) -> int:
        return int.from_bytes(keccak256(seed.to_bytes(32) + k.to_bytes(32)))

    for start, n, seed in writes:
        scanned = calls.decode_uint_list(chain.call(target, calls.ioheavy_scan(start, n)))
        assert scanned == [slot(seed, k) for k in range(start, start + n)]
    straddle = calls.decode_uint_list(chain.call(target, calls.ioheavy_scan(1_040, 20)))
    assert straddle == [slot(8, k) for k in range(1_040, 1_050)] + [0] * 10


def test_evidence_batch_proofs_verify_against_the_stored_root(chain: Chain) -> None:
    rng = random.Random(7)
    ((key, address),) = chain.accounts(701, 1)
    target = chain.deploy(key, "Evidence")
    batches = [[keccak256(rng.randbytes(100)) for _ in range(k)] for k in (37, 64)]
    roots = [merkle_root(leaves, "openzeppelin") for leaves in batches]
    singles = [keccak256(rng.randbytes(50)) for _ in range(30)]
    batch: list[Call] = [
        (target, calls.evidence_store_batch(root, len(leaves), f"case-{i}"), 300_000)
        for i, (root, leaves) in enumerate(zip(roots, batches, strict=True))
    ]
    batch += [(target, calls.evidence_store(h, f"exhibit {i}"), 300_000) for i, h in enumerate(singles)]
    batch.append((target, calls.evidence_store(singles[0], "again"), 300_000))
    assert statuses(chain.send(key, batch)) == [1] * 32 + [0]

    for i, (root, leaves) in enumerate(zip(roots, batches, strict=True)):
        stored = calls.decode_evidence_deposit(chain.call(target, calls.evidence_deposit(root)))
        assert (stored.depositor, stored.count, stored.metadata) == (address, len(leaves), f"case-{i}")
        proofs = [merkle_proof(leaves, j, "openzeppelin") for j in range(len(leaves))]
        assert all(
            verify_proof(leaf, j, p, root, len(leaves), "openzeppelin")
            for j, (leaf, p) in enumerate(zip(leaves, proofs, strict=True))
        )
        answers = chain.calls(
            target,
            [
                calls.evidence_verify(root, leaf, p, j)
                for j, (leaf, p) in enumerate(zip(leaves, proofs, strict=True))
            ],
        )
        assert [calls.decode_bool(a) for a in answers] == [True] * len(leaves)
        tampered = [bytes([proofs[3][0][0] ^ 1]) + proofs[3][0][1:], *proofs[3][1:]]
        rejected = [
            calls.evidence_verify(root, leaves[3], tampered, 3),
            calls.evidence_verify(root, keccak256(b"not a document"), proofs[3], 3),
            calls.evidence_verify(root, leaves[3], proofs[3], len(leaves)),  # index beyond the batch
            calls.evidence_verify(keccak256(b"no such root"), leaves[3], proofs[3], 3),
        ]
        assert [calls.decode_bool(a) for a in chain.calls(target, rejected)] == [False] * 4
    single = calls.decode_evidence_deposit(chain.call(target, calls.evidence_deposit(singles[5])))
    assert (single.count, single.metadata) == (1, "exhibit 5")
    assert calls.decode_evidence_deposit(chain.call(target, calls.evidence_deposit(bytes(32)))).count == 0


def test_traceability_history_is_complete_and_ordered(chain: Chain) -> None:
    parties = chain.accounts(801, 5)
    target = chain.deploy(parties[0][0], "Traceability")
    products = [keccak256(b"product %d" % i) for i in range(20)]
    register = [
        (target, calls.trace_register_product(p, f"lot {i}"), 400_000) for i, p in enumerate(products)
    ]
    assert set(statuses(chain.send(parties[0][0], register))) == {1}
    for hop in range(1, 5):
        sender, receiver = parties[hop - 1][0], parties[hop][1]
        moves = [(target, calls.trace_transfer_custody(p, receiver, f"hop {hop}"), 400_000) for p in products]
        assert set(statuses(chain.send(sender, moves))) == {1}
    # Not the custodian any more: refused, and the history does not change.
    stale = [(target, calls.trace_transfer_custody(products[0], parties[0][1], "theft"), 400_000)]
    assert statuses(chain.send(parties[0][0], stale)) == [0]
    again = [(target, calls.trace_register_product(products[1], "again"), 400_000)]
    assert statuses(chain.send(parties[4][0], again)) == [0]

    chain_of = [bytes(20)] + [address for _, address in parties]
    for p in products:
        assert calls.decode_uint(chain.call(target, calls.trace_history_length(p))) == 5
        assert calls.decode_address(chain.call(target, calls.trace_custodian_of(p))) == parties[4][1]
        entries = [
            calls.decode_custody_entry(a)
            for a in chain.calls(target, [calls.trace_history_at(p, i) for i in range(5)])
        ]
        assert [(e.from_address, e.to_address) for e in entries] == list(pairwise(chain_of))
        assert [e.note for e in entries] == ["registered", "hop 1", "hop 2", "hop 3", "hop 4"]
        stamps = [e.timestamp for e in entries]
        assert stamps == sorted(stamps)
