// api.test.mjs - the HTTP API of `ordex serve`, end to end: ingest (NDJSON and
// JSON arrays, rejections, duplicates, limits), the case queries, the order
// picture, the service endpoints, the rate limit, the writer queue and
// restarts. Every answer is checked against docs/openapi.json (openapi.mjs's
// checkHttp).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ADMIN_TOKEN, BIN, readLines, replay, sleep, specExamples, startDaemon } from "./lib.mjs";
import { SPEC_FILE, checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-api-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const MAX_LINE = 1 << 20;
const examples = Object.fromEntries(specExamples().map((f) => [basename(f).slice("spec-".length, "spec-".length + 2), readLines(f)]));

/* The same lines with every event id prefixed, so that streams which reuse
 * ids ("e1") can go to one daemon; lines that are not an event stay as they are. */
const prefixIds = (lines, p) => lines.map((l) => (l.startsWith('{"id":"') ? `{"id":"${p}${l.slice(7)}` : l));

const ticket = (id, orderId, extra = {}) =>
	JSON.stringify({ id, type: "cs.ticket", ts: "2026-11-11T10:00:00.000+08:00", order_id: orderId, ticket_id: `t-${id}`, kind: "complaint", ...extra });

function metric(text, name) {
	const m = new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text);
	assert.ok(m, `metric ${name} not found`);
	return Number(m[1]);
}

/* `ordex replay` of these lines: the oracle for what the daemon must hold. */
function replayLines(lines, name) {
	const file = join(TMP, name);
	writeFileSync(file, lines.join("\n") + "\n");
	return replay(file);
}

const seqOf = (c) => Number(c.case_id.slice(1));
const newestFirst = (cases) => [...cases].sort((a, b) => seqOf(b) - seqOf(a));
const listed = (c) => {
	const { timeline, ...rest } = c;
	return rest;
};

async function postInBatches(d, lines, size) {
	const sum = { accepted: 0, duplicates: 0, rejected: 0 };
	for (let i = 0; i < lines.length; i += size) {
		const r = await d.postEvents(lines.slice(i, i + size));
		assert.equal(r.status, 200, r.text);
		for (const k of Object.keys(sum)) sum[k] += r.json[k];
	}
	return sum;
}

function simStream(orders, seed) {
	const file = join(TMP, `sim-${orders}-${seed}.ndjson`);
	const r = spawnSync(BIN, ["sim", "--orders", String(orders), "--seed", String(seed), "--out", file], { encoding: "utf8" });
	assert.equal(r.status, 0, r.stderr);
	return readLines(file);
}

// ---- ingest ----------------------------------------------------------------------------------

describe("POST /api/v1/events", () => {
	let d;
	const total = { accepted: 0, duplicates: 0, rejected: 0 };
	const count = (j) => {
		for (const k of Object.keys(total)) total[k] += j[k];
	};
	before(async () => (d = await startDaemon({ check: checkHttp })));
	after(() => d?.stop());

	test("an NDJSON body is accepted line by line", async () => {
		const r = await d.postEvents(prefixIds(examples["01"], "n-"));
		assert.equal(r.status, 200);
		assert.deepEqual(r.json, { accepted: 8, duplicates: 0, rejected: 0, errors: [] });
		count(r.json);
	});

	test("a JSON array body (Content-Type application/json) is accepted element by element", async () => {
		const events = prefixIds(examples["03"], "a-").map((l) => JSON.parse(l));
		const r = await d.postEvents({ array: events });
		assert.deepEqual(r.json, { accepted: 8, duplicates: 0, rejected: 0, errors: [] });
		count(r.json);
		// with parameters, in any case; pretty-printed elements are fine too
		const more = [JSON.parse(ticket("a-t1", "ARR2")), JSON.parse(ticket("a-t2", "ARR2"))];
		const r2 = await d.request("POST", "/api/v1/events", { body: JSON.stringify(more, null, 2), contentType: "Application/JSON; charset=utf-8" });
		assert.deepEqual(r2.json, { accepted: 2, duplicates: 0, rejected: 0, errors: [] });
		count(r2.json);
		const o = await d.get("/api/v1/orders/ARR2");
		assert.deepEqual(o.json.events.map((e) => e.event), more);
	});

	test("rejected lines: exact physical line numbers (blank lines counted) and reasons, the same as replay's", async () => {
		const lines = [
			"",                                                          // 1 blank
			ticket("r-1", "REJ1"),                                       // 2 ok
			"   \t",                                                     // 3 blank (whitespace)
			'{"id":"r-2","type":"cs.ticket","ts":"2026-11-11T10:00:00.000+08:00","order_id":"REJ1","kind":"complaint"}', // 4 no ticket_id
			ticket("r-3", "REJ1") + "\r",                                // 5 ok, CRLF
			"[1,2]",                                                     // 6 not an object
			'{"id":"r-4","type":"order.shipped","ts":"2026-11-11T10:00:00.000+08:00","order_id":"REJ1"}', // 7 unknown type
			"",                                                          // 8 blank
			'{"id":"r-5","type":"cs.ticket","ts":"2026-11-11T10:00:00.000+08:00","order_id":17,"ticket_id":"t","kind":"other"}', // 9 order_id a number
			'{"id":"r-6","type":"payment.failed","ts":"2026-11-11T10:00:00.000+08:00","order_id":"REJ1","amount":99.5,"reason":"x"}', // 10 money as a number
			ticket("r-7", "REJ1", { ts: "2026-11-11 10:00:00" }),       // 11 no offset
			"{not json",                                                 // 12
			ticket("r-8", "REJ1"),                                       // 13 ok
		];
		const r = await d.postEvents(lines);
		assert.equal(r.status, 200);
		count(r.json);
		assert.equal(r.json.accepted, 3);
		assert.equal(r.json.duplicates, 0);
		assert.equal(r.json.rejected, 7);
		assert.deepEqual(r.json.errors.map((e) => e.line), [4, 6, 7, 9, 10, 11, 12]);
		assert.equal(r.json.errors_truncated, undefined);
		const why = Object.fromEntries(r.json.errors.map((e) => [e.line, e.error]));
		assert.match(why[4], /ticket_id/);
		assert.match(why[7], /type/);
		assert.match(why[9], /order_id/);
		assert.match(why[10], /amount/);
		assert.match(why[11], /ts/);
		// `ordex replay` reports the same lines with the same reasons
		const rp = replayLines(lines.map((l) => l.replace(/^\{"id":"r-/, '{"id":"rp-')), "rejections.ndjson");
		assert.equal(rp.status, 3);
		const fromReplay = rp.stderr.trim().split("\n").map((l) => /^line ([0-9]+): (.*)$/.exec(l)).map((m) => ({ line: Number(m[1]), error: m[2] }));
		assert.deepEqual(r.json.errors, fromReplay);
	});

	test("rejected array elements are numbered by position", async () => {
		const good = JSON.parse(ticket("ar-1", "ARR1"));
		const bad = { ...JSON.parse(ticket("ar-2", "ARR1")), kind: "angry" };
		const r = await d.postEvents({ array: [1, "x", null, [], good, bad, {}] });
		count(r.json);
		assert.equal(r.json.accepted, 1);
		assert.equal(r.json.rejected, 6);
		assert.deepEqual(r.json.errors.map((e) => e.line), [1, 2, 3, 4, 6, 7]);
		for (const e of r.json.errors.slice(0, 4)) assert.equal(e.error, "an event must be a JSON object");
		assert.match(r.json.errors[4].error, /kind/);
	});

	test("duplicates within one request and across requests", async () => {
		const a = ticket("dup-1", "DUP1"), b = ticket("dup-2", "DUP1");
		const other = ticket("dup-1", "DUP2", { kind: "damaged" }); // same id, another body
		const r = await d.postEvents([a, b, a, other]);
		count(r.json);
		assert.deepEqual(r.json, { accepted: 2, duplicates: 2, rejected: 0, errors: [] });
		const r2 = await d.postEvents([b, a]);
		count(r2.json);
		assert.deepEqual(r2.json, { accepted: 0, duplicates: 2, rejected: 0, errors: [] });
		// a whole stream again: every event a duplicate
		const r3 = await d.postEvents(prefixIds(examples["01"], "n-"));
		count(r3.json);
		assert.deepEqual(r3.json, { accepted: 0, duplicates: 8, rejected: 0, errors: [] });
		// the duplicate with another body had no effect: DUP2 has no event at all
		const o = await d.get("/api/v1/orders/DUP2");
		assert.equal(o.status, 404);
		const cases = await d.allCases("order_id=DUP1");
		assert.equal(cases.length, 1);
		assert.deepEqual(cases[0].event_ids, ["dup-1", "dup-2"]);
	});

	test("the same events from concurrent requests are accepted once", async () => {
		const lines = Array.from({ length: 50 }, (_, i) => ticket(`cc-${i}`, "CC1"));
		const rs = await Promise.all(Array.from({ length: 8 }, () => d.postEvents(lines)));
		for (const r of rs) {
			assert.equal(r.status, 200);
			assert.equal(r.json.accepted + r.json.duplicates, 50);
			count(r.json);
		}
		assert.equal(rs.reduce((n, r) => n + r.json.accepted, 0), 50);
		const o = await d.get("/api/v1/orders/CC1");
		assert.equal(o.json.events.length, 50);
	});

	test("the id of a rejected line stays free", async () => {
		const r = await d.postEvents([ticket("free-1", "FREE1", { kind: "bogus" })]);
		count(r.json);
		assert.equal(r.json.rejected, 1);
		const r2 = await d.postEvents([ticket("free-1", "FREE1")]);
		count(r2.json);
		assert.deepEqual(r2.json, { accepted: 1, duplicates: 0, rejected: 0, errors: [] });
	});

	test("more than 100 rejected lines: 100 listed, errors_truncated", async () => {
		const lines = Array.from({ length: 150 }, (_, i) => (i === 120 ? ticket("trunc-1", "TRUNC") : `bad ${i}`));
		const r = await d.postEvents(lines);
		count(r.json);
		assert.equal(r.json.accepted, 1);
		assert.equal(r.json.rejected, 149);
		assert.equal(r.json.errors.length, 100);
		assert.equal(r.json.errors_truncated, true);
		assert.deepEqual(r.json.errors.map((e) => e.line), Array.from({ length: 100 }, (_, i) => i + 1));
	});

	test("empty bodies", async () => {
		for (const body of ["", "\n\n", "  \n\t\n"]) {
			const r = await d.postEvents(body);
			assert.deepEqual(r.json, { accepted: 0, duplicates: 0, rejected: 0, errors: [] }, JSON.stringify(body));
		}
		const r = await d.postEvents({ array: [] });
		assert.deepEqual(r.json, { accepted: 0, duplicates: 0, rejected: 0, errors: [] });
	});

	test("lines over 1 MiB are rejected, a line of exactly 1 MiB is accepted", async () => {
		// an unknown field is kept, so it can pad a valid event to any size
		const padded = (id, size) => {
			const head = `{"id":"${id}","type":"cs.ticket","ts":"2026-11-11T10:00:00.000+08:00","order_id":"BIG1","ticket_id":"t-${id}","kind":"other","pad":"`;
			const s = head + "x".repeat(size - head.length - 2) + '"}';
			assert.equal(Buffer.byteLength(s), size);
			return s;
		};
		const r = await d.postEvents([padded("big-1", MAX_LINE + 1), ticket("big-ok", "BIG1"), padded("big-2", MAX_LINE)]);
		count(r.json);
		assert.equal(r.json.accepted, 2);
		assert.equal(r.json.rejected, 1);
		assert.deepEqual(r.json.errors, [{ line: 1, error: `line too long: ${MAX_LINE + 1} bytes > ${MAX_LINE}` }]);
		const o = await d.get("/api/v1/orders/BIG1");
		assert.deepEqual(o.json.events.map((e) => e.id), ["big-ok", "big-2"]);
		// an array element over the limit, likewise
		const ra = await d.postEvents({ array: [JSON.parse(padded("big-3", MAX_LINE + 100)), JSON.parse(ticket("big-4", "BIG1"))] });
		count(ra.json);
		assert.equal(ra.json.accepted, 1);
		assert.equal(ra.json.rejected, 1);
		assert.equal(ra.json.errors[0].line, 1);
		assert.match(ra.json.errors[0].error, /^line too long/);
	});

	test("an array body that is not a JSON array: 400, nothing ingested", async () => {
		const before = (await d.get("/healthz")).json.durable_seq;
		const cases = [
			["not json", /^invalid JSON/],
			[ticket("x-1", "X1"), /array/],
			[[ticket("x-2", "X1"), ticket("x-3", "X1")].join("\n"), /^invalid JSON/], // NDJSON sent as application/json
			[`[${ticket("x-4", "X1")},`, /^invalid JSON/],
			[`[${ticket("x-5", "X1")}] trailing`, /^invalid JSON/],
		];
		for (const [body, detail] of cases) {
			const r = await d.request("POST", "/api/v1/events", { body, contentType: "application/json" });
			assert.equal(r.status, 400, body.slice(0, 60));
			assert.equal(r.json.error, "invalid body");
			assert.match(r.json.detail, detail);
		}
		assert.equal((await d.get("/healthz")).json.durable_seq, before);
		assert.equal((await d.get("/api/v1/orders/X1")).status, 404);
	});

	test("GET /healthz", async () => {
		const r = await d.get("/healthz");
		assert.equal(r.status, 200);
		assert.equal(r.json.status, "ok");
		assert.equal(r.json.durable_seq, total.accepted); // event clock: no tick records
		assert.equal(r.json.queue_events, 0);
		assert.ok(Number.isInteger(r.json.uptime_s) && r.json.uptime_s >= 0);
	});

	test("GET /metrics counts what the answers said", async () => {
		const r = await d.get("/metrics");
		assert.equal(r.status, 200);
		assert.match(r.contentType, /^text\/plain/);
		assert.equal(metric(r.text, "ordex_events_accepted_total"), total.accepted);
		assert.equal(metric(r.text, "ordex_events_duplicate_total"), total.duplicates);
		assert.equal(metric(r.text, "ordex_events_rejected_total"), total.rejected);
		assert.equal(metric(r.text, "ordex_log_durable_seq"), total.accepted);
		assert.match(r.text, /^# TYPE ordex_events_accepted_total counter$/m);
		const opened = [...r.text.matchAll(/^ordex_cases_opened_total\{rule="([A-Z_]+)"\} ([0-9]+)$/gm)];
		const sum = opened.reduce((s, m) => s + Number(m[2]), 0);
		assert.equal(sum, (await d.allCases()).length);
	});
});

// ---- service endpoints, 404 and 405 ----------------------------------------------------------

describe("service endpoints and errors", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp })));
	after(() => d?.stop());

	test("GET / is the web console's page", async () => {
		const r = await d.get("/");
		assert.equal(r.status, 200);
		assert.equal(r.contentType, "text/html; charset=utf-8");
		assert.match(r.text, /<script type="module" src="\/assets\/js\/app.js"><\/script>/);
	});

	test("GET /api/v1/openapi.json serves docs/openapi.json", async () => {
		const r = await d.get("/api/v1/openapi.json");
		assert.equal(r.status, 200);
		assert.equal(r.text, readFileSync(SPEC_FILE, "utf8"), "the binary embeds another docs/openapi.json: rebuild (make)");
	});

	test("unknown paths: 404 with the path as detail", async () => {
		for (const path of ["/nope", "/api/v1", "/api/v1/case", "/api/v1/cases/", "/api/v1/orders/", "/healthz/"]) {
			const r = await d.get(path);
			assert.equal(r.status, 404, path);
			assert.deepEqual(r.json, { error: "not found", detail: path });
		}
		// The {id} is the rest of the path: ids may hold a slash (sent as %2F).
		const r = await d.get("/api/v1/cases/C1/x");
		assert.equal(r.status, 404);
		assert.deepEqual(r.json, { error: "not found", detail: "C1/x" });
	});

	test("wrong methods: 405 with the method as detail", async () => {
		for (const [method, path] of [["DELETE", "/api/v1/cases"], ["POST", "/api/v1/cases"], ["GET", "/api/v1/events"],
			["PUT", "/healthz"], ["POST", "/api/v1/cases/C00000001"], ["DELETE", "/api/v1/orders/X"], ["POST", "/"]]) {
			const r = await d.request(method, path, method === "GET" ? {} : { body: "" });
			assert.equal(r.status, 405, `${method} ${path}`);
			assert.deepEqual(r.json, { error: "method not allowed", detail: method });
		}
	});

	test("405 names the allowed methods of the path in Allow", async () => {
		for (const [method, path, allow] of [["DELETE", "/api/v1/cases", "GET"], ["GET", "/api/v1/events", "POST"], ["PUT", "/healthz", "GET"]]) {
			const r = await d.request(method, path);
			assert.equal(r.status, 405);
			assert.equal(r.headers.get("allow"), allow, `Allow of ${method} ${path}`);
		}
	});
});

// ---- case queries and the order picture ---------------------------------------------------------

describe("cases and orders", () => {
	let d, oracle;
	// ids a URL must carry percent-encoded
	const odd = { slash: "JD/2026/0001", percent: "X%41", space_plus_cjk: "订单 1+2", query_chars: "q?x#y&z=1" };
	const oddLines = Object.entries(odd).map(([k, id]) => ticket(`odd-${k}`, id));
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		// the shop first: the examples' ticks (up to 11-19) would otherwise make
		// every deadline of the shop's orders fire as their events arrive
		const lines = [...simStream(400, 11), ...Object.entries(examples).flatMap(([n, l]) => prefixIds(l, `x${n}-`)), ...oddLines];
		await postInBatches(d, lines, 1000);
		oracle = replayLines(lines, "cases.ndjson").cases;
		assert.ok(oracle.length > 20);
	});
	after(() => d?.stop());

	test("without filters: every case replay opens, newest first", async () => {
		const all = await d.allCases();
		assert.deepEqual(all, newestFirst(oracle).map(listed));
		const r = await d.get("/api/v1/cases");
		assert.equal(r.json.cases.length, Math.min(100, oracle.length)); // default limit 100
	});

	test("each filter, alone and combined", async () => {
		const rules = [...new Set(oracle.map((c) => c.rule))];
		const skuCase = oracle.find((c) => c.sku !== null);
		assert.ok(skuCase, "the stream has a SKU case");
		const mid = [...oracle].sort((a, b) => a.opened_at.localeCompare(b.opened_at))[Math.floor(oracle.length / 2)].opened_at;
		const midMs = Date.parse(mid);
		const filters = [
			...rules.map((r) => [`rule=${r}`, (c) => c.rule === r]),
			["status=open", (c) => c.status === "open"],
			["status=auto_resolved", (c) => c.status === "auto_resolved"],
			...["payment", "inventory", "logistics", "customer", "system", "fraud", "incident"].map((k) => [`category=${k}`, (c) => c.category === k]),
			...["P1", "P2", "P3", "P4"].map((s) => [`severity=${s}`, (c) => c.severity === s]),
			["order_id=C1", (c) => c.order_id === "C1"],
			[`order_id=${encodeURIComponent(oracle.find((c) => /^[0-9]+$/.test(c.order_id ?? "")).order_id)}`, null],
			["order_id=NO-SUCH-ORDER", () => false],
			[`sku=${encodeURIComponent(skuCase.sku)}`, (c) => c.sku === skuCase.sku],
			[`since=${encodeURIComponent(mid)}`, (c) => Date.parse(c.opened_at) >= midMs],
			[`since=${encodeURIComponent(new Date(midMs).toISOString())}`, (c) => Date.parse(c.opened_at) >= midMs],
			[`since=${midMs}`, (c) => Date.parse(c.opened_at) >= midMs],
			[`since=${midMs + 1}`, (c) => Date.parse(c.opened_at) > midMs],
			["category=payment&status=open", (c) => c.category === "payment" && c.status === "open"],
			["severity=P1&status=auto_resolved", (c) => c.severity === "P1" && c.status === "auto_resolved"],
			[`rule=${rules[0]}&since=${midMs}`, (c) => c.rule === rules[0] && Date.parse(c.opened_at) >= midMs],
			["rule=&status=&severity=", () => true], // empty values are no filter
		];
		let nonEmpty = 0;
		for (const [query, pred0] of filters) {
			const pred = pred0 ?? ((c) => c.order_id === decodeURIComponent(query.split("=")[1]));
			const got = await d.allCases(query);
			const want = newestFirst(oracle.filter(pred)).map(listed);
			assert.deepEqual(got.map((c) => c.case_id), want.map((c) => c.case_id), query);
			assert.deepEqual(got, want, query);
			if (want.length) nonEmpty++;
		}
		assert.ok(nonEmpty > 15);
	});

	test("bad filter values: 400 invalid query, detail names the parameter", async () => {
		const long = "x".repeat(257);
		const bad = [
			["rule=NOPE", "rule"], ["rule=pay_failed", "rule"], ["status=closing", "status"], ["status=OPEN", "status"],
			["category=nope", "category"], ["severity=P5", "severity"], ["severity=p1", "severity"], ["severity=P1x", "severity"],
			["since=yesterday", "since"], ["since=2026-11-11T00:00:00", "since"], ["since=-5", "since"],
			["limit=0", "limit"], ["limit=1001", "limit"], ["limit=abc", "limit"], ["limit=-1", "limit"], ["limit=2.5", "limit"],
			["cursor=abc", "cursor"], ["cursor=0", "cursor"], ["cursor=-3", "cursor"],
			[`order_id=${long}`, "order_id"], [`sku=${long}`, "sku"],
		];
		for (const [query, param] of bad) {
			const r = await d.get(`/api/v1/cases?${query}`);
			assert.equal(r.status, 400, query);
			assert.equal(r.json.error, "invalid query", query);
			assert.ok(typeof r.json.detail === "string" && r.json.detail.startsWith(`${param}:`), `${query}: ${r.json.detail}`);
		}
		// the edges that are valid
		for (const q of ["limit=1", "limit=1000", `order_id=${"x".repeat(256)}`, "since=0"]) assert.equal((await d.get(`/api/v1/cases?${q}`)).status, 200, q);
	});

	test("paging with limit=2 visits every case once, in order, and ends with next_cursor null", async () => {
		for (const query of ["", "status=open", "category=payment"]) {
			const want = newestFirst(oracle.filter((c) => (query === "status=open" ? c.status === "open" : query === "category=payment" ? c.category === "payment" : true)));
			const seen = [];
			let cursor = null, pages = 0;
			do {
				const q = new URLSearchParams(query);
				q.set("limit", "2");
				if (cursor !== null) q.set("cursor", cursor);
				const r = await d.get(`/api/v1/cases?${q}`);
				assert.equal(r.status, 200);
				pages++;
				assert.ok(r.json.cases.length >= 1 && r.json.cases.length <= 2, `page ${pages} has ${r.json.cases.length} cases`);
				if (r.json.next_cursor !== null) assert.equal(r.json.cases.length, 2, "only the last page may be short");
				seen.push(...r.json.cases.map((c) => c.case_id));
				cursor = r.json.next_cursor;
				assert.ok(pages <= want.length, "paging does not end");
			} while (cursor !== null);
			assert.equal(new Set(seen).size, seen.length, `${query}: a case came twice`);
			assert.deepEqual(seen, want.map((c) => c.case_id), `${query}: gaps or wrong order`);
			assert.equal(pages, Math.ceil(want.length / 2), `${query}: no empty last page`);
		}
	});

	test("GET /api/v1/cases/{id}: every case with its timeline, exactly as replay prints it, and its playbook", async () => {
		for (const c of oracle) {
			const r = await d.get(`/api/v1/cases/${c.case_id}`);
			assert.equal(r.status, 200);
			const { playbook, ...rest } = r.json;
			assert.deepEqual(rest, c);
			assert.equal(playbook.rule, c.rule, "the playbook of the case's rule");
			assert.ok(r.json.timeline.length >= 1 && r.json.timeline[0].action === "opened");
		}
	});

	test("an unknown case: 404", async () => {
		for (const id of ["C99999999", "nope", "c00000001", "C0000000"]) {
			const r = await d.get(`/api/v1/cases/${id}`);
			assert.equal(r.status, 404, id);
			assert.deepEqual(r.json, { error: "not found", detail: id });
		}
	});

	test("order picture of spec example 03 (C1): payments, refund, statuses, syncs, events, cases", async () => {
		const r = await d.get("/api/v1/orders/C1");
		assert.equal(r.status, 200);
		const o = r.json;
		assert.equal(o.order_id, "C1");
		assert.equal(o.status, "cancelled");
		assert.equal(o.status_ts, "2026-11-11T12:05:00.000+08:00");
		assert.equal(o.created_at, "2026-11-11T10:00:00.000+08:00");
		assert.equal(o.channel, "pdd");
		assert.equal(o.total, "30.00");
		assert.equal(o.currency, "CNY");
		assert.equal(o.coupon, null);
		assert.deepEqual(o.items, [{ sku: "S3", qty: 1, price: "30.00" }]);
		assert.deepEqual(o.customer, { id: "c3", name: null, phone: "010-62345678", registered_at: null, ip: null, device_id: null,
			address: { province: "广东省", city: "广州市", district: "天河区", detail: "体育西路1号" } });
		assert.deepEqual(o.payments, [
			{ payment_id: "P3a", ts: "2026-11-11T10:01:00.000+08:00", amount: "30.00", method: null, status: "succeeded", reason: null },
			{ payment_id: "P3b", ts: "2026-11-11T10:02:00.000+08:00", amount: "30.00", method: null, status: "succeeded", reason: null },
		]);
		assert.deepEqual(o.refunds, [{ refund_id: "R3", payment_id: "P3b", ts: "2026-11-11T12:00:00.000+08:00", amount: "30.00" }]);
		assert.deepEqual(o.status_history, [{ ts: "2026-11-11T10:01:10.000+08:00", status: "paid" }, { ts: "2026-11-11T12:05:00.000+08:00", status: "cancelled" }]);
		assert.deepEqual(o.syncs.map((s) => [s.system, s.acks, s.last_ack, s.failures.length]).sort(),
			[["erp", 1, "2026-11-11T10:03:00.000+08:00", 0], ["wms", 1, "2026-11-11T10:03:00.000+08:00", 0]]);
		assert.deepEqual(o.shipments, []);
		assert.deepEqual(o.events.map((e) => e.id), ["x03-e1", "x03-e2", "x03-e3", "x03-e4", "x03-e5", "x03-e6", "x03-e7", "x03-e8"]);
		assert.deepEqual(o.events[6].event, JSON.parse(prefixIds(examples["03"], "x03-")[6]));
		const seqs = o.events.map((e) => e.seq);
		assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
		assert.deepEqual(o.cases, newestFirst(oracle.filter((c) => c.order_id === "C1")).map(listed));
		for (const rule of ["PAY_DUPLICATE", "PAY_ON_CLOSED"]) assert.ok(o.cases.some((c) => c.rule === rule), rule);
	});

	test("order picture of spec example 02 (B1): a resent payment is listed once, a duplicate event is not logged", async () => {
		const o = (await d.get("/api/v1/orders/B1")).json;
		assert.equal(o.status, "paid");
		assert.equal(o.payments.length, 1);
		assert.equal(o.payments[0].payment_id, "P2");
		assert.equal(o.payments[0].ts, "2026-11-11T10:01:30.000+08:00");
		assert.equal(o.events.length, 8); // 9 lines, one a duplicate id
		assert.deepEqual(o.events.map((e) => e.ts), [...o.events.map((e) => e.ts)].sort());
		assert.equal(o.customer.address.city, "北京市");
		assert.equal(o.shipments.length, 1);
		assert.equal(o.shipments[0].last_status, "delivered");
	});

	test("order picture of spec example 04 (D1): the update overlays the address, rejected lines are absent", async () => {
		const o = (await d.get("/api/v1/orders/D1")).json;
		assert.deepEqual(o.customer.address, { province: "广东省", city: "广州市", district: "天河区", detail: "体育西路2号" });
		assert.equal(o.customer.phone, "2381234567");
		assert.equal(o.remark, "麻烦加急，谢谢");
		assert.equal(o.status, "cancelled");
		assert.deepEqual(o.payments, []); // its payment line was rejected (amount a number)
		assert.deepEqual(o.events.map((e) => e.type), ["order.created", "order.updated", "order.status"]);
	});

	test("order picture of spec example 05 (E1): an order never created", async () => {
		const o = (await d.get("/api/v1/orders/E1")).json;
		for (const k of ["status", "status_ts", "created_at", "channel", "shop", "total", "currency", "coupon", "remark", "pay_by", "ship_by", "deliver_by", "customer"])
			assert.equal(o[k], null, k);
		assert.deepEqual(o.items, []);
		assert.equal(o.shipments.length, 1);
		const s = o.shipments[0];
		assert.deepEqual([s.shipment_id, s.carrier, s.tracking_no, s.created_at, s.last_status], ["SH5", "zto", "T5", "2026-11-11T10:00:00.000+08:00", "in_transit"]);
		assert.deepEqual(s.tracks.map((t) => t.ts), ["2026-11-11T14:00:00.000+08:00", "2026-11-12T02:00:00.000+08:00", "2026-11-15T04:00:00.000+08:00"]);
		assert.equal(o.events.length, 4); // the two ticks have no order
		assert.deepEqual(o.cases.map((c) => c.rule), oracle.filter((c) => c.order_id === "E1").map((c) => c.rule).reverse());
	});

	test("unknown order: 404; an order_id over 64 bytes: 400", async () => {
		const r = await d.get("/api/v1/orders/NO-SUCH-ORDER");
		assert.equal(r.status, 404);
		assert.deepEqual(r.json, { error: "order not found", detail: "NO-SUCH-ORDER" });
		const r2 = await d.get(`/api/v1/orders/${"x".repeat(65)}`);
		assert.equal(r2.status, 400);
		assert.equal(r2.json.error, "invalid order_id");
		assert.equal((await d.get(`/api/v1/orders/${"x".repeat(64)}`)).status, 404);
	});

	for (const [k, id] of Object.entries(odd)) {
		test(`order ids that need percent-encoding in a path: ${k} (${JSON.stringify(id)})`, async () => {
			const q = await d.get(`/api/v1/cases?order_id=${encodeURIComponent(id)}`);
			assert.equal(q.json.cases.length, 1, "the query string finds its case");
			const r = await d.get(`/api/v1/orders/${encodeURIComponent(id)}`);
			assert.equal(r.status, 200, `GET /api/v1/orders/${encodeURIComponent(id)} -> ${r.status} ${r.text.slice(0, 200)}`);
			assert.equal(r.json.order_id, id);
			assert.deepEqual(r.json.events.map((e) => e.id), [`odd-${k}`]);
		});
	}
});

// ---- limits: body size and rate ----------------------------------------------------------------

describe("--max-body 4096", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp, args: ["--max-body", "4096"] })));
	after(() => d?.stop());
	const sized = (id, size) => {
		const s = ticket(id, "MB1") + "\n";
		return s + "\n".repeat(size - Buffer.byteLength(s));
	};

	test("a body of exactly the limit is accepted", async () => {
		const r = await d.postEvents(sized("mb-1", 4096));
		assert.deepEqual(r.json, { accepted: 1, duplicates: 0, rejected: 0, errors: [] });
	});

	test("over the limit: 413, with Content-Length and chunked, and the daemon still serves", async () => {
		for (const size of [4097, 100000]) {
			const r = await d.postEvents(sized(`mb-big-${size}`, size));
			assert.equal(r.status, 413, `${size} bytes`);
			assert.deepEqual(r.json, { error: "payload too large", detail: "body over the limit of 4096 bytes" });
		}
		const body = new TextEncoder().encode(sized("mb-chunked", 10000));
		const stream = new ReadableStream({ start(c) { c.enqueue(body.subarray(0, 3000)); c.enqueue(body.subarray(3000)); c.close(); } });
		const rc = await d.request("POST", "/api/v1/events", { body: stream, contentType: "application/x-ndjson" });
		assert.equal(rc.status, 413, "chunked");
		assert.equal(rc.json.error, "payload too large");
		// nothing of them was ingested, and the daemon goes on
		assert.equal((await d.get("/healthz")).status, 200);
		const ok = await d.postEvents([ticket("mb-2", "MB1")]);
		assert.deepEqual(ok.json, { accepted: 1, duplicates: 0, rejected: 0, errors: [] });
		const o = await d.get("/api/v1/orders/MB1");
		assert.deepEqual(o.json.events.map((e) => e.id), ["mb-1", "mb-2"]);
		assert.equal(metric((await d.get("/metrics")).text, "ordex_requests_too_large_total"), 3);
	});

	test("a client that sends a large body reads the 413", async () => {
		const r = await d.postEvents(sized("mb-huge", 8 << 20));
		assert.equal(r.status, 413);
	});
});

describe("--rate-limit 5", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp, args: ["--rate-limit", "5"] })));
	after(() => d?.stop());

	test("a burst gets 429 with Retry-After; nothing of a refused request is ingested; tokens come back", async () => {
		let ok = 0, limited = 0, accepted = 0;
		for (let i = 0; i < 30; i++) {
			const r = await d.postEvents([ticket(`rl-${i}`, "RL1")]);
			if (r.status === 200) {
				ok++;
				accepted += r.json.accepted;
			} else {
				assert.equal(r.status, 429);
				limited++;
				assert.equal(r.json.error, "rate limited");
				assert.ok(Number(r.headers.get("retry-after")) >= 1);
			}
		}
		assert.ok(ok >= 5, `${ok} requests passed`);
		assert.ok(limited >= 1, "no request was limited");
		assert.equal(accepted, ok);
		for (const path of ["/api/v1/openapi.json", "/api/v1/cases", "/api/v1/cases/C00000001", "/api/v1/orders/RL1", "/api/nope"]) {
			// a burst at once: one by one, a slow answer (the spec is large) lets the bucket refill
			const rs = await Promise.all(Array.from({ length: 20 }, () => d.get(path)));
			const n = rs.filter((r) => r.status === 429).length;
			assert.ok(n > 0, `${path} is limited too`);
			limited += n;
		}
		// Monitors are never told "too many requests": only /api/ is limited.
		for (const path of ["/", "/healthz", "/metrics", "/nope"])
			for (let i = 0; i < 20; i++)
				assert.notEqual((await d.get(path)).status, 429, `${path} is not limited`);
		await sleep(1500);
		const h = await d.get("/healthz");
		assert.equal(h.status, 200);
		assert.equal(h.json.durable_seq, accepted);
		const m = await d.get("/metrics");
		assert.equal(m.status, 200);
		assert.equal(metric(m.text, "ordex_requests_rate_limited_total"), limited);
		assert.equal(metric(m.text, "ordex_events_accepted_total"), accepted);
	});
});

describe("--queue-max 1", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp, args: ["--queue-max", "1"] })));
	after(() => d?.stop());
	const tick = (id) => JSON.stringify({ id, type: "tick", ts: "2026-11-11T10:00:00.000+08:00" }); // opens no case

	test("a full writer queue: 503 overloaded with Retry-After, and nothing of the refused request is ingested", async () => {
		const refused = [], taken = [];
		let readsRefused = 0;
		// until some are refused and some taken: the order reads may hold the queue against all 8 of a round
		for (let round = 0; round < 30 && (refused.length === 0 || taken.length === 0); round++) {
			const bodies = Array.from({ length: 8 }, (_, k) => Array.from({ length: 2000 }, (_, i) => tick(`ov-${round}-${k}-${i}`)));
			// order reads go through the writer's queue too
			const reads = Array.from({ length: 4 }, () => d.get("/api/v1/orders/OV1"));
			const rs = await Promise.all(bodies.map((lines) => d.postEvents(lines)));
			for (const r of await Promise.all(reads)) {
				assert.ok(r.status === 404 || r.status === 503, `GET /api/v1/orders/OV1: ${r.status}`);
				if (r.status === 503) {
					assert.equal(r.json.error, "overloaded");
					readsRefused++;
				}
			}
			rs.forEach((r, k) => {
				if (r.status === 503) {
					assert.deepEqual(r.json, { error: "overloaded", detail: "the writer queue is full; retry after the given seconds" });
					assert.ok(Number(r.headers.get("retry-after")) >= 1);
					refused.push(bodies[k]);
				} else {
					assert.equal(r.status, 200);
					assert.equal(r.json.accepted, 2000);
					taken.push(bodies[k]);
				}
			});
		}
		assert.ok(refused.length > 0, "8 concurrent requests of 2000 events never found the queue full");
		assert.ok(taken.length > 0, "the queue was never free for one of 8 concurrent requests");
		// one at a time the queue is never full: a refused body is new, a taken one all duplicates
		for (const lines of refused) assert.deepEqual((await d.postEvents(lines)).json, { accepted: 2000, duplicates: 0, rejected: 0, errors: [] });
		assert.deepEqual((await d.postEvents(taken[0])).json, { accepted: 0, duplicates: 2000, rejected: 0, errors: [] });
		const m = (await d.get("/metrics")).text;
		// every refused request counts, the order reads too
		assert.equal(metric(m, "ordex_requests_overloaded_total"), refused.length + readsRefused);
		assert.equal(metric(m, "ordex_events_accepted_total"), 2000 * (taken.length + refused.length));
	});
});

// ---- restarts ----------------------------------------------------------------------------------

describe("restart on the same data directory", () => {
	const snapshot = async (d) => {
		const cases = await d.allCases();
		const full = [];
		for (const c of cases) full.push((await d.get(`/api/v1/cases/${c.case_id}`)).json);
		const orders = {};
		for (const id of ["A1", "B1", "C1", "D1", "E1", "RSP"]) orders[id] = (await d.get(`/api/v1/orders/${id}`)).json;
		return { cases, full, orders, durable: (await d.get("/healthz")).json.durable_seq };
	};

	test("SIGTERM then restart keeps every case; duplicates stay duplicates; kill -9 keeps what was acknowledged", async () => {
		const lines = [...simStream(300, 5), ...Object.entries(examples).flatMap(([n, l]) => prefixIds(l, `rs${n}-`))];
		const d1 = await startDaemon({ check: checkHttp });
		const dataDir = d1.dataDir;
		let d2, d3;
		try {
			const first = await postInBatches(d1, lines, 700);
			// events whose logged text spans lines (a pretty-printed array)
			const pretty = [JSON.parse(ticket("rs-p1", "RSP", { text: "第一行\n第二行" })), JSON.parse(ticket("rs-p2", "RSP"))];
			const rp = await d1.request("POST", "/api/v1/events", { body: JSON.stringify(pretty, null, 2), contentType: "application/json" });
			assert.equal(rp.json.accepted, 2);
			const logged = first.accepted + 2;
			assert.ok(first.accepted > 1000);
			const before = await snapshot(d1);
			assert.ok(before.cases.length > 5);
			assert.equal(before.durable, logged);
			await d1.stop({ keepData: true });

			d2 = await startDaemon({ check: checkHttp, dataDir });
			// the stop wrote a snapshot of everything: nothing is left to replay
			assert.match(d2.stderr, new RegExp(`read snapshot ${logged} `));
			assert.match(d2.stderr, /replayed 0 records/);
			assert.deepEqual(await snapshot(d2), before);
			const again = await postInBatches(d2, lines, 700);
			assert.deepEqual(again, { accepted: 0, duplicates: first.accepted + first.duplicates, rejected: first.rejected });
			assert.deepEqual(await snapshot(d2), before);

			// acknowledged, then kill -9: still there after the restart
			const r = await d2.postEvents([ticket("k9-1", "K9"), ticket("k9-2", "K9", { kind: "damaged" })]);
			assert.equal(r.json.accepted, 2);
			const k9 = await d2.allCases("order_id=K9");
			assert.deepEqual(k9.map((c) => c.rule).sort(), ["CUS_TICKET", "LOG_DAMAGED"]);
			await d2.kill9();

			d3 = await startDaemon({ check: checkHttp, dataDir });
			// no stop, no new snapshot: the one of the stop, then the two records after it
			assert.match(d3.stderr, new RegExp(`read snapshot ${logged} `));
			assert.match(d3.stderr, /replayed 2 records/);
			assert.deepEqual(await d3.allCases("order_id=K9"), k9);
			const after = await snapshot(d3);
			assert.equal(after.durable, logged + 2);
			assert.deepEqual(after.cases.filter((c) => c.order_id !== "K9"), before.cases);
			assert.deepEqual(after.orders, before.orders);
			assert.equal((await d3.postEvents([ticket("k9-1", "K9")])).json.duplicates, 1);
			await d3.stop({ keepData: true });
		} finally {
			for (const d of [d1, d2, d3]) if (d && d.proc.exitCode === null && d.proc.signalCode === null) await d.kill9();
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

describe("--clock wall", () => {
	// A payment that failed 20 minutes ago and was never retried: the
	// 15-minute PAY_FAILED window closed while no event came, so only the
	// wall clock can open the case. Its tick is logged, so a restart
	// reaches the same case without any new event.
	test("deadlines fire on the real clock while sources are quiet, and survive a restart", async () => {
		const ago = (min) => new Date(Date.now() - min * 60000).toISOString();
		const lines = [
			JSON.stringify({ id: "w1", type: "order.created", ts: ago(21), order_id: "W1", channel: "shop", total: "10.00",
				customer: { id: "c-w1", phone: "13812345678", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路1号" } },
				items: [{ sku: "S-W", qty: 1, price: "10.00" }] }),
			JSON.stringify({ id: "w2", type: "payment.failed", ts: ago(20), order_id: "W1", amount: "10.00", method: "alipay", reason: "declined" }),
		];
		const d1 = await startDaemon({ clock: "wall", check: checkHttp });
		const dataDir = d1.dataDir;
		let d2;
		try {
			assert.equal((await d1.postEvents(lines)).json.accepted, 2);
			let cases = [];
			for (let i = 0; i < 50 && cases.length === 0; i++) {
				await sleep(100);
				cases = await d1.allCases("order_id=W1&rule=PAY_FAILED");
			}
			assert.equal(cases.length, 1, "PAY_FAILED opened by the wall clock");
			assert.equal(cases[0].status, "open");
			const m = await d1.get("/metrics");
			assert.ok(metric(m.text, "ordex_wall_ticks_total") >= 1);
			await d1.kill9();
			d2 = await startDaemon({ clock: "event", dataDir, check: checkHttp });
			assert.deepEqual(await d2.allCases("order_id=W1"), cases);
			await d2.stop({ keepData: true });
		} finally {
			for (const d of [d1, d2]) if (d && d.proc.exitCode === null && d.proc.signalCode === null) await d.kill9();
			rmSync(dataDir, { recursive: true, force: true });
		}
	});
});

describe("ordex push", () => {
	// push is the source client: it sends a file in order, reports rejected
	// lines with their line numbers in the file, exits 3 when some were.
	test("a file with bad lines: exit 3, the file's line numbers, the same cases as replay", async () => {
		const file = specExamples().find((f) => basename(f).startsWith("spec-04"));
		const d = await startDaemon({ check: checkHttp });
		try {
			const { spawn } = await import("node:child_process");
			const p = spawn(BIN, ["push", file, "--url", d.base, "--batch", "2", "--token", ADMIN_TOKEN], { stdio: ["ignore", "ignore", "pipe"] });
			let stderr = "";
			p.stderr.setEncoding("utf8");
			p.stderr.on("data", (s) => (stderr += s));
			const code = await new Promise((res) => p.on("exit", res));
			const expected = replay(file);
			assert.equal(code, 3, stderr);
			const wanted = expected.stderr.split("\n").filter((l) => l.startsWith("line "));
			assert.ok(wanted.length > 0);
			assert.deepEqual(stderr.split("\n").filter((l) => l.startsWith("line ")), wanted);
			assert.match(stderr, /ordex push: accepted \d+, duplicates 0, rejected \d+/);
			assert.deepEqual((await d.allCases()).map((c) => c.case_id).sort(), expected.cases.map((c) => c.case_id).sort());
			// again, the token from the environment: everything is a duplicate now
			const again = spawnSync(BIN, ["push", file, "--url", d.base], { encoding: "utf8", env: { ...process.env, ORDEX_TOKEN: ADMIN_TOKEN } });
			assert.equal(again.status, 3, again.stderr);
			assert.match(again.stderr, /accepted 0, duplicates \d+/);
			// without a token: refused, nothing sent, exit 2 with the daemon's reason
			const anon = spawnSync(BIN, ["push", file, "--url", d.base], { encoding: "utf8", env: { ...process.env, ORDEX_TOKEN: "" } });
			assert.equal(anon.status, 2, anon.stderr);
			assert.match(anon.stderr, /HTTP 401: .*unauthorized/);
		} finally {
			await d.stop();
		}
	});

	test("no daemon: exit 2 with the reason, after retrying for --retry-for", () => {
		const r = spawnSync(BIN, ["push", "-", "--url", "http://127.0.0.1:1", "--retry-for", "1"], { input: "{}\n", encoding: "utf8", timeout: 30000 });
		assert.equal(r.status, 2, r.stderr);
		assert.match(r.stderr, /127\.0\.0\.1:1: .*gave up/);
	});
});
