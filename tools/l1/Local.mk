# tools/l1: the rollup contracts (Solidity, compiled by solc-js) and the anvil devnet.
$(call add-integ-test,l1-contracts,test_contracts.mjs)
$(call add-integ-test,l1-blob-contracts,test_blob_contracts.mjs)
