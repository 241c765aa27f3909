// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Burner: the `fill-block` scenario; a call hashes in a loop until its gas limit is nearly spent.
contract Burner {
    uint256 public burns;

    event Burned(address indexed by, bytes32 last);

    /// Keccak-256 over and over until under 40,000 gas is left, then count the call: a transaction uses
    /// nearly all of its gas limit, which the workload sizes to a fraction of the block gas limit.
    function burn() external {
        bytes32 x = bytes32(burns);
        while (gasleft() > 40_000) {
            x = keccak256(abi.encode(x));
        }
        burns += 1;
        emit Burned(msg.sender, x);
    }
}
