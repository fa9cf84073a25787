#!/usr/bin/env node
// Faults, end to end on anvil, under a steady load of transfers:
//  1. zkseq-fw SIGKILLed 30 times at random moments of its submissions
//     (batches close every 500 ms, so a submission is always under way),
//     10 times posting blobs and 20 times calldata; everything after runs
//     with blobs (the default);
//  2. zkseqd SIGKILLed and restarted on its data directory;
//  3. anvil stopped and restarted from its state file;
//  4. L1 unreachable for a minute (anvil SIGSTOPped: connections hang);
//  5. an L1 reorg (anvil_reorg) right after batches were sequenced;
//  6. backpressure: with a small backlog limit and L1 stopped, new
//     transactions are refused with l1_backlog, and taken again once L1
//     is back;
//  7. a fresh L1 chain (anvil restarted empty, contracts deployed again):
//     the firmware notices L1 lost what it had confirmed and posts it all
//     again from the host's archive.
// After each: every acknowledged transaction is in a block, L1 holds every
// sealed batch exactly once with zkseqd's bytes, and the contract and the
// appliance agree.  At the end the chain replays (zkseq chain verify).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, bin, tempDir } from '../tests/integ/tap.mjs';
import { devKeys } from '../tests/integ/zkseqd.mjs';
import { startAppliance, verifyL1, transferLoad, ethers, rpc, sleep } from '../tests/integ/appliance.mjs';

const cfgDir = tempDir('fwcfg');
const fwCfg = path.join(cfgDir, 'fw.json');
fs.writeFileSync(fwCfg, JSON.stringify({ policy: { max_age_ms: 500 }, poll_ms: 300, stuck_ms: 4000, l1_timeout_ms: 1500 }));
const app = await startAppliance({ name: 'l1faults', fwArgs: ['--config', fwCfg] });
let load;
const rpcPort = await (await import('../tools/l1/devnet-lib.mjs')).freePort();

async function checkAll(what) {
  const st = await app.settle(120000);
  await app.followed(60000);
  const l1 = await verifyL1(app, { follower: true });
  eq(l1.problems, [], `${what}: L1 holds batches 1..${l1.last} exactly once with zkseqd's bytes (${l1.sequences} sequences), and zkseqd's L1 follower has L1's accInputHash and transaction for each`);
  eq(st.accInputHash, await app.rollup.lastAccInputHash(), `${what}: the appliance's accInputHash is the contract's`);
  return { st, l1 };
}

async function allIncluded(hashes, what) {
  let missing = 0;
  for (const h of hashes) {
    const r = (await rpc(app.url, 'eth_getTransactionReceipt', [h])).result;
    if (!r) missing++;
  }
  eq(missing, 0, `${what}: every acknowledged transaction (${hashes.length}) is in a block`);
}

// Waits until the load has had its transactions sequenced (pool drained).
async function drain() {
  await app.waitFor('the pool to drain', async () => {
    const s = (await rpc(app.url, 'zkseq_status')).result;
    return s.pool.total === 0;
  }, 60000);
  await app.waitFor('the open batch to close', async () => {
    const b = (await rpc(app.url, 'zkevm_batchNumber')).result;
    const s = await app.l1Status();
    return s.trustedBatch >= Number(b) ? true : undefined;
  }, 20000).catch(() => {});
}

try {
  await app.startFw();
  await app.startZk(['--rpc-port', String(rpcPort)]);
  load = transferLoad(app, devKeys, { perSecond: 60 });

  // 1. The firmware killed at random points of its submissions.
  // The first 10 with blobs (the default: a boot loads the KZG setup, about
  // 2 s, and each blob waits for the host's KZG work, so they come further
  // apart), the next 20 with calldata; the firmware then boots with blobs
  // again for the rest.
  let kills = 0;
  const t0 = Date.now();
  for (let i = 0; i < 30; i++) {
    await sleep(i < 10 ? 3000 + Math.floor(Math.random() * 2500) : 150 + Math.floor(Math.random() * 1200));
    await app.fw.stop('SIGKILL');
    kills++;
    await app.startFw(i >= 9 && i < 29 ? ['--l1-data', 'calldata'] : []);
  }
  ok(kills === 30, `zkseq-fw SIGKILLed ${kills} times in ${((Date.now() - t0) / 1000).toFixed(0)} s under load`);
  const sentBefore = load.state.sent;
  ok(sentBefore > 500, `the load kept going (${sentBefore} transactions acknowledged)`);
  await load.stop();
  await drain();
  let r = await checkAll('after 30 firmware kills');
  ok(r.l1.sequences >= 10, `many L1 submissions were made around the kills (${r.l1.sequences})`);
  ok(r.l1.blobTxs >= 2 && r.l1.sequences - r.l1.blobTxs >= 2,
    `both kinds went out around the kills (${r.l1.blobTxs} blob transactions, ${r.l1.sequences - r.l1.blobTxs} calldata)`);
  await allIncluded(load.state.hashes, 'after 30 firmware kills');

  // 2. zkseqd killed under load.
  load = transferLoad(app, devKeys, { perSecond: 60 });
  await sleep(2000);
  await app.zk.stop('SIGKILL');
  await app.startZk(['--rpc-port', String(rpcPort)]);
  await sleep(2000);
  await load.stop();
  await drain();
  r = await checkAll('after a zkseqd SIGKILL');
  await allIncluded(load.state.hashes, 'after a zkseqd SIGKILL');

  // 3. anvil restarted from its state file.
  load = transferLoad(app, devKeys, { perSecond: 40 });
  await sleep(1500);
  await app.restartAnvil();
  await sleep(3000);
  await load.stop();
  await drain();
  r = await checkAll('after an anvil restart from its state');

  // 4. L1 unreachable for a minute: sequencing goes on.
  load = transferLoad(app, devKeys, { perSecond: 20 });
  const before = await app.l1Status();
  app.anvil.proc.kill('SIGSTOP');
  await sleep(5000);
  const during = await app.l1Status();
  ok(during.l1Down, 'the firmware reports L1 down');
  await sleep(55000);
  const late = await app.l1Status();
  ok(late.trustedBatch > before.trustedBatch + 10, `sequencing went on without L1 (batches ${before.trustedBatch} -> ${late.trustedBatch})`);
  ok(late.backlog > 10 && !late.backpressure, `the backlog grew (${late.backlog}) below the backpressure limit`);
  app.anvil.proc.kill('SIGCONT');
  await load.stop();
  await drain();
  r = await checkAll('after a minute without L1');
  await allIncluded(load.state.hashes, 'after a minute without L1');
  const txs = await app.provider.getBlock('latest', false);
  ok(txs, 'L1 answers again');

  // 5. An L1 reorg right after a sequence was mined.
  const reorgsBefore = (app.fw.log().match(/L1 reorg|L1 lost confirmed/g) || []).length;
  load = transferLoad(app, devKeys, { perSecond: 40 });
  const lastSeq = Number(await app.rollup.lastBatchSequenced());
  // Once the appliance reports the new sequence as virtual, the blocks that
  // hold it are replaced by empty ones.
  await app.waitFor('a new sequence the appliance reports', async () => (await app.l1Status()).virtualBatch > lastSeq, 20000);
  await app.waitFor('the L1 follower to read it', async () =>
    (await rpc(app.url, 'zkseq_l1Follower')).result.virtualBatch > lastSeq, 20000).catch(() => {});
  const followerReorgs = (await rpc(app.url, 'zkseq_l1Follower')).result.reorgs;
  // anvil's interval miner races anvil_reorg: a block mined as the reorg
  // runs lands in the chain's headers without its effects in the state (its
  // receipt and events answered, the contract and the nonce without it),
  // which no real L1 shows and which the checks below would read as a batch
  // sequenced twice. So the reorg runs with the miner paused. (The firmware
  // survives such a block too: test_fw's test_reorg_ghost_receipt.)
  await app.anvil.send('evm_setIntervalMining', [0]);
  await sleep(300);
  await app.anvil.send('anvil_reorg', [2, []]);
  await app.anvil.setBlockTime(app.blockTime);
  await app.waitFor('the firmware to see the reorg', async () => (app.fw.log().match(/L1 reorg|L1 lost confirmed/g) || []).length > reorgsBefore, 10000)
    .then(() => ok(true, 'the firmware detected the L1 reorg'), () => ok(false, 'the firmware detected the L1 reorg', app.fw.log().slice(-2000)));
  await app.waitFor('zkseqd\'s L1 follower to unwind', async () =>
    (await rpc(app.url, 'zkseq_l1Follower')).result.reorgs > followerReorgs, 10000)
    .then(() => ok(true, 'zkseqd\'s L1 follower unwound the reorged blocks'), () => ok(false, 'zkseqd\'s L1 follower unwound the reorged blocks'));
  await sleep(2000);
  await load.stop();
  await drain();
  r = await checkAll('after an L1 reorg');

  // 6. Backpressure: backlog limit 3, L1 stopped.
  await app.fw.stop('SIGTERM');
  await app.startFw(['--backlog-limit', '3']);
  app.anvil.proc.kill('SIGSTOP');
  load = transferLoad(app, devKeys, { perSecond: 20 });
  await app.waitFor('backpressure', async () => load.state.refused.l1_backlog > 0, 30000)
    .then(() => ok(true, 'with L1 away and the backlog at the limit, new transactions are refused with l1_backlog'),
      () => ok(false, 'backpressure refused transactions', load.state.refused));
  const st6 = await app.l1Status();
  ok(st6.backpressure && st6.backlog >= 3, `zkseq_l1Status shows the backpressure (backlog ${st6.backlog})`);
  const msg = await (async () => {
    const w = new ethers.Wallet(devKeys[0]);
    const raw = await w.signTransaction({ to: w.address, value: 1n, nonce: 999999, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
    return (await rpc(app.url, 'eth_sendRawTransaction', [raw])).error;
  })();
  ok(msg && /waiting for L1/.test(msg.message) && msg.data?.reason === 'l1_backlog', 'the refusal says why (JSON-RPC error with reason l1_backlog)', msg);
  app.anvil.proc.kill('SIGCONT');
  await app.waitFor('backpressure to lift', async () => !(await app.l1Status()).backpressure, 60000);
  const acceptedBefore = load.state.sent;
  await sleep(3000);
  ok(load.state.sent > acceptedBefore, 'transactions are accepted again once the backlog drained');
  await load.stop();
  await drain();
  r = await checkAll('after backpressure');
  await app.fw.stop('SIGTERM');
  await app.startFw();

  // 7. A fresh L1 chain.
  const lastBefore = r.l1.last;
  await app.restartAnvil({ fresh: true });
  eq(Number(await app.rollup.lastBatchSequenced()), 0, 'the fresh chain starts with no batches');
  r = await checkAll('on a fresh L1 chain');
  ok(r.l1.last >= lastBefore, `every batch was posted again to the fresh chain (${r.l1.last})`);
  ok(/L1 lost confirmed batches/.test(app.fw.log()), 'the firmware said L1 lost what it had confirmed');

  // The chain replays from genesis.
  await app.zk.stop('SIGTERM');
  const out = JSON.parse(execFileSync(path.join(bin, 'zkseq'), ['chain', 'verify', '--datadir', app.datadir]).toString());
  ok(out.ok === true && Number(out.closedBatches) >= r.l1.last, `zkseq chain verify replays the chain (${out.blocks} blocks, ${out.closedBatches} batches)`, out);
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
  console.log(`# zkseq-fw log:\n# ${app.fw?.log().split('\n').slice(-40).join('\n# ')}`);
  console.log(`# zkseqd log:\n# ${app.zk?.log().split('\n').slice(-20).join('\n# ')}`);
} finally {
  try { app.anvil?.proc.kill('SIGCONT'); } catch { /* gone */ }
  await load?.stop().catch(() => {});
  await app.stop();
}
done();
