// The L1 devnet for zkseq: anvil (npm @foundry-rs/anvil-linux-amd64, pinned)
// and the rollup contracts compiled by compile.mjs, deployed with ethers v6.
// Used by devnet.mjs (make run) and by the end-to-end tests.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const top = path.resolve(here, '../..');
const require = createRequire(path.join(top, 'package.json'));
export const ethers = require('ethers');

export const L1_CHAIN_ID = 31337;
export const anvilBin = path.join(top, 'node_modules/.bin/anvil');
export const castBin = path.join(top, 'node_modules/.bin/cast');
// anvil's accounts 0 and 1 (mnemonic "test ... junk"): deployer/admin/bridge
// stand-in, and the trusted aggregator.
export const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const AGGREGATOR_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

export function contracts() {
  const out = path.join(top, 'build/l1/contracts.json');
  execFileSync(process.execPath, [path.join(here, 'compile.mjs'), out], { stdio: 'inherit' });
  return JSON.parse(fs.readFileSync(out, 'utf8'));
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

// startAnvil({port, stateFile, blockTime, args}) -> {url, port, proc, stop(sig)}.
// With stateFile, anvil loads it when it exists and dumps to it on exit.
export async function startAnvil({ port = 8545, stateFile, blockTime, args = [] } = {}) {
  const a = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(L1_CHAIN_ID), ...args];
  if (!process.env.ZS_ANVIL_LOG) a.push('--silent'); // ZS_ANVIL_LOG=1 keeps anvil's own log (for debugging)
  if (stateFile) {
    if (fs.existsSync(stateFile)) a.push('--load-state', stateFile);
    a.push('--dump-state', stateFile);
  }
  const proc = spawn(anvilBin, a, { stdio: ['ignore', process.env.ZS_ANVIL_LOG ? 'pipe' : 'ignore', 'pipe'] });
  proc.stdout?.on('data', (d) => { log += d; });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => resolve({ code, sig })));
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId' }) });
      if ((await r.json()).result) break;
    } catch { /* not up yet */ }
    if (proc.exitCode !== null || Date.now() - t0 > 15000) throw new Error(`anvil did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  // Interval mining is switched on over RPC (also after a state load), so a
  // deployment can run on automine first (setBlockTime).
  const send = async (method, params = []) => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const j = await r.json();
    if (j.error) throw new Error(`${method}: ${j.error.message}`);
    return j.result;
  };
  if (blockTime) await send('evm_setIntervalMining', [blockTime]);
  return {
    url, port, proc, exited, log: () => log, send,
    async setBlockTime(s) { await send(s ? 'evm_setIntervalMining' : 'evm_setAutomine', [s || true]); },
    async stop(sig = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      return exited;
    },
  };
}

// deploy(url, {sequencer, l2ChainId, genesisRoot, forceBatchTimeout}) ->
// the addresses record written to build/devnet/addresses.json by devnet.mjs.
export async function deploy(url, { sequencer, l2ChainId = 1001, genesisRoot = ethers.ZeroHash,
  forceBatchTimeout = 5 * 24 * 3600, fundSequencer = '1000' } = {}) {
  const c = contracts();
  const provider = new ethers.JsonRpcProvider(url, undefined, { cacheTimeout: -1, batchMaxCount: 1, pollingInterval: 50 });
  provider.pollingInterval = 50;
  const deployer = new ethers.NonceManager(new ethers.Wallet(DEPLOYER_KEY, provider));
  const aggregator = new ethers.Wallet(AGGREGATOR_KEY);
  const factory = (name) => new ethers.ContractFactory(c[name].abi, c[name].bytecode, deployer);
  const deployerAddr = await deployer.getAddress();

  const ger = await (await factory('ZkseqGlobalExitRoot').deploy(deployerAddr)).waitForDeployment();
  const verifier = await (await factory('DevVerifier').deploy()).waitForDeployment();
  const rollup = await (await factory('ZkseqRollup').deploy(await ger.getAddress(), await verifier.getAddress(),
    l2ChainId, genesisRoot, sequencer, aggregator.address, forceBatchTimeout)).waitForDeployment();
  await (await ger.setRollup(await rollup.getAddress())).wait();
  // A first global exit root, so that leaf count 1 names an L1 info root
  // (sequenceBatches refuses an index with no root).
  await (await ger.updateExitRoot(ethers.id('zkseq devnet mainnet exit root'))).wait();
  if (fundSequencer && sequencer) {
    await (await deployer.sendTransaction({ to: sequencer, value: ethers.parseEther(fundSequencer) })).wait();
  }
  const receipt = await provider.getTransactionReceipt(rollup.deploymentTransaction().hash);
  return {
    chainId: L1_CHAIN_ID,
    rpc: url,
    rollup: await rollup.getAddress(),
    globalExitRootManager: await ger.getAddress(),
    verifier: await verifier.getAddress(),
    deployer: deployerAddr,
    sequencer,
    aggregator: aggregator.address,
    l2ChainId,
    deployBlock: receipt.blockNumber,
  };
}

export function rollupAt(address, runner) {
  const c = contracts();
  return new ethers.Contract(address, c.ZkseqRollup.abi, runner);
}
export function gerAt(address, runner) {
  const c = contracts();
  return new ethers.Contract(address, c.ZkseqGlobalExitRoot.abi, runner);
}
