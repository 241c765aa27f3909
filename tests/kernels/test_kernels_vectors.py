"""Published test vectors for SHA-256, Keccak-256 and SM3, each cited, each also checked against an oracle."""

import hashlib

import pytest
from Crypto.Hash import keccak

from bench.kernels import hash_batch

# FIPS 180-2, Appendix B (SHA-256 examples): B.1 "abc", B.2 the 448-bit message, B.3 one million "a".
# The empty-string digest is the well-known SHA-256("") (e.g. RFC 6962 section 2.1, MTH({})).
SHA256_VECTORS = [
    (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    (
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ),
    (b"a" * 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
]

# Ethereum Keccak-256 (padding 0x01): Yellow Paper / go-ethereum constants.
# - keccak256("") is go-ethereum's types.EmptyCodeHash (the code hash of an account with no code);
# - keccak256(0xc0), the RLP empty list, is types.EmptyUncleHash;
# - keccak256(0x80), the RLP empty string, is types.EmptyRootHash (the empty trie root);
# - the ERC-20 `Transfer(address,address,uint256)` event topic and `transfer(address,uint256)` (0xa9059cbb).
KECCAK_VECTORS = [
    (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
    (b"\xc0", "1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"),
    (b"\x80", "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"),
    (
        b"Transfer(address,address,uint256)",
        "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",
    ),
    (b"transfer(address,uint256)", "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b"),
]

# GB/T 32905-2016 (SM3), Appendix A: example A.1 "abc" and example A.2 "abcd" repeated 16 times (512 bits).
SM3_VECTORS = [
    (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
    (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
]


@pytest.mark.parametrize(("message", "digest"), SHA256_VECTORS)
def test_sha256_fips_180_vectors(message: bytes, digest: str) -> None:
    assert hashlib.sha256(message).hexdigest() == digest
    assert hash_batch("sha256", [message])[0].tobytes().hex() == digest


def test_sha256d_is_sha256_twice() -> None:
    # Bitcoin's double SHA-256 of "abc" built from the FIPS 180-2 B.1 digest.
    inner = bytes.fromhex(SHA256_VECTORS[0][1])
    assert hash_batch("sha256d", [b"abc"])[0].tobytes() == hashlib.sha256(inner).digest()


@pytest.mark.parametrize(("message", "digest"), KECCAK_VECTORS)
def test_keccak256_ethereum_vectors(message: bytes, digest: str) -> None:
    assert keccak.new(digest_bits=256, data=message).hexdigest() == digest
    assert hash_batch("keccak256", [message])[0].tobytes().hex() == digest


def test_keccak256_is_not_fips_sha3() -> None:
    assert hash_batch("keccak256", [b""])[0].tobytes() != hashlib.sha3_256(b"").digest()


@pytest.mark.parametrize(("message", "digest"), SM3_VECTORS)
def test_sm3_gbt_32905_examples(message: bytes, digest: str) -> None:
    assert hashlib.new("sm3", message).hexdigest() == digest
    assert hash_batch("sm3", [message])[0].tobytes().hex() == digest
