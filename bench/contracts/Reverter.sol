// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Reverter: the `revert` scenario; every call reverts, so it is included, charged and failed.
contract Reverter {
    uint256 public calls; // stays 0: every write to it is rolled back

    error AlwaysReverts(address caller, uint256 calls);

    function fail() external {
        calls += 1;
        revert AlwaysReverts(msg.sender, calls);
    }
}
