#!/usr/bin/env node
// DPDK's net_pcap vdev replays frames zkseq-txgen wrote (--pcap): zkseqd
// reads them from the capture, admits every transaction, and writes its
// answers to another capture, each an answer frame accepting all 8
// transactions of its submit; with the receive loop on a core it shares
// and on an lcore of its own.
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, skip, run } from '../../../tests/integ/tap.mjs';
import { start, tempDir, devNonces } from '../../../tests/integ/zkseqd.mjs';

// Twice: with one lcore (the receive loop shares the cores and feeds the
// engine itself) and with two (the loop spins on an lcore of its own and a
// feeder thread takes its datagrams off a ring).
async function replay(lcores, what) {
  const dir = tempDir('pcap');
  const inPcap = path.join(dir, 'frames.pcap'), outPcap = path.join(dir, 'answers.pcap');
  let node;
  try {
    const w = run('zkseq-txgen', ['--udp', '10.99.0.1:8125', '--count', '2000', '--batch', '8', '--client', '5', '--pcap', inPcap]);
    ok(w.status === 0 && /wrote 250 frames/.test(w.stdout), `${what}: zkseq-txgen wrote 250 frames to a pcap file`, w.stderr);
    const eal = `--no-huge --no-pci -m 256 --no-shconf -l ${lcores} --log-level=lib.eal:error --vdev net_pcap0,rx_pcap=${inPcap},tx_pcap=${outPcap}`;
    try {
      node = await start({ datadir: path.join(dir, 'data'), args: ['--dpdk', eal, '--dpdk-ip', '10.99.0.1'] });
    } catch (e) {
      skip(`DPDK could not start here: ${String(e.message).split('\n').slice(-3).join(' ')}`);
    }
    const nonces = await devNonces(node.url, 200, 30000);
    ok(nonces.every((n) => n === 200), `${what}: all 2,000 replayed transactions are in blocks (200 per account)`, nonces);
    const stop = await node.stop('SIGTERM');
    eq(stop.code, 0, `${what}: SIGTERM: clean exit`);
    // The answers capture: 250 Ethernet/IPv4/UDP packets back to 10.99.0.2:40000, each a ZSA1 answer of 8 accepted entries.
    const b = fs.readFileSync(outPcap);
    let off = 24, packets = 0, good = 0;
    while (off + 16 <= b.length) {
      const incl = b.readUInt32LE(off + 8);
      const pkt = b.subarray(off + 16, off + 16 + incl);
      off += 16 + incl;
      packets++;
      const udp = pkt.subarray(14 + 20);
      const frame = udp.subarray(8);
      if (pkt.readUInt16BE(12) === 0x0800 && pkt.subarray(30, 34).equals(Buffer.from([10, 99, 0, 2])) && udp.readUInt16BE(2) === 40000 &&
          frame.subarray(0, 4).toString('latin1') === 'ZSA1' && frame[5] === 2 && frame.readUInt16BE(24) === 8 &&
          [...Array(8).keys()].every((i) => frame[26 + 48 * i] === 0)) good++;
    }
    eq(packets, 250, `${what}: the answers capture holds 250 packets`);
    eq(good, 250, `${what}: each is an answer frame to 10.99.0.2:40000 accepting all 8 transactions`);
  } finally {
    if (node) await node.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
await replay('0', 'one lcore');
await replay('0,1', 'two lcores');
done();
