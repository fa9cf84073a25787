// The L2 test contracts (tests/contracts/*.sol: an ERC-20 and a
// Uniswap-V2-style pair), compiled by solc-js for fork 12 (shanghai: PUSH0,
// no Cancun opcodes) into build/l2/contracts.json on first use.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const top = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function l2Contracts() {
  const out = path.join(top, 'build/l2/contracts.json');
  execFileSync(process.execPath, [path.join(top, 'tools/l1/compile.mjs'), out, '--src', path.join(top, 'tests/contracts'),
    '--evm', 'shanghai'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}
