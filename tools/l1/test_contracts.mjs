#!/usr/bin/env node
// The rollup contracts on a real anvil: the L1 info tree against Polygon's
// vectors, sequenceBatches' accInputHash against zkseq's own C (zkseq batch
// acc), every refusal, forced batches with their timeout, and
// verifyBatchesTrustedAggregator.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, bin, vectors } from '../../tests/integ/tap.mjs';
import { startAnvil, deploy, contracts, freePort, ethers, rollupAt, gerAt, DEPLOYER_KEY, AGGREGATOR_KEY } from './devnet-lib.mjs';

const anvil = await startAnvil({ port: await freePort() });
try {
  const provider = new ethers.JsonRpcProvider(anvil.url, undefined, { cacheTimeout: -1, batchMaxCount: 1 });
  const c = contracts();
  const seqKey = ethers.Wallet.createRandom().privateKey;
  const seqWallet = new ethers.NonceManager(new ethers.Wallet(seqKey, provider));
  const seqAddr = await seqWallet.getAddress();
  const genesisRoot = ethers.id('genesis');
  const addrs = await deploy(anvil.url, { sequencer: seqAddr, genesisRoot, forceBatchTimeout: 3600 });
  const rollup = rollupAt(addrs.rollup, seqWallet);
  const ger = gerAt(addrs.globalExitRootManager, provider);

  // Getters after deployment.
  eq(await rollup.lastBatchSequenced(), 0n, 'lastBatchSequenced() starts at 0');
  eq(await rollup.lastVerifiedBatch(), 0n, 'lastVerifiedBatch() starts at 0');
  eq(await rollup.trustedSequencer(), seqAddr, 'trusted sequencer is the one deployed with');
  eq(await ger.depositCount(), 1n, 'the deploy appended one L1 info leaf');
  const root1 = await ger.l1InfoRootMap(1);
  eq(root1, await ger.getRoot(), 'l1InfoRootMap(1) is the current L1 info root');

  // The L1 info tree against Polygon's vectors (through the same library).
  const harnessF = new ethers.ContractFactory(c.L1InfoTreeHarness.abi, c.L1InfoTreeHarness.bytecode,
    new ethers.NonceManager(new ethers.Wallet(DEPLOYER_KEY, provider)));
  const cases = JSON.parse(fs.readFileSync(path.join(vectors, 'polygon/l1-info-tree/l1-info-tree.json'), 'utf8'));
  let treeOk = 0, leafOk = 0, leaves = 0;
  for (const cs of cases) {
    const h = await (await harnessF.deploy()).waitForDeployment();
    for (const l of cs.leafs) {
      const v = await h.leafValue(l.leafData.ger, l.leafData.blockHash, BigInt(l.leafData.timestamp));
      leaves++;
      if (v === l.expectedLeafValue) leafOk++;
      await (await h.appendLeaf(v)).wait();
    }
    if ((await h.root()) === cs.expectedRoot) treeOk++;
  }
  eq(leafOk, leaves, `L1 info leaf values match Polygon's vectors (${leaves})`);
  eq(treeOk, cases.length, `L1 info tree roots match Polygon's vectors (${cases.length} trees)`);

  // sequenceBatches: the accInputHash chain computed by zkseq's C code.
  const coinbase = ethers.getAddress('0x000000000000000000000000000000000000c0fe');
  const batches = [ethers.hexlify(ethers.randomBytes(300)), '0x', ethers.hexlify(ethers.randomBytes(5000))];
  const block = await provider.getBlock('latest');
  const maxTs = BigInt(block.timestamp);
  let acc = ethers.ZeroHash;
  for (const b of batches) {
    const o = JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['batch', 'acc', acc, b, root1, String(maxTs), coinbase]).toString());
    acc = o.accInputHash;
  }
  const bd = batches.map((t) => ({ transactions: t, forcedGlobalExitRoot: ethers.ZeroHash, forcedTimestamp: 0, forcedBlockHashL1: ethers.ZeroHash }));
  const rcpt = await (await rollup.sequenceBatches(bd, 1, maxTs, acc, coinbase)).wait();
  eq(rcpt.status, 1, 'sequenceBatches with zkseq\'s expected accInputHash is mined');
  eq(await rollup.lastBatchSequenced(), 3n, 'three batches sequenced');
  const sb = await rollup.sequencedBatches(3);
  eq(sb[0], acc, 'sequencedBatches(3).accInputHash equals the C computation');
  eq(sb[2], 0n, 'previousLastBatchSequenced is 0');
  eq(await rollup.lastAccInputHash(), acc, 'lastAccInputHash() equals it too');
  const ev = rcpt.logs.map((l) => { try { return rollup.interface.parseLog(l); } catch { return null; } }).find((x) => x && x.name === 'SequenceBatches');
  ok(ev && ev.args.numBatch === 3n && ev.args.l1InfoRoot === root1, 'SequenceBatches(3, l1InfoRoot) emitted');

  // Refusals (each a revert with its own error; nothing changes).
  const one = [bd[0]];
  const accOne = JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['batch', 'acc', acc, batches[0], root1, String(maxTs), coinbase]).toString()).accInputHash;
  async function reverts(p, name, msg) {
    try { await p; ok(false, msg, 'did not revert'); } catch (e) {
      const data = e?.info?.error?.data || e?.data || e?.error?.data;
      let got = e.shortMessage || e.message;
      try { got = rollup.interface.parseError(data).name; } catch { /* not ours */ }
      eq(got, name, msg);
    }
  }
  await reverts(rollup.sequenceBatches.staticCall(one, 1, maxTs, ethers.ZeroHash, coinbase), 'FinalAccInputHashDoesNotMatch', 'a wrong expectedFinalAccInputHash reverts');
  await reverts(rollup.sequenceBatches.staticCall([], 1, maxTs, accOne, coinbase), 'SequenceZeroBatches', 'an empty sequence reverts');
  await reverts(rollup.sequenceBatches.staticCall(one, 0, maxTs, accOne, coinbase), 'L1InfoTreeLeafCountInvalid', 'an L1 info index without a root reverts');
  await reverts(rollup.sequenceBatches.staticCall(one, 1, maxTs + 3600n, accOne, coinbase), 'MaxTimestampSequenceInvalid', 'a maxSequenceTimestamp beyond block time + 36 s reverts');
  const big = [{ ...bd[0], transactions: ethers.hexlify(ethers.randomBytes(120001)) }];
  await reverts(rollup.sequenceBatches.staticCall(big, 1, maxTs, accOne, coinbase), 'TransactionsLengthAboveMax', 'a batch above 120000 bytes reverts');
  const other = rollupAt(addrs.rollup, new ethers.Wallet(DEPLOYER_KEY, provider));
  await reverts(other.sequenceBatches.staticCall(one, 1, maxTs, accOne, coinbase), 'OnlyTrustedSequencer', 'another sender cannot sequence');
  eq(await rollup.lastBatchSequenced(), 3n, 'refusals changed nothing');

  // Forced batches: queued on L1, sequenced by anyone after the timeout.
  const forcer = rollupAt(addrs.rollup, new ethers.NonceManager(new ethers.Wallet(AGGREGATOR_KEY, provider)));
  const ftx = ethers.hexlify(ethers.randomBytes(100));
  const frc = await (await forcer.forceBatch(ftx)).wait();
  const fblock = await provider.getBlock(frc.blockNumber);
  const parent = await provider.getBlock(frc.blockNumber - 1);
  const lastGer = await ger.getLastGlobalExitRoot();
  const forced = { transactions: ftx, forcedGlobalExitRoot: lastGer, forcedTimestamp: fblock.timestamp, forcedBlockHashL1: parent.hash };
  eq(await forcer.lastForceBatch(), 1n, 'forceBatch queued forced batch 1');
  await reverts(forcer.sequenceForceBatches.staticCall([forced]), 'ForceBatchTimeoutNotExpired', 'sequenceForceBatches before the timeout reverts');
  await provider.send('evm_increaseTime', [3601]);
  await provider.send('evm_mine', []);
  const forcerAddr = new ethers.Wallet(AGGREGATOR_KEY).address;
  const accF = JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['batch', 'acc', acc, ftx, lastGer, String(fblock.timestamp), forcerAddr, parent.hash]).toString()).accInputHash;
  const frc2 = await (await forcer.sequenceForceBatches([forced])).wait();
  eq(frc2.status, 1, 'sequenceForceBatches after the timeout is mined');
  eq(await rollup.lastBatchSequenced(), 4n, 'the forced batch is batch 4');
  eq((await rollup.sequencedBatches(4))[0], accF, 'its accInputHash uses the forced fields (C computation)');

  // verifyBatchesTrustedAggregator through the verifier interface.
  const agg = rollupAt(addrs.rollup, new ethers.NonceManager(new ethers.Wallet(AGGREGATOR_KEY, provider)));
  const proof = Array(24).fill(ethers.ZeroHash);
  const newRoot = ethers.id('state after 3');
  await reverts(agg.verifyBatchesTrustedAggregator.staticCall(0, 0, 2, ethers.ZeroHash, newRoot, proof), 'NewAccInputHashDoesNotExist', 'verifying to a batch inside a sequence reverts');
  await reverts(rollup.verifyBatchesTrustedAggregator.staticCall(0, 0, 3, ethers.ZeroHash, newRoot, proof), 'OnlyTrustedAggregator', 'only the trusted aggregator verifies');
  const vr = await (await agg.verifyBatchesTrustedAggregator(0, 0, 3, ethers.id('ler'), newRoot, proof)).wait();
  eq(vr.status, 1, 'verifyBatchesTrustedAggregator 0..3 is mined');
  eq(await rollup.lastVerifiedBatch(), 3n, 'lastVerifiedBatch() is 3');
  eq(await rollup.batchNumToStateRoot(3), newRoot, 'batchNumToStateRoot(3) is the proven root');
  eq(await ger.depositCount(), 2n, 'the new rollup exit root appended an L1 info leaf');
  eq(await ger.lastRollupExitRoot(), ethers.id('ler'), 'lastRollupExitRoot is the verified local exit root');
} finally {
  await anvil.stop();
}
done();
