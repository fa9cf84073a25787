#!/usr/bin/env node
// lib/bn254 against @noble/curves (pinned 1.9.7) on random inputs, through
// the precompiles of a running zkseqd (eth_call to 0x06 ecAdd, 0x07 ecMul,
// 0x08 ecPairing): random multiples of the generators, full 256-bit
// scalars (above the group order too), the point at infinity, P + (-P),
// P + P, pairings whose product is one and random ones that are not, and
// inputs that must fail (off the curve, coordinates >= p, a G2 point
// outside the subgroup, a bad length).  noble computes every expected
// answer; nothing here is written down by hand.
import crypto from 'node:crypto';
import path from 'node:path';
import { bn254 } from '@noble/curves/bn254';
import { ok, eq, done } from '../../tests/integ/tap.mjs';
import { start, tempDir } from '../../tests/integ/zkseqd.mjs';

const G1 = bn254.G1.ProjectivePoint, G2 = bn254.G2.ProjectivePoint;
const p = bn254.fields.Fp.ORDER, r = bn254.fields.Fr.ORDER;
const rand = (bytes = 32) => BigInt('0x' + crypto.randomBytes(bytes).toString('hex'));
const scalar = () => rand() % (r - 1n) + 1n;
const w = (x) => x.toString(16).padStart(64, '0');
const g1 = (P) => { if (P.equals(G1.ZERO)) return w(0n) + w(0n); const a = P.toAffine(); return w(a.x) + w(a.y); };
const g2 = (Q) => { if (Q.equals(G2.ZERO)) return w(0n).repeat(4); const a = Q.toAffine(); return w(a.x.c1) + w(a.x.c0) + w(a.y.c1) + w(a.y.c0); };

const dir = tempDir('bn254');
const node = await start({ datadir: path.join(dir, 'data') });
let id = 1;
async function calls(list) {
  const body = list.map(([to, data]) => ({ jsonrpc: '2.0', id: id++, method: 'eth_call',
    params: [{ to: '0x' + to.toString(16).padStart(40, '0'), data: '0x' + data, gas: '0x1c9c380' }, 'latest'] }));
  const res = await (await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  const byId = new Map(res.map((x) => [x.id, x]));
  return body.map((b) => byId.get(b.id));
}
try {
  // ecAdd
  const adds = [];
  for (let i = 0; i < 60; i++) {
    const P = G1.BASE.multiply(scalar()), Q = G1.BASE.multiply(scalar());
    adds.push([P, Q]);
  }
  const P0 = G1.BASE.multiply(scalar());
  adds.push([P0, P0], [P0, P0.negate()], [G1.ZERO, P0], [P0, G1.ZERO], [G1.ZERO, G1.ZERO]);
  let res = await calls(adds.map(([P, Q]) => [6, g1(P) + g1(Q)]));
  const badAdd = adds.filter(([P, Q], i) => res[i].result !== '0x' + g1(P.add(Q)));
  eq(badAdd.length, 0, `ecAdd: ${adds.length} sums equal noble's (random, doubling, P + (-P), infinity)`);

  // ecMul: scalars in [1, r), full 256-bit ones, 0, r, r + 1
  const muls = [];
  for (let i = 0; i < 40; i++) muls.push([G1.BASE.multiply(scalar()), scalar()]);
  for (let i = 0; i < 20; i++) muls.push([G1.BASE.multiply(scalar()), rand()]);
  muls.push([P0, 0n], [P0, r], [P0, r + 1n], [G1.ZERO, scalar()], [P0, (1n << 256n) - 1n]);
  res = await calls(muls.map(([P, k]) => [7, g1(P) + w(k)]));
  const badMul = muls.filter(([P, k], i) => { const m = k % r; return res[i].result !== '0x' + g1(m === 0n ? G1.ZERO : P.multiply(m)); });
  eq(badMul.length, 0, `ecMul: ${muls.length} products equal noble's (scalars above the order included)`);

  // ecPairing: products that are one (a*b + c*d = 0) and random ones
  const pairs = [];
  for (let i = 0; i < 6; i++) {
    const a = scalar(), b = scalar(), c = scalar();
    const d = (r - (a * b % r) * modInverse(c, r) % r) % r; // a*b + c*d = 0 mod r
    pairs.push([[G1.BASE.multiply(a), G2.BASE.multiply(b)], [G1.BASE.multiply(c), G2.BASE.multiply(d)]]);
  }
  for (let i = 0; i < 6; i++) pairs.push([[G1.BASE.multiply(scalar()), G2.BASE.multiply(scalar())], [G1.BASE.multiply(scalar()), G2.BASE.multiply(scalar())]]);
  pairs.push([[G1.ZERO, G2.BASE.multiply(scalar())]], [[G1.BASE.multiply(scalar()), G2.ZERO]], []);
  const three = [G1.BASE.multiply(scalar()), G2.BASE.multiply(scalar())];
  pairs.push([three, [three[0].negate(), three[1]], [G1.BASE.multiply(5n), G2.BASE.multiply(7n)]]);
  res = await calls(pairs.map((ps) => [8, ps.map(([P, Q]) => g1(P) + g2(Q)).join('')]));
  const F12 = bn254.fields.Fp12;
  const want = pairs.map((ps) => {
    const live = ps.filter(([P, Q]) => !P.equals(G1.ZERO) && !Q.equals(G2.ZERO));
    return live.length === 0 || F12.eql(bn254.pairingBatch(live.map(([P, Q]) => ({ g1: P, g2: Q }))), F12.ONE);
  });
  const badPair = pairs.filter((_, i) => res[i].result !== '0x' + w(want[i] ? 1n : 0n));
  eq(badPair.length, 0, `ecPairing: ${pairs.length} checks equal noble's (${want.filter(Boolean).length} true, ${want.filter((x) => !x).length} false)`);

  // Inputs that must fail: the call fails (fork 12: the precompile consumes its gas).
  const P = G1.BASE.multiply(scalar()), Q = G2.BASE.multiply(scalar());
  const qa = Q.toAffine();
  let twist; // a point on the twist curve outside the r-torsion: y^2 = x^3 + b' with x found by trial
  for (let x = 1n; !twist; x++) {
    const X = bn254.fields.Fp2.create({ c0: x, c1: 0n });
    const rhs = bn254.fields.Fp2.add(bn254.fields.Fp2.mul(bn254.fields.Fp2.sqr(X), X), bn254.G2.CURVE.b);
    try { const Y = bn254.fields.Fp2.sqrt(rhs); twist = w(0n) + w(x) + w(Y.c1) + w(Y.c0); } catch { /* not a square */ }
  }
  const fails = [
    [6, w(1n) + w(3n) + g1(P), 'ecAdd of a point off the curve'],
    [6, w(p) + w(0n) + g1(P), 'ecAdd of a coordinate equal to p'],
    [7, w(1n) + w(3n) + w(5n), 'ecMul of a point off the curve'],
    [8, g1(P) + w(qa.x.c1) + w(qa.x.c0) + w(qa.y.c1) + w(qa.y.c0 + 1n), 'ecPairing of a G2 point off the twist'],
    [8, g1(P) + twist, 'ecPairing of a twist point outside the subgroup'],
    [8, g1(P) + g2(Q).slice(0, 64), 'ecPairing of an input that is not a multiple of 192 bytes'],
  ];
  res = await calls(fails.map(([to, d]) => [to, d]));
  fails.forEach(([, , what], i) => ok(res[i].error && !res[i].result, `${what} fails`, res[i]));
  // Short input is zero-padded (EIP-196): ecAdd of nothing is infinity.
  res = await calls([[6, ''], [7, g1(P)]]);
  eq(res.map((x) => x.result), ['0x' + w(0n) + w(0n), '0x' + w(0n) + w(0n)], 'short ecAdd and ecMul inputs are padded with zeros');
} catch (e) {
  ok(false, `unexpected: ${e.stack || e}`);
} finally {
  await node.stop();
}
done();

function modInverse(a, m) {
  let [x, y, u, v] = [0n, 1n, 1n, 0n], [aa, b] = [a % m, m];
  while (aa !== 0n) {
    const q = b / aa;
    [b, aa] = [aa, b - q * aa];
    [x, y, u, v] = [u, v, x - q * u, y - q * v];
  }
  return ((x % m) + m) % m;
}
