#!/usr/bin/env node
// zkseqd's HTTP and JSON-RPC edges: malformed JSON, bad envelopes, batches
// (empty, too big, mixed), huge bodies (declared and chunked), garbage on
// the socket, slow and idle clients, notifications.  Every case must get a
// clear answer, memory must stay bounded, and the server must keep serving.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ok, eq, done } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';
import { ethers } from '../../tests/integ/appliance.mjs';

// Reads server-sent events from a fetch response until `want` events of
// type `type` came (or ms passed): [{event, id, data}], and the raw text.
async function events(res, want, ms = 5000, type = 'executed') {
  const reader = res.body.getReader();
  let text = '';
  const t0 = Date.now();
  const parse = () => text.split('\n\n').filter((b) => b.includes('event: ')).map((b) => ({
    event: /event: (\S+)/.exec(b)?.[1], id: /\nid: (\d+)/.exec(b)?.[1], data: JSON.parse(/data: (.*)/.exec(b)?.[1] || 'null') }));
  while (parse().filter((e) => e.event === type).length < want && Date.now() - t0 < ms) {
    const r = await Promise.race([reader.read(), new Promise((z) => setTimeout(() => z({ timeout: true }), ms))]);
    if (r.done || r.timeout) break;
    text += new TextDecoder().decode(r.value);
  }
  await reader.cancel().catch(() => {});
  return { list: parse(), text };
}

const dir = tempDir('http');
const cfg = path.join(dir, 'zkseqd.json');
// Connections enough for forty feed readers and forty waiting Sync calls beside the pooled ones.
fs.writeFileSync(cfg, JSON.stringify({ rpc: { idle_timeout_s: 2, max_connections: 160 } }));
const node = await start({ datadir: path.join(dir, 'data'), args: ['--config', cfg] });
const url = node.url;
const rss = () => Number(fs.readFileSync(`/proc/${node.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;

async function post(body, headers = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await r.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: r.status, text, json };
}

// Raw socket exchange: writes chunks (with delays), returns what came back
// before the server closed or timeout ms passed.
function raw(chunks, { delay = 0, timeout = 3000 } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(node.port, '127.0.0.1');
    let got = '';
    let closed = false;
    s.on('data', (d) => { got += d; });
    s.on('error', () => {});
    s.on('close', () => { closed = true; resolve({ got, closed }); });
    setTimeout(() => { s.destroy(); if (!closed) resolve({ got, closed: false }); }, timeout);
    (async () => {
      for (const c of chunks) {
        if (s.destroyed) return;
        s.write(c);
        if (delay) await new Promise((r) => setTimeout(r, delay));
      }
    })();
  });
}

async function alive(what) {
  const r = await rpc(url, 'eth_chainId');
  eq(r.result, '0x3e9', `still serving after ${what}`);
}

try {
  const rss0 = rss();
  let r = await post('{"jsonrpc":"2.0","id":1,"method":');
  ok(r.status === 200 && r.json.error.code === -32700 && /parse error/.test(r.json.error.message) && r.json.id === null, 'truncated JSON: -32700 with id null', r.text);
  r = await post('\x00\xff\xfe garbage');
  eq(r.json && r.json.error.code, -32700, 'binary garbage: -32700');
  r = await post('[]');
  eq(r.json && r.json.error.code, -32600, 'empty batch: -32600');
  r = await post(JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }))));
  ok(r.json && r.json.error && r.json.error.code === -32600 && /limit of 1000/.test(r.json.error.message), 'a batch of 1001 calls: -32600 naming the limit', r.text.slice(0, 200));
  r = await post(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, 5, { jsonrpc: '2.0', id: 2, method: 'nope' },
    { jsonrpc: '2.0', method: 'eth_chainId' }, { jsonrpc: '1.0', id: 3, method: 'eth_chainId' }, { jsonrpc: '2.0', id: 4, method: 'eth_getBalance', params: { a: 1 } }]));
  ok(Array.isArray(r.json) && r.json.length === 5, 'mixed batch: one answer per call, none for the notification', r.text);
  if (Array.isArray(r.json)) {
    eq(r.json[0].result, '0x3e9', 'mixed batch: the good call is answered');
    eq(r.json[1].error.code, -32600, 'mixed batch: a number is an invalid request');
    eq(r.json[2].error.code, -32601, 'mixed batch: unknown method');
    eq(r.json[3].error.code, -32600, 'mixed batch: jsonrpc 1.0 refused');
    eq(r.json[4].error.code, -32602, 'mixed batch: params as an object: -32602');
  }
  r = await post('{"jsonrpc":"2.0","method":"eth_chainId"}');
  ok(r.status === 204 && r.text === '', 'a notification alone: 204, no body');
  r = await post('{"jsonrpc":"2.0","id":{"x":1},"method":"eth_chainId"}');
  eq(r.json && r.json.error.code, -32600, 'an object as id: -32600');
  r = await post('{"jsonrpc":"2.0","id":1,"id":2,"method":"eth_chainId"}');
  eq(r.json && r.json.error.code, -32700, 'duplicate keys: refused as a parse error');
  r = await post('['.repeat(100000) + ']'.repeat(100000));
  eq(r.json && r.json.error.code, -32700, '100000 nested arrays: parse error, no stack overflow');
  const get = await fetch(url);
  eq(get.status, 405, 'GET /: 405');
  const health = await fetch(url + '/health');
  ok(health.status === 200 && /^ok \d+/.test(await health.text()), 'GET /health: 200');
  await alive('bad envelopes');

  // A body declared larger than the limit is refused before it is read.
  const big = await raw(['POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n', '{"a":'], { timeout: 3000 });
  ok(/^HTTP\/1\.1 413/.test(big.got) && /request body too large/.test(big.got), 'Content-Length of 100 MB: 413 with a JSON-RPC error', big.got.slice(0, 120));
  // A chunked body that grows past the limit.
  const chunk = 'a'.repeat(1 << 20);
  const parts = ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'];
  for (let i = 0; i < 6; i++) parts.push(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  parts.push('0\r\n\r\n');
  const chunked = await raw(parts, { timeout: 5000 });
  ok(/^HTTP\/1\.1 413/.test(chunked.got), 'a chunked body of 6 MiB: 413', chunked.got.slice(0, 120));
  // Garbage instead of HTTP.
  const garbage = await raw(['\x16\x03\x01\x02\x00 not http at all\r\n\r\n'], { timeout: 2000 });
  ok(/^HTTP\/1\.1 400/.test(garbage.got) || garbage.closed, 'garbage on the socket: 400 or closed', garbage.got.slice(0, 80));
  await alive('huge bodies and garbage');

  // Pipelining on one keep-alive connection: three requests, three answers in order.
  const one = (id) => { const b = JSON.stringify({ jsonrpc: '2.0', id, method: 'eth_blockNumber' }); return `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n${b}`; };
  const piped = await raw([one(1) + one(2) + one(3)], { timeout: 1500 });
  const ids = [...piped.got.matchAll(/"id":(\d+)/g)].map((m) => Number(m[1]));
  eq(ids, [1, 2, 3], 'pipelined requests on one connection are answered in order');

  // Slow clients: 20 connections dribbling their headers; meanwhile others are served promptly.
  const slow = Array.from({ length: 20 }, () => raw('POST / HTTP/1.1\r\nHost: x\r\n'.split(''), { delay: 150, timeout: 4000 }));
  const t0 = Date.now();
  for (let i = 0; i < 20; i++) await rpc(url, 'eth_blockNumber');
  const took = Date.now() - t0;
  ok(took < 2000, `20 calls answered in ${took} ms while 20 slow clients hold connections`);
  // Idle connections: closed by the server after the idle timeout (2 s here).
  const idle = await raw([], { timeout: 6000 });
  ok(idle.closed, 'an idle connection is closed by the server after its timeout');
  await Promise.all(slow);
  await alive('slow and idle clients');

  // The feed of executed transactions (server-sent events on GET /executed).
  const feedRes = await fetch(`${url}/executed`);
  eq(feedRes.headers.get('content-type'), 'text/event-stream', 'GET /executed answers with an event stream');
  const fw = new ethers.Wallet(devKeys[5]);
  const sentHashes = [];
  for (let i = 0; i < 3; i++) {
    const tx = await fw.signTransaction({ to: fw.address, value: 1n, nonce: i, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
    sentHashes.push((await rpc(url, 'eth_sendRawTransaction', [tx])).result);
  }
  const got = await events(feedRes, 3);
  const ex = got.list.filter((e) => e.event === 'executed');
  eq(ex.map((e) => e.data.transactionHash), sentHashes, 'the feed gives each transaction as it is executed, in the order they arrived');
  ok(ex.every((e, i) => e.data.status === '0x1' && e.data.confirmation === 'executed' &&
    (!i || Number(e.data.blockNumber) * 1e6 + Number(e.data.transactionIndex) > Number(ex[i - 1].data.blockNumber) * 1e6 + Number(ex[i - 1].data.transactionIndex))),
  '... each with its block, index and status, positions rising');
  const resumed = await events(await fetch(`${url}/executed`, { headers: { 'Last-Event-ID': ex[0].id } }), 2);
  eq(resumed.list.filter((e) => e.event === 'executed').map((e) => e.data.transactionHash), sentHashes.slice(1),
    'a client reconnecting with Last-Event-ID resumes after it');
  const quiet = await events(await fetch(`${url}/executed`), 1, 2600);
  ok(/: idle/.test(quiet.text), 'without news the feed sends a comment each second, past the 2 s idle timeout');
  // Forty readers of the feed at once: streams on the HTTP thread, no thread each.
  const allThreads = () => fs.readdirSync(`/proc/${node.proc.pid}/task`).length;
  const feedGauge = async () => Number((await (await fetch(`http://127.0.0.1:${node.metricsPort}/metrics`)).text())
    .match(/^zkseq_rpc_feed_readers (\S+)$/m)?.[1] ?? NaN);
  const tBefore = allThreads();
  const feeds = await Promise.all(Array.from({ length: 40 }, () => fetch(`${url}/executed`)));
  const tDuring = allThreads();
  const gDuring = await feedGauge();
  const ftx = await fw.signTransaction({ to: fw.address, value: 1n, nonce: 3, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
  const fhash = (await rpc(url, 'eth_sendRawTransaction', [ftx])).result;
  const each = await Promise.all(feeds.map((f) => events(f, 1)));
  ok(each.every((g) => g.list.some((e) => e.event === 'executed' && e.data.transactionHash === fhash)) && tDuring <= tBefore,
    `forty readers of the feed at once each get the next transaction, with no thread added (threads ${tBefore} before, ${tDuring} with them)`);
  // The metrics count the readers: the forty (and any earlier one still open) while they read, none once all have gone.
  let readersGone = NaN;
  for (let i = 0; i < 50 && readersGone !== 0; i++) {
    readersGone = await feedGauge();
    if (readersGone !== 0) await new Promise((r) => setTimeout(r, 100)); // a stream is found gone at its next write (1 s at most)
  }
  ok(gDuring >= 40 && readersGone === 0, `zkseq_rpc_feed_readers counts the readers (${gDuring} with the forty open) and falls to 0 once they have left (${readersGone})`);

  // Transactions pipelined on three connections at once (admitted together
  // by the server): each connection's answers in its order, each the hash of
  // its transaction, a bad one refused among them, the rest executed.
  const senders = [6, 7, 8].map((k) => new ethers.Wallet(devKeys[k]));
  const conns = await Promise.all(senders.map(async (w) => {
    const txs = [];
    for (let i = 0; i < 10; i++) {
      txs.push(i === 4 ? '0x02deadbeef' : await w.signTransaction({ to: w.address, value: 1n, nonce: i < 4 ? i : i - 1,
        gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 }));
    }
    const reqs = txs.map((tx, i) => {
      const b = JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_sendRawTransaction', params: [tx] });
      return `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${b.length}\r\n\r\n${b}`;
    });
    const res = await raw([reqs.join('')], { timeout: 3000 });
    return { txs, answers: res.got.split('HTTP/1.1 ').slice(1).map((s) => JSON.parse(s.slice(s.indexOf('\r\n\r\n') + 4))) };
  }));
  for (const [k, c] of conns.entries()) {
    eq(c.answers.map((a) => a.id), [...Array(10).keys()], `pipelined sends, connection ${k}: ten answers in order`);
    ok(c.answers.every((a, i) => (i === 4 ? a.error && a.error.code === -32000 : a.result === ethers.keccak256(c.txs[i]))),
      `... each the hash of its transaction, the bad one refused`, JSON.stringify(c.answers[4]));
  }
  for (let t = 0; t < 50; t++) {
    const counts = await Promise.all(senders.map((w) => rpc(url, 'eth_getTransactionCount', [w.address, 'latest'])));
    if (counts.every((c) => c.result === '0x9')) break;
    await new Promise((z) => setTimeout(z, 100));
  }
  const counts = await Promise.all(senders.map((w) => rpc(url, 'eth_getTransactionCount', [w.address, 'latest'])));
  eq(counts.map((c) => c.result), ['0x9', '0x9', '0x9'], '... and the nine good ones of each executed');

  // eth_sendRawTransactionSync calls waiting at once (40, each on its own
  // connection, nonces past a gap so none runs) hold no thread each: the
  // HTTP thread keeps them; each times out with -32002 in about its time.
  const gw = new ethers.Wallet(devKeys[9]);
  const threads = () => fs.readdirSync(`/proc/${node.proc.pid}/task`)
    .filter((t) => fs.readFileSync(`/proc/${node.proc.pid}/task/${t}/comm`, 'utf8').startsWith('zs-rpc')).length;
  const before = threads();
  const t1 = Date.now();
  const waits = [];
  for (let i = 0; i < 40; i++) {
    const tx = await gw.signTransaction({ to: gw.address, value: 1n, nonce: 1 + i, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 });
    waits.push(rpc(url, 'eth_sendRawTransactionSync', [tx, 1500, i % 2 ? 'executed' : 'durable']).then((r) => ({ r, ms: Date.now() - t1 })));
  }
  await new Promise((z) => setTimeout(z, 700));
  const during = threads();
  ok(during - before < 5, `40 waiting Sync calls: ${during} JSON-RPC worker threads (${before} before)`);
  const timed = await Promise.all(waits);
  ok(timed.every(({ r }) => r.error && r.error.code === -32002 && r.error.data && /^0x[0-9a-f]{64}$/.test(r.error.data.hash)),
    '... each answered -32002 with its hash when its time is up', JSON.stringify(timed[0].r));
  ok(timed.every(({ ms }) => ms >= 1400 && ms < 4000), `... after 1.5 s (${Math.min(...timed.map((t) => t.ms))}-${Math.max(...timed.map((t) => t.ms))} ms)`);
  // 30 calls at execution at once (one sender, nonces in order, each on its
  // own connection): each answered with its own transaction's confirmation.
  const sw = new ethers.Wallet(devKeys[4]);
  const stxs = [];
  for (let i = 0; i < 30; i++) {
    stxs.push(await sw.signTransaction({ to: sw.address, value: 1n, nonce: i, gasLimit: 21000n, gasPrice: 1000000000n, chainId: 1001n, type: 0 }));
  }
  const sres = await Promise.all(stxs.map((tx) => rpc(url, 'eth_sendRawTransactionSync', [tx, 5000, 'executed'])));
  ok(sres.every((r, i) => r.result && r.result.confirmation === 'executed' && r.result.transactionHash === ethers.keccak256(stxs[i]) &&
    r.result.status === '0x1'), '30 calls at execution at once: each confirmed with its own transaction', JSON.stringify(sres.find((r) => !r.result)));

  // Memory stays bounded: 40 bodies of 4 MiB (just under the limit) of valid JSON.
  const padded = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [], pad: 'x'.repeat(4 << 20) });
  for (let i = 0; i < 40; i++) {
    const p = await post(padded);
    if (p.status !== 200) { ok(false, 'a 4 MiB body is served', p.status); break; }
  }
  const grown = rss() - rss0;
  ok(grown < 64 << 20, `RSS grew by ${(grown / 1048576).toFixed(1)} MiB over 40 bodies of 4 MiB (bound: 64 MiB)`);
  await alive('everything');
} finally {
  await node.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
