"""The Ethereum family: secp256k1 keys and addresses, RLP, Keccak-256, and legacy EIP-155 signing."""
