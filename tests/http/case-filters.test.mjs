// case-filters.test.mjs - the queue's channel and shop filters:
// GET /api/v1/cases and GET /api/v1/cases/counts by the dimensions a case
// took from its order (docs/cases.md), alone, together and with the other
// filters, across pages; a case without a channel (a SKU case) matches
// none; an overlong value is a 400. Every answer checked against
// docs/openapi.json.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (s) => new Date(T0 + s * 1000).toISOString();
/* An order whose phone is no phone: a CUS_PHONE_INVALID case at once. */
const badPhone = (i, channel, shop) => JSON.stringify({
	id: `f${i}`, type: "order.created", ts: ts(i), order_id: `F${i}`, channel, ...(shop ? { shop } : {}),
	customer: { id: `c${i}`, name: "张三", phone: "1381234567", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
	items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
});
/* Stock below zero: INV_NEGATIVE_STOCK, a SKU case with no channel or shop. */
const negative = (i) => JSON.stringify({ id: `n${i}`, type: "inventory.level", ts: ts(i), sku: `NEG${i}`, source: "wms", warehouse: "WH1", available: -3 });

const ORDERS = [["tmall", "旗舰店"], ["tmall", "旗舰店"], ["tmall", "专营店"], ["jd", "旗舰店"], ["jd", null], ["douyin", "直播间"]];

describe("GET /api/v1/cases?channel=&shop=", () => {
	let d, all;
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		const r = await d.postEvents([...ORDERS.map(([c, s], i) => badPhone(i, c, s)), negative(50)]);
		assert.equal(r.status, 200, r.text);
		all = (await d.get("/api/v1/cases?limit=1000")).json.cases;
		assert.equal(all.filter((c) => c.rule === "CUS_PHONE_INVALID").length, ORDERS.length, all.map((c) => c.rule).join());
		assert.ok(all.some((c) => c.rule === "INV_NEGATIVE_STOCK" && c.channel === null), "a case without a channel");
	});
	after(() => d?.stop());

	const ids = (cases) => cases.map((c) => c.case_id).sort();
	const expect = (pred) => ids(all.filter(pred));

	test("the list: channel, shop, both, with another filter, across pages", async () => {
		for (const [q, pred] of [
			["channel=tmall", (c) => c.channel === "tmall"],
			["shop=" + encodeURIComponent("旗舰店"), (c) => c.shop === "旗舰店"],
			["channel=tmall&shop=" + encodeURIComponent("旗舰店"), (c) => c.channel === "tmall" && c.shop === "旗舰店"],
			["channel=jd&rule=CUS_PHONE_INVALID", (c) => c.channel === "jd" && c.rule === "CUS_PHONE_INVALID"],
			["channel=nowhere", () => false],
		]) {
			const r = await d.get(`/api/v1/cases?${q}&limit=1000`);
			assert.equal(r.status, 200, r.text);
			assert.deepEqual(ids(r.json.cases), expect(pred), q);
		}
		// the scenario means something: some cases in, some out
		const phone = (c) => c.rule === "CUS_PHONE_INVALID";
		assert.equal(expect((c) => phone(c) && c.channel === "tmall").length, 3);
		assert.equal(expect((c) => phone(c) && c.channel === "tmall" && c.shop === "旗舰店").length, 2);
		// pages of one: the cursor keeps the filter
		const seen = [];
		let cursor = null;
		do {
			const r = await d.get(`/api/v1/cases?channel=tmall&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
			assert.equal(r.status, 200, r.text);
			seen.push(...r.json.cases);
			cursor = r.json.next_cursor;
		} while (cursor && seen.length < 10);
		assert.deepEqual(ids(seen), expect((c) => c.channel === "tmall"));
	});

	test("the counts take the same filters", async () => {
		for (const [q, pred] of [
			["channel=jd", (c) => c.channel === "jd"],
			["channel=tmall&shop=" + encodeURIComponent("专营店"), (c) => c.channel === "tmall" && c.shop === "专营店"],
			["shop=" + encodeURIComponent("直播间"), (c) => c.shop === "直播间"],
		]) {
			const r = await d.get(`/api/v1/cases/counts?${q}`);
			assert.equal(r.status, 200, r.text);
			assert.equal(r.json.total, expect(pred).length, q);
			assert.equal(r.json.counts.open, all.filter((c) => pred(c) && c.status === "open").length, q);
		}
	});

	test("an overlong channel or shop is a 400 that says which", async () => {
		for (const name of ["channel", "shop"]) {
			for (const path of ["/api/v1/cases", "/api/v1/cases/counts"]) {
				const r = await d.get(`${path}?${name}=${"x".repeat(257)}`);
				assert.equal(r.status, 400, `${path} ${name}: ${r.text}`);
				assert.match(r.json.detail, new RegExp(`^${name}:`));
			}
		}
	});
});
