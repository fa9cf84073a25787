#!/usr/bin/env node
// Operating the box: zkseqctl against running appliances.
// 1. zkseqd alone: every command scripted (status consistent with JSON-RPC,
//    pause stops sequencing and resume restarts it, pool ls/show/drop with
//    the dropped transaction never mined, batch ls/show/close, config get/set
//    live and refused, log level), exit codes, metrics scraped and parsed with
//    counters moving under UDP and JSON-RPC load, key=value and JSON logs with
//    who changed what, SIGHUP reopening a rotated log;
// 2. the shell (completion, history) and top under tmux, read off the screen;
// 3. configure check;
// 4. TLS and a token beyond loopback: refused without them, served with them;
// 5. the whole appliance (anvil, zkseq-fw, zkseqd): the L1 account in status,
//    config set changes the policy the firmware uses (and its log says who),
//    a value the firmware refuses, metrics of the firmware and L1, and the
//    firmware's serial console as zkseqctl's other backend.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { ok, eq, done, run, bin } from '../../tests/integ/tap.mjs';
import { start, rpc, tempDir, devKeys } from '../../tests/integ/zkseqd.mjs';
import { startAppliance, ethers, sleep } from '../../tests/integ/appliance.mjs';

const tmp = tempDir('ctl');
const ctl = (port, args, opts = {}) => run('zkseqctl', ['--port', String(port), ...args],
  { ...opts, env: { ...process.env, HOME: tmp, ...(opts.env || {}) } });
const waitFor = async (what, fn, ms = 20000) => {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
};

// The Prometheus text format, strictly: every sample line belongs to a
// metric with HELP and TYPE, names are zkseq_*, values are numbers, and
// histogram buckets are cumulative.
function parseMetrics(text) {
  const samples = new Map(), types = new Map(), helps = new Set(), problems = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    let m;
    if ((m = line.match(/^# HELP (\S+) .+$/))) { helps.add(m[1]); continue; }
    if ((m = line.match(/^# TYPE (\S+) (counter|gauge|histogram|summary)$/))) { types.set(m[1], m[2]); continue; }
    m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf)$/);
    if (!m) { problems.push(`bad line: ${line}`); continue; }
    const base = m[1].replace(/_(bucket|sum|count)$/, '');
    const family = types.has(m[1]) ? m[1] : types.has(base) ? base : m[1];
    if (!m[1].startsWith('zkseq_')) problems.push(`not zkseq_: ${m[1]}`);
    if (!types.has(family) || !helps.has(family)) problems.push(`no HELP/TYPE for ${m[1]}`);
    samples.set(m[1] + (m[2] || ''), Number(m[3]));
  }
  return { samples, types, problems };
}
const scrape = async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const get = (m, key) => m.samples.get(key) ?? NaN;

// ---- 1. zkseqd alone.
const node = await start({ datadir: path.join(tmp, 'd1'), args: ['--block-time-ms', '50'] });
const P = node.mgmtPort;
const provider = new ethers.JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, batchMaxCount: 1 });
provider.pollingInterval = 50;
const wallet = new ethers.Wallet(devKeys[7], provider);
let tmuxNames = [];
try {
  ok(P > 0 && node.metricsPort > 0, `zkseqd says where its management (${P}) and metrics (${node.metricsPort}) ports are`);
  // status
  const st = ctl(P, ['--json', 'status']);
  const s = st.json || {};
  ok(st.status === 0 && ['chain_id', 'uptime_s', 'pool', 'batches', 'card', 'l1'].every((k) => k in s) &&
    ['trusted', 'virtual', 'consolidated'].every((k) => k in s.batches), 'status --json: one object with chain_id, uptime_s, pool, batches{trusted,virtual,consolidated}, card, l1', st.stdout);
  eq(s.chain_id, Number((await rpc(node.url, 'eth_chainId')).result), 'status chain_id = eth_chainId');
  const trailing = run('zkseqctl', ['status', '--json', '--port', String(P)]);
  ok(trailing.status === 0 && trailing.json && trailing.json.chain_id === s.chain_id, 'options after the command work as before it (status --json --port N)', trailing.stderr);
  const dash = ctl(P, ['config', 'set', '--', 'batch.max_age_ms', '-5']);
  ok(dash.status === 2 && /whole number/.test(dash.stderr), 'an argument starting with a dash follows -- (and -5 is refused as a value, not taken as an option)', dash.stderr);
  eq(s.head, Number((await rpc(node.url, 'eth_blockNumber')).result), 'status head = eth_blockNumber');
  eq(s.batches.open, Number((await rpc(node.url, 'zkevm_batchNumber')).result), 'status batches.open = zkevm_batchNumber (the batch being filled)');
  eq(s.card.backend, (await rpc(node.url, 'zkseq_status')).result.card.backend, 'status card = zkseq_status card');
  const human = ctl(P, ['status']);
  ok(human.status === 0 && /chain id 1001/.test(human.stdout) && /batches: +open \d+, trusted \d+/.test(human.stdout), 'status for people: a table', human.stdout);

  // metrics before and after load
  const before = parseMetrics(await scrape(node.metricsPort));
  eq(before.problems, [], 'metrics: every line parses, is named zkseq_* and has HELP and TYPE');
  const nbefore = before.samples.size;
  const udp = run('zkseq-txgen', ['--udp', `127.0.0.1:${node.udpPort}`, '--count', '2000', '--first-account', '0', '--accounts', '4', '--batch', '8', '--json']);
  ok(udp.status === 0 && udp.json && udp.json.accepted === 2000, 'load: 2,000 transfers over UDP', udp.stderr);
  const r1 = run('zkseq-txgen', ['--rpc', node.url, '--count', '300', '--first-account', '4', '--accounts', '2', '--window', '8', '--json']);
  ok(r1.status === 0 && r1.json && r1.json.accepted === 300, 'load: 300 over JSON-RPC', r1.stderr);
  await waitFor('sequencing', async () => (await rpc(node.url, 'zkseq_status')).result.sequenced.transactions >= 2300);
  await sleep(1200);
  const after = parseMetrics(await scrape(node.metricsPort));
  eq(after.problems, [], 'metrics under load still parse');
  eq(get(after, 'zkseq_ingress_transactions_total{path="udp",result="accepted"}') - get(before, 'zkseq_ingress_transactions_total{path="udp",result="accepted"}'), 2000, 'metrics: UDP accepted moved by 2,000');
  eq(get(after, 'zkseq_ingress_transactions_total{path="rpc",result="accepted"}') - get(before, 'zkseq_ingress_transactions_total{path="rpc",result="accepted"}'), 300, 'metrics: JSON-RPC accepted moved by 300');
  ok(get(after, 'zkseq_sequenced_transactions_total') - get(before, 'zkseq_sequenced_transactions_total') >= 2300, 'metrics: sequenced transactions moved');
  const udpCount = get(after, 'zkseq_ingress_answer_seconds_count{path="udp"}');
  ok(udpCount === 250 && get(after, 'zkseq_ingress_answer_seconds_bucket{path="udp",le="+Inf"}') === udpCount,
    `metrics: the UDP answer histogram holds the 250 frames (+Inf bucket = count)`);
  // The five stages of a frame's way add up to its answer's time.
  const stages = ['queue', 'verify', 'admit', 'durable', 'send'];
  const stageCounts = stages.map((st) => get(after, `zkseq_ingress_stage_seconds_count{path="udp",stage="${st}"}`));
  const stageSum = stages.reduce((a, st) => a + get(after, `zkseq_ingress_stage_seconds_sum{path="udp",stage="${st}"}`), 0);
  const answerSum = get(after, 'zkseq_ingress_answer_seconds_sum{path="udp"}');
  ok(stageCounts.every((c) => c === 250) && answerSum > 0 && Math.abs(stageSum - answerSum) <= 0.01 * answerSum &&
    get(after, 'zkseq_ingress_stage_seconds_sum{path="udp",stage="verify"}') > 0,
  `metrics: the UDP frames' five stages, 250 each, adding up to the answer's time (${stageSum.toFixed(4)} s against ${answerSum.toFixed(4)} s)`, stageCounts);
  const bounds = [...after.samples.keys()].filter((k) => k.startsWith('zkseq_ingress_answer_seconds_bucket{path="udp"'));
  ok(bounds.length === 19 && bounds.map((k) => after.samples.get(k)).every((v, i, a) => !i || v >= a[i - 1]), 'metrics: histogram buckets are cumulative');
  ok(get(after, 'zkseq_block_build_seconds_count') > 0 && get(after, 'zkseq_pool_transactions{state="executable"}') >= 0 &&
    get(after, 'zkseq_card_info{requested="auto",backend="cpu"}') === 1 && after.samples.size >= nbefore,
  'metrics: block build histogram, pool gauges and the card are there');
  ok(get(after, 'zkseq_pool_log_ok') === 1 && [0, 1].includes(get(after, 'zkseq_pool_log_direct')) &&
    get(after, 'zkseq_pool_flushes_total{to="log"}') > get(before, 'zkseq_pool_flushes_total{to="log"}'),
    'metrics: the pool\'s group commits flushed to its log', [get(after, 'zkseq_pool_flushes_total{to="log"}'), get(after, 'zkseq_pool_flushes_total{to="database"}')]);
  const pfRead = get(after, 'zkseq_state_prefetch_pages_total{what="read"}'), pfTaken = get(after, 'zkseq_state_prefetch_pages_total{what="taken"}');
  ok(pfRead >= 0 && pfTaken >= 0 && pfTaken <= pfRead, 'metrics: the state\'s prefetch thread (pages read ahead, and taken)', [pfRead, pfTaken]);
  const nodeBytes = get(after, 'zkseq_state_tree_node_bytes'), sweeps = get(after, 'zkseq_state_evictions_total{what="sweeps"}');
  ok(nodeBytes > 0 && nodeBytes < 8192 * 2 ** 20 && sweeps === 0 && get(after, 'zkseq_state_evictions_total{what="pages"}') === 0,
    'metrics: the state tree\'s nodes in memory, under state.memory_mb (nothing dropped)', [nodeBytes, sweeps]);
  const is = ctl(P, ['--json', 'ingress', 'stats']).json;
  ok(is && is.paths.udp.accepted >= 2000 && is.paths.rpc.accepted >= 300 && is.paths.udp.answer_latency.p50_s > 0, 'ingress stats: accepted per path and answer latency', is);

  // pause and resume
  const p1 = ctl(P, ['seq', 'pause']);
  ok(p1.status === 0 && /sequencing paused/.test(p1.stdout), 'seq pause', p1.stderr);
  ok(ctl(P, ['--json', 'status']).json.paused === true, 'status says paused');
  const head0 = Number((await rpc(node.url, 'eth_blockNumber')).result);
  const nonce = await provider.getTransactionCount(wallet.address, 'pending');
  const tx0 = await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 1n, nonce, gasLimit: 21000, gasPrice: 2000000000n });
  const tx1 = await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 2n, nonce: nonce + 1, gasLimit: 21000, gasPrice: 2000000000n });
  await sleep(1000);
  ok((await provider.getTransactionReceipt(tx0.hash)) === null && Number((await rpc(node.url, 'eth_blockNumber')).result) === head0,
    'paused: a new transaction is admitted but no block is made');
  const pl = ctl(P, ['--json', 'pool', 'ls']).json;
  ok(pl && pl.total === 2 && pl.transactions.map((t) => t.hash).join() === [tx0.hash, tx1.hash].join(), 'pool ls: both, in arrival order', pl);
  const ps = ctl(P, ['--json', 'pool', 'show', tx1.hash]).json;
  ok(ps && ps.from === wallet.address && ps.nonce === nonce + 1 && ps.value === '2', 'pool show: sender, nonce, value', ps);
  const pd = ctl(P, ['pool', 'drop', tx1.hash]);
  ok(pd.status === 0 && /dropped/.test(pd.stdout), 'pool drop', pd.stderr);
  const pd2 = ctl(P, ['pool', 'drop', tx1.hash]);
  ok(pd2.status === 1 && /not in the pool/.test(pd2.stderr), 'pool drop again: exit 1, not in the pool', pd2.stderr);
  eq(ctl(P, ['--json', 'pool', 'ls']).json.total, 1, 'pool ls after the drop: one left');
  const rs = ctl(P, ['seq', 'resume']);
  ok(rs.status === 0 && /resumed/.test(rs.stdout), 'seq resume');
  const rc0 = await tx0.wait();
  ok(rc0 && rc0.status === 1, 'resumed: the kept transaction is mined');
  await sleep(800);
  ok((await provider.getTransactionReceipt(tx1.hash)) === null && (await provider.getTransaction(tx1.hash)) === null,
    'the dropped transaction is gone: never mined, not found');
  ok(/level=warn comp=mgmt msg="sequencing paused" by="[^"]+@127\.0\.0\.1:\d+"/.test(node.log()) &&
    /msg="pool drop" tx=0x[0-9a-f]{64} by=/.test(node.log()), 'the log says who paused and who dropped', node.log().slice(-1500));

  // batches (with an age limit long enough that only an operator closes one)
  ok(ctl(P, ['config', 'set', 'batch.max_age_ms', '600000']).status === 0, 'config set batch.max_age_ms 600000');
  await (await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 4n, gasLimit: 21000, gasPrice: 2000000000n })).wait();
  const bl = ctl(P, ['--json', 'batch', 'ls', '3']).json;
  ok(bl && bl.batches.length >= 2 && bl.batches[0].stage === 'open' && bl.batches[1].stage === 'trusted', 'batch ls: the open batch, then trusted ones', bl);
  const bs = ctl(P, ['--json', 'batch', 'show', String(bl.batches[1].number)]).json;
  ok(bs && bs.number === bl.batches[1].number && /^0x[0-9a-f]{64}$/.test(bs.batch_hash) && bs.transactions > 0, 'batch show: hashes and transaction count', bs);
  const trusted0 = ctl(P, ['--json', 'status']).json.batches.trusted;
  const bc = ctl(P, ['batch', 'close']);
  ok(bc.status === 0 && /closes/.test(bc.stdout), 'batch close', bc.stderr);
  await waitFor('the batch to close', async () => ctl(P, ['--json', 'status']).json.batches.trusted > trusted0);
  ok(get(parseMetrics(await scrape(node.metricsPort)), 'zkseq_batches_closed_total{reason="operator"}') === 1, 'metrics: one batch closed by an operator');
  const bc2 = ctl(P, ['batch', 'close']);
  ok(bc2.status === 1 && /holds no block/.test(bc2.stderr), 'batch close of an empty batch: refused', bc2.stderr);

  // configuration
  eq(ctl(P, ['--json', 'config', 'get', 'batch.max_age_ms']).json, { 'batch.max_age_ms': 600000 }, 'config get batch.max_age_ms');
  const cs = ctl(P, ['config', 'set', 'batch.max_age_ms', '2500']);
  ok(cs.status === 0 && /applied by zkseqd/.test(cs.stdout), 'config set batch.max_age_ms 2500', cs.stderr);
  eq((await rpc(node.url, 'zkseq_l1Status')).result.policy.maxAgeMs, 2500, 'the sequencer runs with it (zkseq_l1Status policy)');
  eq(ctl(P, ['--json', 'config', 'get', 'batch.max_age_ms']).json['batch.max_age_ms'], 2500, 'config get shows the new value');
  for (const [args, code, re, what] of [
    [['config', 'set', 'chain_id', '7'], 1, /read once when zkseqd starts/, 'a key that needs a restart'],
    [['config', 'set', 'nope.nothing', '1'], 2, /unknown configuration key/, 'an unknown key'],
    [['config', 'set', 'batch.max_age_ms', 'soon'], 2, /whole number/, 'a value that is not a number'],
    [['config', 'set', 'batch.max_bytes', '5'], 2, /would not hold a transaction/, 'a value out of range'],
    [['config', 'set', 'batch.max_age_ms'], 2, /usage: config set KEY VALUE/, 'a missing value'],
    [['pool', 'show', '0x1234'], 2, /transaction hash/, 'a malformed hash'],
    [['frobnicate'], 2, /unknown command/, 'an unknown command'],
    [['pool', 'swim'], 2, /pool takes/, 'an unknown subcommand'],
  ]) {
    const r = ctl(P, args);
    ok(r.status === code && re.test(r.stderr), `refused with exit ${code}: ${what}`, `${r.status} ${r.stderr}`);
  }
  eq(ctl(P, ['--json', 'config', 'get', 'batch.max_age_ms']).json['batch.max_age_ms'], 2500, 'refusals changed nothing');
  const unreachable = run('zkseqctl', ['--port', '1', 'status']);
  ok(unreachable.status === 3 && /cannot connect/.test(unreachable.stderr), 'exit 3 when zkseqd cannot be reached', unreachable.stderr);

  // log level
  const ll = ctl(P, ['log', 'level', 'debug']);
  ok(ll.status === 0 && /log level: debug/.test(ll.stdout), 'log level debug');
  await wallet.sendTransaction({ to: ethers.ZeroAddress, value: 3n, gasLimit: 21000, gasPrice: 2000000000n });
  ctl(P, ['batch', 'close']);
  await waitFor('a debug event', async () => /level=debug comp=seq msg="batch \d+ closed \(operator\)/.test(node.log()));
  ok(true, 'at debug, the sequencer logs each batch it closes');
  ok(ctl(P, ['log', 'level', 'info']).status === 0 && ctl(P, ['log', 'level', 'loud']).status === 2, 'log level back to info; a bad level refused');
  const cst = ctl(P, ['--json', 'card', 'selftest']);
  ok(cst.status === 0 && cst.json.passed && /no card/.test(cst.json.report), 'card selftest with no card: passes, saying so', cst.stdout);

  // 2. The shell and top under tmux.
  const tmux = (...a) => spawnSync('tmux', a, { encoding: 'utf8' });
  const screen = (name) => tmux('capture-pane', '-p', '-t', name, '-S', '-100').stdout;
  const shellName = `zkseqctl-shell-${process.pid}`;
  tmuxNames.push(shellName);
  tmux('new-session', '-d', '-s', shellName, '-x', '160', '-y', '50', `HOME=${tmp} ${path.join(bin, 'zkseqctl')} --port ${P}`);
  await waitFor('the shell prompt', async () => /^zkseqctl>/m.test(screen(shellName)));
  tmux('send-keys', '-t', shellName, '-l', 'sta');
  tmux('send-keys', '-t', shellName, 'Tab');
  await waitFor('completion', async () => /zkseqctl> status/.test(screen(shellName)), 5000).catch(() => {});
  ok(/zkseqctl> status/.test(screen(shellName)), 'shell: Tab completes "sta" to "status"', screen(shellName));
  tmux('send-keys', '-t', shellName, 'Enter');
  await waitFor('status in the shell', async () => /chain id 1001/.test(screen(shellName)), 5000).catch(() => {});
  ok(/chain id 1001/.test(screen(shellName)), 'shell: status answers');
  tmux('send-keys', '-t', shellName, '-l', 'seq pau');
  tmux('send-keys', '-t', shellName, 'Tab');
  tmux('send-keys', '-t', shellName, 'Enter');
  await waitFor('pause in the shell', async () => /sequencing paused/.test(screen(shellName)), 5000).catch(() => {});
  ok(/sequencing paused/.test(screen(shellName)) && ctl(P, ['--json', 'status']).json.paused, 'shell: "seq pau" + Tab completes, and pauses');
  tmux('send-keys', '-t', shellName, '-l', 'seq resume');
  tmux('send-keys', '-t', shellName, 'Enter');
  tmux('send-keys', '-t', shellName, '-l', 'frobnicate');
  tmux('send-keys', '-t', shellName, 'Enter');
  await waitFor('the error', async () => /unknown command 'frobnicate'/.test(screen(shellName)), 5000).catch(() => {});
  ok(/unknown command 'frobnicate'/.test(screen(shellName)) && !ctl(P, ['--json', 'status']).json.paused, 'shell: resume, then a bad command answered with an error and the shell goes on');
  tmux('send-keys', '-t', shellName, 'Up');
  tmux('send-keys', '-t', shellName, 'Up');
  await sleep(300);
  ok(/zkseqctl> seq resume$/m.test(screen(shellName).trimEnd()), 'shell: Up walks back through the history', screen(shellName).split('\n').slice(-3).join(' | '));
  tmux('send-keys', '-t', shellName, 'C-u');
  tmux('send-keys', '-t', shellName, '-l', 'quit');
  tmux('send-keys', '-t', shellName, 'Enter');
  await waitFor('the shell to end', async () => tmux('has-session', '-t', shellName).status !== 0, 5000).catch(() => {});
  ok(tmux('has-session', '-t', shellName).status !== 0 && /seq(\\040| )resume/.test(fs.readFileSync(path.join(tmp, '.zkseqctl_history'), 'utf8')),
    'shell: quit ends it; the history is kept in ~/.zkseqctl_history');

  const topName = `zkseqctl-top-${process.pid}`;
  tmuxNames.push(topName);
  tmux('new-session', '-d', '-s', topName, '-x', '140', '-y', '40', `${path.join(bin, 'zkseqctl')} --port ${P} top`);
  const load = spawn(path.join(bin, 'zkseq-txgen'), ['--udp', `127.0.0.1:${node.udpPort}`, '--count', '12000', '--rate', '3000', '--first-account', '8', '--accounts', '2', '--batch', '8', '--client', '2'], { stdio: 'ignore' });
  const loadDone = new Promise((r) => load.on('exit', r));
  let topScreen = '';
  await waitFor('top to show the load', async () => {
    topScreen = screen(topName);
    const m = topScreen.match(/tx\/s in +([0-9.]+) +sequenced +([0-9.]+)/);
    return m && Number(m[1]) > 500 && /udp +p50 +[0-9.]+ ms +p90/.test(topScreen);
  }, 15000).catch(() => {});
  ok(/zkseq top - 127\.0\.0\.1:\d+ - chain 1001/.test(topScreen) && /udp +p50 +[0-9.]+ ms/.test(topScreen) &&
    /pool +\d+ executable/.test(topScreen) && /batches +open \d+/.test(topScreen) && /cpu0 +\[#*/.test(topScreen) && /card +cpu/.test(topScreen),
  'top: rates, the last second\'s latency percentiles, pool, batches, card and per-core load on screen', topScreen);
  const rate = Number((topScreen.match(/tx\/s in +([0-9.]+)/) || [])[1]);
  ok(rate > 500, `top: tx/s in follows the load (${rate} at 3,000/s offered)`, node.log().split('\n').slice(-12).join('\n'));
  await loadDone;
  tmux('send-keys', '-t', topName, 'q');
  await waitFor('top to end', async () => tmux('has-session', '-t', topName).status !== 0, 5000).catch(() => {});
  ok(tmux('has-session', '-t', topName).status !== 0, 'top: q quits');

  // 3. configure check (no hugepages or card here; no firmware on this zkseqd).
  const cc = ctl(P, ['--json', 'configure', 'check']);
  const checks = cc.json ? Object.fromEntries(cc.json.checks.map((c) => [c.check, c])) : {};
  ok(cc.status === 1 && cc.json && !cc.json.ok && checks.hugepages && checks['firmware link'] && checks.clock && checks['isolated cores'] && checks.NIC && checks.card,
    'configure check --json: every check, and exit 1 since some fail here', cc.stdout);
  ok(cc.json && cc.json.checks.every((c) => c.status === 'ok' || c.fix.length > 10), 'configure check: every problem says what to fix');
  eq(checks['firmware link'] && checks['firmware link'].status, 'fail', 'configure check: no firmware link on this zkseqd');
  const cc2 = ctl(P, ['configure', 'check']);
  ok(cc2.status === 1 && /\[FAIL\] hugepages/.test(cc2.stdout) && /fix: /.test(cc2.stdout) && cc2.stdout === ctl(P, ['configure', 'check']).stdout,
    'configure check for people, and the same answer when run again (it changes nothing)', cc2.stdout);

  const stop1 = await node.stop('SIGTERM');
  eq(stop1.code, 0, 'zkseqd stopped cleanly with the management ports open');
} finally {
  await node.stop('SIGKILL');
  for (const n of tmuxNames) spawnSync('tmux', ['kill-session', '-t', n]);
}

// ---- JSON logs to a file, rotated with SIGHUP.
{
  const logFile = path.join(tmp, 'zkseqd.log');
  const proc = spawn(path.join(bin, 'zkseqd'), ['--dev', '--datadir', path.join(tmp, 'd2'), '--rpc-port', '0', '--udp-port', '0',
    '--mgmt-port', '0', '--metrics-port', '0', '--stream-port', '0', '--log-file', logFile, '--log-format', 'json'], { stdio: 'ignore' });
  try {
    const lines = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '').split('\n').filter(Boolean);
    await waitFor('zkseqd to log its start', async () => lines().some((l) => l.includes('JSON-RPC on')));
    const parsed = lines().map((l) => { try { return JSON.parse(l); } catch { return null; } });
    ok(parsed.every((o) => o && o.ts && o.level && o.comp && o.msg), 'JSON log: every line is an object with ts, level, comp, msg', lines().slice(0, 3));
    const mport = Number(parsed.find((o) => /management on/.test(o.msg)).msg.match(/:(\d+)$/)[1]);
    fs.renameSync(logFile, `${logFile}.1`);
    ctl(mport, ['seq', 'pause']);
    process.kill(proc.pid, 'SIGHUP');
    await waitFor('the log to be reopened', async () => fs.existsSync(logFile) && /reopened/.test(fs.readFileSync(logFile, 'utf8')));
    ctl(mport, ['seq', 'resume']);
    await waitFor('the resume in the new file', async () => /sequencing resumed/.test(fs.readFileSync(logFile, 'utf8')));
    const old = fs.readFileSync(`${logFile}.1`, 'utf8');
    ok(/sequencing paused/.test(old) && !/sequencing resumed/.test(old), 'SIGHUP: the rotated file kept what came before, the new one what came after');
  } finally {
    proc.kill('SIGTERM');
  }
}

// ---- 4. TLS and a token beyond loopback.
{
  const pki = path.join(tmp, 'pki');
  fs.mkdirSync(pki);
  const ossl = (...a) => execFileSync('openssl', a, { cwd: pki, stdio: ['ignore', 'ignore', 'pipe'] });
  for (const ca of ['ca', 'other-ca'])
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=zkseq ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.pem`);
  fs.writeFileSync(path.join(pki, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', 'server.pem');
  const token = 'zkseq-test-token-0123456789';
  fs.writeFileSync(path.join(pki, 'token'), `${token}\n`);
  const open = path.join(tmp, 'open.json');
  fs.writeFileSync(open, JSON.stringify({ mgmt: { host: '0.0.0.0', port: 0, metrics_port: 0 } }));
  const bare = run('zkseqd', ['--dev', '--datadir', path.join(tmp, 'd3'), '--config', open, '--rpc-port', '0', '--udp-port', '0'], { timeout: 20000 });
  ok(bare.status === 2 && /beyond loopback: that needs TLS and a token/.test(bare.stderr), 'zkseqd refuses to listen beyond loopback without TLS and a token', bare.stderr);
  const cfg = path.join(tmp, 'tls.json');
  const hmacKey = '00112233445566778899aabbccddeeff0011223344556677';
  fs.writeFileSync(cfg, JSON.stringify({ udp: { keys: { 7: hmacKey } }, mgmt: { host: '0.0.0.0', port: 0, metrics_host: '0.0.0.0', metrics_port: 0,
    tls_cert: path.join(pki, 'server.pem'), tls_key: path.join(pki, 'server.key'), token_file: path.join(pki, 'token') } }));
  const tnode = await start({ datadir: path.join(tmp, 'd4'), args: ['--config', cfg] });
  try {
    const T = tnode.mgmtPort;
    ok(/management on tls:\/\/0\.0\.0\.0:\d+ \(token required\)/.test(tnode.log()) && /metrics on https:/.test(tnode.log()), 'zkseqd listens beyond loopback with TLS and a token');
    const tctl = (args) => run('zkseqctl', ['--host', 'localhost', '--port', String(T), ...args]);
    const noTok = tctl(['--tls', '--ca', path.join(pki, 'ca.pem'), 'status']);
    ok(noTok.status === 3 && /needs its token/.test(noTok.stderr), 'TLS without the token: refused (exit 3)', noTok.stderr);
    const badTok = tctl(['--tls', '--ca', path.join(pki, 'ca.pem'), '--token', 'wrong-token-wrong-token', 'status']);
    ok(badTok.status === 3 && /needs its token/.test(badTok.stderr), 'TLS with a wrong token: refused', badTok.stderr);
    const good = tctl(['--tls', '--ca', path.join(pki, 'ca.pem'), '--token-file', path.join(pki, 'token'), '--json', 'status']);
    ok(good.status === 0 && good.json && good.json.chain_id === 1001, 'TLS with the token: served', good.stderr);
    const cfgOut = tctl(['--tls', '--ca', path.join(pki, 'ca.pem'), '--token', token, 'config', 'get']);
    ok(cfgOut.status === 0 && !cfgOut.stdout.includes(hmacKey) && /udp\.keys\.7 = "\(secret\)"/.test(cfgOut.stdout),
      'config get shows no secret (an exchange client\'s HMAC key reads "(secret)")', cfgOut.stdout);
    const otherCa = tctl(['--tls', '--ca', path.join(pki, 'other-ca.pem'), '--token', token, 'status']);
    ok(otherCa.status === 3 && /certificate not trusted/.test(otherCa.stderr), 'a client that does not trust the server\'s CA refuses it', otherCa.stderr);
    const plain = tctl(['--token', token, 'status']);
    ok(plain.status === 3, 'plain text to the TLS port gets nothing', plain.stderr);
    await waitFor('the refusal in the log', async () => /request refused: no or wrong token/.test(tnode.log()), 5000).catch(() => {});
    ok(/request refused: no or wrong token/.test(tnode.log()), 'zkseqd logs the refused requests', tnode.log().slice(-800));
    const scrapeTls = (auth) => new Promise((resolve) => {
      const req = https.get({ host: '127.0.0.1', port: tnode.metricsPort, path: '/metrics', servername: 'localhost', ca: fs.readFileSync(path.join(pki, 'ca.pem')),
        headers: auth ? { authorization: `Bearer ${auth}` } : {} }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    });
    const m0 = await scrapeTls(null);
    eq(m0.status, 401, 'metrics over TLS without the token: 401');
    const m1 = await scrapeTls(token);
    ok(m1.status === 200 && parseMetrics(m1.body).problems.length === 0 && /zkseq_head_block \d/.test(m1.body), 'metrics over TLS with the token: served and parsed', m1.body.slice(0, 200));
  } finally {
    await tnode.stop('SIGTERM');
  }
}

// ---- 5. The whole appliance: the firmware's side.
const pwFile = path.join(tmp, 'console.pw');
fs.writeFileSync(pwFile, 'let-me-in\n');
const app = await startAppliance({ name: 'ctl', fwArgs: ['--console-password-file', pwFile] });
try {
  await app.startFw();
  await app.startZk();
  const A = app.zk.mgmtPort;
  const w = new ethers.Wallet(devKeys[2], new ethers.JsonRpcProvider(app.url, undefined, { cacheTimeout: -1, batchMaxCount: 1 }));
  for (let i = 0; i < 5; i++) await (await w.sendTransaction({ to: ethers.ZeroAddress, value: 1n, gasLimit: 21000, gasPrice: 2000000000n })).wait();
  await app.settle();
  const s = await waitFor('the firmware\'s L1 account in status', async () => {
    const j = ctl(A, ['--json', 'status']).json;
    return j && j.l1.firmware && j.l1.sequencer && j.l1.l1_txs_sent > 0 ? j : null;
  });
  ok(s.l1.sequencer.toLowerCase() === app.sequencer.toLowerCase() && BigInt(s.l1.balance_wei) > 0n && /^0x[0-9a-f]{64}$/.test(s.l1.last_l1_tx),
    'status: the L1 sequencer address, its balance and the last L1 transaction, from the firmware', s.l1);
  eq(s.batches.virtual, (await app.l1Status()).virtualBatch, 'status batches.virtual = zkseq_l1Status virtualBatch');
  const set = ctl(A, ['config', 'set', 'batch.max_age_ms', '1700']);
  ok(set.status === 0 && /applied by firmware/.test(set.stdout), 'config set batch.max_age_ms with the firmware up: the firmware applies it', set.stderr);
  await waitFor('the firmware\'s policy', async () => (await app.l1Status()).policy.maxAgeMs === 1700);
  const pol = (await app.l1Status()).policy;
  ok(pol.from === 'firmware' && pol.maxAgeMs === 1700, 'the policy in force is the firmware\'s, with the new age (zkseq_l1Status)', pol);
  ok(/mailbox: policy max_age_ms set to 1700 by [^ ]+ on [^@]+@127\.0\.0\.1:\d+/.test(app.fw.log()), 'the firmware logs the change with who asked', app.fw.log().slice(-600));
  const refused = ctl(A, ['config', 'set', 'batch.max_bytes', '200000']);
  ok(refused.status === 1 && /the firmware refused batch\.max_bytes = 200000: max_bytes must be between 1024 and 120000/.test(refused.stderr), 'a value the firmware refuses: exit 1 with its reason', refused.stderr);
  const fwk = ctl(A, ['config', 'set', 'firmware.block_max_ms', '900']);
  ok(fwk.status === 0 && /applied by firmware/.test(fwk.stdout), 'config set firmware.block_max_ms: the firmware\'s own key', fwk.stderr);
  const l1 = ctl(A, ['--json', 'l1', 'status']).json;
  await sleep(600);
  const l1b = ctl(A, ['--json', 'l1', 'status']).json;
  ok(l1 && l1.policy.from === 'firmware' && l1b.firmware_heartbeat > l1.firmware_heartbeat && l1.firmware_uptime_s >= 0, 'l1 status: the firmware\'s policy, its heartbeat moving', l1);
  // The firmware's figures reach the metrics with its next report (a slow
  // machine may scrape before it): read until all are there.
  const fwNames = ['zkseq_firmware_up', 'zkseq_l1_transactions_sent_total', 'zkseq_l1_gas_used_total', 'zkseq_l1_sequencer_balance_wei',
    'zkseq_batch_number{stage="virtual"}'];
  let fwSeen = [], m;
  await waitFor('the firmware\'s figures in the metrics', async () => {
    m = parseMetrics(await scrape(app.zk.metricsPort));
    fwSeen = fwNames.map((n) => [n, get(m, n)]);
    return fwSeen.every(([, v]) => v > 0);
  }).catch(() => {});
  ok(fwSeen.every(([, v]) => v > 0) && fwSeen[0][1] === 1, 'metrics: the firmware, L1 transactions and gas, the sequencer balance, virtual batches', fwSeen);
  ok(l1b && l1b.follower && l1b.follower.up === true && l1b.follower.readTo > 0 && l1b.follower.leaves >= 1 &&
     get(m, 'zkseq_l1_follower_enabled') === 1 && get(m, 'zkseq_l1_follower_info_leaves') >= 1 &&
     get(m, 'zkseq_l1_follower_acc_mismatches_total') === 0, 'l1 status and the metrics show zkseqd\'s own L1 follower', l1b && l1b.follower);
  const ok2 = ctl(A, ['--json', 'configure', 'check']).json;
  ok(ok2 && ok2.checks.find((c) => c.check === 'firmware link').status === 'ok' && ok2.checks.find((c) => c.check === 'L1').status === 'ok', 'configure check: the firmware link and L1 are ok now');

  // The serial console as zkseqctl's backend.
  const consolePath = fs.readFileSync(path.join(app.fwDir, 'console'), 'utf8').trim();
  const con = (args, extra = []) => run('zkseqctl', ['--console', consolePath, '--baud', '115200', ...extra, ...args], { env: { ...process.env, HOME: tmp } });
  const cs1 = con(['status']);
  ok(cs1.status === 0 && /batches: sealed \d+\s+virtual \d+/.test(cs1.stdout), 'console: status through the firmware\'s serial console', cs1.stdout + cs1.stderr);
  const cs2 = con(['config', 'get', 'batch.max_age_ms'], ['--json']);
  ok(cs2.status === 0 && cs2.json && cs2.json.lines.some((l) => /max_age_ms +1700/.test(l)), 'console: config get shows the value set through zkseqd', cs2.stdout);
  const cs3 = con(['config', 'set', 'batch.max_age_ms', '1800']);
  ok(cs3.status === 1 && /login first/.test(cs3.stderr), 'console: a change without the password is refused (exit 1)', cs3.stderr);
  const cs4 = con(['config', 'set', 'batch.max_age_ms', '1800'], ['--password-file', pwFile]);
  ok(cs4.status === 0 && /ok: max_age_ms = 1800/.test(cs4.stdout), 'console: with the password it is taken', cs4.stdout + cs4.stderr);
  await waitFor('the new age through the mailbox', async () => (await app.l1Status()).policy.maxAgeMs === 1800);
  ok(true, 'the console\'s change reaches zkseqd through the mailbox');
  const cs5 = con(['pool', 'ls']);
  ok(cs5.status === 2 && /on the firmware console/.test(cs5.stderr), 'console: a command the console does not have: exit 2, with what it has', cs5.stderr);
} finally {
  await app.stop();
}
fs.rmSync(tmp, { recursive: true, force: true });
done();
