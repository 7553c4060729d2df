#!/usr/bin/env node
// score-sim.mjs - compare `ordex sim --labels` ground truth with the cases
// `ordex replay` printed for the same stream.
//
//   node tools/score-sim.mjs [--strict-time] LABELS CASES
//
// Both files are NDJSON. Cases are matched to labels by (rule, key, status),
// the key being order_id, sku or group, as a multiset. Prints expected,
// found, true positives, precision and recall per rule, then every
// mismatch. A matched pair whose opened_at differs is listed as a warning
// (an error with --strict-time). Exit status: 0 when precision and recall
// are 1 for every rule, 1 otherwise, 2 on a usage or input error.
import { readFileSync } from 'node:fs';

function usage(msg) {
  if (msg) console.error(`score-sim: ${msg}`);
  console.error('usage: node tools/score-sim.mjs [--strict-time] LABELS CASES');
  process.exit(2);
}

const args = process.argv.slice(2);
const strictTime = args[0] === '--strict-time';
if (strictTime) args.shift();
if (args.length !== 2) usage();

function readNdjson(path) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    usage(`cannot read '${path}': ${e.message}`);
  }
  const out = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v;
    try {
      v = JSON.parse(line);
    } catch (e) {
      usage(`${path}:${i + 1}: not JSON: ${e.message}`);
    }
    if (typeof v !== 'object' || v === null || typeof v.rule !== 'string' || typeof v.status !== 'string')
      usage(`${path}:${i + 1}: an object with "rule" and "status" expected`);
    out.push(v);
  });
  return out;
}

const keyOf = (c) => c.order_id ?? c.sku ?? c.group ?? '';
const idOf = (c) => `${c.rule} ${keyOf(c)} ${c.status}`;
const when = (c) => (c.opened_at ? Date.parse(c.opened_at) : NaN);

const labels = readNdjson(args[0]);
const cases = readNdjson(args[1]);

// group each side by (rule, key, status), each group sorted by opened_at
function groups(list) {
  const m = new Map();
  for (const c of list) {
    const id = idOf(c);
    if (!m.has(id)) m.set(id, []);
    m.get(id).push(c);
  }
  for (const g of m.values()) g.sort((a, b) => (when(a) || 0) - (when(b) || 0));
  return m;
}
const want = groups(labels);
const got = groups(cases);

const rules = new Map(); // rule -> { expected, found, tp }
const row = (r) => {
  if (!rules.has(r)) rules.set(r, { expected: 0, found: 0, tp: 0 });
  return rules.get(r);
};
for (const c of labels) row(c.rule).expected++;
for (const c of cases) row(c.rule).found++;

const missing = [], unexpected = [], timing = [];
for (const id of new Set([...want.keys(), ...got.keys()])) {
  const w = want.get(id) ?? [], g = got.get(id) ?? [];
  const n = Math.min(w.length, g.length);
  const rule = (w[0] ?? g[0]).rule;
  row(rule).tp += n;
  for (let i = 0; i < n; i++)
    if (w[i].opened_at && when(w[i]) !== when(g[i]))
      timing.push(`${id}: opened_at ${g[i].opened_at}, expected ${w[i].opened_at}`);
  for (const c of w.slice(n)) missing.push(c);
  for (const c of g.slice(n)) unexpected.push(c);
}

// a missing case next to an unexpected one of the same (rule, key) is a
// case whose status differs: say so
const describe = (c, other) => {
  const twin = other.find((o) => o.rule === c.rule && keyOf(o) === keyOf(c) && o.status !== c.status);
  const status = twin ? ` (status ${twin.status} instead)` : '';
  const reasons = Array.isArray(c.reasons_en ?? c.reasons) ? ` - ${(c.reasons_en ?? c.reasons).join('; ')}` : '';
  return `${c.rule} ${keyOf(c) || '-'} ${c.status} opened_at ${c.opened_at ?? '?'}${status}${reasons}`;
};

const fmt = (x) => x.toFixed(3);
const pad = (s, n) => String(s).padStart(n);
console.log(`${'rule'.padEnd(24)} ${pad('expected', 8)} ${pad('found', 7)} ${pad('tp', 6)} ${pad('precision', 9)} ${pad('recall', 7)}`);
let ok = true;
const total = { expected: 0, found: 0, tp: 0 };
for (const r of [...rules.keys()].sort()) {
  const x = rules.get(r);
  const precision = x.found ? x.tp / x.found : 1;
  const recall = x.expected ? x.tp / x.expected : 1;
  if (precision < 1 || recall < 1) ok = false;
  for (const k of Object.keys(total)) total[k] += x[k];
  const mark = precision < 1 || recall < 1 ? '  <-' : '';
  console.log(`${r.padEnd(24)} ${pad(x.expected, 8)} ${pad(x.found, 7)} ${pad(x.tp, 6)} ${pad(fmt(precision), 9)} ${pad(fmt(recall), 7)}${mark}`);
}
console.log(`${'total'.padEnd(24)} ${pad(total.expected, 8)} ${pad(total.found, 7)} ${pad(total.tp, 6)} ${pad(fmt(total.found ? total.tp / total.found : 1), 9)} ${pad(fmt(total.expected ? total.tp / total.expected : 1), 7)}`);

if (missing.length) {
  console.log(`\nmissing (expected, not opened): ${missing.length}`);
  for (const c of missing) console.log(`  ${describe(c, unexpected)}`);
}
if (unexpected.length) {
  console.log(`\nunexpected (opened, not expected): ${unexpected.length}`);
  for (const c of unexpected) console.log(`  ${describe(c, missing)}`);
}
if (timing.length) {
  console.log(`\n${strictTime ? 'opened_at differs' : 'warning: opened_at differs'}: ${timing.length}`);
  for (const t of timing) console.log(`  ${t}`);
  if (strictTime) ok = false;
}
console.log(ok ? '\nscore-sim: ok' : '\nscore-sim: FAILED');
process.exit(ok ? 0 : 1);
