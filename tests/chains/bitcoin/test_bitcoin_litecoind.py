"""End to end on a real litecoind (regtest, 127.0.0.1, free ports, stopped by the fixture whatever happens):
a chain of every kind, signed before anything is sent, is accepted by the node's mempool transaction by
transaction at exactly its relay fee floor, and mined; the HRP and WIF byte are read from the node."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bench.base58 import decode_check
from bench.chains.bitcoin.keys import (
    address_script,
    derive_keys,
    encode_wif,
    hash160,
    p2wpkh_address,
    p2wpkh_script,
    public_key_of,
)
from bench.chains.bitcoin.kinds import consolidation, evidence, evidence_root, payout, transfer
from bench.chains.bitcoin.signing import SpendJob, Utxo, sign_chain
from bench.chains.bitcoin.tx import display_id, sha256d
from bench.lifeline import die_with_parent
from bench.targets.managed import free_port

COIN = Decimal(100_000_000)
pytestmark = pytest.mark.slow


class NodeRpc:
    """Bitcoin Core-style JSON-RPC over HTTP basic auth (just enough for this test)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/"
        self.auth = "Basic " + base64.b64encode(b"u:p").decode()

    def call(self, method: str, *params: Any) -> Any:
        body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": method, "params": list(params)}).encode()
        request = urllib.request.Request(self.url, body, {"Authorization": self.auth})
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                reply = json.loads(answer.read(), parse_float=Decimal)
        except urllib.error.HTTPError as exc:  # the node answers errors with HTTP 500 and a JSON body
            reply = json.loads(exc.read(), parse_float=Decimal)
        if reply.get("error"):
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_ready(self, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"litecoind exited with {process.returncode}")
            try:
                self.call("getblockchaininfo")
                return
            except (OSError, RuntimeError):  # not listening yet, or warming up (-28)
                time.sleep(0.2)
        raise RuntimeError("litecoind did not answer within 60 s")


@pytest.fixture
def litecoind(tmp_path: Path) -> Iterator[NodeRpc]:
    binary = shutil.which("litecoind")
    if binary is None:
        pytest.skip("litecoind is not installed (Debian package litecoind)")
    datadir = tmp_path / "litecoind"
    datadir.mkdir()
    rpc_port = free_port()
    command = [
        binary,
        "-regtest",
        f"-datadir={datadir}",
        f"-port={free_port()}",
        f"-rpcport={rpc_port}",
        "-rpcbind=127.0.0.1",
        "-rpcallowip=127.0.0.1",
        "-rpcuser=u",
        "-rpcpassword=p",
        "-fallbackfee=0.0001",
        "-vbparams=mweb:9999999999:9999999999",  # MWEB never activates: plain segwit blocks
        "-txindex=0",
        "-listen=0",
        "-dnsseed=0",
        "-printtoconsole=0",
    ]
    with (tmp_path / "litecoind.out").open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(tmp_path)},  # Debian's wrapper writes ~/.litecoin: keep it here
            preexec_fn=die_with_parent(),
        )
    rpc = NodeRpc(rpc_port)
    try:
        rpc.wait_ready(process)
        yield rpc
    finally:
        _stop(rpc, process)


def _stop(rpc: NodeRpc, process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError, RuntimeError):  # already gone
        rpc.call("stop")
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _relay_fee_rate(rpc: NodeRpc) -> int:
    """The node's relay floor in sat/vB (minrelaytxfee is in coins per 1,000 vbytes)."""
    per_kvb = rpc.call("getmempoolinfo")["minrelaytxfee"] * COIN
    return int(-(-per_kvb // 1000))


def _funded_start(rpc: NodeRpc, address: str) -> Utxo:
    """101 blocks to our address, and the oldest (mature) coinbase output found by scantxoutset."""
    rpc.call("generatetoaddress", 101, address)
    unspents = rpc.call("scantxoutset", "start", [f"addr({address})"])["unspents"]
    coin = min(unspents, key=lambda u: u["height"])
    return Utxo(bytes.fromhex(coin["txid"])[::-1], coin["vout"], int(coin["amount"] * COIN))


def test_a_presigned_chain_of_every_kind_enters_the_mempool_and_is_mined(litecoind: NodeRpc) -> None:
    rpc = litecoind
    assert rpc.call("getblockchaininfo")["chain"] == "regtest"
    rpc.call("createwallet", "w")
    node_address = rpc.call("getnewaddress", "", "bech32")
    hrp = node_address.rsplit("1", 1)[0]
    wif_prefix = decode_check(rpc.call("dumpprivkey", node_address))[0]
    key = derive_keys(31, 1)[0]
    own = p2wpkh_script(hash160(public_key_of(key)))
    address = p2wpkh_address(public_key_of(key), hrp)
    rpc.call("importprivkey", encode_wif(key, wif_prefix), "", False)
    assert rpc.call("getaddressinfo", address)["ismine"], "the node reads our WIF as the key of our address"

    rate = _relay_fee_rate(rpc)
    theirs = address_script(node_address, hrp)
    split, gather = consolidation(own, 4, 1_000_000, rate)
    documents = [sha256d(bytes([i])) for i in range(7)]
    templates = (
        transfer(theirs, 2_000_000, rate),
        payout([(theirs, 300_000), (own, 400_000), (theirs, 500_000)], rate),
        split,
        gather,
        evidence(evidence_root(documents), rate),
        transfer(theirs, 700_000, 3 * rate),
    )
    start = _funded_start(rpc, address)
    chain = sign_chain(SpendJob(key, start, templates))

    for (raw, txid), template in zip(chain.txs, templates, strict=True):
        verdict = rpc.call("testmempoolaccept", [raw.hex()])[0]
        assert verdict["allowed"], verdict.get("reject-reason")
        assert verdict["txid"] == display_id(txid)
        assert verdict["fees"]["base"] * COIN == template.fee_rate * verdict["vsize"]
        assert rpc.call("decoderawtransaction", raw.hex())["hash"] == display_id(sha256d(raw))  # the wtxid
        assert rpc.call("sendrawtransaction", raw.hex()) == display_id(txid)

    block = rpc.call("generatetoaddress", 1, node_address)[0]
    mined = set(rpc.call("getblock", block)["tx"])
    assert {display_id(txid) for _, txid in chain.txs} <= mined
    tip = rpc.call("gettxout", display_id(chain.tip.txid), chain.tip.vout)
    assert int(tip["value"] * COIN) == chain.tip.amount


def test_fees_are_exactly_the_floor_and_one_below_is_refused(litecoind: NodeRpc) -> None:
    """At the relay floor the node's own vsize and fee agree with ours; at rate 0 it refuses (so the check
    above would catch a fee computed on too small a vsize)."""
    rpc = litecoind
    rpc.call("createwallet", "w")
    node_address = rpc.call("getnewaddress", "", "bech32")
    hrp = node_address.rsplit("1", 1)[0]
    key = derive_keys(32, 1)[0]
    start = _funded_start(rpc, p2wpkh_address(public_key_of(key), hrp))
    rate = _relay_fee_rate(rpc)
    theirs = address_script(node_address, hrp)
    for count in (1, 2, 5):
        template = payout([(theirs, 100_000)] * count, rate)
        raw, _ = sign_chain(SpendJob(key, start, (template,))).txs[0]
        verdict = rpc.call("testmempoolaccept", [raw.hex()])[0]
        assert verdict["allowed"], verdict.get("reject-reason")
        paid = start.amount - 100_000 * count - _change(rpc, raw)
        assert verdict["fees"]["base"] * COIN == paid == rate * verdict["vsize"]
    free, _ = sign_chain(SpendJob(key, start, (transfer(theirs, 100_000, 0),))).txs[0]
    verdict = rpc.call("testmempoolaccept", [free.hex()])[0]
    assert not verdict["allowed"] and "fee" in verdict["reject-reason"]


def _change(rpc: NodeRpc, raw: bytes) -> int:
    return int(rpc.call("decoderawtransaction", raw.hex())["vout"][-1]["value"] * COIN)
