#!/usr/bin/env node
// Forced batches end to end on anvil: L1 users call forceBatch on the rollup
// contract; nobody operates the appliance.  zkseqd's L1 follower reads each
// ForceBatch (the transactions from the forceBatch calldata, as an EOA's
// event carries none), the sequencer runs it as a batch of its own once it
// is deep enough (Polygon's processor rules: the forced timestamp, global
// exit root and L1 block hash; a transaction whose sender lacks funds or
// that is of another chain skipped; a batch that does not decode thrown
// away with the state left as it was), and the firmware sequences it in
// order, checking it against the contract's forcedBatches entry first; a
// forced batch an L1 reorg drops before it is deep enough never runs.
// The contract agrees (lastForceBatchSequenced, accInputHash), transfers
// go on around the forced batches, and the chain replays.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, bin } from '../tests/integ/tap.mjs';
import { devKeys } from '../tests/integ/zkseqd.mjs';
import { startAppliance, verifyL1, transferLoad, ethers, rpc, sleep } from '../tests/integ/appliance.mjs';

const app = await startAppliance({ name: 'l1forced' });
const call = async (method, params) => (await rpc(app.url, method, params)).result;
const encodeBatch = (raws) => JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['tx', 'encode-batch', ...raws]).toString()).batchL2Data;

// A forced batch from an L1 account (not the sequencer, not the operator).
const forcer = new ethers.Wallet(devKeys[4], app.provider);
async function force(data) {
  const rcpt = await (await app.rollup.connect(forcer).forceBatch(data)).wait();
  const ev = rcpt.logs.map((l) => app.rollup.interface.parseLog(l)).find((e) => e && e.name === 'ForceBatch');
  forced.push({ ev, block: await app.provider.getBlock(rcpt.blockNumber) });
  return Number(ev.args.forceBatchNum);
}
const forced = [];

// The L2 batch that holds forced batch n.
async function forcedBatch(n) {
  const last = Number(await call('zkevm_batchNumber'));
  for (let b = last; b >= 1; b--) {
    const x = await call('zkevm_getBatchByNumber', [ethers.toQuantity(b), true]);
    if (x && x.forcedBatchNumber === ethers.toQuantity(n)) return x;
  }
  return undefined;
}

let load;
try {
  const cfg = path.join(app.dir, 'follow.json');
  fs.writeFileSync(cfg, JSON.stringify({ l1: { rpc_url: app.anvil.url, rollup: app.addrs.rollup,
    start_block: app.addrs.deployBlock, poll_ms: 200, info_confirmations: 2 } }));
  await app.startFw();
  await app.startZk(['--config', cfg]);
  load = transferLoad(app, devKeys.slice(1, 3), { perSecond: 10 });

  // Forced batch 1: a transfer that runs, and one whose sender has nothing.
  const l2 = new ethers.JsonRpcProvider(app.url, undefined, { cacheTimeout: -1 });
  const rich = new ethers.Wallet(devKeys[8]);
  const poor = ethers.Wallet.createRandom();
  const to = ethers.Wallet.createRandom().address;
  const nonce = await l2.getTransactionCount(rich.address, 'pending');
  const txOk = await rich.signTransaction({ to, value: 1234n, nonce, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
  const txPoor = await poor.signTransaction({ to, value: 1n, nonce: 0, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
  const txOtherChain = await rich.signTransaction({ to, value: 7n, nonce: nonce + 1, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1002n, type: 0 });
  const data1 = encodeBatch([txOk, txPoor, txOtherChain]);
  const n1 = await force(data1);
  eq(n1, 1, 'an L1 user forced batch 1 (a funded transfer, an unfunded one, one of another chain)');
  const b1 = await app.waitFor('forced batch 1 on L2', () => forcedBatch(1), 60000);
  const hOk = ethers.keccak256(txOk);
  const rOk = await call('eth_getTransactionReceipt', [hOk]);
  ok(rOk && rOk.status === '0x1', 'the funded transfer ran on L2', rOk);
  eq(await call('eth_getBalance', [to, 'latest']), ethers.toQuantity(1234n), 'its recipient holds the value');
  eq(await call('eth_getTransactionReceipt', [ethers.keccak256(txPoor)]), null, 'the unfunded one was skipped (no receipt)');
  eq(await call('eth_getTransactionReceipt', [ethers.keccak256(txOtherChain)]), null, 'the other chain\'s one was skipped');
  eq(b1.batchL2Data, data1, 'the batch holds L1\'s data, whole');
  ok(b1.closed && b1.blocks.length === 1 && b1.transactions.length === 1 && b1.transactions[0].hash === hOk,
    'one block with the transaction that ran', b1);
  const blk1 = b1.blocks[0]; // full objects: the batch was asked for with its transactions
  eq(blk1.globalExitRoot, forced[0].ev.args.lastGlobalExitRoot, 'the block carries the forced global exit root');
  ok(Number(blk1.timestamp) >= forced[0].block.timestamp, 'its timestamp is not before the forced timestamp');
  eq(forced[0].ev.args.transactions, '0x', 'an EOA\'s ForceBatch event carries no data: the follower read the calldata');

  // Forced batch 2: bytes that do not decode; then 3: the chain goes on.
  const before2 = await call('eth_getBlockByNumber', ['latest', false]);
  const n2 = await force('0x0b0000000100000000ee');
  const b2 = await app.waitFor('forced batch 2 on L2', () => forcedBatch(n2), 60000);
  ok(b2.closed && b2.blocks.length === 0 && b2.transactions.length === 0, 'the malformed forced batch is sequenced with no block', b2);
  const prev2 = await call('zkevm_getBatchByNumber', [ethers.toQuantity(Number(b2.number) - 1), false]);
  eq(b2.stateRoot, prev2.stateRoot, 'and leaves the state root as it was (Polygon throws the batch away)');
  ok(Number((await call('eth_getBlockByNumber', ['latest', false])).number) >= Number(before2.number),
    'the chain is unharmed');
  const txNext = await rich.signTransaction({ to, value: 1n, nonce: nonce + 1, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
  const n3 = await force(encodeBatch([txNext]));
  await app.waitFor('forced batch 3 on L2', () => forcedBatch(n3), 60000);
  eq((await call('eth_getTransactionReceipt', [ethers.keccak256(txNext)]))?.status, '0x1', 'a third forced batch runs after the invalid one');

  // An L1 reorg drops a forced batch before it is deep enough: it never
  // runs; the next one L1 queues takes its number and runs.
  const txGone = await rich.signTransaction({ to, value: 5n, nonce: nonce + 2, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
  const reorgs0 = (await call('zkseq_l1Follower')).reorgs;
  const nGone = await force(encodeBatch([txGone]));
  const goneBlock = forced.at(-1).block.number;
  await app.waitFor('the follower to read the forced batch', async () => (await call('zkseq_l1Follower')).forcedBatches === nGone, 5000)
    .catch(() => {});
  await app.anvil.send('anvil_reorg', [(await app.provider.getBlockNumber()) - goneBlock + 1, []]);
  eq(Number(await app.rollup.lastForceBatch()), n3, `anvil_reorg dropped forced batch ${nGone} from L1`);
  await sleep(5000); /* longer than it would take to become deep enough and run */
  eq(await call('eth_getTransactionReceipt', [ethers.keccak256(txGone)]), null, 'the dropped forced batch never ran on L2');
  eq(await forcedBatch(nGone), undefined, 'and no L2 batch carries it');
  const txAgain = await rich.signTransaction({ to, value: 6n, nonce: nonce + 2, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
  const nAgain = await force(encodeBatch([txAgain]));
  eq(nAgain, nGone, `the next forced batch L1 queues is number ${nGone} again`);
  const bAgain = await app.waitFor('the new forced batch on L2', () => forcedBatch(nAgain), 60000);
  ok(bAgain.batchL2Data === encodeBatch([txAgain]) && (await call('eth_getTransactionReceipt', [ethers.keccak256(txAgain)]))?.status === '0x1',
    'it runs with its own data');
  ok((await call('zkseq_l1Follower')).reorgs > reorgs0, 'the follower had read it and unwound the reorg');

  // L1: every forced batch sequenced by the firmware, in order, and the contract agrees.
  await app.waitFor('the firmware to sequence the forced batches', async () =>
    Number(await app.rollup.lastForceBatchSequenced()) === nAgain, 90000);
  ok(true, `lastForceBatchSequenced is ${nAgain}: the firmware sequenced them, nobody else did`);
  await load.stop();
  load = null;
  await app.settle();
  const l1 = await verifyL1(app);
  eq(l1.problems, [], `L1 holds batches 1..${l1.last} once each with zkseqd's bytes; the accInputHash chain (forced fields included) is the contract's`);
  await app.waitFor('the follower to read the last sequence', async () =>
    (await call('zkseq_l1Follower')).virtualBatch >= l1.last, 30000); /* a later sequence may land meanwhile */
  const last = await call('zkevm_getBatchByNumber', [ethers.toQuantity(l1.last)]);
  eq(last.accInputHash, (await app.rollup.sequencedBatches(l1.last))[0], 'zkevm_getBatchByNumber\'s accInputHash is the contract\'s');
  const vb = await call('zkevm_getBatchByNumber', [b2.number]);
  ok(vb.sendSequencesTxHash && vb.forcedBatchNumber === ethers.toQuantity(2), 'the invalid forced batch is virtual too', vb);

  // The chain replays, forced blocks included.
  await app.zk.stop('SIGTERM');
  const v = JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['chain', 'verify', '--datadir', app.datadir]).toString());
  ok(v.ok === true, `zkseq chain verify replays the chain (${v.blocks} blocks, ${v.closedBatches} batches)`, v);
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
  console.log(`# zkseq-fw log:\n# ${app.fw?.log().split('\n').slice(-30).join('\n# ')}`);
  console.log(`# zkseqd log:\n# ${app.zk?.log().split('\n').slice(-30).join('\n# ')}`);
} finally {
  if (load) await load.stop();
  await app.stop();
}
done();
