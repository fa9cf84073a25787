#!/usr/bin/env node
// The host's L1 follower against a real L1 (anvil) with the whole appliance
// (zkseq-fw posting, zkseqd following L1 on its own connection):
//  1. every batch L1 holds: zkevm_getBatchByNumber's accInputHash is the
//     chain recomputed here from the sequences' calldata (the contract's at
//     every sequence's last batch), sendSequencesTxHash the L1 transaction,
//     l1InfoRoot the root the sequence used;
//  2. a new global exit root on L1 (the manager's update path, as a bridge
//     deposit makes it) reaches L2: an L2 block names its leaf, the L2 global
//     exit root manager's storage maps it to its L1 block hash,
//     zkevm_getExitRootsByGER and zkevm_getLatestGlobalExitRoot answer, and
//     the sequence carrying it is accepted by the contract;
//  3. an L1 reorg drops a leaf before it was deep enough: the follower drops
//     it and no L2 block ever names it; the batches stay right;
//  4. zkseqd SIGKILLed and restarted: the follower resumes from its records;
//  5. the trusted aggregator verifies on L1: verifyBatchTxHash, the verified
//     batch, consolidated blocks; once L1's safe and finalized blocks pass
//     them, the safe and finalized tags follow; the chain, leaves included,
//     replays (zkseq chain verify).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, bin } from '../../tests/integ/tap.mjs';
import { devKeys } from '../../tests/integ/zkseqd.mjs';
import { startAppliance, verifyL1, l1Sequence, transferLoad, ethers, rpc, sleep } from '../../tests/integ/appliance.mjs';
import { DEPLOYER_KEY, AGGREGATOR_KEY, rollupAt } from '../../tools/l1/devnet-lib.mjs';

const GER_L2 = '0xa40D5f56745a118D0906a34E69aeC8C0Db1cB8fA';
const CONFIRMATIONS = 3;
const app = await startAppliance({ name: 'l1follow' });
const call = async (method, params) => (await rpc(app.url, method, params)).result;
const follower = () => call('zkseq_l1Follower');

// What L1 says of each batch, recomputed here from the events and the
// sequences' calldata or blobs (appliance.mjs reads both).
async function l1Batches() {
  const out = new Map();
  let acc = ethers.ZeroHash;
  for (const ev of await app.rollup.queryFilter('SequenceBatches', app.addrs.deployBlock)) {
    const tx = await app.provider.getTransaction(ev.transactionHash);
    const { batches, coinbase } = await l1Sequence(app, tx);
    const first = Number(ev.args.numBatch) - batches.length + 1;
    batches.forEach((b, i) => {
      acc = ethers.solidityPackedKeccak256(['bytes32', 'bytes32', 'bytes32', 'uint64', 'address', 'bytes32'],
        [acc, b.hash, b.root, b.ts, coinbase, ethers.ZeroHash]);
      out.set(first + i, { acc, tx: ev.transactionHash, root: b.root, last: Number(ev.args.numBatch), vh: b.vh });
    });
  }
  return out;
}

async function checkBatches(when) {
  const l1 = await l1Batches();
  const bad = [];
  for (const [n, want] of l1) {
    const b = await call('zkevm_getBatchByNumber', [ethers.toQuantity(n)]);
    if (!b || b.accInputHash !== want.acc) bad.push(`batch ${n}: accInputHash ${b?.accInputHash}, L1's ${want.acc}`);
    if (!b || b.sendSequencesTxHash !== want.tx) bad.push(`batch ${n}: sendSequencesTxHash ${b?.sendSequencesTxHash}, L1's ${want.tx}`);
    if (!b || b.l1InfoRoot !== want.root) bad.push(`batch ${n}: l1InfoRoot ${b?.l1InfoRoot}, L1's ${want.root}`);
    if (!b || b.l1DataAvailability !== (want.vh ? 'blob' : 'calldata') || b.blobVersionedHash !== (want.vh || null))
      bad.push(`batch ${n}: ${b?.l1DataAvailability} ${b?.blobVersionedHash}, L1's ${want.vh || 'calldata'}`);
    if (n === want.last && (await app.rollup.sequencedBatches(n))[0] !== want.acc) bad.push(`batch ${n}: the contract disagrees`);
  }
  eq(bad, [], `${when}: every batch L1 holds (${l1.size}) has L1's accInputHash, l1InfoRoot, sendSequencesTxHash and blob`);
  return l1;
}

// A global exit root update from the "bridge" (the devnet's deployer).
async function newExitRoot(label) {
  const bridge = new ethers.Wallet(DEPLOYER_KEY, app.provider);
  const root = ethers.id(label);
  const rcpt = await (await app.ger.connect(bridge).updateExitRoot(root)).wait();
  const ger = ethers.solidityPackedKeccak256(['bytes32', 'bytes32'], [root, await app.ger.lastRollupExitRoot()]);
  const l1Block = await app.provider.getBlock(rcpt.blockNumber);
  return { root, ger, rcpt, blockHash: l1Block.parentHash, l1Block };
}

const gerSlot = (ger) => ethers.keccak256(ethers.concat([ger, ethers.zeroPadValue('0x00', 32)]));

// The L2 blocks from `from` to the head that name `ger`.
async function blocksNaming(ger, from) {
  const head = Number(await call('eth_blockNumber'));
  const found = [];
  for (let n = from; n <= head; n++) {
    const b = await call('eth_getBlockByNumber', [ethers.toQuantity(n), false]);
    if (b && b.globalExitRoot === ger) found.push(n);
  }
  return found;
}

let load;
try {
  const cfg = path.join(app.dir, 'follow.json');
  fs.writeFileSync(cfg, JSON.stringify({ l1: { rpc_url: app.anvil.url, rollup: app.addrs.rollup,
    start_block: app.addrs.deployBlock, poll_ms: 200, info_confirmations: CONFIRMATIONS } }));
  await app.startFw();
  await app.startZk(['--config', cfg]);
  ok(/following L1 at http/.test(app.zk.log()), 'zkseqd says it follows L1');
  const f0 = await app.waitFor('the follower to read L1', async () => {
    const f = await follower();
    return f && f.readTo >= app.addrs.deployBlock && f.leaves >= 1 ? f : undefined;
  }, 20000);
  ok(f0.enabled && f0.up && f0.error === '', 'the follower reads L1', f0);
  eq(f0.leaves, 1, 'it holds the L1 info tree\'s first leaf (the deployment\'s)');

  // 1. Transfers; every batch L1 holds as L1 has it.
  load = transferLoad(app, devKeys.slice(1, 4), { perSecond: 20 });
  await sleep(4000);
  await app.settle();
  await app.waitFor('the follower to read the last sequence', async () =>
    (await follower()).virtualBatch === Number(await app.rollup.lastBatchSequenced()), 20000);
  await checkBatches('after transfers');
  // The load goes on, so L1 may sequence another batch between two reads:
  // wait for a moment when JSON-RPC, the follower and the contract agree.
  const agree = await app.waitFor('zkevm_virtualBatchNumber, the follower and L1 to agree', async () => {
    const l1 = Number(await app.rollup.lastBatchSequenced());
    const rpcSays = await call('zkevm_virtualBatchNumber');
    const f = await follower();
    return rpcSays === ethers.toQuantity(l1) && f.virtualBatch === l1 && l1 === Number(await app.rollup.lastBatchSequenced()) ? l1 : undefined;
  }, 20000).catch(() => undefined);
  ok(agree !== undefined, 'zkevm_virtualBatchNumber is what the follower read, and L1 holds', agree);

  // 2. A new global exit root reaches L2.
  const head0 = Number(await call('eth_blockNumber'));
  const u = await newExitRoot('zkseq test: a deposit on L1');
  const t0 = Date.now();
  const named = await app.waitFor('an L2 block to name the new leaf', async () => {
    const f = await blocksNaming(u.ger, head0 + 1);
    return f.length ? f : undefined;
  }, 30000);
  const secs = (Date.now() - t0) / 1000;
  eq(named.length, 1, `one L2 block (${named[0]}) names the new leaf, ${secs.toFixed(1)} s after the update (${CONFIRMATIONS} L1 blocks deep)`);
  const blk = await call('eth_getBlockByNumber', [ethers.toQuantity(named[0]), false]);
  ok(Number(blk.timestamp) >= u.l1Block.timestamp, 'the block is not older than its leaf (fork 12\'s rule)');
  eq(await call('eth_getStorageAt', [GER_L2, gerSlot(u.ger), ethers.toQuantity(named[0])]), u.blockHash,
    'the L2 global exit root manager maps the GER to its L1 block hash');
  eq(await call('eth_getStorageAt', [GER_L2, gerSlot(u.ger), ethers.toQuantity(named[0] - 1)]), ethers.ZeroHash,
    'and did not before that block');
  const roots = await call('zkevm_getExitRootsByGER', [u.ger]);
  ok(roots && roots.mainnetExitRoot === u.root && roots.rollupExitRoot === ethers.ZeroHash &&
     Number(roots.blockNumber) === u.rcpt.blockNumber, 'zkevm_getExitRootsByGER answers from L1', roots);
  eq(await call('zkevm_getLatestGlobalExitRoot'), u.ger, 'zkevm_getLatestGlobalExitRoot is the new one');
  eq(await call('zkevm_getExitRootsByGER', [ethers.id('no such root')]), null, 'an unknown GER gives null');
  const gbatch = Number(await call('zkevm_batchNumberByBlockNumber', [ethers.toQuantity(named[0])]));
  await app.waitFor('the batch naming the leaf to be on L1', async () =>
    Number(await app.rollup.lastBatchSequenced()) >= gbatch && (await follower()).virtualBatch >= gbatch, 60000);
  const gb = await call('zkevm_getBatchByNumber', [ethers.toQuantity(gbatch)]);
  ok(gb.globalExitRoot === u.ger && gb.mainnetExitRoot === u.root, 'its batch shows the global exit root and its mainnet exit root', gb);
  await checkBatches('after the leaf (the contract accepted the sequence naming it)');

  // 3. A reorg drops a leaf before it is deep enough.
  const before = await follower();
  const head1 = Number(await call('eth_blockNumber'));
  const r = await newExitRoot('zkseq test: a deposit L1 will drop');
  await app.waitFor('the follower to read the doomed leaf', async () => (await follower()).leaves === before.leaves + 1, 5000)
    .catch(() => {});
  const depth = (await app.provider.getBlockNumber()) - r.rcpt.blockNumber + 1;
  await app.anvil.send('anvil_reorg', [depth, []]);
  const after = await app.waitFor('the follower to unwind', async () => {
    const f = await follower();
    return f.reorgs > before.reorgs && f.leaves === before.leaves ? f : undefined;
  }, 15000);
  ok(after.reorgs >= 1, `the follower saw the reorg (${depth} L1 blocks) and dropped the leaf`, after);
  await sleep(6000); /* longer than the leaf would need to become deep enough */
  eq(await blocksNaming(r.ger, head1 + 1), [], 'no L2 block names the dropped leaf');
  eq(await call('eth_getStorageAt', [GER_L2, gerSlot(r.ger), 'latest']), ethers.ZeroHash, 'its GER never reached L2');
  eq(await call('zkevm_getExitRootsByGER', [r.ger]), null, 'zkevm_getExitRootsByGER does not know it');
  await app.settle();
  await app.waitFor('the follower to catch up after the reorg', async () =>
    (await follower()).virtualBatch === Number(await app.rollup.lastBatchSequenced()), 30000);
  await checkBatches('after the reorg');

  // 4. Restart: the follower resumes from its records.
  const f1 = await follower();
  await app.zk.stop('SIGKILL');
  await app.startZk(['--config', cfg]);
  const f2 = await app.waitFor('the follower after a restart', async () => {
    const f = await follower();
    return f && f.polls > 0 && f.readTo >= f1.readTo ? f : undefined;
  }, 20000);
  ok(f2.leaves === f1.leaves && f2.virtualBatch >= f1.virtualBatch, 'after SIGKILL and restart it resumes from its records', { f1, f2 });
  await load.stop();
  load = null;
  await app.settle();
  await app.waitFor('the follower to read the last sequence', async () =>
    (await follower()).virtualBatch === Number(await app.rollup.lastBatchSequenced()), 30000);
  const l1 = await verifyL1(app);
  eq(l1.problems, [], `L1 holds batches 1..${l1.last} exactly once with zkseqd's bytes`);
  await checkBatches('at the end');
  eq((await follower()).accMismatches, 0, 'the follower never computed an accInputHash the contract does not hold');

  // 5. Verified on L1, then L1's safe and finalized blocks pass.
  const agg = rollupAt(app.addrs.rollup, new ethers.Wallet(AGGREGATOR_KEY, app.provider));
  const vb = l1.last;
  const vbatch = await call('zkevm_getBatchByNumber', [ethers.toQuantity(vb)]);
  const vr = await (await agg.verifyBatchesTrustedAggregator(0, 0, vb, ethers.ZeroHash, vbatch.stateRoot,
    Array(24).fill(ethers.ZeroHash))).wait();
  await app.waitFor('the follower to read the verification', async () => (await follower()).verifiedBatch === vb, 20000);
  eq(await call('zkevm_verifiedBatchNumber'), ethers.toQuantity(vb), 'zkevm_verifiedBatchNumber follows L1');
  const vtx = [];
  for (let n = 1; n <= vb; n++) vtx.push((await call('zkevm_getBatchByNumber', [ethers.toQuantity(n)])).verifyBatchTxHash);
  ok(vtx.every((h) => h === vr.hash), `batches 1..${vb} name the verifying L1 transaction`, vtx);
  const lastBlock = Number(vbatch.blocks.length ? (await call('eth_getBlockByHash', [vbatch.blocks.at(-1), false])).number : 0);
  eq(await call('zkevm_isBlockConsolidated', [ethers.toQuantity(lastBlock)]), true, 'its last block is consolidated');
  eq(await call('eth_getBlockByNumber', ['finalized', false]).then((b) => b.number), '0x0',
    'the finalized tag waits for L1 to finalize the verification');
  await app.anvil.send('anvil_mine', [70]);
  await app.waitFor('L1\'s finalized block to pass the verification', async () => (await follower()).finalizedBatch === vb, 20000);
  eq((await call('eth_getBlockByNumber', ['finalized', false])).number, ethers.toQuantity(lastBlock),
    'the finalized tag is the last block of the last batch verified at L1\'s finalized block');
  const fsafe = await follower();
  ok(fsafe.safeBatch >= vb, `the safe batch (${fsafe.safeBatch}) is virtual at L1's safe block ${fsafe.l1.safe}`);
  eq((await call('zkevm_getBatchByNumber', ['safe'])).number, ethers.toQuantity(fsafe.safeBatch), 'zkevm_getBatchByNumber("safe")');
  await app.zk.stop('SIGTERM');
  const v = JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['chain', 'verify', '--datadir', app.datadir]).toString());
  ok(v.ok === true, `zkseq chain verify replays the chain with its L1 info leaves (${v.blocks} blocks)`, v);
} finally {
  if (load) await load.stop();
  await app.stop();
}
done();
