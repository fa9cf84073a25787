// Minimal TAP helpers for zkseq's end-to-end tests written in JavaScript.
// tests/run counts the "ok" / "not ok" lines; a failed check also makes the
// script exit non-zero.  skip(reason) exits 77, which tests/run reports.
import { spawnSync } from 'node:child_process';
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
    if (detail !== undefined) console.log(`# ${String(typeof detail === 'string' ? detail : JSON.stringify(detail)).split('\n').join('\n# ')}`);
  }
  return cond;
}

export function eq(a, b, msg) {
  const sa = typeof a === 'bigint' ? a.toString() : JSON.stringify(a);
  const sb = typeof b === 'bigint' ? b.toString() : JSON.stringify(b);
  return ok(sa === sb, msg, `got ${sa}\nwant ${sb}`);
}

export function skip(reason) {
  console.log(`# skipped: ${reason}`);
  console.log(reason);
  process.exit(77);
}

export function done() {
  console.log(`1..${n}`);
  if (failed) console.log(`# ${failed} of ${n} checks failed`);
  process.exit(failed ? 1 : 0);
}

// Runs a zkseq program; returns {status, stdout, stderr, json}.
export function run(prog, args, opts = {}) {
  const r = spawnSync(path.join(bin, prog), args, { encoding: 'utf8', ...opts });
  let json;
  try { json = JSON.parse(r.stdout); } catch { json = undefined; }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
