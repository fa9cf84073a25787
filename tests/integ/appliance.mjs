// The whole appliance for end-to-end tests: anvil with the rollup contracts
// (tools/l1), zkseq-fw on the sim board, and zkseqd linked to it through
// the mailbox; helpers to kill and restart each part, and the check that
// what L1 holds is exactly what the appliance sealed.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, top } from './tap.mjs';
import { start as startZkseqd, rpc, tempDir } from './zkseqd.mjs';
import { startAnvil, deploy, freePort, ethers, rollupAt, gerAt, contracts } from '../../tools/l1/devnet-lib.mjs';

export { ethers, rpc, tempDir };

export function startFw({ dir, addresses, args = [] }) {
  const proc = spawn(path.join(bin, 'zkseq-fw'), ['--dir', dir, '--addresses', addresses, ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const all = path.join(dir, 'fw.log'); /* every run's log, kept across restarts */
  fs.appendFileSync(all, `---- zkseq-fw ${args.join(' ')}\n`);
  proc.stderr.on('data', (d) => { log += d; fs.appendFileSync(all, d); });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
  return {
    proc, exited, log: () => log, logFile: all,
    async stop(sig = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      return exited;
    },
    async ready(timeout = 30000) {
      const t0 = Date.now();
      while (!/mailbox ready/.test(log)) {
        if (proc.exitCode !== null || Date.now() - t0 > timeout) throw new Error(`zkseq-fw did not start:\n${log}`);
        await sleep(20);
      }
    },
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// startAppliance({name, fwArgs, zkArgs, blockTime}) -> app
export async function startAppliance({ name = 'app', fwArgs = [], zkArgs = [], blockTime = 1 } = {}) {
  const dir = tempDir(name);
  const fwDir = path.join(dir, 'fw');
  fs.mkdirSync(fwDir);
  const keystore = path.join(fwDir, 'l1.key');
  const sequencer = execFileSync(path.join(bin, 'zkseq-fw'), ['keygen', '--keystore', keystore]).toString().trim();
  const port = await freePort();
  const stateFile = path.join(dir, 'anvil-state.json');
  const app = { dir, fwDir, keystore, sequencer, port, stateFile, blockTime, fwArgs, zkArgs };
  app.anvil = await startAnvil({ port, stateFile });
  app.addrs = await deploy(app.anvil.url, { sequencer });
  await app.anvil.setBlockTime(blockTime);
  app.addrFile = path.join(dir, 'addresses.json');
  fs.writeFileSync(app.addrFile, JSON.stringify(app.addrs));
  app.provider = new ethers.JsonRpcProvider(app.anvil.url, undefined, { cacheTimeout: -1, batchMaxCount: 1 });
  app.provider.pollingInterval = 100;
  app.rollup = rollupAt(app.addrs.rollup, app.provider);
  app.ger = gerAt(app.addrs.globalExitRootManager, app.provider);
  app.mbox = path.join(fwDir, 'mbox');
  app.datadir = path.join(dir, 'l2');

  app.startFw = async (extra = []) => {
    app.fw = startFw({ dir: fwDir, addresses: app.addrFile, args: [...app.fwArgs, ...extra] });
    await app.fw.ready();
    return app.fw;
  };
  // zkseqd follows L1 itself too (host/l1sync), as make run has it.
  const follow = ['--l1-rpc', app.anvil.url, '--l1-rollup', app.addrs.rollup, '--l1-start-block', String(app.addrs.deployBlock)];
  app.startZk = async (extra = []) => {
    app.zk = await startZkseqd({ datadir: app.datadir, args: ['--fw-mbox', app.mbox, ...follow, ...app.zkArgs, ...extra] });
    app.url = app.zk.url;
    return app.zk;
  };
  // Restarts anvil on the same port: from its state file (a clean stop
  // dumps it), or as a fresh chain with the contracts deployed again (the
  // same deployer and nonces give the same addresses).
  app.restartAnvil = async ({ fresh = false } = {}) => {
    await app.anvil.stop('SIGTERM');
    if (fresh) fs.rmSync(stateFile, { force: true });
    app.anvil = await startAnvil({ port, stateFile, blockTime: fresh ? 0 : blockTime });
    if (fresh) {
      const again = await deploy(app.anvil.url, { sequencer });
      if (again.rollup !== app.addrs.rollup) throw new Error('a fresh deployment landed at other addresses');
      await app.anvil.setBlockTime(blockTime);
    }
  };
  app.l1Status = async () => (await rpc(app.url, 'zkseq_l1Status')).result;
  app.waitFor = async (what, fn, timeout = 60000) => {
    const t0 = Date.now();
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v) return v;
      if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
  // Waits until every batch the host has sealed is on L1 and the appliance
  // says so.
  app.settle = async (timeout = 90000) => app.waitFor('L1 to hold every sealed batch', async () => {
    const s = await app.l1Status();
    const last = Number(await app.rollup.lastBatchSequenced());
    return s && s.trustedBatch > 0 && s.virtualBatch === s.trustedBatch && last === s.trustedBatch ? s : undefined;
  }, timeout);
  // Waits until zkseqd's L1 follower has read L1's last sequence.
  app.followed = async (timeout = 30000) => app.waitFor('the L1 follower to read the last sequence', async () => {
    const f = (await rpc(app.url, 'zkseq_l1Follower')).result;
    return f && f.virtualBatch === Number(await app.rollup.lastBatchSequenced()) ? f : undefined;
  }, timeout);
  app.stop = async () => {
    await app.zk?.stop('SIGTERM');
    await app.fw?.stop('SIGTERM');
    await app.anvil?.stop('SIGTERM');
  };
  return app;
}

// verifyL1(app) reads every SequenceBatches of the rollup and checks that
// L1 holds batches 1..last exactly once each, in order, with the very bytes
// zkseqd sealed (zkevm_getBatchByNumber), and that the accInputHash chain
// recomputed here from those bytes, the L1 info root and the calldata's
// maxSequenceTimestamp and coinbase equals the contract's at every sequence.
// Returns {last, sequences, problems}.
// With {follower: true} every batch's zkevm_getBatchByNumber must also
// carry that L1 accInputHash and sequencing transaction (zkseqd's L1
// follower, once it has read the last sequence).
// Polygon's blob layout read back (../shared/BLOBS.md), written here from
// the description and not with zkseq's code: 31 data bytes after a zero
// byte in each 32-byte field element; a compression byte (0), a 4-byte body
// length, then per batch a 4-byte length and its batchL2Data.
export function decodeBlob(hex) {
  const raw = ethers.getBytes(hex);
  const data = [];
  for (let i = 0; i < raw.length; i += 32) {
    if (raw[i] !== 0) throw new Error(`blob field element ${i / 32} has a non-zero top byte`);
    for (let k = 1; k < 32; k++) data.push(raw[i + k]);
  }
  const u32 = (o) => (data[o] << 24 | data[o + 1] << 16 | data[o + 2] << 8 | data[o + 3]) >>> 0;
  if (data[0] !== 0) throw new Error('blob compression byte is not 0');
  const body = u32(1), batches = [];
  for (let o = 5; o < 5 + body;) {
    const n = u32(o);
    batches.push(ethers.hexlify(Uint8Array.from(data.slice(o + 4, o + 4 + n))));
    o += 4 + n;
  }
  return batches;
}

// The batches of one sequencing transaction as L1 has them: calldata's
// (sequenceBatches) or the blobs' (sequenceBlobBatches: the data read back
// from anvil and decoded, each checked against the hash the calldata states).
export async function l1Sequence(app, tx, problems = []) {
  const call = app.rollup.interface.parseTransaction({ data: tx.data });
  if (call.name === 'sequenceBatches') {
    const [batches, index, maxTs, expected, coinbase] = call.args;
    const root = await app.ger.l1InfoRootMap(index);
    return { expected, coinbase, blobs: [], batches: batches.map((b) => ({ data: b.transactions, hash: ethers.keccak256(b.transactions),
      root, ts: maxTs, forced: b.forcedTimestamp > 0n ? b : null })) };
  }
  const [blobs, coinbase, expectedBlob, expected] = call.args;
  const sidecar = await app.provider.send('anvil_getBlobsByTransactionHash', [tx.hash]);
  const coder = ethers.AbiCoder.defaultAbiCoder();
  const out = { expected, expectedBlob, coinbase, blobs: [], batches: [] };
  for (let i = 0; i < blobs.length; i++) {
    const [ts, zkGas, index, blobIndex, , , cp] = coder.decode(['uint64', 'uint64', 'uint32', 'uint256', 'bytes32', 'bytes32', 'bytes'], blobs[i].blobTypeParams);
    const root = await app.ger.l1InfoRootMap(index);
    const blob = sidecar[Number(blobIndex)];
    const vh = '0x01' + ethers.sha256(ethers.dataSlice(cp, 0, 48)).slice(4);
    if (vh !== tx.blobVersionedHashes[Number(blobIndex)]) problems.push(`tx ${tx.hash}: blob ${i}'s commitment is not its versioned hash`);
    out.blobs.push({ ts, zkGas, index, root, vh });
    const data = decodeBlob(typeof blob === 'string' ? blob : blob.blob || blob.data);
    if (data.length !== blobs[i].batchHashes.length) problems.push(`tx ${tx.hash}: blob ${i} holds ${data.length} batches, the calldata states ${blobs[i].batchHashes.length}`);
    blobs[i].batchHashes.forEach((h, k) => {
      if (!data[k] || ethers.keccak256(data[k]) !== h) problems.push(`tx ${tx.hash}: blob ${i} batch ${k}: the blob's bytes are not the stated hash`);
      out.batches.push({ data: data[k] || '0x', hash: h, root, ts, forced: null, vh });
    });
  }
  return out;
}

// L1's view checked against the appliance: every batch sequenced once, its
// data (calldata or blob) zkseqd's, the accInputHash chain recomputed here
// (and the blob chain for blob transactions) equal to the contract's.
export async function verifyL1(app, { follower = false } = {}) {
  const problems = [];
  // One L1 block for every read: the firmware may sequence another batch
  // meanwhile (an open batch closes by age after the load stopped).
  const at = await app.provider.getBlockNumber();
  const events = await app.rollup.queryFilter('SequenceBatches', app.addrs.deployBlock, at);
  let prev = 0n, acc = ethers.ZeroHash, blobAcc = ethers.ZeroHash, blobTxs = 0;
  const seen = new Map();
  const step = (a, h, root, ts, coinbase, fbh) => ethers.solidityPackedKeccak256(
    ['bytes32', 'bytes32', 'bytes32', 'uint64', 'address', 'bytes32'], [a, h, root, ts, coinbase, fbh]);
  for (const ev of events) {
    const tx = await app.provider.getTransaction(ev.transactionHash);
    const seq = await l1Sequence(app, tx, problems);
    const { batches, coinbase } = seq;
    if (ev.args.numBatch !== prev + BigInt(batches.length))
      problems.push(`sequence ending at ${ev.args.numBatch} does not follow ${prev} with ${batches.length} batches`);
    for (let i = 0; i < batches.length; i++) {
      const n = Number(prev) + i + 1;
      seen.set(n, (seen.get(n) || 0) + 1);
      const mine = (await rpc(app.url, 'zkevm_getBatchByNumber', [ethers.toQuantity(n), false])).result;
      if (!mine || mine.batchL2Data.toLowerCase() !== batches[i].data.toLowerCase())
        problems.push(`batch ${n}: L1 data differs from zkseqd's`);
      if (follower && mine && mine.l1DataAvailability && mine.l1DataAvailability !== (batches[i].vh ? 'blob' : 'calldata'))
        problems.push(`batch ${n}: zkevm_getBatchByNumber says ${mine.l1DataAvailability}`);
      if (follower && mine && batches[i].vh && mine.l1DataAvailability === 'blob' && mine.blobVersionedHash !== batches[i].vh)
        problems.push(`batch ${n}: zkevm_getBatchByNumber's blobVersionedHash is not L1's`);
      const b = batches[i];
      acc = b.forced /* a forced batch hashes its own fields */
        ? step(acc, b.hash, b.forced.forcedGlobalExitRoot, b.forced.forcedTimestamp, coinbase, b.forced.forcedBlockHashL1)
        : step(acc, b.hash, b.root, b.ts, coinbase, ethers.ZeroHash);
    }
    for (const bl of seq.blobs) {
      blobAcc = ethers.solidityPackedKeccak256(
        ['bytes32', 'uint32', 'bytes32', 'uint64', 'address', 'uint64', 'uint8', 'bytes32', 'bytes32', 'bytes32'],
        [blobAcc, bl.index, bl.root, bl.ts, coinbase, bl.zkGas, 1, bl.vh, ethers.ZeroHash, ethers.ZeroHash]);
    }
    if (seq.blobs.length) {
      blobTxs++;
      if (blobAcc !== seq.expectedBlob) problems.push(`blob sequence to ${ev.args.numBatch}: recomputed blob accInputHash differs from the calldata's`);
    }
    if (follower) {
      const mine = (await rpc(app.url, 'zkevm_getBatchByNumber', [ethers.toQuantity(ev.args.numBatch), false])).result;
      if (!mine || mine.accInputHash !== acc || mine.sendSequencesTxHash !== ev.transactionHash)
        problems.push(`batch ${ev.args.numBatch}: zkevm_getBatchByNumber does not have L1's accInputHash and transaction`);
    }
    if (acc !== seq.expected) problems.push(`sequence to ${ev.args.numBatch}: recomputed accInputHash differs from the calldata's`);
    const onChain = (await app.rollup.sequencedBatches(ev.args.numBatch, { blockTag: at }))[0];
    if (onChain !== acc) problems.push(`sequence to ${ev.args.numBatch}: the contract's accInputHash differs`);
    prev = ev.args.numBatch;
  }
  for (const [n, c] of seen) if (c !== 1) problems.push(`batch ${n} is on L1 ${c} times`);
  const last = Number(await app.rollup.lastBatchSequenced({ blockTag: at }));
  for (let n = 1; n <= last; n++) if (!seen.has(n)) problems.push(`batch ${n} missing from the sequences`);
  if (blobTxs && blobAcc !== await app.rollup.lastBlobAccInputHash({ blockTag: at })) problems.push('the contract\'s blob accInputHash differs from the one recomputed here');
  return { last, sequences: events.length, blobTxs, problems, acc };
}

// A load of plain transfers from dev accounts: signed with ethers, sent
// with plain fetch (the node may be down for a while: every call is
// guarded, nonces are asked again after a failure).  app.url is read at
// every send, so a restarted zkseqd on another port is followed.
export function transferLoad(urlOrApp, keys, { perSecond = 50 } = {}) {
  const urlOf = () => (typeof urlOrApp === 'string' ? urlOrApp : urlOrApp.url);
  const wallets = keys.map((k) => new ethers.Wallet(k));
  const state = { sent: 0, refused: {}, hashes: [], running: true, nonces: new Map() };
  const sink = '0x000000000000000000000000000000000000bEEF';
  const count = (why) => { state.refused[why] = (state.refused[why] || 0) + 1; };
  const loop = (async () => {
    while (state.running) {
      const t0 = Date.now();
      await Promise.all(wallets.map(async (w) => {
        try {
          if (!state.nonces.has(w.address)) {
            const r = await rpc(urlOf(), 'eth_getTransactionCount', [w.address, 'pending']);
            if (!r.result) return;
            state.nonces.set(w.address, Number(r.result));
          }
          const nonce = state.nonces.get(w.address);
          const tx = await w.signTransaction({ to: sink, value: 1n, nonce, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
          const r = await rpc(urlOf(), 'eth_sendRawTransaction', [tx]);
          if (r.result) {
            state.hashes.push(r.result);
            state.sent++;
            state.nonces.set(w.address, nonce + 1);
          } else {
            count(r.error?.data?.reason || r.error?.message || 'error');
            state.nonces.delete(w.address);
          }
        } catch (e) {
          count('unreachable');
          state.nonces.delete(w.address);
        }
      }));
      const wait = (1000 * wallets.length) / perSecond - (Date.now() - t0);
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    state,
    async stop() { state.running = false; await loop; },
  };
}

export function castBin() {
  return path.join(top, 'node_modules/.bin/cast');
}
export { contracts };
