#!/usr/bin/env node
// Compiles a folder of Solidity sources with solc-js (npm `solc`, pinned;
// fully offline) into one JSON file: { ContractName: { abi, bytecode } }.
//   node tools/l1/compile.mjs [OUT] [--src DIR] [--evm VERSION]
// Defaults: tools/l1/contracts into build/l1/contracts.json for Cancun (the
// L1).  L2 contracts compile for 'shanghai': fork 12 has PUSH0 but not
// Cancun's MCOPY, TLOAD or TSTORE.  Recompiles only when a source is newer
// than OUT.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const dir = path.resolve(opt('--src', path.join(here, 'contracts')));
const evmVersion = opt('--evm', 'cancun');
const out = path.resolve(args[0] || path.join(top, 'build/l1/contracts.json'));
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sol')).sort();

const newest = Math.max(...files.map((f) => fs.statSync(path.join(dir, f)).mtimeMs), fs.statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= newest) process.exit(0);

const require = createRequire(path.join(top, 'package.json'));
const solc = require('solc');
const input = {
  language: 'Solidity',
  sources: Object.fromEntries(files.map((f) => [f, { content: fs.readFileSync(path.join(dir, f), 'utf8') }])),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};
const res = JSON.parse(solc.compile(JSON.stringify(input), { import: (p) => {
  const f = path.join(dir, path.basename(p));
  return fs.existsSync(f) ? { contents: fs.readFileSync(f, 'utf8') } : { error: `not found: ${p}` };
} }));
const errors = (res.errors || []).filter((e) => e.severity === 'error');
for (const e of res.errors || []) console.error(e.formattedMessage);
if (errors.length) process.exit(1);
const result = {};
for (const [, contracts] of Object.entries(res.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    if (!c.evm.bytecode.object) continue; // interfaces and libraries inlined
    result[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
  }
}
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out + '.tmp', JSON.stringify(result, null, 1));
fs.renameSync(out + '.tmp', out);
console.error(`compiled ${Object.keys(result).join(', ')} with solc ${solc.version()} -> ${path.relative(process.cwd(), out)}`);
