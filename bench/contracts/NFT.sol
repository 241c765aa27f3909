// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title NFT: an ERC-721 collection for the `erc721-mint` and `erc721-transfer` scenarios.
/// @notice Token ids count up from 0; a mint creates new storage (owner, balance). No safe transfers
/// (no receiver callbacks): the workload's accounts are externally owned.
contract NFT {
    string public constant name = "chainmark NFT";
    string public constant symbol = "CMNFT";

    uint256 public totalSupply;
    mapping(uint256 => address) private owners;
    mapping(address => uint256) public balanceOf;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    error NotOwner(address caller, uint256 tokenId);
    error NoToken(uint256 tokenId);
    error ZeroAddress();

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0x80ac58cd || id == 0x01ffc9a7; // ERC-721, ERC-165
    }

    function ownerOf(uint256 tokenId) public view returns (address owner) {
        owner = owners[tokenId];
        if (owner == address(0)) revert NoToken(tokenId);
    }

    /// Mint the next token to the caller.
    function mint() external returns (uint256 tokenId) {
        tokenId = _mint(msg.sender);
    }

    /// Mint one token to each of `to`, in order (the setup gives every workload account one).
    function mintEach(address[] calldata to) external {
        for (uint256 i = 0; i < to.length; i++) {
            _mint(to[i]);
        }
    }

    function approve(address approved, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        if (msg.sender != owner && !isApprovedForAll[owner][msg.sender]) revert NotOwner(msg.sender, tokenId);
        getApproved[tokenId] = approved;
        emit Approval(owner, approved, tokenId);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 tokenId) external {
        if (to == address(0)) revert ZeroAddress();
        if (ownerOf(tokenId) != from) revert NotOwner(from, tokenId);
        bool allowed = msg.sender == from || getApproved[tokenId] == msg.sender || isApprovedForAll[from][msg.sender];
        if (!allowed) revert NotOwner(msg.sender, tokenId);
        delete getApproved[tokenId];
        unchecked {
            balanceOf[from] -= 1;
            balanceOf[to] += 1;
        }
        owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function _mint(address to) private returns (uint256 tokenId) {
        if (to == address(0)) revert ZeroAddress();
        tokenId = totalSupply++;
        owners[tokenId] = to;
        unchecked {
            balanceOf[to] += 1;
        }
        emit Transfer(address(0), to, tokenId);
    }
}
