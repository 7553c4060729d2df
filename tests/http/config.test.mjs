// config.test.mjs - the rule parameters changed live (docs/config.md, "Live
// changes"): GET and PUT /api/v1/config/rules, the checks of the file's own
// parser, all or nothing, who may, the audit trail, and the change reaching
// detection: at once, after a restart from a snapshot or from the log
// alone, and as `ordex replay` with the same values in a file.
import assert from "node:assert/strict";
import { rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { replayAsync, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const PATH = "/api/v1/config/rules";
const T0 = Date.parse("2026-11-11T10:00:00.000+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 1;
const ev = (o) => JSON.stringify({ id: `e${nextId++}`, ...o });
const created = (order, min, channel = "tmall") =>
	ev({ type: "order.created", ts: ts(min), order_id: order, channel, customer: { id: `c-${order}`, phone: "13812345678", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } }, items: [{ sku: "S1", qty: 1, price: "99.00" }], total: "99.00" });
const failed = (order, min) => ev({ type: "payment.failed", ts: ts(min), order_id: order, amount: "99.00", method: "alipay", reason: "insufficient_funds" });
const tick = (min) => ev({ type: "tick", ts: ts(min) });

const put = (d, body, token) => d.request("PUT", PATH, { body, ...(token ? { token } : {}) });

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.accepted, lines.length, r.text);
}

/* The PAY_FAILED cases, as "order opened_at". */
async function payFailed(d) {
	return (await d.allCases("rule=PAY_FAILED")).map((c) => `${c.order_id} ${c.opened_at}`).sort();
}

async function tokensFor(d) {
	const tokens = {};
	for (const role of ["viewer", "agent", "supervisor"]) {
		const body = { name: `t-${role}`, role };
		if (role !== "viewer") {
			const u = await d.request("POST", "/api/v1/users", { body: { name: `u-${role}`, role, teams: ["payments"], password: "correct horse 1", display: "测试" } });
			assert.equal(u.status, 201, u.text);
			body.user = `u-${role}`;
		}
		const t = await d.request("POST", "/api/v1/tokens", { body });
		assert.equal(t.status, 201, t.text);
		tokens[role] = t.json.secret;
	}
	return tokens;
}

describe("GET and PUT /api/v1/config/rules", () => {
	let d, tokens;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		tokens = await tokensFor(d);
	});
	after(async () => d && (await d.stop()));

	test("every parameter of the table, the 29 rules, and whether the caller may write", async () => {
		const r = await d.get(PATH);
		assert.equal(r.status, 200, r.text);
		const byKey = new Map(r.json.parameters.map((p) => [p.key, p]));
		assert.deepEqual(byKey.get("payment.retry_window"), { key: "payment.retry_window", type: "duration", value: "15m", default: "15m", min: "1ms", max: "87600h", channel: true, live: true });
		assert.deepEqual(byKey.get("fraud.threshold"), { key: "fraud.threshold", type: "integer", value: 60, default: 60, min: 1, max: 1000, channel: true, live: true });
		assert.equal(byKey.get("fraud.address.weight").channel, false);
		assert.equal(byKey.get("inventory.drift_window").live, false, "engine-wide deadlines: file only");
		assert.equal(byKey.get("sla.P1.respond").live, false);
		assert.deepEqual(byKey.get("sync.required").value, ["wms", "erp"]);
		assert.equal(r.json.rules.length, 29);
		const dup = r.json.rules.find((x) => x.code === "PAY_DUPLICATE");
		assert.deepEqual(dup.value, { enabled: true, severity: "P1", team: "payments" });
		assert.deepEqual(dup.default, dup.value);
		assert.equal(dup.title_zh, "重复支付");
		assert.deepEqual(r.json.channels, []);
		assert.deepEqual(r.json.overrides, {});
		assert.equal(r.json.writable, true);
	});

	test("a supervisor reads (not writable), an agent or a viewer does not; only an admin writes", async () => {
		const s = await d.get(PATH, { token: tokens.supervisor });
		assert.equal(s.status, 200, s.text);
		assert.equal(s.json.writable, false);
		for (const role of ["agent", "viewer"])
			assert.equal((await d.get(PATH, { token: tokens[role] })).status, 403, role);
		for (const role of ["supervisor", "agent", "viewer"]) {
			const r = await put(d, { set: { "fraud.threshold": 50 } }, tokens[role]);
			assert.equal(r.status, 403, `${role}: ${r.text}`);
		}
		assert.equal((await d.get(PATH)).json.overrides["fraud.threshold"], undefined, "nothing changed");
	});

	test("a change: old and new values, in the listing, and audited with who and the note", async () => {
		const r = await put(d, { set: { "payment.retry_window": "20m", "rules.PAY_DUPLICATE.severity": "P2", "channels.pdd.fraud.threshold": 50 }, note: "双十一放宽" });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json, { note: "双十一放宽", changes: [
			{ key: "payment.retry_window", old: "15m", new: "20m" },
			{ key: "rules.PAY_DUPLICATE.severity", old: "P1", new: "P2" },
			{ key: "channels.pdd.fraud.threshold", old: 60, new: 50 }] });
		const g = (await d.get(PATH)).json;
		assert.deepEqual(g.overrides, { "channels.pdd.fraud.threshold": 50, "payment.retry_window": "20m", "rules.PAY_DUPLICATE.severity": "P2" });
		assert.equal(g.parameters.find((p) => p.key === "payment.retry_window").value, "20m");
		assert.equal(g.rules.find((x) => x.code === "PAY_DUPLICATE").value.severity, "P2");
		assert.equal(g.channels.length, 1);
		assert.equal(g.channels[0].channel, "pdd");
		assert.equal(g.channels[0].values["fraud.threshold"], 50);
		assert.equal(g.channels[0].values["payment.retry_window"], "20m", "a new block starts from the globals");

		const a = await d.get("/api/v1/audit?action=config.change");
		assert.equal(a.status, 200, a.text);
		assert.equal(a.json.entries.length, 1);
		const e = a.json.entries[0];
		assert.equal(e.actor, "token:bootstrap");
		assert.equal(e.target, "config/rules");
		assert.deepEqual(e.detail, r.json);

		// a global change reaches a channel block that does not set the key
		const r2 = await put(d, { set: { "payment.retry_window": "25m" } });
		assert.equal(r2.status, 200, r2.text);
		assert.equal((await d.get(PATH)).json.channels[0].values["payment.retry_window"], "25m");

		// unset: back to the file's value
		const u = await put(d, { unset: ["payment.retry_window", "rules.PAY_DUPLICATE.severity", "channels.pdd.fraud.threshold"], note: "恢复" });
		assert.equal(u.status, 200, u.text);
		assert.deepEqual(u.json.changes.map((c) => [c.key, c.new]), [["payment.retry_window", "15m"], ["rules.PAY_DUPLICATE.severity", "P1"], ["channels.pdd.fraud.threshold", 60]]);
		assert.deepEqual((await d.get(PATH)).json.overrides, {});
		assert.equal((await d.get("/api/v1/audit?action=config.change")).json.entries.length, 3);
	});

	test("refused with the file's own checks, all or nothing", async () => {
		const cases = [
			[{ set: { "payment.retry_windw": "20m" } }, "payment.retry_windw: unknown key (did you mean payment.retry_window?)"],
			[{ set: { "rules.PAY_DUPLICAT.severity": "P2" } }, "rules.PAY_DUPLICAT.severity: unknown rule (did you mean rules.PAY_DUPLICATE?)"],
			[{ set: { "rules.PAY_DUPLICATE.severty": "P2" } }, "rules.PAY_DUPLICATE.severty: unknown key (did you mean rules.PAY_DUPLICATE.severity?)"],
			[{ set: { "channels.pdd.fraud.address.weight": 3 } }, "channels.pdd.fraud.address.weight: cannot be set per channel"],
			[{ set: { "sla.P1.respond": "5m" } }, "sla.P1.respond: can only be changed in the config file (and a restart)"],
			[{ set: { "fraud.threshold": "50" } }, "'fraud.threshold' must be an integer"],
			[{ set: { "fraud.threshold": 0 } }, "'fraud.threshold' must be >= 1"],
			[{ set: { "fraud.threshold": 1001 } }, "'fraud.threshold' must be <= 1000"],
			[{ set: { "payment.retry_window": "20x" } }, "'payment.retry_window' must be a duration such as 90s, 15m, 72h, 2d or 1h30m"],
			[{ set: { "payment.retry_window": 20 } }, "'payment.retry_window' must be a duration such as 90s, 15m, 72h, 2d or 1h30m"],
			[{ set: { "rules.PAY_FAILED.enabled": "yes" } }, "'rules.PAY_FAILED.enabled' must be true or false"],
			[{ set: { "rules.PAY_FAILED.severity": "P5" } }, "'rules.PAY_FAILED.severity' must be one of P1, P2, P3, P4"],
			[{ set: { "rules.PAY_FAILED.team": "pay ops" } }, "'rules.PAY_FAILED.team' must be a team name of letters, digits, '_', '-' and '.'"],
			[{ set: { "sync.required": ["wms", "wms"] } }, "'sync.required' lists 'wms' twice"],
			[{ set: { "fraud.threshold": { a: 1 } } }, "fraud.threshold: the value must be a string, a number, true, false or a list of names"],
			[{ set: { "fraud.threshold": null } }, "fraud.threshold: the value must be a string, a number, true, false or a list of names"],
			[{ set: {} }, "set: at least one key to set or unset"],
			[{ set: { "fraud.threshold": 50 }, unset: ["fraud.threshold"] }, "fraud.threshold: named twice"],
			[{ set: { "fraud.threshold": 50 }, who: "me" }, "who: unknown member (set, unset, note)"],
			[{ set: { "fraud.threshold": 50 }, note: 5 }, "note: text of at most 500 bytes"],
		];
		for (const [body, detail] of cases) {
			const r = await put(d, body);
			assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
			assert.equal(r.json.detail, detail, JSON.stringify(body));
		}
		const bad = await d.request("PUT", PATH, { body: "{\"set\":", contentType: "application/json" });
		assert.equal(bad.status, 400, bad.text);

		// the good key of a refused change does not apply either
		const r = await put(d, { set: { "payment.retry_window": "5m", "fraud.threshold": 5000 } });
		assert.equal(r.status, 400, r.text);
		const g = (await d.get(PATH)).json;
		assert.equal(g.parameters.find((p) => p.key === "payment.retry_window").value, "15m");
		assert.deepEqual(g.overrides, {});
		assert.equal((await d.get("/api/v1/audit?action=config.change")).json.entries.length, 3, "nothing audited");
	});
});

describe("a change reaches detection and survives restarts", () => {
	let d, ctl, cfgDir;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		ctl = await startDaemon({ check: checkHttp });
		cfgDir = mkdtempSync(join(tmpdir(), "ordex-cfg-"));
	});
	after(async () => {
		if (d) await d.stop();
		if (ctl) await ctl.stop();
		rmSync(cfgDir, { recursive: true, force: true });
	});

	const stream = () => {
		nextId = 1;
		return {
			before: [created("A1", 0), failed("A1", 1)],
			after: [created("B1", 2), failed("B1", 3), tick(6)],
		};
	};

	test("a shorter retry window opens cases the default would not, for pending deadlines too", async () => {
		const s = stream();
		await post(d, s.before);
		await post(ctl, s.before);
		const r = await put(d, { set: { "payment.retry_window": "2m" }, note: "faster" });
		assert.equal(r.status, 200, r.text);
		await post(d, s.after);
		await post(ctl, s.after);
		assert.deepEqual(await payFailed(ctl), [], "15m: nothing yet");
		// A1's deadline was pending at 1+15m: it moved to 1+2m
		assert.deepEqual(await payFailed(d), ["A1 2026-11-11T10:03:00.000+08:00", "B1 2026-11-11T10:05:00.000+08:00"]);
	});

	test("a restart from the snapshot, then from the log alone, keeps the change and the cases", async () => {
		const want = await payFailed(d);
		await d.stop({ keepData: true }); // writes a snapshot
		let d2 = await startDaemon({ check: checkHttp, dataDir: d.dataDir });
		assert.match(d2.stderr, /read snapshot/);
		assert.deepEqual((await d2.get(PATH)).json.overrides, { "payment.retry_window": "2m" });
		assert.deepEqual(await payFailed(d2), want);
		await post(d2, [created("C1", 7), failed("C1", 8), tick(11)]);
		const want2 = await payFailed(d2);
		assert.deepEqual(want2, [...want, "C1 2026-11-11T10:10:00.000+08:00"]);
		await d2.kill9();
		rmSync(join(d.dataDir, "snapshots"), { recursive: true, force: true });
		d2 = await startDaemon({ check: checkHttp, dataDir: d.dataDir });
		assert.doesNotMatch(d2.stderr, /read snapshot/);
		assert.deepEqual((await d2.get(PATH)).json.overrides, { "payment.retry_window": "2m" });
		assert.deepEqual(await payFailed(d2), want2);
		assert.equal((await d2.get("/api/v1/audit?action=config.change")).json.entries.length, 1, "audited once");
		d = d2;
	});

	test("the same as `ordex replay` with the value in a file", async () => {
		const file = join(cfgDir, "events.ndjson"), cfg = join(cfgDir, "ordex.yaml");
		nextId = 100;
		const lines = [created("D1", 0), failed("D1", 1), created("D2", 2, "pdd"), failed("D2", 2), tick(10)];
		writeFileSync(file, lines.join("\n") + "\n");
		writeFileSync(cfg, "payment: { retry_window: 3m }\nchannels: { pdd: { payment: { retry_window: 5m } } }\n");
		const e = await startDaemon({ check: checkHttp });
		try {
			const r = await put(e, { set: { "payment.retry_window": "3m", "channels.pdd.payment.retry_window": "5m" } });
			assert.equal(r.status, 200, r.text);
			await post(e, lines);
			const want = await replayAsync(file, ["--config", cfg]);
			assert.equal(want.status, 0, want.stderr);
			const got = await e.allCases();
			const key = (c) => `${c.case_id} ${c.rule} ${c.order_id} ${c.opened_at} ${c.severity}`;
			assert.deepEqual(got.map(key).sort(), want.cases.map(key).sort());
			assert.ok(got.some((c) => c.rule === "PAY_FAILED" && c.order_id === "D2" && c.opened_at === "2026-11-11T10:07:00.000+08:00"), "pdd's own window");
		} finally {
			await e.stop();
		}
	});
});
