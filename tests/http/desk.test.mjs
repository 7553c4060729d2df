// desk.test.mjs - people at work on `ordex serve`: who may call what (every
// route x every role), masking of personal data, case transitions, service
// levels and escalation on the event clock, actions surviving kill -9, and
// the audit trail of it all. Every answer is checked against docs/openapi.json.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ADMIN_TOKEN, BIN, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-desk-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;
const ADDRESS = { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" };

/* An order whose phone is no phone: CUS_PHONE_INVALID opens at once. */
const badOrder = (orderId, min, channel = "tmall") =>
	JSON.stringify({
		id: `d${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel,
		customer: { id: "c1", name: "张三", phone: "1381234567", address: ADDRESS },
		items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
	});
const tick = (min) => JSON.stringify({ id: `d${nextId++}`, type: "tick", ts: ts(min) });

/* A config where CUS_PHONE_INVALID is P1 (respond 15m, resolve 4h). */
function config(extra = "") {
	const file = join(TMP, `config-${nextId++}.yaml`);
	writeFileSync(file, `rules:\n  CUS_PHONE_INVALID: { severity: P1 }\nescalation:\n  repeat_interval: 30m\n` +
		`teams:\n  cs: { lead: wang.lei, members: [li.na], assign: round_robin }\n${extra}`);
	return file;
}

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	return r.json;
}

async function caseOf(d, orderId, token) {
	const r = await d.get(`/api/v1/cases?order_id=${orderId}`, { token });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.cases.length, 1, r.text);
	return r.json.cases[0];
}

const act = (d, id, what, body, token) => d.request("POST", `/api/v1/cases/${id}/${what}`, { body, token });

/* Users and tokens of every role, made by the admin through the API. */
async function people(d) {
	const tokens = {};
	for (const [name, role, teams] of [["sup", "supervisor", []], ["li.na", "agent", ["cs"]], ["wang.wu", "agent", ["payments"]], ["vic", "viewer", []]]) {
		const u = await d.request("POST", "/api/v1/users", { body: { name, role, teams, password: "correct horse 1", display: "测试" } });
		assert.equal(u.status, 201, u.text);
		const t = await d.request("POST", "/api/v1/tokens", { body: { name: `t-${name}`, role, user: name } });
		assert.equal(t.status, 201, t.text);
		tokens[name] = t.json.secret;
	}
	const ing = await d.request("POST", "/api/v1/tokens", { body: { name: "feeder", role: "ingest" } });
	assert.equal(ing.status, 201, ing.text);
	tokens.ingest = ing.json.secret;
	return tokens;
}

describe("who may call what", () => {
	let d, tokens, caseId;
	before(async () => {
		d = await startDaemon({ check: checkHttp, args: ["--config", config()] });
		tokens = await people(d);
		await post(d, [badOrder("P1", 0)]);
		caseId = (await caseOf(d, "P1")).case_id;
	});
	after(async () => d && (await d.stop()));

	// [method, path, body, the roles allowed]
	const ALL = ["admin", "supervisor", "agent", "viewer", "ingest"];
	const READ = ["admin", "supervisor", "agent", "viewer"];
	const WORK = ["admin", "supervisor", "agent"];
	const SUP = ["admin", "supervisor"];
	const rows = () => [
		["POST", "/api/v1/events", "", ["admin", "ingest"]],
		["GET", "/api/v1/cases", undefined, READ],
		["GET", `/api/v1/cases/${caseId}`, undefined, READ],
		["POST", `/api/v1/cases/${caseId}/notes`, { note: "看一下" }, WORK],
		["POST", `/api/v1/cases/C99999999/transition`, { to: "acknowledged" }, WORK],
		["POST", `/api/v1/cases/C99999999/assign`, { assignee: "li.na" }, WORK],
		["GET", "/api/v1/orders/P1", undefined, READ],
		["GET", "/api/v1/teams", undefined, READ],
		["GET", "/api/v1/me", undefined, ALL],
		["GET", "/api/v1/users", undefined, ["admin"]],
		["POST", "/api/v1/users", {}, ["admin"]],
		["POST", "/api/v1/users/nobody", {}, ["admin"]],
		["GET", "/api/v1/tokens", undefined, ["admin"]],
		["POST", "/api/v1/tokens", {}, ["admin"]],
		["DELETE", "/api/v1/tokens/999999", undefined, ["admin"]],
		["GET", "/api/v1/audit", undefined, SUP],
		["GET", "/api/v1/silences", undefined, SUP],
		["POST", "/api/v1/silences", {}, SUP],
		["DELETE", "/api/v1/silences/999999", undefined, SUP],
		["GET", "/api/v1/alerts/outbox", undefined, SUP],
		["GET", "/api/v1/alerts/dead", undefined, SUP],
		["POST", "/api/v1/alerts/dead/999999/retry", undefined, SUP],
		["GET", "/api/v1/blacklist", undefined, SUP],
		["POST", "/api/v1/blacklist", {}, SUP],
		["DELETE", "/api/v1/blacklist?kind=ip&value=10.255.255.255", undefined, SUP],
		["POST", "/api/v1/blacklist/import", "kind,value\n", SUP],
		["GET", "/metrics", undefined, ["admin", "supervisor", "viewer", "ingest"]],
		["GET", "/healthz", undefined, null],
		["GET", "/api/v1/openapi.json", undefined, null],
		["GET", "/", undefined, null],
	];

	test("every route x every role: allowed, or 403; no token: 401", async () => {
		const roleToken = () => ({ admin: ADMIN_TOKEN, supervisor: tokens.sup, agent: tokens["li.na"], viewer: tokens.vic, ingest: tokens.ingest });
		let checked = 0;
		for (const [method, path, body, allowed] of rows()) {
			const anon = await d.request(method, path, { body, token: null });
			if (allowed === null) {
				assert.equal(anon.status, 200, `${method} ${path} is public: ${anon.text}`);
				continue;
			}
			assert.equal(anon.status, 401, `${method} ${path} without a token: ${anon.text}`);
			assert.match(anon.headers.get("www-authenticate") ?? "", /^Bearer/);
			const bad = await d.request(method, path, { body, token: "oxt_not-a-real-token" });
			assert.equal(bad.status, 401, `${method} ${path} with a bad token`);
			for (const [role, token] of Object.entries(roleToken())) {
				const r = await d.request(method, path, { body, token });
				if (allowed.includes(role))
					assert.ok(r.status !== 401 && r.status !== 403, `${role} may ${method} ${path}: got ${r.status} ${r.text}`);
				else {
					assert.equal(r.status, 403, `${role} may not ${method} ${path}: got ${r.status} ${r.text}`);
					assert.equal(r.json.error, "forbidden");
				}
				checked++;
			}
		}
		assert.ok(checked >= 100, `${checked} checks`);
	});

	test("a revoked token and a disabled user are refused at once", async () => {
		const t = await d.request("POST", "/api/v1/tokens", { body: { name: "short", role: "viewer" } });
		assert.equal((await d.get("/api/v1/me", { token: t.json.secret })).status, 200);
		assert.equal((await d.request("DELETE", `/api/v1/tokens/${t.json.id}`)).status, 200);
		assert.equal((await d.get("/api/v1/me", { token: t.json.secret })).status, 401);
		const off = await d.request("POST", "/api/v1/users/vic", { body: { disabled: true } });
		assert.equal(off.status, 200, off.text);
		assert.equal((await d.get("/api/v1/cases", { token: tokens.vic })).status, 401);
		assert.equal((await d.request("POST", "/api/v1/users/vic", { body: { disabled: false } })).status, 200);
		assert.equal((await d.get("/api/v1/cases", { token: tokens.vic })).status, 200);
	});

	test("the secret of a token is shown once and stored hashed", async () => {
		const list = await d.get("/api/v1/tokens");
		assert.equal(list.status, 200);
		assert.ok(!list.text.includes(tokens.ingest), "a token list never shows secrets");
		const db = spawnSync("grep", ["-c", tokens.ingest, join(d.dataDir, "auth.db")], { encoding: "utf8" });
		assert.equal(db.stdout.trim(), "0", "the secret is not in auth.db");
	});
});

describe("sessions", () => {
	let d;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		const u = await d.request("POST", "/api/v1/users", { body: { name: "zhang.san", role: "supervisor", password: "correct horse 1" } });
		assert.equal(u.status, 201, u.text);
	});
	after(async () => d && (await d.stop()));

	test("login sets an HttpOnly cookie; unsafe calls need the CSRF token", async () => {
		const bad = await d.request("POST", "/api/v1/login", { body: { user: "zhang.san", password: "wrong password" }, token: null });
		assert.equal(bad.status, 401);
		const r = await d.request("POST", "/api/v1/login", { body: { user: "zhang.san", password: "correct horse 1" }, token: null });
		assert.equal(r.status, 200, r.text);
		const cookie = r.headers.get("set-cookie");
		assert.match(cookie, /^ordex_session=oxs_[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
		const session = cookie.split(";")[0];
		const csrf = r.json.csrf_token;
		assert.equal(r.json.principal.role, "supervisor");
		const me = await d.request("GET", "/api/v1/me", { token: null, headers: { cookie: session } });
		assert.equal(me.status, 200, me.text);
		const noCsrf = await d.request("POST", "/api/v1/silences", { body: {}, token: null, headers: { cookie: session } });
		assert.equal(noCsrf.status, 403);
		assert.match(noCsrf.json.detail, /CSRF/);
		const withCsrf = await d.request("POST", "/api/v1/silences", { body: {}, token: null, headers: { cookie: session, "x-csrf-token": csrf } });
		assert.notEqual(withCsrf.status, 403, withCsrf.text);
		const out = await d.request("POST", "/api/v1/logout", { token: null, headers: { cookie: session, "x-csrf-token": csrf } });
		assert.equal(out.status, 200, out.text);
		assert.equal((await d.request("GET", "/api/v1/me", { token: null, headers: { cookie: session } })).status, 401);
		const audit = await d.get("/api/v1/audit?action=login");
		assert.ok(audit.json.entries.some((e) => e.actor === "zhang.san"), audit.text);
		const failed = await d.get("/api/v1/audit?action=login.failed");
		assert.ok(failed.json.entries.length >= 1, failed.text);
	});
});

describe("personal data", () => {
	let d, tokens;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		tokens = await people(d);
		await post(d, [badOrder("M1", 0)]);
	});
	after(async () => d && (await d.stop()));

	test("masked for roles without pii, unmasked and audited for the others", async () => {
		const masked = await d.get("/api/v1/orders/M1", { token: tokens.vic });
		assert.equal(masked.status, 200, masked.text);
		assert.equal(masked.json.customer.name, "张*");
		assert.ok(!masked.text.includes("1381234567"), masked.text);
		assert.ok(!masked.text.includes("文三路"), masked.text);
		assert.equal(masked.json.customer.address.district, "西湖区");
		const c = await caseOf(d, "M1", tokens.vic);
		assert.ok(!JSON.stringify(c).includes("1381234567"), JSON.stringify(c.reasons));

		const plain = await d.get("/api/v1/orders/M1", { token: tokens.sup });
		assert.equal(plain.json.customer.phone, "1381234567");
		assert.equal(plain.json.customer.name, "张三");
		const audit = await d.get("/api/v1/audit?action=pii.read&target=M1");
		assert.equal(audit.status, 200, audit.text);
		assert.equal(audit.json.entries.length, 1, audit.text);
		assert.equal(audit.json.entries[0].actor, "token:t-sup");
	});
});

describe("handling a case", () => {
	let d, tokens;
	before(async () => {
		d = await startDaemon({ check: checkHttp, args: ["--config", config()] });
		tokens = await people(d);
	});
	after(async () => d && (await d.stop()));

	test("routed, assigned round robin, moved through its statuses with a timeline", async () => {
		await post(d, [badOrder("H1", 0)]);
		let c = await caseOf(d, "H1");
		assert.equal(c.team, "cs");
		assert.equal(c.assignee, "li.na");
		assert.equal(c.status, "open");
		assert.equal(c.escalation_level, 1);
		assert.equal(c.sla.respond_due, "2026-11-11T10:15:00.000+08:00");
		assert.equal(c.sla.resolve_due, "2026-11-11T14:00:00.000+08:00");

		const wrong = await act(d, c.case_id, "transition", { to: "closed" });
		assert.equal(wrong.status, 409, wrong.text);
		assert.match(wrong.json.detail, /is open: it cannot become closed/);
		const other = await act(d, c.case_id, "transition", { to: "acknowledged" }, tokens["wang.wu"]);
		assert.equal(other.status, 403, other.text);
		assert.match(other.json.detail, /belongs to team cs/);

		const ack = await act(d, c.case_id, "transition", { to: "acknowledged", note: "收到，处理中" }, tokens["li.na"]);
		assert.equal(ack.status, 200, ack.text);
		assert.equal(ack.json.status, "acknowledged");
		const last = ack.json.timeline.at(-1);
		assert.deepEqual([last.action, last.actor, last.from, last.to, last.note], ["status_changed", "token:t-li.na", "open", "acknowledged", "收到，处理中"]);
		assert.ok(ack.json.sla.responded_at);

		const note = await act(d, c.case_id, "notes", { note: "客户电话 13812345678 无人接听" }, tokens["li.na"]);
		assert.equal(note.status, 200, note.text);
		const seen = await d.get(`/api/v1/cases/${c.case_id}`, { token: tokens.vic });
		assert.ok(seen.text.includes("138****5678") && !seen.text.includes("13812345678"), "notes are masked too");

		const mine = await act(d, c.case_id, "assign", { assignee: "someone.else" }, tokens["li.na"]);
		assert.equal(mine.status, 403, mine.text);
		const sup = await act(d, c.case_id, "assign", { assignee: "zhao.min", team: "cs" }, tokens.sup);
		assert.equal(sup.status, 200, sup.text);
		assert.equal(sup.json.assignee, "zhao.min");
		const byAssignee = await d.get("/api/v1/cases?assignee=zhao.min");
		assert.deepEqual(byAssignee.json.cases.map((x) => x.case_id), [c.case_id]);

		for (const to of ["in_progress", "waiting_customer", "resolved", "closed"]) {
			const r = await act(d, c.case_id, "transition", { to }, tokens.sup);
			assert.equal(r.status, 200, `${to}: ${r.text}`);
		}
		c = (await d.get(`/api/v1/cases/${c.case_id}`)).json;
		assert.equal(c.status, "closed");
		assert.ok(c.closed_at);
		assert.equal((await d.get("/api/v1/cases?status=closed")).json.cases.length, 1);
		const audit = await d.get(`/api/v1/audit?target=${c.case_id}`);
		assert.deepEqual(audit.json.entries.map((e) => e.action).filter((a) => a.startsWith("case.")).reverse(),
			["case.transition", "case.note", "case.assign", "case.transition", "case.transition", "case.transition", "case.transition"]);
	});

	test("breach, escalation and repeats on the event clock; sla filters", async () => {
		await post(d, [badOrder("E1", 100)]);
		const c = await caseOf(d, "E1");
		await post(d, [tick(114)]);
		assert.equal((await caseOf(d, "E1")).escalation_level, 1);
		assert.deepEqual((await d.get("/api/v1/cases?sla=due_soon")).json.cases.map((x) => x.case_id), [c.case_id]);
		await post(d, [tick(115)]);
		const e = (await d.get(`/api/v1/cases/${c.case_id}`)).json;
		assert.equal(e.escalation_level, 2);
		assert.equal(e.sla.respond_breached_at, "2026-11-11T11:55:00.000+08:00");
		assert.equal(e.sla.breached, true);
		const esc = e.timeline.filter((t) => t.action === "escalated");
		assert.equal(esc.length, 1);
		assert.equal(esc[0].note, "level 2: wang.lei");
		assert.ok((await d.get("/api/v1/cases?sla=breached")).json.cases.some((x) => x.case_id === c.case_id));
		assert.equal((await d.get("/api/v1/cases?sla=late")).status, 400);
		await post(d, [tick(100 + 240)]);
		const l3 = (await d.get(`/api/v1/cases/${c.case_id}`)).json;
		assert.equal(l3.escalation_level, 3);
	});
});

describe("actions survive kill -9", () => {
	test("acknowledged actions are replayed, audited once, and the case is the same", async () => {
		const d = await startDaemon({ check: checkHttp, args: ["--config", config()] });
		await post(d, [badOrder("K1", 0), badOrder("K2", 1)]);
		const c1 = await caseOf(d, "K1"), c2 = await caseOf(d, "K2");
		assert.equal((await act(d, c1.case_id, "transition", { to: "waiting_customer", note: "等客户回复" })).status, 200);
		assert.equal((await act(d, c2.case_id, "transition", { to: "resolved" })).status, 200);
		await post(d, [tick(30)]); /* K1 paused; K2 resolved: neither breaches respond */
		const before1 = (await d.get(`/api/v1/cases/${c1.case_id}`)).json;
		const before2 = (await d.get(`/api/v1/cases/${c2.case_id}`)).json;
		const auditBefore = (await d.get("/api/v1/audit?action=case.transition")).json.entries.length;
		await d.kill9();
		const d2 = await startDaemon({ check: checkHttp, dataDir: d.dataDir, args: ["--config", config()] });
		try {
			assert.deepEqual((await d2.get(`/api/v1/cases/${c1.case_id}`)).json, before1);
			assert.deepEqual((await d2.get(`/api/v1/cases/${c2.case_id}`)).json, before2);
			assert.equal((await d2.get("/api/v1/audit?action=case.transition")).json.entries.length, auditBefore);
			/* still paused since 10:01: back to work at 12:30, the resolve due time
			 * (14:00) moves by the 2 h 29 min of the pause */
			await post(d2, [tick(150)]);
			const back = await act(d2, c1.case_id, "transition", { to: "in_progress" });
			assert.equal(back.status, 200, back.text);
			assert.equal(back.json.sla.resolve_due, "2026-11-11T16:29:00.000+08:00");
			const v = spawnSync(BIN, ["audit", "verify", "--data", d2.dataDir], { encoding: "utf8" });
			assert.equal(v.status, 0, v.stdout + v.stderr);
			assert.match(v.stdout, /chain intact/);
		} finally {
			await d2.stop();
			rmSync(d.dataDir, { recursive: true, force: true });
		}
	});
});
