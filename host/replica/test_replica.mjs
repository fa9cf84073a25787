#!/usr/bin/env node
// Read replicas (zkseqd --replica) against the sequencer they follow:
//  - a replica started empty syncs the whole chain from the sequencer's data
//    stream, and answers ethers and cast with the same blocks, receipts,
//    balances, logs and batch objects as the sequencer;
//  - a transaction sent to the replica (ethers, and a refused one) is
//    forwarded: the sequencer sequences it, the replica serves it, and an
//    error comes back as the sequencer gave it;
//  - the replica SIGKILLed under load catches up from its durable head; the
//    sequencer SIGKILLed under load and restarted: the replica reconnects and
//    resumes without a gap or a duplicate (every block equal to the
//    sequencer's);
//  - a damaged stream entry and a block that does not reproduce (its state
//    root, or its block info root; a fake stream server replaying the
//    sequencer's entries with one changed): the
//    replica refuses, raises the alarm (log, metrics, zkseqctl status) and
//    keeps serving what it checked;
//  - zkseqctl status on a replica shows what it follows and how far behind.
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ok, eq, done, bin } from '../../tests/integ/tap.mjs';
import { start as startZkseqd, devKeys, rpc, tempDir } from '../../tests/integ/zkseqd.mjs';
import { ethers, transferLoad, sleep, castBin } from '../../tests/integ/appliance.mjs';
import { Client, entryOf, proto } from '../../tests/integ/dstream.mjs';
import { freePort } from '../../tools/l1/devnet-lib.mjs';

const dir = tempDir('replica');
const streamPort = await freePort();
const seqArgs = ['--stream-port', String(streamPort)];
let seq = await startZkseqd({ datadir: path.join(dir, 'seq'), args: seqArgs });
const replicas = [];
const startReplica = async (name, stream = `127.0.0.1:${streamPort}`) => {
  const r = await startZkseqd({ datadir: path.join(dir, name),
    args: ['--replica', '--stream', stream, '--sequencer-rpc', seq.url] });
  replicas.push(r);
  return r;
};
const ctl = (node, ...a) => execFileSync(path.join(bin, 'zkseqctl'), ['--port', String(node.mgmtPort), ...a]).toString();
const head = async (url) => Number((await rpc(url, 'eth_blockNumber', [])).result);

async function caughtUp(r, what, ms = 60000) {
  const t0 = Date.now();
  for (;;) {
    const want = await head(seq.url), have = await head(r.url);
    if (have >= want && want > 0) return have;
    if (Date.now() - t0 > ms) throw new Error(`${what}: the replica is at ${have}, the sequencer at ${want}`);
    await sleep(100);
  }
}

// Every block 1..n the same on both: header fields, transactions.
async function sameBlocks(r, n) {
  const bad = [];
  for (let b = 1; b <= n; b++) {
    const [x, y] = await Promise.all([rpc(seq.url, 'eth_getBlockByNumber', ['0x' + b.toString(16), false]),
      rpc(r.url, 'eth_getBlockByNumber', ['0x' + b.toString(16), false])]);
    if (JSON.stringify(x.result) !== JSON.stringify(y.result)) bad.push(b);
  }
  return bad;
}

try {
  // ---- A chain on the sequencer: transfers, a contract with logs.
  const ps = new ethers.JsonRpcProvider(seq.url, undefined, { batchMaxCount: 1, cacheTimeout: -1 });
  const w = new ethers.Wallet(devKeys[0], ps);
  const to = ethers.Wallet.createRandom().address;
  for (let i = 0; i < 5; i++) await (await w.sendTransaction({ to, value: 1000n + BigInt(i), type: 0 })).wait();
  // A contract whose constructor logs: PUSH1 0x2a PUSH1 0 MSTORE, LOG1 of
  // those 32 bytes with topic 1, STOP (no code).
  const dep = await (await w.sendTransaction({ data: '0x602a600052600160206000a100', type: 0 })).wait();
  ok(dep.status === 1 && dep.logs.length === 1, 'a contract creation made a log on the sequencer');

  ctl(seq, 'batch', 'close'); // an operator's close: the batch ends in the stream too
  const closedBatch = Number((await rpc(seq.url, 'zkevm_batchNumber', [])).result);

  // ---- A replica started empty syncs the chain.
  const r1 = await startReplica('r1');
  const n = await caughtUp(r1, 'an empty replica');
  ok(n >= 6, `an empty replica synced the whole chain (${n} blocks)`);
  eq(await sameBlocks(r1, n), [], 'every block is the same on the replica (hash, state root, transactions)');
  const rr = await rpc(r1.url, 'eth_getTransactionReceipt', [dep.hash]), sr = await rpc(seq.url, 'eth_getTransactionReceipt', [dep.hash]);
  eq(JSON.stringify(rr.result), JSON.stringify(sr.result), 'a receipt is the same (status, gas, logs)');
  const lq = [{ fromBlock: '0x1', toBlock: 'latest' }];
  eq(JSON.stringify((await rpc(r1.url, 'eth_getLogs', lq)).result), JSON.stringify((await rpc(seq.url, 'eth_getLogs', lq)).result),
    'eth_getLogs over the chain is the same');
  const pr = new ethers.JsonRpcProvider(r1.url, undefined, { batchMaxCount: 1, cacheTimeout: -1 });
  eq(await pr.getBalance(to), await ps.getBalance(to), 'ethers: a balance is the same on the replica');
  eq(await pr.getTransactionCount(w.address), await ps.getTransactionCount(w.address), 'ethers: a nonce is the same');
  const castBal = (url) => execFileSync(castBin(), ['balance', to, '--rpc-url', url]).toString().trim();
  eq(castBal(r1.url), castBal(seq.url), `cast balance on the replica (${castBal(seq.url)} wei)`);
  const sameBatch = async (k) => {
    for (let t0 = Date.now(); Date.now() - t0 < 10000; await sleep(100)) {
      const [a, b] = await Promise.all([rpc(seq.url, 'zkevm_getBatchByNumber', ['0x' + k.toString(16), false]),
        rpc(r1.url, 'zkevm_getBatchByNumber', ['0x' + k.toString(16), false])]);
      const keys = ['number', 'stateRoot', 'accInputHash', 'localExitRoot', 'batchL2Data', 'blocks', 'transactions', 'coinbase', 'timestamp', 'closed'];
      const diff = keys.filter((f) => JSON.stringify(a.result?.[f]) !== JSON.stringify(b.result?.[f]));
      if (!diff.length && a.result?.closed) return { diff, batch: a.result };
      if (Date.now() - t0 > 9000) return { diff, batch: a.result };
    }
  };
  ok(closedBatch >= 1, `the operator closed batch ${closedBatch} on the sequencer`);
  const { diff, batch } = await sameBatch(closedBatch);
  eq(diff, [], `zkevm_getBatchByNumber(${closedBatch}) is the same on the replica, closed where the sequencer closed it (accInputHash ${batch?.accInputHash?.slice(0, 14)}..., ${batch?.blocks?.length} blocks)`);

  // ---- Transactions sent to the replica are forwarded.
  const wr = new ethers.Wallet(devKeys[1], pr);
  const sent = await wr.sendTransaction({ to, value: 7n, type: 0 });
  const rec = await sent.wait();
  ok(rec && rec.status === 1, `ethers: a transfer sent to the replica was sequenced (block ${rec?.blockNumber}) and the replica serves its receipt`);
  ok((await ps.getTransactionReceipt(sent.hash))?.blockHash === rec.blockHash, '... the sequencer has it in the same block');
  const syncTx = await wr.signTransaction({ to, value: 9n, type: 0, nonce: sent.nonce + 1, gasLimit: 21000n, gasPrice: sent.gasPrice, chainId: 1001n });
  const sync = await rpc(r1.url, 'eth_sendRawTransactionSync', [syncTx]);
  ok(sync.result && sync.result.status === '0x1' && sync.result.transactionHash === ethers.keccak256(syncTx),
    `eth_sendRawTransactionSync through the replica answers with the sequencer's receipt (block ${Number(sync.result?.blockNumber)})`);
  const again = await wr.signTransaction({ to, value: 7n, type: 0, nonce: sent.nonce, gasLimit: 21000n, gasPrice: sent.gasPrice, chainId: 1001n });
  const dup = await rpc(r1.url, 'eth_sendRawTransaction', [again]);
  const dupSeq = await rpc(seq.url, 'eth_sendRawTransaction', [again]);
  ok(dup.error && dup.error.message === dupSeq.error?.message && dup.error.code === dupSeq.error?.code,
    `a refused transaction comes back with the sequencer's error (${dup.error?.code}: ${dup.error?.message})`);
  const bad = await rpc(r1.url, 'eth_sendRawTransaction', ['0x1234']);
  ok(bad.error && bad.error.code === (await rpc(seq.url, 'eth_sendRawTransaction', ['0x1234'])).error?.code, `malformed bytes: the sequencer's error (${bad.error?.message})`);

  // ---- The replica SIGKILLed under load catches up.
  let load = transferLoad(seq.url, devKeys.slice(2, 6), { perSecond: 80 });
  await sleep(1500);
  await r1.stop('SIGKILL');
  await sleep(1500);
  const r1b = await startReplica('r1');
  await sleep(1500);
  await load.stop();
  let m = await caughtUp(r1b, 'after a replica SIGKILL');
  eq(await sameBlocks(r1b, m), [], `after a replica SIGKILL under load it caught up: blocks 1..${m} the same, none missing or twice`);

  // ---- The sequencer SIGKILLed under load and restarted.
  load = transferLoad(seq.url, devKeys.slice(2, 6), { perSecond: 80 });
  await sleep(2000);
  await seq.stop('SIGKILL');
  await load.stop().catch(() => {});
  seq = await startZkseqd({ datadir: path.join(dir, 'seq'), args: seqArgs });
  load = transferLoad(seq.url, devKeys.slice(2, 6), { perSecond: 80 });
  await sleep(2000);
  await load.stop();
  m = await caughtUp(r1b, 'after a sequencer SIGKILL');
  eq(await sameBlocks(r1b, m), [], `after a sequencer SIGKILL and restart the replica resumed: blocks 1..${m} the same`);
  const st = JSON.parse(ctl(r1b, 'status', '--json'));
  ok(st.role === 'replica' && st.replica && st.replica.reconnects >= 1 && st.replica.connected && !st.replica.diverged,
    `zkseqctl status: a replica, connected again after the sequencer's restart (${st.replica?.reconnects} reconnects)`, JSON.stringify(st.replica));
  const txt = ctl(r1b, 'status');
  ok(/replica: +follows 127\.0\.0\.1:\d+ \(connected\), head \d+, sequencer at \d+, \d+ blocks behind/.test(txt), 'zkseqctl status prints what the replica follows and how far behind', txt);

  // ---- A fake stream: the sequencer's entries, one changed.
  const c = new Client(streamPort);
  const hd = await c.header();
  eq((await c.cmd(1, Buffer.from('0000000000000000', 'hex'))).error, 0, 'the sequencer streams from entry 0');
  const packets = [];
  for (let k = 0; k < hd.totalEntries; k++) packets.push(await c.packet());
  c.close();
  const serve = (pk) => new Promise((resolve) => {
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => {
        const res = Buffer.alloc(11); res[0] = 0xff; res.writeUInt32BE(11, 1); res.write('OK', 9);
        s.write(Buffer.concat([res, ...pk]));
      });
    });
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
  // (a) a Transaction entry whose protobuf is cut short: refused as damaged.
  const firstTx = packets.findIndex((p) => entryOf(p).type === 3);
  const damaged = packets.map((p, i) => {
    if (i !== firstTx) return p;
    const q = Buffer.from(p); q.writeUInt32BE(q.length, 1); q[17] = 0x22; q[18] = 0x7f; return q; // field 4 claims 127 bytes
  });
  const f1 = await serve(damaged);
  const rd = await startReplica('rd', `127.0.0.1:${f1.address().port}`);
  const blockOfTx = Number(proto(entryOf(packets[firstTx]).data)[1]);
  let sd;
  for (let t0 = Date.now(); Date.now() - t0 < 15000; await sleep(100)) {
    sd = JSON.parse(ctl(rd, 'status', '--json'));
    if (sd.replica?.diverged) break;
  }
  ok(sd.replica?.diverged && /does not decode/.test(sd.replica.why), `a damaged stream entry is refused with the alarm (${sd.replica?.why})`);
  eq(await head(rd.url), blockOfTx - 1, `... and the replica serves the blocks before it (head ${blockOfTx - 1})`);
  ok(/ALARM the replica stopped following/.test(rd.log()), '... the log says ALARM');
  const met = await (await fetch(`http://127.0.0.1:${rd.metricsPort}/metrics`)).text();
  ok(/zkseq_replica_diverged 1/.test(met) && /zkseq_replica 1/.test(met), '... metrics: zkseq_replica_diverged 1');
  f1.close();
  // (b) an L2Block whose state root is not what its transactions make;
  // (c) one whose block info root is not.
  const lastBlock = packets.map(entryOf).filter((e) => e.type === 2).length;
  const target = packets.findIndex((p) => entryOf(p).type === 2 && Number(proto(entryOf(p).data)[1]) === 3);
  const flipped = async (field, name) => {
    const pk = packets.map((p, i) => {
      if (i !== target) return p;
      const q = Buffer.from(p);
      proto(q.subarray(17))[field][0] ^= 1; // a view into q; a byte search for its tag could hit an earlier field's bytes
      return q;
    });
    const f = await serve(pk);
    const r = await startReplica(name, `127.0.0.1:${f.address().port}`);
    let st;
    for (let t0 = Date.now(); Date.now() - t0 < 15000; await sleep(100)) {
      st = JSON.parse(ctl(r, 'status', '--json'));
      if (st.replica?.diverged) break;
    }
    return { r, f, why: st.replica?.diverged ? st.replica.why : '' };
  };
  const sw = await flipped(9, 'rw'); // L2Block's state_root
  ok(/block 3: the state root here is 0x[0-9a-f]{64}, not the sequencer's/.test(sw.why),
    `a block that does not reproduce stops the replica (${sw.why})`);
  eq(await head(sw.r.url), 2, `... nothing of it is written: the replica serves blocks 1..2 of ${lastBlock}`);
  sw.f.close();
  const si = await flipped(13, 'ri'); // L2Block's block_info_root
  ok(/block 3: the block info root here is 0x[0-9a-f]{64}, not the sequencer's/.test(si.why),
    `a block whose block info root differs stops the replica (${si.why})`);
  eq(await head(si.r.url), 2, '... and nothing of it is written');
  si.f.close();
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
  for (const r of replicas) console.log(r.log().split('\n').slice(-15).map((l) => `# ${l}`).join('\n'));
} finally {
  for (const r of replicas) await r.stop();
  await seq.stop();
}
done();
