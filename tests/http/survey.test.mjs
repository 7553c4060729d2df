// survey.test.mjs - the follow-up survey ("售后回访", docs/actions.md):
// a case a person resolves gets the survey sent through the merchant's
// send_message endpoint (a real fake merchant), once, in the configured
// language and text; not when the automation resolved it, not when turned
// off or switched off; the answer comes back by POST .../csat.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { startMerchant } from "./merchant.mjs";
import { startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-survey-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const SECRET = "merchant-secret-0123456789";
const T0 = Date.parse("2026-11-11T10:00:00+08:00");
let nextId = 0;
const badPhone = (orderId, min) => JSON.stringify({
	id: `s${nextId++}`, type: "order.created", ts: new Date(T0 + min * 60000).toISOString(), order_id: orderId,
	channel: "tmall", shop: "悦家旗舰店",
	customer: { id: `c-${orderId}`, name: "张三", phone: "1381234567",
		address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
	items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
});

async function daemon(m, survey = "") {
	const file = join(TMP, `config-${nextId++}.yaml`);
	writeFileSync(file, `actions:\n  defaults: { timeout: 2s, retries: 0 }\n  endpoints:\n` +
		`    send_message: { url: "${m.url}/send_message", secret_env: ORDEX_TEST_MERCHANT_SECRET }\n${survey}`);
	process.env.ORDEX_TEST_MERCHANT_SECRET = SECRET;
	return startDaemon({ check: process.env.NOCHECK ? null : checkHttp, args: ["--config", file] });
}

async function resolve(d, orderId) {
	const list = await d.get(`/api/v1/cases?order_id=${orderId}`);
	const id = list.json.cases[0].case_id;
	const r = await d.request("POST", `/api/v1/cases/${id}/transition`,
		{ body: { to: "resolved", resolution: "phone_corrected", root_cause: "customer", note: "已改正" } });
	assert.equal(r.status, 200, r.text);
	return r.json;
}

const surveys = (c) => c.calls.filter((k) => k.kind === "send_message" && k.params.step === "survey");

describe("the survey after resolution", () => {
	test("sent once by send_message when a person resolves; answered by csat", async () => {
		const m = await startMerchant({ secret: SECRET });
		const d = await daemon(m);
		try {
			assert.equal((await d.postEvents([badPhone("S1", 0)])).status, 200);
			let c = await resolve(d, "S1");
			const due = c.timeline.findIndex((t) => t.action === "survey_due");
			assert.ok(due >= 0);
			assert.equal(surveys(c).length, 1, JSON.stringify(c.calls));
			const k = surveys(c)[0];
			assert.equal(k.automatic, true);
			assert.equal(k.requested_by, "ordex:auto");
			assert.equal(k.params.lang, "zh");
			assert.match(k.params.text, /您的订单 S1 的问题已经处理完毕/);
			assert.equal(k.compensation, null);
			assert.equal(c.timeline[due + 1].note, `send_message ${k.id} requested (survey)`);
			await m.waitFor((x) => x.effects.has(k.id));
			const sent = m.requests.find((q) => q.key === k.id);
			assert.equal(sent.verified, true);
			assert.equal(sent.json.params.text, k.params.text);
			// reopened and resolved again: the survey is not sent twice
			let r = await d.request("POST", `/api/v1/cases/${c.case_id}/transition`, { body: { to: "open", note: "客户又来电" } });
			assert.equal(r.status, 200, r.text);
			c = await resolve(d, "S1");
			assert.equal(surveys(c).length, 1);
			r = await d.request("POST", `/api/v1/cases/${c.case_id}/csat`, { body: { score: 5, comment: "很满意" } });
			assert.equal(r.status, 200, r.text);
			assert.equal(r.json.csat.score, 5);
		} finally {
			await d.stop();
			await m.close();
		}
	});

	test("in the configured language and text; none when turned off or the automation is switched off", async () => {
		const m = await startMerchant({ secret: SECRET });
		let d = await daemon(m, "  survey: { lang: en, text: \"Order {order_id} at {shop}: rate us 1-5\" }\n");
		try {
			assert.equal((await d.postEvents([badPhone("E1", 0), badPhone("E2", 1)])).status, 200);
			const c = await resolve(d, "E1");
			assert.equal(surveys(c)[0].params.text, "Order E1 at 悦家旗舰店: rate us 1-5");
			assert.equal(surveys(c)[0].params.lang, "en");
			const off = await d.request("PUT", "/api/v1/actions/auto", { body: { enabled: false } });
			assert.equal(off.status, 200, off.text);
			const c2 = await resolve(d, "E2");
			assert.equal(surveys(c2).length, 0);
			assert.match(c2.timeline.at(-1).note, /no survey sent/);
		} finally {
			await d.stop();
		}
		d = await daemon(m, "  survey: { send: false }\n");
		try {
			assert.equal((await d.postEvents([badPhone("F1", 0)])).status, 200);
			const c = await resolve(d, "F1");
			assert.equal(c.calls.length, 0);
			assert.equal(c.timeline.at(-1).action, "survey_due", "still due: a person may send it");
		} finally {
			await d.stop();
			await m.close();
		}
	});
});
