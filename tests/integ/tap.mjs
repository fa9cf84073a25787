// Minimal TAP helpers for zkseq's end-to-end tests written in JavaScript.
// tests/run counts the "ok" / "not ok" lines; a failed check also makes the
// script exit non-zero.  skip(reason) exits 77, which tests/run reports.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let n = 0, failed = 0;
export const top = process.env.ZS_TOP || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = process.env.ZS_BIN || path.join(top, 'build/bin');
// Programs built for the tests only (build/test: zkseqd-sim).
export const testBin = process.env.ZS_TEST_BIN || path.join(path.dirname(bin), 'test');
export const vectors = process.env.ZS_VECTORS || path.resolve(top, '../shared/vectors');

export function ok(cond, msg, detail) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${msg}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${msg}`);
    if (detail !== undefined) console.log(`# ${String(typeof detail === 'string' ? detail : JSON.stringify(detail, (k, v) => (typeof v === 'bigint' ? String(v) : v))).split('\n').join('\n# ')}`);
  }
  return cond;
}

export function eq(a, b, msg) {
  const sa = typeof a === 'bigint' ? a.toString() : JSON.stringify(a);
  const sb = typeof b === 'bigint' ? b.toString() : JSON.stringify(b);
  return ok(sa === sb, msg, `got ${sa}\nwant ${sb}`);
}

// tempDir(name): a fresh directory under the system's temporary one.
// done() removes every one made when all checks passed (ZS_KEEP_TMP=1 keeps
// them); after a failure they stay, named in the output, to be read.
const scratch = [];
export function tempDir(name) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `zkseq-${name}-`));
  scratch.push(d);
  return d;
}

export function skip(reason) {
  console.log(`# skipped: ${reason}`);
  console.log(reason);
  process.exit(77);
}

export function done() {
  console.log(`1..${n}`);
  if (failed) console.log(`# ${failed} of ${n} checks failed; kept to read: ${scratch.join(' ')}`);
  else if (!process.env.ZS_KEEP_TMP) for (const d of scratch) fs.rmSync(d, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

// Runs a zkseq program; returns {status, stdout, stderr, json}.
export function run(prog, args, opts = {}) {
  const r = spawnSync(path.join(bin, prog), args, { encoding: 'utf8', ...opts });
  let json;
  try { json = JSON.parse(r.stdout); } catch { json = undefined; }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
