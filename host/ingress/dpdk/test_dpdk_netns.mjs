#!/usr/bin/env node
// The exchange ingress on DPDK, as the appliance runs it: a network
// namespace with a veth pair; zkseqd takes one end with the net_af_packet
// vdev (EAL with --no-huge --no-pci), answers ARP for its address, and
// zkseq-txgen in the namespace sends 100,000 transactions to it.  Every one
// must be answered and accepted, and end up in blocks; a repeated run of the
// same frames is answered from the retry cache without admitting anything
// twice.  Needs root (namespaces, raw sockets): skips with a reason when
// that is not available.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, skip, bin } from '../../../tests/integ/tap.mjs';
import { start, tempDir, devNonces } from '../../../tests/integ/zkseqd.mjs';

const tag = `zs${process.pid % 100000}`;
const ns = `${tag}ns`, host = `${tag}a`, peer = `${tag}b`;
const ip = (...a) => execFileSync('ip', a, { stdio: 'pipe' });
if (process.getuid && process.getuid() !== 0) skip('needs root for network namespaces and DPDK af_packet');
try {
  ip('netns', 'add', ns);
} catch (e) {
  skip(`cannot create a network namespace here: ${String(e.stderr || e.message).trim()}`);
}
const dir = tempDir('dpdk');
let node;
try {
  ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', peer, 'netns', ns);
  ip('link', 'set', host, 'up');
  ip('netns', 'exec', ns, 'ip', 'addr', 'add', '10.99.0.2/24', 'dev', peer);
  ip('netns', 'exec', ns, 'ip', 'link', 'set', peer, 'up');
  ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  // The box answers ARP, but packets sent before the first answer wait in
  // a short kernel queue and the rest are dropped (then retried late and
  // out of nonce order): give the namespace the neighbor entry up front.
  const mac = JSON.parse(ip('-j', 'link', 'show', host).toString())[0].address;
  ip('netns', 'exec', ns, 'ip', 'neigh', 'replace', '10.99.0.1', 'lladdr', mac, 'dev', peer, 'nud', 'permanent');
  const eal = `--no-huge --no-pci -m 256 --no-shconf -l 0 --log-level=lib.eal:error --vdev net_af_packet0,iface=${host}`;
  try {
    // The pool holds a whole run per sender: on a machine that sequences
    // slower than 8,000 tx/s (a CI machine running other suites beside
    // this one) the backlog waits in the pool instead of meeting the pool's
    // per-sender limit (account_limit, a policy test_pool checks), and
    // the frame queue's "busy" is the only backpressure the client sees.
    const cfg = path.join(dir, 'zkseqd.json');
    fs.writeFileSync(cfg, JSON.stringify({ pool: { max_per_sender: 16384, max_txs: 200000 } }));
    node = await start({ datadir: path.join(dir, 'data'), args: ['--dpdk', eal, '--dpdk-ip', '10.99.0.1', '--config', cfg] });
  } catch (e) {
    skip(`DPDK could not start here: ${String(e.message).split('\n').slice(-3).join(' ')}`);
  }
  ok(/exchange frames on dpdk:\/\/10\.99\.0\.1:8125/.test(node.log()), 'zkseqd takes frames on the DPDK port');
  const txgen = (args) => {
    const r = spawnSync('ip', ['netns', 'exec', ns, path.join(bin, 'zkseq-txgen'), '--udp', '10.99.0.1:8125', '--json', ...args],
      { encoding: 'utf8', timeout: 240000 });
    let json;
    try { json = JSON.parse(r.stdout); } catch { json = undefined; }
    return { status: r.status, json, stderr: r.stderr };
  };
  // 100,000 transactions from the ten development accounts, 8 per frame, at
  // 8,000 tx/s: under what the sequencer does on an idle 2-core machine
  // (10-20 k/s); above it, the client resends what the box refused busy.
  const big = txgen(['--count', '100000', '--batch', '8', '--client', '1', '--rate', '8000']);
  ok(big.status === 0 && big.json, 'zkseq-txgen ran in the namespace', big.stderr);
  if (big.json) {
    eq(big.json.answered, 12500, 'every one of the 12,500 frames answered');
    eq(big.json.lost, 0, 'nothing lost');
    eq(big.json.accepted, 100000, 'all 100,000 transactions accepted');
    ok(true, `DPDK path: ${Math.round(big.json.tx_per_s)} tx/s, answer latency p50 ${Math.round(big.json.latency_us.p50)} us, p99 ${Math.round(big.json.latency_us.p99)} us at 8,000 tx/s`);
  }
  // The same 100 frames twice (client 2, nonces 10000..): the second run is
  // answered from the retry cache with the same results.
  const first = txgen(['--count', '800', '--batch', '8', '--client', '2', '--start-nonce', '10000']);
  const again = txgen(['--count', '800', '--batch', '8', '--client', '2', '--start-nonce', '10000']);
  eq(first.json && first.json.accepted, 800, 'a further 800 accepted');
  eq(again.json && again.json.accepted, 800, 'the same frames again: the same answers (accepted), from the retry cache');
  // Everything accepted ends up in blocks, exactly once.
  const want = 10000 + 80;
  const nonces = await devNonces(node.url, want, 120000);
  ok(nonces.every((n) => n === want), `every account's nonce is ${want}: all accepted transactions are in blocks, none twice`, nonces);
  // ARP: the namespace forgets its entry, asks, and the box answers.
  ip('netns', 'exec', ns, 'ip', 'neigh', 'del', '10.99.0.1', 'dev', peer);
  const small = txgen(['--count', '8', '--batch', '8', '--first-account', '0', '--accounts', '1', '--client', '3', '--start-nonce', String(want)]);
  eq(small.json && small.json.accepted, 8, 'after an ARP exchange, a frame goes through');
  // Frame protocol v2 on the DPDK path: execution and durable confirmations
  // for every transaction, timed by zkseq-txgen --confirm.
  const conf = txgen(['--count', '400', '--batch', '4', '--first-account', '1', '--accounts', '4', '--client', '4', '--start-nonce', String(want), '--confirm']);
  const cx = conf.json?.executed_us, cd = conf.json?.durable_us;
  ok(conf.status === 0 && conf.json?.accepted === 400 && cx?.seen === 400 && cd?.seen === 400,
    `DPDK path, --confirm: all 400 confirmed executed and durable (${cx?.seen}, ${cd?.seen})`, conf.stderr || conf.json);
  ok(cx && cd && cx.p50 > 0 && cx.p50 <= cd.p50, `... send to executed p50 ${Math.round(cx?.p50)} us, p99 ${Math.round(cx?.p99)} us; to durable p50 ${Math.round(cd?.p50)} us`);
  // A port quiet for over a second: the receive loop is in its longest nap
  // (shared cores) and must still take the next frame and send its answer.
  await new Promise((r) => setTimeout(r, 1500));
  const late = txgen(['--count', '1', '--batch', '1', '--first-account', '5', '--accounts', '1', '--client', '5', '--start-nonce', String(want)]);
  ok(late.json?.accepted === 1 && late.json?.lost === 0,
    `after 1.5 s without traffic a frame is answered and accepted (send to answer ${Math.round(late.json?.latency_us?.p50)} us)`, late.stderr || late.json);
  const stop = await node.stop('SIGTERM');
  eq(stop.code, 0, 'SIGTERM: clean exit with the DPDK ingress running');
  ok(/dpdk: \d+ packets in, [1-9]\d* ARP replies/.test(node.log()), 'the box answered ARP for its address', node.log().split('\n').slice(-4).join(' | '));
} finally {
  if (node) await node.stop('SIGKILL');
  try { ip('netns', 'del', ns); } catch { /* already gone */ }
  try { ip('link', 'del', host); } catch { /* went with the namespace */ }
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
