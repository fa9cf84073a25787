// SPDX-License-Identifier: AGPL-3.0
pragma solidity ^0.8.24;

import "./BlobAcc.sol";
import "./IVerifier.sol";
import "./ZkseqGlobalExitRoot.sol";

/// @title ZkseqRollup: zkseq's rollup contract, written after Polygon zkEVM's
/// fork-12 design (PolygonRollupBaseEtrog with the banana sequenceBatches,
/// and the monolithic PolygonZkEVM's getters), in one contract without the
/// rollup manager, POL fees or upgradeability.
///
/// The accumulated input hash of a batch is
///   keccak256(oldAccInputHash ++ keccak256(transactions) ++ l1InfoRoot ++
///             uint64 maxSequenceTimestamp ++ l2Coinbase ++ bytes32(0))
/// for a sequencer's batch, and with (forcedGlobalExitRoot, forcedTimestamp,
/// forcedBlockHashL1) in place of (l1InfoRoot, maxSequenceTimestamp, 0) for a
/// forced one; zkseq's firmware computes the same chain before it posts and
/// sends it as expectedFinalAccInputHash.
contract ZkseqRollup {
    struct BatchData {
        bytes transactions;
        bytes32 forcedGlobalExitRoot;
        uint64 forcedTimestamp;
        bytes32 forcedBlockHashL1;
    }

    /// A blob of Polygon's Feijoa path: blobType 0 (calldata) with
    /// abi.encode(uint64 maxSequenceTimestamp, uint64 zkGasLimit,
    /// uint32 l1InfoLeafIndex, bytes blobData), or 1 (a blob of this
    /// transaction) with abi.encode(uint64 maxSequenceTimestamp,
    /// uint64 zkGasLimit, uint32 l1InfoLeafIndex, uint256 blobIndex,
    /// bytes32 z, bytes32 y, bytes commitmentAndProof).
    struct BlobData {
        uint8 blobType;
        bytes blobTypeParams;
    }

    /// zkseq's blob path (an extension of Feijoa's, sequenceBlobBatches):
    /// one EIP-4844 blob of this transaction (blobTypeParams as for
    /// blobType 1) and the keccak256 of the batchL2Data of each batch it
    /// carries, in order.
    struct BlobBatches {
        bytes blobTypeParams;
        bytes32[] batchHashes;
    }

    struct SequencedBatchData {
        bytes32 accInputHash;
        uint64 sequencedTimestamp;
        uint64 previousLastBatchSequenced;
    }

    uint256 internal constant _MAX_TRANSACTIONS_BYTE_LENGTH = 120000;
    uint256 internal constant _MAX_FORCE_BATCH_BYTE_LENGTH = 5000;
    uint256 internal constant _MAX_VERIFY_BATCHES = 1000;
    uint256 internal constant TIMESTAMP_RANGE = 36;
    uint256 internal constant _RFIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint64 public constant FORK_ID = 12;

    ZkseqGlobalExitRoot public immutable globalExitRootManager;
    IVerifierRollup public immutable verifier;
    uint64 public immutable chainID;

    address public admin;
    address public trustedSequencer;
    address public trustedAggregator;
    /// address(0): anyone may force batches.
    address public forceBatchAddress;
    uint64 public forceBatchTimeout;

    uint64 public lastBatchSequenced;
    uint64 public lastVerifiedBatch;
    uint64 public lastForceBatch;
    uint64 public lastForceBatchSequenced;

    mapping(uint64 => SequencedBatchData) public sequencedBatches;
    mapping(uint64 => bytes32) public forcedBatches;
    mapping(uint64 => bytes32) public batchNumToStateRoot;

    /// The blob path (sequenceBlobs): blobs sequenced and their accumulated
    /// input hash (BlobAcc), kept apart from the batch chain above.
    uint64 public lastBlobSequenced;
    bytes32 public lastBlobAccInputHash;
    mapping(uint64 => bytes32) public blobAccInputHash;

    event SequenceBatches(uint64 indexed numBatch, bytes32 l1InfoRoot);
    event SequenceForceBatches(uint64 indexed numBatch);
    event ForceBatch(uint64 indexed forceBatchNum, bytes32 lastGlobalExitRoot, address sequencer, bytes transactions);
    event VerifyBatchesTrustedAggregator(uint64 indexed numBatch, bytes32 stateRoot, address indexed aggregator);
    event SetTrustedSequencer(address newTrustedSequencer);
    event SetTrustedAggregator(address newTrustedAggregator);
    event SetForceBatchTimeout(uint64 newforceBatchTimeout);
    event SequenceBlobs(uint64 indexed numBlob, bytes32 accInputHash);
    event SequenceBlobBatches(uint64 indexed numBlob, uint64 indexed numBatch);

    error OnlyAdmin();
    error OnlyTrustedSequencer();
    error OnlyTrustedAggregator();
    error ForceBatchNotAllowed();
    error SequenceZeroBatches();
    error ExceedMaxVerifyBatches();
    error MaxTimestampSequenceInvalid();
    error L1InfoTreeLeafCountInvalid();
    error ForcedDataDoesNotMatch();
    error ForceBatchesOverflow();
    error TransactionsLengthAboveMax();
    error FinalAccInputHashDoesNotMatch();
    error ForceBatchTimeoutNotExpired();
    error InitNumBatchDoesNotMatch();
    error FinalNumBatchBelowLastVerifiedBatch();
    error NewAccInputHashDoesNotExist();
    error InvalidProof();
    error SequenceZeroBlobs();
    error BlobTypeNotSupported();
    error BlobWithoutBatches();

    modifier onlyAdmin() {
        if (msg.sender != admin) revert OnlyAdmin();
        _;
    }

    modifier onlyTrustedSequencer() {
        if (msg.sender != trustedSequencer) revert OnlyTrustedSequencer();
        _;
    }

    modifier onlyTrustedAggregator() {
        if (msg.sender != trustedAggregator) revert OnlyTrustedAggregator();
        _;
    }

    modifier isSenderAllowedToForceBatches() {
        if (forceBatchAddress != address(0) && msg.sender != forceBatchAddress) revert ForceBatchNotAllowed();
        _;
    }

    constructor(
        ZkseqGlobalExitRoot _globalExitRootManager,
        IVerifierRollup _verifier,
        uint64 _chainID,
        bytes32 genesisStateRoot,
        address _trustedSequencer,
        address _trustedAggregator,
        uint64 _forceBatchTimeout
    ) {
        globalExitRootManager = _globalExitRootManager;
        verifier = _verifier;
        chainID = _chainID;
        admin = msg.sender;
        trustedSequencer = _trustedSequencer;
        trustedAggregator = _trustedAggregator;
        forceBatchTimeout = _forceBatchTimeout;
        batchNumToStateRoot[0] = genesisStateRoot;
    }

    /// The accInputHash of the last sequenced batch.
    function lastAccInputHash() external view returns (bytes32) {
        return sequencedBatches[lastBatchSequenced].accInputHash;
    }

    function sequenceBatches(
        BatchData[] calldata batches,
        uint32 indexL1InfoRoot,
        uint64 maxSequenceTimestamp,
        bytes32 expectedFinalAccInputHash,
        address l2Coinbase
    ) external onlyTrustedSequencer {
        uint256 batchesNum = batches.length;
        if (batchesNum == 0) revert SequenceZeroBatches();
        if (batchesNum > _MAX_VERIFY_BATCHES) revert ExceedMaxVerifyBatches();
        if (uint256(maxSequenceTimestamp) > block.timestamp + TIMESTAMP_RANGE) revert MaxTimestampSequenceInvalid();

        bytes32 l1InfoRoot = globalExitRootManager.l1InfoRootMap(indexL1InfoRoot);
        if (l1InfoRoot == bytes32(0)) revert L1InfoTreeLeafCountInvalid();

        uint64 forcedSequenced = lastForceBatchSequenced;
        bytes32 acc = sequencedBatches[lastBatchSequenced].accInputHash;

        for (uint256 i = 0; i < batchesNum; i++) {
            BatchData calldata b = batches[i];
            bytes32 txHash = keccak256(b.transactions);
            if (b.forcedTimestamp > 0) {
                forcedSequenced++;
                bytes32 forcedData =
                    keccak256(abi.encodePacked(txHash, b.forcedGlobalExitRoot, b.forcedTimestamp, b.forcedBlockHashL1));
                if (forcedData != forcedBatches[forcedSequenced]) revert ForcedDataDoesNotMatch();
                acc = keccak256(
                    abi.encodePacked(
                        acc, txHash, b.forcedGlobalExitRoot, b.forcedTimestamp, l2Coinbase, b.forcedBlockHashL1
                    )
                );
                delete forcedBatches[forcedSequenced];
            } else {
                if (b.transactions.length > _MAX_TRANSACTIONS_BYTE_LENGTH) revert TransactionsLengthAboveMax();
                acc = keccak256(
                    abi.encodePacked(acc, txHash, l1InfoRoot, maxSequenceTimestamp, l2Coinbase, bytes32(0))
                );
            }
        }
        if (forcedSequenced > lastForceBatch) revert ForceBatchesOverflow();
        if (acc != expectedFinalAccInputHash) revert FinalAccInputHashDoesNotMatch();

        lastForceBatchSequenced = forcedSequenced;
        uint64 previous = lastBatchSequenced;
        uint64 newLast = previous + uint64(batchesNum);
        sequencedBatches[newLast] = SequencedBatchData(acc, uint64(block.timestamp), previous);
        lastBatchSequenced = newLast;
        emit SequenceBatches(newLast, l1InfoRoot);
    }

    /// Polygon Feijoa's blob path: blobs of batches, each a calldata blob or
    /// one of this transaction's EIP-4844 blobs (its point evaluation at
    /// (z, y) checked with the 0x0a precompile), chained into
    /// lastBlobAccInputHash as BlobAcc computes it.  Forced batches keep
    /// going through sequenceBatches.
    function sequenceBlobs(BlobData[] calldata blobs, address l2Coinbase, bytes32 finalAccInputHash)
        external
        onlyTrustedSequencer
    {
        uint256 n = blobs.length;
        if (n == 0) revert SequenceZeroBlobs();
        if (n > _MAX_VERIFY_BATCHES) revert ExceedMaxVerifyBatches();
        bytes32 acc = lastBlobAccInputHash;
        for (uint256 i = 0; i < n; i++) {
            acc = _blobStep(acc, blobs[i], l2Coinbase);
        }
        if (acc != finalAccInputHash) revert FinalAccInputHashDoesNotMatch();
        uint64 newLast = lastBlobSequenced + uint64(n);
        lastBlobSequenced = newLast;
        lastBlobAccInputHash = acc;
        blobAccInputHash[newLast] = acc;
        emit SequenceBlobs(newLast, acc);
    }

    /// zkseq's blob path: batches carried by this transaction's EIP-4844
    /// blobs.  Each blob advances the blob chain (lastBlobAccInputHash, as
    /// sequenceBlobs with blobType 1), and its batches advance the batch
    /// chain exactly as sequenceBatches would (the same accInputHash per
    /// batch, with the blob's l1InfoLeafIndex and maxSequenceTimestamp), from
    /// the keccak256 of each batch's data as the sequencer states it: the
    /// EVM cannot read a blob, so the binding of those hashes to the blob's
    /// bytes is the prover's (Feijoa's blob-inner program decodes the blob and
    /// recomputes them).  Forced batches keep going through sequenceBatches.
    /// Both chains' results are checked against the caller's.
    function sequenceBlobBatches(
        BlobBatches[] calldata blobs,
        address l2Coinbase,
        bytes32 expectedFinalBlobAccInputHash,
        bytes32 expectedFinalAccInputHash
    ) external onlyTrustedSequencer {
        uint256 n = blobs.length;
        if (n == 0) revert SequenceZeroBlobs();
        bytes32 blobAcc = lastBlobAccInputHash;
        bytes32 acc = sequencedBatches[lastBatchSequenced].accInputHash;
        uint256 batchesNum = 0;
        bytes32 l1InfoRoot;
        for (uint256 i = 0; i < n; i++) {
            (blobAcc, acc, l1InfoRoot) = _blobBatchesStep(blobAcc, acc, blobs[i], l2Coinbase);
            batchesNum += blobs[i].batchHashes.length;
        }
        if (batchesNum > _MAX_VERIFY_BATCHES) revert ExceedMaxVerifyBatches();
        if (blobAcc != expectedFinalBlobAccInputHash || acc != expectedFinalAccInputHash) {
            revert FinalAccInputHashDoesNotMatch();
        }
        uint64 newBlob = lastBlobSequenced + uint64(n);
        lastBlobSequenced = newBlob;
        lastBlobAccInputHash = blobAcc;
        blobAccInputHash[newBlob] = blobAcc;
        uint64 previous = lastBatchSequenced;
        uint64 newLast = previous + uint64(batchesNum);
        sequencedBatches[newLast] = SequencedBatchData(acc, uint64(block.timestamp), previous);
        lastBatchSequenced = newLast;
        emit SequenceBlobs(newBlob, blobAcc);
        emit SequenceBlobBatches(newBlob, newLast);
        emit SequenceBatches(newLast, l1InfoRoot);
    }

    /// One blob of this transaction: the blob chain and the batch chain
    /// stepped over it, and the L1 info root it names.
    function _blobBatchesStep(bytes32 blobAcc, bytes32 acc, BlobBatches calldata b, address coinbase)
        internal
        view
        returns (bytes32, bytes32, bytes32 root)
    {
        BlobAcc.Step memory s;
        s.sequencer = coinbase;
        s.blobType = BlobAcc.BLOBTX_BLOB_TYPE;
        s.versionedHash = _blobTx(b.blobTypeParams, s);
        root = _l1InfoRoot(s.l1InfoTreeIndex, s.timestampLimit);
        s.l1InfoTreeRoot = root;
        uint256 m = b.batchHashes.length;
        if (m == 0) revert BlobWithoutBatches();
        for (uint256 k = 0; k < m; k++) {
            acc = keccak256(abi.encodePacked(acc, b.batchHashes[k], root, s.timestampLimit, coinbase, bytes32(0)));
        }
        return (BlobAcc.step(blobAcc, s), acc, root);
    }

    function _blobStep(bytes32 acc, BlobData calldata b, address coinbase) internal view returns (bytes32) {
        BlobAcc.Step memory s;
        s.sequencer = coinbase;
        s.blobType = b.blobType;
        if (b.blobType == BlobAcc.CALLDATA_BLOB_TYPE) {
            bytes memory data;
            (s.timestampLimit, s.zkGasLimit, s.l1InfoTreeIndex, data) =
                abi.decode(b.blobTypeParams, (uint64, uint64, uint32, bytes));
            if (data.length > _MAX_TRANSACTIONS_BYTE_LENGTH) revert TransactionsLengthAboveMax();
            s.blobL2HashData = keccak256(data);
        } else if (b.blobType == BlobAcc.BLOBTX_BLOB_TYPE) {
            s.versionedHash = _blobTx(b.blobTypeParams, s);
        } else {
            revert BlobTypeNotSupported();
        }
        s.l1InfoTreeRoot = _l1InfoRoot(s.l1InfoTreeIndex, s.timestampLimit);
        return BlobAcc.step(acc, s);
    }

    /// A blob of this transaction: its parameters into s, its versioned hash
    /// once the point evaluation holds.
    function _blobTx(bytes calldata params, BlobAcc.Step memory s) internal view returns (bytes32) {
        uint256 blobIndex;
        bytes32 z;
        bytes32 y;
        bytes memory cp;
        (s.timestampLimit, s.zkGasLimit, s.l1InfoTreeIndex, blobIndex, z, y, cp) =
            abi.decode(params, (uint64, uint64, uint32, uint256, bytes32, bytes32, bytes));
        return BlobAcc.checkedBlob(blobIndex, z, y, cp);
    }

    /// The L1 info root a blob names (by leaf count, as sequenceBatches),
    /// with its timestamp limit in range.
    function _l1InfoRoot(uint32 index, uint64 maxTs) internal view returns (bytes32 root) {
        if (uint256(maxTs) > block.timestamp + TIMESTAMP_RANGE) revert MaxTimestampSequenceInvalid();
        root = globalExitRootManager.l1InfoRootMap(index);
        if (root == bytes32(0)) revert L1InfoTreeLeafCountInvalid();
    }

    /// Anyone (or forceBatchAddress) may queue L2 transactions on L1; the
    /// trusted sequencer must include them, or after forceBatchTimeout anyone
    /// may sequence them with sequenceForceBatches.  No fee on this devnet
    /// contract (Polygon charges POL).
    function forceBatch(bytes calldata transactions) external isSenderAllowedToForceBatches {
        if (transactions.length > _MAX_FORCE_BATCH_BYTE_LENGTH) revert TransactionsLengthAboveMax();
        bytes32 ger = globalExitRootManager.getLastGlobalExitRoot();
        lastForceBatch++;
        forcedBatches[lastForceBatch] = keccak256(
            abi.encodePacked(keccak256(transactions), ger, uint64(block.timestamp), blockhash(block.number - 1))
        );
        emit ForceBatch(lastForceBatch, ger, msg.sender, msg.sender == tx.origin ? bytes("") : transactions);
    }

    function sequenceForceBatches(BatchData[] calldata batches) external isSenderAllowedToForceBatches {
        uint256 batchesNum = batches.length;
        if (batchesNum == 0) revert SequenceZeroBatches();
        if (batchesNum > _MAX_VERIFY_BATCHES) revert ExceedMaxVerifyBatches();
        if (uint256(lastForceBatchSequenced) + batchesNum > uint256(lastForceBatch)) revert ForceBatchesOverflow();

        uint64 forcedSequenced = lastForceBatchSequenced;
        bytes32 acc = sequencedBatches[lastBatchSequenced].accInputHash;
        for (uint256 i = 0; i < batchesNum; i++) {
            BatchData calldata b = batches[i];
            forcedSequenced++;
            bytes32 txHash = keccak256(b.transactions);
            bytes32 forcedData =
                keccak256(abi.encodePacked(txHash, b.forcedGlobalExitRoot, b.forcedTimestamp, b.forcedBlockHashL1));
            if (forcedData != forcedBatches[forcedSequenced]) revert ForcedDataDoesNotMatch();
            delete forcedBatches[forcedSequenced];
            // The last batch is the most recent: the timeout is checked on it.
            if (i == batchesNum - 1 && uint256(b.forcedTimestamp) + forceBatchTimeout > block.timestamp) {
                revert ForceBatchTimeoutNotExpired();
            }
            acc = keccak256(
                abi.encodePacked(
                    acc, txHash, b.forcedGlobalExitRoot, b.forcedTimestamp, msg.sender, b.forcedBlockHashL1
                )
            );
        }
        lastForceBatchSequenced = forcedSequenced;
        uint64 previous = lastBatchSequenced;
        uint64 newLast = previous + uint64(batchesNum);
        sequencedBatches[newLast] = SequencedBatchData(acc, uint64(block.timestamp), previous);
        lastBatchSequenced = newLast;
        emit SequenceForceBatches(newLast);
    }

    /// The trusted aggregator proves batches initNumBatch+1..finalNewBatch.
    /// Both ends must be ends of sequences (their accInputHash is stored).
    function verifyBatchesTrustedAggregator(
        uint64 pendingStateNum,
        uint64 initNumBatch,
        uint64 finalNewBatch,
        bytes32 newLocalExitRoot,
        bytes32 newStateRoot,
        bytes32[24] calldata proof
    ) external onlyTrustedAggregator {
        pendingStateNum; // no pending states in this contract; kept for Polygon's signature
        if (initNumBatch != lastVerifiedBatch) revert InitNumBatchDoesNotMatch();
        if (finalNewBatch <= lastVerifiedBatch || finalNewBatch > lastBatchSequenced) {
            revert FinalNumBatchBelowLastVerifiedBatch();
        }
        bytes32 oldAcc = sequencedBatches[initNumBatch].accInputHash;
        bytes32 newAcc = sequencedBatches[finalNewBatch].accInputHash;
        if (newAcc == bytes32(0)) revert NewAccInputHashDoesNotExist();

        bytes memory input = abi.encodePacked(
            msg.sender,
            batchNumToStateRoot[initNumBatch],
            oldAcc,
            initNumBatch,
            chainID,
            FORK_ID,
            newStateRoot,
            newAcc,
            newLocalExitRoot,
            finalNewBatch
        );
        uint256[1] memory pub = [uint256(sha256(input)) % _RFIELD];
        if (!verifier.verifyProof(proof, pub)) revert InvalidProof();

        batchNumToStateRoot[finalNewBatch] = newStateRoot;
        lastVerifiedBatch = finalNewBatch;
        globalExitRootManager.updateExitRoot(newLocalExitRoot);
        emit VerifyBatchesTrustedAggregator(finalNewBatch, newStateRoot, msg.sender);
    }

    function setTrustedSequencer(address a) external onlyAdmin {
        trustedSequencer = a;
        emit SetTrustedSequencer(a);
    }

    function setTrustedAggregator(address a) external onlyAdmin {
        trustedAggregator = a;
        emit SetTrustedAggregator(a);
    }

    function setForceBatchTimeout(uint64 t) external onlyAdmin {
        forceBatchTimeout = t;
        emit SetForceBatchTimeout(t);
    }

    function setForceBatchAddress(address a) external onlyAdmin {
        forceBatchAddress = a;
    }
}
