#!/usr/bin/env node
// The exchange ingress over a UDP socket, end to end against a real zkseqd.
// The client half of this test is written from lib/frame/PROTOCOL.md alone
// (it does not use zkseq's codec): submit frames, answers, retries with the
// same sequence number, HMAC-authenticated clients, malformed frames mixed
// with valid ones, and first come, first served order in the blocks.  Then
// zkseq-txgen sends 10,000 transactions.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { ok, eq, done, run } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';

const dir = tempDir('udp');
const cfgPath = path.join(dir, 'zkseqd.json');
const KEYED = 77n;
const key = crypto.randomBytes(32);
fs.writeFileSync(cfgPath, JSON.stringify({ udp: { keys: { [KEYED.toString()]: key.toString('hex') } } }));
const node = await start({ datadir: path.join(dir, 'data'), args: ['--config', cfgPath] });
const sock = dgram.createSocket('udp4');
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
const answers = [];
let waiters = [];
sock.on('message', (m) => { answers.push(m); const w = waiters; waiters = []; w.forEach((f) => f()); });

// ---- The protocol, from PROTOCOL.md.
// confirm: flag bit 1 (durable confirmations); executed: flag bit 2
// (execution confirmations, version 2); version: the version byte.
function submit(client, seq, txs, macKey, confirm, { executed = false, version = executed ? 2 : 1 } = {}) {
  const parts = [];
  const head = Buffer.alloc(26);
  head.write('ZSQ1', 0, 'latin1');
  head[4] = version; head[5] = 1;
  head.writeUInt16BE((macKey ? 1 : 0) | (confirm ? 2 : 0) | (executed ? 4 : 0), 6);
  head.writeBigUInt64BE(BigInt(client), 8);
  head.writeBigUInt64BE(BigInt(seq), 16);
  head.writeUInt16BE(txs.length, 24);
  parts.push(head);
  for (const t of txs) {
    const b = Buffer.from(t.slice(2), 'hex');
    const l = Buffer.alloc(2); l.writeUInt16BE(b.length);
    parts.push(l, b);
  }
  let f = Buffer.concat(parts);
  if (macKey) f = Buffer.concat([f, crypto.createHmac('sha256', macKey).update(f).digest()]);
  return f;
}
function parseAnswer(m, macKey) {
  if (m.subarray(0, 4).toString('latin1') !== 'ZSA1' || (m[4] !== 1 && m[4] !== 2)) return null;
  const flags = m.readUInt16BE(6);
  let body = m;
  if (flags & 1) {
    body = m.subarray(0, m.length - 32);
    const mac = m.subarray(m.length - 32);
    if (macKey && !crypto.timingSafeEqual(mac, crypto.createHmac('sha256', macKey).update(body).digest())) return { badMac: true };
  }
  const a = { version: m[4], kind: m[5], hmac: !!(flags & 1), client: body.readBigUInt64BE(8), seq: body.readBigUInt64BE(16), n: body.readUInt16BE(24), entries: [] };
  if (a.kind === 4) { a.refusal = body.readUInt16BE(26); return a; }
  if (a.kind === 3) {
    for (let i = 0; i < a.n; i++) {
      const e = body.subarray(26 + 48 * i, 26 + 48 * (i + 1));
      a.entries.push({ hash: '0x' + e.subarray(0, 32).toString('hex'), block: e.readBigUInt64BE(32), index: e.readUInt32BE(40) });
    }
    return a;
  }
  if (a.kind === 5) {
    if (body.length !== 26 + 64 * a.n) return null;
    for (let i = 0; i < a.n; i++) {
      const e = body.subarray(26 + 64 * i, 26 + 64 * (i + 1));
      a.entries.push({ hash: '0x' + e.subarray(0, 32).toString('hex'), block: e.readBigUInt64BE(32), index: e.readUInt32BE(40),
        status: e[44], gasUsed: e.readBigUInt64BE(48), logs: e.readUInt32BE(56) });
    }
    return a;
  }
  for (let i = 0; i < a.n; i++) {
    const e = body.subarray(26 + 48 * i, 26 + 48 * (i + 1));
    a.entries.push({ status: e[0], reason: e[1], index: e.readUInt16BE(2), arrival: e.readBigUInt64BE(8), hash: '0x' + e.subarray(16).toString('hex') });
  }
  return a;
}
const send = (buf) => new Promise((r) => sock.send(buf, node.udpPort, '127.0.0.1', r));
async function next(ms = 2000) {
  const t0 = Date.now();
  while (!answers.length && Date.now() - t0 < ms) await new Promise((r) => { waiters.push(r); setTimeout(r, 20); });
  return answers.shift();
}
async function quiet(ms) { await new Promise((r) => setTimeout(r, ms)); const n = answers.length; answers.length = 0; return n; }

try {
  const pc = run('zkseqd', ['--print-config']);
  const documented = JSON.parse(fs.readFileSync(new URL('../../host/main/zkseqd.json', import.meta.url), 'utf8'));
  eq(pc.json, documented, 'zkseqd --print-config is exactly the documented default (host/main/zkseqd.json)');
  ok(node.udpPort > 0, `zkseqd listens for frames on UDP port ${node.udpPort}`);
  const wallets = devKeys.slice(0, 3).map((k) => new ethers.Wallet(k));
  const to = '0x000000000000000000000000000000000000dEaD';
  const sign = (w, nonce) => w.signTransaction({ to, value: 1n + BigInt(nonce), nonce, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });

  // ---- 100 frames of 3 transactions (one per wallet), in order.
  const arrival = new Map();
  let seq = 1;
  const frames = [];
  for (let k = 0; k < 100; k++) frames.push(submit(5, seq++, await Promise.all(wallets.map((w) => sign(w, k)))));
  for (const f of frames) await send(f);
  let got = 0, acceptedAll = true;
  const seen = new Set();
  while (got < 100) {
    const m = await next();
    if (!m) break;
    const a = parseAnswer(m);
    if (!a || a.kind !== 2 || a.client !== 5n || seen.has(a.seq)) continue;
    seen.add(a.seq);
    got++;
    for (const e of a.entries) { if (e.status !== 0) acceptedAll = false; arrival.set(e.hash, e.arrival); }
  }
  eq(got, 100, 'every frame answered');
  ok(acceptedAll && arrival.size === 300, 'all 300 transactions accepted, each with a hash and an arrival number');
  const expectHashes = (await Promise.all(frames.map(async (_, k) => Promise.all(wallets.map(async (w) => ethers.keccak256(await sign(w, k))))))).flat();
  ok(expectHashes.every((h) => arrival.has(h)), 'answer hashes are the keccak-256 of the raw transactions');

  // ---- A retry with the same sequence number: the same answer, nothing admitted twice.
  answers.length = 0;
  await send(frames[10]);
  const r1 = parseAnswer(await next());
  ok(r1 && r1.seq === 11n && r1.entries.every((e) => e.status === 0 && arrival.get(e.hash) === e.arrival), 'a retry gets the original answer again (same arrival numbers)');

  // ---- Refusals per transaction: a stale nonce, an invalid transaction.
  answers.length = 0;
  await send(submit(5, seq++, [await sign(wallets[0], 0), '0x' + 'ab'.repeat(40)]));
  const r2 = parseAnswer(await next());
  ok(r2 && r2.entries[0].status === 1 && r2.entries[0].reason === 2, 'a used nonce: refused with reason 2 (nonce_too_low)', r2);
  ok(r2 && r2.entries[1].status === 1 && r2.entries[1].reason === 17, 'garbage bytes: refused with reason 17 (invalid)', r2);

  // ---- Malformed frames.
  answers.length = 0;
  const good = submit(6, 1, [await sign(wallets[1], 100)]);
  await send(good.subarray(0, good.length - 3));
  const r3 = parseAnswer(await next());
  ok(r3 && r3.kind === 4 && r3.refusal === 1, 'a truncated frame is refused (kind 4, truncated)', r3);
  await send(Buffer.concat([good, Buffer.from([0])]));
  const r4 = parseAnswer(await next());
  ok(r4 && r4.kind === 4 && r4.refusal === 3, 'trailing bytes: refused (trailing)', r4);
  await send(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
  eq(await quiet(300), 0, 'a frame with a wrong magic gets no answer');

  // ---- HMAC: correct frames accepted with authenticated answers; forged or bare ones dropped.
  await send(submit(KEYED, 1, [await sign(wallets[2], 100)], key));
  const r5 = parseAnswer(await next(), key);
  ok(r5 && !r5.badMac && r5.hmac && r5.entries[0].status === 0, 'a keyed client\'s frame with the right HMAC is accepted; the answer carries a valid HMAC', r5);
  await send(submit(KEYED, 2, [await sign(wallets[2], 101)], crypto.randomBytes(32)));
  eq(await quiet(300), 0, 'a forged HMAC: dropped, no answer');
  await send(submit(KEYED, 3, [await sign(wallets[2], 101)]));
  eq(await quiet(300), 0, 'a keyed client without an HMAC: dropped, no answer');
  await send(submit(KEYED, 4, [await sign(wallets[2], 101)], key));
  const r6 = parseAnswer(await next(), key);
  ok(r6 && r6.entries[0].status === 0, 'the keyed client goes on with a correct frame');

  // ---- A flood of malformed frames mixed with valid ones: the valid ones are still accepted.
  answers.length = 0;
  const validSeqs = new Set();
  for (let k = 0; k < 50; k++) {
    for (let j = 0; j < 20; j++) {
      const junk = crypto.randomBytes(1 + ((k * 20 + j) % 300));
      if (j % 4 === 0) junk.write('ZSQ1', 0, 'latin1'), (junk[4] = 1), (junk[5] = 1);
      await send(junk);
    }
    await send(submit(8, 1000 + k, [await sign(wallets[1], 101 + k)]));
    validSeqs.add(1000n + BigInt(k));
  }
  // UDP may drop under a flood: like any client, retry the unanswered ones
  // with their sequence numbers (PROTOCOL.md, Retries).
  let validOk = 0;
  const floodRefused = [], answeredSeqs = new Set();
  for (let round = 0; round < 4 && answeredSeqs.size < 50; round++) {
    if (round) {
      for (let k = 0; k < 50; k++) if (!answeredSeqs.has(1000n + BigInt(k))) await send(submit(8, 1000 + k, [await sign(wallets[1], 101 + k)]));
    }
    for (let i = 0; i < 2000 && answeredSeqs.size < 50; i++) {
      const m = await next(300);
      if (!m) break;
      const a = parseAnswer(m);
      if (a && a.kind === 2 && a.client === 8n && validSeqs.has(a.seq) && !answeredSeqs.has(a.seq)) {
        answeredSeqs.add(a.seq);
        if (a.entries[0].status === 0) validOk++;
        else floodRefused.push(a.entries[0].reason);
      }
    }
  }
  ok(validOk === 50, '1000 malformed frames mixed with 50 valid ones: all 50 accepted', { validOk, floodRefused });
  const h = await fetch(`${node.url}/health`);
  ok(h.ok, 'zkseqd still healthy after the flood');

  // ---- First come, first served: blocks run our transactions in arrival-number order.
  const deadline = Date.now() + 15000;
  let n0;
  while (Date.now() < deadline) {
    n0 = Number((await rpc(node.url, 'eth_getTransactionCount', [wallets[0].address, 'latest'])).result);
    if (n0 >= 100) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  eq(n0, 100, 'the first 100 frames\' transactions are in blocks');
  const head = Number((await rpc(node.url, 'eth_blockNumber')).result);
  const order = [];
  for (let b = 1; b <= head; b++) {
    const blk = (await rpc(node.url, 'eth_getBlockByNumber', ['0x' + b.toString(16), false])).result;
    for (const t of blk.transactions) if (arrival.has(t)) order.push(arrival.get(t));
  }
  eq(order.length, 300, 'all 300 found in blocks');
  ok(order.every((a, i) => i === 0 || order[i - 1] < a), 'included in increasing arrival order (FCFS)');

  // ---- zkseq-txgen (zkseq's own codec): 10,000 transactions from the seven other accounts.
  const tg = run('zkseq-txgen', ['--udp', `127.0.0.1:${node.udpPort}`, '--count', '10000', '--first-account', '3', '--accounts', '7', '--batch', '4', '--client', '9', '--json']);
  ok(tg.status === 0 && tg.json, 'zkseq-txgen ran', tg.stderr);
  if (tg.json) {
    eq(tg.json.answered, 2500, 'zkseq-txgen: every frame answered');
    eq(tg.json.lost, 0, 'zkseq-txgen: nothing lost');
    eq(tg.json.accepted, 10000, 'zkseq-txgen: all 10,000 accepted');
    ok(tg.json.latency_us.p50 > 0 && tg.json.tx_per_s > 0, `zkseq-txgen: ${Math.round(tg.json.tx_per_s)} tx/s, p50 ${Math.round(tg.json.latency_us.p50)} us`);
  }
  // ---- Soft confirmations: asked for with flag bit 1, sent when the block is published.
  answers.length = 0;
  const nc = Number((await rpc(node.url, 'eth_getTransactionCount', [wallets[2].address, 'pending'])).result);
  const ctxs = [await sign(wallets[2], nc), await sign(wallets[2], nc + 1)];
  await send(submit(KEYED, 50, ctxs, key, true));
  // One kind-3 frame per published block: the two may land in two blocks
  // (a loaded machine seals the first before the second is in).
  let acc = null, conf = null;
  for (let i = 0; i < 20 && !(acc && conf && conf.entries.length >= 2); i++) {
    const m = await next(1000);
    if (!m) break;
    const a = parseAnswer(m, key);
    if (a && a.kind === 2 && a.seq === 50n) acc = a;
    if (a && a.kind === 3 && a.seq === 50n) conf = conf ? { ...conf, hmac: conf.hmac && a.hmac, entries: [...conf.entries, ...a.entries] } : a;
  }
  ok(acc && acc.entries.every((e) => e.status === 0), 'a frame asking for confirmations is accepted');
  ok(conf && conf.hmac && conf.entries.length === 2, 'a soft confirmation (kind 3, authenticated) arrives for both transactions', conf);
  if (conf) {
    const rcs = await Promise.all(conf.entries.map((e) => rpc(node.url, 'eth_getTransactionReceipt', [e.hash])));
    ok(rcs.every((r, i) => r.result && BigInt(r.result.blockNumber) === conf.entries[i].block && Number(r.result.transactionIndex) === conf.entries[i].index),
      'its block numbers and indexes are the receipts\'', { conf: conf.entries.map((e) => [e.hash, String(e.block), e.index]) });
  }

  // ---- Version 2: execution confirmations (flag bit 2, kind 5), before the
  // durable ones; a version 1 frame may not ask for them.
  answers.length = 0;
  const nx = Number((await rpc(node.url, 'eth_getTransactionCount', [wallets[2].address, 'pending'])).result);
  await send(submit(70, 60, [await sign(wallets[2], nx)], null, false, { version: 1, executed: true }));
  const v1x = parseAnswer(await next(1000) ?? Buffer.alloc(0));
  ok(v1x && v1x.kind === 4 && v1x.refusal === 4 && v1x.version === 1, 'a version 1 frame asking for execution confirmations: refused, bad_flags', String(v1x?.refusal));
  const xtxs = [await sign(wallets[2], nx), await sign(wallets[2], nx + 1), await sign(wallets[2], nx + 2)];
  await send(submit(KEYED, 61, xtxs, key, true, { executed: true }));
  // A submit's confirmations may come in several frames (each as soon as
  // its transactions are executed, or their blocks durable).
  const show = (a) => a && { version: a.version, kind: a.kind, n: a.n, entries: a.entries.map((e) => ({ ...e, block: String(e.block), gasUsed: String(e.gasUsed), arrival: String(e.arrival) })) };
  let answer61 = null, lastExecAt = 0, firstDurableAt = 0, step = 0;
  const xframes = [], dframes = [];
  const count = (fs) => fs.reduce((n, a) => n + a.entries.length, 0);
  for (let i = 0; i < 40 && !(answer61 && count(xframes) >= 3 && count(dframes) >= 3); i++) {
    const m = await next(1000);
    if (!m) break;
    const a = parseAnswer(m, key);
    if (!a || a.seq !== 61n) continue;
    step++;
    if (a.kind === 2) answer61 = a;
    if (a.kind === 5) { xframes.push(a); lastExecAt = step; }
    if (a.kind === 3) { dframes.push(a); firstDurableAt ||= step; }
  }
  ok(answer61 && answer61.version === 2 && answer61.entries.every((e) => e.status === 0), 'a version 2 frame is accepted, answered in version 2', show(answer61));
  ok(xframes.length && xframes.every((a) => a.version === 2 && a.hmac) && count(xframes) === 3,
    `execution confirmations (kind 5, version 2, authenticated) for all three, in ${xframes.length} frame(s)`, xframes.map(show));
  ok(count(dframes) === 3, 'and the durable confirmations (kind 3)', dframes.map(show));
  ok(lastExecAt < firstDurableAt, 'every execution confirmation came before the first durable one');
  const xc = { entries: xframes.flatMap((a) => a.entries) };
  if (xc) {
    const hashes = xtxs.map((t) => ethers.keccak256(t));
    ok(xc.entries.every((e, i) => e.hash === hashes[i]), "its hashes are the transactions', in submit order");
    const rcs = await Promise.all(xc.entries.map((e) => rpc(node.url, 'eth_getTransactionReceipt', [e.hash])));
    ok(rcs.every((r, i) => r.result && BigInt(r.result.blockNumber) === xc.entries[i].block && Number(r.result.transactionIndex) === xc.entries[i].index &&
      BigInt(r.result.gasUsed) === xc.entries[i].gasUsed && Number(r.result.status) === xc.entries[i].status && r.result.logs.length === xc.entries[i].logs),
    "block, index, status, gas used and logs are the receipts'", xc.entries.map((e) => [String(e.block), e.index, e.status, String(e.gasUsed), e.logs]));
  }
  const tx2 = run('zkseq-txgen', ['--udp', `127.0.0.1:${node.udpPort}`, '--count', '200', '--first-account', '3', '--accounts', '2', '--batch', '2',
    '--client', '10', '--start-nonce', String(Number((await rpc(node.url, 'eth_getTransactionCount', [new ethers.Wallet(devKeys[3]).address, 'pending'])).result)),
    '--confirm', '--json']);
  const ux = tx2.json?.executed_us, ud = tx2.json?.durable_us;
  ok(tx2.status === 0 && tx2.json?.accepted === 200 && ux?.seen === 200 && ud?.seen === 200,
    `zkseq-txgen --udp --confirm: all 200 confirmed executed and durable (${ux?.seen}, ${ud?.seen})`, tx2.stderr || tx2.json);
  ok(ux && ud && ux.p50 > 0 && ux.p50 <= ud.p50, `... send to executed p50 ${ux?.p50?.toFixed(0)} us, to durable p50 ${ud?.p50?.toFixed(0)} us`);

  // ---- zkseq-txgen's JSON-RPC mode against the same box (the other ingress path).
  const n9 = Number((await rpc(node.url, 'eth_getTransactionCount', [new ethers.Wallet(devKeys[9]).address, 'pending'])).result);
  const tr = run('zkseq-txgen', ['--rpc', node.url, '--count', '300', '--first-account', '9', '--accounts', '1', '--window', '16', '--start-nonce', String(n9), '--json']);
  ok(tr.status === 0 && tr.json && tr.json.accepted === 300 && tr.json.lost === 0, 'zkseq-txgen --rpc: 300 pipelined eth_sendRawTransaction, all accepted', tr.stderr || tr.json);
  // --confirm: each transaction timed to its answer, its execution (the
  // /executed feed) and its durable block; --rate 400: sent open loop, so
  // 200 take half a second at least.
  const tc = run('zkseq-txgen', ['--rpc', node.url, '--count', '200', '--first-account', '9', '--accounts', '1', '--window', '16', '--start-nonce', String(n9 + 300), '--rate', '400', '--confirm', '--json']);
  ok(tc.json?.seconds >= 0.49 && tc.json?.tx_per_s <= 410, `zkseq-txgen --rpc --rate 400: paced (${tc.json?.tx_per_s?.toFixed(0)} tx/s over ${tc.json?.seconds?.toFixed(2)} s)`);
  const ex = tc.json?.executed_us, du = tc.json?.durable_us;
  ok(tc.status === 0 && tc.json?.accepted === 200 && ex?.seen === 200 && du?.seen === 200,
    `zkseq-txgen --rpc --confirm: all 200 seen executed and durable (${ex?.seen}, ${du?.seen})`, tc.stderr || tc.json);
  ok(ex && du && ex.p50 > 0 && ex.p50 <= du.p50 && ex.p99 <= ex.max,
    `... send to executed p50 ${ex?.p50?.toFixed(0)} us, to durable p50 ${du?.p50?.toFixed(0)} us (executed first)`);
  const stop = await node.stop('SIGTERM');
  eq(stop.code, 0, 'SIGTERM: clean exit with the UDP ingress running');

  // ---- A full queue: a box that queues 8 frames, a burst of 3,000 in a
  // window of 1,024 with a 10 ms timeout, so that "busy" answers are lost
  // (the sender's socket overflows) and a frame's retry and its first copy
  // are both refused.  zkseq-txgen once waited forever after that, and sent
  // frames past one whose "busy" answer it never saw: nonce_too_high.
  const small = path.join(dir, 'small.json');
  fs.writeFileSync(small, JSON.stringify({ udp: { queue: 8 } }));
  const busyNode = await start({ datadir: path.join(dir, 'busy'), args: ['--config', small] });
  try {
    const tb = run('zkseq-txgen', ['--udp', `127.0.0.1:${busyNode.udpPort}`, '--count', '3000', '--first-account', '1', '--accounts', '3',
      '--batch', '1', '--window', '1024', '--timeout-ms', '10', '--client', '11', '--json'], { timeout: 120000 });
    ok(tb.status === 0 && tb.json?.accepted === 3000 && tb.json?.lost === 0,
      `a queue of 8 frames: zkseq-txgen finished, all 3,000 accepted (${tb.json?.accepted})`, tb.stderr || tb.json || `exit ${tb.status}`);
    ok(tb.json?.busy_refusals > 0 && tb.json?.retries > 0,
      `... after ${tb.json?.busy_refusals} "busy" refusals and ${tb.json?.retries} frames sent again`);
  } finally {
    await busyNode.stop('SIGKILL');
  }
} finally {
  sock.close();
  await node.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
