// blacklist.test.mjs - blacklist management on `ordex serve`
// (docs/blacklist.md): entries added and removed through the API change what
// FRD_BLACKLIST and the risk score see at once; expiry on the event clock;
// listing in order with cursors; CSV import (bad lines by number) and
// export; the audit trail; who may; and the list surviving kill -9 with the
// same cases after the replay. Every answer is checked against
// docs/openapi.json.
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
const cst = (min) => new Date(T0 + min * 60000 + 8 * 3600000).toISOString().replace("Z", "+08:00");
let nextId = 0;

/* An order.created whose customer has the given phone, device, ip, ... */
const order = (orderId, min, customer = {}) =>
	JSON.stringify({
		id: `b${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall",
		customer: {
			id: `u-${orderId}`, phone: "13812345678",
			address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" }, ...customer,
		},
		items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
	});
const tick = (min) => JSON.stringify({ id: `b${nextId++}`, type: "tick", ts: ts(min) });

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.rejected, 0, r.text);
	return r.json;
}

async function add(d, body) {
	const r = await d.request("POST", "/api/v1/blacklist", { body });
	assert.equal(r.status, 200, r.text);
	return r.json;
}

const importCsv = (d, text, opts = {}) => d.request("POST", "/api/v1/blacklist/import", { body: text, contentType: "text/csv", ...opts });

async function blacklistCases(d, orderId) {
	const r = await d.get(`/api/v1/cases?order_id=${orderId}&rule=FRD_BLACKLIST`);
	assert.equal(r.status, 200, r.text);
	return r.json.cases;
}

/* Every entry, following next_cursor pages of `limit`. */
async function allEntries(d, query = "", limit = 1000) {
	const out = [];
	let cursor = null;
	for (;;) {
		const q = new URLSearchParams(query);
		q.set("limit", String(limit));
		if (cursor) q.set("cursor", cursor);
		const r = await d.get(`/api/v1/blacklist?${q}`);
		assert.equal(r.status, 200, r.text);
		out.push(...r.json.entries);
		cursor = r.json.next_cursor;
		if (cursor === null) return out;
	}
}

describe("blacklist entries and detection", () => {
	let d;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		await post(d, [tick(0)]);
	});
	after(() => d.stop());

	test("added, an order with that phone opens FRD_BLACKLIST; removed, the next does not", async () => {
		const a = await add(d, { kind: "phone", value: "+86 139 0000 1111", reason: "拒收 3 次" });
		assert.deepEqual(a, {
			added: 1, updated: 0,
			entries: [{ kind: "phone", value: "13900001111", reason: "拒收 3 次", expires_at: null, added_by: "token:bootstrap", added_at: cst(0), source: "api" }],
		});
		// the risk score sees it at once
		const s = await d.request("POST", "/api/v1/risk/score", { body: { channel: "tmall", customer: { id: "x", phone: "13900001111" }, items: [{ sku: "S", qty: 1, price: "1.00" }], total: "1.00" } });
		assert.equal(s.status, 200, s.text);
		assert.ok(s.json.reasons.some((r) => r.code === "blacklist" && r.message_zh === "电话“13900001111”在黑名单中"), s.text);

		await post(d, [order("B1", 1, { phone: "139 0000 1111" })]);
		const cases = await blacklistCases(d, "B1");
		assert.equal(cases.length, 1);
		assert.deepEqual(cases[0].reasons, ["电话“139 0000 1111”在黑名单中"]);

		const rm = await d.request("DELETE", "/api/v1/blacklist?kind=phone&value=%2B86%20139%200000%201111");
		assert.equal(rm.status, 200, rm.text);
		assert.deepEqual(rm.json, { removed: 1 });
		const again = await d.request("DELETE", "/api/v1/blacklist?kind=phone&value=13900001111");
		assert.equal(again.status, 404);
		assert.equal(again.json.detail, 'phone "13900001111" is not listed');
		await post(d, [order("B2", 2, { phone: "13900001111" })]);
		assert.equal((await blacklistCases(d, "B2")).length, 0);
	});

	test("every kind, an address in any spelling, updates", async () => {
		const a = await add(d, {
			entries: [
				{ kind: "address", value: "上海市/市辖区/浦东新区/世纪大道 １００号", reason: "刷单收货地址" },
				{ kind: "device", value: " dev-7f3a " },
				{ kind: "ip", value: "203.0.113.7" },
				{ kind: "customer", value: "u-bad" },
			],
		});
		assert.equal(a.added, 4);
		assert.deepEqual(a.entries.map((e) => e.value), ["上海市/上海市/浦东新区/世纪大道100号", "dev-7f3a", "203.0.113.7", "u-bad"]);
		await post(d, [order("B3", 3, { address: { province: "上海市", city: "上海市", district: "浦东新区", detail: "世纪大道100号" } })]);
		assert.deepEqual((await blacklistCases(d, "B3"))[0].reasons, ["收货地址在黑名单中"]);
		await post(d, [order("B4", 4, { id: "u-bad", device_id: "dev-7f3a", ip: "203.0.113.7" })]);
		assert.deepEqual((await blacklistCases(d, "B4"))[0].reasons, ["账号“u-bad”在黑名单中", "设备“dev-7f3a”在黑名单中", "IP“203.0.113.7”在黑名单中"]);
		// the stored form is accepted back, and adding again updates
		const u = await add(d, { kind: "address", value: "上海市/上海市/浦东新区/世纪大道100号", reason: "改了原因" });
		assert.deepEqual([u.added, u.updated, u.entries[0].reason], [0, 1, "改了原因"]);
		const rm = await d.request("DELETE", `/api/v1/blacklist?kind=address&value=${encodeURIComponent("上海市/上海市/浦东新区/世纪大道100号")}`);
		assert.equal(rm.status, 200, rm.text);
	});

	test("400 names the entry and the member; nothing of the request applies", async () => {
		for (const [body, detail] of [
			[{ entries: [{ kind: "ip", value: "10.9.9.9" }, { kind: "mobile", value: "1" }] }, 'entries[1].kind: unknown kind "mobile" (expected customer, phone, device, ip or address)'],
			[{ entries: [{ kind: "address", value: "北京市/北京市/朝阳区" }] }, "entries[0].value: an address needs 4 parts: province/city/district/detail"],
			[{ kind: "ip", value: "10.9.9.9", reason: "x".repeat(501) }, "reason: at most 500 bytes of UTF-8 text without control characters"],
			[{ kind: "ip", value: "10.9.9.9", ttl: "1h", expires_at: "2026-11-12T00:00:00+08:00" }, "body: give expires_at or ttl, not both"],
			[{ kind: "ip", value: "10.9.9.9", expires_at: "2026-11-11T09:00:00+08:00" }, `entries[0].expires_at: ${cst(-60)} is not after the time of the change, ${cst(4)}`],
			[{ entries: [] }, "entries: expected a list of 1 to 1000 entries"],
		]) {
			const r = await d.request("POST", "/api/v1/blacklist", { body });
			assert.equal(r.status, 400, JSON.stringify(body));
			assert.equal(r.json.detail, detail);
		}
		assert.equal((await allEntries(d, "q=10.9.9.9")).length, 0);
		for (const [query, detail] of [
			["", "kind: one of customer, phone, device, ip, address"],
			["kind=phone", "value: required"],
			["kind=address&value=a%2Fb", "value: an address needs 4 parts: province/city/district/detail"],
		]) {
			const r = await d.request("DELETE", `/api/v1/blacklist?${query}`);
			assert.equal(r.status, 400, query);
			assert.equal(r.json.detail, detail);
		}
	});

	test("listing: list order, pages by cursor, filters", async () => {
		await add(d, { entries: ["13800000003", "13800000001", "13800000002"].map((value) => ({ kind: "phone", value })) });
		const all = await allEntries(d);
		const keys = all.map((e) => `${e.kind}:${e.value}`);
		const order = ["customer", "phone", "device", "ip", "address"];
		const sorted = [...all].sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind) || Buffer.compare(Buffer.from(x.value), Buffer.from(y.value)));
		assert.deepEqual(keys, sorted.map((e) => `${e.kind}:${e.value}`));
		assert.deepEqual(await allEntries(d, "", 2), all, "pages of 2 give the same list");
		const page = await d.get("/api/v1/blacklist?limit=1&kind=phone");
		assert.equal(page.json.next_cursor, "phone:13800000001");
		assert.deepEqual((await allEntries(d, "kind=phone")).map((e) => e.value), ["13800000001", "13800000002", "13800000003"]);
		assert.deepEqual((await allEntries(d, "q=0000002")).map((e) => e.value), ["13800000002"]);
		for (const [query, detail] of [
			["kind=mobile", "kind: one of customer, phone, device, ip, address"],
			["limit=0", 'limit: expected 1..1000, got "0"'],
			["cursor=nope", "cursor: not a next_cursor of this listing"],
			["format=xml", "format: json or csv"],
		]) {
			const r = await d.get(`/api/v1/blacklist?${query}`);
			assert.equal(r.status, 400, query);
			assert.equal(r.json.detail, detail);
		}
	});
});

describe("expiry on the event clock", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp })));
	after(() => d.stop());

	test("an entry with a ttl stops matching when the event clock passes it", async () => {
		await post(d, [tick(0)]);
		const a = await add(d, { entries: [{ kind: "device", value: "dev-x", ttl: "1h" }, { kind: "ip", value: "10.0.0.1", expires_at: cst(30) }] });
		assert.deepEqual(a.entries.map((e) => e.expires_at), [cst(60), cst(30)]);
		await post(d, [order("E1", 20, { device_id: "dev-x", ip: "10.0.0.1" })]);
		assert.equal((await blacklistCases(d, "E1"))[0].reasons.length, 2);
		await post(d, [order("E2", 30, { device_id: "dev-x", ip: "10.0.0.1" })]); // the ip expires at 10:30
		assert.deepEqual((await blacklistCases(d, "E2"))[0].reasons, ["设备“dev-x”在黑名单中"]);
		await post(d, [tick(60)]);
		assert.deepEqual(await allEntries(d), []);
		await post(d, [order("E3", 61, { device_id: "dev-x" })]);
		assert.equal((await blacklistCases(d, "E3")).length, 0);
		// an expiry the clock has passed is refused
		const late = await d.request("POST", "/api/v1/blacklist", { body: { kind: "ip", value: "10.0.0.2", expires_at: cst(61) } });
		assert.equal(late.status, 400);
		assert.match(late.json.detail, /is not after the time of the change/);
	});
});

describe("CSV import and export", () => {
	let d, d2;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		d2 = await startDaemon({ check: checkHttp });
		await post(d, [tick(0)]);
		await post(d2, [tick(0)]);
	});
	after(async () => {
		await d.stop();
		await d2.stop();
	});

	test("bad records are rejected with their line, the others apply", async () => {
		const csv = "\uFEFFkind,value,reason,expires_at\r\n" + // 1
			'phone,+86 138 0000 0001,"拒收, ""3"" 次",\r\n' + // 2
			"mobile,13800000002,,\r\n" + // 3
			'customer,"u-1",,' + cst(120) + "\r\n" + // 4
			"\r\n" + // 5
			"address,北京市/北京市/朝阳区,,\r\n" + // 6
			'device,dev-1,"两行\n原因",\r\n' + // 7-8
			"ip,10.1.1.1,,yesterday\r\n" + // 9
			'ip,"10.1.1.2"x,,\r\n' + // 10
			"ip,10.1.1.3,,\r\n"; // 11
		const r = await importCsv(d, csv);
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json, {
			added: 3, updated: 0, rejected: 5,
			errors: [
				{ line: 3, error: 'kind: unknown kind "mobile" (expected customer, phone, device, ip or address)' },
				{ line: 6, error: "value: an address needs 4 parts: province/city/district/detail" },
				{ line: 7, error: "reason: at most 500 bytes of UTF-8 text without control characters" },
				{ line: 9, error: "expires_at: expected an RFC 3339 time with an offset, or nothing" },
				{ line: 10, error: "text after a closing quote" },
			],
		});
		const entries = await allEntries(d);
		assert.deepEqual(entries.map((e) => [e.kind, e.value, e.reason, e.expires_at]), [
			["customer", "u-1", "", cst(120)],
			["phone", "13800000001", '拒收, "3" 次', null],
			["ip", "10.1.1.3", "", null],
		]);
		// importing again updates
		const again = await importCsv(d, "kind,value\nip,10.1.1.3\n");
		assert.deepEqual([again.json.added, again.json.updated], [0, 1]);
	});

	test("a body that cannot be read is refused whole", async () => {
		for (const [body, detail] of [
			["phone,13800000000\n", 'line 1: unknown column "phone" (expected kind, value, reason, expires_at, added_by, added_at, source)'],
			["", "a header naming the columns is required, with kind and value at least"],
			["kind,reason\nip,x\n", "line 1: the header must name the columns kind and value at least"],
			["kind,value\n" + "ip,10.0.0.1\n".repeat(5001), "more than 5000 records (line 5002)"],
		]) {
			const r = await importCsv(d, body);
			assert.equal(r.status, 400, body.slice(0, 40));
			assert.equal(r.json.detail, detail);
		}
	});

	test("an export imports into another daemon as the same list", async () => {
		await add(d, { entries: [{ kind: "address", value: "广东省/广州市/天河区/体育西路1号/2楼", reason: "a,b" }, { kind: "device", value: "d\"1", ttl: "30d" }] });
		const out = await d.get("/api/v1/blacklist?format=csv");
		assert.equal(out.status, 200);
		assert.equal(out.contentType, "text/csv; charset=utf-8");
		const lines = out.text.split("\r\n");
		assert.equal(lines[0], "kind,value,reason,expires_at,added_by,added_at,source");
		assert.ok(lines.includes(`address,广东省/广州市/天河区/体育西路1号/2楼,"a,b",,token:bootstrap,${cst(0)},api`), out.text);
		assert.ok(lines.includes(`device,"d""1",,${cst(30 * 24 * 60)},token:bootstrap,${cst(0)},api`), out.text);
		const r = await importCsv(d2, out.text);
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.rejected, 0);
		assert.equal(r.json.added, lines.length - 2);
		const back = await d2.get("/api/v1/blacklist?format=csv");
		assert.equal(back.text, out.text);
		// the kind and q filters apply to the export too
		const phones = await d.get("/api/v1/blacklist?format=csv&kind=phone");
		assert.deepEqual(phones.text.split("\r\n").filter(Boolean).slice(1).map((l) => l.split(",")[0]), ["phone"]);
	});

	test("every change and every read is audited", async () => {
		const adds = await d.get("/api/v1/audit?action=blacklist.add&limit=100");
		assert.equal(adds.status, 200, adds.text);
		assert.equal(adds.json.entries.length, 3); // the import, its repeat, the add
		const imp = adds.json.entries.at(-1);
		assert.equal(imp.actor, "token:bootstrap");
		assert.equal(imp.target, "3 entries");
		assert.equal(imp.detail.op, "add");
		assert.deepEqual(imp.detail.entries.map((e) => e.value), ["13800000001", "u-1", "10.1.1.3"]);
		const one = adds.json.entries.find((e) => e.target === "ip:10.1.1.3");
		assert.ok(one, adds.text);
		await d.request("DELETE", "/api/v1/blacklist?kind=ip&value=10.1.1.3");
		const rms = await d.get("/api/v1/audit?action=blacklist.remove");
		assert.deepEqual(rms.json.entries.map((e) => [e.target, e.detail.entries]), [["ip:10.1.1.3", [{ kind: "ip", value: "10.1.1.3" }]]]);
		const reads = await d.get("/api/v1/audit?action=pii.read");
		assert.ok(reads.json.entries.some((e) => e.target === "blacklist.csv"), reads.text);
		assert.ok(reads.json.entries.some((e) => e.target === "blacklist"), reads.text);
	});
});

describe("who may manage the blacklist", () => {
	let d;
	const tokens = {};
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		for (const role of ["viewer", "ingest", "supervisor", "agent"]) {
			const body = { name: `t-${role}`, role };
			if (role === "supervisor" || role === "agent") {
				const u = await d.request("POST", "/api/v1/users", { body: { name: `u-${role}`, role, teams: ["risk"], password: "correct horse 1", display: "测试" } });
				assert.equal(u.status, 201, u.text);
				body.user = `u-${role}`;
			}
			const t = await d.request("POST", "/api/v1/tokens", { body });
			assert.equal(t.status, 201, t.text);
			tokens[role] = t.json.secret;
		}
	});
	after(() => d.stop());

	test("supervisor and admin may, viewer, agent and ingest may not, nobody without a token", async () => {
		const calls = [
			["GET", "/api/v1/blacklist", undefined, undefined],
			["GET", "/api/v1/blacklist?format=csv", undefined, undefined],
			["POST", "/api/v1/blacklist", { kind: "ip", value: "10.2.2.2" }, undefined],
			["POST", "/api/v1/blacklist/import", "kind,value\nip,10.2.2.3\n", "text/csv"],
			["DELETE", "/api/v1/blacklist?kind=ip&value=10.2.2.2", undefined, undefined],
		];
		for (const [method, path, body, contentType] of calls) {
			for (const [role, ok] of [["viewer", false], ["agent", false], ["ingest", false], ["supervisor", true]]) {
				const r = await d.request(method, path, { body, contentType, token: tokens[role] });
				if (ok) assert.equal(r.status, 200, `${role} ${method} ${path}: ${r.text}`);
				else {
					assert.equal(r.status, 403, `${role} ${method} ${path}: ${r.text}`);
					assert.equal(r.json.detail, `role ${role} lacks the permission blacklist`);
				}
			}
			assert.equal((await d.request(method, path, { body, contentType, token: null })).status, 401);
		}
		const who = await d.get("/api/v1/blacklist");
		assert.equal(who.json.entries[0].added_by, "token:t-supervisor");
	});

	test("a body over 1 MiB is refused", async () => {
		const r = await importCsv(d, "kind,value\n" + "ip,10.0.0.1\n".repeat(90000));
		assert.equal(r.status, 413);
		const big = await d.request("POST", "/api/v1/blacklist", { body: { entries: Array.from({ length: 1000 }, (_, i) => ({ kind: "customer", value: `${i}`.padEnd(600, "x"), reason: "备".repeat(160) })) } });
		assert.equal(big.status, 413);
	});
});

describe("the blacklist survives kill -9", () => {
	test("entries, expiries and the cases they opened come back the same from the log", async () => {
		const d = await startDaemon({ check: checkHttp });
		await post(d, [tick(0)]);
		await add(d, { kind: "phone", value: "13900000001", reason: "一" });
		await post(d, [order("K1", 1, { phone: "13900000001" })]);
		const rm = await d.request("DELETE", "/api/v1/blacklist?kind=phone&value=13900000001");
		assert.equal(rm.status, 200);
		await post(d, [order("K2", 2, { phone: "13900000001" })]);
		await add(d, { entries: [{ kind: "device", value: "dev-k", ttl: "1h" }, { kind: "ip", value: "10.3.3.3" }] });
		assert.equal((await importCsv(d, "kind,value,reason\ncustomer,u-k,导入\n")).status, 200);
		await post(d, [order("K3", 3, { device_id: "dev-k", id: "u-k" })]);
		const casesBefore = await d.allCases();
		const entriesBefore = await allEntries(d);
		assert.deepEqual(casesBefore.filter((c) => c.rule === "FRD_BLACKLIST").map((c) => c.order_id).sort(), ["K1", "K3"]);
		const audited = (await d.get("/api/v1/audit?action=blacklist.add")).json.entries.length;
		await d.kill9();

		const d2 = await startDaemon({ check: checkHttp, dataDir: d.dataDir });
		try {
			assert.deepEqual(await allEntries(d2), entriesBefore);
			assert.deepEqual(await d2.allCases(), casesBefore, "the replay changed no case");
			assert.equal((await d2.get("/api/v1/audit?action=blacklist.add")).json.entries.length, audited, "audited once");
			// the list goes on where it was: the device expires at 11:02
			await post(d2, [order("K4", 30, { device_id: "dev-k" })]);
			assert.equal((await blacklistCases(d2, "K4")).length, 1);
			await post(d2, [tick(63)]);
			await post(d2, [order("K5", 64, { device_id: "dev-k" })]);
			assert.equal((await blacklistCases(d2, "K5")).length, 0);
			assert.deepEqual((await allEntries(d2)).map((e) => e.value), ["u-k", "10.3.3.3"]);
			// and a second restart replays the expiry at the same place
			const casesNow = await d2.allCases();
			await d2.stop();
			const d3 = await startDaemon({ check: checkHttp, dataDir: d.dataDir });
			try {
				assert.deepEqual((await allEntries(d3)).map((e) => e.value), ["u-k", "10.3.3.3"]);
				assert.deepEqual(await d3.allCases(), casesNow);
			} finally {
				await d3.stop();
			}
		} finally {
			if (d2.proc.exitCode === null) await d2.stop();
			rmSync(d.dataDir, { recursive: true, force: true });
		}
	});
});
