#!/usr/bin/env node
// The frame engine with its queue full (lib/frame/PROTOCOL.md, "busy"):
// a zkseqd whose verification queue holds one frame gets a burst of 120
// frames from one client, one transfer each, in nonce order.  Every frame is
// answered (accepted, or refused "busy" at once: none is dropped silently);
// once a frame is refused busy, the client's later frames are refused busy
// too until that one comes again; resending the refused frames in order gets
// every transfer in, in nonce order (no nonce_too_high).  Then the same burst
// to a zkseqd whose queue has room for 4,096 frames but says busy once its
// oldest frame has waited 1 ms (udp.queue_max_ms).  Then with sequencing
// paused: once half a sender's pool limit waits to run, its frames are
// refused busy rather than account_limit.  The client half is written
// from PROTOCOL.md.
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { execFileSync } from 'node:child_process';
import { ok, eq, done, bin } from '../../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../../tests/integ/zkseqd.mjs';

const dir = tempDir('busy');
const cfgPath = path.join(dir, 'zkseqd.json');
fs.writeFileSync(cfgPath, JSON.stringify({ udp: { queue: 1, workers: 1 } }));
let node = await start({ datadir: path.join(dir, 'data'), args: ['--config', cfgPath] });
const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 }); // a burst's answers wait there
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
const answers = [];
sock.on('message', (m) => answers.push(m));

function submit(seq, raw) {
  const head = Buffer.alloc(26);
  head.write('ZSQ1', 0, 'latin1');
  head[4] = 1; head[5] = 1;
  head.writeBigUInt64BE(9n, 8);
  head.writeBigUInt64BE(BigInt(seq), 16);
  head.writeUInt16BE(1, 24);
  const b = Buffer.from(raw.slice(2), 'hex');
  const l = Buffer.alloc(2); l.writeUInt16BE(b.length);
  return Buffer.concat([head, l, b]);
}
function parse(m) {
  if (m.subarray(0, 4).toString('latin1') !== 'ZSA1') return null;
  const a = { kind: m[5], seq: Number(m.readBigUInt64BE(16)) };
  if (a.kind === 4) a.refusal = m.readUInt16BE(26);
  if (a.kind === 2) a.status = m[26], a.reason = m[27];
  return a;
}
const send = (buf) => new Promise((r) => sock.send(buf, node.udpPort, '127.0.0.1', r));
const settle = async (want, ms = 8000) => {
  const t0 = Date.now();
  while (answers.length < want && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
};

// A burst of N frames from one account, then the refused ones again in
// order until all are in; what = the queue's kind, for the checks' names.
async function burst(w, N, what, beforeResend = async () => {}) {
  const frames = [];
  for (let k = 0; k < N; k++)
    frames.push(submit(k + 1, await w.signTransaction({ to: '0x' + '77'.repeat(20), value: 1n, nonce: k, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 })));
  // The burst: every frame sent back to back.
  for (const f of frames) await send(f);
  await settle(N);
  const first = answers.splice(0).map(parse).filter(Boolean);
  eq(first.length, N, `${what}: every frame of the burst answered (none dropped silently)`);
  const busy = first.filter((a) => a.kind === 4 && a.refusal === 7).map((a) => a.seq).sort((a, b) => a - b);
  const accepted = first.filter((a) => a.kind === 2 && a.status === 0).map((a) => a.seq);
  ok(busy.length > 0, `${what}: a burst gets frames refused "busy" (${busy.length} of ${N})`);
  eq(busy.length + accepted.length, N, `${what}: each answer is accepted or busy`);
  ok(busy.length && accepted.every((s) => s < busy[0]),
    `${what}: every frame after the first busy one (seq ${busy[0]}) was refused busy too: the client's order is kept`, { accepted: accepted.slice(-5), busy: busy.slice(0, 5) });
  await beforeResend();
  // Resend the refused frames in order until all are in.
  let pending = busy, rounds = 0;
  while (pending.length && rounds < 200) {
    rounds++;
    await new Promise((r) => setTimeout(r, 5));
    for (const s of pending) await send(frames[s - 1]);
    await settle(pending.length, 4000);
    const got = answers.splice(0).map(parse).filter(Boolean);
    const refusedNow = new Set(got.filter((a) => a.kind === 4 && a.refusal === 7).map((a) => a.seq));
    for (const a of got) if (a.kind === 2 && a.status !== 0) throw new Error(`seq ${a.seq} refused, reason ${a.reason}`);
    pending = pending.filter((s) => refusedNow.has(s) || !got.some((a) => a.seq === s));
  }
  eq(pending.length, 0, `${what}: the refused frames sent again in order: all accepted (${rounds} rounds)`);
  // All N in blocks, in nonce order.
  let nonce = 0;
  for (let i = 0; i < 300 && nonce < N; i++) {
    nonce = Number((await rpc(node.url, 'eth_getTransactionCount', [w.address, 'latest'])).result);
    if (nonce < N) await new Promise((r) => setTimeout(r, 50));
  }
  eq(nonce, N, `${what}: every transfer is in a block: none refused nonce_too_high, none lost`);
}

try {
  await burst(new ethers.Wallet(devKeys[4]), 120, 'a queue of one frame');
  const stats = await rpc(node.url, 'zkseq_status', []);
  ok(stats.result, 'zkseqd healthy after the bursts');
  await node.stop('SIGTERM');
  // Room for 4,096 frames, one worker, busy after 1 ms of waiting: 400
  // frames back to back queue longer than that behind the worker.
  const timed = path.join(dir, 'timed.json');
  fs.writeFileSync(timed, JSON.stringify({ udp: { workers: 1, queue_max_ms: 1 } }));
  node = await start({ datadir: path.join(dir, 'data2'), args: ['--config', timed] });
  await burst(new ethers.Wallet(devKeys[5]), 400, 'a queue bounded at 1 ms');
  ok((await rpc(node.url, 'zkseq_status', [])).result, 'zkseqd healthy after the timed burst');
  await node.stop('SIGTERM');
  // The sequencer behind one sender: sequencing paused, at most 16 pooled
  // a sender; once 8 of its transactions wait to run, its frames are
  // refused busy (not account_limit, after which the rest of its frames
  // in flight would meet nonce_too_high); resumed, the resent frames get in.
  const behind = path.join(dir, 'behind.json');
  fs.writeFileSync(behind, JSON.stringify({ pool: { max_per_sender: 16 } }));
  node = await start({ datadir: path.join(dir, 'data3'), args: ['--config', behind] });
  const ctl = (...a) => execFileSync(path.join(bin, 'zkseqctl'), ['--port', String(node.mgmtPort), ...a], { encoding: 'utf8' });
  ctl('seq', 'pause');
  await burst(new ethers.Wallet(devKeys[6]), 40, 'the sequencer paused behind a sender', async () => {
    const st = JSON.parse(ctl('status', '--json'));
    ok(st.paused && st.pool?.total === 8, `... sequencing paused, half the sender's limit pooled (${st.pool?.total})`, st.pool);
    ctl('seq', 'resume');
  });
  const fr = JSON.parse(ctl('ingress', 'stats', '--json')).udp_frames;
  ok(fr?.sequencer_behind > 0, `... counted: ${fr?.sequencer_behind} frames refused busy for it`, fr);
} finally {
  sock.close();
  await node.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
