// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Traceability: supply-chain product traceability, an append-only custody history per product.
/// @notice The registrant is the first custodian; only the current custodian may hand a product on.
contract Traceability {
    struct Entry {
        address from; // 0 for the registration
        address to;
        uint64 timestamp;
        string note;
    }

    mapping(bytes32 => address) public custodianOf;
    mapping(bytes32 => string) public metadataOf;
    mapping(bytes32 => Entry[]) private history;

    event Registered(bytes32 indexed id, address indexed custodian);
    event CustodyTransferred(bytes32 indexed id, address indexed from, address indexed to);

    error AlreadyRegistered(bytes32 id);
    error NotRegistered(bytes32 id);
    error NotCustodian(bytes32 id, address custodian, address caller);
    error ZeroAddress();

    /// Register product `id` with its metadata; the caller becomes its custodian.
    function registerProduct(bytes32 id, string calldata metadata) external {
        if (custodianOf[id] != address(0)) revert AlreadyRegistered(id);
        custodianOf[id] = msg.sender;
        metadataOf[id] = metadata;
        history[id].push(Entry(address(0), msg.sender, uint64(block.timestamp), "registered"));
        emit Registered(id, msg.sender);
    }

    /// Hand product `id` from its current custodian (the caller) to `to`, recording `note`.
    function transferCustody(bytes32 id, address to, string calldata note) external {
        address custodian = custodianOf[id];
        if (custodian == address(0)) revert NotRegistered(id);
        if (custodian != msg.sender) revert NotCustodian(id, custodian, msg.sender);
        if (to == address(0)) revert ZeroAddress();
        custodianOf[id] = to;
        history[id].push(Entry(msg.sender, to, uint64(block.timestamp), note));
        emit CustodyTransferred(id, msg.sender, to);
    }

    /// How many entries the history of product `id` has (0 if not registered).
    function historyLength(bytes32 id) external view returns (uint256) {
        return history[id].length;
    }

    /// Entry `i` of product `id`'s history, oldest first.
    function historyAt(
        bytes32 id,
        uint256 i
    ) external view returns (address from, address to, uint256 timestamp, string memory note) {
        Entry storage e = history[id][i];
        return (e.from, e.to, e.timestamp, e.note);
    }
}
