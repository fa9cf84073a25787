// SPDX-License-Identifier: AGPL-3.0
pragma solidity ^0.8.24;

/// @title BlobAcc: a blob's step of the accumulated input hash, after
/// Polygon's Feijoa design as zkevm-commonjs (develop-feijoa,
/// src/blob-inner) computes it and ../shared/vectors/polygon/blob checks it:
///   keccak256(oldAcc . uint32 l1InfoTreeIndex . l1InfoTreeRoot .
///             uint64 timestampLimit . sequencer . uint64 zkGasLimit .
///             uint8 blobType . versionedHash . blobL2HashData . forcedHashData)
/// An EIP-4844 blob enters with its versioned hash (blobhash) and
/// blobL2HashData 0, after the point evaluation precompile checked
/// p(z) = y against it; a calldata blob with versionedHash 0 and
/// blobL2HashData = keccak256(blob data).  (Feijoa's contract revision
/// hashes z and y where commonjs has the versioned hash; zkseq follows
/// commonjs, whose vectors and prover inputs it reproduces.)
library BlobAcc {
    uint8 internal constant CALLDATA_BLOB_TYPE = 0;
    uint8 internal constant BLOBTX_BLOB_TYPE = 1;
    uint8 internal constant FORCED_BLOB_TYPE = 2;
    address internal constant POINT_EVALUATION_PRECOMPILE = address(0x0a);

    error BlobHashNotFound();
    error PointEvaluationFailed();
    error InvalidCommitmentAndProofLength();

    struct Step {
        uint32 l1InfoTreeIndex;
        bytes32 l1InfoTreeRoot;
        uint64 timestampLimit;
        address sequencer;
        uint64 zkGasLimit;
        uint8 blobType;
        bytes32 versionedHash;
        bytes32 blobL2HashData;
        bytes32 forcedHashData;
    }

    function step(bytes32 oldAcc, Step memory s) internal pure returns (bytes32) {
        return keccak256(
            abi.encodePacked(
                oldAcc,
                s.l1InfoTreeIndex,
                s.l1InfoTreeRoot,
                s.timestampLimit,
                s.sequencer,
                s.zkGasLimit,
                s.blobType,
                s.versionedHash,
                s.blobL2HashData,
                s.forcedHashData
            )
        );
    }

    /// The versioned hash of this transaction's blob blobIndex, once the
    /// precompile checked that the committed polynomial takes y at z.
    function checkedBlob(uint256 blobIndex, bytes32 z, bytes32 y, bytes memory commitmentAndProof)
        internal
        view
        returns (bytes32 versionedHash)
    {
        if (commitmentAndProof.length != 96) revert InvalidCommitmentAndProofLength();
        versionedHash = blobhash(blobIndex);
        if (versionedHash == bytes32(0)) revert BlobHashNotFound();
        (bool ok,) = POINT_EVALUATION_PRECOMPILE.staticcall(abi.encodePacked(versionedHash, z, y, commitmentAndProof));
        if (!ok) revert PointEvaluationFailed();
    }
}

/// @title BlobAccHarness: the same step with every input given, for the
/// tests that pass Polygon's blob vectors through the contract code.
contract BlobAccHarness {
    event BlobAccumulated(bytes32 acc, bytes32 versionedHash);

    /// A calldata (0) or forced (2) blob: its data hashed in.
    function calldataStep(bytes32 oldAcc, BlobAcc.Step memory s, bytes calldata blobData)
        external
        pure
        returns (bytes32)
    {
        s.versionedHash = bytes32(0);
        s.blobL2HashData = keccak256(blobData);
        return BlobAcc.step(oldAcc, s);
    }

    /// Sent in a blob-carrying transaction: the blob's step, with its point
    /// evaluation checked (s's versionedHash and blobL2HashData are set here).
    function blobStep(
        bytes32 oldAcc,
        BlobAcc.Step memory s,
        uint256 blobIndex,
        bytes32 z,
        bytes32 y,
        bytes calldata commitmentAndProof
    ) external returns (bytes32 acc) {
        s.versionedHash = BlobAcc.checkedBlob(blobIndex, z, y, commitmentAndProof);
        s.blobL2HashData = bytes32(0);
        s.blobType = BlobAcc.BLOBTX_BLOB_TYPE;
        acc = BlobAcc.step(oldAcc, s);
        emit BlobAccumulated(acc, s.versionedHash);
    }
}
