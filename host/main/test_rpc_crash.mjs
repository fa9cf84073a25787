#!/usr/bin/env node
// Crash test: 8 senders stream transfers into zkseqd; zkseqd is killed with
// SIGKILL while they do, restarted, loaded again and killed again.  After
// the last restart every acknowledged transaction must be in a block (or
// still pooled, then in a block), none twice, blocks seen before a kill
// must still be there (no rollback: optimism #4500, xlayer-erigon #474),
// nonces and balances must add up, and `zkseq chain verify` must replay
// the blocks from genesis to the same state root.
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { ok, eq, done, run } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';

const dir = tempDir('crash');
const datadir = path.join(dir, 'data');
const senders = devKeys.slice(2, 10).map((k) => new ethers.Wallet(k));
const to = '0x00000000000000000000000000000000000c0ffe';
const perSender = 120;
const gasPrice = 1000000000n;
// Signed up front: sender i, nonce k, value 1000 + k.
const signed = await Promise.all(senders.map(async (w) => {
  const out = [];
  for (let k = 0; k < perSender; k++) {
    out.push(await w.signTransaction({ to, value: BigInt(1000 + k), nonce: k, gasLimit: 21000n, gasPrice, chainId: 1001n, type: 0 }));
  }
  return out;
}));
const acked = new Map(); // hash -> {sender, nonce}
const next = senders.map(() => 0);
const seenBlocks = []; // [number, hash] observed before a kill

async function stream(url, stopAt) {
  // One loop per sender, each waiting for its acknowledgement; stops when
  // the node dies (fetch fails) or after stopAt acknowledgements.
  await Promise.all(senders.map(async (w, i) => {
    while (next[i] < perSender && acked.size < stopAt) {
      const raw = signed[i][next[i]];
      let r;
      try { r = await rpc(url, 'eth_sendRawTransaction', [raw]); } catch { return; }
      if (r.result) acked.set(r.result, { sender: i, nonce: next[i] });
      else if (!(r.error && /already known|nonce too low/.test(r.error.message))) return;
      next[i]++;
    }
  }));
}

try {
  for (const [round, target] of [[1, 300], [2, 650]]) {
    const node = await start({ datadir });
    const streaming = stream(node.url, 10 ** 9);
    // Kill once `target` transactions are acknowledged.
    while (acked.size < target && next.some((n) => n < perSender)) await new Promise((r) => setTimeout(r, 5));
    const head = await rpc(node.url, 'eth_getBlockByNumber', ['latest', false]);
    seenBlocks.push([head.result.number, head.result.hash]);
    await node.stop('SIGKILL');
    await streaming;
    ok(true, `round ${round}: killed with SIGKILL after ${acked.size} acknowledged transactions (head ${BigInt(head.result.number)})`);
  }
  const node = await start({ datadir });
  for (const [num, hash] of seenBlocks) {
    const b = await rpc(node.url, 'eth_getBlockByNumber', [num, false]);
    eq(b.result && b.result.hash, hash, `block ${BigInt(num)} seen before a kill is still there, unchanged`);
  }
  // Everything acknowledged ends up in a block.
  const deadline = Date.now() + 30000;
  let missing = [...acked.keys()];
  while (missing.length && Date.now() < deadline) {
    const left = [];
    for (const h of missing) {
      const r = await rpc(node.url, 'eth_getTransactionReceipt', [h]);
      if (!r.result) left.push(h);
    }
    missing = left;
    if (missing.length) await new Promise((r) => setTimeout(r, 100));
  }
  eq(missing.length, 0, `every one of the ${acked.size} acknowledged transactions is in a block`);
  // Nonces: each sender's included count is its nonce; balances add up.
  const included = senders.map(() => 0);
  const receipts = new Map();
  for (const [i, list] of signed.entries()) {
    for (let k = 0; k < perSender; k++) {
      const h = ethers.keccak256(list[k]);
      const r = await rpc(node.url, 'eth_getTransactionReceipt', [h]);
      if (r.result) { included[i]++; receipts.set(h, r.result); }
    }
  }
  const nonces = await Promise.all(senders.map(async (w) => Number((await rpc(node.url, 'eth_getTransactionCount', [w.address, 'latest'])).result)));
  ok(nonces.every((n, i) => n === included[i]), 'each sender\'s nonce is the number of its transactions in blocks', { nonces, included });
  let allConsecutive = true;
  for (const [i, list] of signed.entries()) {
    for (let k = 0; k < perSender; k++) {
      const inBlock = receipts.has(ethers.keccak256(list[k]));
      if (inBlock !== (k < included[i])) allConsecutive = false;
    }
  }
  ok(allConsecutive, 'the included transactions of each sender are exactly nonces 0..n-1');
  const balances = await Promise.all(senders.map(async (w) => BigInt((await rpc(node.url, 'eth_getBalance', [w.address, 'latest'])).result)));
  ok(balances.every((b, i) => {
    let spent = 0n;
    for (let k = 0; k < included[i]; k++) spent += BigInt(1000 + k) + 21000n * gasPrice;
    return b === 10n ** 22n - spent;
  }), 'each sender\'s balance is its genesis balance minus exactly what its included transactions cost');
  const latest = (await rpc(node.url, 'eth_getBlockByNumber', ['latest', false])).result;
  const stop = await node.stop('SIGTERM');
  eq(stop.code, 0, 'SIGTERM after the restart: clean exit');
  const v = run('zkseq', ['chain', 'verify', '--datadir', datadir]);
  ok(v.status === 0 && v.json && v.json.ok, 'zkseq chain verify replays every block from genesis', v.stderr);
  eq(v.json && v.json.stateRoot, latest.stateRoot, 'the replayed state root is the head block\'s');
  eq(v.json && v.json.blocks, String(BigInt(latest.number)), 'every block replayed');
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
