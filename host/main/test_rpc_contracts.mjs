#!/usr/bin/env node
// Contracts on zkseqd, the same script against anvil (interval mining, as
// its users run it): ethers.js v6 deploys an ERC-20 pair of tokens and a
// Uniswap-V2-style pair (tests/contracts, compiled by solc-js), transfers,
// approves, adds liquidity and swaps; reads balances through eth_call;
// finds the events with eth_getLogs, in receipts and through an installed
// filter; estimates gas; reads a revert's reason from eth_call,
// eth_estimateGas and a failed receipt.  Token balances, reserves and
// every event must be the same on both chains, and so must the callTracer
// tree of the swap.  Then cast (foundry) on zkseqd: call, send, logs, code,
// storage, and a struct-logger trace.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ethers } from 'ethers';
import { ok, eq, done, top, skip } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';
import { startAnvil, freePort } from '../../tools/l1/devnet-lib.mjs';
import { l2Contracts } from '../../tests/integ/l2contracts.mjs';

const castBin = path.join(top, 'node_modules/.bin/cast');
if (!fs.existsSync(castBin)) skip('cast and anvil are not installed (npm ci)');
const C = l2Contracts();
const dir = tempDir('contracts');
const cfg = path.join(dir, 'zkseqd.json');
fs.writeFileSync(cfg, JSON.stringify({ batch: { max_age_ms: 400 } }));
let node = await start({ datadir: path.join(dir, 'data'), args: ['--config', cfg] });
const anvil = await startAnvil({ port: await freePort(), blockTime: 1 });

async function countersClosed(n) {
  const text = await (await fetch(`http://127.0.0.1:${n.metricsPort}/metrics`)).text();
  const m = text.match(/zkseq_batches_closed_total\{reason="counters"\} (\d+)/);
  return m ? Number(m[1]) : 0;
}

// Runs on one chain; returns what must agree between chains.
async function scenario(url, name) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const [w0, w1, w2, w3] = devKeys.slice(0, 4).map((k) => new ethers.NonceManager(new ethers.Wallet(k, provider)));
  const addr = await Promise.all([w0, w1, w2, w3].map((w) => w.getAddress()));
  const out = { name, checks: [] };
  const check = (cond, what, detail) => out.checks.push({ cond: !!cond, what: `${name}: ${what}`, detail });

  const TF = new ethers.ContractFactory(C.Token.abi, C.Token.bytecode, w0);
  const a = await TF.deploy('Token A', 'TKA', 10n ** 24n);
  const b = await TF.deploy('Token B', 'TKB', 10n ** 24n);
  const [ra, rb] = await Promise.all([a.deploymentTransaction().wait(), b.deploymentTransaction().wait()]);
  check(ra.status === 1 && rb.status === 1 && ra.contractAddress === await a.getAddress(),
    'two tokens deployed; the receipt names the contract address', { ra: ra.contractAddress });
  check(ra.logs.length === 1 && ra.logs[0].topics[0] === a.interface.getEvent('Transfer').topicHash,
    'the deployment receipt holds the mint\'s Transfer event');
  check(await provider.getCode(await a.getAddress()) !== '0x', 'eth_getCode returns the runtime code');
  check(await a.name() === 'Token A' && await a.symbol() === 'TKA' && await a.decimals() === 18n,
    'name, symbol and decimals through eth_call');

  // Transfers, an approval and a transferFrom.
  const est = await a.connect(w0).transfer.estimateGas(addr[1], 1000n);
  check(est > 21000n && est < 80000n, `eth_estimateGas for a token transfer (${est})`);
  const t1 = await (await a.connect(w0).transfer(addr[1], 1000n, { gasLimit: est })).wait();
  check(t1.status === 1 && t1.gasUsed <= est, 'the transfer succeeds with the estimated gas');
  check(t1.logs.length === 1 && a.interface.parseLog(t1.logs[0]).args.value === 1000n, 'its receipt holds the Transfer event');
  const blk = await provider.send('eth_getBlockByNumber', [ethers.toQuantity(t1.blockNumber), false]);
  const bloom = ethers.getBytes(blk.logsBloom);
  check(bloom.some((x) => x !== 0), 'the block\'s logsBloom is set');
  await (await a.connect(w1).transfer(addr[2], 300n)).wait();
  await (await a.connect(w1).approve(addr[2], 100n)).wait();
  await (await a.connect(w2).transferFrom(addr[1], addr[3], 60n)).wait();
  check(await a.allowance(addr[1], addr[2]) === 40n, 'allowance after transferFrom');

  // Reverts: eth_call, eth_estimateGas, and one mined with status 0.
  let reason = null;
  try { await a.connect(w0).transfer.staticCall(ethers.ZeroAddress, 1n); } catch (e) { reason = e.reason; }
  check(reason === 'Token: transfer to the zero address', 'eth_call gives the revert reason', reason);
  reason = null;
  try { await a.connect(w3).transfer.estimateGas(addr[0], 10n ** 30n); } catch (e) { reason = e.reason; }
  check(reason === 'Token: transfer amount exceeds balance', 'eth_estimateGas gives the revert reason', reason);
  const bad = await a.connect(w3).transfer(addr[0], 10n ** 30n, { gasLimit: 100000n });
  let failed = null;
  try { await bad.wait(); } catch (e) { failed = e.receipt; }
  check(failed && failed.status === 0 && failed.logs.length === 0, 'a reverting transaction is mined with status 0 and no logs');

  // The pair: liquidity, then a swap.
  const pair = await new ethers.ContractFactory(C.Pair.abi, C.Pair.bytecode, w0).deploy(await a.getAddress(), await b.getAddress());
  await pair.deploymentTransaction().wait();
  const pa = await pair.getAddress();
  const t0 = await pair.token0();
  const [x, y] = t0 === await a.getAddress() ? [a, b] : [b, a];
  await (await x.connect(w0).transfer(pa, 10n ** 21n)).wait();
  await (await y.connect(w0).transfer(pa, 4n * 10n ** 21n)).wait();
  const mint = await (await pair.connect(w0).mint(addr[0])).wait();
  check(mint.status === 1 && mint.logs.length >= 3, 'liquidity added (Transfer, Sync, Mint events)');
  await (await x.connect(w0).transfer(addr[1], 10n ** 19n)).wait();
  const [r0, r1] = await pair.getReserves();
  const amountIn = 10n ** 18n;
  const outAmt = (amountIn * 997n * r1) / (r0 * 1000n + amountIn * 997n);
  await (await x.connect(w1).transfer(pa, amountIn)).wait();
  const swap = await (await pair.connect(w1).swap(0n, outAmt, addr[1])).wait();
  check(swap.status === 1, `swapped ${amountIn} in for ${outAmt} out`);
  reason = null;
  try { await pair.connect(w1).swap.staticCall(0n, outAmt, addr[1]); } catch (e) { reason = e.reason; }
  check(reason === 'Pair: insufficient input amount', 'a swap without input reverts with the pair\'s reason', reason);

  // Logs: all of token A's Transfer events, and the swap's through a filter.
  const aAddr = await a.getAddress();
  const logs = await provider.getLogs({ address: aAddr, topics: [a.interface.getEvent('Transfer').topicHash], fromBlock: 0 });
  const recv1 = await provider.getLogs({ address: aAddr, topics: [null, null, ethers.zeroPadValue(addr[1], 32)], fromBlock: 0 });
  check(recv1.length >= 1 && recv1.every((l) => l.topics[2] === ethers.zeroPadValue(addr[1], 32).toLowerCase()), 'topic filters at the third position');
  const filter = await rpc(url, 'eth_newFilter', [{ address: pa }]);
  await (await x.connect(w1).transfer(pa, amountIn)).wait();
  const [s0, s1] = await pair.getReserves();
  const out2 = (amountIn * 997n * s1) / (s0 * 1000n + amountIn * 997n);
  const swap2 = await (await pair.connect(w1).swap(0n, out2, addr[1])).wait();
  const changes = await rpc(url, 'eth_getFilterChanges', [filter.result]);
  const swapTopic = pair.interface.getEvent('Swap').topicHash;
  check(changes.result && changes.result.some((l) => l.topics[0] === swapTopic && l.transactionHash === swap2.hash),
    'eth_getFilterChanges reports the second swap\'s events', changes);
  const again = await rpc(url, 'eth_getFilterChanges', [filter.result]);
  check(again.result && !again.result.some((l) => l.transactionHash === swap2.hash), 'a second poll does not repeat them');
  check((await rpc(url, 'eth_uninstallFilter', [filter.result])).result === true, 'eth_uninstallFilter');

  // The swap's call tree (callTracer).
  const tr = await rpc(url, 'debug_traceTransaction', [swap.hash, { tracer: 'callTracer' }]);
  const shape = (f) => ({ type: f.type, to: f.to?.toLowerCase(), input: f.input, output: f.output || null,
    error: f.error || null, calls: (f.calls || []).map(shape) });

  const who = [...addr, pa];
  return {
    ...out,
    tokens: await Promise.all([a, b].map(async (t) => Promise.all(who.map((w) => t.balanceOf(w).then(String))))),
    lp: (await Promise.all(who.map((w) => pair.balanceOf(w)))).map(String),
    reserves: (await pair.getReserves()).map(String),
    events: logs.map((l) => { const p = a.interface.parseLog(l); return [l.blockNumber > 0, ...p.args.map(String)]; }),
    swapEvents: swap.logs.map((l) => [l.address, l.topics, l.data]),
    trace: tr.result ? shape(tr.result) : tr,
    addresses: [aAddr, await b.getAddress(), pa],
    swapHash: swap.hash, token: aAddr,
  };
}

try {
  const z = await scenario(node.url, 'zkseqd');
  for (const c of z.checks) ok(c.cond, c.what, c.detail);
  const n = await scenario(anvil.url, 'anvil');
  for (const c of n.checks) ok(c.cond, c.what, c.detail);
  eq(z.addresses, n.addresses, 'the contracts have the same addresses on both chains');
  eq(z.tokens, n.tokens, 'token balances agree with anvil');
  eq(z.lp, n.lp, 'liquidity shares agree with anvil');
  eq(z.reserves, n.reserves, 'the pair\'s reserves agree with anvil');
  eq(z.events, n.events, `token A's Transfer events agree with anvil (${z.events.length})`);
  eq(z.swapEvents, n.swapEvents, 'the swap\'s events agree with anvil');
  eq(z.trace, n.trace, 'the swap\'s callTracer tree agrees with anvil');

  // ---- Virtual counters: a contract that hashes `len` bytes of memory
  // (KECCAK256 over calldata's first word; Polygon's model counts a Keccak
  // row per 32 bytes hashed).  One call over 2 MB needs more Keccak rows
  // than a whole batch has (fork 12: 9388): refused with out_of_counters.
  // Two calls over 160,000 bytes (5000 rows each) fit one batch each, not
  // together: the batch closes with reason "counters" and the second goes
  // to the next batch.
  {
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
    const runtime = '6000356000205000'; // PUSH1 0 CALLDATALOAD PUSH1 0 KECCAK256 POP STOP
    const init = '0x6008600c60003960086000f3' + runtime;
    const [h0, h1, h2] = devKeys.slice(5, 8).map((k) => new ethers.Wallet(k, provider));
    const dep = await (await h0.sendTransaction({ data: init })).wait();
    const hasher = dep.contractAddress;
    eq(await provider.getCode(hasher), '0x' + runtime, 'a hashing contract deployed from raw init code');
    const word = (n) => ethers.zeroPadValue(ethers.toBeHex(n), 32);
    const big = await h0.signTransaction(await h0.populateTransaction({ to: hasher, data: word(2 * 1024 * 1024), gasLimit: 10000000n }));
    const rb = await rpc(node.url, 'eth_sendRawTransactionSync', [big]);
    ok(rb.error && /out_of_counters/.test(rb.error.message), 'a transaction beyond a whole batch\'s counters is dropped with out_of_counters', rb);
    const closedBefore = await countersClosed(node);
    const [ta, tb] = await Promise.all([h1, h2].map(async (w) => w.sendTransaction({ to: hasher, data: word(160000), gasLimit: 500000n })));
    const [ra2, rb2] = await Promise.all([ta.wait(), tb.wait()]);
    ok(ra2.status === 1 && rb2.status === 1, 'two transactions that fit a batch each are both mined');
    const batchOf = async (r) => Number((await rpc(node.url, 'zkevm_batchNumberByBlockNumber', [ethers.toQuantity(r.blockNumber)])).result);
    const [ba, bb] = [await batchOf(ra2), await batchOf(rb2)];
    ok(ba !== bb, `they went to different batches (${ba}, ${bb})`);
    ok(await countersClosed(node) > closedBefore, 'a batch closed with reason "counters"');
    // zkevm_estimateCounters says the same before anything is sent.
    const ec = async (data) => (await rpc(node.url, 'zkevm_estimateCounters', [{ from: h0.address, to: hasher, data, gas: '0x989680' }])).result;
    const [cBig, cFit] = [await ec(word(2 * 1024 * 1024)), await ec(word(160000))];
    ok(cBig && cBig.oocError && Number(cBig.countersUsed.usedKeccakHashes) > Number(cBig.countersLimit.maxKeccakHashes),
      'zkevm_estimateCounters: the 2 MB hash is out of counters (oocError)', cBig);
    ok(cFit && !cFit.oocError && Number(cFit.countersUsed.usedKeccakHashes) >= 5000 &&
       2 * Number(cFit.countersUsed.usedKeccakHashes) > Number(cFit.countersLimit.maxKeccakHashes),
    'zkevm_estimateCounters: the 160,000-byte hash fits a batch alone, not twice', cFit);
    const Tk = new ethers.Interface(C.Token.abi);
    const cRev = (await rpc(node.url, 'zkevm_estimateCounters', [{ from: h0.address, to: z.token,
      data: Tk.encodeFunctionData('transfer', [h1.address, 10n ** 30n]) }])).result;
    ok(cRev && cRev.revert && /transfer amount exceeds balance/.test(cRev.revert.message), 'zkevm_estimateCounters: a revert says why', cRev);
  }

  // ---- A restart (receipts, logs and code come back from the store) with
  // eth_getLogs limited to 12 blocks; then cast on zkseqd.
  await node.stop();
  fs.writeFileSync(cfg, JSON.stringify({ batch: { max_age_ms: 400 }, rpc: { max_log_blocks: 12 } }));
  node = await start({ datadir: path.join(dir, 'data'), args: ['--config', cfg] });
  const rcp = await rpc(node.url, 'eth_getTransactionReceipt', [z.swapHash]);
  eq(rcp.result && rcp.result.logs.map((l) => [ethers.getAddress(l.address), l.topics, l.data]), z.swapEvents,
    'after a restart the swap\'s receipt holds the same logs');
  const cast = (...args) => {
    const r = spawnSync(castBin, [...args, '--rpc-url', node.url], { encoding: 'utf8', timeout: 30000 });
    return { status: r.status, out: (r.stdout || '').trim(), err: (r.stderr || '').trim() };
  };
  const from = new ethers.Wallet(devKeys[0]).address;
  const bal = cast('call', z.token, 'balanceOf(address)(uint256)', from);
  ok(bal.status === 0 && bal.out.split(' ')[0] === BigInt(z.tokens[0][0]).toString(), 'cast call balanceOf', bal);
  const sink = '0x000000000000000000000000000000000000bEEF';
  const s = cast('send', '--legacy', '--private-key', devKeys[0], z.token, 'transfer(address,uint256)', sink, '77', '--json');
  let r;
  try { r = JSON.parse(s.out); } catch { r = null; }
  ok(s.status === 0 && r && r.status === '0x1' && r.logs.length === 1, 'cast send transfer(address,uint256)', s.err || s.out);
  const all = await rpc(node.url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: '0xb', address: z.token }]);
  ok(all.result && all.result.length >= 3, `eth_getLogs over 12 blocks, the configured limit (${all.result?.length})`, all.error);
  const lg = cast('logs', '--from-block', String(Number(r.blockNumber) - 11), '--to-block', String(Number(r.blockNumber)), '--address', z.token,
    'Transfer(address indexed,address indexed,uint256)', '--json');
  let logs = [];
  try { logs = JSON.parse(lg.out); } catch { /* below */ }
  const want = (await rpc(node.url, 'eth_getLogs', [{ fromBlock: ethers.toQuantity(Number(r.blockNumber) - 11), toBlock: r.blockNumber,
    address: z.token, topics: [ethers.id('Transfer(address,address,uint256)')] }])).result;
  ok(lg.status === 0 && logs.length === want.length && logs.at(-1).transactionHash === r.transactionHash,
    `cast logs finds the Transfers of the last 12 blocks (${logs.length}), the last its own send`, lg.err);
  const code = cast('code', z.token);
  ok(code.status === 0 && code.out.length > 100 && code.out === (await rpc(node.url, 'eth_getCode', [z.token, 'latest'])).result, 'cast code');
  // slot 2 is totalSupply
  const st = cast('storage', z.token, '2');
  ok(st.status === 0 && BigInt(st.out) === 10n ** 24n, 'cast storage reads totalSupply from slot 2', st);
  const ts = cast('call', z.token, 'totalSupply()(uint256)', '--block', '1');
  ok(ts.status === 0 && /^1000000000000000000000000/.test(ts.out), 'cast call at block 1 (a kept state)', ts);
  const sl = await rpc(node.url, 'debug_traceTransaction', [z.swapHash, { enableMemory: true }]);
  const steps = sl.result?.structLogs || [];
  ok(steps.length > 100 && steps.some((x) => x.op === 'SSTORE' && x.storage) && steps.some((x) => x.op === 'CALL' && x.depth === 1) &&
     steps.some((x) => x.depth === 2) && steps.every((x) => typeof x.gasCost === 'number'),
     `struct logger: ${steps.length} steps with depths, SSTORE storage and gas costs`);
  const rt = cast('run', z.swapHash);
  ok(rt.status === 0, 'cast run replays the swap through debug_traceTransaction', rt.err.slice(-400));
  const bt = await rpc(node.url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }]);
  ok(bt.error && bt.error.code === -32005 && /block range too large: \d+ blocks \(this node scans at most 12/.test(bt.error.message),
    'eth_getLogs refuses a range above its limit, and says the limit', bt);
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
  console.log(`# zkseqd log:\n# ${node.log().split('\n').slice(-30).join('\n# ')}`);
} finally {
  await node.stop();
  await anvil.stop();
}
done();
