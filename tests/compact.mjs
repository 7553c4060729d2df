// compact.mjs ORDEX STREAM EXPECTED WORKDIR SEED BLACKLIST - compaction of the
// event log under `ordex serve` (docs/retention.md), run by tests/compact.sh.
//
// Posts a simulated shop, one batch at a time, to a daemon with small log
// segments (64 KiB) and a snapshot every 4000 records, so that every
// snapshot's child writes an order archive and the writer removes the
// segments before it. Kills it with SIGKILL three times right after a
// batch that crosses a snapshot point (a few milliseconds later: while the
// child writes the snapshot or the archive, or while the segments go), and
// once after a child wrote its archive but before the writer removed the
// segments (the restart must remove them), and restarts it on the same
// directory each time. Checks:
//   - segments were removed: the oldest segment left starts after record 1,
//     the log on disk is well under what the stream wrote, and /metrics
//     counts the segments removed and shows the log's bytes;
//   - with --archives-max 2, compactions merged archives and, after a
//     restart, at most 2 are left;
//   - GET /api/v1/orders/{id} of orders whose first records are long gone
//     from the log (and of a sample of all orders) lists exactly the
//     order's events of the stream, after the stream and again after a
//     last kill -9 and restart;
//   - the cases (GET /api/v1/cases, paged) equal `ordex replay`'s of the
//     whole stream after the kills, and again after the last restart.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const TOKEN = 'ordex-compact-test-token-0123456789';
const BATCH = 250;
const SNAPSHOT_EVERY = 4000;
const SEGMENT = 65536;
const ARCHIVES_MAX = 2; // from the third compaction on, each merges: kills land around merges
const T0 = Date.now();

const [ordex, streamPath, expectedPath, workdir, seedArg, blacklist] = process.argv.slice(2);
const seed = Number(seedArg) >>> 0;
const dataDir = path.join(workdir, 'data');
const eventsDir = path.join(dataDir, 'events');
const daemonLog = fs.openSync(path.join(workdir, 'daemon.log'), 'a');
const failures = [];
const fail = (msg) => {
	failures.push(msg);
	console.log(`FAIL: ${msg}`);
};
const log = (msg) => console.log(`[${((Date.now() - T0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

let rs = seed;
function rand() { // mulberry32
	rs = (rs + 0x6d2b79f5) >>> 0;
	let t = rs;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// ---- the stream: batches, and each order's distinct event ids in order ------

const lines = fs.readFileSync(streamPath, 'utf8').split('\n').filter((l) => l.trim() !== '');
const seen = new Set();
const orderEvents = new Map(); // order_id -> [event id] in stream (= log) order
let streamBytes = 0;
for (const l of lines) {
	const e = JSON.parse(l);
	if (seen.has(e.id)) continue;
	seen.add(e.id);
	streamBytes += Buffer.byteLength(l) + 16;
	if (e.order_id === undefined) continue;
	if (!orderEvents.has(e.order_id)) orderEvents.set(e.order_id, []);
	orderEvents.get(e.order_id).push(e.id);
}
const batches = [];
for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH).join('\n') + '\n');
const expected = fs.readFileSync(expectedPath, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));

// ---- the daemon ----------------------------------------------------------------

let d = null;
function start() {
	const proc = spawn(ordex, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--clock', 'event',
		'--sync', 'none', '--segment-max', String(SEGMENT), '--snapshot-every', String(SNAPSHOT_EVERY),
		'--archives-max', String(ARCHIVES_MAX),
		'--snapshot-min-interval', '0', '--bootstrap-token', TOKEN, '--blacklist', blacklist],
	{ stdio: ['ignore', 'ignore', 'pipe'] });
	const dm = { proc, url: null, err: '', exited: null, killed: false };
	dm.exitP = new Promise((resolve) => proc.on('exit', (code, signal) => {
		dm.exited = { code, signal };
		if (!dm.killed) fail(`the daemon exited by itself (${code ?? signal}): ${dm.err.trim().split('\n').slice(-3).join(' | ')}`);
		resolve();
	}));
	dm.ready = new Promise((resolve) => {
		proc.stderr.on('data', (chunk) => {
			fs.writeSync(daemonLog, chunk);
			dm.err += chunk.toString();
			const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(dm.err);
			if (m && !dm.url) {
				dm.url = m[1];
				resolve();
			}
		});
		dm.exitP.then(resolve);
	});
	return dm;
}
async function up() {
	d = start();
	await d.ready;
	if (!d.url) throw new Error(`the daemon did not start: ${d.err.trim()}`);
}
async function kill9() {
	d.killed = true;
	if (!d.exited) d.proc.kill('SIGKILL');
	await d.exitP;
}
async function req(p, body) {
	const res = await fetch(`${d.url}${p}`, {
		method: body ? 'POST' : 'GET',
		headers: { Authorization: `Bearer ${TOKEN}`, ...(body ? { 'Content-Type': 'application/x-ndjson' } : {}) },
		body,
		signal: AbortSignal.timeout(30000),
	});
	return { status: res.status, text: await res.text() };
}
async function getJson(p) {
	const r = await req(p);
	if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${r.text.slice(0, 200)}`);
	return JSON.parse(r.text);
}
function segments() {
	return fs.readdirSync(eventsDir).filter((f) => /^\d{20}\.log$/.test(f)).sort();
}
function logBytes() {
	return segments().reduce((n, f) => n + (fs.statSync(path.join(eventsDir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
}
async function metric(name) {
	const r = await req('/metrics');
	const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text);
	return m ? Number(m[1]) : null;
}

// The daemon's children: a snapshot's child, writing the snapshot and the
// order archive.
function children(pid) {
	const out = [];
	for (const f of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(f)) continue;
		try {
			const st = fs.readFileSync(`/proc/${f}/stat`, 'utf8');
			if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(f));
		} catch { /* gone */ }
	}
	return out;
}

// ---- the run --------------------------------------------------------------------

await up();
let kills = 0, durable = 0, leftoverDone = false;
const killAt = new Set();
while (killAt.size < 3) killAt.add(Math.floor(SNAPSHOT_EVERY / BATCH) * (2 + Math.floor(rand() * 8)));
let maxBytes = 0;
for (let i = 0; i < batches.length; i++) {
	let r;
	for (let attempt = 0; ; attempt++) {
		try {
			r = await req('/api/v1/events', batches[i]);
			if (r.status === 200) break;
		} catch (e) {
			r = { status: 0, text: String(e) };
		}
		if (attempt > 20) throw new Error(`batch ${i}: ${r.status} ${r.text.slice(0, 200)}`);
		await sleep(100);
	}
	maxBytes = Math.max(maxBytes, logBytes());
	// Once: a kill after the child wrote the archive and before the writer
	// removed the segments (it does at its next group, and none comes
	// while nothing is sent): the restart must remove them.
	if (!leftoverDone && i >= 20) {
		let kids = [];
		for (let t = 0; t < 5 && !kids.length; t++, await sleep(10)) kids = children(d.proc.pid);
		if (kids.length) {
			const archived = (d.err.match(/order archive at record/g) || []).length;
			for (let t = Date.now(); children(d.proc.pid).length && Date.now() - t < 20000;) await sleep(20);
			await sleep(100);
			if ((d.err.match(/order archive at record/g) || []).length > archived) {
				leftoverDone = true;
				await kill9();
				kills++;
				await up();
				const m = /removed (\d+) log segments an interrupted compaction left/.exec(d.err);
				log(`kill -9 after batch ${i}, the archive written, its segments not removed yet: ` +
					(m ? `the restart removed ${m[1]}` : 'the restart removed none'));
				if (!m) fail('the restart did not remove the segments an interrupted compaction left');
			}
		}
	}
	const before = durable;
	durable = (await getJson('/healthz')).durable_seq;
	// a kill a few ms after a batch that crossed a snapshot point: the
	// child writes the snapshot, then the archive; the writer then removes
	// the segments
	if (killAt.has(i) || (kills < 3 && killAt.size && Math.floor(before / SNAPSHOT_EVERY) !== Math.floor(durable / SNAPSHOT_EVERY) && rand() < 0.15)) {
		killAt.delete(i);
		await sleep(rand() * 30);
		await kill9();
		kills++;
		const left = segments();
		await up();
		log(`kill -9 after batch ${i} (record ${durable}); ${left.length} segments from ${left[0]}; restarted`);
	}
}
// The writer notices a snapshot's child is done at its next group: an order
// view is one. Wait for the last compaction and for /metrics to catch up.
let bytes = logBytes(), mBytes = null;
for (let t = Date.now(); Date.now() - t < 20000; await sleep(200)) {
	await req('/api/v1/orders/none');
	await req('/api/v1/orders/none'); // a group after the one that compacted: /metrics shows it
	bytes = logBytes();
	mBytes = await metric('ordex_log_bytes');
	if (bytes < streamBytes / 4 && mBytes === bytes) break;
}
const segs = segments();
const first = Number(segs[0].slice(0, 20));
log(`stream done: ${lines.length} lines, ${durable} records, ~${streamBytes} bytes logged; ` +
	`on disk now ${bytes} bytes in ${segs.length} segments from record ${first} (at most ${maxBytes} during the run)`);
if (first <= 1) fail('no segment was removed: the oldest one starts at record 1');
if (!(bytes < streamBytes / 4)) fail(`the log holds ${bytes} bytes, not under a quarter of the ${streamBytes} written`);
const removed = await metric('ordex_log_segments_removed_total');
if (!(removed > 0)) fail(`ordex_log_segments_removed_total is ${removed} (segments were removed since the last start?)`);
if (mBytes !== bytes) fail(`ordex_log_bytes is ${mBytes}, the segment files hold ${bytes}`);
if (!((await metric('ordex_archive_bytes')) > 0)) fail('ordex_archive_bytes is not above 0');
// Merges: the last one's inputs go at the writer's next group, or at the
// next start (counted after the final restart, below).
function archivesMerged() {
	const archives = fs.readdirSync(path.join(dataDir, 'snapshots')).filter((f) => f.endsWith('.arch'));
	const text = fs.readFileSync(path.join(workdir, 'daemon.log'), 'utf8');
	const merges = (text.match(/archives merged/g) || []).length;
	const compactions = (text.match(/compaction at record \d+: removed [1-9]/g) || []).length;
	log(`${compactions} compactions, ${merges} merges logged; ${archives.length} order archives on disk`);
	if (archives.length > ARCHIVES_MAX) fail(`${archives.length} order archives, more than --archives-max ${ARCHIVES_MAX}`);
	if (compactions >= 6 && !merges) fail('no compaction merged archives');
}

// Orders whose first event is in a removed segment, and a sample of all.
async function checkOrders(label) {
	const ids = [...orderEvents.keys()];
	const sample = ids.slice(0, 40).concat(ids.filter(() => rand() < 0.02));
	let ok = 0, archived = 0;
	for (const id of sample) {
		const v = await getJson(`/api/v1/orders/${encodeURIComponent(id)}`);
		const want = [...orderEvents.get(id)].sort();
		const got = v.events.map((e) => e.id).sort();
		if (JSON.stringify(got) !== JSON.stringify(want)) {
			fail(`${label}: order ${id}: the view lists ${got.length} events, the stream has ${want.length}` +
				` (missing ${want.filter((x) => !got.includes(x)).slice(0, 3).join(', ')})`);
			if (failures.length > 10) return;
		} else ok++;
		if (v.events.some((e) => e.seq < first)) archived++;
	}
	log(`${label}: ${ok} of ${sample.length} order views list every event of their order; ` +
		`${archived} of them show records from before the log's oldest segment`);
	if (archived < 20) fail(`${label}: only ${archived} order views came from the archive: not a test of it`);
}
await checkOrders('after the stream');

const SKIP = new Set(['timeline']);
async function compareCases(label) {
	const got = [];
	let cursor = null;
	do {
		const page = await getJson(`/api/v1/cases?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
		got.push(...page.cases);
		cursor = page.next_cursor;
	} while (cursor !== null && cursor !== undefined);
	const byId = new Map(got.map((c) => [c.case_id, c]));
	const diffs = [];
	if (got.length !== expected.length) diffs.push(`${got.length} cases, replay opened ${expected.length}`);
	for (const e of expected) {
		const g = byId.get(e.case_id);
		if (!g) {
			diffs.push(`missing: ${e.case_id} ${e.rule}`);
			continue;
		}
		for (const k of Object.keys(e)) {
			if (SKIP.has(k) || !(k in g)) continue;
			if (JSON.stringify(e[k]) !== JSON.stringify(g[k])) diffs.push(`case ${e.case_id}: ${k}: replay ${JSON.stringify(e[k])}, API ${JSON.stringify(g[k])}`);
		}
	}
	log(`${label}: ${got.length} cases: ${diffs.length ? `${diffs.length} differences` : 'identical to replay'}`);
	if (diffs.length) fail(`${label}: ${diffs.slice(0, 5).join('; ')}`);
}
await compareCases('after the stream');

await kill9();
await up();
log('final kill -9 and restart');
archivesMerged();
await checkOrders('after the final restart');
await compareCases('after the final restart');
if (kills < 4) fail(`only ${kills} kills`);
if (!leftoverDone) fail('no kill came between an archive and the removal of its segments');
d.killed = true;
d.proc.kill('SIGTERM');
await d.exitP;
if (d.exited.code !== 0) fail(`SIGTERM: exit ${d.exited.code ?? d.exited.signal}`);
console.log(failures.length ? `FAIL: ${failures.length} failures (seed ${seed})` : 'compact: ok');
process.exit(failures.length ? 1 : 0);
