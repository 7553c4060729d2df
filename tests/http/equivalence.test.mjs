// equivalence.test.mjs - the daemon detects what `ordex replay` detects: for
// every stream (the spec's examples, the rule cases of tests/cases that
// replay without options, a simulated shop of 20,000 orders), a fresh daemon
// with --clock event gets the stream in POSTs of 500 lines, in order, and
// must then hold exactly the cases replay prints: the same case ids with the
// same rule, key, severity, status, times, reasons, event ids and timeline.
// (With the event clock the engine sees the same events in the same order
// whatever the batches, so batching changes nothing.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, test } from "node:test";
import { BIN, ROOT, replayAsync, specExamples, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const BATCH = 500;
const CONCURRENCY = 8; // daemons at a time: they mostly wait on each other
const SIM_ORDERS = 20000;

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-eq-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const isBlank = (l) => /^[ \t\r]*$/.test(l);
const listed = (c) => {
	const { timeline, ...rest } = c;
	return rest;
};
const FIELDS = ["case_id", "rule", "order_id", "sku", "group", "severity", "status", "opened_at", "resolved_at", "reasons", "event_ids",
	"channel", "shop", "province", "city", "customer_id", "carrier", "payment_method", "skus"];

/* POST the file in batches, then compare everything with `ordex replay`;
 * byIdEvery: GET /api/v1/cases/{id} for every n-th case (1: all); batch:
 * lines per POST; twice: every POST is sent twice at the same time (the
 * copies must be duplicates, whichever comes first). */
async function checkStream(file, { byIdEvery = 1, batch = BATCH, twice = false } = {}) {
	const want = await replayAsync(file);
	assert.ok(want.status === 0 || want.status === 3, `replay exit ${want.status}: ${want.stderr}`);
	const wantRejected = want.stderr.split("\n").filter(Boolean).map((l) => Number(/^line ([0-9]+):/.exec(l)[1]));

	const batches = ndjsonBatches(readFileSync(file), batch);
	const d = await startDaemon({ check: checkHttp });
	try {
		const rejected = [];
		let accepted = 0, duplicates = 0, nonBlank = 0;
		for (const [i, body] of batches.entries()) {
			nonBlank += body.toString("utf8").split("\n").filter((l) => !isBlank(l)).length;
			let r;
			if (twice) {
				const [a, b] = await Promise.all([d.postEvents(body), d.postEvents(body)]);
				assert.equal(a.status, 200, a.text);
				assert.equal(b.status, 200, b.text);
				assert.deepEqual([a.json.accepted, b.json.accepted].sort((x, y) => x - y), [0, a.json.accepted + b.json.accepted], "one copy is all duplicates");
				r = a.json.accepted ? a : b;
			} else {
				r = await d.postEvents(body);
			}
			assert.equal(r.status, 200, r.text);
			accepted += r.json.accepted;
			duplicates += r.json.duplicates;
			assert.equal(r.json.errors_truncated, undefined);
			rejected.push(...r.json.errors.map((e) => i * batch + e.line));
		}
		assert.deepEqual(rejected, wantRejected, "rejected line numbers");
		assert.equal(accepted + duplicates + rejected.length, nonBlank);

		const got = await d.allCases();
		const gotById = new Map(got.map((c) => [c.case_id, c]));
		assert.equal(gotById.size, got.length, "a case is listed twice");
		const missing = want.cases.filter((c) => !gotById.has(c.case_id)).map((c) => `${c.case_id} ${c.rule} ${c.order_id ?? c.sku ?? c.group} ${c.opened_at}`);
		const extra = got.filter((c) => !want.cases.some((w) => w.case_id === c.case_id)).map((c) => `${c.case_id} ${c.rule} ${c.order_id ?? c.sku ?? c.group} ${c.opened_at}`);
		assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, "the daemon's cases are replay's");
		for (const w of want.cases) {
			const g = gotById.get(w.case_id);
			const pick = (c) => Object.fromEntries(FIELDS.map((f) => [f, c[f]]));
			assert.deepEqual(pick(g), pick(w), `case ${w.case_id}`);
			assert.deepEqual(g, listed(w), `case ${w.case_id}: the other fields (category, team, reasons_en, incident)`);
		}
		for (const [i, w] of want.cases.entries()) {
			if (i % byIdEvery !== 0 && i !== want.cases.length - 1) continue;
			const r = await d.get(`/api/v1/cases/${w.case_id}`);
			const { playbook, ...rest } = r.json; // the API's own addition (docs/playbooks.md)
			assert.deepEqual(rest, w, `GET /api/v1/cases/${w.case_id} with its timeline`);
			assert.equal(playbook.rule, w.rule, `GET /api/v1/cases/${w.case_id}: the playbook of its rule`);
		}
		return { cases: want.cases.length, accepted, duplicates, rejected: rejected.length };
	} finally {
		await d.stop();
	}
}

/* The file's bytes cut after every n-th "\n": the bodies to POST, in order
 * (no copy, no re-encoding: the daemon gets the stream's own bytes). */
function ndjsonBatches(buf, n) {
	const out = [];
	let start = 0, lines = 0;
	for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1))
		if (++lines === n) {
			out.push(buf.subarray(start, i + 1));
			start = i + 1;
			lines = 0;
		}
	if (start < buf.length) out.push(buf.subarray(start));
	return out;
}

/* tests/cases streams that replay with no option (no NAME.args). */
function caseStreams() {
	const dir = join(ROOT, "tests/cases");
	return readdirSync(dir)
		.filter((f) => f.endsWith(".ndjson") && !existsSync(join(dir, f.replace(/\.ndjson$/, ".args"))))
		.sort()
		.map((f) => join(dir, f));
}

// One suite, run CONCURRENCY streams at a time, the long simulated shop first
// so that the short streams run beside it.
describe("daemon == replay", { concurrency: CONCURRENCY }, () => {
	test(`sim --orders ${SIM_ORDERS}`, async (t) => {
		const file = join(TMP, "sim.ndjson");
		const r = spawnSync(BIN, ["sim", "--orders", String(SIM_ORDERS), "--seed", "2026", "--out", file], { encoding: "utf8" });
		assert.equal(r.status, 0, r.stderr);
		const res = await checkStream(file, { byIdEvery: 7 });
		t.diagnostic(`${res.accepted} events accepted, ${res.duplicates} duplicates, ${res.cases} cases`);
		assert.ok(res.cases > 500, `${res.cases} cases`);
		assert.ok(res.duplicates > 0, "the simulator resends events");
	});
	test("sim --orders 4000 in one POST of 15 MiB, twice at once (over the 8 MiB log buffer)", async () => {
		const file = join(TMP, "sim-one-post.ndjson");
		const r = spawnSync(BIN, ["sim", "--orders", "4000", "--seed", "3", "--out", file], { encoding: "utf8" });
		assert.equal(r.status, 0, r.stderr);
		await checkStream(file, { batch: Infinity, twice: true, byIdEvery: 5 });
	});
	for (const file of specExamples()) test(`spec example ${basename(file)}`, () => checkStream(file));
	const files = caseStreams();
	test("tests/cases has streams to compare", () => assert.ok(files.length > 100, `${files.length} streams`));
	for (const file of files) test(`tests/cases/${basename(file)}`, () => checkStream(file));
});
