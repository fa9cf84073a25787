#!/usr/bin/env node
// zkseqd with ethers.js v6 (a real wallet library) over JSON-RPC:
// 4 wallets send 200 transfers concurrently and wait for their receipts;
// balances and nonces must add up exactly; every refusal reason must come
// back with geth's message (so ethers classifies it); replacements, queued
// future nonces, pending nonces that count the pool, ejection of a
// transaction that fails at execution, eth_sendRawTransactionSync, blocks,
// batches and the zkevm_* methods.
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { ok, eq, done, run } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';

const dir = tempDir('ethers');
const cfg = path.join(dir, 'zkseqd.json');
fs.writeFileSync(cfg, JSON.stringify({ batch: { max_age_ms: 400 } }));
const node = await start({ datadir: path.join(dir, 'data'), args: ['--config', cfg] });
const url = node.url;
// A receipt, polled for (up to ms).  Not provider.waitForTransaction: it
// reads the receipt, then starts its block poller, whose first read only
// sets where it starts; a block sealed between the two is never announced,
// and a chain with nothing more to seal makes no further block to wake it
// (seen once here under load: a 10 s timeout for a transaction mined at once).
async function receiptOf(provider, hash, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const rc = await provider.getTransactionReceipt(hash);
    if (rc || Date.now() > until) return rc;
    await new Promise((r) => setTimeout(r, 20));
  }
}
try {
  const provider = new ethers.JsonRpcProvider(url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const net = await provider.getNetwork();
  eq(net.chainId, 1001n, 'ethers detects chain id 1001');

  // ---- 200 concurrent transfers, 4 wallets x 50, each awaited with tx.wait().
  const wallets = devKeys.slice(0, 4).map((k) => new ethers.Wallet(k, provider));
  const before = await Promise.all(wallets.map((w) => provider.getBalance(w.address)));
  eq(before[0], 10000n * 10n ** 18n, 'dev account 0 holds 10000 ETH at genesis');
  const dests = wallets.map((_, i) => ethers.getAddress(ethers.keccak256(ethers.toUtf8Bytes(`dest ${i} ${Date.now()}`)).slice(0, 42)));
  const coinbase = (await provider.getBlock('latest')).miner;
  const cbBefore = await provider.getBalance(coinbase);
  const perWallet = 50;
  const sent = await Promise.all(wallets.map(async (w, wi) => {
    const nm = new ethers.NonceManager(w);
    const txs = await Promise.all(Array.from({ length: perWallet }, (_, k) =>
      nm.sendTransaction({ to: dests[(wi + k) % 4], value: BigInt(1000 + wi * 100 + k) })));
    return Promise.all(txs.map(async (tx) => ({ tx, rc: await tx.wait() })));
  }));
  const all = sent.flat();
  eq(all.length, 200, '200 transfers sent');
  ok(all.every(({ rc }) => rc && rc.status === 1), 'every receipt has status 1');
  ok(all.every(({ tx }) => tx.type === 0), 'ethers chose legacy transactions (no baseFeePerGas in blocks)');
  const hashes = new Set(all.map(({ rc }) => rc.hash));
  eq(hashes.size, 200, 'all 200 receipts are different transactions');
  let fees = 0n;
  const spent = wallets.map(() => 0n), received = dests.map(() => 0n);
  for (const [wi, list] of sent.entries()) {
    for (const { tx, rc } of list) {
      const fee = rc.gasUsed * rc.gasPrice;
      fees += fee;
      spent[wi] += tx.value + fee;
      received[dests.indexOf(ethers.getAddress(tx.to))] += tx.value;
    }
  }
  const after = await Promise.all(wallets.map((w) => provider.getBalance(w.address)));
  ok(after.every((b, i) => b === before[i] - spent[i]), 'each sender paid exactly its values and fees', { after: after.map(String), spent: spent.map(String) });
  const destBal = await Promise.all(dests.map((d) => provider.getBalance(d)));
  ok(destBal.every((b, i) => b === received[i]), 'each recipient got exactly what was sent to it');
  eq(await provider.getBalance(coinbase) - cbBefore, fees, 'the coinbase collected exactly the fees');
  const nonces = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, 'latest')));
  ok(nonces.every((n) => n === perWallet), 'each sender nonce is 50', nonces);
  const gp = all[0].rc.gasPrice;
  eq(gp, 1000000000n, 'legacy transactions pay the gas price ethers read from eth_gasPrice');

  // ---- Refusals, each with geth's message.
  const w0 = wallets[0], w1 = wallets[1], w2 = wallets[2], w3 = wallets[3];
  const to = dests[0];
  const base = { to, value: 1n, gasLimit: 21000n, gasPrice: gp, chainId: 1001n, type: 0 };
  async function refusal(fields, wallet = w0) {
    const raw = await wallet.signTransaction({ ...base, nonce: await provider.getTransactionCount(wallet.address, 'pending'), ...fields });
    return rpc(url, 'eth_sendRawTransaction', [raw]);
  }
  const expectErr = (r, text, id, what) => ok(r.error && r.error.code === -32000 && r.error.message.startsWith(text) &&
    r.error.data && r.error.data.reason === id, what, r);
  expectErr(await refusal({ nonce: 0 }), 'nonce too low', 'nonce_too_low', 'a used nonce: "nonce too low"');
  expectErr(await refusal({ value: 10n ** 30n }), 'insufficient funds for gas * price + value', 'insufficient_funds', 'more than the balance: insufficient funds');
  expectErr(await refusal({ gasPrice: 1n }), 'transaction underpriced', 'underpriced', 'below the minimum gas price: underpriced');
  expectErr(await refusal({ gasLimit: 20000n }), 'intrinsic gas too low', 'intrinsic_gas', 'gas below 21000: intrinsic gas too low');
  expectErr(await refusal({ chainId: 1n }), 'invalid chain id for signer', 'chain_id', 'another chain id: refused');
  expectErr(await refusal({ nonce: 50 + 1000 }), 'nonce too high', 'nonce_too_high', 'a nonce far beyond the gap limit: nonce too high');
  expectErr(await refusal({ to: null, data: '0x' + '00'.repeat(49153), gasLimit: 29000000n }), 'max initcode size exceeded', 'init_code_size', 'creation: init code above 49,152 bytes refused with geth\'s words');
  expectErr(await refusal({ gasLimit: 40000000n }), 'exceeds block gas limit', 'gas_limit', 'gas above the per-transaction limit');
  expectErr(await refusal({ data: '0x' + '00'.repeat(200000), gasLimit: 29000000n }), 'oversized data', 'oversized', 'a transaction above zkevm-node\'s 100,132 bytes: oversized');
  expectErr(await refusal({ data: '0x' + '00'.repeat(100200), gasLimit: 29000000n }), 'oversized data', 'oversized',
    'one of 100,200 bytes too (no batch L1 takes could hold it beside its block entry)');
  const bad = await rpc(url, 'eth_sendRawTransaction', ['0xf86c0a8502540be400825208944bbeeb066ed09b7aed07bf39eee0460dfa26152080']);
  ok(bad.error && bad.error.code === -32000 && /^invalid transaction: /.test(bad.error.message), 'truncated RLP: invalid transaction with a reason', bad);
  const badHex = await rpc(url, 'eth_sendRawTransaction', ['0xzz']);
  eq(badHex.error && badHex.error.code, -32602, 'non-hex data: invalid params');

  // ethers classifies the refusals by their text.
  await w0.sendTransaction({ to, value: 1n, nonce: 0 }).then(() => ok(false, 'stale nonce through ethers'),
    (e) => eq(e.code, 'NONCE_EXPIRED', 'ethers reports NONCE_EXPIRED for a stale nonce'));
  await w0.sendTransaction({ to, value: 10n ** 30n }).then(() => ok(false, 'too much value through ethers'),
    (e) => eq(e.code, 'INSUFFICIENT_FUNDS', 'ethers reports INSUFFICIENT_FUNDS'));

  // ---- Queued future nonces (zkevm-node #307), pending nonce counting the
  // pool (#508), replacement rules.
  let n1 = await provider.getTransactionCount(w1.address, 'latest');
  const future = await w1.signTransaction({ ...base, nonce: n1 + 1, gasPrice: 2n * gp });
  const fr = await rpc(url, 'eth_sendRawTransaction', [future]);
  ok(typeof fr.result === 'string', 'a future nonce is queued, not dropped', fr);
  eq(await provider.getTransactionCount(w1.address, 'pending'), n1, 'the pending nonce stops at the gap');
  const again = await rpc(url, 'eth_sendRawTransaction', [future]);
  expectErr(again, 'already known', 'already_known', 'the same transaction twice: already known');
  const cheap = await w1.signTransaction({ ...base, nonce: n1 + 1, gasPrice: 2n * gp + 2n * gp / 20n });
  expectErr(await rpc(url, 'eth_sendRawTransaction', [cheap]), 'replacement transaction underpriced', 'replacement_underpriced', 'a 5% bump does not replace (10% needed)');
  const repl = await w1.signTransaction({ ...base, nonce: n1 + 1, gasPrice: 3n * gp, value: 7n });
  const rr = await rpc(url, 'eth_sendRawTransaction', [repl]);
  ok(typeof rr.result === 'string', 'a 50% bump replaces the queued transaction', rr);
  const gapTx = await w1.signTransaction({ ...base, nonce: n1 });
  const tx2 = await w1.signTransaction({ ...base, nonce: n1 + 2 });
  await rpc(url, 'eth_sendRawTransaction', [gapTx]);
  const sent2 = await rpc(url, 'eth_sendRawTransaction', [tx2]);
  ok(typeof sent2.result === 'string', 'the next nonce is accepted at once, before any block (#508)', sent2);
  const last = await receiptOf(provider, sent2.result, 10000);
  eq(last && last.status, 1, 'the gap closed: the queued transactions ran');
  eq(await provider.getTransaction(fr.result), null, 'the replaced transaction is gone');
  const rrc = await provider.getTransactionReceipt(rr.result);
  eq(rrc && rrc.status, 1, 'the replacement was included');
  eq((await provider.getTransaction(rr.result)).value, 7n, 'with its own value');

  // ---- A transaction that fails at execution is ejected with a reason, and
  // the sender is not blocked (zkevm-node #1165, cdk-erigon #700).
  const n3 = await provider.getTransactionCount(w3.address, 'latest');
  const bal3 = await provider.getBalance(w3.address);
  const big = bal3 * 9n / 10n;
  const a = await w3.signTransaction({ ...base, nonce: n3, value: big });
  const b = await w3.signTransaction({ ...base, nonce: n3 + 1, value: big });
  const bSync = rpc(url, 'eth_sendRawTransactionSync', [b]);
  await new Promise((r) => setTimeout(r, 50));
  const aRes = await rpc(url, 'eth_sendRawTransactionSync', [a]);
  eq(aRes.result && aRes.result.status, '0x1', 'eth_sendRawTransactionSync answers with the receipt');
  const bRes = await bSync;
  ok(bRes.error && /dropped by the sequencer: insufficient funds/.test(bRes.error.message), 'the one that cannot pay is ejected with the reason', bRes);
  const c = await w3.signTransaction({ ...base, nonce: n3 + 1, value: 5n });
  const cRes = await rpc(url, 'eth_sendRawTransactionSync', [c]);
  eq(cRes.result && cRes.result.status, '0x1', 'the sender goes on with the same nonce');

  // ---- The confirmation at execution (zkseq's third parameter): where the
  // transaction landed in the open block and what it did, before the block
  // is durable; the receipt then agrees.
  const d = await w3.signTransaction({ ...base, nonce: n3 + 2, value: 6n });
  const dRes = await rpc(url, 'eth_sendRawTransactionSync', [d, 5000, 'executed']);
  const dx = dRes.result;
  ok(dx && dx.confirmation === 'executed' && dx.status === '0x1' && dx.gasUsed === '0x5208' && dx.logsCount === '0x0' &&
    dx.transactionHash === ethers.keccak256(d), 'eth_sendRawTransactionSync(tx, timeout, "executed") answers at execution', dRes);
  const dRc = await receiptOf(provider, dx.transactionHash, 10000);
  ok(dRc && dRc.blockNumber === Number(dx.blockNumber) && dRc.index === Number(dx.transactionIndex),
    `... and the durable receipt has it where the confirmation said (block ${dRc?.blockNumber}, index ${dRc?.index})`);
  const e2 = await w3.signTransaction({ ...base, nonce: n3 + 3, value: 6n });
  const eRes = await rpc(url, 'eth_sendRawTransactionSync', [e2, 5000, { confirmation: 'executed' }]);
  eq(eRes.result?.confirmation, 'executed', 'the object form {confirmation: "executed"} too');
  const dAgain = await rpc(url, 'eth_sendRawTransactionSync', [d, 5000, 'executed']);
  ok(dAgain.error && /already known|nonce too low/.test(dAgain.error.message), `the same transaction sent again is refused (${dAgain.error?.message})`, dAgain);
  const badConf = await rpc(url, 'eth_sendRawTransactionSync', [e2, 5000, 'soon']);
  eq(badConf.error?.code, -32602, 'an unknown confirmation kind is refused (-32602)');

  // ---- Reads.
  const rc0 = all[0].rc;
  const blk = await provider.getBlock(rc0.blockHash, true);
  ok(blk && blk.number === rc0.blockNumber && blk.prefetchedTransactions.some((t) => t.hash === rc0.hash), 'eth_getBlockByHash with full transactions');
  const blkN = await rpc(url, 'eth_getBlockByNumber', [ethers.toQuantity(rc0.blockNumber), false]);
  eq(blkN.result.hash, rc0.blockHash, 'eth_getBlockByNumber gives the same block');
  ok(blkN.result.baseFeePerGas === undefined, 'blocks carry no baseFeePerGas');
  const parent = await provider.getBlock(rc0.blockNumber - 1);
  eq(blk.parentHash, parent.hash, 'parentHash links to the previous block');
  const t0 = await provider.getTransaction(rc0.hash);
  eq(t0.from, all[0].tx.from, 'eth_getTransactionByHash: from');
  eq(t0.blockNumber, rc0.blockNumber, 'eth_getTransactionByHash: block number');
  const fh = await rpc(url, 'eth_feeHistory', ['0xa', 'latest', [20]]);
  const nfh = Math.min(10, (await provider.getBlockNumber()) + 1);
  ok(fh.result && fh.result.baseFeePerGas.length === nfh + 1 && fh.result.reward.length === nfh && fh.result.gasUsedRatio.length === nfh,
    'eth_feeHistory shape', fh);
  ok(fh.result && fh.result.baseFeePerGas.every((b) => b === '0x3b9aca00'), 'eth_feeHistory: the base fee is the constant floor (1 gwei)');
  eq((await rpc(url, 'eth_estimateGas', [{ from: w0.address, to, value: '0x1' }])).result, '0x5208', 'eth_estimateGas of a transfer: 21000');
  eq((await rpc(url, 'eth_estimateGas', [{ from: w0.address, to, data: '0x0001' }])).result, ethers.toQuantity(21000 + 4 + 16), 'eth_estimateGas counts calldata');
  eq((await rpc(url, 'eth_call', [{ to, data: '0x' }, 'latest'])).result, '0x', 'eth_call to an account without code');
  eq((await rpc(url, 'eth_getCode', [to, 'latest'])).result, '0x', 'eth_getCode of an account');
  eq((await rpc(url, 'eth_syncing')).result, false, 'eth_syncing');
  eq((await rpc(url, 'net_version')).result, '1001', 'net_version');
  ok(/^zkseq\//.test((await rpc(url, 'web3_clientVersion')).result), 'web3_clientVersion');
  eq((await rpc(url, 'eth_getBalance', [w0.address, '0x0'])).result, ethers.toQuantity(before[0]), 'eth_getBalance at block 0');
  eq((await rpc(url, 'eth_getTransactionCount', [w0.address, 'earliest'])).result, '0x0', 'eth_getTransactionCount at earliest');
  eq((await rpc(url, 'eth_getBlockByNumber', ['0xffffff', false])).result, null, 'a block beyond the head is null');
  eq((await rpc(url, 'nope_method')).error.code, -32601, 'unknown method: -32601');
  eq((await rpc(url, 'eth_getBalance', ['0x12'])).error.code, -32602, 'bad address: -32602');

  // ---- Batches (closed after 400 ms here).
  await new Promise((r) => setTimeout(r, 900));
  const bn = BigInt((await rpc(url, 'zkevm_batchNumber')).result);
  ok(bn >= 2n, 'zkevm_batchNumber moved on as batches closed', bn);
  const batchOf = (await rpc(url, 'zkevm_batchNumberByBlockNumber', [ethers.toQuantity(rc0.blockNumber)])).result;
  const batch = (await rpc(url, 'zkevm_getBatchByNumber', [batchOf, true])).result;
  const fields = ['number', 'coinbase', 'stateRoot', 'globalExitRoot', 'mainnetExitRoot', 'rollupExitRoot', 'localExitRoot',
    'accInputHash', 'timestamp', 'sendSequencesTxHash', 'verifyBatchTxHash', 'closed', 'blocks', 'transactions', 'batchL2Data'];
  ok(batch && fields.every((f) => f in batch), 'zkevm_getBatchByNumber has zkevm-node\'s fields', batch && Object.keys(batch));
  ok(batch.closed === true && /^0x[0-9a-f]{64}$/.test(batch.accInputHash) && !/^0x0+$/.test(batch.accInputHash), 'the batch is closed with an accInputHash');
  ok(batch.transactions.some((t) => t.hash === rc0.hash), 'the batch lists the transaction');
  // batchL2Data decodes (zkseq tool) to exactly the batch's transactions.
  const dec = run('zkseq', ['tx', 'decode-batch', batch.batchL2Data]);
  const entries = dec.json ? dec.json.entries : [];
  const decHashes = entries.filter((e) => e.kind === 'tx').map((t) => t.hash);
  ok(decHashes.join() === batch.transactions.map((t) => t.hash).join(), 'batchL2Data holds the batch\'s transactions in order', dec.stderr);
  eq(entries.filter((e) => e.kind === 'changeL2Block').length, batch.blocks.length, 'one changeL2Block entry per block');
  eq(dec.json && dec.json.batchHashData, ethers.keccak256(batch.batchL2Data), 'batchHashData is keccak256(batchL2Data)');
  // The open batch: its data so far is derived from its blocks.
  const w9 = new ethers.Wallet(devKeys[9], provider);
  await (await w9.sendTransaction({ to, value: 1n })).wait();
  const open = (await rpc(url, 'zkevm_getBatchByNumber', ['latest', false])).result;
  const od = run('zkseq', ['tx', 'decode-batch', open.batchL2Data]);
  ok(open.closed === false && od.json && od.json.entries.filter((x) => x.kind === 'changeL2Block').length === open.blocks.length &&
    od.json.entries.filter((x) => x.kind === 'tx').length === open.transactions.length && open.transactions.length >= 1,
  'the open batch\'s batchL2Data matches its blocks and transactions so far', open);
  eq((await rpc(url, 'zkevm_virtualBatchNumber')).result, '0x0', 'nothing virtual yet (no L1 submission)');
  eq((await rpc(url, 'zkevm_isBlockVirtualized', [ethers.toQuantity(rc0.blockNumber)])).result, false, 'zkevm_isBlockVirtualized');
  eq((await rpc(url, 'zkevm_isBlockConsolidated', [ethers.toQuantity(rc0.blockNumber)])).result, false, 'zkevm_isBlockConsolidated');
  eq((await rpc(url, 'zkevm_consolidatedBlockNumber')).result, '0x0', 'zkevm_consolidatedBlockNumber');
  eq((await rpc(url, 'zkevm_verifiedBatchNumber')).result, '0x0', 'zkevm_verifiedBatchNumber');
  // zkevm-node's block and transaction reads.
  const q = async (m, p) => (await rpc(url, m, p)).result;
  const fb = await q('zkevm_getFullBlockByNumber', [ethers.toQuantity(rc0.blockNumber), true]);
  const ftx = fb && fb.transactions.find((t) => t.hash === rc0.hash);
  ok(ftx && /^0x[0-9a-f]{64}$/.test(ftx.l2Hash) && ftx.receipt && ftx.receipt.transactionHash === rc0.hash &&
     ftx.receipt.transactionL2Hash === ftx.l2Hash && ftx.receipt.status === '0x1',
  'zkevm_getFullBlockByNumber: each transaction with its l2Hash and receipt', fb);
  const fbh = await q('zkevm_getFullBlockByHash', [fb.hash, false]);
  ok(fbh && fbh.number === fb.number && fbh.transactions.includes(rc0.hash), 'zkevm_getFullBlockByHash');
  const byL2 = await q('zkevm_getTransactionByL2Hash', [ftx.l2Hash]);
  ok(byL2 && byL2.hash === rc0.hash && byL2.l2Hash === ftx.l2Hash, 'zkevm_getTransactionByL2Hash', byL2);
  const rcL2 = await q('zkevm_getTransactionReceiptByL2Hash', [ftx.l2Hash]);
  ok(rcL2 && rcL2.transactionHash === rc0.hash && rcL2.blockNumber === fb.number, 'zkevm_getTransactionReceiptByL2Hash');
  eq(await q('zkevm_getTransactionByL2Hash', [ethers.id('none')]), null, 'an unknown L2 hash gives null');
  const nb = await q('zkevm_getNativeBlockHashesInRange', [{ fromBlock: fb.number, toBlock: ethers.toQuantity(rc0.blockNumber + 1) }]);
  const nb2 = await q('eth_getBlockByNumber', [ethers.toQuantity(rc0.blockNumber + 1), false]);
  eq(nb, [fb.stateRoot, nb2.stateRoot], 'zkevm_getNativeBlockHashesInRange: the blocks\' state roots');
  eq((await rpc(url, 'zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x0', toBlock: '0xfffff' }])).error?.code, -32602,
    'a native range above 60000 blocks is refused (zkevm-node\'s bound)');
  const gp2 = await q('eth_gasPrice');
  const call = { from: w0.address, to, value: '0x1' };
  eq(await q('zkevm_estimateGasPrice', [call]), gp2, 'zkevm_estimateGasPrice is the node\'s gas price');
  eq(await q('zkevm_estimateFee', [call]), ethers.toQuantity(21000n * BigInt(gp2)), 'zkevm_estimateFee: 21000 gas at that price');
  eq((await rpc(url, 'zkevm_estimateFee', [{ from: w0.address, to, value: ethers.toQuantity(10n ** 30n) }])).error?.code, -32000,
    'zkevm_estimateFee of a transaction that cannot run is refused as eth_estimateGas refuses it');
  eq(await q('zkevm_getLatestGlobalExitRoot'), ethers.ZeroHash, 'zkevm_getLatestGlobalExitRoot without L1: zero');
  const zc = await q('zkevm_estimateCounters', [call]);
  ok(zc && zc.countersUsed.gasUsed === '0x5208' && Number(zc.countersUsed.usedSteps) > 0 &&
     Number(zc.countersUsed.usedPoseidonHashes) > 0 && Number(zc.countersLimit.maxSteps) > Number(zc.countersUsed.usedSteps) &&
     Number(zc.countersLimit.maxKeccakHashes) > 0 && zc.countersLimit.maxGasUsed === '0x1c9c380' && !zc.revert && !zc.oocError,
  'zkevm_estimateCounters: a transfer\'s counters and fork 12\'s batch limits, as zkevm-node names them', zc);

  const status = (await rpc(url, 'zkseq_status')).result;
  ok(status && status.sequenced.transactions >= 200 && status.pool.refused.nonce_too_low >= 1 && status.batches.open >= 2 &&
    status.usPerTransaction.execution > 0, 'zkseq_status: counts, refusals by reason, batches, time per transaction', status);
  const stop = await node.stop('SIGTERM');
  eq(stop.code, 0, 'SIGTERM: clean exit');
  ok(/stopped cleanly/.test(node.log()), 'says it stopped cleanly');
} finally {
  await node.stop('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
}
done();
