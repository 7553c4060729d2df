// prevent.test.mjs - the prevention services of `ordex serve`
// (docs/prevent.md): intake validation (the CUS_* rules' own checks and
// words), risk scoring against the live fraud windows (FRD_SUSPECT's own
// score), and who may call them. Every answer is checked against
// docs/openapi.json.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;

const ADDR = { province: "广东省", city: "深圳市", district: "福田区", detail: "华强北路 8 号" };
const order = (over = {}) => ({
	channel: "tmall",
	customer: { id: "u1", phone: "13812345678", address: { ...ADDR }, ...(over.customer ?? {}) },
	items: [{ sku: "SKU-TEA", qty: 2, price: "59.90" }],
	total: "119.80",
	...Object.fromEntries(Object.entries(over).filter(([k]) => k !== "customer")),
});
const asEvent = (orderId, min, o) => JSON.stringify({ id: `p${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, ...o });

describe("POST /api/v1/validate/order", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp })));
	after(() => d.stop());

	test("a valid order", async () => {
		const r = await d.request("POST", "/api/v1/validate/order", { body: order() });
		assert.equal(r.status, 200, r.text);
		assert.deepEqual(r.json, { valid: true, problems: [] });
	});

	test("problems with their codes, words and suggestions", async () => {
		const r = await d.request("POST", "/api/v1/validate/order", {
			body: order({
				customer: { phone: "138-1234-5678", address: { province: "湖南省", city: "深圳市", district: "南山", detail: "科技园" } },
				items: [{ sku: "A", qty: 0, price: "1.00" }, { sku: "B", qty: 60, price: "1.00" }],
				total: "100.00",
				remark: "加急，要发票",
			}),
		});
		assert.equal(r.status, 200, r.text);
		assert.equal(r.json.valid, false);
		assert.deepEqual(r.json.problems.map((p) => [p.code, p.field]), [
			["city_not_in_province", "customer.address.city"],
			["detail_too_short", "customer.address.detail"],
			["phone_invalid", "customer.phone"],
			["qty_not_positive", "items[0].qty"],
			["qty_above_max", "items[1].qty"],
			["remark_attention", "remark"],
		]);
		const [city, , phone, , , remark] = r.json.problems;
		assert.equal(city.message_zh, "城市“深圳市”不属于“湖南省”");
		assert.equal(city.message_en, 'city "深圳市" is not in "湖南省"');
		assert.deepEqual(city.suggestion, { province: "广东省", city: "深圳市", district: "南山区" });
		assert.equal(phone.message_zh, "联系电话“138-****-5678”不是有效的手机号或座机号");
		assert.deepEqual(phone.suggestion, { phone: "13812345678" });
		assert.equal(remark.message_zh, "备注“加急，要发票”含关注词：加急、发票");
		assert.equal(remark.suggestion, null);

		const t = await d.request("POST", "/api/v1/validate/order", { body: order({ total: "500.00" }) });
		assert.deepEqual(t.json.problems.map((p) => [p.code, p.suggestion]), [["total_above_items", { total: "119.80" }]]);
		// a remark to read is not an error
		const k = await d.request("POST", "/api/v1/validate/order", { body: order({ remark: "送人的礼物" }) });
		assert.equal(k.json.valid, true);
		assert.deepEqual(k.json.problems.map((p) => p.code), ["remark_attention"]);
	});

	test("the same words as the case the rule opens for the same order", async () => {
		const o = order({ customer: { id: "u7", phone: "", address: { province: "广东", city: "深圳", district: "南山", detail: "科技园南路 88 号" } } });
		const v = await d.request("POST", "/api/v1/validate/order", { body: o });
		assert.deepEqual(v.json.problems.map((p) => p.code), ["unknown_province", "phone_empty"]);
		assert.deepEqual(v.json.problems[0].suggestion, { province: "广东省", city: "深圳市", district: "南山区" });
		const e = await d.postEvents([asEvent("V1", 0, o)]);
		assert.equal(e.json.accepted, 1);
		for (const [rule, problem] of [["CUS_ADDRESS_INVALID", v.json.problems[0]], ["CUS_PHONE_INVALID", v.json.problems[1]]]) {
			const c = await d.get(`/api/v1/cases?order_id=V1&rule=${rule}`);
			assert.equal(c.json.cases.length, 1, rule);
			assert.deepEqual(c.json.cases[0].reasons, [problem.message_zh]);
		}
	});

	test("400 for a body that is not an order", async () => {
		for (const [body, detail] of [
			["[]", "body: expected a JSON object"],
			['{"items":[{"sku":"A","qty":"2","price":"1.00"}]}', "items[0].qty: expected an integer"],
			['{"total":12.5}', "total: expected a string"],
			["{", null],
		]) {
			const r = await d.request("POST", "/api/v1/validate/order", { body, contentType: "application/json" });
			assert.equal(r.status, 400, body);
			if (detail) assert.equal(r.json.detail, detail);
		}
	});
});

describe("POST /api/v1/risk/score", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp })));
	after(() => d.stop());

	test("the score moves when customers share an address, and is FRD_SUSPECT's", async () => {
		const probe = (id) => order({ order_id: id, ts: ts(30), customer: { id: "new-buyer", phone: "1381234" }, items: [{ sku: "S", qty: 80, price: "1.00" }], total: "80.00" });
		const r0 = await d.request("POST", "/api/v1/risk/score", { body: probe("R9") });
		assert.equal(r0.status, 200, r0.text);
		assert.deepEqual(r0.json.reasons.map((r) => [r.code, r.weight]), [["max_qty", 20], ["invalid_phone", 10]]);
		assert.equal(r0.json.score, 30);
		assert.equal(r0.json.threshold, 60);

		// two other customers order to the same address: with this one, three
		const e = await d.postEvents([
			asEvent("R1", 0, order({ customer: { id: "c1" } })),
			asEvent("R2", 5, order({ customer: { id: "c2", address: { ...ADDR, detail: "华强北路８号" } } })),
		]);
		assert.equal(e.json.accepted, 2);
		const r1 = await d.request("POST", "/api/v1/risk/score", { body: probe("R9") });
		assert.equal(r1.json.score, 60);
		assert.deepEqual(r1.json.reasons[0], {
			code: "shared_address", weight: 30, message_zh: "同一收货地址被 3 个账号使用 (+30)", message_en: "the same address used by 3 customers (+30)",
		});
		// scoring changed nothing: the same answer again, no case, no event
		const again = await d.request("POST", "/api/v1/risk/score", { body: probe("R9") });
		assert.deepEqual(again.json, r1.json);
		assert.equal((await d.get("/api/v1/cases?rule=FRD_SUSPECT")).json.cases.length, 0);

		// the order arrives: FRD_SUSPECT opens with the score and reasons given
		const a = await d.postEvents([asEvent("R9", 30, probe("R9"))]);
		assert.equal(a.json.accepted, 1);
		const c = await d.get("/api/v1/cases?order_id=R9&rule=FRD_SUSPECT");
		assert.equal(c.json.cases.length, 1);
		assert.deepEqual(c.json.cases[0].reasons, ["风险分 60，达到阈值 60", ...r1.json.reasons.map((r) => r.message_zh)]);
	});

	test("without ts the order is scored at the event clock", async () => {
		const r = await d.request("POST", "/api/v1/risk/score", { body: order({ customer: { id: "c3" } }) });
		assert.equal(r.status, 200);
		assert.equal(r.json.reasons[0].code, "shared_address");
	});

	test("400 for a body that is not an order", async () => {
		const r = await d.request("POST", "/api/v1/risk/score", { body: '{"ts":"now"}', contentType: "application/json" });
		assert.equal(r.status, 400);
		assert.equal(r.json.detail, "ts: expected an RFC 3339 time with an offset");
	});
});

describe("who may call the prevention services", () => {
	let d;
	const tokens = {};
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		for (const role of ["viewer", "ingest", "supervisor", "agent"]) {
			const body = { name: `t-${role}`, role };
			if (role === "supervisor" || role === "agent") {
				const u = await d.request("POST", "/api/v1/users", { body: { name: `u-${role}`, role, teams: ["cs"], password: "correct horse 1", display: "测试" } });
				assert.equal(u.status, 201, u.text);
				body.user = `u-${role}`;
			}
			const t = await d.request("POST", "/api/v1/tokens", { body });
			assert.equal(t.status, 201, t.text);
			tokens[role] = t.json.secret;
		}
	});
	after(() => d.stop());

	test("ingest and supervisor may, viewer and agent may not, nobody without a token", async () => {
		for (const path of ["/api/v1/validate/order", "/api/v1/risk/score"]) {
			for (const [role, status] of [["ingest", 200], ["supervisor", 200], ["viewer", 403], ["agent", 403]]) {
				const r = await d.request("POST", path, { body: order(), token: tokens[role] });
				assert.equal(r.status, status, `${role} ${path}: ${r.text}`);
			}
			const anon = await d.request("POST", path, { body: order(), token: null });
			assert.equal(anon.status, 401);
		}
	});

	test("a body over 64 KiB is refused", async () => {
		const r = await d.request("POST", "/api/v1/validate/order", { body: order({ remark: "备".repeat(30000) }) });
		assert.equal(r.status, 413);
	});
});
