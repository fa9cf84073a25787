// SPDX-License-Identifier: AGPL-3.0
pragma solidity ^0.8.24;

import "./L1InfoTree.sol";

/// @title ZkseqGlobalExitRoot: the global exit root manager with the L1 info
/// tree, after Polygon's PolygonZkEVMGlobalExitRootV2.  Every change of the
/// mainnet or rollup exit root makes a new global exit root, appends
/// keccak(ger, parent block hash, timestamp) to the L1 info tree and records
/// the tree's root under its leaf count, which sequenceBatches then names
/// (indexL1InfoRoot).  The bridge and the rollup may update it; on the
/// devnet the deployer stands in for the bridge.
contract ZkseqGlobalExitRoot {
    using L1InfoTree for L1InfoTree.Tree;

    address public immutable bridgeAddress;
    address public rollupAddress;
    address private immutable deployer;

    bytes32 public lastMainnetExitRoot;
    bytes32 public lastRollupExitRoot;
    /// Global exit root => the timestamp it was first seen.
    mapping(bytes32 => uint256) public globalExitRootMap;
    /// Leaf count => L1 info tree root after that leaf.
    mapping(uint32 => bytes32) public l1InfoRootMap;

    L1InfoTree.Tree private tree;

    event UpdateL1InfoTree(bytes32 indexed mainnetExitRoot, bytes32 indexed rollupExitRoot);
    event UpdateL1InfoTreeV2(bytes32 currentL1InfoRoot, uint32 indexed leafCount, uint256 blockhash, uint64 minTimestamp);

    error OnlyAllowedContracts();
    error RollupAlreadySet();

    constructor(address bridge) {
        bridgeAddress = bridge;
        deployer = msg.sender;
    }

    /// Set once by the deployer, after the rollup exists.
    function setRollup(address rollup) external {
        if (msg.sender != deployer) revert OnlyAllowedContracts();
        if (rollupAddress != address(0)) revert RollupAlreadySet();
        rollupAddress = rollup;
    }

    /// A new exit root from the bridge (mainnet) or the rollup (rollup exit root).
    function updateExitRoot(bytes32 newRoot) external {
        bytes32 mainnet = lastMainnetExitRoot;
        bytes32 rollup = lastRollupExitRoot;
        if (msg.sender == bridgeAddress) {
            lastMainnetExitRoot = newRoot;
            mainnet = newRoot;
        } else if (msg.sender == rollupAddress) {
            lastRollupExitRoot = newRoot;
            rollup = newRoot;
        } else {
            revert OnlyAllowedContracts();
        }
        bytes32 ger = keccak256(abi.encodePacked(mainnet, rollup));
        if (globalExitRootMap[ger] != 0) return;
        globalExitRootMap[ger] = block.timestamp;
        bytes32 parent = blockhash(block.number - 1);
        tree.append(L1InfoTree.leafValue(ger, parent, uint64(block.timestamp)));
        bytes32 r = tree.root();
        l1InfoRootMap[tree.count] = r;
        emit UpdateL1InfoTree(mainnet, rollup);
        emit UpdateL1InfoTreeV2(r, tree.count, uint256(parent), uint64(block.timestamp));
    }

    function getLastGlobalExitRoot() public view returns (bytes32) {
        return keccak256(abi.encodePacked(lastMainnetExitRoot, lastRollupExitRoot));
    }

    function getRoot() external view returns (bytes32) {
        return tree.root();
    }

    function depositCount() external view returns (uint32) {
        return tree.count;
    }
}

/// @title L1InfoTreeHarness: the same tree with leaves given directly, so the
/// contract tests can check it against Polygon's l1-info-tree vectors.
contract L1InfoTreeHarness {
    using L1InfoTree for L1InfoTree.Tree;

    L1InfoTree.Tree private tree;

    function leafValue(bytes32 ger, bytes32 blockHash, uint64 timestamp) external pure returns (bytes32) {
        return L1InfoTree.leafValue(ger, blockHash, timestamp);
    }

    function appendLeaf(bytes32 leaf) external {
        tree.append(leaf);
    }

    function root() external view returns (bytes32) {
        return tree.root();
    }
}
