#!/usr/bin/env node
// The lab report in a real browser: zkseq-bench runs its quick suites that
// record curves (rpc: throughput against offered load with anvil as the
// reference, latency CDFs; seq: where a transfer's time goes; card: the
// card against the CPU), tools/bench/report.mjs makes the page (with the
// same run laid beside as an earlier one), and headless Chromium (Debian's)
// loads it from the file: a screenshot is taken, every plot has drawn
// marks (the page measures its own SVG after layout), nothing is fetched
// from the network, and the console stays silent.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ok, eq, done, skip, bin, top } from '../../tests/integ/tap.mjs';
import { tempDir } from '../../tests/integ/zkseqd.mjs';

const chromium = ['chromium', 'chromium-browser'].map((c) => spawnSync('which', [c]).stdout.toString().trim()).find(Boolean);
if (!chromium) skip('chromium is not installed (tools/bootstrap installs it)');
const dir = tempDir('report');
const json = path.join(dir, 'results.json'), html = path.join(dir, 'report.html'), png = path.join(dir, 'report.png');
execFileSync(path.join(bin, 'zkseq-bench'), ['--quick', '--json', json, 'rpc', 'seq', 'card'], { stdio: ['ignore', 'ignore', 'inherit'] });
const res = JSON.parse(fs.readFileSync(json, 'utf8'));
ok(res.series?.some((s) => /offered load/.test(s.plot) && s.points.length >= 3), 'the rpc suite recorded throughput against offered load');
ok(res.series?.some((s) => /anvil/.test(s.name)), "... with anvil's curve measured in the same run");
ok(res.series?.some((s) => s.y_unit === 'fraction' && s.points.length > 10), 'a latency CDF was recorded');
const earlier = path.join(dir, 'earlier.json');
fs.writeFileSync(earlier, JSON.stringify({ ...res, date: 'an earlier run' }));
const made = execFileSync('node', [path.join(top, 'tools/bench/report.mjs'), html, json, '--earlier', earlier]).toString();
ok(/report: .*plots\)/.test(made), `report.mjs wrote the page (${made.trim()})`);
const page = fs.readFileSync(html, 'utf8');
ok(!/(src|href)\s*=\s*["']?https?:/i.test(page) && !/@import|url\(/.test(page), 'the page is self-contained (nothing fetched)');
ok(page.includes(res.commit || 'unknown') && page.includes(res.machine.cpu), 'the page names the machine and the commit');

const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', `--user-data-dir=${path.join(dir, 'profile')}`];
const shot = spawnSync(chromium, [...flags, '--enable-logging=stderr', '--v=0', `--screenshot=${png}`, '--window-size=1400,3000', `file://${html}`], { timeout: 60000 });
const stderr = shot.stderr.toString();
ok(fs.existsSync(png) && fs.statSync(png).size > 20000, `Chromium took a screenshot (${fs.existsSync(png) ? fs.statSync(png).size : 0} bytes)`);
const consoleLines = stderr.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l));
eq(consoleLines, [], 'no console message or error while the page loads');
const dom = spawnSync(chromium, [...flags, '--dump-dom', `file://${html}`], { timeout: 60000 }).stdout.toString();
const plots = Number(/data-plots="(\d+)"/.exec(dom)?.[1] || 0), rendered = Number(/data-rendered="(\d+)"/.exec(dom)?.[1] || 0);
ok(plots >= 4, `the page has its plots (${plots})`);
eq(rendered, plots, 'every plot drew marks in the browser (none an empty SVG)');
const drawn = [...dom.matchAll(/data-drawn="(\d+)"/g)].map((m) => Number(m[1]));
ok(drawn.length === plots && drawn.every((d) => d > 0), `marks per plot: ${drawn.join(', ')}`);
done();
