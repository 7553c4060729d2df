// actions.test.mjs - the case page's merchant actions panel in a real
// browser against `ordex serve` whose actions: endpoints point at the fake
// merchant of tests/http/merchant.mjs (signatures checked, effects counted
// per Idempotency-Key): an agent previews a call (dry run: nothing sent)
// and makes it, and the panel shows it end in its final state; a
// supervisor approves an automatic refund awaiting approval; a viewer has
// no button; the timeline names what happened, in both languages.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "../http/lib.mjs";
import { startMerchant } from "../http/merchant.mjs";
import { assertContrast, assertLabelled, launch, login, newPage, shot } from "./browser.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-browser-actions-"));
const SECRET = "merchant-secret-0123456789";
const KINDS = ["refund", "partial_refund", "reship", "cancel_order", "mark_paid", "update_address", "intercept_shipment",
	"issue_coupon", "add_points", "send_message", "carrier_claim", "query_payment", "query_tracking"];
const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;
const ADDRESS = { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" };

/* An order whose phone is no phone: CUS_PHONE_INVALID (team cs, suggest only). */
const badPhone = (orderId, min) => JSON.stringify({
	id: `x${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall", shop: "旗舰店",
	customer: { id: "c1", name: "张三", phone: "1381234567", address: ADDRESS },
	items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
});
const created = (orderId, min, total) => JSON.stringify({
	id: `x${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall",
	customer: { id: "c2", name: "李四", phone: "13912345678", address: ADDRESS }, items: [{ sku: "S2", qty: 1, price: total }], total,
});
const paid = (orderId, min, paymentId, amount) => JSON.stringify({
	id: `x${nextId++}`, type: "payment.succeeded", ts: ts(min), order_id: orderId, payment_id: paymentId, amount, method: "alipay",
});

let m, d, browser;
before(async () => {
	m = await startMerchant({ secret: SECRET });
	process.env.ORDEX_TEST_MERCHANT_SECRET = SECRET;
	const config = join(TMP, "ordex.yaml");
	writeFileSync(config, "teams:\n  cs: { lead: wang.lei, members: [li.na] }\nactions:\n  defaults:\n    timeout: 2s\n    retries: 1\n" +
		"    backoff_initial: 50ms\n    backoff_max: 100ms\n  endpoints:\n" +
		KINDS.map((k) => `    ${k}: { url: "${m.url}/${k}", secret_env: ORDEX_TEST_MERCHANT_SECRET${k === "send_message" ? ", timeout: 10s" : ""} }`).join("\n") + "\n");
	[d, browser] = await Promise.all([startDaemon({ args: ["--config", config] }), launch()]);
	for (const [name, role, teams] of [["wang.lei", "supervisor", []], ["li.na", "agent", ["cs"]], ["vic", "viewer", []]]) {
		const r = await d.request("POST", "/api/v1/users", { body: { name, role, teams, password: "correct horse 1", display: name } });
		assert.equal(r.status, 201, r.text);
	}
	// A1: a phone to fix; D1: 300.00 paid twice, above PAY_DUPLICATE's automatic limit of 200.00
	const r = await d.postEvents([badPhone("A1", 0), created("D1", 5, "300.00"), paid("D1", 6, "P1", "300.00"), paid("D1", 7, "P2", "300.00")]);
	assert.equal(r.status, 200, r.text);
});
after(async () => {
	await browser?.close();
	await d?.stop();
	await m?.close();
	rmSync(TMP, { recursive: true, force: true });
});

const caseOf = async (orderId, rule) => (await d.get(`/api/v1/cases?order_id=${orderId}${rule ? `&rule=${rule}` : ""}`)).json.cases[0];
const fullCase = async (id) => (await d.get(`/api/v1/cases/${id}`)).json;
const panel = (page) => page.locator('[data-slot="merchant-actions"]');

describe("merchant actions", () => {
	test("an agent previews a call, makes it, and sees it succeed; the timeline names it", async () => {
		const c = await caseOf("A1", "CUS_PHONE_INVALID");
		const page = await newPage(browser);
		await login(page, d.base, "li.na");
		await page.goto(`${d.base}/#/cases/${c.case_id}`);
		await panel(page).getByText("还没有调用").waitFor();
		assert.equal(await panel(page).locator('[data-slot="compensation"]').count(), 1, "the compensation form's place");
		await panel(page).getByLabel("动作", { exact: true }).selectOption("update_address");
		assert.equal(await panel(page).getByLabel(/消息内容/).count(), 0, "send_message's text is gone with its kind");
		await panel(page).getByLabel(/电话 \(phone\)/).fill("13912345678");
		await panel(page).getByRole("button", { name: "预览 / 试运行" }).click();
		const pre = panel(page).locator("pre.request");
		await pre.waitFor();
		const request = await pre.textContent();
		assert.ok(request.startsWith(`POST ${m.url}/update_address`), request);
		assert.match(request, /Idempotency-Key: C\d+-1/);
		assert.match(request, /"phone":"13912345678"/);
		assert.equal(m.requests.length, 0, "a dry run sends nothing");
		assert.equal((await fullCase(c.case_id)).calls.length, 0, "a dry run records nothing");
		await assertLabelled(page, "actions panel");
		await assertContrast(page, "actions panel");

		await panel(page).getByRole("button", { name: "发起", exact: true }).click();
		// the page reads the case again while the call is on its way
		const id = `${c.case_id}-1`;
		await panel(page).locator(`[data-call="${id}"]`, { hasText: "成功" }).waitFor();
		const call = (await fullCase(c.case_id)).calls[0];
		assert.deepEqual([call.id, call.kind, call.state, call.requested_by], [id, "update_address", "succeeded", "li.na"]);
		assert.equal(m.effects.get(id), 1, "the merchant did it once");
		const row = await panel(page).locator("table.calls tbody tr").first().textContent();
		assert.match(row, /修改收货信息/, "the playbook's name of the kind");
		assert.match(row, /li\.na/);
		assert.match(row, /HTTP 200/);
		// the timeline: labels, not codes
		const tl = await page.locator('ol.timeline li[data-action="call"]').allTextContents();
		assert.ok(tl.some((x) => x.includes("商家调用") && x.includes(`修改收货信息 ${id} 成功`)), tl.join(" | "));
		assert.ok(!tl.some((x) => /update_address|succeeded/.test(x)), tl.join(" | "));
		await shot(page, "12-actions-zh");

		// English
		await page.getByRole("button", { name: "English" }).click();
		await panel(page).getByRole("heading", { name: "Merchant actions" }).waitFor();
		assert.match(await panel(page).locator(`[data-call="${id}"]`).textContent(), /^succeeded$/);
		const tlEn = await page.locator('ol.timeline li[data-action="call"]').allTextContents();
		assert.ok(tlEn.some((x) => x.includes("merchant call") && x.includes(`Update the delivery details ${id} succeeded`)), tlEn.join(" | "));
		await assertContrast(page, "actions panel (en)");
		await shot(page, "13-actions-en");
		await page.getByRole("button", { name: "中文" }).click();

		// a slow merchant: the page redraws while the call runs, and what the
		// user is typing keeps its text, its focus and its caret
		m.set("send_message", { delayMs: 4500 });
		await panel(page).getByLabel("动作", { exact: true }).selectOption("send_message");
		await panel(page).getByLabel(/消息内容/).fill("您好，新的号码已更新");
		await panel(page).getByRole("button", { name: "发起", exact: true }).click();
		const second = `${c.case_id}-2`;
		await panel(page).locator(`[data-call="${second}"]`, { hasText: /已发起|执行中/ }).waitFor();
		const note = page.getByLabel("备注", { exact: true });
		await note.click();
		await page.keyboard.type("客户说晚上再联系");
		await page.keyboard.press("ArrowLeft");
		await panel(page).locator(`[data-call="${second}"]`, { hasText: "成功" }).waitFor({ timeout: 20000 });
		assert.equal(await note.inputValue(), "客户说晚上再联系");
		assert.deepEqual(await page.evaluate(() => [document.activeElement.name, document.activeElement.selectionStart]), ["note", 7]);
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});

	test("a supervisor approves an automatic refund awaiting approval; it runs", async () => {
		const c = await fullCase((await caseOf("D1", "PAY_DUPLICATE")).case_id);
		assert.deepEqual(c.calls.map((x) => [x.kind, x.amount, x.state]), [["refund", "300.00", "awaiting_approval"]]);
		const id = c.calls[0].id;
		// an agent sees the call waiting, and no approve button
		const agent = await newPage(browser);
		await login(agent, d.base, "li.na");
		await agent.goto(`${d.base}/#/cases/${c.case_id}`);
		await panel(agent).locator(`[data-call="${id}"]`, { hasText: "待审批" }).waitFor();
		assert.equal(await panel(agent).getByRole("button", { name: /批准|驳回/ }).count(), 0);
		await agent.context().close();

		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		await page.goto(`${d.base}/#/cases/${c.case_id}`);
		await panel(page).locator(`[data-call="${id}"]`, { hasText: "待审批" }).waitFor();
		assert.match(await panel(page).locator("table.calls").textContent(), /300\.00/);
		await shot(page, "14-actions-approval");
		await panel(page).getByRole("button", { name: `批准 ${id}` }).click();
		await panel(page).locator(`[data-call="${id}"]`, { hasText: "成功" }).waitFor();
		const after = await fullCase(c.case_id);
		assert.deepEqual([after.calls[0].state, after.calls[0].approved_by], ["succeeded", "wang.lei"]);
		assert.equal(m.effects.get(id), 1);
		assert.equal(await panel(page).getByRole("button", { name: /^批准/ }).count(), 0, "nothing left to approve");
		assert.match(await panel(page).locator("table.calls").textContent(), /wang\.lei/);
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});

	test("an agent compensates within its limit at once and above it for approval; the dashboards count the spend", async () => {
		const c = await caseOf("A1", "CUS_PHONE_INVALID");
		const page = await newPage(browser);
		await login(page, d.base, "li.na");
		await page.goto(`${d.base}/#/cases/${c.case_id}`);
		const form = panel(page).locator('[data-slot="compensation"] form');
		await form.getByText("您每次可直接补偿 20.00 元").waitFor();
		await form.getByLabel(/金额/).fill("15");
		await form.getByRole("button", { name: "预览补偿" }).click();
		await form.getByText("在额度与预算之内，将立即执行").waitFor();
		await form.getByRole("button", { name: "补偿", exact: true }).click();
		const calls = async () => (await fullCase(c.case_id)).calls.filter((x) => x.compensation);
		await page.waitForFunction(async (id) => (await (await fetch(`/api/v1/cases/${id}`)).json()).calls.some((x) => x.compensation), c.case_id);
		const first = (await calls())[0];
		assert.deepEqual([first.kind, first.compensation.value, first.compensation.waited], ["issue_coupon", "15.00", null]);
		await panel(page).locator(`[data-call="${first.id}"]`, { hasText: "成功" }).waitFor();
		// above the limit: said before, and it waits
		await form.getByLabel(/金额/).fill("50");
		await form.getByRole("button", { name: "预览补偿" }).click();
		await form.getByText("将提交审批：超出发起人额度").waitFor();
		await form.getByRole("button", { name: "补偿", exact: true }).click();
		await page.waitForFunction(async (id) => (await (await fetch(`/api/v1/cases/${id}`)).json()).calls.filter((x) => x.compensation).length === 2, c.case_id);
		const second = (await calls())[1];
		assert.deepEqual([second.state, second.compensation.waited], ["awaiting_approval", "above_limit"]);
		const row = panel(page).locator("table.calls tbody tr", { has: page.locator(`[data-call="${second.id}"]`) });
		await row.getByText("待审批").waitFor();
		assert.match(await row.textContent(), /优惠券 50\.00 \(超出发起人额度\)/);
		assert.equal(m.requests.filter((q) => q.key === second.id).length, 0, "nothing sent before approval");
		await assertLabelled(page, "compensation form");
		await shot(page, "16-compensation-agent");
		await page.context().close();

		const sup = await newPage(browser);
		await login(sup, d.base, "wang.lei");
		// the approvals' queue: the cases with a call waiting
		await sup.goto(`${d.base}/#/queue?call_state=awaiting_approval`);
		await sup.locator(`table.queue tbody tr[data-id="${c.case_id}"]`).waitFor();
		assert.deepEqual(await sup.locator("table.queue tbody tr[data-id]").evaluateAll((rs) => rs.map((r) => r.dataset.id)), [c.case_id]);
		assert.equal(await sup.getByLabel("商家调用").inputValue(), "awaiting_approval");
		await sup.goto(`${d.base}/#/cases/${c.case_id}`);
		await panel(sup).locator('[data-slot="compensation"]').getByText("您每次可直接补偿 200.00 元").waitFor();
		await panel(sup).getByRole("button", { name: `批准 ${second.id}` }).click();
		await panel(sup).locator(`[data-call="${second.id}"]`, { hasText: "成功" }).waitFor();
		assert.equal(m.effects.get(second.id), 1);
		// the dashboards' compensation block: both coupons, 65.00
		await sup.goto(`${d.base}/#/dashboards?from=2026-11-11&to=2026-11-11`);
		const block = sup.locator('[data-block="compensation"]');
		await block.locator("tbody tr").first().waitFor();
		assert.match(await block.locator("tbody tr").first().textContent(), /优惠券\s*2\s*65\.00/);
		assert.match(await block.textContent(), /合计: 65\.00/);
		assert.deepEqual(sup.errors, []);
		await sup.context().close();
	});

	test("a viewer sees the calls and no button", async () => {
		const a1 = await caseOf("A1", "CUS_PHONE_INVALID");
		const page = await newPage(browser);
		await login(page, d.base, "vic");
		await page.goto(`${d.base}/#/cases/${a1.case_id}`);
		await panel(page).locator("table.calls tbody tr").first().waitFor();
		assert.equal(await panel(page).locator("button, form, input, select").count(), 0, "no action control for a viewer");
		await shot(page, "15-actions-viewer");
		await page.context().close();

	});
});
