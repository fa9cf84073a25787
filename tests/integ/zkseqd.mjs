// Starts and stops a real zkseqd for end-to-end tests: a fresh data
// directory, a free port (--rpc-port 0; the port is read from its log), and
// a JSON-RPC helper.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, testBin, tempDir } from './tap.mjs';

export { tempDir };

export const devKeys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
  '0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a',
  '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba',
  '0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e',
  '0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356',
  '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  '0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6',
];

// start({datadir, args, program}) -> {url, port, udpPort, proc, log(), stop(sig)};
// program 'zkseqd-sim' is the test build with the card's sim backend.
export async function start({ datadir, args = [], program = 'zkseqd' }) {
  const proc = spawn(program === 'zkseqd' ? path.join(bin, 'zkseqd') : path.join(testBin, program), ['--dev', '--datadir', datadir, '--rpc-port', '0', '--udp-port', '0', '--mgmt-port', '0', '--metrics-port', '0', '--stream-port', '0', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
  const t0 = Date.now();
  let port;
  while (!port) {
    const m = log.match(/JSON-RPC on http:\/\/127\.0\.0\.1:(\d+)/);
    if (m) port = Number(m[1]);
    else if (proc.exitCode !== null || Date.now() - t0 > 20000) throw new Error(`zkseqd did not start:\n${log}`);
    else await new Promise((r) => setTimeout(r, 20));
  }
  const url = `http://127.0.0.1:${port}`;
  const um = log.match(/frames on udp:\/\/127\.0\.0\.1:(\d+)/);
  const mm = log.match(/management on (?:tcp|tls):\/\/[0-9.]+:(\d+)/);
  const xm = log.match(/metrics on https?:\/\/[0-9.]+:(\d+)/);
  const sm = log.match(/data stream on tcp:\/\/[0-9.]+:(\d+)/);
  return {
    url, port, proc, exited, udpPort: um ? Number(um[1]) : 0,
    mgmtPort: mm ? Number(mm[1]) : 0, metricsPort: xm ? Number(xm[1]) : 0, streamPort: sm ? Number(sm[1]) : 0,
    log: () => log,
    async stop(sig = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      return exited;
    },
  };
}

let nextId = 1;
// rpc(url, method, params) -> {result} or {error}; raw JSON-RPC over fetch.
export async function rpc(url, method, params) {
  const body = { jsonrpc: '2.0', id: nextId++, method };
  if (params !== undefined) body.params = params;
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return r.json();
}

// devNonces(url, want, ms) -> the ten development accounts' nonces, once
// every one is at least want, or as they are after ms.
export async function devNonces(url, want, ms) {
  const { ethers } = await import('ethers');
  const addrs = devKeys.map((k) => new ethers.Wallet(k).address);
  const deadline = Date.now() + ms;
  for (;;) {
    const nonces = await Promise.all(addrs.map(async (a) => Number((await rpc(url, 'eth_getTransactionCount', [a, 'latest'])).result)));
    if (nonces.every((n) => n >= want) || Date.now() >= deadline) return nonces;
    await new Promise((r) => setTimeout(r, 100));
  }
}
