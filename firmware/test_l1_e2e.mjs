#!/usr/bin/env node
// End to end on anvil: zkseqd, zkseq-fw and the rollup contracts.  Wallets
// send transfers with ethers; batches are sealed by the host, journaled
// and posted by the firmware; the contract's last batch and accInputHash
// equal what the appliance reports at every L1 block it reads; L1 holds
// every sealed batch exactly once with zkseqd's bytes; the serial console
// answers under tmux (picocom), refuses a bad command and a change without
// login, and a change made after login reaches the host's policy.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, skip, tempDir } from '../tests/integ/tap.mjs';
import { devKeys, start as startZkseqd } from '../tests/integ/zkseqd.mjs';
import { startAppliance, verifyL1, ethers, rpc, sleep } from '../tests/integ/appliance.mjs';
import { bin } from '../tests/integ/tap.mjs';
import { l2Contracts } from '../tests/integ/l2contracts.mjs';

const pwFile = path.join(tempDir('pw'), 'console.pw');
fs.writeFileSync(pwFile, 'let-me-in\n', { mode: 0o600 });
const app = await startAppliance({ name: 'l1e2e', fwArgs: ['--console-password-file', pwFile] });
const tmuxName = `zkseq-console-${process.pid}`;
let replica;
try {
  await app.startFw();
  await app.startZk();
  const st0 = await app.l1Status();
  ok(st0.firmware === true, 'zkseqd sees the firmware over the mailbox');
  eq(st0.policy.from, 'firmware', 'the batch policy in force is the firmware\'s');

  // After an l1.data change: one more transfer, its batch sealed and posted;
  // the sequence that carries it went as `mode` says.
  const ctl = (...a) => execFileSync(path.join(bin, 'zkseqctl'), ['--port', String(app.zk.mgmtPort), ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  var switchAndSend = async (mode) => {
    await app.waitFor(`the firmware to report l1_data ${mode}`, async () => (await app.l1Status()).l1Data === mode, 5000);
    const w = new ethers.Wallet(devKeys[7], new ethers.JsonRpcProvider(app.url, undefined, { cacheTimeout: -1 }));
    const r = await (await w.sendTransaction({ to: w.address, value: 1n })).wait();
    const b = Number((await rpc(app.url, 'zkevm_batchNumberByBlockNumber', [ethers.toQuantity(r.blockNumber)])).result);
    await app.waitFor(`batch ${b} on L1`, async () => Number(await app.rollup.lastBatchSequenced()) >= b, 30000);
    await app.followed();
    const got = (await rpc(app.url, 'zkevm_getBatchByNumber', [ethers.toQuantity(b), false])).result;
    eq(got.l1DataAvailability, mode, `after l1.data ${mode}: batch ${b} went to L1 as ${mode}`);
    ok(mode === 'blob' ? /^0x01[0-9a-f]{62}$/.test(got.blobVersionedHash) : got.blobVersionedHash === null,
      `zkevm_getBatchByNumber(${b}).blobVersionedHash fits (${got.blobVersionedHash})`);
    const shown = JSON.parse(ctl('batch', 'show', String(b), '--json'));
    ok(shown.l1 && shown.l1.data === mode && shown.l1.tx === got.sendSequencesTxHash &&
       (shown.l1.blob_versioned_hash || null) === got.blobVersionedHash, `zkseqctl batch show ${b}: its L1 data (${mode}), transaction and blob`);
  };

  // Watch: at every L1 head the firmware reports, the contract agrees.
  // The contract's last batch and its accInputHash at block h.
  const contractAt = async (h) => {
    const last = Number(await app.rollup.lastBatchSequenced({ blockTag: h }));
    return { last, acc: (await app.rollup.sequencedBatches(last, { blockTag: h }))[0] };
  };
  const agrees = (s, c) => s.virtualBatch === c.last && s.accInputHash === c.acc;
  let checks = 0, rechecked = 0, mismatches = [], lastHead = 0, watching = true;
  const watcher = (async () => {
    while (watching) {
      const s = await app.l1Status().catch(() => null);
      if (s && s.l1Head > lastHead) {
        lastHead = s.l1Head;
        checks++;
        // anvil, while it mines, can answer calls at its newest block from a
        // state without that block's transactions (the firmware reads an odd
        // answer again: test_fw test_acc_answered_none), and the firmware's
        // reconcile may have read such a state too: when they differ, the
        // contract is read again once settled, and agreeing with any report
        // the appliance gave at that head (it reconciles every 500 ms) passes.
        const first = await contractAt(s.l1Head);
        if (!agrees(s, first)) {
          rechecked++;
          const reports = [s];
          for (let k = 0; k < 18; k++) {
            await sleep(50);
            const a = await app.l1Status().catch(() => null);
            if (!a || a.l1Head !== s.l1Head) break;
            reports.push(a);
          }
          const settled = await contractAt(s.l1Head);
          if (!reports.some((r) => agrees(r, settled)))
            mismatches.push(`at L1 block ${s.l1Head}: contract ${settled.last} ${settled.acc} (first read ${first.last} ${first.acc}), appliance ${reports.map((r) => r.virtualBatch).join('/')} ${s.accInputHash}`);
        }
      }
      await sleep(100);
    }
  })();

  // Wallets: 4 x 50 transfers, each waited for.
  const provider = new ethers.JsonRpcProvider(app.url, undefined, { cacheTimeout: -1 });
  provider.pollingInterval = 100;
  const wallets = devKeys.slice(1, 5).map((k) => new ethers.NonceManager(new ethers.Wallet(k, provider)));
  const sink = ethers.Wallet.createRandom().address;
  const receipts = [];
  await Promise.all(wallets.map(async (w) => {
    for (let i = 0; i < 50; i++) {
      const tx = await w.sendTransaction({ to: sink, value: 1000n });
      receipts.push(await tx.wait());
    }
  }));
  eq(receipts.filter((r) => r.status === 1).length, 200, '200 transfers mined on L2');
  // A contract: an ERC-20 deployed and used; its batches go to L1 like the rest.
  const C = l2Contracts();
  const owner = new ethers.NonceManager(new ethers.Wallet(devKeys[6], provider));
  const token = await new ethers.ContractFactory(C.Token.abi, C.Token.bytecode, owner).deploy('L2 Token', 'L2T', 10n ** 24n);
  receipts.push(await token.deploymentTransaction().wait());
  for (let i = 0; i < 10; i++) receipts.push(await (await token.transfer(sink, 1000n + BigInt(i))).wait());
  ok(receipts.slice(200).every((r) => r.status === 1), 'an ERC-20 deployed and 10 token transfers mined on L2');
  eq(await token.balanceOf(sink), 10045n, 'the recipient holds the 10 transfers\' tokens');
  // The batch holding the last transfer closes by age, then goes to L1.
  const lastBlock = Math.max(...receipts.map((r) => r.blockNumber));
  const lastBatch = Number((await rpc(app.url, 'zkevm_batchNumberByBlockNumber', [ethers.toQuantity(lastBlock)])).result);
  await app.waitFor('the last transfer\'s batch to be sealed', async () => (await app.l1Status()).trustedBatch >= lastBatch, 20000);
  const st = await app.settle();
  ok(st.trustedBatch >= 2, `batches sealed and posted (${st.trustedBatch})`);
  const l1 = await verifyL1(app);
  eq(l1.problems, [], `L1 holds batches 1..${l1.last} exactly once, with zkseqd's bytes and accInputHash chain (${l1.sequences} sequences, ${l1.blobTxs} of them blob transactions)`);
  ok(l1.blobTxs > 0 && l1.blobTxs === l1.sequences, 'by default every sequence went to L1 in blobs (l1_data = blob)');
  eq(l1.last, st.trustedBatch, 'the contract\'s last batch is the appliance\'s last sealed batch');
  await app.followed();
  eq((await rpc(app.url, 'zkevm_virtualBatchNumber')).result, ethers.toQuantity(l1.last), 'zkevm_virtualBatchNumber follows L1 (zkseqd\'s own L1 follower)');
  eq(st.accInputHash, await app.rollup.lastAccInputHash(), 'the appliance\'s accInputHash is the contract\'s');
  let inVirtual = 0;
  for (const r of receipts) {
    const b = (await rpc(app.url, 'zkevm_batchNumberByBlockNumber', [ethers.toQuantity(r.blockNumber)])).result;
    if (Number(b) <= l1.last) inVirtual++;
  }
  eq(inVirtual, 211, 'every transfer, the deployment and the token transfers are in batches on L1');
  // Some L1 blocks pass with nothing new, then the watcher stops.
  await sleep(2500);
  watching = false;
  await watcher;
  eq(mismatches, [], `contract and appliance agree at every L1 head read (${checks} heads, ${rechecked} read again once settled)`);
  ok(checks >= 5, 'the check ran at many L1 blocks');
  const l1Blocks = await app.provider.getBlockNumber();
  ok(l1Blocks > 5, `L1 kept mining (${l1Blocks} blocks)`);

  // The console under tmux, through picocom on the board's pseudo-terminal.
  const consolePath = fs.readFileSync(path.join(app.fwDir, 'console'), 'utf8').trim();
  const tmux = (...a) => spawnSync('tmux', a, { encoding: 'utf8' });
  if (tmux('-V').status !== 0 || spawnSync('picocom', ['--help']).error) {
    ok(false, 'tmux and picocom are installed (tools/bootstrap)');
  } else {
    tmux('new-session', '-d', '-s', tmuxName, '-x', '200', '-y', '50', `picocom -q --omap crlf ${consolePath}`);
    const screen = () => tmux('capture-pane', '-p', '-t', tmuxName, '-S', '-200').stdout;
    const say = async (line, expect, msg) => {
      tmux('send-keys', '-t', tmuxName, '-l', line);
      tmux('send-keys', '-t', tmuxName, 'Enter');
      const t0 = Date.now();
      while (!expect.test(screen()) && Date.now() - t0 < 5000) await sleep(50);
      ok(expect.test(screen()), msg, screen().split('\n').slice(-12).join('\n'));
    };
    await sleep(300);
    await say('status', /batches: sealed \d+\s+virtual \d+/, 'console: status answers');
    await say('l1', /pending L1 transactions: \d+/, 'console: l1 shows the endpoint and pending transactions');
    await say('key address', new RegExp(app.sequencer), 'console: key address is the sequencer address');
    await say('frobnicate', /error: unknown command 'frobnicate'/, 'console: a bad command gets a clear error');
    await say('policy set max_age_ms 1500', /error: login first/, 'console: a change without login is refused');
    await say('login nope', /error: wrong password/, 'console: a wrong password is refused');
    ok(!/login nope/.test(screen()), 'console: the password is not echoed');
    await sleep(2100); // the login rate limit
    await say('login let-me-in', /ok: logged in/, 'console: login');
    await say('policy set max_age_ms 1500', /ok: max_age_ms = 1500/, 'console: a change after login is taken');
    await app.waitFor('the host to apply the new policy', async () => {
      const s = await app.l1Status();
      return s.policy.maxAgeMs === 1500;
    }, 5000).then(() => ok(true, 'the new batch age reached the host\'s policy'), (e) => ok(false, String(e)));
    // l1.data live: calldata from the console, the next batch goes as calldata.
    await say('l1 data calldata', /ok: l1 data = calldata/, 'console: l1 data calldata (after login)');
    await say('l1', /data: calldata/, 'console: l1 shows the data mode');
    tmux('kill-session', '-t', tmuxName);
    await switchAndSend('calldata');
  }
  // ... and back to blobs through zkseqctl (the host asks the firmware).
  const set = JSON.parse(ctl('config', 'set', 'l1.data', 'blob', '--json'));
  eq(set.applied_by, 'firmware', 'zkseqctl config set l1.data blob: applied by the firmware');
  await switchAndSend('blob');
  let bad = null;
  try { ctl('config', 'set', 'l1.data', 'carrier-pigeon'); } catch (e) { bad = e; }
  ok(bad && /want blob, calldata or auto/.test(String(bad.stderr)), 'an unknown l1.data is refused with the choices', String(bad?.stderr));
  const l1s = ctl('l1', 'status');
  ok(/data: {6}blob; blobs available, \d+ blob transactions/.test(l1s), 'zkseqctl l1 status shows the data mode and the blob counts', l1s);
  const metrics = await (await fetch(`http://127.0.0.1:${app.zk.metricsPort}/metrics`)).text();
  ok(/zkseq_l1_data_mode 1/.test(metrics) && /zkseq_kzg_blobs_total [1-9]/.test(metrics),
    'metrics: zkseq_l1_data_mode and zkseq_kzg_blobs_total');

  const l1b = await verifyL1(app, { follower: true });
  eq(l1b.problems, [], `after the switches L1 still holds every batch once (${l1b.sequences} sequences, ${l1b.blobTxs} in blobs)`);

  // A read replica following the appliance's stream and L1 says what the
  // sequencer says about every batch L1 holds.
  replica = await startZkseqd({ datadir: path.join(app.dir, 'replica'), args: ['--replica', '--stream',
    `127.0.0.1:${app.zk.streamPort}`, '--sequencer-rpc', app.url, '--l1-rpc', app.anvil.url, '--l1-rollup',
    app.addrs.rollup, '--l1-start-block', String(app.addrs.deployBlock)] });
  const lastSeq = Number(await app.rollup.lastBatchSequenced());
  await app.waitFor('the replica to follow the chain and L1', async () => {
    const [h, hs, f] = await Promise.all([rpc(replica.url, 'eth_blockNumber'), rpc(app.url, 'eth_blockNumber'),
      rpc(replica.url, 'zkseq_l1Follower')]);
    return h.result === hs.result && f.result?.virtualBatch >= lastSeq ? true : undefined;
  }, 60000);
  const fields = ['accInputHash', 'stateRoot', 'batchL2Data', 'sendSequencesTxHash', 'l1InfoRoot',
    'l1DataAvailability', 'blobVersionedHash', 'verifyBatchTxHash', 'globalExitRoot', 'timestamp'];
  const differ = [];
  for (let b = 1; b <= lastSeq; b++) {
    const [x, y] = await Promise.all([rpc(app.url, 'zkevm_getBatchByNumber', [ethers.toQuantity(b), false]),
      rpc(replica.url, 'zkevm_getBatchByNumber', [ethers.toQuantity(b), false])]);
    for (const k of fields) if (JSON.stringify(x.result?.[k]) !== JSON.stringify(y.result?.[k])) differ.push(`${b}.${k}`);
  }
  eq(differ, [], `a read replica following the stream and L1: zkevm_getBatchByNumber 1..${lastSeq} as the sequencer has them (L1's accInputHash, sendSequencesTxHash, blob)`);
  const vb = [await rpc(app.url, 'zkevm_virtualBatchNumber'), await rpc(replica.url, 'zkevm_virtualBatchNumber')];
  eq(vb[1].result, vb[0].result, `... and the same virtual batch number (${Number(vb[0].result)})`);
  const head = (await rpc(app.url, 'eth_blockNumber')).result;
  const virt = [await rpc(app.url, 'zkevm_isBlockVirtualized', [head]), await rpc(replica.url, 'zkevm_isBlockVirtualized', [head])];
  eq(virt[1].result, virt[0].result, `... zkevm_isBlockVirtualized(${Number(head)}) agrees (${virt[0].result})`);
  await replica.stop();

  // Clean stops.
  const zkExit = await app.zk.stop('SIGTERM');
  eq(zkExit.code, 0, 'zkseqd stops cleanly on SIGTERM');
  const fwExit = await app.fw.stop('SIGTERM');
  eq(fwExit.code, 0, 'zkseq-fw stops cleanly on SIGTERM');
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
  console.log(`# zkseq-fw log:\n# ${app.fw?.log().split('\n').slice(-30).join('\n# ')}`);
  console.log(`# zkseqd log:\n# ${app.zk?.log().split('\n').slice(-30).join('\n# ')}`);
  if (replica && replica.proc.exitCode === null && replica.proc.signalCode === null) console.log(`# replica status: ${JSON.stringify(JSON.parse(execFileSync(path.join(bin, 'zkseqctl'), ['--port', String(replica.mgmtPort), 'status', '--json']).toString()).replica)}`);
  if (replica) console.log(`# replica log:\n# ${replica.log().split("\n").join("\n# ")}`);
} finally {
  spawnSync('tmux', ['kill-session', '-t', tmuxName]);
  await replica?.stop();
  await app.stop();
}
done();
