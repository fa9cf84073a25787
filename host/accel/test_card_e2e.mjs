#!/usr/bin/env node
// The card end to end, with the real programs:
// - Polygon's state and batch vectors through `zkseq --card cpu` and
//   `--card sim` (every batch to the card): the same roots as the vectors;
// - `--card xrt` without a card: status 2 and a sentence naming XRT, from
//   zkseq and from zkseqd;
// - XRT's noop shim with the shell xclbin: every call goes through XRT, the
//   shim computes nothing, the host's checks catch it, the roots stay right;
// - zkseqd on the sim card with injected faults (errors, lost jobs, damaged
//   completions, wrong outputs) under UDP and JSON-RPC load: every
//   transaction sequenced, and `zkseq chain verify` (a CPU replay of every
//   block) finds every committed root right; a card that is always wrong is
//   set aside with an alarm while sequencing goes on, and its self-test
//   fails; the status shows the card's health throughout.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, run, vectors, bin } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir } from '../../tests/integ/zkseqd.mjs';

const tmp = tempDir('card');
const mt = (f) => path.join(vectors, 'polygon/merkle-tree', f);
const raw = JSON.parse(fs.readFileSync(mt('smt-raw.json'), 'utf8'));
const gen = JSON.parse(fs.readFileSync(mt('smt-genesis.json'), 'utf8'));
const stFile = path.join(vectors, 'polygon/processor/state-transition.json');
const st = JSON.parse(fs.readFileSync(stFile, 'utf8'));
const transferCases = st.filter((c) => !c.genesis.some((a) => a.bytecode) &&
  !c.txs.some((t) => t.type !== 11 && (!t.to || t.to === '0x' || t.deployedBytecode || t.contractName)));
const cardLine = (stderr) => (stderr.match(/zkseq: card (\w+): (\d+) jobs, (\d+) permutations and (\d+) Keccak messages on the card, (\d+) outputs checked against the CPU, (\d+) failures(.*)/) || []);

// Roots through each backend, and the card's own report of the work it did.
function vectorsThrough(card, env, label) {
  const opts = env ? { env: { ...process.env, ...env } } : {};
  const a = run('zkseq', ['smt', 'root', mt('smt-raw.json'), ...card], opts);
  eq(a.json, raw.map((c) => c.expectedRoot), `${label}: smt root reproduces all ${raw.length} raw roots`);
  const b = run('zkseq', ['state', 'genesis', mt('smt-genesis.json'), ...card], opts);
  eq((b.json || []).map((h) => BigInt(h).toString()), gen.map((c) => c.expectedRoot), `${label}: state genesis reproduces all ${gen.length} genesis roots`);
  let good = 0, work = { jobs: 0, failures: 0, perms: 0, keccak: 0 }, last = '';
  for (const c of transferCases) {
    const r = run('zkseq', ['batch', 'process', stFile, '--id', String(c.id), ...card], opts);
    const o = r.json || {};
    if (o.newStateRoot === c.expectedNewRoot && o.batchHashData === c.batchHashData && o.newAccInputHash === c.expectedNewAccInputHash) good++;
    else last = r.stderr;
    const m = cardLine(r.stderr);
    if (m.length) {
      work.jobs += Number(m[2]); work.perms += Number(m[3]); work.keccak += Number(m[4]); work.failures += Number(m[6]);
    }
  }
  eq(good, transferCases.length, `${label}: batch process reproduces state root, batchHashData and accInputHash of all ${transferCases.length} transfer cases`);
  if (last) console.log(`# ${last}`);
  return { a, b, work };
}

try {
  // ---- Vectors through cpu and sim.
  const cpu = vectorsThrough(['--card', 'cpu'], null, 'cpu');
  ok(/card cpu: 0 jobs/.test(cpu.a.stderr), 'cpu: the work stays on the CPU (no card jobs)', cpu.a.stderr);
  const sim = vectorsThrough(['--card', 'sim'], null, 'sim');
  const m = cardLine(sim.a.stderr);
  ok(m.length && Number(m[2]) > 0 && Number(m[3]) > 0 && Number(m[5]) >= Number(m[2]) && Number(m[6]) === 0,
    `sim: smt root ran on the card (${m[2]} jobs, ${m[3]} permutations, ${m[5]} outputs checked, no failure)`, sim.a.stderr);
  ok(sim.work.jobs > 0 && sim.work.keccak >= transferCases.length && sim.work.failures === 0,
    `sim: batch process hashed on the card (${sim.work.jobs} jobs, ${sim.work.perms} permutations, ${sim.work.keccak} batch hashes)`, sim.work);
  const stt = run('zkseq', ['card', 'selftest', '--card', 'sim']);
  ok(stt.status === 0 && stt.json && stt.json.passed, 'zkseq card selftest --card sim: every kernel agrees with the CPU', stt.stdout + stt.stderr);

  // ---- xrt without a card: status 2, and XRT named with what was missing.
  const noenv = { ...process.env };
  delete noenv.XILINX_XRT; delete noenv.XCL_EMULATION_MODE;
  const nx = run('zkseq', ['--card', 'xrt', 'smt', 'root', mt('smt-raw.json')], { env: noenv });
  ok(nx.status === 2 && /XRT/.test(nx.stderr) && /XILINX_XRT/.test(nx.stderr) && nx.stdout === '',
    'zkseq --card xrt without a card: exit 2, naming XRT and XILINX_XRT', `${nx.status} ${nx.stderr}`);
  const xrtDir = path.join(tmp, 'xrt');
  fs.mkdirSync(path.join(xrtDir, 'lib'), { recursive: true });
  const libdir = path.dirname(execFileSync('ldd', [path.join(bin, 'zkseq')], { encoding: 'utf8' })
    .split('\n').find((l) => l.includes('libxrt_coreutil')).split('=>')[1].trim().split(' ')[0]);
  for (const f of fs.readdirSync(libdir).filter((f) => f.startsWith('libxrt'))) fs.symlinkSync(path.join(libdir, f), path.join(xrtDir, 'lib', f));
  const nc = run('zkseq', ['--card', 'xrt', 'smt', 'root', mt('smt-raw.json')], { env: { ...noenv, XILINX_XRT: xrtDir } });
  ok(nc.status === 2 && /XRT/.test(nc.stderr) && /no card/.test(nc.stderr), 'zkseq --card xrt, XRT present, no card: exit 2, "no card"', `${nc.status} ${nc.stderr}`);
  const dd = run('zkseqd', ['--dev', '--datadir', path.join(tmp, 'nocard'), '--card', 'xrt'], { env: noenv, timeout: 20000 });
  ok(dd.status === 2 && /card backend xrt/.test(dd.stderr) && /XRT/.test(dd.stderr), 'zkseqd --card xrt without a card: exit 2, naming XRT', `${dd.status} ${dd.stderr}`);
  const ds = run('zkseqd', ['--dev', '--datadir', path.join(tmp, 'nosim'), '--card', 'sim'], { timeout: 20000 });
  ok(ds.status === 2 && /unknown card backend 'sim'/.test(ds.stderr) && /test builds/.test(ds.stderr),
    'the appliance\'s zkseqd does not carry the card model: --card sim refused (exit 2), pointing at the test builds', `${ds.status} ${ds.stderr}`);

  // ---- XRT's noop shim: every call through XRT, nothing computed, caught.
  const shell = path.join(tmp, 'zkseq_card_shell.xclbin');
  const sh = run('zkseq', ['card', 'xclbin-shell', shell]);
  ok(sh.status === 0 && fs.statSync(shell).size > 1000, `zkseq card xclbin-shell writes the metadata xclbin (${sh.json && sh.json.bytes} bytes)`, sh.stderr);
  const noop = { XILINX_XRT: xrtDir, XCL_EMULATION_MODE: 'noop' };
  const nv = vectorsThrough(['--card', 'xrt', '--card-xclbin', shell], noop, 'xrt (noop shim)');
  const nm = cardLine(nv.a.stderr);
  ok(nm.length && Number(nm[6]) >= 1 && /set aside/.test(nm[7]), 'xrt (noop shim): the shim\'s non-results are caught and the card set aside; roots right', nv.a.stderr);
  const ns = run('zkseq', ['card', 'selftest', '--card', 'xrt', '--card-xclbin', shell], { env: { ...process.env, ...noop } });
  ok(ns.status === 1 && ns.json && !ns.json.passed && /differs from the CPU/.test(ns.json.report) && /noop/.test(ns.json.device),
    'zkseq card selftest on the noop shim: fails, saying the output differs (XRT ran, nothing computed)', ns.stdout + ns.stderr);

  // ---- zkseqd on a faulty sim card under load.
  const cfgFile = (name, sim, extra = {}) => {
    const f = path.join(tmp, `${name}.json`);
    fs.writeFileSync(f, JSON.stringify({ card: { backend: 'sim', min_poseidon: 1, min_keccak: 4, timeout_ms: 100, ...extra, sim: { workers: 2, ...sim } } }));
    return f;
  };
  const status = async (url) => (await rpc(url, 'zkseq_status', [])).result;
  const loadAndVerify = async (label, cfg, check) => {
    const datadir = path.join(tmp, label);
    const node = await start({ datadir, args: ['--config', cfg], program: 'zkseqd-sim' });
    try {
      const u = run('zkseq-txgen', ['--udp', `127.0.0.1:${node.udpPort}`, '--count', '3000', '--first-account', '0', '--accounts', '6', '--batch', '8', '--timeout-ms', '10000', '--json']);
      ok(u.status === 0 && u.json && u.json.accepted === 3000 && u.json.lost === 0, `${label}: 3,000 transfers over UDP, all accepted`, u.stderr || u.json);
      const n9 = Number((await rpc(node.url, 'eth_getTransactionCount', ['0xa0Ee7A142d267C1f36714E4a8F75612F20a79720', 'pending'])).result);
      const r = run('zkseq-txgen', ['--rpc', node.url, '--count', '500', '--first-account', '9', '--accounts', '1', '--window', '16', '--start-nonce', String(n9), '--json']);
      ok(r.status === 0 && r.json && r.json.accepted === 500, `${label}: 500 more over JSON-RPC, all accepted`, r.stderr || r.json);
      let s;
      for (let i = 0; i < 300; i++) {
        s = await status(node.url);
        if (s && s.sequenced.transactions >= 3500 && s.pool.total === 0) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      eq(s.sequenced.transactions, 3500, `${label}: every transaction sequenced`);
      await check(s.card, node);
    } finally {
      const stop = await node.stop('SIGTERM');
      eq(stop.code, 0, `${label}: clean exit`);
    }
    const v = run('zkseq', ['chain', 'verify', '--datadir', datadir]);
    ok(v.status === 0 && v.json && v.json.ok, `${label}: zkseq chain verify replays every block on the CPU: every committed root right`, v.stderr);
  };
  await loadAndVerify('faulty sim', cfgFile('faulty', { fail_every: 7, hang_every: 11, corrupt_every: 13, wrong_every: 5 }, { max_failures: 1000000 }),
    async (c) => {
      const f = c.failures.byKind;
      ok(c.backend === 'sim' && !c.fallback && c.jobs > 20 && c.permutations > 100 && c.keccakMessages > 100,
        `faulty sim: the card did the work (${c.jobs} jobs, ${c.permutations} permutations, ${c.keccakMessages} Keccak messages)`, c);
      ok(f.io > 0 && f.timeout > 0 && f.corrupt > 0 && f.wrong > 0 && c.cpuPermutations > 0,
        `faulty sim: every fault noticed and redone on the CPU (io ${f.io}, timeout ${f.timeout}, corrupt ${f.corrupt}, wrong ${f.wrong})`, c);
    });
  await loadAndVerify('broken sim', cfgFile('broken', { wrong_every: 1 }, { max_failures: 3 }), async (c, node) => {
    ok(c.fallback && /set aside after 3 failures/.test(c.alarm) && c.failures.byKind.wrong >= 3 && c.failures.byKind.wrong < 10 && c.jobs === 0,
      `broken sim: set aside after 3 wrong results (${c.failures.byKind.wrong} with those in flight), alarm in the status; sequencing went on`, c);
    ok(/ALARM card: card sim set aside/.test(node.log()), 'broken sim: the alarm is in zkseqd\'s log', node.log());
    const t = (await rpc(node.url, 'zkseq_cardSelftest', [])).result;
    ok(t && !t.passed && /differs from the CPU/.test(t.report) && t.card.fallback, 'broken sim: zkseq_cardSelftest fails and the card stays aside', t);
  });
  // zkseqd on the noop shim: starts, is caught, keeps sequencing on the CPU.
  const nd = path.join(tmp, 'noopd');
  Object.assign(process.env, noop); // zkseqd inherits this environment
  const node = await start({ datadir: nd, args: ['--card', 'xrt', '--card-xclbin', shell, '--config', cfgFile('noopd', {}, { backend: 'xrt' })] });
  delete process.env.XILINX_XRT;
  delete process.env.XCL_EMULATION_MODE;
  try {
    ok(/card xrt \(asked: xrt\):.*noop shim/.test(node.log()), 'zkseqd --card xrt on the noop shim: starts, saying results are not computed', node.log());
    const u = run('zkseq-txgen', ['--udp', `127.0.0.1:${node.udpPort}`, '--count', '500', '--accounts', '4', '--batch', '8', '--json']);
    ok(u.status === 0 && u.json && u.json.accepted === 500, 'noop shim: 500 transfers accepted', u.stderr);
    let c;
    for (let i = 0; i < 100; i++) {
      const s = await status(node.url);
      c = s.card;
      if (s.sequenced.transactions >= 500 && c.fallback) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    ok(c.fallback && c.backend === 'xrt' && /xrt set aside/.test(c.alarm), 'noop shim: the card is set aside with an alarm', c);
  } finally {
    eq((await node.stop('SIGTERM')).code, 0, 'noop shim: clean exit');
  }
  const v = run('zkseq', ['chain', 'verify', '--datadir', nd]);
  ok(v.status === 0 && v.json && v.json.ok, 'noop shim: chain verify finds every root right', v.stderr);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
done();
