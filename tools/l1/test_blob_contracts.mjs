#!/usr/bin/env node
// Blobs through the contracts on a real anvil (its default hardfork, after
// Osaka): Polygon's blob vectors through BlobAcc (calldata and forced blobs
// by eth_call; the EIP-4844 blob in a type-3 transaction whose sidecar
// carries zkseq's own commitment and 128 cell proofs, EIP-7594's form, which
// anvil checks; the point evaluation at zkseq's (z, y) checked by the 0x0a
// precompile; blobhash equal to zkseq's versioned hash), a damaged cell proof
// and a wrong y refused; and ZkseqRollup.sequenceBlobs with a blob and a
// calldata blob in one sequence, its accInputHash recomputed here, and
// sequenceBlobBatches (a blob with its batches' hashes: both chains move); and the
// same type-3 transaction signed by zkseq (`zkseq blob tx`, lib/tx), read by
// ethers and mined by anvil in both sidecar forms.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, bin, vectors, tempDir } from '../../tests/integ/tap.mjs';
import { startAnvil, deploy, contracts, freePort, ethers, rollupAt, gerAt, DEPLOYER_KEY } from './devnet-lib.mjs';

const tmp = tempDir('blobc');
const zkseq = (...a) => JSON.parse(execFileSync(path.join(bin, 'zkseq'), a, { maxBuffer: 64 << 20 }).toString());
const cases = JSON.parse(fs.readFileSync(path.join(vectors, 'polygon/blob/blob-inner-data.json'), 'utf8'));
const typeName = ['calldata', 'blob', 'forced'];

// The blob of a vector's batches, with everything zkseq computes for it.
function blobOf(cs, type) {
  const bf = path.join(tmp, `c${cs.id}.json`), out = path.join(tmp, `c${cs.id}.blob`);
  fs.writeFileSync(bf, JSON.stringify(cs.batchesData));
  const enc = zkseq('blob', 'encode', bf, '--type', typeName[type], '--out', out);
  const data = ethers.hexlify(fs.readFileSync(out));
  if (type !== 1) return { data, enc };
  return { data, enc, com: zkseq('blob', 'commit', out), cells: zkseq('blob', 'cells', out) };
}

const stepOf = (p, type) => ({
  l1InfoTreeIndex: Number(p.lastL1InfoTreeIndex), l1InfoTreeRoot: p.lastL1InfoTreeRoot,
  timestampLimit: BigInt(p.timestampLimit), sequencer: p.sequencerAddress, zkGasLimit: BigInt(p.zkGasLimit),
  blobType: type, versionedHash: ethers.ZeroHash, blobL2HashData: ethers.ZeroHash, forcedHashData: p.forcedHashData,
});

// A type-3 transaction carrying blob b (EIP-7594's sidecar: zkseq's commitment
// and cell proofs), signed here and broadcast raw.
async function sendBlobTx(wallet, to, data, b, cellProofs) {
  const provider = wallet.provider;
  const fee = await provider.getFeeData();
  const tx = ethers.Transaction.from({
    type: 3, chainId: (await provider.getNetwork()).chainId, nonce: await provider.getTransactionCount(wallet.address),
    to, data, gasLimit: 600000n, maxFeePerGas: fee.maxFeePerGas * 2n, maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
    maxFeePerBlobGas: 1000000000n,
    blobs: [{ data: b.data, commitment: b.com.commitment, proof: ethers.concat(cellProofs) }],
  });
  tx.blobWrapperVersion = 1;
  tx.signature = wallet.signingKey.sign(tx.unsignedHash);
  return provider.broadcastTransaction(tx.serialized);
}

const anvil = await startAnvil({ port: await freePort() });
try {
  const provider = new ethers.JsonRpcProvider(anvil.url, undefined, { cacheTimeout: -1, batchMaxCount: 1 });
  provider.pollingInterval = 100;
  const c = contracts();
  const deployer = new ethers.Wallet(DEPLOYER_KEY, provider);
  const harness = await (await new ethers.ContractFactory(c.BlobAccHarness.abi, c.BlobAccHarness.bytecode,
    new ethers.NonceManager(deployer)).deploy()).waitForDeployment();
  const hAddr = await harness.getAddress();

  // Calldata and forced blobs: the vectors through the contract's step.
  let n = 0;
  for (const cs of cases.filter((x) => ['0', '2'].includes(String(x.inputBlob.private.blobType)))) {
    const type = Number(cs.inputBlob.private.blobType);
    const b = blobOf(cs, type);
    const acc = await harness.calldataStep(cs.inputBlob.publics.oldBlobAccInputHash, stepOf(cs.inputBlob.private, type), b.data);
    eq(acc, cs.expected.newBlobAccInputHash, `vector ${cs.id} (${cs.description}): the contract's accInputHash`);
    n++;
  }
  ok(n >= 4, `${n} calldata and forced blob vectors through the contract`);

  // The EIP-4844 blob: a type-3 transaction with zkseq's KZG work.
  const c1 = cases.find((x) => String(x.inputBlob.private.blobType) === '1');
  const b1 = blobOf(c1, 1);
  const args = (y, proof) => harness.interface.encodeFunctionData('blobStep', [c1.inputBlob.publics.oldBlobAccInputHash,
    stepOf(c1.inputBlob.private, 1), 0, b1.com.z, y, ethers.concat([b1.com.commitment, proof])]);
  const sent = await sendBlobTx(deployer, hAddr, args(b1.com.y, b1.com.proof), b1, b1.cells.cellProofs);
  const rcpt = await sent.wait();
  const ev = rcpt.logs.map((l) => harness.interface.parseLog(l)).find((e) => e && e.name === 'BlobAccumulated');
  eq(rcpt.status, 1, 'anvil took the type-3 transaction with zkseq\'s commitment and 128 cell proofs');
  eq(ev && ev.args.versionedHash, b1.com.versionedHash, 'blobhash(0) is zkseq\'s versioned hash');
  eq(ev && ev.args.acc, c1.expected.newBlobAccInputHash, `vector ${c1.id} (${c1.description}): the contract's accInputHash, point evaluation checked`);
  const tx1 = await provider.send('eth_getTransactionByHash', [sent.hash]);
  eq(tx1.blobVersionedHashes, [b1.com.versionedHash], 'eth_getTransactionByHash lists the versioned hash');

  // A damaged cell proof: refused by anvil.
  const badCells = b1.cells.cellProofs.slice();
  badCells[5] = badCells[9];
  let refused = null;
  try { await sendBlobTx(deployer, hAddr, args(b1.com.y, b1.com.proof), b1, badCells); } catch (e) { refused = e; }
  ok(refused && /kzg|proof/i.test(String(refused.message || refused)), 'anvil refuses a blob whose cell proofs do not check',
    String(refused && refused.message).slice(0, 200));
  // A wrong y: the point evaluation precompile fails, the call reverts
  // (the same call with zkseq's y goes through: the blob hash is there).
  const call = (y) => provider.send('eth_call', [{ from: deployer.address, to: hAddr, data: args(y, b1.com.proof),
    blobVersionedHashes: [b1.com.versionedHash], maxFeePerBlobGas: '0x3b9aca00' }, 'latest']);
  const good = await call(b1.com.y).catch((e) => e);
  ok(typeof good === 'string' && good.length === 66, 'eth_call of blobStep with the blob\'s versioned hash and zkseq\'s y succeeds', String(good));
  const yBad = ethers.toBeHex(BigInt(b1.com.y) ^ 1n, 32);
  const bad = await call(yBad).catch((e) => e);
  ok(bad instanceof Error && JSON.stringify(bad.error || bad.info || bad.message).includes(ethers.id('PointEvaluationFailed()').slice(0, 10)),
    'a wrong y reverts with PointEvaluationFailed', String(bad && bad.message).slice(0, 300));

  // The same transaction signed by zkseq (lib/tx's type-3 signer, the
  // firmware's): ethers reads its network form back, anvil mines it, in
  // EIP-7594's form and in EIP-4844's.
  const blobFile = path.join(tmp, `c${c1.id}.blob`);
  for (const form of ['eip7594', 'eip4844']) {
    const fee = await provider.getFeeData();
    const nonce = await provider.getTransactionCount(deployer.address);
    const out = path.join(tmp, `tx-${form}.hex`);
    const z = zkseq('blob', 'tx', '--key', DEPLOYER_KEY, '--chain-id', String((await provider.getNetwork()).chainId),
      '--nonce', String(nonce), '--to', hAddr, '--gas', '600000', '--max-fee', String(fee.maxFeePerGas * 2n),
      '--max-priority-fee', String(fee.maxPriorityFeePerGas), '--blob-fee', '1000000000',
      '--data', args(b1.com.y, b1.com.proof), '--out', out, ...(form === 'eip4844' ? ['--eip4844'] : []), blobFile);
    const wire = fs.readFileSync(out, 'utf8');
    const parsed = ethers.Transaction.from(wire);
    ok(parsed.type === 3 && parsed.hash === z.hash && parsed.from === deployer.address && parsed.to === hAddr &&
       parsed.blobVersionedHashes[0] === b1.com.versionedHash && parsed.blobs.length === 1 &&
       parsed.blobs[0].commitment === b1.com.commitment && (form === 'eip4844') === (parsed.blobWrapperVersion == null),
    `${form}: ethers reads zkseq's signed blob transaction (hash, sender, versioned hash, commitment)`,
    { hash: parsed.hash, want: z.hash, from: parsed.from, v: parsed.blobWrapperVersion });
    const sentHash = await provider.send('eth_sendRawTransaction', [wire]);
    let r2 = null;
    for (let t = 0; t < 100 && !r2; t++) {
      r2 = await provider.getTransactionReceipt(sentHash);
      if (!r2) {
        if (t === 20) console.log('# not mined after 2 s; txpool:', JSON.stringify(await provider.send('txpool_status', [])),
          'block', await provider.getBlockNumber());
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (!r2) throw new Error(`${form}: the transaction was not mined in 10 s`);
    const ev2 = r2.logs.map((l) => harness.interface.parseLog(l)).find((e) => e && e.name === 'BlobAccumulated');
    ok(sentHash === z.hash && r2.status === 1 && ev2 && ev2.args.acc === c1.expected.newBlobAccInputHash,
      `${form}: anvil mines it and the contract computes Polygon's accInputHash`);
  }

  // ZkseqRollup.sequenceBlobs: an EIP-4844 blob and a calldata blob in one sequence.
  const seq = ethers.Wallet.createRandom().connect(provider);
  await (await deployer.sendTransaction({ to: seq.address, value: ethers.parseEther('10') })).wait();
  const addrs = await deploy(anvil.url, { sequencer: seq.address, fundSequencer: null });
  const rollup = rollupAt(addrs.rollup, seq);
  const root = await gerAt(addrs.globalExitRootManager, provider).l1InfoRootMap(1);
  const now = BigInt((await provider.getBlock('latest')).timestamp);
  const coinbase = ethers.Wallet.createRandom().address;
  const zkGas = 100000000n;
  const c0 = cases.find((x) => String(x.inputBlob.private.blobType) === '0');
  const b0 = blobOf(c0, 0);
  const coder = ethers.AbiCoder.defaultAbiCoder();
  const blobs = [
    { blobType: 1, blobTypeParams: coder.encode(['uint64', 'uint64', 'uint32', 'uint256', 'bytes32', 'bytes32', 'bytes'],
      [now, zkGas, 1, 0, b1.com.z, b1.com.y, ethers.concat([b1.com.commitment, b1.com.proof])]) },
    { blobType: 0, blobTypeParams: coder.encode(['uint64', 'uint64', 'uint32', 'bytes'], [now, zkGas, 1, b0.data]) },
  ];
  const pk = (acc, type, vh, l2) => ethers.solidityPackedKeccak256(
    ['bytes32', 'uint32', 'bytes32', 'uint64', 'address', 'uint64', 'uint8', 'bytes32', 'bytes32', 'bytes32'],
    [acc, 1, root, now, coinbase, zkGas, type, vh, l2, ethers.ZeroHash]);
  const want = pk(pk(ethers.ZeroHash, 1, b1.com.versionedHash, ethers.ZeroHash), 0, ethers.ZeroHash, ethers.keccak256(b0.data));
  const data = rollup.interface.encodeFunctionData('sequenceBlobs', [blobs, coinbase, want]);
  const sr = await (await sendBlobTx(seq, addrs.rollup, data, b1, b1.cells.cellProofs)).wait();
  eq(sr.status, 1, 'sequenceBlobs with a blob and a calldata blob is mined');
  eq(await rollup.lastBlobAccInputHash(), want, 'its accInputHash is the one recomputed here');
  eq(await rollup.lastBlobSequenced(), 2n, 'two blobs sequenced');
  let wrong = null;
  try {
    await rollup.sequenceBlobs.staticCall([blobs[1]], coinbase, want);
  } catch (e) { wrong = e; }
  ok(wrong && /FinalAccInputHashDoesNotMatch/.test(wrong.shortMessage + wrong.message + JSON.stringify(wrong.revert || '')),
    'a wrong expected accInputHash reverts');

  // zkseq's sequenceBlobBatches: the same blob stated to carry two batches
  // advances the blob chain and the batch chain (sequenceBatches' steps).
  const h = [ethers.keccak256('0x0b'), ethers.keccak256('0x0c')];
  const lastB = await rollup.lastBatchSequenced();
  const acc0 = (await rollup.sequencedBatches(lastB)).accInputHash;
  const bstep = (acc, hh) => ethers.solidityPackedKeccak256(['bytes32', 'bytes32', 'bytes32', 'uint64', 'address', 'bytes32'],
    [acc, hh, root, now, coinbase, ethers.ZeroHash]);
  const wantBatch = bstep(bstep(acc0, h[0]), h[1]);
  const wantBlob = pk(want, 1, b1.com.versionedHash, ethers.ZeroHash);
  const bb = [{ blobTypeParams: blobs[0].blobTypeParams, batchHashes: h }];
  const data2 = rollup.interface.encodeFunctionData('sequenceBlobBatches', [bb, coinbase, wantBlob, wantBatch]);
  const sr2 = await (await sendBlobTx(seq, addrs.rollup, data2, b1, b1.cells.cellProofs)).wait();
  eq(sr2.status, 1, 'sequenceBlobBatches with one blob of two batches is mined');
  eq(await rollup.lastBatchSequenced(), lastB + 2n, 'the batch chain moved by two');
  eq((await rollup.sequencedBatches(lastB + 2n)).accInputHash, wantBatch, 'its accInputHash is sequenceBatches\' chain over the stated hashes');
  eq(await rollup.lastBlobAccInputHash(), wantBlob, 'the blob chain moved by the blob\'s step');
  let wrong2 = null;
  try {
    await rollup.sequenceBlobBatches.staticCall(bb, coinbase, wantBlob, wantBatch);
  } catch (e) { wrong2 = e; }
  ok(wrong2 && /BlobHashNotFound|FinalAccInputHashDoesNotMatch/.test(wrong2.shortMessage + wrong2.message + JSON.stringify(wrong2.revert || '')),
    'without the blob in the transaction it reverts', String(wrong2 && wrong2.shortMessage));
} finally {
  await anvil.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
done();
