#!/usr/bin/env node
// compare-cases.mjs - check one `ordex replay` run against a case file's
// expectations (tests/cases/README.md). No dependencies.
//
//   node tools/compare-cases.mjs CASE ACTUAL_STDOUT ACTUAL_STDERR ACTUAL_EXIT
//   node tools/compare-cases.mjs --batch DIR
//
// CASE is the path without extension: CASE.expected (required), CASE.stderr
// and CASE.exit (optional). Prints "ok   NAME" or "FAIL NAME" followed by
// what differs; exits 0 when everything matches, 1 otherwise, 2 on misuse.
// --batch reads DIR/cases (one CASE per line) and, for each, the run's
// DIR/NAME.out, DIR/NAME.err and DIR/NAME.rc (NAME = basename of CASE),
// prints one result per case and then "N passed, N failed" (one node start
// for the whole suite: tests/run-cases.sh uses it).
//
// - Cases: one JSON object per line. Compared: rule, category, severity,
//   order_id, sku, group, status, and opened_at as an instant (so
//   "...+08:00" and "...Z" forms of one instant are equal). Order matters,
//   except that adjacent cases with the same opened_at may come in any order.
// - Rejected lines: the numbers N of stderr lines "line N: ..." must equal
//   those of CASE.stderr (none when it is missing).
// - Exit code: CASE.exit if present, else 3 when CASE.stderr lists a line,
//   else 0. With an expected exit of 2 (usage error) stderr is not compared.
import fs from 'node:fs';
import path from 'node:path';

const FIELDS = ['rule', 'category', 'severity', 'order_id', 'sku', 'group', 'opened_at', 'status'];

class Usage extends Error {}
function usage(msg) {
  throw new Usage(msg);
}

// RFC 3339 with offset -> epoch ms (fractions beyond ms are kept as a
// fraction of a ms so that they never compare equal by accident); null if
// the text is not such a timestamp.
export function instant(s) {
  if (typeof s !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2}):(\d{2}))$/.exec(s);
  if (!m) return null;
  const frac = m[7] ? Number('0.' + m[7]) * 1000 : 0;
  let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) + frac;
  if (m[9]) ms -= (m[9] === '-' ? -1 : 1) * (+m[10] * 60 + +m[11]) * 60000;
  return ms;
}

// One instant in the form the tests are written in (+08:00), for display.
function showInstant(ms) {
  if (!Number.isInteger(ms)) return String(ms);
  return new Date(ms + 8 * 3600e3).toISOString().replace('Z', '+08:00');
}

function readCases(file, what) {
  const out = [];
  const text = fs.readFileSync(file, 'utf8');
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`${what} line ${i + 1}: not JSON: ${e.message}: ${line.slice(0, 200)}`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`${what} line ${i + 1}: not a JSON object`);
    out.push(o);
  });
  return out;
}

// The compared projection of a case, as a canonical string.
function canon(c) {
  const p = {};
  for (const f of FIELDS) {
    let v = c[f] === undefined ? null : c[f];
    if (f === 'opened_at') {
      const t = instant(v);
      v = t === null ? v : showInstant(t);
    }
    p[f] = v;
  }
  return JSON.stringify(p);
}

// Sort each run of adjacent cases with one opened_at instant, so that cases
// opened at the same moment compare regardless of their order.
function normalize(cases) {
  const keyed = cases.map((c) => ({ at: instant(c.opened_at) ?? String(c.opened_at), s: canon(c) }));
  const out = [];
  for (let i = 0; i < keyed.length;) {
    let j = i;
    while (j < keyed.length && keyed[j].at === keyed[i].at) j++;
    out.push(...keyed.slice(i, j).map((k) => k.s).sort());
    i = j;
  }
  return out;
}

// Line diff (LCS): [' ', x] | ['-', expected] | ['+', actual].
function diff(a, b) {
  const n = a.length, m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { out.push([' ', a[i]]); i++; j++; }
    else if (j < m && (i === n || L[i][j + 1] >= L[i + 1][j])) { out.push(['+', b[j]]); j++; }
    else { out.push(['-', a[i]]); i++; }
  }
  return out;
}

function lineNumbers(text) {
  const nums = [];
  for (const line of text.split('\n')) {
    const m = /^line (\d+):/.exec(line);
    if (m) nums.push(+m[1]);
  }
  return [...new Set(nums)].sort((x, y) => x - y);
}

// One case: returns the text to print and whether it passed.
function compareOne(base, outFile, errFile, exitText) {
  const name = path.basename(base);
  const problems = [];
  const actualExit = Number(String(exitText).trim());
  if (String(exitText).trim() === '' || !Number.isInteger(actualExit)) usage(`${name}: exit code '${exitText}' is not an integer`);

  let expected;
  try {
    expected = readCases(base + '.expected', `${name}.expected`);
  } catch (e) {
    usage(e.code === 'ENOENT' ? `${base}.expected: missing` : e.message);
  }
  const expStderr = fs.existsSync(base + '.stderr') ? lineNumbers(fs.readFileSync(base + '.stderr', 'utf8')) : [];
  const expExit = fs.existsSync(base + '.exit') ? Number(fs.readFileSync(base + '.exit', 'utf8').trim()) : expStderr.length ? 3 : 0;

  // cases
  let actual = null;
  try {
    actual = readCases(outFile, 'stdout');
  } catch (e) {
    problems.push(e.message);
  }
  if (actual) {
    const a = normalize(expected), b = normalize(actual);
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
      problems.push(`cases differ (- expected, + got; ${a.length} expected, ${b.length} got):`);
      const d = diff(a, b);
      const shown = d.filter(([k]) => k !== ' ');
      for (const [k, s] of shown.slice(0, 60)) problems.push(`  ${k} ${s}`);
      if (shown.length > 60) problems.push(`  ... ${shown.length - 60} more differences`);
    }
  }

  // rejected lines
  const errText = fs.readFileSync(errFile, 'utf8');
  if (expExit !== 2) {
    const got = lineNumbers(errText);
    if (got.join(',') !== expStderr.join(',')) problems.push(`rejected lines: expected [${expStderr.join(', ')}], got [${got.join(', ')}]`);
  }

  // exit code
  if (actualExit !== expExit) {
    problems.push(`exit code: expected ${expExit}, got ${actualExit}`);
    if (errText.trim()) for (const l of errText.trim().split('\n').slice(0, 5)) problems.push(`  stderr: ${l}`);
  }

  if (problems.length === 0) return { ok: true, text: `ok   ${name}\n` };
  return { ok: false, text: `FAIL ${name}\n` + problems.map((p) => '     ' + p + '\n').join('') };
}

function main(argv) {
  if (argv[0] === '--batch') {
    if (argv.length !== 2) usage('--batch takes one directory');
    const dir = argv[1];
    const cases = fs.readFileSync(path.join(dir, 'cases'), 'utf8').split('\n').filter((l) => l.trim() !== '');
    let pass = 0, fail = 0;
    for (const base of cases) {
      const n = path.join(dir, path.basename(base));
      const r = compareOne(base, n + '.out', n + '.err', fs.readFileSync(n + '.rc', 'utf8'));
      process.stdout.write(r.text);
      if (r.ok) pass++; else fail++;
    }
    process.stdout.write(`${pass} passed, ${fail} failed\n`);
    return fail ? 1 : 0;
  }
  if (argv.length !== 4) usage('expected 4 arguments');
  const r = compareOne(...argv);
  process.stdout.write(r.text);
  return r.ok ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof Usage)) throw e;
  process.stderr.write(`compare-cases: ${e.message}\nusage: node tools/compare-cases.mjs CASE ACTUAL_STDOUT ACTUAL_STDERR ACTUAL_EXIT\n       node tools/compare-cases.mjs --batch DIR\n`);
  process.exitCode = 2;
}
