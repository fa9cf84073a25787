// SPDX-License-Identifier: AGPL-3.0
pragma solidity ^0.8.24;

/// @title L1InfoTree: an append-only Keccak Merkle tree of depth 32, as
/// Polygon zkEVM keeps its L1 info tree and its deposit trees.  Only the
/// left branch of the next free position is stored; the root is rebuilt
/// from it and the hashes of empty subtrees.
library L1InfoTree {
    uint256 internal constant DEPTH = 32;
    uint256 internal constant MAX_LEAVES = 2 ** 32 - 1;

    error TreeFull();

    struct Tree {
        bytes32[32] branch;
        uint32 count;
    }

    /// The leaf Polygon's fork 12 appends for each new global exit root.
    function leafValue(bytes32 globalExitRoot, bytes32 parentBlockHash, uint64 timestamp)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encodePacked(globalExitRoot, parentBlockHash, timestamp));
    }

    function append(Tree storage t, bytes32 leaf) internal {
        if (t.count >= MAX_LEAVES) revert TreeFull();
        uint256 size = ++t.count;
        bytes32 node = leaf;
        for (uint256 h = 0; h < DEPTH; h++) {
            if (((size >> h) & 1) == 1) {
                t.branch[h] = node;
                return;
            }
            node = keccak256(abi.encodePacked(t.branch[h], node));
        }
        // Unreachable: size < 2^32 always has a set bit below bit 32.
        assert(false);
    }

    function root(Tree storage t) internal view returns (bytes32 node) {
        uint256 size = t.count;
        bytes32 zero = bytes32(0);
        for (uint256 h = 0; h < DEPTH; h++) {
            if (((size >> h) & 1) == 1) {
                node = keccak256(abi.encodePacked(t.branch[h], node));
            } else {
                node = keccak256(abi.encodePacked(node, zero));
            }
            zero = keccak256(abi.encodePacked(zero, zero));
        }
    }
}
