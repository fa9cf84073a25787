#!/usr/bin/env node
// zkseqd's data stream against a client written here from
// zkevm-data-streamer's protocol description alone (packets, commands,
// results; the entries' protobuf read with a small wire-format reader):
//  - Header, Start from 0: every entry in order, bookmarks before each batch
//    and block, the chain's blocks (hash, state root, every transaction's
//    bytes hashing to its hash) and closed batches (BatchEnd's state root)
//    equal to what JSON-RPC says;
//  - a started client gets new blocks as they are committed;
//  - Entry, Bookmark and StartBookmark answer as the protocol says, and
//    every refusal (already started, already stopped, a bad from entry, an
//    unknown command, an entry that is not there) has its error;
//  - zkseqd SIGKILLed and restarted on its datadir: the stream goes on
//    with no gap and no block twice, and the file re-read from the start
//    (`zkseq stream dump FILE`) equals what the server streams;
//  - a stream file of another chain is refused at start with a reason;
//  - the metrics and zkseqctl status show the stream and its clients.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, bin } from '../../tests/integ/tap.mjs';
import { start as startZkseqd, devKeys, rpc, tempDir } from '../../tests/integ/zkseqd.mjs';
import { ethers } from '../../tests/integ/appliance.mjs';
import { Client, u64, u32, entryOf, proto, bookmarkBytes, readEntries } from '../../tests/integ/dstream.mjs';

const ET = { BATCH_START: 1, L2_BLOCK: 2, TX: 3, BATCH_END: 4, L2_BLOCK_END: 6, BOOKMARK: 0xb0 };

const hex = (b) => (b && b.length ? '0x' + Buffer.from(b).toString('hex') : '0x' + '00'.repeat(32));

// The chain the entries describe, and whether they are in the protocol's order.
function chainOf(entries) {
  const blocks = new Map(), batches = new Map(), problems = [];
  let block = null, prevBookmark = null;
  for (const e of entries) {
    const m = e.type === ET.BOOKMARK || e.type <= 6 ? proto(e.data) : {};
    if (e.type === ET.BOOKMARK) { prevBookmark = m; continue; }
    if (e.type === ET.BATCH_START) {
      if (!prevBookmark || prevBookmark[1] !== 1n || prevBookmark[2] !== m[1]) problems.push(`batch ${m[1]} without its bookmark`);
      batches.set(Number(m[1]), { type: Number(m[2] || 0n), fork: Number(m[3]) });
    } else if (e.type === ET.L2_BLOCK) {
      if (!prevBookmark || prevBookmark[1] !== 2n || prevBookmark[2] !== m[1]) problems.push(`block ${m[1]} without its bookmark`);
      if (blocks.has(Number(m[1]))) problems.push(`block ${m[1]} twice`);
      block = { number: Number(m[1]), batch: Number(m[2]), hash: hex(m[8]), stateRoot: hex(m[9]), infoRoot: hex(m[13]), txs: [] };
      blocks.set(block.number, block);
    } else if (e.type === ET.TX) {
      if (!block || Number(m[1]) !== block.number) problems.push(`a transaction outside its block`);
      else block.txs.push(ethers.keccak256(m[4]));
    } else if (e.type === ET.L2_BLOCK_END) {
      if (!block || Number(m[1]) !== block.number) problems.push('an L2BlockEnd for another block');
      block = null;
    } else if (e.type === ET.BATCH_END) {
      const b = batches.get(Number(m[1]));
      if (!b) problems.push(`BatchEnd ${m[1]} without its start`); else { b.stateRoot = hex(m[3]); b.localExitRoot = hex(m[2]); }
    }
    prevBookmark = null;
  }
  return { blocks, batches, problems };
}

async function sendTransfers(url, n, key = devKeys[1]) {
  const p = new ethers.JsonRpcProvider(url, undefined, { cacheTimeout: -1 });
  p.pollingInterval = 50;
  const w = new ethers.NonceManager(new ethers.Wallet(key, p));
  for (let i = 0; i < n; i++) await (await w.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 1000n, type: 0 })).wait();
}

const datadir = tempDir('stream');
let zk = await startZkseqd({ datadir });
try {
  await sendTransfers(zk.url, 12);
  execFileSync(path.join(bin, 'zkseqctl'), ['--port', String(zk.mgmtPort), 'batch', 'close'], { stdio: 'ignore' });
  await sendTransfers(zk.url, 4);
  await new Promise((r) => setTimeout(r, 800));
  const a = new Client(zk.streamPort);
  const h = await a.header();
  ok(h.r.error === 0 && h.systemId === 1001n && h.totalEntries > 20, `Header: chain 1001, ${h.totalEntries} entries, version ${h.version}`);
  eq(await a.cmd(1, u64(0)), { error: 0, text: 'OK' }, 'Start from 0 answers OK');
  const entries = await readEntries(a, h.totalEntries, 0);
  const chain = chainOf(entries);
  eq(chain.problems, [], 'entries in the protocol\'s order: bookmarks before batches and blocks, transactions inside their block');
  const head = Number((await rpc(zk.url, 'eth_blockNumber', [])).result);
  const bad = [];
  for (let n = 1; n <= head; n++) {
    const b = (await rpc(zk.url, 'eth_getBlockByNumber', [ethers.toQuantity(n), false])).result;
    const s = chain.blocks.get(n);
    if (!s || s.hash !== b.hash || s.stateRoot !== b.stateRoot || JSON.stringify(s.txs) !== JSON.stringify(b.transactions))
      bad.push(`block ${n}: stream ${JSON.stringify(s)} rpc ${b.hash}`);
  }
  eq(bad, [], `every block 1..${head} in the stream with JSON-RPC's hash, state root and transactions`);
  // The block info root: what the block wrote to the system contract's slot 3.
  const badInfo = [];
  for (let n = 1; n <= head; n++) {
    const slot3 = (await rpc(zk.url, 'eth_getStorageAt', ['0x000000000000000000000000000000005ca1ab1e', '0x3', ethers.toQuantity(n)])).result;
    const b = (await rpc(zk.url, 'eth_getBlockByNumber', [ethers.toQuantity(n), false])).result;
    const s = chain.blocks.get(n);
    if (/^0x0+$/.test(slot3) || s?.infoRoot !== slot3 || b.blockInfoRoot !== slot3) badInfo.push(`block ${n}: slot 3 ${slot3} stream ${s?.infoRoot} rpc ${b.blockInfoRoot}`);
  }
  eq(badInfo, [], 'every L2Block\'s block_info_root is the system contract\'s slot 3 at that block, and eth_getBlockByNumber\'s blockInfoRoot');
  const b1 = (await rpc(zk.url, 'zkevm_getBatchByNumber', ['0x1', false])).result;
  ok(chain.batches.get(1)?.stateRoot === b1.stateRoot && chain.batches.get(1).fork === 12,
    'the closed batch 1: BatchStart (fork 12) and BatchEnd with zkevm_getBatchByNumber\'s state root');
  const lastOf1 = (await rpc(zk.url, 'eth_getBlockByHash', [b1.blocks.at(-1), false])).result.number;
  const ler = (await rpc(zk.url, 'eth_getStorageAt', ['0xa40D5f56745a118D0906a34E69aeC8C0Db1cB8fA', '0x1', lastOf1])).result;
  ok(chain.batches.get(1).localExitRoot === ler && b1.localExitRoot === ler,
    'BatchEnd\'s local_exit_root and zkevm_getBatchByNumber\'s localExitRoot: the L2 exit root manager\'s slot 1 after the batch', { ler, stream: chain.batches.get(1).localExitRoot, rpc: b1.localExitRoot });

  // What operators see.
  const metrics = await (await fetch(`http://127.0.0.1:${zk.metricsPort}/metrics`)).text();
  ok(/zkseq_stream_clients 1\b/.test(metrics) && new RegExp(`zkseq_stream_last_block ${head}\\b`).test(metrics),
    'metrics: one stream client, the stream up to the head block');
  const status = execFileSync(path.join(bin, 'zkseqctl'), ['--port', String(zk.mgmtPort), 'status'], { encoding: 'utf8' });
  ok(new RegExp(`stream: +port ${zk.streamPort}, 1 clients, up to block ${head}`).test(status), 'zkseqctl status shows the stream', status);

  // Live: new blocks reach a started client.
  await sendTransfers(zk.url, 3, devKeys[2]);
  const h2 = Number((await rpc(zk.url, 'eth_blockNumber', [])).result);
  const live = [];
  while (!live.some((e) => e.type === ET.L2_BLOCK_END && Number(proto(e.data)[1]) === h2))
    live.push(...await readEntries(a, 1, entries.length + live.length));
  ok(live.length > 0, `a started client got the new blocks as they were committed (to block ${h2})`);
  eq(await a.cmd(1, u64(0)), { error: 1, text: 'Already started' }, 'Start while started: already started');
  eq(await a.cmd(3), { error: 1, text: 'Already started' }, 'Header while started: refused');
  eq(await a.cmd(2), { error: 0, text: 'OK' }, 'Stop');
  eq(await a.cmd(2), { error: 2, text: 'Already stopped' }, 'Stop when stopped: already stopped');

  // Entry, Bookmark, StartBookmark.
  a.send(5, u64(5));
  eq((await a.result()).error, 0, 'Entry 5: OK');
  const e5 = entryOf(await a.packet());
  ok(e5.packet === 0xfe && e5.number === 5 && e5.data.equals(entries[5].data), 'Entry 5: packet 0xfe, the same entry');
  a.send(5, u64(10 ** 9));
  eq((await a.result()).error, 0, 'Entry far past the end: OK');
  eq(entryOf(await a.packet()).type, 0xffffffff, '... with entry type 0xffffffff (not found)');
  const bm = bookmarkBytes(2, 3);
  a.send(6, Buffer.concat([u32(bm.length), bm]));
  eq((await a.result()).error, 0, 'Bookmark of block 3: OK');
  const eb = entryOf(await a.packet());
  ok(eb.type === ET.L2_BLOCK && Number(proto(eb.data)[1]) === 3, 'Bookmark: the L2Block entry of block 3');
  eq(await a.cmd(1, u64(h.totalEntries + live.length + 1000)), { error: 3, text: 'Bad from entry' }, 'Start past the end: bad from entry');
  const nb = bookmarkBytes(1, 999999);
  eq(await a.cmd(4, Buffer.concat([u32(nb.length), nb])), { error: 4, text: 'Bad from bookmark' }, 'StartBookmark of an unknown batch: bad from bookmark');
  eq(await a.cmd(42), { error: 9, text: 'Invalid command' }, 'an unknown command: invalid command');
  const b2 = bookmarkBytes(1, 2);
  eq(await a.cmd(4, Buffer.concat([u32(b2.length), b2])), { error: 0, text: 'OK' }, 'StartBookmark of batch 2: OK');
  const first = entryOf(await a.packet());
  ok(first.type === ET.BOOKMARK && proto(first.data)[2] === 2n, 'it streams from batch 2\'s bookmark');
  a.close();

  // zkseqd killed and restarted: no gap, no block twice.
  await zk.stop('SIGKILL');
  zk = await startZkseqd({ datadir });
  await sendTransfers(zk.url, 3, devKeys[3]);
  await new Promise((r) => setTimeout(r, 500));
  const c = new Client(zk.streamPort);
  const hc = await c.header();
  await c.cmd(1, u64(0));
  const all = chainOf(await readEntries(c, hc.totalEntries, 0));
  const headc = Number((await rpc(zk.url, 'eth_blockNumber', [])).result);
  const missing = [];
  for (let n = 1; n <= headc; n++) if (!all.blocks.has(n)) missing.push(n);
  ok(all.problems.length === 0 && missing.length === 0 && all.blocks.size === headc,
    `after a SIGKILL and restart: blocks 1..${headc} each once, in order`, { problems: all.problems, missing });
  c.close();
  const dump = execFileSync(path.join(bin, 'zkseq'), ['stream', 'dump', path.join(datadir, 'datastream.bin')], { encoding: 'utf8' })
    .trim().split('\n').map((l) => JSON.parse(l));
  const dumped = dump.filter((d) => d.type === 'L2Block').map((d) => d.hash);
  ok(dump.length === hc.totalEntries && JSON.stringify(dumped) === JSON.stringify([...all.blocks.values()].map((b) => b.hash)),
    `zkseq stream dump of the file: the same ${dump.length} entries and blocks as the server streamed`);
  await zk.stop('SIGTERM');

  // Another chain's stream file is refused.
  const other = tempDir('stream-other');
  fs.mkdirSync(other, { recursive: true });
  fs.copyFileSync(path.join(datadir, 'datastream.bin'), path.join(other, 'datastream.bin'));
  let refused = null;
  try { await startZkseqd({ datadir: other, args: ['--chain-id', '1002'] }); } catch (e) { refused = e; }
  ok(refused && /data stream file .* is chain 1001's, this chain is 1002/.test(String(refused.message)),
    'a stream file of another chain: zkseqd refuses to start, saying why', String(refused?.message).split('\n').slice(-3).join(' | '));
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
  console.log(`# zkseqd log:\n# ${zk.log().split('\n').slice(-20).join('\n# ')}`);
} finally {
  await zk.stop('SIGKILL');
}
done();
