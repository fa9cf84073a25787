#!/usr/bin/env node
// DPDK's net_tap vdev: zkseqd creates a tap interface, the kernel side gets
// an address, and zkseq-txgen sends from the host's own stack through it
// (ARP answered by the box).  Needs root; skips with the reason otherwise.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, skip, run } from '../../../tests/integ/tap.mjs';
import { start, tempDir, devNonces } from '../../../tests/integ/zkseqd.mjs';

if (process.getuid && process.getuid() !== 0) skip('needs root for a tap interface');
const tap = `zst${process.pid % 100000}`;
const sub = 96 + (process.pid % 100); // 10.N.0.0/24, away from the other tests'
const dir = tempDir('tap');
let node;
try {
  const eal = `--no-huge --no-pci -m 256 --no-shconf -l 0 --log-level=lib.eal:error --vdev net_tap0,iface=${tap}`;
  try {
    node = await start({ datadir: path.join(dir, 'data'), args: ['--dpdk', eal, '--dpdk-ip', `10.${sub}.0.1`] });
  } catch (e) {
    skip(`DPDK net_tap could not start here: ${String(e.message).split('\n').slice(-3).join(' ')}`);
  }
  execFileSync('ip', ['addr', 'add', `10.${sub}.0.2/24`, 'dev', tap]);
  execFileSync('ip', ['link', 'set', tap, 'up']);
  const r = run('zkseq-txgen', ['--udp', `10.${sub}.0.1:8125`, '--count', '4000', '--batch', '8', '--client', '1', '--json']);
  ok(r.status === 0 && r.json, 'zkseq-txgen through the tap interface', r.stderr);
  eq(r.json && r.json.answered, 500, 'every frame answered');
  eq(r.json && r.json.accepted, 4000, 'all 4,000 transactions accepted');
  const nonces = await devNonces(node.url, 400, 30000);
  ok(nonces.every((n) => n === 400), 'all in blocks (400 per account)', nonces);
  const stop = await node.stop('SIGTERM');
  eq(stop.code, 0, 'SIGTERM: clean exit');
  ok(/dpdk: \d+ packets in, [1-9]\d* ARP replies/.test(node.log()), 'the box answered the kernel\'s ARP request');
} finally {
  if (node) await node.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
