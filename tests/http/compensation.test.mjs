// compensation.test.mjs - compensation within each role's authority
// (docs/compensation.md) against a real daemon and a real fake merchant:
// per-role limits and approvals, the team's daily budget on the event
// clock, points at their price, gifts, repeat customers flagged, dry runs,
// a failed call giving its budget back, the reports, and kill -9 + replay
// deciding alike. Every answer is checked against docs/openapi.json.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startMerchant } from "./merchant.mjs";
import { startReceiver } from "./receiver.mjs";
import { startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-comp-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const SECRET = "merchant-secret-0123456789";
const KINDS = ["issue_coupon", "add_points", "partial_refund", "send_gift", "send_message"];
const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;
const ADDRESS = { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" };

/* An order whose phone is no phone: CUS_PHONE_INVALID opens at once, for customer. */
const badPhone = (orderId, min, customer = "c1") => JSON.stringify({
	id: `p${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall", shop: "悦家旗舰店",
	customer: { id: customer, name: "张三", phone: "1381234567", address: ADDRESS },
	items: [{ sku: "S1", qty: 1, price: "99.00" }], total: "99.00",
});
const tick = (min) => JSON.stringify({ id: `p${nextId++}`, type: "tick", ts: ts(min) });

/* extra: more YAML (an alerts: section). */
function config(m, compensation, extra = "") {
	const file = join(TMP, `config-${nextId++}.yaml`);
	const eps = KINDS.map((k) => `    ${k}: { url: "${m.url}/${k}", secret_env: ORDEX_TEST_MERCHANT_SECRET }`).join("\n");
	writeFileSync(file, `teams:\n  cs: { lead: wang.lei, members: [li.na] }\n` +
		`actions:\n  defaults:\n    timeout: 2s\n    retries: 0\n  endpoints:\n${eps}\n  compensation:\n${compensation}\n${extra}`);
	return file;
}

async function daemon(m, compensation, opts = {}, extra = "") {
	process.env.ORDEX_TEST_MERCHANT_SECRET = SECRET;
	return startDaemon({ check: process.env.NOCHECK ? null : checkHttp,
		args: ["--config", config(m, compensation, extra)], ...opts });
}

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.accepted, lines.length, r.text);
}

async function caseOf(d, orderId) {
	const r = await d.get(`/api/v1/cases?order_id=${orderId}`);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.cases.length, 1, r.text);
	return r.json.cases[0].case_id;
}

async function people(d) {
	const tokens = {};
	for (const [name, role, teams] of [["sup", "supervisor", []], ["li.na", "agent", ["cs"]], ["vic", "viewer", []]]) {
		const u = await d.request("POST", "/api/v1/users", { body: { name, role, teams, password: "correct horse 1", display: "测试" } });
		assert.equal(u.status, 201, u.text);
		const t = await d.request("POST", "/api/v1/tokens", { body: { name: `t-${name}`, role, user: name } });
		assert.equal(t.status, 201, t.text);
		tokens[name] = t.json.secret;
	}
	return tokens;
}

const compensate = (d, id, body, token) => d.request("POST", `/api/v1/cases/${id}/compensations`, { body, token });
const approve = (d, callId, token) => d.request("POST", `/api/v1/actions/${callId}/approve`, { body: { note: "同意" }, token });

async function waitCall(d, callId, pred, timeoutMs = 15000) {
	const caseId = callId.replace(/-\d+$/, "");
	const t0 = Date.now();
	for (;;) {
		const c = await d.get(`/api/v1/cases/${caseId}`);
		assert.equal(c.status, 200, c.text);
		const k = c.json.calls.find((x) => x.id === callId);
		if (k && pred(k)) return { call: k, case: c.json };
		if (Date.now() - t0 > timeoutMs) assert.fail(`call ${callId} did not get there: ${JSON.stringify(k)}`);
		await new Promise((r) => setTimeout(r, 30));
	}
}

describe("limits per role and approvals", () => {
	let m, rx, d, tokens, caseId;
	before(async () => {
		m = await startMerchant({ secret: SECRET });
		rx = await startReceiver();
		// approvals reach the supervisors' channel; nothing else goes there
		d = await daemon(m, "    repeat_after: 3\n", {}, `alerts:\n  channels:\n    sup: { type: webhook, url: "${rx.url}/sup" }\n` +
			"  route:\n    receiver: sup\n    group_by: [case, kind]\n    group_wait: 1ms\n    group_interval: 1ms\n" +
			"    routes:\n      - match: { kind: [approval] }\n        receiver: sup\n      - match: { kind: [opened, escalated, sla_breached, resolved, reminder] }\n        receiver: sup\n");
		tokens = await people(d);
		await post(d, [badPhone("L1", 0)]);
		caseId = await caseOf(d, "L1");
	});
	after(async () => {
		await d?.stop();
		await m?.close();
		await rx?.close();
	});

	test("/me tells each role its limit: agent 20, supervisor 200, admin none", async () => {
		const limits = { "li.na": "20.00", sup: "200.00", vic: "0.00" };
		for (const [who, limit] of Object.entries(limits)) {
			const r = await d.get("/api/v1/me", { token: tokens[who] });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.json.compensation_limit, limit, who);
		}
		const r = await d.get("/api/v1/me");
		assert.equal(r.json.compensation_limit, null);
	});

	test("an agent's coupon within the limit goes at once and is sent", async () => {
		const r = await compensate(d, caseId, { kind: "coupon", amount: "20.00", reason: "久等了" }, tokens["li.na"]);
		assert.equal(r.status, 202, r.text);
		const k = r.json.calls.at(-1);
		assert.equal(k.kind, "issue_coupon");
		assert.equal(k.state, "requested");
		assert.deepEqual(k.params, { amount: "20.00", reason: "久等了" });
		assert.equal(k.compensation.kind, "coupon");
		assert.equal(k.compensation.value, "20.00");
		assert.equal(k.compensation.team, "cs");
		assert.equal(k.compensation.waited, null);
		assert.ok(k.compensation.granted_at);
		const done = await waitCall(d, k.id, (x) => x.state === "succeeded");
		assert.equal(done.call.outcome.http_status, 200);
		assert.equal(m.effectsOf(k.id).length, 1);
	});

	test("above the agent's limit it waits; an agent cannot approve, a supervisor can", async () => {
		let r = await compensate(d, caseId, { kind: "coupon", amount: "20.01" }, tokens["li.na"]);
		assert.equal(r.status, 202, r.text);
		const k = r.json.calls.at(-1);
		assert.equal(k.state, "awaiting_approval");
		assert.equal(k.compensation.waited, "above_limit");
		assert.equal(k.compensation.granted_at, null);
		assert.ok(r.json.timeline.some((t) => t.action === "call" && t.note === `issue_coupon ${k.id} awaits approval (above_limit)`),
			JSON.stringify(r.json.timeline.at(-1)));
		assert.equal(m.requests.filter((q) => q.key === k.id).length, 0, "nothing sent before approval");
		// the supervisors are told
		const told = () => rx.requests.filter((q) => JSON.stringify(q.json).includes('"kind":"approval"') &&
			JSON.stringify(q.json).includes(caseId));
		for (let i = 0; i < 300 && told().length === 0; i++) await new Promise((res) => setTimeout(res, 20));
		assert.equal(told().length, 1, JSON.stringify(rx.requests.map((q) => q.json)));
		assert.equal(rx.requests.filter((q) => JSON.stringify(q.json).includes('"kind":"approval"')).length, 1,
			"one approval asked so far: the coupon within the limit asked nobody");
		// the supervisors' queue of cases with a call waiting for them
		let q = await d.get("/api/v1/cases?call_state=awaiting_approval");
		assert.deepEqual(q.json.cases.map((c) => c.case_id), [caseId]);
		q = await d.get("/api/v1/cases/counts?call_state=awaiting_approval");
		assert.equal(q.json.total, 1, q.text);
		q = await d.get("/api/v1/cases?call_state=waiting");
		assert.equal(q.status, 400, q.text);
		assert.match(q.json.detail, /^call_state: expected awaiting_approval/);
		r = await approve(d, k.id, tokens["li.na"]);
		assert.equal(r.status, 403, r.text);
		r = await approve(d, k.id, tokens.sup);
		assert.equal(r.status, 200, r.text);
		q = await d.get("/api/v1/cases?call_state=awaiting_approval");
		assert.deepEqual(q.json.cases, [], "approved: nothing waits");
		const done = await waitCall(d, k.id, (x) => x.state === "succeeded");
		assert.equal(done.call.approved_by, "token:t-sup");
		assert.equal(done.call.compensation.waited, "above_limit", "why it waited stays");
		assert.ok(done.call.compensation.granted_at);
	});

	test("above a supervisor's own limit only someone with a higher one approves", async () => {
		let r = await compensate(d, caseId, { kind: "partial_refund", amount: "250" }, tokens.sup);
		assert.equal(r.status, 202, r.text);
		const k = r.json.calls.at(-1);
		assert.equal(k.kind, "partial_refund");
		assert.equal(k.state, "awaiting_approval");
		r = await approve(d, k.id, tokens.sup);
		assert.equal(r.status, 403, r.text);
		assert.match(r.json.detail, /above your compensation limit of 200\.00/);
		r = await approve(d, k.id); // the admin: no limit
		assert.equal(r.status, 200, r.text);
		await waitCall(d, k.id, (x) => x.state === "succeeded");
	});

	test("points are worth their price: 100 points a yuan, rounded up", async () => {
		let r = await compensate(d, caseId, { kind: "points", points: 2000 }, tokens["li.na"]);
		assert.equal(r.status, 202, r.text);
		let k = r.json.calls.at(-1);
		assert.equal(k.kind, "add_points");
		assert.deepEqual(k.params, { points: 2000 });
		assert.equal(k.compensation.value, "20.00");
		assert.equal(k.state, "requested");
		r = await compensate(d, caseId, { kind: "points", points: 2001 }, tokens["li.na"]);
		k = r.json.calls.at(-1);
		assert.equal(k.compensation.value, "20.01");
		assert.equal(k.state, "awaiting_approval");
	});

	test("a gift says what it is and what it is worth", async () => {
		let r = await compensate(d, caseId, { kind: "gift", amount: "15" }, tokens["li.na"]);
		assert.equal(r.status, 400, r.text);
		assert.match(r.json.detail, /^gift: required/);
		r = await compensate(d, caseId, { kind: "gift", gift: "保温杯" }, tokens["li.na"]);
		assert.equal(r.status, 400, r.text);
		assert.match(r.json.detail, /^amount: required for gift/);
		r = await compensate(d, caseId, { kind: "gift", gift: "保温杯", amount: "15" }, tokens["li.na"]);
		assert.equal(r.status, 202, r.text);
		const k = r.json.calls.at(-1);
		assert.equal(k.kind, "send_gift");
		assert.deepEqual(k.params, { gift: "保温杯", amount: "15.00" });
		assert.equal(k.compensation.kind, "gift");
	});

	test("bad bodies and roles are refused", async () => {
		for (const [body, re] of [[{ kind: "cash", amount: "1" }, /^kind:/], [{ kind: "coupon" }, /^amount:/],
			[{ kind: "coupon", amount: "-5" }, /^amount:/], [{ kind: "coupon", amount: "0" }, /^amount:/],
			[{ kind: "points", points: 1.5 }, /^points:/], [{ kind: "points", points: 0 }, /^points:/],
			[{ kind: "coupon", amount: "5", dry_run: "yes" }, /^dry_run:/]]) {
			const r = await compensate(d, caseId, body, tokens["li.na"]);
			assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
			assert.match(r.json.detail, re);
		}
		let r = await compensate(d, caseId, { kind: "coupon", amount: "5" }, tokens.vic);
		assert.equal(r.status, 403, r.text);
		r = await compensate(d, "C99999999", { kind: "coupon", amount: "5" });
		assert.equal(r.status, 404, r.text);
	});

	test("a dry run says whether it would wait, and changes nothing", async () => {
		const before = (await d.get(`/api/v1/cases/${caseId}`)).json.calls.length;
		let r = await compensate(d, caseId, { kind: "coupon", amount: "50", dry_run: true }, tokens["li.na"]);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.dry_run, true);
		assert.equal(r.json.kind, "issue_coupon");
		assert.equal(r.json.approval, "above_limit");
		r = await compensate(d, caseId, { kind: "coupon", amount: "5", dry_run: true }, tokens["li.na"]);
		assert.equal(r.json.approval, null);
		assert.equal((await d.get(`/api/v1/cases/${caseId}`)).json.calls.length, before);
	});
});

describe("the team's daily budget, repeats, failures, reports and a crash", () => {
	let m, d, tokens;
	const ids = {};
	before(async () => {
		m = await startMerchant({ secret: SECRET });
		d = await daemon(m, "    daily_budget: { cs: 50, default: none }\n    repeat_window: 30d\n");
		tokens = await people(d);
		await post(d, [badPhone("B1", 0, "c1"), badPhone("B2", 1, "c1"), badPhone("B3", 2, "c2")]);
		for (const o of ["B1", "B2", "B3"]) ids[o] = await caseOf(d, o);
	});
	after(async () => {
		await d?.stop();
		await m?.close();
	});

	test("within the budget at once; over it, to a supervisor, who may let it through", async () => {
		let r = await compensate(d, ids.B1, { kind: "coupon", amount: "20" }, tokens["li.na"]);
		assert.equal(r.json.calls.at(-1).state, "requested");
		r = await compensate(d, ids.B3, { kind: "coupon", amount: "20" }, tokens["li.na"]);
		assert.equal(r.json.calls.at(-1).state, "requested");
		r = await compensate(d, ids.B3, { kind: "coupon", amount: "10.01" }, tokens["li.na"]); // 50.01 > 50
		let k = r.json.calls.at(-1);
		assert.equal(k.state, "awaiting_approval");
		assert.equal(k.compensation.waited, "over_budget");
		r = await compensate(d, ids.B3, { kind: "coupon", amount: "10.01", dry_run: true }, tokens.sup);
		assert.equal(r.json.approval, "over_budget", "a supervisor's own request waits too");
		r = await approve(d, k.id, tokens.sup);
		assert.equal(r.status, 200, r.text);
		await waitCall(d, k.id, (x) => x.state === "succeeded");
	});

	test("a customer's second compensation in the window is flagged", async () => {
		const r = await compensate(d, ids.B2, { kind: "points", points: 100 }, tokens.sup); // c1 again, over budget
		const k = r.json.calls.at(-1);
		assert.equal(k.state, "awaiting_approval");
		assert.equal(k.compensation.repeat, null, "not given yet, not counted yet");
		const a = await approve(d, k.id);
		assert.equal(a.status, 200, a.text);
		const got = a.json.calls.find((x) => x.id === k.id);
		assert.equal(got.compensation.repeat, 2);
		assert.ok(a.json.timeline.some((t) => t.action === "note" && t.actor === "ordex" && /第 2 次获得补偿/.test(t.note)));
		const b3 = (await d.get(`/api/v1/cases/${ids.B3}`)).json;
		assert.ok(b3.calls.every((x) => x.compensation.repeat === null || x.compensation.repeat >= 2));
		assert.equal(b3.calls[0].compensation.repeat, null, "c2's first");
	});

	test("a call the merchant refuses gives its budget back", async () => {
		m.set("issue_coupon", { status: 422 });
		let r = await compensate(d, ids.B1, { kind: "coupon", amount: "1", dry_run: true }, tokens["li.na"]);
		assert.equal(r.json.approval, "over_budget", "the day's 51.01 is spent");
		// a new day: the budget starts again
		await post(d, [tick(24 * 60)]);
		r = await compensate(d, ids.B1, { kind: "coupon", amount: "20" }, tokens["li.na"]);
		const k = r.json.calls.at(-1);
		assert.equal(k.state, "requested");
		await waitCall(d, k.id, (x) => x.state === "failed");
		m.reset("issue_coupon");
		r = await compensate(d, ids.B1, { kind: "coupon", amount: "50", dry_run: true }, tokens.sup);
		assert.equal(r.json.approval, null, "the failed 20 came back: 50 fits");
		r = await compensate(d, ids.B1, { kind: "coupon", amount: "20" }, tokens["li.na"]);
		assert.equal(r.json.calls.at(-1).state, "requested");
	});

	test("the compensation report and the review count exactly what the cases hold", async () => {
		const to = new Date(T0 + 3 * 24 * 3600 * 1000).toISOString();
		const from = new Date(T0 - 3600 * 1000).toISOString();
		let all = [];
		for (const id of Object.values(ids)) all = all.concat((await d.get(`/api/v1/cases/${id}`)).json.calls);
		const comps = all.filter((k) => k.compensation);
		const spent = comps.filter((k) => k.compensation.granted_at && k.state !== "failed");
		const cents = spent.reduce((s, k) => s + Math.round(Number(k.compensation.value) * 100), 0);
		await new Promise((r) => setTimeout(r, 300)); // the last outcomes reach the store
		let r = await d.get(`/api/v1/reports/compensation?from=${from}&to=${to}&limit=100`);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.totals.requested, comps.length);
		assert.equal(r.json.totals.granted, spent.length);
		assert.equal(Math.round(r.json.totals.amount * 100), cents);
		assert.equal(r.json.totals.needed_approval, comps.filter((k) => k.compensation.waited).length);
		assert.equal(r.json.rows.length, comps.length);
		const c1 = r.json.repeat_customers.find((x) => x.customer_id === "c1");
		assert.ok(c1 && c1.repeat_flagged >= 1, JSON.stringify(r.json.repeat_customers));
		assert.deepEqual(r.json.by_team.map((x) => x.team), ["cs"]);
		r = await d.get(`/api/v1/reports/compensation?from=${from}&to=${to}&customer=c2`);
		assert.equal(r.json.totals.requested, comps.filter((k) => all.indexOf(k) >= 0 && k.id.startsWith(ids.B3)).length);
		r = await d.get(`/api/v1/reports/compensation?from=${from}&to=${to}&format=csv`);
		assert.equal(r.status, 200, r.text);
		assert.match(r.text, /# by_kind\r\nkind,requested,granted,amount/);
		r = await d.get(`/api/v1/reports/review?from=${from}&to=${to}`);
		assert.deepEqual(r.json.compensation.map((x) => x.kind), ["coupon", "points"], r.text);
		assert.deepEqual(r.json.automatic_actions, [], "no automation ran here");
		r = await d.get(`/api/v1/reports/compensation`, { token: tokens["li.na"] });
		assert.equal(r.status, 403, "agents have no reports");
	});

	test("kill -9 and a restart decide the same: the budget, repeats and calls as before", async () => {
		const before = {};
		for (const [o, id] of Object.entries(ids)) before[o] = (await d.get(`/api/v1/cases/${id}`)).json.calls;
		const dataDir = d.dataDir;
		await d.kill9();
		process.env.ORDEX_TEST_MERCHANT_SECRET = SECRET;
		d = await startDaemon({ check: process.env.NOCHECK ? null : checkHttp, dataDir,
			args: ["--config", config(m, "    daily_budget: { cs: 50, default: none }\n    repeat_window: 30d\n")] });
		for (const [o, id] of Object.entries(ids)) {
			const calls = (await d.get(`/api/v1/cases/${id}`)).json.calls;
			assert.deepEqual(calls.map((k) => [k.id, k.compensation]), before[o].map((k) => [k.id, k.compensation]), o);
		}
		// today's 20 of 50 are spent: 30.01 more waits, 30 does not
		let r = await compensate(d, ids.B1, { kind: "coupon", amount: "30.01", dry_run: true }, tokens.sup);
		assert.equal(r.json.approval, "over_budget");
		r = await compensate(d, ids.B1, { kind: "coupon", amount: "30", dry_run: true }, tokens.sup);
		assert.equal(r.json.approval, null);
	});

	test("a clean stop's snapshot carries the ledger: a restart that replays nothing decides the same", async () => {
		const dataDir = d.dataDir;
		await d.stop({ keepData: true });
		d = await startDaemon({ check: process.env.NOCHECK ? null : checkHttp, dataDir,
			args: ["--config", config(m, "    daily_budget: { cs: 50, default: none }\n    repeat_window: 30d\n")] });
		assert.match(d.stderr, /replayed 0 records/);
		let r = await compensate(d, ids.B1, { kind: "coupon", amount: "30.01", dry_run: true }, tokens.sup);
		assert.equal(r.json.approval, "over_budget", "today's spend came back from the snapshot");
		r = await compensate(d, ids.B2, { kind: "coupon", amount: "5" }, tokens["li.na"]);
		assert.equal(r.status, 202, r.text);
		assert.equal(r.json.calls.at(-1).compensation.repeat, 4, "c1's history came back from the snapshot");
	});
});
