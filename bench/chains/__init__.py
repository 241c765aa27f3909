"""Chain families behind one seam: each subpackage (today `ethereum`) holds what only that family knows.

This first step holds the Ethereum family's primitives (keys, RLP, Keccak-256, transaction signing),
which planning, funding and the contract calldata builders share, so that none of those packages
imports another for them (the import graph has no cycle: tests/test_layering.py).
"""
