#!/usr/bin/env node
// End-to-end checks of the `zkseq` tool: known answers from the shared
// vectors, and clear errors (stderr, exit 1, nothing on stdout) for bad input.
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, run, vectors, tempDir } from '../../tests/integ/tap.mjs';

// keccak: the Keccak team's short-message answers.
const kat = fs.readFileSync(path.join(vectors, 'ethereum/keccak/pycryptodome_keccak_ShortMsgKAT_256.txt'), 'utf8');
const cases = [...kat.matchAll(/Len = (\d+)\nMsg = ([0-9A-F]+)\nMD = ([0-9A-F]+)/g)]
  .filter((m) => Number(m[1]) % 8 === 0).slice(0, 12);
for (const [, bits, msg, md] of cases) {
  const hex = Number(bits) === 0 ? '0x' : '0x' + msg;
  const r = run('zkseq', ['keccak', hex]);
  eq(r.json, '0x' + md.toLowerCase(), `keccak of ${bits / 8} bytes`);
}
const tmp = tempDir('cli');
fs.writeFileSync(path.join(tmp, 'dog'), 'dog');
eq(run('zkseq', ['keccak', '--file', path.join(tmp, 'dog')]).json,
  run('zkseq', ['keccak', '0x646f67']).json, 'keccak --file equals keccak of the same bytes');

// poseidon: the full-state vectors, in decimal and hex.
const perm = JSON.parse(fs.readFileSync(path.join(vectors, 'poseidon-goldilocks-permutation.json'), 'utf8'));
for (const c of perm.cases) {
  const out = run('zkseq', ['poseidon', ...c.input]).json;
  eq(out, c.output, `poseidon permutation of [${c.input.slice(0, 3)}...]`);
  const dec = run('zkseq', ['poseidon', ...c.input.map((x) => BigInt(x).toString()), '--hash']).json;
  eq(dec, c.output.slice(0, 4), 'poseidon --hash with decimal input');
}

// Bad input: a clear message on stderr, exit status 1, nothing on stdout.
const bad = [
  [['keccak', '0xabc'], /not hex/],
  [['keccak'], /usage/],
  [['poseidon', '1', '2'], /exactly 12/],
  [['poseidon', ...Array(11).fill('0'), '18446744069414584321'], /not a Goldilocks field element/],
  [['poseidon', ...Array(11).fill('0'), 'x1'], /not a number/],
  [['tx', 'decode', '0x03c0'], /unsupported transaction type/],
  [['tx', 'decode', '0xc0'], /too few fields/],
  [['tx', 'decode', '0xzz'], /not hex/],
  [['tx', 'sign', '--nonce', '0'], /--key is required/],
  [['tx', 'sign', '--key', '00'.repeat(32), '--chain-id', '1', '--nonce', '0', '--to', '0x' + '11'.repeat(20), '--value', '1', '--gas-price', '1'], /not a valid secp256k1 secret key/],
  [['tx', 'sign', '--key', '01'.repeat(32), '--chain-id', '1', '--nonce', '0', '--to', '0xAbCd' + '11'.repeat(18), '--value', '1', '--gas-price', '1'], /checksum/],
  [['tx', 'sign', '--key', '01'.repeat(32), '--chain-id', '1', '--nonce', '0', '--to', '0x' + '11'.repeat(20), '--value', '1', '--max-fee', '2'], /needs --max-fee and --max-priority-fee/],
  [['tx', 'decode-batch', '0x0b0000'], /changeL2Block entry cut short/],
  [['nonsense'], /unknown command/],
];
for (const [args, re] of bad) {
  const r = run('zkseq', args);
  ok(r.status === 1 && re.test(r.stderr) && r.stdout === '', `refused: zkseq ${args.join(' ').slice(0, 60)}`,
    `status ${r.status} stderr ${r.stderr} stdout ${r.stdout}`);
}

// Polygon batches: encode-batch of the vector's raw transactions gives its
// batchL2Data, and decode-batch gives back the senders.
const st = JSON.parse(fs.readFileSync(path.join(vectors, 'polygon/processor/state-transition.json'), 'utf8'));
for (const c of st.filter((x) => [0, 9, 14].includes(x.id))) {
  const args = [];
  for (const t of c.txs) {
    if (t.type === 11) args.push('--block', `${t.deltaTimestamp}:${t.indexL1InfoTree}`);
    else args.push(t.rawTx);
  }
  const enc = run('zkseq', ['tx', 'encode-batch', ...args]).json;
  eq(enc && enc.batchL2Data, c.batchL2Data, `encode-batch reproduces batchL2Data of case ${c.id}`);
  eq(enc && enc.batchHashData, c.batchHashData, `batchHashData of case ${c.id}`);
  const dec = run('zkseq', ['tx', 'decode-batch', c.batchL2Data]).json;
  const froms = dec.entries.filter((e) => e.kind === 'tx').map((e) => e.from.toLowerCase());
  eq(froms, c.txs.filter((t) => t.type !== 11).map((t) => t.from.toLowerCase()), `decode-batch senders of case ${c.id}`);
}
// The state tree: raw roots, genesis roots, keys, a database and proofs.
const mt = (f) => JSON.parse(fs.readFileSync(path.join(vectors, 'polygon/merkle-tree', f), 'utf8'));
const raw = mt('smt-raw.json');
eq(run('zkseq', ['smt', 'root', path.join(vectors, 'polygon/merkle-tree/smt-raw.json')]).json,
  raw.map((c) => c.expectedRoot), `smt root reproduces all ${raw.length} raw roots`);
const gen = mt('smt-genesis.json');
eq(run('zkseq', ['state', 'genesis', path.join(vectors, 'polygon/merkle-tree/smt-genesis.json')]).json
  .map((h) => BigInt(h).toString()), gen.map((c) => c.expectedRoot), `state genesis reproduces all ${gen.length} genesis roots`);
for (const [file, type] of [['smt-key-eth-balance.json', 'balance'], ['smt-key-eth-nonce.json', 'nonce'],
  ['smt-key-contract-code.json', 'code'], ['smt-key-contract-length.json', 'length'], ['smt-key-contract-storage.json', 'storage']]) {
  const cases = mt(file);
  const got = cases.map((c) => run('zkseq', ['smt', 'key', type, c.ethAddr, ...(type === 'storage' ? [c.storagePosition] : [])]).json.decimal);
  eq(got, cases.map((c) => c.expectedKey), `smt key ${type}: ${cases.length} keys`);
}
const db = path.join(tmp, 'db');
const g0 = path.join(tmp, 'genesis.json');
fs.writeFileSync(g0, JSON.stringify(gen[4]));
const made = run('zkseq', ['state', 'genesis', g0, '--db', db]);
eq(BigInt(made.json).toString(), gen[4].expectedRoot, 'state genesis --db writes the genesis and prints its root');
for (const a of gen[4].addresses) {
  const r = run('zkseq', ['state', 'get', '--db', db, a.address, '--proof']).json;
  ok(r && r.balance === a.balance && r.nonce === a.nonce && r.root === made.json && r.proof.balance.siblings.length >= 0,
    `state get ${a.address.slice(0, 10)}: balance, nonce and a verified proof`, r);
}
const refusals = [
  [['state', 'genesis', g0, '--db', db], /already holds a state/],
  [['state', 'get', '--db', path.join(tmp, 'nothing'), gen[4].addresses[0].address], /no database/],
  [['state', 'get', '--db', db, '0x12'], /not an address/],
  [['state', 'get', '--db', db, gen[4].addresses[0].address, '--version', '7'], /not retained/],
  [['smt', 'key', 'colour', gen[4].addresses[0].address], /type must be/],
];
fs.writeFileSync(path.join(tmp, 'bad.json'), '{"addresses":[{"address":"0x617b3a3528F9cDd6630fd3301B9c8911F7Bf063D","balance":"-5"}]}');
refusals.push([['state', 'genesis', path.join(tmp, 'bad.json'), '--db', path.join(tmp, 'db2')], /bad balance/]);
fs.writeFileSync(path.join(tmp, 'notjson.json'), '{"addresses": [');
refusals.push([['state', 'genesis', path.join(tmp, 'notjson.json')], /cannot read/]);
for (const [args, re] of refusals) {
  const r = run('zkseq', args);
  ok(r.status === 1 && re.test(r.stderr) && r.stdout === '', `refused: zkseq ${args.join(' ').replace(tmp, '$TMP').slice(0, 70)}`,
    `status ${r.status} stderr ${r.stderr}`);
}
// Batches: every case of Polygon's state-transition vectors (transfers and
// contracts) reproduces the new state root, batchHashData and accInputHash,
// and the contract cases their expected leaves.
const stFile = path.join(vectors, 'polygon/processor/state-transition.json');
for (const c of st) {
  const r = run('zkseq', c.id % 2 ? ['batch', 'process', stFile, '--id', String(c.id)] : ['batch', 'process', '--id', String(c.id), stFile]);
  const o = r.json || {};
  ok(o.oldStateRoot === c.expectedOldRoot && o.newStateRoot === c.expectedNewRoot && o.batchL2Data === c.batchL2Data &&
    o.batchHashData === c.batchHashData && o.newAccInputHash === c.expectedNewAccInputHash,
  `batch process case ${c.id}: new state root, batchL2Data, batchHashData, accInputHash (${c.description.slice(0, 40)})`,
  { got: [o.newStateRoot, o.newAccInputHash], want: [c.expectedNewRoot, c.expectedNewAccInputHash], err: r.stderr });
}
// Polygon's block-info vector: what a block writes (system storage, the
// block info tree read back by a contract).  Blocks naming L1 info leaves
// are in the executor inputs (9 carry leaves: test_exec_vectors).
{
  const f = path.join(vectors, 'polygon/block-info/block-info.json');
  const [c] = JSON.parse(fs.readFileSync(f, 'utf8'));
  const o = run('zkseq', ['batch', 'process', f, '--id', String(c.id)]).json || {};
  ok(o.newStateRoot === c.expectedNewRoot && o.batchL2Data === c.batchL2Data && o.newAccInputHash === c.expectedNewAccInputHash,
    'batch process: Polygon\'s block-info vector: root, data and accInputHash', o);
}
// Blobs: Polygon's EIP-4844 blob vector through encode and commit; its
// accInputHash recomputed here with ethers from the commitment's versioned
// hash; decode gives the batches back; the 128 cell proofs check.
{
  const [, c1] = JSON.parse(fs.readFileSync(path.join(vectors, 'polygon/blob/blob-inner-data.json'), 'utf8'));
  const bf = path.join(tmp, 'batches.json'), blobFile = path.join(tmp, 'b.blob');
  fs.writeFileSync(bf, JSON.stringify(c1.batchesData));
  const enc = run('zkseq', ['blob', 'encode', bf, '--type', 'blob', '--out', blobFile]);
  ok(enc.status === 0 && enc.json.blobBytes === 131072 && fs.statSync(blobFile).size === 131072, 'blob encode: an EIP-4844 blob', enc.stderr);
  const com = run('zkseq', ['blob', 'commit', blobFile]).json || {};
  const p = c1.inputBlob.private;
  const { ethers } = await import('ethers');
  const acc = ethers.solidityPackedKeccak256(
    ['bytes32', 'uint32', 'bytes32', 'uint64', 'address', 'uint64', 'uint8', 'bytes32', 'bytes32', 'bytes32'],
    [c1.inputBlob.publics.oldBlobAccInputHash, p.lastL1InfoTreeIndex, p.lastL1InfoTreeRoot, p.timestampLimit,
      p.sequencerAddress, p.zkGasLimit, 1, com.versionedHash, ethers.ZeroHash, p.forcedHashData]);
  eq(acc, c1.expected.newBlobAccInputHash, 'blob commit: the versioned hash gives Polygon\'s blob accInputHash');
  ok(com.versionedHash === '0x01' + ethers.sha256(com.commitment).slice(4), 'the versioned hash is 0x01 ++ sha256(commitment)[1..]');
  eq(run('zkseq', ['blob', 'decode', blobFile]).json?.batches, c1.batchesData.map((h) => h.toLowerCase()), 'blob decode: the batches back');
  const cells = run('zkseq', ['blob', 'cells', blobFile]).json || {};
  ok(cells.verified === true && cells.cellProofs.length === 128 && cells.commitment === com.commitment, 'blob cells: 128 cell proofs, checked');
  const bad = Buffer.from(fs.readFileSync(blobFile));
  bad[64] = 1;
  fs.writeFileSync(blobFile, bad);
  const d = run('zkseq', ['blob', 'decode', blobFile]);
  ok(d.status === 1 && /error_invalid_msb_byte/.test(d.stderr), 'blob decode refuses a field element with a high byte', d.stderr);
  fs.writeFileSync(blobFile, bad.subarray(0, 1000));
  const c = run('zkseq', ['blob', 'commit', blobFile]);
  ok(c.status === 1 && /not a blob/.test(c.stderr), 'blob commit refuses a file of another size', c.stderr);
}
// An executor input: zkseq batch exec prints the root and the counters.
{
  const f = path.join(vectors, 'polygon/executor/calldata/erc20_0.json');
  const v = JSON.parse(fs.readFileSync(f, 'utf8'));
  const o = run('zkseq', ['batch', 'exec', f]).json || {};
  ok(o.newStateRoot === v.newStateRoot && o.newLocalExitRoot === v.newLocalExitRoot &&
    JSON.stringify(o.virtualCounters) === JSON.stringify(v.virtualCounters) && o.txs.every((t) => t.included && t.status === 1),
  'batch exec erc20_0: newStateRoot, newLocalExitRoot and virtualCounters as the vector', { got: o.virtualCounters, want: v.virtualCounters });
  const bad = path.join(tmp, 'bad-db.json');
  fs.writeFileSync(bad, JSON.stringify({ ...v, db: {} }));
  const r = run('zkseq', ['batch', 'exec', bad]);
  ok(r.status === 1 && /db: node at depth 0 missing/.test(r.stderr) && r.stdout === '', 'batch exec: a db without the tree is refused', r.stderr);
}
fs.rmSync(tmp, { recursive: true });
done();
