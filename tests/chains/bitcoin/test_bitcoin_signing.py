"""Chains of signed P2WPKH spends, checked against python-bitcoinlib as the independent oracle: every raw
transaction parses to the fields the templates asked for, spends its predecessor's change, has the
oracle's txid and wtxid, and carries signatures that verify (OpenSSL's ECDSA, not libsecp256k1) over the
oracle's own BIP143 hash; every fee is exactly fee_rate x vsize."""

from __future__ import annotations

import coincurve
import pytest
from bitcoin.core import CTransaction
from bitcoin.core.key import CPubKey
from bitcoin.core.script import SIGHASH_ALL, SIGVERSION_WITNESS_V0, CScript, SignatureHash
from bitcoin.core.serialize import Hash160

from bench.chains.bitcoin.keys import SECP256K1_N, derive_keys, hash160, p2wpkh_script, public_key_of
from bench.chains.bitcoin.kinds import consolidation, evidence, evidence_root, payout, transfer
from bench.chains.bitcoin.signing import (
    MAX_SIGNATURE,
    SignedChain,
    SpendJob,
    SpendTemplate,
    Utxo,
    script_code_p2wpkh,
    sha256d_each,
    sign_chain,
    sign_chains,
    sign_digest,
)
from bench.chains.bitcoin.tx import sha256d
from bench.kernels import hash_batch

KEYS = derive_keys(11, 6)
RECIPIENTS = [p2wpkh_script(hash160(public_key_of(k))) for k in derive_keys(12, 4)]
FUNDING = Utxo(sha256d(b"funding"), 1, 50 * 10**8)


def _own(key: bytes) -> bytes:
    return p2wpkh_script(hash160(public_key_of(key)))


def _mixed(key: bytes, rate: int) -> tuple[SpendTemplate, ...]:
    """One of each kind, twice: transfer, payout, split + consolidate (4 inputs), evidence."""
    split, gather = consolidation(_own(key), 4, 20_000, rate)
    docs = [sha256d(bytes([i])) for i in range(5)]
    kinds = (
        transfer(RECIPIENTS[0], 15_000, rate),
        payout([(RECIPIENTS[1], 11_000), (RECIPIENTS[2], 12_000), (RECIPIENTS[3], 13_000)], rate),
        split,
        gather,
        evidence(evidence_root(docs), rate),
        gather,  # a gather after a single-change transaction spends just that change
    )
    return kinds * 2


def _jobs() -> list[SpendJob]:
    return [
        SpendJob(key, Utxo(sha256d(bytes([i])), i, FUNDING.amount), _mixed(key, 1 + i)[: 12 - i])
        for i, key in enumerate(KEYS)
    ]


def _low_s(der: bytes) -> bool:
    r_length = der[3]
    s_length = der[5 + r_length]
    s = int.from_bytes(der[6 + r_length : 6 + r_length + s_length], "big")
    return 0 < s <= SECP256K1_N // 2


def _check_chain(job: SpendJob, chain: SignedChain) -> None:
    """The oracle's view of every transaction of `chain`, against what `job` asked for."""
    own = _own(job.private_key)
    unspent = {(job.start.txid, job.start.vout): job.start.amount}
    for (raw, txid), template in zip(chain.txs, job.templates, strict=True):
        tx = CTransaction.deserialize(raw)
        assert (tx.nVersion, tx.nLockTime) == (2, 0)
        assert tx.GetTxid() == txid and tx.GetHash() == sha256d(raw)
        spent = [(i.prevout.hash, i.prevout.n) for i in tx.vin]
        if template.gather:
            assert spent == list(unspent)
        else:
            assert spent == [list(unspent)[-1]]
        amounts = [unspent[s] for s in spent]
        for index, amount in enumerate(amounts):
            _check_input(tx, index, amount, own)
        payments = [(o.nValue, bytes(o.scriptPubKey)) for o in tx.vout]
        assert payments[:-1] == [(p.amount, p.script) for p in template.payments]
        assert payments[-1][1] == own
        fee = sum(amounts) - sum(o.nValue for o in tx.vout)
        assert fee == template.fee_rate * ((tx.calc_weight() + 3) // 4)
        unspent = {(txid, vout): value for vout, (value, script) in enumerate(payments) if script == own}
    assert (chain.tip.txid, chain.tip.vout, chain.tip.amount) == (
        *list(unspent)[-1],
        list(unspent.values())[-1],
    )


def _check_input(tx: CTransaction, index: int, amount: int, own: bytes) -> None:
    """P2WPKH's rule (BIP141), spelled with the oracle's parts: python-bitcoinlib 0.12.2's VerifyScript
    has no witness support, so the key hash, the BIP143 hash and the ECDSA check are its pieces."""
    assert tx.vin[index].scriptSig == CScript() and tx.vin[index].nSequence == 0xFFFFFFFF
    signature, public = tx.wit.vtxinwit[index].scriptWitness.stack
    assert b"\x00\x14" + Hash160(public) == own
    script_code = CScript(script_code_p2wpkh(Hash160(public))[1:])
    digest = SignatureHash(script_code, tx, index, SIGHASH_ALL, amount, SIGVERSION_WITNESS_V0)
    assert signature[-1] == SIGHASH_ALL and len(signature) <= MAX_SIGNATURE
    assert CPubKey(public).verify(digest, signature[:-1])
    assert _low_s(signature[:-1])


def test_every_kind_chains_and_verifies_with_the_oracle() -> None:
    jobs = _jobs()
    for job, chain in zip(jobs, sign_chains(jobs), strict=True):
        _check_chain(job, chain)


def test_the_oracle_check_fails_on_a_wrong_amount() -> None:
    """BIP143 signs the amount spent: the same signature does not verify for another amount."""
    job = _jobs()[0]
    raw, _ = sign_chain(job).txs[0]
    with pytest.raises(AssertionError):
        _check_input(CTransaction.deserialize(raw), 0, job.start.amount + 1, _own(job.private_key))


def test_consolidation_spends_the_k_outputs_of_its_split() -> None:
    job = _jobs()[0]
    raw, _ = sign_chain(job).txs[3]
    assert len(CTransaction.deserialize(raw).vin) == 4 and len(CTransaction.deserialize(raw).vout) == 1


def test_layers_across_jobs_sign_as_each_job_alone() -> None:
    jobs = _jobs()
    assert sign_chains(jobs) == [sign_chain(j) for j in jobs]


def test_the_kernels_batch_hasher_gives_the_same_chains() -> None:
    def kernel(messages: object) -> list[bytes]:
        return [bytes(row) for row in hash_batch("sha256d", list(messages))]  # type: ignore[call-overload]

    jobs = _jobs()
    assert sign_chains(jobs, kernel) == sign_chains(jobs, sha256d_each)


def test_every_fee_is_exact_and_short_signatures_were_ground() -> None:
    """Over 1,200 transfers, some first signatures come out short enough to drop the vsize by one; those
    inputs are signed again, so each fee is fee_rate x vsize exactly (checked in _check_chain)."""
    key = KEYS[0]
    job = SpendJob(key, FUNDING, (transfer(RECIPIENTS[0], 1_000, 3),) * 1_200)
    chain = sign_chain(job)
    _check_chain(job, chain)
    signer = coincurve.PrivateKey(key)
    script_code = CScript(script_code_p2wpkh(hash160(public_key_of(key)))[1:])
    ground = 0
    for raw, _ in chain.txs:
        tx = CTransaction.deserialize(raw)
        amount = sum(o.nValue for o in tx.vout) + 3 * ((tx.calc_weight() + 3) // 4)
        digest = SignatureHash(script_code, tx, 0, SIGHASH_ALL, amount, SIGVERSION_WITNESS_V0)
        first = sign_digest(signer, digest)
        ground += first != tx.wit.vtxinwit[0].scriptWitness.stack[0]
        assert len(first) >= MAX_SIGNATURE - 1 or first != tx.wit.vtxinwit[0].scriptWitness.stack[0]
    assert 0 < ground < 30


def test_signatures_are_deterministic() -> None:
    assert sign_chains(_jobs()) == sign_chains(_jobs())


def test_too_little_change_fails_before_signing_and_says_where() -> None:
    job = SpendJob(KEYS[0], Utxo(FUNDING.txid, 0, 100_000), (transfer(RECIPIENTS[0], 40_000, 2),) * 3, 1_000)
    with pytest.raises(
        ValueError,
        match=rf"transaction 2 of the chain from {FUNDING.txid[::-1].hex()}:0: change -?\d+ sat is below 1000",
    ):
        sign_chain(job)


def test_an_empty_job_keeps_its_start_as_tip() -> None:
    assert sign_chain(SpendJob(KEYS[0], FUNDING, ())) == SignedChain([], FUNDING)


def test_the_key_stays_out_of_repr() -> None:
    job = _jobs()[0]
    assert job.private_key.hex() not in repr(job) and repr(job.private_key) not in repr(job)
