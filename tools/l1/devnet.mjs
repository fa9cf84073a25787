#!/usr/bin/env node
// The L1 devnet: anvil on 127.0.0.1:8545 (chain id 31337) with zkseq's rollup
// contracts deployed; the addresses go to build/devnet/addresses.json (the
// rollup under "rollup"), which zkseq-fw reads.  Runs until SIGINT/SIGTERM;
// anvil's state is kept in build/devnet/anvil-state.json across runs, and the
// contracts are deployed again only when that state is new.
//   node tools/l1/devnet.mjs --sequencer 0xADDR [--port P] [--dir D] [--genesis-root 0x..] [--block-time S]
import fs from 'node:fs';
import path from 'node:path';
import { startAnvil, deploy, top } from './devnet-lib.mjs';

const opts = { port: 8545, dir: path.join(top, 'build/devnet'), sequencer: null, genesisRoot: undefined, blockTime: 1 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i], v = process.argv[i + 1];
  if (a === '--port') { opts.port = Number(v); i++; }
  else if (a === '--dir') { opts.dir = path.resolve(v); i++; }
  else if (a === '--sequencer') { opts.sequencer = v; i++; }
  else if (a === '--genesis-root') { opts.genesisRoot = v; i++; }
  else if (a === '--block-time') { opts.blockTime = Number(v); i++; }
  else { console.error(`devnet: unknown argument ${a}`); process.exit(2); }
}
if (!opts.sequencer || !/^0x[0-9a-fA-F]{40}$/.test(opts.sequencer)) {
  console.error('devnet: --sequencer 0xADDRESS (the firmware\'s L1 address: zkseq-fw --keystore F --address) is required');
  process.exit(2);
}
fs.mkdirSync(opts.dir, { recursive: true });
const stateFile = path.join(opts.dir, 'anvil-state.json');
const addrFile = path.join(opts.dir, 'addresses.json');
const fresh = !fs.existsSync(stateFile) || !fs.existsSync(addrFile);
if (fresh) { fs.rmSync(stateFile, { force: true }); fs.rmSync(addrFile, { force: true }); }
const anvil = await startAnvil({ port: opts.port, stateFile, blockTime: fresh ? 0 : opts.blockTime });
let addrs;
if (fresh) {
  addrs = await deploy(anvil.url, { sequencer: opts.sequencer, genesisRoot: opts.genesisRoot });
  await anvil.setBlockTime(opts.blockTime);
  fs.writeFileSync(addrFile + '.tmp', JSON.stringify(addrs, null, 2) + '\n');
  fs.renameSync(addrFile + '.tmp', addrFile);
} else {
  addrs = JSON.parse(fs.readFileSync(addrFile, 'utf8'));
}
console.log(`devnet: anvil ${anvil.url} chain id ${addrs.chainId}; rollup ${addrs.rollup}; addresses in ${addrFile}`);
const stop = async () => { await anvil.stop('SIGTERM'); process.exit(0); };
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const { code, sig } = await anvil.exited;
console.error(`devnet: anvil exited (${code ?? sig})`);
process.exit(1);
