// desk.test.mjs - people at work on `ordex serve`: who may call what (every
// route x every role), masking of personal data, case transitions, service
// levels and escalation on the event clock, the playbooks (checklists,
// resolution records, message previews), actions surviving kill -9, and
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
		["POST", `/api/v1/cases/${caseId}/checklist`, { item: "review_phone" }, WORK],
		["POST", `/api/v1/cases/${caseId}/csat`, { score: 4 }, WORK],
		["POST", `/api/v1/cases/${caseId}/messages/preview`, { step: "notify", lang: "zh" }, READ],
		["GET", "/api/v1/playbooks", undefined, READ],
		["GET", "/api/v1/playbooks/PAY_DUPLICATE", undefined, READ],
		["GET", "/api/v1/resolutions", undefined, READ],
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
		...["summary", "cases", "regions", "skus", "heatmap", "carriers", "payments", "review"].map((r) => ["GET", `/api/v1/reports/${r}`, undefined, ["admin", "supervisor", "viewer"]]),
		["GET", "/metrics", undefined, ["admin", "supervisor", "viewer", "ingest"]],
		["GET", "/healthz", undefined, null],
		["GET", "/api/v1/openapi.json", undefined, null],
		["GET", "/", undefined, null],
		["GET", "/assets/style.css", undefined, null],
		["GET", "/api/v1/cases/counts", undefined, READ],
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
		assert.equal(me.json.csrf_token, csrf, "a reloaded console gets its session's CSRF token back");
		assert.equal((await d.get("/api/v1/me")).json.csrf_token, undefined, "a token has no CSRF token");
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

		const bare = await act(d, c.case_id, "transition", { to: "resolved" }, tokens.sup);
		assert.equal(bare.status, 400, "resolving needs a resolution: " + bare.text);
		for (const to of ["in_progress", "waiting_customer", "resolved", "closed"]) {
			const body = to === "resolved" ? { to, resolution: "phone_corrected", root_cause: "customer", note: "客户改了号码" } : { to };
			const r = await act(d, c.case_id, "transition", body, tokens.sup);
			assert.equal(r.status, 200, `${to}: ${r.text}`);
		}
		c = (await d.get(`/api/v1/cases/${c.case_id}`)).json;
		assert.equal(c.status, "closed");
		assert.ok(c.closed_at);
		assert.deepEqual(c.resolution, { code: "phone_corrected", root_cause: "customer" }, "closing keeps the record");
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

describe("playbooks on the desk", () => {
	let d, tokens;
	before(async () => {
		d = await startDaemon({ check: checkHttp, args: ["--config", config()] });
		tokens = await people(d);
	});
	after(async () => d && (await d.stop()));

	test("checklist items are ticked by id, shown in the case and its timeline", async () => {
		await post(d, [badOrder("B1", 0)]);
		const c = await caseOf(d, "B1");
		assert.deepEqual(c.checked, []);
		assert.equal(c.resolution, null);
		assert.equal(c.playbook, undefined, "the list has no playbook");
		const one = await d.get(`/api/v1/cases/${c.case_id}`);
		assert.equal(one.json.playbook.rule, "CUS_PHONE_INVALID");
		const ids = one.json.playbook.checklist.map((i) => i.id);
		assert.deepEqual(ids.slice(0, 2), ["review_phone", "contact_other_channel"]);
		assert.ok(one.json.playbook.resolutions.includes("phone_corrected"));

		let r = await act(d, c.case_id, "checklist", { item: "contact_other_channel", note: "已发短信" }, tokens["li.na"]);
		assert.equal(r.status, 200, r.text);
		r = await act(d, c.case_id, "checklist", { item: "review_phone", done: true }, tokens["li.na"]);
		assert.deepEqual(r.json.checked, ["contact_other_channel", "review_phone"], "in tick order");
		assert.equal(r.json.playbook.rule, "CUS_PHONE_INVALID", "an action answers with the case as GET does");
		const entries = r.json.timeline.filter((t) => ["checked", "unchecked"].includes(t.action) || (t.action === "note" && t.note === "已发短信"));
		assert.deepEqual(entries.map((t) => [t.action, t.note, t.actor]), [
			["checked", "contact_other_channel", "token:t-li.na"], ["note", "已发短信", "token:t-li.na"], ["checked", "review_phone", "token:t-li.na"]]);
		r = await act(d, c.case_id, "checklist", { item: "contact_other_channel", done: false }, tokens["li.na"]);
		assert.deepEqual(r.json.checked, ["review_phone"]);
		assert.deepEqual([r.json.timeline.at(-1).action, r.json.timeline.at(-1).note], ["unchecked", "contact_other_channel"]);
		assert.deepEqual((await caseOf(d, "B1")).checked, ["review_phone"], "the list shows them too");

		const typo = await act(d, c.case_id, "checklist", { item: "review_phon" }, tokens["li.na"]);
		assert.equal(typo.status, 400, typo.text);
		assert.match(typo.json.detail, /did you mean 'review_phone'/);
		const none = await act(d, c.case_id, "checklist", {}, tokens["li.na"]);
		assert.equal(none.status, 400, none.text);
		const other = await act(d, c.case_id, "checklist", { item: "review_phone" }, tokens["wang.wu"]);
		assert.equal(other.status, 403, other.text);
		const viewer = await act(d, c.case_id, "checklist", { item: "review_phone" }, tokens.vic);
		assert.equal(viewer.status, 403, viewer.text);
		const audit = await d.get(`/api/v1/audit?target=${c.case_id}&action=case.check`);
		assert.equal(audit.json.entries.length, 3, audit.text);
	});

	test("resolving needs a resolution of the case's category, a root cause and a note", async () => {
		await post(d, [badOrder("B2", 10)]);
		const c = await caseOf(d, "B2");
		const tries = [
			[{}, /resolution: required to resolve case .* category customer/],
			[{ resolution: "phone_corected", root_cause: "customer", note: "x" }, /did you mean 'phone_corrected'/],
			[{ resolution: "payment_confirmed", root_cause: "customer", note: "x" }, /not a resolution of category customer/],
			[{ resolution: "phone_corrected", note: "x" }, /root_cause: required/],
			[{ resolution: "phone_corrected", root_cause: "custmer", note: "x" }, /did you mean 'customer'/],
			[{ resolution: "phone_corrected", root_cause: "customer" }, /note: required/],
		];
		for (const [extra, why] of tries) {
			const r = await act(d, c.case_id, "transition", { to: "resolved", ...extra }, tokens["li.na"]);
			assert.equal(r.status, 400, `${JSON.stringify(extra)}: ${r.text}`);
			assert.match(r.json.detail, why);
		}
		const early = await act(d, c.case_id, "transition", { to: "acknowledged", resolution: "phone_corrected" }, tokens["li.na"]);
		assert.equal(early.status, 400, early.text);
		assert.equal((await d.get(`/api/v1/cases/${c.case_id}`)).json.status, "open", "nothing changed");

		const ok = await act(d, c.case_id, "transition", { to: "resolved", resolution: "phone_corrected", root_cause: "customer", note: "客户在旺旺上给了新号码" }, tokens["li.na"]);
		assert.equal(ok.status, 200, ok.text);
		assert.equal(ok.json.status, "resolved");
		assert.deepEqual(ok.json.resolution, { code: "phone_corrected", root_cause: "customer" });
		assert.equal(ok.json.timeline.at(-2).note, "客户在旺旺上给了新号码");
		assert.equal(ok.json.timeline.at(-1).action, "survey_due", "售后回访 is due");
		const listed = await d.get("/api/v1/cases?status=resolved");
		assert.deepEqual(listed.json.cases.find((x) => x.case_id === c.case_id).resolution, { code: "phone_corrected", root_cause: "customer" });
		const reopened = await act(d, c.case_id, "transition", { to: "open" }, tokens.sup);
		assert.equal(reopened.status, 200, reopened.text);
		assert.equal(reopened.json.resolution, null, "a reopened case is no longer resolved");
		const audit = await d.get(`/api/v1/audit?target=${c.case_id}&action=case.transition`);
		const detail = audit.json.entries.map((e) => (typeof e.detail === "string" ? JSON.parse(e.detail) : e.detail)).find((x) => x.to === "resolved");
		assert.equal(detail.resolution, "phone_corrected", JSON.stringify(audit.json.entries));
		assert.equal(detail.root_cause, "customer");
	});

	test("playbooks and the resolution taxonomy", async () => {
		const all = await d.get("/api/v1/playbooks");
		assert.equal(all.status, 200, all.text);
		assert.ok(all.json.playbooks.length >= 29, `${all.json.playbooks.length} playbooks`);
		assert.equal(new Set(all.json.playbooks.map((p) => p.rule)).size, all.json.playbooks.length);
		const en = await d.get("/api/v1/playbooks?lang=en");
		assert.ok(!en.text.includes('"zh"'), "English only");
		assert.equal((await d.get("/api/v1/playbooks?lang=fr")).status, 400);
		const one = await d.get("/api/v1/playbooks/PAY_DUPLICATE?lang=zh");
		assert.equal(one.status, 200, one.text);
		assert.equal(one.json.checklist[0].id, "ask_payment_proof");
		assert.ok(one.json.checklist[0].zh && !one.json.checklist[0].en);
		assert.equal(one.json.auto.mode, "auto_with_approval");
		const nope = await d.get("/api/v1/playbooks/PAY_DUPLICAT");
		assert.equal(nope.status, 404, nope.text);
		assert.match(nope.json.detail, /did you mean PAY_DUPLICATE/);
		const tax = await d.get("/api/v1/resolutions");
		assert.equal(tax.status, 200, tax.text);
		assert.ok(tax.json.resolutions.some((r) => r.code === "false_positive" && r.categories.length === 7));
		assert.deepEqual(tax.json.root_causes.map((r) => r.code), ["customer", "merchant", "platform", "payment_provider", "carrier", "warehouse", "system", "fraud"]);
	});

	test("a customer message previewed in both languages, missing variables listed", async () => {
		await post(d, [badOrder("B3", 20)]);
		const c = await caseOf(d, "B3");
		const zh = await act(d, c.case_id, "messages/preview", { step: "notify", lang: "zh", vars: { customer_name: "王女士" } }, tokens.vic);
		assert.equal(zh.status, 200, zh.text);
		assert.equal(zh.json.step, "notify");
		assert.equal(zh.json.lang, "zh");
		assert.ok(zh.json.text.startsWith("王女士"), zh.json.text);
		assert.ok(zh.json.text.includes("B3"), "order_id comes from the case");
		assert.ok(zh.json.text.includes("{shop}"), "a missing variable stays as written");
		assert.deepEqual(zh.json.missing, ["shop", "agent_name"]);
		const en = await act(d, c.case_id, "messages/preview", { step: "notify", lang: "en", vars: { customer_name: "Ms Wang", shop: "Yuejia", agent_name: "Xiaoyue", order_id: "TB-1" } }, tokens.vic);
		assert.equal(en.status, 200, en.text);
		assert.deepEqual(en.json.missing, []);
		assert.ok(en.json.text.startsWith("Hello Ms Wang") && en.json.text.includes("TB-1") && en.json.text.includes("Yuejia"), en.json.text);
		for (const [body, why] of [
			[{ step: "notfy", lang: "zh" }, /step: expected notify/],
			[{ step: "notify", lang: "fr" }, /lang: expected zh or en/],
			[{ step: "notify", lang: "zh", vars: { custmer_name: "x" } }, /did you mean \{customer_name\}/],
			[{ step: "notify", lang: "zh", vars: { customer_name: 3 } }, /expected a string/],
		]) {
			const r = await act(d, c.case_id, "messages/preview", body, tokens.vic);
			assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
			assert.match(r.json.detail, why);
		}
		assert.equal((await act(d, "C99999999", "messages/preview", { step: "notify", lang: "zh" })).status, 404);
	});
});

describe("actions survive kill -9", () => {
	test("acknowledged actions are replayed, audited once, and the case is the same", async () => {
		const d = await startDaemon({ check: checkHttp, args: ["--config", config()] });
		await post(d, [badOrder("K1", 0), badOrder("K2", 1)]);
		const c1 = await caseOf(d, "K1"), c2 = await caseOf(d, "K2");
		assert.equal((await act(d, c1.case_id, "transition", { to: "waiting_customer", note: "等客户回复" })).status, 200);
		assert.equal((await act(d, c1.case_id, "checklist", { item: "review_phone" })).status, 200);
		assert.equal((await act(d, c1.case_id, "checklist", { item: "contact_other_channel", note: "短信已发" })).status, 200);
		assert.equal((await act(d, c1.case_id, "checklist", { item: "review_phone", done: false })).status, 200);
		const resolved = await act(d, c2.case_id, "transition", { to: "resolved", resolution: "no_action_needed", root_cause: "customer", note: "客户确认号码无误" });
		assert.equal(resolved.status, 200, resolved.text);
		await post(d, [tick(30)]); /* K1 paused; K2 resolved: neither breaches respond */
		const before1 = (await d.get(`/api/v1/cases/${c1.case_id}`)).json;
		const before2 = (await d.get(`/api/v1/cases/${c2.case_id}`)).json;
		const auditBefore = (await d.get("/api/v1/audit?action=case.transition")).json.entries.length;
		await d.kill9();
		const d2 = await startDaemon({ check: checkHttp, dataDir: d.dataDir, args: ["--config", config()] });
		try {
			assert.deepEqual((await d2.get(`/api/v1/cases/${c1.case_id}`)).json, before1);
			assert.deepEqual((await d2.get(`/api/v1/cases/${c2.case_id}`)).json, before2);
			assert.deepEqual(before1.checked, ["contact_other_channel"]);
			assert.deepEqual(before2.resolution, { code: "no_action_needed", root_cause: "customer" });
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
