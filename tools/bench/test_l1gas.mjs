#!/usr/bin/env node
// The l1gas benchmark's own correctness (not its figures' speed): `tools/bench/run
// --quick l1gas` against its anvil devnets posts every simulated batch with the
// firmware's calldata and gas limits, and again in blobs (type-3 transactions
// with sequenceBlobBatches); nothing reverts, every rate and hardfork has its
// rows, and the gas (and blob gas) against its bound is what the issues ask
// (gas is deterministic, so this is a property, not a timing).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, top, bin, tempDir } from '../../tests/integ/tap.mjs';

const json = path.join(tempDir('l1gas'), 'r.json');
execFileSync(path.join(top, 'tools/bench/run'), ['--quick', '--json', json, 'l1gas'],
  { env: { ...process.env, ZS_BIN: bin }, stdio: ['ignore', 'ignore', 'inherit'] });
const r = JSON.parse(fs.readFileSync(json, 'utf8'));
const rows = r.results.filter((x) => x.suite === 'l1gas');
const notes = (r.notes || []).filter((x) => x.suite === 'l1gas').map((x) => x.note);
for (const hf of ['cancun', 'prague']) {
  for (const rate of [100, 1000, 10000]) {
    const tag = `${hf} ${String(rate).padStart(5)} tx/s`;
    const gas = rows.find((x) => x.name === `${tag}: L1 gas per L2 transfer`);
    ok(gas && gas.value > 0 && gas.reference_value > 0, `${tag}: gas per transfer measured against the calldata bound`);
    if (!gas) continue;
    ok(gas.ratio >= 1, `${tag}: gas is not below its lower bound (${gas.ratio?.toFixed(3)}x)`);
    if (rate >= 1000) ok(gas.meets_goal === true && gas.ratio <= 1.2, `${tag}: within 1.2x of the bound`);
    ok(rows.some((x) => x.name === `${tag}: L1 transactions per hour` && x.value > 0), `${tag}: L1 transactions per hour`);
    const note = notes.find((n) => n.startsWith(`${hf} at ${rate} tx/s:`));
    ok(note && / 0 reverted;/.test(note), `${tag}: every sequenceBatches mined without a revert`, note);
    // The same load in blobs (type-3 transactions, sequenceBlobBatches).
    const blob = rows.find((x) => x.name === `${tag} blobs: blob gas per L2 transfer`);
    ok(blob && blob.ratio >= 1 && (rate < 1000 || blob.ratio <= 1.2),
      `${tag} blobs: blob gas per transfer against its bytes in full blobs (${blob?.ratio?.toFixed(3)}x)`);
    const bnote = notes.find((n) => n.startsWith(`${hf} at ${rate} tx/s with blobs:`));
    ok(bnote && / 0 reverted;/.test(bnote) && /\d+ blobs \(/.test(bnote), `${tag} blobs: every sequenceBlobBatches mined without a revert`, bnote);
    const exec = rows.find((x) => x.name === `${tag} blobs: L1 gas per L2 transfer`);
    ok(exec && gas && exec.value < gas.value / (rate >= 1000 ? 5 : 2), `${tag} blobs: L1 gas per transfer well below calldata's (${exec?.value?.toFixed(0)} vs ${gas?.value?.toFixed(0)})`);
    if (rate < 1000) {
      // The firmware's blob_fill_wait_ms (8 s): a 3 s batch fills a quarter of a blob, so held ones share blobs.
      const held = rows.find((x) => x.name === `${tag} blobs, fill wait 8 s: blob gas per L2 transfer`);
      const hnote = notes.find((n) => n.startsWith(`${hf} at ${rate} tx/s with blobs, fill wait 8 s:`));
      ok(hnote && / 0 reverted;/.test(hnote), `${tag} fill wait 8 s: every sequenceBlobBatches mined without a revert`, hnote);
      ok(held && blob && held.value < blob.value * 0.6 && held.ratio >= 1,
        `${tag} fill wait 8 s: blob gas per transfer ${held?.value?.toFixed(0)} against ${blob?.value?.toFixed(0)} posted at once`);
    }
  }
}
// EIP-7623 makes calldata dearer on Prague: the floor bound is 2.5x EIP-2028's for non-zero bytes.
const c = rows.find((x) => x.name === 'cancun  1000 tx/s: L1 gas per L2 transfer');
const p = rows.find((x) => x.name === 'prague  1000 tx/s: L1 gas per L2 transfer');
ok(c && p && p.reference_value / c.reference_value > 2.2, 'the Prague floor prices this calldata at ~2.5x Cancun');
eq(notes.filter((n) => /failed|cannot|no answer|skipped/.test(n)).length, 0, 'no failure notes');
done();
