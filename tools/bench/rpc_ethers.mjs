#!/usr/bin/env node
// The ethers-based client of `zkseq-bench rpc`: ethers v6 as a wallet
// backend runs it: one JsonRpcProvider with its defaults (it batches the
// calls it makes within 10 ms, up to 100 a batch), transfers signed by
// ethers Wallets (before the clock starts: signing is the client's work,
// not the server's) and sent through the provider (provider.send of
// eth_sendRawTransaction: broadcastTransaction parses each transaction and
// recovers its sender in JavaScript first, about 4 ms a transaction here,
// which made the client the bottleneck at ~230 tx/s for any server), all
// at once, then the senders' latest nonces polled until every transfer is
// in a block.  The same load for zkseqd and anvil.
//
//   node rpc_ethers.mjs URL FIRST COUNT PER
//
// FIRST, COUNT: zkseq-bench's senders (key 0x5e00..00(i+1)), PER transfers
// each from their pending nonce.  Prints one JSON line: {"tps", "sent",
// "errors", "seconds", "first_error"}.
import { ethers } from 'ethers';

const [url, first, count, per] = [process.argv[2], ...process.argv.slice(3, 6).map(Number)];
if (!url || !(count > 0) || !(per > 0)) {
  console.error('usage: rpc_ethers.mjs URL FIRST COUNT PER');
  process.exit(2);
}
const provider = new ethers.JsonRpcProvider(url);
const key = (i) => '0x5e' + '00'.repeat(30) + (i + 1).toString(16).padStart(2, '0');
const wallets = Array.from({ length: count }, (_, k) => new ethers.Wallet(key(first + k), provider));
const nonces = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, 'pending')));
const signed = [];
for (const [k, w] of wallets.entries()) {
  for (let j = 0; j < per; j++) {
    signed.push(await w.signTransaction({ to: '0x000000000000000000000000000000000000beef', value: BigInt(j + 1),
      nonce: nonces[k] + j, gasLimit: 21000n, gasPrice: 100000000000n, chainId: 1001n, type: 0 }));
  }
}
let errors = 0, firstError = '';
const t0 = performance.now();
await Promise.all(signed.map((tx) => provider.send('eth_sendRawTransaction', [tx]).catch((e) => {
  errors++;
  firstError ||= String(e.shortMessage || e.message).slice(0, 160);
})));
for (;;) {
  const got = await Promise.all(wallets.map((w) => provider.getTransactionCount(w.address, 'latest')));
  if (got.every((n, k) => n >= nonces[k] + per) || errors || performance.now() - t0 > 120000) break;
  await new Promise((z) => setTimeout(z, 20));
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ tps: errors ? 0 : signed.length / seconds, sent: signed.length, errors, seconds,
  first_error: firstError }));
provider.destroy();
