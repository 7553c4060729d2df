// reports.test.mjs - GET /api/v1/reports/... (docs/reports.md): a simulated
// shop streamed through a daemon (--clock event), then every report checked
// against a direct count: of the stream itself for the counts (orders,
// payments, shipments), of the daemon's case list for the case figures.
// Also: the period and channel filters, the CSV export, who may read them,
// counts surviving kill -9 without counting twice, and `ordex report`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ADMIN_TOKEN, BIN, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-reports-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const HOUR = 3600000;
const START = "2026-11-11T00:00:00+08:00";
const T0 = Date.parse(START);
const STREAM = join(TMP, "sim.ndjson");
// two periods: the whole stream, and its first three hours (whole hours:
// the counts are kept per hour)
const ALL = { from: T0 - 24 * HOUR, to: T0 + 30 * 24 * HOUR };
const EARLY = { from: T0, to: T0 + 3 * HOUR };

function simulate() {
	const r = spawnSync(BIN, ["sim", "--orders", "1500", "--start", START, "--hours", "6", "--seed", "41", "--out", STREAM], { encoding: "utf8" });
	assert.equal(r.status, 0, r.stderr);
	return readFileSync(STREAM, "utf8").split("\n").filter((l) => l.trim());
}

/* The counts of docs/reports.md, computed from the stream as the engine
 * sees it: events in order, a repeated event id once. */
function countStream(lines) {
	const seen = new Set();
	const orders = new Map(); // order_id -> { channel, shop, province, method, created, payments:Set, ships: Map }
	const counts = []; // { metric, ts, channel, shop, dim }
	const order = (id) => {
		if (!orders.has(id)) orders.set(id, { channel: "", shop: "", province: "", method: "", created: false, payments: new Set(), ships: new Map() });
		return orders.get(id);
	};
	const add = (metric, ts, o, dim) => counts.push({ metric, ts, channel: o.channel, shop: o.shop, dim });
	for (const line of lines) {
		const ev = JSON.parse(line);
		if (seen.has(ev.id)) continue;
		seen.add(ev.id);
		if (!ev.order_id || ev.type.startsWith("inventory.level") || ev.type === "inventory.low_stock") continue;
		const ts = Date.parse(ev.ts);
		const o = order(ev.order_id);
		if (ev.type === "order.created") {
			if (o.created) continue;
			o.created = true;
			o.channel = ev.channel;
			o.shop = ev.shop ?? "";
			o.province = ev.customer.address.province;
			add("orders", ts, o, o.province);
		} else if (ev.type === "payment.failed" || ev.type === "payment.succeeded") {
			if (ev.method) o.method = ev.method;
			if (ev.type === "payment.failed") {
				add("pay_attempts", ts, o, o.method);
			} else if (!o.payments.has(ev.payment_id)) {
				o.payments.add(ev.payment_id);
				add("pay_attempts", ts, o, o.method);
				add("pay_succeeded", ts, o, o.method);
			}
		} else if (ev.type === "shipment.created" || ev.type === "shipment.track") {
			if (!o.ships.has(ev.tracking_no)) o.ships.set(ev.tracking_no, { carrier: "", counted: new Set() });
			const s = o.ships.get(ev.tracking_no);
			if (ev.type === "shipment.created") {
				s.carrier = ev.carrier;
				if (!s.counted.has("created")) {
					s.counted.add("created");
					add("shipments", ts, o, s.carrier);
				}
			} else if (ev.status === "lost" && !s.counted.has("lost")) {
				s.counted.add("lost");
				add("lost", ts, o, s.carrier);
			} else if (ev.status === "delivered" && !s.counted.has("delivered")) {
				s.counted.add("delivered");
				add("delivered", ts, o, s.carrier);
			}
		}
	}
	return counts;
}

/* Sum of counts of a metric in a period (by hour start), grouped by dim. */
function sumBy(counts, metric, { from, to }, channel) {
	const out = {};
	for (const c of counts) {
		const hour = Math.floor(c.ts / HOUR) * HOUR;
		if (c.metric !== metric || hour < from || hour >= to || (channel && c.channel !== channel)) continue;
		out[c.dim] = (out[c.dim] ?? 0) + 1;
	}
	return out;
}
const total = (o) => Object.values(o).reduce((a, b) => a + b, 0);
const iso = (ms) => new Date(ms).toISOString();
const inPeriod = (t, { from, to }) => t !== null && Date.parse(t) >= from && Date.parse(t) < to;
const query = (p, more = {}) => new URLSearchParams({ from: iso(p.from), to: iso(p.to), ...more }).toString();

describe("reports", () => {
	let d, lines, counts, cases, tokens;
	before(async () => {
		lines = simulate();
		counts = countStream(lines);
		d = await startDaemon({ check: checkHttp });
		for (let i = 0; i < lines.length; i += 2000) {
			const r = await d.postEvents(lines.slice(i, i + 2000));
			assert.equal(r.status, 200, r.text);
		}
		// a person resolves three cases: two false positives of one rule
		cases = await d.allCases();
		const open = cases.filter((c) => c.status === "open" && c.order_id);
		const rule = open.find((c) => open.filter((x) => x.rule === c.rule).length >= 3).rule;
		const mine = open.filter((c) => c.rule === rule).slice(0, 3);
		const codes = (await d.get(`/api/v1/cases/${mine[0].case_id}`)).json.playbook.resolutions;
		const real = codes.find((x) => x !== "false_positive");
		for (const [i, c] of mine.entries()) {
			const body = { to: "resolved", resolution: i < 2 ? "false_positive" : real, root_cause: i < 2 ? "system" : "customer", note: "复盘测试" };
			const r = await d.request("POST", `/api/v1/cases/${c.case_id}/transition`, { body });
			assert.equal(r.status, 200, r.text);
		}
		cases = await d.allCases();
		tokens = {};
		for (const role of ["supervisor", "agent", "viewer", "ingest"]) {
			const t = await d.request("POST", "/api/v1/tokens", { body: { name: `t-${role}`, role } });
			assert.equal(t.status, 201, t.text);
			tokens[role] = t.json.secret;
		}
	});
	after(async () => d && (await d.stop()));

	const report = async (name, q, token) => {
		const r = await d.get(`/api/v1/reports/${name}?${q}`, { token });
		assert.equal(r.status, 200, r.text);
		return r.json;
	};

	test("summary: every figure against a direct count", async () => {
		for (const p of [ALL, EARLY]) {
			const f = (await report("summary", query(p))).figures;
			const opened = cases.filter((c) => inPeriod(c.opened_at, p));
			const resolved = cases.filter((c) => inPeriod(c.resolved_at, p));
			assert.equal(f.open_cases, cases.filter((c) => !["resolved", "closed", "auto_resolved"].includes(c.status)).length);
			assert.equal(f.opened, opened.length);
			assert.ok(f.opened > 0);
			assert.equal(f.resolved, resolved.length);
			assert.equal(f.auto_resolved, resolved.filter((c) => c.status === "auto_resolved").length);
			const within = resolved.filter((c) => !c.sla.breached).length;
			assert.equal(f.within_sla, within);
			assert.equal(f.sla_compliance, resolved.length ? Math.round((within / resolved.length) * 1e4) / 1e4 : null);
			const mttr = resolved.reduce((a, c) => a + Date.parse(c.resolved_at) - Date.parse(c.opened_at), 0) / resolved.length / 60000;
			assert.ok(Math.abs(f.mttr_minutes - mttr) <= 0.05, `mttr ${f.mttr_minutes} vs ${mttr}`);
			assert.equal(f.orders, total(sumBy(counts, "orders", p)));
			assert.equal(f.pay_attempts, total(sumBy(counts, "pay_attempts", p)));
			assert.equal(f.pay_succeeded, total(sumBy(counts, "pay_succeeded", p)));
			assert.equal(f.payment_success_rate, Math.round((f.pay_succeeded / f.pay_attempts) * 1e4) / 1e4);
			assert.ok(f.orders_shipped > 0 && f.shipped_on_time <= f.orders_shipped);
		}
		const early = (await report("summary", query(EARLY))).figures, all = (await report("summary", query(ALL))).figures;
		assert.ok(early.orders < all.orders, "the period filters");
	});

	test("cases over time: hour and day buckets sum to the cases opened, per rule", async () => {
		const want = {};
		for (const c of cases.filter((c) => inPeriod(c.opened_at, ALL))) want[c.rule] = (want[c.rule] ?? 0) + 1;
		for (const bucket of ["hour", "day"]) {
			const r = await report("cases", query(ALL, { bucket }));
			assert.equal(r.bucket, bucket);
			const got = {};
			for (const row of r.rows) got[row.rule] = (got[row.rule] ?? 0) + row.cases;
			assert.deepEqual(got, want);
			const size = bucket === "hour" ? HOUR : 24 * HOUR;
			for (const row of r.rows) assert.equal((Date.parse(row.bucket) + 8 * HOUR) % size, 0, `${row.bucket} starts an Asia/Shanghai ${bucket}`);
		}
		// one bucket against the case list
		const r = await report("cases", query(ALL));
		const row = r.rows[0];
		const n = cases.filter((c) => c.rule === row.rule && Date.parse(c.opened_at) >= Date.parse(row.bucket) && Date.parse(c.opened_at) < Date.parse(row.bucket) + HOUR).length;
		assert.equal(row.cases, n);
	});

	test("regions: cases and orders per province", async () => {
		const r = await report("regions", query(ALL, { limit: "1000" }));
		const orders = sumBy(counts, "orders", ALL);
		assert.ok(r.rows.length > 5);
		for (const row of r.rows) {
			assert.equal(row.cases, cases.filter((c) => c.province === row.province && inPeriod(c.opened_at, ALL)).length, row.province);
			assert.equal(row.orders, orders[row.province] ?? 0, row.province);
		}
		assert.equal(r.rows.reduce((a, x) => a + x.orders, 0), total(orders));
		const top = await report("regions", query(ALL, { limit: "2" }));
		assert.equal(top.rows.length, 2);
		assert.deepEqual(top.rows, r.rows.slice(0, 2));
	});

	test("skus: the top SKUs by cases", async () => {
		const want = {};
		for (const c of cases.filter((c) => inPeriod(c.opened_at, ALL))) for (const s of c.skus) want[s] = (want[s] ?? 0) + 1;
		const r = await report("skus", query(ALL, { limit: "5" }));
		assert.equal(r.rows.length, 5);
		const best = Object.values(want).sort((a, b) => b - a).slice(0, 5);
		assert.deepEqual(r.rows.map((x) => x.cases), best);
		for (const row of r.rows) assert.equal(row.cases, want[row.sku]);
	});

	test("heatmap: weekday x hour in Asia/Shanghai time", async () => {
		const r = await report("heatmap", query(ALL));
		const want = {};
		for (const c of cases.filter((c) => inPeriod(c.opened_at, ALL))) {
			const local = new Date(Date.parse(c.opened_at) + 8 * HOUR);
			const key = `${((local.getUTCDay() + 6) % 7) + 1}/${local.getUTCHours()}`;
			want[key] = (want[key] ?? 0) + 1;
		}
		assert.deepEqual(Object.fromEntries(r.rows.map((x) => [`${x.weekday}/${x.hour}`, x.cases])), want);
		// 2026-11-11 is a Wednesday
		assert.ok(r.rows.some((x) => x.weekday === 3 && x.hour === 0));
	});

	test("carriers: shipments and losses from the stream, stalls from the cases", async () => {
		const r = await report("carriers", query(ALL));
		const ships = sumBy(counts, "shipments", ALL), lost = sumBy(counts, "lost", ALL), delivered = sumBy(counts, "delivered", ALL);
		delete ships[""];
		assert.deepEqual(Object.fromEntries(r.rows.map((x) => [x.carrier, x.shipments])), ships);
		for (const row of r.rows) {
			assert.equal(row.lost, lost[row.carrier] ?? 0);
			assert.equal(row.delivered, delivered[row.carrier] ?? 0);
			const mine = cases.filter((c) => c.carrier === row.carrier && inPeriod(c.opened_at, ALL));
			assert.equal(row.cases, mine.length);
			assert.equal(row.stalled, mine.filter((c) => c.rule === "LOG_STALLED").length);
			assert.equal(row.lost_rate, Math.round((row.lost / row.shipments) * 1e4) / 1e4);
		}
		assert.ok(cases.every((c) => c.carrier === null || c.category === "logistics"));
	});

	test("payments: attempts and successes per method", async () => {
		const r = await report("payments", query(ALL));
		const att = sumBy(counts, "pay_attempts", ALL), ok = sumBy(counts, "pay_succeeded", ALL);
		assert.deepEqual(Object.fromEntries(r.rows.map((x) => [x.method, [x.attempts, x.succeeded]])),
			Object.fromEntries(Object.keys(att).map((m) => [m, [att[m], ok[m] ?? 0]])));
		for (const row of r.rows) assert.equal(row.cases, cases.filter((c) => c.payment_method === row.method && inPeriod(c.opened_at, ALL)).length);
	});

	test("review: by rule and category, false positives, root causes, repeat customers; no compensation or automation made up", async () => {
		const r = await report("review", query(ALL, { limit: "1000" }));
		const opened = cases.filter((c) => inPeriod(c.opened_at, ALL));
		assert.equal(r.totals.opened, opened.length);
		assert.equal(r.by_rule.reduce((a, x) => a + x.opened, 0), opened.length);
		assert.equal(r.by_category.reduce((a, x) => a + x.opened, 0), opened.length);
		assert.equal(r.totals.sla_breached, opened.filter((c) => c.sla.breached).length);
		assert.equal(r.totals.resolved_by_person, 3);
		assert.equal(r.totals.false_positive, 2);
		const fp = r.by_rule.find((x) => x.false_positive > 0);
		assert.equal(fp.resolved_by_person, 3);
		assert.equal(fp.false_positive_rate, 0.6667);
		assert.deepEqual(r.root_causes, [{ root_cause: "system", cases: 2 }, { root_cause: "customer", cases: 1 }]);
		const per = {};
		for (const c of opened.filter((c) => c.customer_id)) (per[c.customer_id] ??= new Set()).add(c.order_id);
		const repeat = Object.entries(per).filter(([, s]) => s.size >= 2).map(([k]) => k).sort();
		assert.deepEqual(r.repeat_customers.map((x) => x.customer_id).sort(), repeat);
		// no merchant endpoints here: nothing was given, nothing ran (compensation.test.mjs has both)
		assert.deepEqual(r.compensation, []);
		assert.deepEqual(r.automatic_actions, []);
	});

	test("channel filter: cases and counts of one channel only", async () => {
		const channel = cases.find((c) => c.channel).channel;
		const f = (await report("summary", query(ALL, { channel }))).figures;
		assert.equal(f.opened, cases.filter((c) => c.channel === channel && inPeriod(c.opened_at, ALL)).length);
		assert.equal(f.orders, total(sumBy(counts, "orders", ALL, channel)));
		const all = (await report("summary", query(ALL))).figures;
		assert.ok(f.orders < all.orders);
		const listed = await d.allCases(`channel=${channel}`);
		assert.deepEqual(listed.map((c) => c.case_id), cases.filter((c) => c.channel === channel).map((c) => c.case_id), "GET /api/v1/cases?channel=");
		const none = (await report("summary", query(ALL, { shop: "no-such-shop" }))).figures;
		assert.equal(none.opened, 0);
		assert.equal(none.payment_success_rate, null);
	});

	test("CSV: a BOM, a header row and the JSON's rows", async () => {
		const json = await report("payments", query(ALL));
		const r = await d.get(`/api/v1/reports/payments?${query(ALL, { format: "csv" })}`);
		assert.equal(r.status, 200);
		assert.match(r.contentType, /^text\/csv; charset=utf-8/);
		assert.match(r.headers.get("content-disposition"), /filename="ordex-payments.csv"/);
		const raw = Buffer.from(await (await fetch(`${d.base}/api/v1/reports/regions?${query(ALL, { format: "csv" })}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).arrayBuffer());
		assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
		assert.match(raw.toString("utf8"), /省/, "Chinese as UTF-8");
		const rows = r.text.replace(/^\uFEFF/, "").split("\r\n").filter(Boolean);
		assert.equal(rows[0], "method,attempts,succeeded,success_rate,cases");
		assert.equal(rows.length, json.rows.length + 1);
		assert.equal(rows[1], Object.values(json.rows[0]).map((v) => v ?? "").join(","));
		const review = await d.get(`/api/v1/reports/review?${query(ALL, { format: "csv" })}`);
		assert.match(review.text, /^# totals\r\nopened,sla_breached,/); // fetch's text() drops the BOM
		assert.match(review.text, /\r\n# by_rule\r\nrule,category,/);
	});

	test("bad queries are 400 with the parameter named", async () => {
		for (const [q, re] of [["from=yesterday", /^from:/], [`from=${iso(ALL.to)}&to=${iso(ALL.from)}`, /^from: must be before to/], ["format=xml", /^format:/], ["limit=0", /^limit:/], ["bucket=week", /^bucket:/]]) {
			const r = await d.get(`/api/v1/reports/cases?${q}`);
			assert.equal(r.status, 400, q);
			assert.match(r.json.detail, re);
		}
	});

	test("who may read reports: admin, supervisor, viewer; not agent or ingest", async () => {
		for (const [role, status] of [["supervisor", 200], ["viewer", 200], ["agent", 403], ["ingest", 403]]) {
			for (const name of ["summary", "review"]) {
				const r = await d.get(`/api/v1/reports/${name}`, { token: tokens[role] });
				assert.equal(r.status, status, `${role} ${name}`);
			}
		}
		assert.equal((await d.get("/api/v1/reports/summary", { token: null })).status, 401);
	});

	test("ordex report review: the store read-only, in md, csv and json", () => {
		const args = ["report", "review", "--data", d.dataDir, "--from", iso(ALL.from), "--to", iso(ALL.to)];
		const md = spawnSync(BIN, args, { encoding: "utf8" });
		assert.equal(md.status, 0, md.stderr);
		assert.match(md.stdout, /^# ordex review 报告 \/ review report/);
		assert.match(md.stdout, /## 按规则 \/ By rule\n\n\| rule \| category \| opened/);
		assert.match(md.stdout, /## 补偿支出 \/ Compensation spend\n\n\| kind \| requested \| granted \| amount /);
		const en = spawnSync(BIN, [...args, "--lang", "en"], { encoding: "utf8" });
		assert.match(en.stdout, /## By rule\n/);
		const js = spawnSync(BIN, [...args, "--format", "json", "--limit", "1000"], { encoding: "utf8" });
		assert.equal(js.status, 0, js.stderr);
		const r = JSON.parse(js.stdout);
		assert.equal(r.totals.opened, cases.filter((c) => inPeriod(c.opened_at, ALL)).length);
		const csv = spawnSync(BIN, [...args, "--format", "csv"], { encoding: "utf8" });
		assert.match(csv.stdout, /^\uFEFF# totals\r\n/);
		const bad = spawnSync(BIN, ["report", "review", "--data", d.dataDir, "--format", "xml"], { encoding: "utf8" });
		assert.equal(bad.status, 2);
		const none = spawnSync(BIN, ["report", "review", "--data", join(TMP, "nothing")], { encoding: "utf8" });
		assert.equal(none.status, 1);
	});
});

describe("counts survive kill -9 and are not counted twice", () => {
	test("restart replays the log; the store keeps exactly one count per event", async () => {
		const lines = readFileSync(STREAM, "utf8").split("\n").filter((l) => l.trim()).slice(0, 6000);
		const d = await startDaemon({ check: checkHttp });
		try {
			const half = Math.floor(lines.length / 2);
			assert.equal((await d.postEvents(lines.slice(0, half))).status, 200);
			const before = (await d.get(`/api/v1/reports/summary?${query(ALL)}`)).json.figures;
			await d.kill9();
			const d2 = await startDaemon({ dataDir: d.dataDir, check: checkHttp });
			try {
				const again = (await d2.get(`/api/v1/reports/summary?${query(ALL)}`)).json.figures;
				assert.deepEqual(again, before, "a replay adds no count");
				assert.equal((await d2.postEvents(lines.slice(half))).status, 200);
				const f = (await d2.get(`/api/v1/reports/summary?${query(ALL)}`)).json.figures;
				const counts = countStream(lines);
				assert.equal(f.orders, total(sumBy(counts, "orders", ALL)));
				assert.equal(f.pay_attempts, total(sumBy(counts, "pay_attempts", ALL)));
			} finally {
				await d2.stop({ keepData: true });
			}
		} finally {
			d.removeData();
		}
	});
});

describe("the satisfaction survey (售后回访)", () => {
	const T = Date.parse("2026-11-11T10:00:00+08:00");
	const order = (id, min) => JSON.stringify({
		id: `q${id}`, type: "order.created", ts: new Date(T + min * 60000).toISOString(), order_id: id, channel: "tmall",
		customer: { id: `cust-${id}`, phone: "1381234567", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
		items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
	});
	const act = (d, id, what, body, token) => d.request("POST", `/api/v1/cases/${id}/${what}`, { body, token });

	test("due on resolving, answers on resolved cases only, corrections kept, replayed after kill -9, averaged in the review", async () => {
		const d = await startDaemon({ check: checkHttp });
		let d2;
		try {
			assert.equal((await d.postEvents([order("V1", 0), order("V2", 1)])).status, 200);
			const [c1, c2] = (await d.allCases()).filter((c) => c.rule === "CUS_PHONE_INVALID").sort((a, b) => a.case_id.localeCompare(b.case_id));
			const early = await act(d, c1.case_id, "csat", { score: 4 });
			assert.equal(early.status, 409, early.text);
			assert.match(early.json.detail, /resolved or closed/);
			for (const c of [c1, c2]) {
				const r = await act(d, c.case_id, "transition", { to: "resolved", resolution: "phone_corrected", root_cause: "customer", note: "改好了" });
				assert.equal(r.status, 200, r.text);
				assert.deepEqual(r.json.timeline.filter((t) => t.action === "survey_due").length, 1);
				assert.equal(r.json.timeline.at(-1).action, "survey_due");
			}
			for (const body of [{}, { score: 0 }, { score: 6 }, { score: "5" }, { score: 4, comment: 7 }, { score: 4, extra: 1 }]) {
				const r = await act(d, c1.case_id, "csat", body);
				assert.equal(r.status, 400, JSON.stringify(body) + r.text);
			}
			const t = await d.request("POST", "/api/v1/tokens", { body: { name: "v", role: "viewer" } });
			assert.equal((await act(d, c1.case_id, "csat", { score: 5 }, t.json.secret)).status, 403);
			let r = await act(d, c1.case_id, "csat", { score: 2, comment: "太慢了" });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.json.csat.score, 2);
			assert.equal(r.json.csat.comment, "太慢了");
			r = await act(d, c1.case_id, "csat", { score: 3, comment: "更正：其实还行" });
			assert.equal(r.json.csat.score, 3);
			assert.deepEqual(r.json.timeline.filter((x) => x.action === "csat").map((x) => x.note), ["2 太慢了", "3 更正：其实还行"]);
			assert.equal((await act(d, c2.case_id, "csat", { score: 5, comment: "满意，回电13812345678" })).status, 200);
			// the customer's words are masked for a role without pii, like notes
			const seen = (await d.get(`/api/v1/cases/${c2.case_id}`, { token: t.json.secret })).json;
			assert.equal(seen.csat.comment, "满意，回电138****5678");
			assert.equal(seen.timeline.at(-1).note, "5 满意，回电138****5678");
			assert.equal((await d.get(`/api/v1/cases/${c2.case_id}`)).json.csat.comment, "满意，回电13812345678");
			const listed = await d.allCases("rule=CUS_PHONE_INVALID");
			assert.deepEqual(listed.map((c) => c.csat?.score).sort(), [3, 5]);
			const audit = await d.get("/api/v1/audit?action=case.csat");
			assert.equal(audit.json.entries.length, 3, audit.text);
			const period = query({ from: T - HOUR, to: T + 24 * HOUR });
			const before = await d.get(`/api/v1/reports/review?${period}`);
			assert.equal(before.json.totals.csat_answers, 2);
			assert.equal(before.json.totals.csat_avg, 4);
			assert.deepEqual(before.json.csat, [{ category: "customer", answers: 2, avg_score: 4, unhappy: 0 }]);

			const one = (await d.get(`/api/v1/cases/${c1.case_id}`)).json;
			await d.kill9();
			d2 = await startDaemon({ dataDir: d.dataDir, check: checkHttp });
			const again = (await d2.get(`/api/v1/cases/${c1.case_id}`)).json;
			assert.deepEqual(again, one, "the answers replay as they were");
			assert.deepEqual((await d2.get(`/api/v1/reports/review?${period}`)).json, before.json);
			// the store rebuilt from the log alone gives the same
			await d2.stop({ keepData: true });
			rmSync(join(d.dataDir, "cases.db"), { force: true });
			rmSync(join(d.dataDir, "cases.db-wal"), { force: true });
			rmSync(join(d.dataDir, "cases.db-shm"), { force: true });
			d2 = await startDaemon({ dataDir: d.dataDir, check: checkHttp });
			assert.deepEqual((await d2.get(`/api/v1/cases/${c1.case_id}`)).json, one);
			assert.deepEqual((await d2.get(`/api/v1/reports/review?${period}`)).json, before.json);
		} finally {
			if (d2) await d2.stop({ keepData: true });
			d.removeData();
		}
	});
});
