#!/usr/bin/env node
// zkseqd with cast (foundry 1.7.1, a real client): send (--legacy; cast's
// default EIP-1559 is refused as zkevm-node refuses it, and taken with the
// extensions.typed_transactions extension), balance, receipt, block, nonce.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, top, skip } from '../../tests/integ/tap.mjs';
import { start, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';

const castBin = path.join(top, 'node_modules/.bin/cast');
if (!fs.existsSync(castBin)) skip('cast is not installed (npm ci)');
const dir = tempDir('cast');
const node = await start({ datadir: path.join(dir, 'data') });
const castAt = (url, ...args) => {
  const r = spawnSync(castBin, [...args, '--rpc-url', url], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, out: (r.stdout || '').trim(), err: (r.stderr || '').trim() };
};
const cast = (...args) => castAt(node.url, ...args);
let ext;
try {
  const from = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
  const to = '0x000000000000000000000000000000000000bEEF';
  eq(cast('chain-id').out, '1001', 'cast chain-id');
  eq(cast('balance', from).out, '10000000000000000000000', 'cast balance of dev account 0');
  eq(cast('nonce', from).out, '0', 'cast nonce before sending');
  const typed = cast('send', '--private-key', devKeys[0], to, '--value', '1ether', '--json');
  ok(typed.status !== 0 && /transaction type not supported/.test(typed.err),
    'cast send (EIP-1559) is refused by default: Polygon fork 12 takes legacy transactions only', typed.err);
  // An EIP-2930 transaction (signed by zkseq's tool, published by cast): refused alike.
  const signed = spawnSync(path.join(top, 'build/bin/zkseq'), ['tx', 'sign', '--key', devKeys[0], '--nonce', '0',
    '--to', to, '--value', '1', '--gas', '30000', '--data', '0x', '--type', 'eip2930', '--gas-price', '2000000000',
    '--chain-id', '1001'], { encoding: 'utf8' });
  let raw2930 = '';
  try { raw2930 = JSON.parse(signed.stdout).raw; } catch { raw2930 = ''; }
  const pub = cast('publish', raw2930);
  ok(/^0x01/.test(raw2930) && pub.status !== 0 && /transaction type not supported/.test(pub.err),
    'an EIP-2930 transaction is refused by default', pub.err);
  eq(cast('nonce', from).out, '0', 'nothing refused changed the account');
  const s1 = cast('send', '--legacy', '--private-key', devKeys[0], to, '--value', '1ether', '--json');
  let r1;
  try { r1 = JSON.parse(s1.out); } catch { r1 = null; }
  ok(s1.status === 0 && r1 && r1.status === '0x1', 'cast send --legacy succeeds', s1.err || s1.out);
  eq(r1 && r1.type, '0x0', 'cast sent a legacy transaction');
  const s2 = cast('send', '--legacy', '--private-key', devKeys[0], to, '--value', '2ether', '--json');
  let r2;
  try { r2 = JSON.parse(s2.out); } catch { r2 = null; }
  ok(s2.status === 0 && r2 && r2.status === '0x1', 'cast send --legacy succeeds', s2.err || s2.out);
  eq(cast('balance', to).out, '3000000000000000000', 'cast balance of the recipient: 3 ETH');
  eq(cast('nonce', from).out, '2', 'cast nonce after two sends');
  const rc = cast('receipt', r1 ? r1.transactionHash : '0x', 'status');
  ok(/^(1|true|1 \(success\))$/.test(rc.out), 'cast receipt status', rc.out + rc.err);
  const gu = cast('receipt', r1 ? r1.transactionHash : '0x', 'gasUsed');
  eq(gu.out, '21000', 'cast receipt gasUsed');
  const blk = cast('block', 'latest', '--json');
  let b;
  try { b = JSON.parse(blk.out); } catch { b = null; }
  ok(b && BigInt(b.number) >= 2n && /^0x[0-9a-f]{64}$/.test(b.hash), 'cast block latest', blk.err || blk.out);
  const b1 = cast('block', r1 ? String(BigInt(r1.blockNumber)) : '1', '--json');
  let bb;
  try { bb = JSON.parse(b1.out); } catch { bb = null; }
  ok(bb && bb.transactions.includes(r1.transactionHash), 'cast block N lists the transaction');
  eq(cast('block-number').out, String(BigInt(b ? b.number : 0)), 'cast block-number');
  const bad = cast('send', '--legacy', '--private-key', devKeys[1], to, '--value', '100000ether');
  ok(bad.status !== 0 && /insufficient funds/.test(bad.err), 'cast shows the refusal reason', bad.err);
  eq(cast('rpc', 'zkevm_batchNumber').out, '"0x1"', 'cast rpc zkevm_batchNumber');

  // The named extension: typed transactions taken, and said at start-up.
  const cfg = path.join(dir, 'typed.json');
  fs.writeFileSync(cfg, JSON.stringify({ extensions: { typed_transactions: true } }));
  ext = await start({ datadir: path.join(dir, 'data-ext'), args: ['--config', cfg] });
  ok(/extension on: extensions\.typed_transactions/.test(ext.log()), 'zkseqd says at start-up that the extension is on');
  const s3 = castAt(ext.url, 'send', '--private-key', devKeys[0], to, '--value', '1ether', '--json');
  let r3;
  try { r3 = JSON.parse(s3.out); } catch { r3 = null; }
  ok(s3.status === 0 && r3 && r3.status === '0x1', 'with the extension, cast send (EIP-1559) succeeds', s3.err || s3.out);
  eq(r3 && r3.type, '0x2', 'cast sent a type-2 transaction');
  ok(!/extension on/.test(node.log()), 'without it, zkseqd says nothing of extensions');
} finally {
  await node.stop('SIGKILL');
  if (ext) await ext.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
