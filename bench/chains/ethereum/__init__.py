"""The Ethereum JSON-RPC family: keys, RLP, Keccak-256, legacy EIP-155 signing, planning, funding, the
wire, the head feed, the after-window checks and the managed dev nodes (Anvil, Hardhat, Ganache).

Nothing is imported here: a signing child process (`python -m bench.chains.ethereum.parallel`) loads
only what signing needs.
"""
