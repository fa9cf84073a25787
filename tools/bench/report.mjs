#!/usr/bin/env node
// The lab report: zkseq-bench's JSON into one self-contained HTML page
// (inline SVG and CSS, no network, no library): the curves the suites
// recorded (throughput against offered load with the knee marked, latency
// CDFs per path, replica lag), plots made from their rows (where a
// transaction's time goes, L1 gas and blob gas per transfer against rate,
// the card against the CPU), and every figure with its reference measured
// in the same run, the machine and the commit.  Earlier results are laid
// beside: their curves dashed, their values in the table.
//   node tools/bench/report.mjs OUT.html RESULTS.json [--earlier OLD.json ...]
// SVG is written here from the JSON rather than drawn by a plotting tool:
// the page must open offline in any browser, and the plots are few and
// simple (lines, steps and bars), which a hundred lines of SVG cover.
import fs from 'node:fs';

const args = process.argv.slice(2);
if (args.length < 2) {
  console.error('usage: report.mjs OUT.html RESULTS.json [--earlier OLD.json ...]');
  process.exit(2);
}
const [out, cur] = args;
const earlierFiles = [];
for (let i = 2; i < args.length; i++) if (args[i] === '--earlier' && args[i + 1]) earlierFiles.push(args[++i]);
const load = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const run = load(cur);
const earlier = earlierFiles.map((f) => ({ file: f, run: load(f) }));

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const fmt = (v) => {
  if (v === undefined || v === null || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(2) + ' G';
  if (a >= 1e6) return (v / 1e6).toFixed(2) + ' M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + ' k';
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
};
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf', '#7f7f7f'];
const W = 640, H = 320, M = { l: 64, r: 16, t: 16, b: 44 };

// Axes' ticks: 5 on a linear scale, powers of ten on a log one.
function ticks(lo, hi, log) {
  if (log) {
    const t = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) t.push(10 ** e);
    return t.filter((v) => v >= lo / 1.0001 && v <= hi * 1.0001);
  }
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
  const s = [1, 2, 5, 10].map((m) => m * step).find((x) => (hi - lo) / x <= 6) || step * 10;
  const t = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9; v += s) t.push(v);
  return t;
}

function axes(xlo, xhi, ylo, yhi, xlog, ylog, xlabel, ylabel) {
  const sx = (x) => M.l + (xlog ? Math.log10(x / xlo) / Math.log10(xhi / xlo) : (x - xlo) / (xhi - xlo || 1)) * (W - M.l - M.r);
  const sy = (y) => H - M.b - (ylog ? Math.log10(y / ylo) / Math.log10(yhi / ylo) : (y - ylo) / (yhi - ylo || 1)) * (H - M.t - M.b);
  let g = `<line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" class="ax"/><line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" class="ax"/>`;
  for (const t of ticks(xlo, xhi, xlog)) g += `<line x1="${sx(t)}" y1="${H - M.b}" x2="${sx(t)}" y2="${H - M.b + 4}" class="ax"/><text x="${sx(t)}" y="${H - M.b + 16}" class="tk" text-anchor="middle">${fmt(t)}</text>`;
  for (const t of ticks(ylo, yhi, ylog)) g += `<line x1="${M.l - 4}" y1="${sy(t)}" x2="${W - M.r}" y2="${sy(t)}" class="grid"/><text x="${M.l - 6}" y="${sy(t) + 4}" class="tk" text-anchor="end">${fmt(t)}</text>`;
  g += `<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" class="lb" text-anchor="middle">${esc(xlabel)}</text>`;
  g += `<text x="14" y="${(M.t + H - M.b) / 2}" class="lb" text-anchor="middle" transform="rotate(-90 14 ${(M.t + H - M.b) / 2})">${esc(ylabel)}</text>`;
  return { sx, sy, g };
}

function legend(items) {
  return `<div class="legend">${items.map((it) => `<span><i style="background:${it.color};${it.dashed ? 'opacity:.55' : ''}"></i>${esc(it.name)}</span>`).join('')}</div>`;
}

// The knee of a throughput curve: the first point after which doubling
// the offered load adds less than 10%.
function knee(pts) {
  for (let i = 0; i + 1 < pts.length; i++) if (pts[i + 1][1] < pts[i][1] * 1.1) return pts[i];
  return null;
}

// A line plot of curves {name, points, dashed}; CDFs as steps.
function linePlot(title, curves, xlabel, ylabel, { cdf = false, markKnee = false } = {}) {
  const all = curves.flatMap((c) => c.points).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (!all.length) return '';
  let xlo = Math.min(...all.map((p) => p[0])), xhi = Math.max(...all.map((p) => p[0]));
  const xlog = xlo > 0 && xhi / xlo > 50;
  if (!xlog) xlo = Math.min(0, xlo);
  if (xhi === xlo) xhi = xlo + 1;
  const ylo = 0, yhi = cdf ? 1 : Math.max(...all.map((p) => p[1])) * 1.08 || 1;
  const { sx, sy, g } = axes(xlo, xhi, ylo, yhi, xlog, false, xlabel, ylabel);
  let body = g, leg = [];
  curves.forEach((c, i) => {
    const color = COLORS[c.color ?? i % COLORS.length];
    const pts = c.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!xlog || p[0] > 0));
    if (!pts.length) return;
    let d = '';
    pts.forEach((p, k) => {
      if (!k) d += `M${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`;
      else if (cdf) d += `H${sx(p[0]).toFixed(1)}V${sy(p[1]).toFixed(1)}`;
      else d += `L${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`;
    });
    body += `<path d="${d}" class="ln${c.dashed ? ' old' : ''}" stroke="${color}"/>`;
    if (!cdf) for (const p of pts) body += `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${color}"/>`;
    if (markKnee && !c.dashed) {
      const k = knee(pts);
      if (k) body += `<line x1="${sx(k[0])}" y1="${M.t}" x2="${sx(k[0])}" y2="${H - M.b}" class="knee" stroke="${color}"/><text x="${sx(k[0]) + 4}" y="${sy(k[1]) + (i % 2 ? 16 : -6)}" class="tk" fill="${color}">knee: ${fmt(k[1])} at ${fmt(k[0])}</text>`;
    }
    leg.push({ name: c.name, color, dashed: c.dashed });
  });
  return figure(title, body, leg);
}

// Bars {label, segments: [{name, value}]} stacked, or side by side.
function barPlot(title, bars, ylabel, { stacked = false } = {}) {
  if (!bars.length) return '';
  const names = [...new Set(bars.flatMap((b) => b.segments.map((s) => s.name)))];
  const top = Math.max(...bars.map((b) => (stacked ? b.segments.reduce((a, s) => a + s.value, 0) : Math.max(...b.segments.map((s) => s.value))))) * 1.08 || 1;
  const { sy, g } = axes(0, 1, 0, top, false, false, '', ylabel);
  let body = g.replace(/<text[^>]*class="tk" text-anchor="middle">[^<]*<\/text>/g, '').replace(/<line x1="[^"]*" y1="[^"]*" x2="[^"]*" y2="[^"]*" class="ax"\/>(?=<text)/g, '');
  const slot = (W - M.l - M.r) / bars.length;
  bars.forEach((b, i) => {
    const x0 = M.l + i * slot + slot * 0.15, bw = slot * 0.7;
    let acc = 0;
    b.segments.forEach((s) => {
      const k = names.indexOf(s.name), color = COLORS[k % COLORS.length];
      if (stacked) {
        body += `<rect x="${x0.toFixed(1)}" y="${sy(acc + s.value).toFixed(1)}" width="${bw.toFixed(1)}" height="${(sy(acc) - sy(acc + s.value)).toFixed(1)}" fill="${color}"><title>${esc(s.name)}: ${fmt(s.value)}</title></rect>`;
        acc += s.value;
      } else {
        const w = bw / b.segments.length, x = x0 + w * b.segments.indexOf(s);
        body += `<rect x="${x.toFixed(1)}" y="${sy(s.value).toFixed(1)}" width="${(w * 0.9).toFixed(1)}" height="${(sy(0) - sy(s.value)).toFixed(1)}" fill="${color}"><title>${esc(s.name)}: ${fmt(s.value)}</title></rect>`;
      }
    });
    body += `<text x="${(x0 + bw / 2).toFixed(1)}" y="${H - M.b + 16}" class="tk" text-anchor="middle">${esc(b.label)}</text>`;
  });
  return figure(title, body, names.map((n, k) => ({ name: n, color: COLORS[k % COLORS.length] })));
}

function figure(title, body, leg) {
  return `<figure><figcaption>${esc(title)}</figcaption><svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg">${body}</svg>${legend(leg)}</figure>`;
}

// ---- The plots.
const sections = [];
const seriesOf = (r) => r.series || [];
const plots = [...new Set(seriesOf(run).map((s) => s.plot))];
for (const plot of plots) {
  const mine = seriesOf(run).filter((s) => s.plot === plot);
  const old = earlier.flatMap((e, k) => seriesOf(e.run).filter((s) => s.plot === plot).map((s) => ({ ...s, name: `${s.name} (${e.run.date || e.file})`, dashed: true, k })));
  const curves = [...mine.map((s, i) => ({ name: s.name, points: s.points, color: i })),
    ...old.map((s) => ({ name: s.name, points: s.points, dashed: true, color: mine.findIndex((m) => s.name.startsWith(m.name)) }))];
  const cdf = mine[0].y_unit === 'fraction';
  sections.push(linePlot(plot, curves, `${cdf ? 'latency' : mine[0].x_unit} (${cdf ? mine[0].x_unit : ''})`.replace(' ()', ''),
    cdf ? 'fraction at or below' : mine[0].y_unit, { cdf, markKnee: /offered load/.test(plot) }));
}

const rows = run.results || [];
// Where a transaction's time goes: the sequencer thread's us/tx rows.
const stackBars = ['seq', 'erc20'].map((suite) => ({
  label: suite === 'seq' ? 'transfer' : 'ERC-20 transfer',
  segments: rows.filter((r) => r.suite === suite && /^us\/tx: /.test(r.name) && !/committer thread|one core's rate/.test(r.name))
    .map((r) => ({ name: r.name.replace(/^us\/tx: /, '').replace(/ \(.*\)$/, ''), value: r.value })),
})).filter((b) => b.segments.length);
sections.push(barPlot("Where a transaction's time goes on the sequencer thread (us per transaction, in-process)", stackBars, 'us per transaction', { stacked: true }));

// Where a transaction's time goes over UDP at a steady rate: zkseqd's CPU
// per transaction by thread (the latency suite).
const cpuBars = [...new Set(rows.filter((r) => r.suite === 'latency' && /: cpu us\/tx: /.test(r.name)).map((r) => r.name.split(':')[0]))]
  .map((rate) => ({
    label: rate,
    segments: rows.filter((r) => r.suite === 'latency' && r.name.startsWith(`${rate}: cpu us/tx: `) && !/all of zkseqd/.test(r.name))
      .map((r) => ({ name: r.name.replace(/^.*cpu us\/tx: /, ''), value: r.value })),
  })).filter((b) => b.segments.length);
sections.push(barPlot("Where a transaction's CPU goes over UDP at a steady rate (zkseqd's threads, us per transaction)", cpuBars, 'us per transaction', { stacked: true }));

// L1 gas and blob gas per transfer against rate.
const gasCurves = new Map();
for (const r of rows.filter((x) => x.suite === 'l1gas')) {
  const m = /^(\S+)\s+(\d+) tx\/s( blobs)?: (L1 gas|blob gas) per L2 transfer$/.exec(r.name);
  if (!m) continue;
  const add = (name, y) => { if (!gasCurves.has(name)) gasCurves.set(name, []); gasCurves.get(name).push([Number(m[2]), y]); };
  add(`${m[1]}${m[3] ? ' blobs' : ' calldata'}: ${m[4]}`, r.value);
  if (r.reference_value) add(`${m[1]}${m[3] ? ' blobs' : ' calldata'}: reference, ${r.reference}`, r.reference_value);
}
sections.push(linePlot('L1 gas and blob gas per L2 transfer against rate (reference: the bound of its bytes)',
  [...gasCurves].map(([name, points], i) => ({ name, points: points.sort((a, b) => a[0] - b[0]), color: i, dashed: /reference/.test(name) })),
  'transfers per second', 'gas per transfer'));

// The card against the CPU: each card measure as a ratio to its CPU
// reference measured in the same run (1 = the CPU; for times, below 1 is
// faster), the measures numbered under the plot.
const cardRows = rows.filter((r) => r.suite === 'card' && r.reference_value);
if (cardRows.length) {
  const fig = barPlot('The card against the CPU: each measure / its CPU reference in the same run (rates: above 1 is faster; times in ms: below 1 is faster)', cardRows.map((r, i) => ({
    label: `#${i + 1}`, segments: [{ name: 'card (sim backend, or the design model) / CPU reference', value: r.value / r.reference_value }, { name: 'the CPU reference (1)', value: 1 }],
  })), 'ratio to the CPU');
  sections.push(fig.replace('</figure>', `<ol class="measures">${cardRows.map((r) => `<li>${esc(r.name)} (${esc(r.unit)}; reference: ${esc(r.reference)})</li>`).join('')}</ol></figure>`));
}

// ---- Every figure.
const earlierValue = (r) => earlier.map((e) => (e.run.results || []).find((x) => x.suite === r.suite && x.name === r.name)?.value);
const table = `<table><tr><th>suite</th><th>measure</th><th>value</th><th>unit</th><th>reference (same run)</th><th>ratio</th><th>goal</th>${earlier.map((e) => `<th>earlier: ${esc(e.run.date || e.file)}</th>`).join('')}</tr>${rows.map((r) => {
  const goal = r.goal_ratio ? `&ge; ${r.goal_ratio}x` : r.goal_ratio_max ? `&le; ${r.goal_ratio_max}x` : r.goal_value ? `${r.goal_value}` : '';
  const verdict = r.meets_goal === undefined ? '' : r.meets_goal ? ' <b class="ok">met</b>' : ' <b class="no">not met</b>';
  return `<tr><td>${esc(r.suite)}</td><td>${esc(r.name)}</td><td class="n">${fmt(r.value)}</td><td>${esc(r.unit)}</td><td>${r.reference ? `${esc(r.reference)}: ${fmt(r.reference_value)}` : ''}</td><td class="n">${r.ratio ? r.ratio.toFixed(2) + 'x' : ''}</td><td>${goal}${verdict}</td>${earlierValue(r).map((v) => `<td class="n">${fmt(v)}</td>`).join('')}</tr>`;
}).join('')}</table>`;
const notes = (run.notes || []).map((n) => `<li><b>${esc(n.suite)}</b>: ${esc(n.note)}</li>`).join('');
const m = run.machine || {};
const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>zkseq lab report ${esc(run.date || '')}</title><style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:20px}figure{display:inline-block;margin:8px 16px 16px 0;vertical-align:top}
figcaption{font-weight:600;margin-bottom:4px;max-width:${W}px}.ax{stroke:#444}.grid{stroke:#e4e4e4}.tk{font-size:11px;fill:#444}.lb{font-size:12px;fill:#222}
.ln{fill:none;stroke-width:2}.old{stroke-dasharray:6 4;opacity:.55}.knee{stroke-dasharray:3 3}.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.measures{font-size:12px;max-width:${W}px;margin:4px 0 0 0}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#2a7}.no{color:#c33}
</style></head><body data-plots="0" data-rendered="0">
<h1>zkseq lab report</h1>
<p>Machine: ${esc(m.cpu || '?')}, ${esc(m.cores ?? '?')} cores, AVX2 ${m.avx2 ? 'yes' : 'no'}, AVX-512 ${m.avx512 ? 'yes' : 'no'} (used: ${esc(m.simd_used || '-')}), kernel ${esc(m.kernel || '?')}.
Commit ${esc(run.commit || 'unknown')}, ${esc(run.date || '')}. Every reference was measured in the same run.${earlier.length ? ` Laid beside (dashed curves, table columns): ${earlier.map((e) => esc(e.file)).join(', ')}.` : ''}</p>
${sections.join('\n')}
<h2>Every figure</h2>${table}
<h2>Notes</h2><ul>${notes}</ul>
<script>
(function () {
  var svgs = document.querySelectorAll('svg.plot'), rendered = 0;
  for (var i = 0; i < svgs.length; i++) {
    var marks = svgs[i].querySelectorAll('path.ln, rect, circle'), drawn = 0;
    for (var k = 0; k < marks.length; k++) { var b = marks[k].getBBox(); if (b.width > 0 || b.height > 0) drawn++; }
    if (drawn > 0) rendered++;
    svgs[i].setAttribute('data-drawn', String(drawn));
  }
  document.body.setAttribute('data-plots', String(svgs.length));
  document.body.setAttribute('data-rendered', String(rendered));
})();
</script></body></html>
`;
fs.writeFileSync(out, html);
console.log(`report: ${out} (${(html.length / 1024).toFixed(0)} KiB, ${sections.filter(Boolean).length} plots)`);
