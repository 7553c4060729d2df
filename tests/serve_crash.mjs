// serve_crash.mjs - the client, killer and checker behind tests/serve-crash.sh.
//
//   node tests/serve_crash.mjs ORDEX STREAM EXPECTED WORKDIR SEED [BLACKLIST]
//
// ORDEX is the binary, STREAM an NDJSON event stream, EXPECTED what
// `ORDEX replay STREAM [--blacklist BLACKLIST]` printed for it, WORKDIR an
// empty directory (the daemon's data goes to WORKDIR/data, its stderr to
// WORKDIR/daemon.log), SEED the seed of the kill plan. Node >= 18 (fetch), no
// npm packages.
//
// The daemon runs with --clock event and real fdatasync. The stream goes in
// batches of 200 lines, in order, one batch in flight at a time: on event
// time the cases depend on the order of the events, so a batch is sent only
// once the one before it was acknowledged. At 5..8 planned batches the
// daemon is killed with SIGKILL, in one of three ways:
//   logged  while the batch is in flight, as soon as its records reach the
//           log file (written, not yet acknowledged): the resend must come
//           back as duplicates, and the restart must store the cases the
//           batch changed from its replay of the log (the first logged kill
//           goes to a batch that opens a case with several reasons);
//   random  while the batch is in flight, at a random point of the usual
//           round trip of a batch;
//   idle    right after the batch was acknowledged, nothing in flight.
// It is restarted on the same directory and the first batch that was not
// acknowledged is sent again whole. One restart in the second half is itself
// killed during the start-up replay (and restarted). At the end every case is
// paged out of GET /api/v1/cases, each timeline read from
// GET /api/v1/cases/{id}, and all of it compared with EXPECTED; then the
// daemon is killed once more, restarted, and its list compared again; then
// killed, its cases.db removed, restarted (the store is rebuilt from the
// log), and everything compared again.
import { spawn } from 'node:child_process';

const TOKEN = 'ordex-crash-test-token-0123456789';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const BATCH = 200;
// A snapshot every few batches: kills land before, during and after the
// child process writes one, and restarts read one and replay the rest.
const SNAPSHOT_EVERY = 20000;
const T0 = Date.now();

const [ordex, streamPath, expectedPath, workdir, seedArg, blacklist] = process.argv.slice(2);
if (!ordex || !streamPath || !expectedPath || !workdir) {
	console.error('usage: node serve_crash.mjs ORDEX STREAM EXPECTED WORKDIR [SEED [BLACKLIST]]');
	process.exit(2);
}
if (typeof fetch !== 'function') {
	console.error('serve_crash: this Node has no fetch (Node >= 18 needed)');
	process.exit(2);
}
const seed = Number(seedArg || Math.floor(Math.random() * 2 ** 32)) >>> 0;
const dataDir = path.join(workdir, 'data');
const eventsDir = path.join(dataDir, 'events');
const daemonLog = fs.openSync(path.join(workdir, 'daemon.log'), 'a');

const failures = [];
function fail(msg) {
	failures.push(msg);
	console.log(`FAIL: ${msg}`);
}
const secs = () => ((Date.now() - T0) / 1000).toFixed(1);
function log(msg) {
	console.log(`[${secs().padStart(5)} s] ${msg}`);
}

// mulberry32: a small seeded generator, so a plan can be replayed (the
// timing of the kills themselves is not reproducible).
let rs = seed;
function rand() {
	rs = (rs + 0x6d2b79f5) >>> 0;
	let t = rs;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // [lo, hi]

// ---- the stream ---------------------------------------------------------------

const lines = fs.readFileSync(streamPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
const batches = [];
const seenIds = new Set();
const batchOf = new Map(); // event id -> the batch of its first line
for (let i = 0; i < lines.length; i += BATCH) {
	const part = lines.slice(i, i + BATCH);
	// In-stream duplicates (the simulator resends webhooks): lines whose id
	// came earlier in the stream. The daemon must call them duplicates on
	// any send; only the rest can be "recovered" duplicates after a kill.
	let dups = 0;
	for (const l of part) {
		const m = /^\{"id":"((?:[^"\\]|\\.)*)"/.exec(l);
		const id = m ? m[1] : JSON.parse(l).id;
		if (seenIds.has(id)) dups++;
		else {
			seenIds.add(id);
			batchOf.set(id, batches.length);
		}
	}
	batches.push({ body: part.join('\n') + '\n', n: part.length, dups });
}
const distinct = seenIds.size;
const streamDups = lines.length - distinct;

const expected = fs
	.readFileSync(expectedPath, 'utf8')
	.split('\n')
	.filter((l) => l !== '')
	.map((l) => JSON.parse(l));

// ---- the daemon ---------------------------------------------------------------

let daemon = null; // { proc, url, err, exited, records, readyMs }
let starts = 0;

function logBytes() {
	let n = 0;
	let names = [];
	try {
		names = fs.readdirSync(eventsDir);
	} catch {
		return 0;
	}
	for (const f of names)
		if (/^\d{20}\.log$/.test(f)) {
			try {
				n += fs.statSync(path.join(eventsDir, f)).size;
			} catch {
				/* a segment being created */
			}
		}
	return n;
}

// Spawn `ordex serve`; resolves with the daemon once it prints its listening
// line, or with { exited } when it dies first.
function startDaemon() {
	const t = Date.now();
	const proc = spawn(
		ordex,
		['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--clock', 'event',
			'--snapshot-every', String(SNAPSHOT_EVERY), '--snapshot-min-interval', '0', '--bootstrap-token', TOKEN, ...(blacklist ? ['--blacklist', blacklist] : [])],
		{ stdio: ['ignore', 'ignore', 'pipe'] },
	);
	starts++;
	fs.writeSync(daemonLog, `--- start ${starts} (pid ${proc.pid}) at ${secs()} s\n`);
	const d = { proc, url: null, err: '', exited: null, killedByUs: false, readyMs: null, replayed: null };
	d.exitP = new Promise((resolve) =>
		proc.on('exit', (code, signal) => {
			d.exited = { code, signal };
			if (!d.killedByUs && daemon === d)
				fail(`the daemon (pid ${proc.pid}) exited by itself: code ${code}, signal ${signal}; ` +
					`stderr: ${d.err.trim().split('\n').slice(-3).join(' | ')}`);
			resolve();
		}),
	);
	d.stderrDone = new Promise((resolve) => proc.stderr.on('close', resolve));
	d.ready = new Promise((resolve) => {
		proc.stderr.on('data', (chunk) => {
			fs.writeSync(daemonLog, chunk);
			d.err += chunk.toString();
			const r = /replayed (\d+) records from (\d+) segments in ([\d.]+) s([^\n]*)/.exec(d.err);
			if (r && !d.replayed) d.replayed = { records: +r[1], segments: +r[2], s: +r[3], rest: r[4] };
			const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(d.err);
			if (m && !d.url) {
				d.url = m[1];
				d.readyMs = Date.now() - t;
				resolve(d);
			}
		});
		d.exitP.then(() => resolve(d));
	});
	return d;
}

async function kill9(d) {
	d.killedByUs = true;
	if (!d.exited) d.proc.kill('SIGKILL');
	await d.exitP;
}

function describeStart(d) {
	const r = d.replayed;
	if (!r) return 'no replay line';
	const torn = /cut a torn tail of (\d+) bytes \(([^)]*)\)/.exec(r.rest);
	return `replayed ${r.records} records (${r.segments} segments) in ${r.s.toFixed(2)} s, ` +
		`listening after ${(d.readyMs / 1000).toFixed(2)} s${torn ? `, cut a torn tail of ${torn[1]} bytes (${torn[2]})` : ''}`;
}

async function up() {
	const d = startDaemon();
	daemon = d;
	await d.ready;
	if (!d.url) throw new Error(`the daemon did not start: ${d.err.trim()}`);
	return d;
}

// ---- requests -----------------------------------------------------------------

async function post(d, body) {
	try {
		const res = await fetch(`${d.url}/api/v1/events`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-ndjson', Authorization: `Bearer ${TOKEN}` },
			body,
			signal: AbortSignal.timeout(30000),
		});
		const text = await res.text();
		if (res.status !== 200) return { ok: false, status: res.status, why: text.slice(0, 200) };
		return { ok: true, ...JSON.parse(text) };
	} catch (e) {
		return { ok: false, why: String(e.cause?.code ?? e.cause?.message ?? e.message) };
	}
}

async function getJson(d, p) {
	const res = await fetch(`${d.url}${p}`, {
		headers: { Authorization: `Bearer ${TOKEN}` },
		signal: AbortSignal.timeout(30000),
	});
	const text = await res.text();
	if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${text.slice(0, 200)}`);
	return JSON.parse(text);
}

// ---- the plan -----------------------------------------------------------------

// K kills, one in each of K equal slices of 5%..95% of the batches.
const K = randInt(5, 8);
const lo = Math.floor(batches.length * 0.05), hi = Math.floor(batches.length * 0.95);
const modes = ['logged', 'logged', 'random', 'idle'];
while (modes.length < K) modes.push(['logged', 'random', 'idle'][randInt(0, 2)]);
for (let i = modes.length - 1; i > 0; i--) {
	const j = randInt(0, i);
	[modes[i], modes[j]] = [modes[j], modes[i]];
}
const plan = new Map();
for (let k = 0; k < K; k++) {
	const a = lo + Math.floor(((hi - lo) * k) / K), b = lo + Math.floor(((hi - lo) * (k + 1)) / K) - 1;
	plan.set(randInt(a, b), modes[k]);
}
// Batches that open a case with several reasons: the first logged kill goes
// to one of them, so that the restart must store that case from the replay
// of the log (the batch reached the log, not the case store).
const opening = [...new Set(expected
	.filter((c) => c.reasons.length > 1 && c.timeline?.[0]?.action === 'opened' && c.timeline[0].event_id)
	.map((c) => batchOf.get(c.timeline[0].event_id))
	.filter((b) => b !== undefined && b >= lo && b <= hi))].sort((a, b) => a - b);
const nextOpening = (after) => opening.find((b) => b > after && !plan.has(b));
let targeted = -1; // the batch of the targeted logged kill, while it is pending
{
	const first = [...plan].sort((a, b) => a[0] - b[0]).find(([, m]) => m === 'logged');
	const t = first && (nextOpening(first[0] - 1) ?? opening[0]);
	if (t !== undefined && !plan.has(t)) {
		plan.delete(first[0]);
		plan.set(t, 'logged');
		targeted = t;
	}
}
const planned = [...plan.keys()].sort((a, b) => a - b);
// The restart after the first kill in the second half is killed during its
// replay: by then the log is long enough for the replay to take a while.
const startupKillAfter = planned.find((i) => i >= batches.length / 2) ?? planned[planned.length - 1];

// ---- the run --------------------------------------------------------------------

const stats = {
	acked: 0, accepted: 0, duplicates: 0, rejected: 0, resends: 0, recovered: 0,
	retries: 0, kills: 0, inflightKills: 0, startupKills: 0, torn: 0,
};
const startupTimes = []; // [records, seconds from exec to listening]

async function restart(kill) {
	// Once in the run, kill the next start during its replay first.
	if (kill.batch === startupKillAfter) {
		const recs = startupTimes.length ? startupTimes[startupTimes.length - 1] : null;
		const est = recs && recs[0] > 0 ? (recs[1] * logBytes()) / recs[2] : 0.3;
		let delay = Math.max(0.01, est * (0.25 + 0.4 * rand()));
		for (let attempt = 1; attempt <= 6; attempt++) {
			const d = startDaemon();
			daemon = d;
			await sleep(delay * 1000);
			const early = !!d.exited;
			await kill9(d);
			await d.stderrDone;
			// Whatever it wrote before the kill has been read by now.
			const during = !early && !/replayed \d+ records/.test(d.err);
			if (during) {
				stats.startupKills++;
				log(`  kill -9 of the restart during its start-up replay, ${(delay * 1000).toFixed(0)} ms after exec`);
				break;
			}
			log(`  kill -9 ${(delay * 1000).toFixed(0)} ms after exec came after the replay; trying earlier`);
			delay /= 2;
		}
		if (!stats.startupKills) fail('could not kill a restart during its replay');
	}
	const d = await up();
	startupTimes.push([d.replayed?.records ?? 0, d.readyMs / 1000, logBytes()]);
	if (/torn tail/.test(d.replayed?.rest ?? '')) stats.torn++;
	log(`  restart: ${describeStart(d)}`);
	return d;
}

// Apply one acknowledged answer for batch b to the counts; checks that it adds up.
function account(bi, r, resend) {
	const b = batches[bi];
	stats.acked++;
	stats.accepted += r.accepted;
	stats.duplicates += r.duplicates;
	stats.rejected += r.rejected;
	if (r.accepted + r.duplicates + r.rejected !== b.n)
		fail(`batch ${bi}: accepted ${r.accepted} + duplicates ${r.duplicates} + rejected ${r.rejected} != ${b.n} lines`);
	if (r.rejected) fail(`batch ${bi}: ${r.rejected} rejected: ${JSON.stringify(r.errors).slice(0, 300)}`);
	const recovered = r.duplicates - b.dups;
	if (!resend && recovered !== 0)
		fail(`batch ${bi}, first send: ${r.duplicates} duplicates, but only ${b.dups} of its lines repeat earlier ids`);
	if (resend) {
		if (recovered < 0 || recovered > b.n - b.dups)
			fail(`batch ${bi}, resent: ${r.duplicates} duplicates, expected ${b.dups} in-stream + 0..${b.n - b.dups} recovered`);
		stats.recovered += recovered;
	}
	return recovered;
}

const stream = `${lines.length} events (${distinct} distinct ids, ${streamDups} in-stream duplicates) in ${batches.length} batches of ${BATCH}`;
log(`serve-crash: seed ${seed}; ${stream}; ${expected.length} cases expected`);
log(`plan: ${K} kills at batches ${planned.map((i) => `${i} (${plan.get(i)}${i === targeted ? ', opens a case with several reasons' : ''})`).join(', ')}; ` +
	`the restart after batch ${startupKillAfter} is killed during its replay`);

let d = await up();
startupTimes.push([0, d.readyMs / 1000, 0]);
let resendOf = -1; // batch being resent after a kill
let rttMs = 5; // a moving average of a batch's round trip
let deferred = 0; // logged kills moved on to the next batch
for (let bi = 0; bi < batches.length; ) {
	if (failures.length > 20) break;
	const mode = plan.get(bi);
	const b = batches[bi];
	const before = logBytes();
	let answered = false;
	const t = performance.now();
	const pr = post(d, b.body).then((r) => ((answered = true), r));
	let kill = null;
	if (mode === 'logged' || mode === 'random') {
		plan.delete(bi); // once, not again on the resend
		if (mode === 'logged') {
			const until = Date.now() + 5000;
			while (!answered && logBytes() <= before && Date.now() < until) await new Promise(setImmediate);
			if (answered && deferred < 100) {
				// Too late to catch it between log and answer: try the next batch.
				deferred++;
				let next = bi === targeted ? nextOpening(bi) : undefined;
				if (next === undefined) {
					next = bi + 1;
					while (plan.has(next)) next++;
				}
				if (next < batches.length) plan.set(next, 'logged');
				if (bi === targeted) targeted = next;
			}
		} else {
			// Anywhere in the request's life: sending, parsing, waiting
			// for the writer, the commit, the answer.
			const until = performance.now() + rand() * rttMs;
			while (!answered && performance.now() < until) await new Promise(setImmediate);
		}
		if (mode !== 'logged' || !answered || deferred >= 100) {
			kill = { batch: bi, mode: bi === targeted ? 'logged, opens a case with several reasons' : mode,
			inflight: !answered, grown: logBytes() - before };
			await kill9(d);
		}
	}
	const r = await pr;
	if (r.ok) {
		if (!kill) rttMs = 0.9 * rttMs + 0.1 * (performance.now() - t);
		const recovered = account(bi, r, resendOf === bi);
		if (resendOf === bi) {
			stats.resends++;
			log(`  resent batch ${bi}: accepted ${r.accepted}, duplicates ${r.duplicates} ` +
				`(${recovered} recovered from the log, ${b.dups} in-stream)`);
			resendOf = -1;
		}
		if (mode === 'idle') {
			plan.delete(bi);
			kill = { batch: bi, mode, inflight: false, grown: 0 };
			await kill9(d);
		}
		bi++;
	} else if (!kill) {
		// Not our kill: a 503 (queue full, stopping) or a daemon that died.
		if (d.exited) break;
		stats.retries++;
		if (stats.retries > 50) {
			fail(`too many failed requests; last: ${r.status ?? ''} ${r.why}`);
			break;
		}
		await sleep(50);
		continue;
	}
	if (kill) {
		stats.kills++;
		if (!r.ok) stats.inflightKills++;
		const what = r.ok
			? `the answer (accepted ${r.accepted}, duplicates ${r.duplicates}) came first`
			: `in flight, unacknowledged (${r.why}); the log had grown by ${kill.grown} bytes`;
		log(`kill ${stats.kills}/${K} at batch ${bi - (r.ok ? 1 : 0)}/${batches.length} (${kill.mode}): ${what}`);
		d = await restart(kill);
		if (!r.ok) resendOf = bi;
	}
}

// ---- the checks ----------------------------------------------------------------

const SKIP = new Set(['timeline']); // the list API leaves it out; compared separately
const REQUIRED = ['case_id', 'rule', 'order_id', 'sku', 'group', 'severity', 'status', 'opened_at', 'resolved_at',
	'reasons', 'reasons_en', 'event_ids'];

let lastDiffs = null;
async function compareCases(label, timelines) {
	const t = Date.now();
	const got = [];
	let cursor = null, pages = 0;
	do {
		const page = await getJson(d, `/api/v1/cases?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		got.push(...page.cases);
		cursor = page.next_cursor;
		if (++pages > 100000) throw new Error('the cursor never ends');
	} while (cursor !== null && cursor !== undefined);

	const diffs = [];
	const kinds = new Map(); // "RULE field" -> count, for the summary
	const kind = (k) => kinds.set(k, (kinds.get(k) ?? 0) + 1);
	const byId = new Map();
	for (const c of got) {
		if (byId.has(c.case_id)) diffs.push(`case ${c.case_id} listed twice`);
		byId.set(c.case_id, c);
	}
	const exp = new Map(expected.map((c) => [c.case_id, c]));
	for (const c of expected) if (!byId.has(c.case_id)) diffs.push(`missing from the API: ${JSON.stringify(strip(c))}`);
	for (const c of got) if (!exp.has(c.case_id)) diffs.push(`not opened by replay: ${JSON.stringify(c)}`);
	const apiOnly = new Set(), replayOnly = new Set();
	for (const [id, e] of exp) {
		const g = byId.get(id);
		if (!g) continue;
		for (const k of new Set([...Object.keys(e), ...Object.keys(g)])) {
			if (SKIP.has(k)) continue;
			if (!(k in g) || !(k in e)) {
				if (REQUIRED.includes(k)) diffs.push(`case ${id}: field ${k} only in ${k in g ? 'the API' : 'replay'}`);
				else (k in g ? apiOnly : replayOnly).add(k);
				continue;
			}
			const a = JSON.stringify(e[k]), b = JSON.stringify(g[k]);
			if (a !== b) {
				diffs.push(`case ${id} (${e.rule} ${e.order_id ?? e.sku ?? e.group}): ${k}: replay ${a}, API ${b}`);
				kind(`${e.rule} ${k}`);
			}
		}
	}
	// Timelines, one GET each, 8 at a time.
	let tl = 0;
	const ids = timelines ? [...exp.keys()].filter((id) => byId.has(id)) : [];
	for (let i = 0; i < ids.length; i += 8) {
		const part = await Promise.all(ids.slice(i, i + 8).map((id) => getJson(d, `/api/v1/cases/${encodeURIComponent(id)}`)));
		for (const c of part) {
			tl++;
			const a = JSON.stringify(exp.get(c.case_id).timeline), b = JSON.stringify(c.timeline);
			if (a !== b) {
				diffs.push(`case ${c.case_id}: timeline: replay ${a}, API ${b}`);
				kind(`${c.rule} timeline`);
			}
		}
	}
	const extra = [...apiOnly].map((k) => `${k} (API only)`).concat([...replayOnly].map((k) => `${k} (replay only)`));
	log(`${label}: ${got.length} cases in ${pages} pages${timelines ? `, ${tl} timelines` : ''}, ${((Date.now() - t) / 1000).toFixed(1)} s` +
		`${extra.length ? `; not compared: ${extra.join(', ')}` : ''}: ${diffs.length ? `${diffs.length} differences` : 'identical to replay'}`);
	const same = lastDiffs !== null && diffs.length > 0 && diffs.join('\n') === lastDiffs.join('\n');
	lastDiffs = diffs;
	if (same) {
		fail(`${label}: the same ${diffs.length} differences as before`);
	} else if (diffs.length) {
		fail(`${label}: the API's cases differ from \`ordex replay\` (${diffs.length} differences; the first ones):`);
		if (kinds.size)
			console.log(`    by rule and field: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
		for (const x of diffs.slice(0, 12)) console.log(`    ${x.length > 600 ? x.slice(0, 600) + '...' : x}`);
	}
}

function strip(c) {
	const { timeline, ...rest } = c;
	return rest;
}

if (!d.exited && failures.length <= 20) {
	// Accounting: every line answered once, every distinct event accepted once.
	const answered = stats.accepted + stats.duplicates + stats.rejected;
	if (answered !== lines.length) fail(`answers cover ${answered} lines, the stream has ${lines.length}`);
	if (stats.accepted + stats.recovered !== distinct)
		fail(`accepted ${stats.accepted} + recovered duplicates ${stats.recovered} = ${stats.accepted + stats.recovered}, ` +
			`but the stream has ${distinct} distinct events`);
	if (stats.duplicates - stats.recovered !== streamDups)
		fail(`duplicates ${stats.duplicates} - recovered ${stats.recovered} != ${streamDups} in-stream duplicates`);
	const h = await getJson(d, '/healthz');
	if (h.durable_seq !== distinct) fail(`healthz durable_seq ${h.durable_seq}, expected ${distinct} (one record per distinct event)`);
	log(`ingest done: ${stats.acked} acknowledged answers: accepted ${stats.accepted} + recovered duplicates ${stats.recovered} ` +
		`= ${stats.accepted + stats.recovered} (distinct events ${distinct}); duplicates ${stats.duplicates} ` +
		`(${streamDups} in-stream + ${stats.recovered} recovered); durable_seq ${h.durable_seq}`);

	await compareCases('after the stream', true);

	// Once more from a restart with the whole log and a store that has it all.
	await kill9(d);
	d = await up();
	log(`final kill -9 and restart: ${describeStart(d)}`);
	await compareCases('after the final restart', false);

	// The case store is redone from the log: a store lost entirely must come
	// back the same (the path a restart takes for the batches that reached
	// the log but not the store, here for all of them).
	await kill9(d);
	for (const f of fs.readdirSync(dataDir)) if (f.startsWith('cases.db')) fs.rmSync(path.join(dataDir, f));
	d = await up();
	log(`kill -9, cases.db removed, restart: ${describeStart(d)}`);
	await compareCases('after rebuilding the case store from the log', true);

	// A clean stop.
	d.killedByUs = true;
	d.proc.kill('SIGTERM');
	await d.exitP;
	if (d.exited.code !== 0) fail(`SIGTERM: the daemon exited with ${d.exited.code ?? d.exited.signal}`);
} else if (daemon && !daemon.exited) {
	await kill9(daemon);
}

if (stats.kills < 5) fail(`only ${stats.kills} kills happened`);
if (stats.inflightKills < 1) fail('no kill landed while a request was in flight');
if (stats.recovered < 1) fail('no resend found durable events of its unacknowledged batch (no recovered duplicates)');
if (stats.startupKills < 1) fail('no kill during a start-up replay');

console.log(
	`serve-crash: ${stats.kills} kills (${stats.inflightKills} with a request in flight, ${stats.startupKills} during ` +
	`start-up replay), ${starts} starts, ${stats.torn} torn tails cut, ${stats.resends} resends, ` +
	`${stats.recovered} duplicates recovered from the log, ${stats.retries} retries, ` +
	`${deferred} logged kills moved to the next batch; ${secs()} s`,
);
console.log(failures.length ? `FAIL: ${failures.length} failures (seed ${seed})` : 'serve-crash: ok');
process.exit(failures.length ? 1 : 0);
