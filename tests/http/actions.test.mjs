// actions.test.mjs - calls on the merchant's systems (docs/actions.md)
// against a real local fake merchant (merchant.mjs) that checks every
// signature and counts effects per Idempotency-Key: every action kind,
// 4xx without retry, 5xx and timeouts retried, kill -9 while a call is in
// flight, dry runs, roles, approvals, auto-remediation end to end, the
// kill switch and the rate limit. Every answer is checked against
// docs/openapi.json.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startMerchant, sign } from "./merchant.mjs";
import { startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-actions-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const SECRET = "merchant-secret-0123456789";
const KINDS = ["refund", "partial_refund", "reship", "cancel_order", "mark_paid", "update_address",
	"intercept_shipment", "issue_coupon", "add_points", "send_message", "carrier_claim", "query_payment",
	"query_tracking"];
const PARAMS = {
	refund: { amount: "10.00" }, partial_refund: { amount: "5.50" }, issue_coupon: { amount: "20" },
	add_points: { points: 200 }, update_address: { phone: "13912345678" }, send_message: { text: "您好" },
};

const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;
const ADDRESS = { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" };

const created = (orderId, min, total = "99.00") => JSON.stringify({
	id: `a${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall",
	customer: { id: "c1", name: "张三", phone: "13812345678", address: ADDRESS },
	items: [{ sku: "S1", qty: 1, price: total }], total,
});
const paid = (orderId, min, paymentId, amount = "99.00") => JSON.stringify({
	id: `a${nextId++}`, type: "payment.succeeded", ts: ts(min), order_id: orderId, payment_id: paymentId, amount,
	method: "alipay",
});
const tick = (min) => JSON.stringify({ id: `a${nextId++}`, type: "tick", ts: ts(min) });
/* An order whose phone is no phone: CUS_PHONE_INVALID (suggest only) opens at once. */
const badPhone = (orderId, min) => JSON.stringify({
	id: `a${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall",
	customer: { id: "c1", name: "张三", phone: "1381234567", address: ADDRESS },
	items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
});

/* A config with every kind at the merchant; opts: actions keys, more YAML. */
function config(m, { actions = "", extra = "", policy = "timeout: 2s\n    retries: 2\n    backoff_initial: 50ms\n    backoff_max: 200ms" } = {}) {
	const file = join(TMP, `config-${nextId++}.yaml`);
	const eps = KINDS.map((k) => `    ${k}: { url: "${m.url}/${k}", secret_env: ORDEX_TEST_MERCHANT_SECRET }`).join("\n");
	writeFileSync(file, `teams:\n  cs: { lead: wang.lei, members: [li.na] }\n` +
		`actions:\n${actions}  defaults:\n    ${policy}\n  endpoints:\n${eps}\n${extra}`);
	return file;
}

async function daemon(m, cfg = {}, opts = {}) {
	process.env.ORDEX_TEST_MERCHANT_SECRET = SECRET;
	return startDaemon({ check: process.env.NOCHECK ? null : checkHttp, args: ["--config", config(m, cfg)], ...opts });
}

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.accepted, lines.length, r.text);
}

async function caseOf(d, orderId, rule) {
	const r = await d.get(`/api/v1/cases?order_id=${orderId}${rule ? `&rule=${rule}` : ""}`);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.cases.length, 1, r.text);
	const c = await d.get(`/api/v1/cases/${r.json.cases[0].case_id}`);
	assert.equal(c.status, 200, c.text);
	return c.json;
}

/* Wait until the case's calls satisfy pred. */
async function waitCase(d, id, pred, timeoutMs = 15000) {
	const t0 = Date.now();
	for (;;) {
		const c = await d.get(`/api/v1/cases/${id}`);
		assert.equal(c.status, 200, c.text);
		if (pred(c.json)) return c.json;
		if (Date.now() - t0 > timeoutMs) assert.fail(`case ${id} did not get there: ${JSON.stringify(c.json.calls)}`);
		await new Promise((r) => setTimeout(r, 30));
	}
}
const final = (s) => ["succeeded", "failed", "rejected"].includes(s);

const call = (d, id, body, token) => d.request("POST", `/api/v1/cases/${id}/actions`, { body, token });

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

describe("every kind, signed, once", () => {
	let m, d, caseId;
	before(async () => {
		m = await startMerchant({ secret: SECRET });
		d = await daemon(m);
		await post(d, [badPhone("K1", 0)]);
		caseId = (await caseOf(d, "K1")).case_id;
	});
	after(async () => {
		await d?.stop();
		await m?.close();
	});

	test("each kind reaches its endpoint signed, with its call id as the key, and succeeds", async () => {
		const ids = [];
		for (const kind of KINDS) {
			const r = await call(d, caseId, { kind, params: PARAMS[kind] ?? {}, note: `try ${kind}` });
			assert.equal(r.status, 202, r.text);
			const c = r.json.calls.at(-1);
			assert.equal(c.kind, kind);
			assert.ok(["requested", "running", "succeeded"].includes(c.state), c.state);
			assert.equal(c.requested_by, "token:bootstrap");
			ids.push(c.id);
		}
		assert.deepEqual(ids, KINDS.map((_, i) => `${caseId}-${i + 1}`));
		await m.waitFor(() => m.effects.size === KINDS.length);
		const c = await waitCase(d, caseId, (c) => c.calls.every((x) => x.state === "succeeded"));
		for (const [i, kind] of KINDS.entries()) {
			const reqs = m.requests.filter((q) => q.key === ids[i]);
			assert.equal(reqs.length, 1, kind);
			assert.equal(reqs[0].kind, kind);
			assert.equal(reqs[0].verified, true);
			assert.equal(reqs[0].json.call_id, ids[i]);
			assert.equal(reqs[0].json.kind, kind);
			assert.equal(reqs[0].json.case_id, caseId);
			assert.equal(reqs[0].json.order_id, "K1");
			assert.deepEqual(reqs[0].json.params, PARAMS[kind] ?? {});
			assert.equal(m.effects.get(ids[i]), 1);
			assert.equal(c.calls[i].outcome.status, "succeeded");
			assert.equal(c.calls[i].outcome.http_status, 200);
			assert.equal(c.calls[i].outcome.attempts, 1);
		}
		assert.equal(c.calls[KINDS.indexOf("query_payment")].outcome.result.status, "succeeded");
		const tl = c.timeline.filter((t) => t.action === "call").map((t) => t.note);
		assert.ok(tl.includes(`refund ${caseId}-1 requested`), tl.join("\n"));
		assert.ok(tl.includes(`refund ${caseId}-1 succeeded`), tl.join("\n"));
		const metrics = await d.get("/metrics");
		assert.match(metrics.text, new RegExp(`^ordex_calls_succeeded_total ${KINDS.length}$`, "m"));
		assert.match(metrics.text, /^ordex_calls_pending 0$/m);
		const audit = await d.get(`/api/v1/audit?action=case.call&limit=100`);
		assert.equal(audit.status, 200, audit.text);
		assert.equal(audit.json.entries.filter((e) => e.target === caseId).length, KINDS.length);
	});

	test("bad params and unknown kinds are refused before anything is sent", async () => {
		const before = m.requests.length;
		let r = await call(d, caseId, { kind: "refnd" });
		assert.equal(r.status, 400, r.text);
		r = await call(d, caseId, { kind: "refund", params: {} });
		assert.equal(r.status, 400, r.text);
		assert.match(r.json.detail, /params\.amount: required/);
		r = await call(d, caseId, { kind: "refund", params: { amount: "-1" } });
		assert.equal(r.status, 400, r.text);
		r = await call(d, caseId, { kind: "send_message", params: { text: "" } });
		assert.equal(r.status, 400, r.text);
		r = await call(d, "C99999999", { kind: "reship" });
		assert.equal(r.status, 404, r.text);
		assert.equal(m.requests.length, before);
	});
});

describe("failures and retries", () => {
	let m, d, caseId;
	before(async () => {
		m = await startMerchant({ secret: SECRET });
		d = await daemon(m, { policy: "timeout: 300ms\n    retries: 2\n    backoff_initial: 50ms\n    backoff_max: 100ms" });
		await post(d, [badPhone("F1", 0)]);
		caseId = (await caseOf(d, "F1")).case_id;
	});
	after(async () => {
		await d?.stop();
		await m?.close();
	});

	test("4xx fails at once, without a retry", async () => {
		m.set("reship", { status: 422 });
		const r = await call(d, caseId, { kind: "reship" });
		assert.equal(r.status, 202, r.text);
		const id = r.json.calls.at(-1).id;
		const c = await waitCase(d, caseId, (c) => final(c.calls.find((x) => x.id === id).state));
		const x = c.calls.find((x) => x.id === id);
		assert.equal(x.state, "failed");
		assert.equal(x.outcome.http_status, 422);
		assert.equal(x.outcome.attempts, 1);
		assert.equal(m.requests.filter((q) => q.key === id).length, 1);
	});

	test("5xx is retried and then succeeds, once", async () => {
		m.set("cancel_order", { failFirst: 2, failStatus: 503 });
		const r = await call(d, caseId, { kind: "cancel_order" });
		const id = r.json.calls.at(-1).id;
		const c = await waitCase(d, caseId, (c) => final(c.calls.find((x) => x.id === id).state));
		const x = c.calls.find((x) => x.id === id);
		assert.equal(x.state, "succeeded", JSON.stringify(x));
		assert.equal(x.outcome.attempts, 3);
		assert.equal(m.requests.filter((q) => q.key === id).length, 3);
		assert.equal(m.effects.get(id), 1);
	});

	test("5xx past the retries fails with the last status", async () => {
		m.set("intercept_shipment", { status: 500 });
		const r = await call(d, caseId, { kind: "intercept_shipment" });
		const id = r.json.calls.at(-1).id;
		const c = await waitCase(d, caseId, (c) => final(c.calls.find((x) => x.id === id).state));
		const x = c.calls.find((x) => x.id === id);
		assert.equal(x.state, "failed");
		assert.equal(x.outcome.attempts, 3); // the first and 2 retries
		assert.equal(x.outcome.http_status, 500);
		assert.equal(m.effects.get(id), undefined);
	});

	test("a timeout is retried; a merchant that stays slow fails the call", async () => {
		m.set("carrier_claim", { delayMs: 1000 });
		const r = await call(d, caseId, { kind: "carrier_claim" });
		const id = r.json.calls.at(-1).id;
		const c = await waitCase(d, caseId, (c) => final(c.calls.find((x) => x.id === id).state), 20000);
		const x = c.calls.find((x) => x.id === id);
		assert.equal(x.state, "failed");
		assert.equal(x.outcome.attempts, 3);
		assert.match(x.outcome.error, /no answer within 300 ms/);
		// the slow merchant did it once all the same: the key kept it at one
		assert.equal(m.effects.get(id), 1);
		assert.equal(m.requests.filter((q) => q.key === id).length, 3);
	});
});

describe("dry runs", () => {
	let m, d, caseId;
	before(async () => {
		m = await startMerchant({ secret: SECRET });
		d = await daemon(m, { actions: "  dry_run: true\n" });
		await post(d, [badPhone("D1", 0)]);
		caseId = (await caseOf(d, "D1")).case_id;
	});
	after(async () => {
		await d?.stop();
		await m?.close();
	});

	test("a dry run answers what would be sent, signed, and sends nothing", async () => {
		const r = await call(d, caseId, { kind: "refund", params: { amount: "12.30" } });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.dry_run, true);
		assert.equal(r.json.call_id, `${caseId}-1`);
		const q = r.json.request;
		assert.equal(q.method, "POST");
		assert.equal(q.url, `${m.url}/refund`);
		assert.equal(q.headers["Idempotency-Key"], `${caseId}-1`);
		assert.equal(q.headers["X-Ordex-Signature"], sign(SECRET, q.headers["X-Ordex-Timestamp"], q.body));
		const body = JSON.parse(q.body);
		assert.deepEqual(body, { call_id: `${caseId}-1`, kind: "refund", case_id: caseId, rule: "CUS_PHONE_INVALID",
			order_id: "D1", requested_by: "token:bootstrap", automatic: false, params: { amount: "12.30" } });
		await new Promise((res) => setTimeout(res, 300));
		assert.equal(m.requests.length, 0);
		const c = await caseOf(d, "D1");
		assert.equal(c.calls.length, 0);
		assert.equal(c.timeline.filter((t) => t.action === "call").length, 0);
	});

	test("dry_run: false in the body overrides the config", async () => {
		const r = await call(d, caseId, { kind: "reship", dry_run: false });
		assert.equal(r.status, 202, r.text);
		await m.waitFor(() => m.effects.size === 1);
		assert.equal(r.json.calls[0].id, `${caseId}-1`);
	});
});

describe("roles and approvals", () => {
	let m, d, tokens, caseId;
	before(async () => {
		m = await startMerchant({ secret: SECRET });
		d = await daemon(m);
		tokens = await people(d);
		await post(d, [badPhone("R1", 0)]);
		caseId = (await caseOf(d, "R1")).case_id;
	});
	after(async () => {
		await d?.stop();
		await m?.close();
	});

	test("viewers may not call; agents on their teams' cases, supervisors and admins may", async () => {
		let r = await call(d, caseId, { kind: "reship", dry_run: true }, tokens.vic);
		assert.equal(r.status, 403, r.text);
		for (const who of ["li.na", "sup"]) {
			r = await call(d, caseId, { kind: "reship", dry_run: true }, tokens[who]);
			assert.equal(r.status, 200, `${who}: ${r.text}`);
		}
		r = await call(d, caseId, { kind: "reship", params: { note: "补发一件" } }, tokens["li.na"]);
		assert.equal(r.status, 202, r.text);
		assert.equal(r.json.calls.at(-1).requested_by, "token:t-li.na");
	});

	test("personal data in calls is masked for roles without pii", async () => {
		const params = { phone: "13912345678", name: "王芳", address: "文三路100号" };
		let r = await call(d, caseId, { kind: "update_address", params });
		assert.equal(r.status, 202, r.text);
		const id = r.json.calls.at(-1).id;
		assert.deepEqual(r.json.calls.at(-1).params, params); // the admin has pii
		r = await d.get(`/api/v1/cases/${caseId}`, { token: tokens.vic });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json.calls.find((x) => x.id === id).params, { phone: "139****5678", name: "王*", address: "****" });
		assert.ok(!r.text.includes("13912345678"));
		r = await d.get(`/api/v1/cases?order_id=R1`, { token: tokens["li.na"] });
		assert.ok(!r.text.includes("13912345678"), "the list masks too");
	});

	test("the kill switch is the admin's; approvals are supervisors'", async () => {
		let r = await d.request("PUT", "/api/v1/actions/auto", { body: { enabled: false }, token: tokens.sup });
		assert.equal(r.status, 403, r.text);
		r = await d.get("/api/v1/actions/auto", { token: tokens.vic });
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.enabled, true);
		r = await d.request("POST", `/api/v1/actions/${caseId}-1/approve`, { body: {}, token: tokens["li.na"] });
		assert.equal(r.status, 403, r.text);
		r = await d.request("POST", `/api/v1/actions/${caseId}-1/approve`, { body: {}, token: tokens.sup });
		assert.equal(r.status, 409, r.text); // it never waited for anybody
		r = await d.request("POST", `/api/v1/actions/${caseId}-9/reject`, { body: {}, token: tokens.sup });
		assert.equal(r.status, 404, r.text);
	});
});

describe("auto-remediation", () => {
	test("PAY_STATUS_STALE: one query_payment, one mark_paid, the case resolved by ordex:auto", async () => {
		const m = await startMerchant({ secret: SECRET });
		const d = await daemon(m);
		try {
			await post(d, [created("S1", 0), paid("S1", 1, "P1"), tick(7)]);
			const c0 = await caseOf(d, "S1", "PAY_STATUS_STALE");
			const c = await waitCase(d, c0.case_id, (c) => c.status === "resolved");
			assert.deepEqual(c.calls.map((x) => [x.kind, x.state, x.automatic, x.requested_by]),
				[["query_payment", "succeeded", true, "ordex:auto"], ["mark_paid", "succeeded", true, "ordex:auto"]]);
			assert.deepEqual(c.resolution, { code: "status_corrected", root_cause: "system" });
			const res = c.timeline.find((t) => t.action === "status_changed" && t.to === "resolved");
			assert.equal(res.actor, "ordex:auto");
			assert.equal(m.requests.length, 2);
			assert.deepEqual(m.requests.map((q) => q.kind), ["query_payment", "mark_paid"]);
			assert.equal(m.requests[1].json.params.payment_id, "P1");
			assert.equal(m.requests[1].json.params.amount, "99.00");
			assert.equal(m.effects.size, 2);
			// a restart replays the same decisions, and calls nobody again
			await d.kill9();
			const d2 = await startDaemon({ check: process.env.NOCHECK ? null : checkHttp, dataDir: d.dataDir, args: ["--config", config(m)] });
			try {
				const again = await caseOf(d2, "S1", "PAY_STATUS_STALE");
				assert.deepEqual(again.calls, c.calls);
				assert.equal(again.status, "resolved");
				await new Promise((r) => setTimeout(r, 300));
				assert.equal(m.requests.length, 2);
			} finally {
				await d2.stop();
			}
		} finally {
			await m.close();
		}
	});

	test("PAY_STATUS_STALE: no mark_paid when the gateway says the payment is pending", async () => {
		const m = await startMerchant({ secret: SECRET });
		m.set("query_payment", { reply: { status: "pending" } });
		const d = await daemon(m);
		try {
			await post(d, [created("S2", 0), paid("S2", 1, "P2"), tick(7)]);
			const c0 = await caseOf(d, "S2", "PAY_STATUS_STALE");
			const c = await waitCase(d, c0.case_id, (c) => c.timeline.some((t) => t.action === "auto"));
			assert.equal(c.calls.length, 1);
			assert.equal(c.status, "open");
			assert.match(c.timeline.find((t) => t.action === "auto").note, /not confirmed \(status 'pending'\)/);
			assert.equal(m.requests.length, 1);
		} finally {
			await d.stop();
			await m.close();
		}
	});

	test("PAY_DUPLICATE: the extra payment refunded up to the limit, approval above it", async () => {
		const m = await startMerchant({ secret: SECRET });
		const d = await daemon(m);
		const tokens = await people(d);
		try {
			// 99.00 paid twice: 99.00 over the total, within the 200.00 limit
			await post(d, [created("U1", 0), paid("U1", 1, "P1"), paid("U1", 2, "P2")]);
			const a = await caseOf(d, "U1", "PAY_DUPLICATE");
			const ca = await waitCase(d, a.case_id, (c) => c.status === "resolved");
			assert.deepEqual(ca.calls.map((x) => [x.kind, x.amount, x.state]), [["refund", "99.00", "succeeded"]]);
			assert.equal(m.requests[0].json.params.payment_id, "P2");
			// 300.00 paid twice: above the limit, waits for a supervisor
			await post(d, [created("U2", 10, "300.00"), paid("U2", 11, "P3", "300.00"), paid("U2", 12, "P4", "300.00")]);
			const b = await caseOf(d, "U2", "PAY_DUPLICATE");
			assert.deepEqual(b.calls.map((x) => [x.kind, x.amount, x.state]), [["refund", "300.00", "awaiting_approval"]]);
			await new Promise((r) => setTimeout(r, 200));
			// (U1's status went stale meanwhile: its own query_payment and mark_paid)
			assert.equal(m.requests.filter((q) => q.kind === "refund").length, 1);
			const r = await d.request("POST", `/api/v1/actions/${b.calls[0].id}/approve`, { body: { note: "核实无误" }, token: tokens.sup });
			assert.equal(r.status, 200, r.text);
			const cb = await waitCase(d, b.case_id, (c) => c.status === "resolved");
			assert.equal(cb.calls[0].approved_by, "token:t-sup");
			assert.equal(m.effects.get(b.calls[0].id), 1);
		} finally {
			await d.stop();
			await m.close();
		}
	});

	test("the kill switch stops automatic calls, logged so a restart agrees", async () => {
		const m = await startMerchant({ secret: SECRET });
		const d = await daemon(m);
		try {
			let r = await d.request("PUT", "/api/v1/actions/auto", { body: { enabled: false, note: "网关维护" } });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.json.enabled, false);
			await post(d, [created("W1", 0), paid("W1", 1, "P1"), tick(7)]);
			const c = await caseOf(d, "W1", "PAY_STATUS_STALE");
			assert.equal(c.calls.length, 0);
			assert.match(c.timeline.find((t) => t.action === "auto").note, /automation is switched off/);
			const audit = await d.get("/api/v1/audit?action=case.auto");
			assert.equal(audit.json.entries.length, 1, audit.text);
			await d.kill9();
			const d2 = await startDaemon({ check: process.env.NOCHECK ? null : checkHttp, dataDir: d.dataDir, args: ["--config", config(m)] });
			try {
				r = await d2.get("/api/v1/actions/auto");
				assert.equal(r.json.enabled, false);
				assert.deepEqual((await caseOf(d2, "W1", "PAY_STATUS_STALE")).calls, []);
			} finally {
				await d2.stop();
			}
			assert.equal(m.requests.length, 0);
		} finally {
			await m.close();
		}
	});

	test("the rate limit counts automatic calls per minute of event time", async () => {
		const m = await startMerchant({ secret: SECRET });
		const d = await daemon(m, { actions: "  rate_limit: 2\n" });
		try {
			// three duplicate payments in one minute: two refunds run, the third waits for a person
			await post(d, [created("L1", 0), created("L2", 0), created("L3", 0),
				paid("L1", 1, "A1"), paid("L1", 1, "A2"), paid("L2", 1, "B1"), paid("L2", 1, "B2"),
				paid("L3", 1, "C1"), paid("L3", 1, "C2")]);
			const third = await caseOf(d, "L3", "PAY_DUPLICATE");
			assert.equal(third.calls.length, 0);
			assert.match(third.timeline.find((t) => t.action === "auto").note, /rate limit of 2/);
			await m.waitFor(() => m.effects.size === 2);
			// a minute later there is room again
			await post(d, [created("L4", 3), paid("L4", 4, "D1"), paid("L4", 4, "D2")]);
			await m.waitFor(() => m.effects.size === 3);
		} finally {
			await d.stop();
			await m.close();
		}
	});
});

describe("crash safety", () => {
	test("kill -9 while a call is in flight: after the restart, still one effect", async () => {
		const m = await startMerchant({ secret: SECRET });
		m.set("refund", { delayMs: 1500 });
		const d = await daemon(m);
		await post(d, [badPhone("K9", 0)]);
		const id = (await caseOf(d, "K9")).case_id;
		const r = await call(d, id, { kind: "refund", params: { amount: "9.00" } });
		assert.equal(r.status, 202, r.text);
		await m.waitFor(() => m.requests.length === 1);
		await d.kill9(); // the merchant did it; ordex never heard
		m.set("refund", { delayMs: 0 });
		const d2 = await startDaemon({ check: process.env.NOCHECK ? null : checkHttp, dataDir: d.dataDir, args: ["--config", config(m)] });
		try {
			const c = await waitCase(d2, id, (c) => c.calls[0]?.state === "succeeded");
			assert.equal(c.calls.length, 1);
			assert.ok(m.requests.length >= 2, "sent again after the restart");
			assert.ok(m.requests.every((q) => q.key === `${id}-1` && q.verified));
			assert.equal(m.effects.get(`${id}-1`), 1);
		} finally {
			await d2.stop();
			await m.close();
		}
	});
});

describe("customer messages", () => {
	test("POST .../messages renders the playbook's template and sends it by send_message", async () => {
		const m = await startMerchant({ secret: SECRET });
		const d = await daemon(m);
		try {
			await post(d, [badPhone("M1", 0)]);
			const id = (await caseOf(d, "M1")).case_id;
			let r = await d.request("POST", `/api/v1/cases/${id}/messages`, { body: { step: "notify", lang: "zh", vars: {} } });
			assert.equal(r.status, 400, r.text);
			assert.match(r.json.detail, /no value for \{customer_name\}/);
			const vars = { customer_name: "张女士", agent_name: "小悦", eta: "今天18:00", shop: "悦家生活旗舰店" };
			const p = await d.request("POST", `/api/v1/cases/${id}/messages/preview`, { body: { step: "notify", lang: "zh", vars } });
			assert.equal(p.status, 200, p.text);
			r = await d.request("POST", `/api/v1/cases/${id}/messages`, { body: { step: "notify", lang: "zh", vars } });
			assert.equal(r.status, 202, r.text);
			await m.waitFor(() => m.effects.size === 1);
			const sent = m.requests[0].json;
			assert.equal(sent.kind, "send_message");
			assert.deepEqual(sent.params, { step: "notify", lang: "zh", text: p.json.text });
		} finally {
			await d.stop();
			await m.close();
		}
	});
});
