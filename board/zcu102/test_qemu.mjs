#!/usr/bin/env node
// The bare-metal firmware boots: build/aarch64/zkseq-fw.elf runs on QEMU's
// model of the zcu102 board (qemu-system-aarch64 -M xlnx-zcu102, Cortex-A53,
// Cadence UARTs, the architected timer), logs its start on UART1, and its
// serial console on UART0 answers zkseqctl --console like the sim board's
// does: status, the L1 endpoint (unreachable: no network driver yet), the
// policy, the alarm about the missing L1 key, and a refused change (no
// console password is provisioned on this board yet).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, skip, top, bin, run } from '../../tests/integ/tap.mjs';
import { tempDir } from '../../tests/integ/zkseqd.mjs';

if (spawnSync('qemu-system-aarch64', ['--version']).error) skip('qemu-system-aarch64 is not installed (tools/bootstrap installs qemu-system-arm)');
const build = path.dirname(bin);
execFileSync('make', ['-s', '-C', top, `BUILD=${build}`, 'firmware-aarch64'], { stdio: ['ignore', 'ignore', 'inherit'] });
const elf = path.join(build, 'aarch64/zkseq-fw.elf');
const tmp = tempDir('qemu');
const uart1 = path.join(tmp, 'uart1.log');
const qemu = spawn('qemu-system-aarch64', ['-M', 'xlnx-zcu102', '-m', '4G', '-display', 'none', '-monitor', 'none',
  '-serial', 'pty', '-serial', `file:${uart1}`, '-kernel', elf], { env: { ...process.env, QEMU_AUDIO_DRV: 'none' }, stdio: ['ignore', 'pipe', 'pipe'] });
let out = '';
qemu.stdout.on('data', (d) => { out += d; });
qemu.stderr.on('data', (d) => { out += d; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const debug = () => (fs.existsSync(uart1) ? fs.readFileSync(uart1, 'utf8') : '');
try {
  const t0 = Date.now();
  while (!/mailbox ready/.test(debug()) && Date.now() - t0 < 60000 && qemu.exitCode === null) await sleep(100);
  ok(/zkseq-fw \(zcu102\): starting/.test(debug()) && /mailbox ready \(epoch 1\)/.test(debug()),
    `booted on QEMU's zcu102 in ${((Date.now() - t0) / 1000).toFixed(1)} s: the start-up lines on UART1`, debug() + out);
  ok(/running without an L1 key \(none provisioned\)/.test(debug()), 'UART1: running, saying no L1 key is provisioned');
  const pty = (out.match(/(\/dev\/pts\/\d+)/) || [])[1];
  ok(pty, `QEMU put UART0 on ${pty}`, out);
  const con = (args, extra = []) => run('zkseqctl', ['--console', pty, '--baud', '115200', '--timeout', '5000', ...extra, ...args]);
  const s1 = con(['status']);
  const up1 = Number((s1.stdout.match(/zkseq-fw up (\d+)s/) || [])[1]);
  ok(s1.status === 0 && /mailbox epoch 1, host link down \(no hello yet\)/.test(s1.stdout) && /host: open batch 0, 0 transactions sequenced, pool 0/.test(s1.stdout),
    'UART0 console: status (mailbox epoch 1, no host, nothing sealed)', s1.stdout + s1.stderr);
  await sleep(2200);
  const up2 = Number((con(['status']).stdout.match(/zkseq-fw up (\d+)s/) || [])[1]);
  ok(up2 >= up1 + 2, `the architected timer runs (up ${up1} s, then ${up2} s)`);
  const l1 = con(['l1', 'status']);
  ok(l1.status === 0 && /endpoint: http:\/\/10\.0\.0\.1:8545 \(chain id 31337\) down/.test(l1.stdout), 'l1: the built-in endpoint, down (no network driver yet)', l1.stdout);
  const pol = con(['config', 'get', 'batch.max_age_ms'], ['--json']);
  ok(pol.status === 0 && pol.json && pol.json.lines.some((l) => /max_age_ms +3000/.test(l)), 'config get: the default policy', pol.stdout);
  const set = con(['config', 'set', 'batch.max_age_ms', '2000']);
  eq(set.status, 1, 'config set: refused (no console password provisioned on this board)');
  const al = con(['alarms']);
  ok(al.status === 0 && /no usable L1 key in the key store/.test(al.stdout), 'alarms: the missing key', al.stdout);
} finally {
  qemu.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
}
done();
