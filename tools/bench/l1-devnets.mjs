#!/usr/bin/env node
// The L1 devnets of zkseq-bench's l1gas suite: one anvil per hardfork, each
// with the rollup contracts deployed and anvil's dev account 2 as the
// trusted sequencer (anvil signs its eth_sendTransaction), on free ports.
// Writes DIR/<hardfork>.json (rpc, rollup, globalExitRootManager, sequencer,
// hardfork), prints "ready <files>" and runs until SIGTERM/SIGINT.
//   node tools/bench/l1-devnets.mjs DIR [HARDFORK...]   (default: cancun prague)
import fs from 'node:fs';
import path from 'node:path';
import { startAnvil, deploy, freePort } from '../l1/devnet-lib.mjs';

const SEQUENCER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'; // anvil dev account 2
// Its key is anvil's public dev key: zkseq-bench signs blob transactions with it.
const SEQUENCER_KEY = '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a';
const dir = path.resolve(process.argv[2] || 'build/bench/l1');
const forks = process.argv.length > 3 ? process.argv.slice(3) : ['cancun', 'prague'];
fs.mkdirSync(dir, { recursive: true });
const anvils = [], files = [];
const stop = async () => { for (const a of anvils) await a.stop('SIGTERM'); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
try {
  for (const hf of forks) {
    // A 60M gas block limit: a 120 kB batch at EIP-7623's floor needs ~4.8M.
    const a = await startAnvil({ port: await freePort(), args: ['--hardfork', hf, '--gas-limit', '60000000'] });
    anvils.push(a);
    const addrs = await deploy(a.url, { sequencer: SEQUENCER, fundSequencer: null });
    const f = path.join(dir, `${hf}.json`);
    fs.writeFileSync(f, JSON.stringify({ ...addrs, hardfork: hf, sequencerKey: SEQUENCER_KEY }, null, 2) + '\n');
    files.push(f);
  }
} catch (e) {
  console.error(`l1-devnets: ${e.message}`);
  for (const a of anvils) await a.stop('SIGKILL');
  process.exit(1);
}
console.log(`ready ${files.join(',')}`);
setInterval(() => {}, 1 << 30);
