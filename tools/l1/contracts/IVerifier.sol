// SPDX-License-Identifier: AGPL-3.0
pragma solidity ^0.8.24;

/// @title IVerifierRollup: the proof verifier the rollup calls, as Polygon's.
interface IVerifierRollup {
    function verifyProof(bytes32[24] calldata proof, uint256[1] calldata pubSignals) external view returns (bool);
}

/// @title DevVerifier: accepts every proof.  For the devnet only, where no
/// prover runs; the deploy script says so when it uses it.
contract DevVerifier is IVerifierRollup {
    function verifyProof(bytes32[24] calldata, uint256[1] calldata) external pure returns (bool) {
        return true;
    }
}
