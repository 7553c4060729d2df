// console.test.mjs - the web console end to end in a real browser against
// a real `ordex serve`: sign in, filter the queue, open a case with the
// keyboard, tick the checklist, preview a message, resolve with the form and
// see the queue change, live updates, both languages, what a viewer and an
// agent may not see, session expiry, admin pages, and basic accessibility
// (labels, keyboard, contrast). Screenshots go to build/screenshots/.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "../http/lib.mjs";
import { assertContrast, assertLabelled, launch, login, newPage, shot } from "./browser.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-browser-"));
const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;
const address = (n) => ({ province: "浙江省", city: "杭州市", district: "西湖区", detail: `文三路${100 + n}号` });

/* An order whose phone is no phone: CUS_PHONE_INVALID (team cs, P1 here). */
const badPhone = (orderId, min) => JSON.stringify({
	id: `b${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall", shop: "旗舰店",
	customer: { id: `c${nextId}`, name: "张三", phone: `138123456${nextId % 10}`, address: address(nextId) },
	items: [{ sku: "SKU-1", qty: 2, price: "9.50" }], total: "19.00",
});
/* An order with a valid phone but a failed payment: PAY_FAILED (team payments). */
const payFailed = (orderId, min) => [
	JSON.stringify({ id: `b${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "jd",
		customer: { id: `c${nextId}`, name: "李四", phone: `139123456${10 + nextId}`, address: address(nextId) }, items: [{ sku: "SKU-2", qty: 1, price: "99.00" }], total: "99.00" }),
	JSON.stringify({ id: `b${nextId++}`, type: "payment.failed", ts: ts(min + 1), order_id: orderId, payment_id: `P${orderId}`, amount: "99.00", method: "alipay", reason: "insufficient_funds" }),
];

const USERS = [["alice", "admin", []], ["wang.lei", "supervisor", []], ["li.na", "agent", ["cs"]], ["vic", "viewer", []]];

let d, browser;
before(async () => {
	const config = join(TMP, "ordex.yaml");
	writeFileSync(config, "rules:\n  CUS_PHONE_INVALID: { severity: P1 }\nteams:\n  cs: { lead: wang.lei, members: [li.na] }\n");
	[d, browser] = await Promise.all([startDaemon({ args: ["--config", config] }), launch()]);
	for (const [name, role, teams] of USERS) {
		const r = await d.request("POST", "/api/v1/users", { body: { name, role, teams, password: "correct horse 1", display: name } });
		assert.equal(r.status, 201, r.text);
	}
	const lines = [];
	for (let i = 0; i < 6; i++) lines.push(badPhone(`PH${i}`, i));
	for (let i = 0; i < 3; i++) lines.push(...payFailed(`PF${i}`, 10 + i * 2));
	lines.push(JSON.stringify({ id: "tick-60", type: "tick", ts: ts(60) })); // past the payment retry window
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	const cases = (await d.get("/api/v1/cases?limit=100")).json.cases;
	assert.ok(cases.length === 9 && cases.filter((c) => c.rule === "CUS_PHONE_INVALID").length === 6 && cases.filter((c) => c.rule === "PAY_FAILED").length === 3,
		`the scenario's cases: ${cases.map((c) => c.rule)}`);
});
after(async () => {
	await browser?.close();
	await d?.stop();
	rmSync(TMP, { recursive: true, force: true });
});

const rowsShown = (page) => page.locator("table.queue tbody tr[data-id]");
const caseOf = async (orderId) => (await d.get(`/api/v1/cases?order_id=${orderId}`)).json.cases[0];

describe("an agent works a case", () => {
	test("sign in, filter, open with the keyboard, tick, preview, resolve, see the queue change", async () => {
		const page = await newPage(browser);
		await page.goto(d.base + "/");
		await assertLabelled(page, "login");
		await assertContrast(page, "login");
		await shot(page, "01-login-zh");
		await page.getByLabel("用户名").fill("li.na");
		await page.getByLabel("密码").fill("wrong password");
		await page.getByRole("button", { name: "登录" }).click();
		await page.getByText("用户名或密码错误").waitFor();
		await login(page, d.base, "li.na");

		// the queue, in Chinese, with counts per status
		await page.locator(".tabs .tab").first().waitFor();
		assert.equal(await rowsShown(page).count(), 9);
		assert.match(await page.locator('.tabs [data-status="open"]').textContent(), /待处理\s*9/);
		// an agent has no admin pages
		const nav = await page.locator("nav").textContent();
		assert.match(nav, /工单队列/);
		for (const name of ["黑名单", "用户与令牌", "告警", "审计日志"]) assert.ok(!nav.includes(name), `the agent sees ${name}`);
		await page.goto(d.base + "/#/admin/users");
		await page.waitForURL(/#\/queue$/);
		await page.locator("table.queue tbody tr[data-id]").first().waitFor();
		await assertLabelled(page, "queue");
		await assertContrast(page, "queue");
		await shot(page, "02-queue-zh");

		// filter by rule: the URL keeps it, only those cases are left
		await page.getByLabel("规则").selectOption("CUS_PHONE_INVALID");
		await page.waitForURL(/rule=CUS_PHONE_INVALID/);
		await page.waitForFunction(() => document.querySelectorAll("table.queue tbody tr[data-id]").length === 6);
		for (const code of await page.locator("table.queue td.rule .code").allTextContents()) assert.equal(code, "CUS_PHONE_INVALID");
		// sorted by SLA due time: the oldest (earliest due) first
		const ids = await page.locator("table.queue .case-link").allTextContents();
		const dues = await Promise.all(ids.map(async (id) => (await d.get(`/api/v1/cases/${id}`)).json.sla.respond_due));
		assert.deepEqual(dues, [...dues].sort(), "rows by SLA due time");
		await shot(page, "03-queue-filtered");
		assert.equal(await page.getByRole("button", { name: "加载更多" }).isVisible(), false, "one page only");

		// keyboard: Tab from the refresh button reaches the first case's
		// checkbox, then its link; Enter opens it
		await page.getByRole("button", { name: "刷新" }).focus();
		await page.keyboard.press("Tab"); // select all
		await page.keyboard.press("Tab"); // the first row's checkbox
		await page.keyboard.press("Tab"); // the first row's link
		assert.equal(await page.evaluate(() => document.activeElement.textContent), ids[0]);
		await page.keyboard.press("Enter");
		await page.waitForURL(new RegExp(`#/cases/${ids[0]}$`));
		await page.locator("ul.checklist").waitFor();
		const id = ids[0];
		await assertLabelled(page, "case");
		await assertContrast(page, "case");

		// the case page: reasons, SLA and escalation, the order with a masked customer
		const text = await page.locator("main").textContent();
		assert.match(text, /异常原因/);
		assert.match(text, /响应截止/);
		assert.match(text, /升级级别/);
		assert.match(text, /SKU-1/);
		const customer = await page.locator(".customer").textContent();
		assert.match(customer, /\*/, `an agent sees the customer masked: ${customer}`);
		assert.ok(!/138123456\d/.test(customer) && !customer.includes("张三"), customer);
		assert.equal(await page.locator('[data-slot="merchant-actions"]').count(), 1, "the place of the merchant actions");

		// tick a checklist item with the keyboard (Tab order reaches it), as the server records
		const box = page.locator("#chk-review_phone");
		await box.focus();
		await page.keyboard.press("Space");
		await page.waitForFunction(() => document.querySelector("#chk-review_phone")?.checked === true && document.activeElement?.id === "chk-review_phone");
		await page.waitForFunction(async (id) => (await (await fetch(`/api/v1/cases/${id}`)).json()).checked.includes("review_phone"), id);
		await page.locator("ol.timeline", { hasText: "勾选" }).waitFor();
		// the timeline names the item ticked, not its id; and the routing's team
		const ticked = await page.locator('ol.timeline li[data-action="checked"]').textContent();
		assert.ok(ticked.includes("查看号码的问题") && !ticked.includes("review_phone"), ticked);
		assert.match(await page.locator('ol.timeline li[data-action="routed"]').textContent(), /分配团队\s*客服组/);

		// preview a message
		await page.getByLabel("customer_name").fill("王女士");
		await page.getByRole("button", { name: "预览", exact: true }).click();
		const msg = page.locator(".preview .msg");
		await msg.waitFor();
		assert.match(await msg.textContent(), /王女士/);
		assert.match(await msg.textContent(), /PH\d/);
		assert.match(await page.locator(".preview .hint").textContent(), /shop/);
		await shot(page, "04-case-zh");

		// resolve with the form
		await page.getByLabel("解决方式").selectOption("phone_corrected");
		await page.getByLabel("根本原因").selectOption("customer");
		await page.getByLabel("处理说明").fill("客户在旺旺上给了新号码，已更新");
		await page.getByRole("button", { name: "标记为已解决" }).click();
		await page.locator(".case-head .st-resolved").waitFor();
		const c = (await d.get(`/api/v1/cases/${id}`)).json;
		assert.equal(c.status, "resolved");
		assert.deepEqual(c.resolution && [c.resolution.code, c.resolution.root_cause], ["phone_corrected", "customer"]);
		await shot(page, "05-case-resolved");

		// back in the queue the case is resolved and the counts moved
		await page.getByRole("link", { name: "返回队列" }).click();
		await page.waitForURL(/#\/queue/);
		await page.waitForFunction(() => /已解决\s*1/.test(document.querySelector('.tabs [data-status="resolved"]')?.textContent ?? ""));
		assert.match(await page.locator(`tr[data-id="${id}"] .status`).textContent(), /已解决/);
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});

	test("bulk: an agent takes several cases at once; a case of another team has no checkbox", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "li.na");
		await page.goto(d.base + "/#/queue?status=open");
		await page.waitForFunction(() => document.querySelectorAll("table.queue tbody tr[data-id]").length >= 8);
		const pf = await caseOf("PF0");
		assert.equal(await page.locator(`tr[data-id="${pf.case_id}"] input.pick`).count(), 0, "payments is not li.na's team");
		const ph = [await caseOf("PH1"), await caseOf("PH2")];
		for (const c of ph) await page.locator(`tr[data-id="${c.case_id}"] input.pick`).check();
		assert.match(await page.locator(".bulk").textContent(), /已选 2/);
		await page.getByLabel("批量转为").selectOption("acknowledged");
		await page.locator(".bulk button", { hasText: "执行" }).click();
		await page.getByText("完成 2 个，失败 0 个").waitFor();
		await page.getByRole("button", { name: "分派给我" }).waitFor({ state: "hidden" });
		for (const c of ph) assert.equal((await d.get(`/api/v1/cases/${c.case_id}`)).json.status, "acknowledged");
		await page.context().close();
	});

	test("live: a new case appears without reloading; the counts follow", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		await page.locator("table.queue tbody tr[data-id]").first().waitFor();
		const before = await rowsShown(page).count();
		await page.evaluate(() => (window.__same = true)); // gone if the page reloads
		const r = await d.postEvents([badPhone("LIVE1", 61)]);
		assert.equal(r.status, 200, r.text);
		const live = await caseOf("LIVE1");
		await page.locator(`tr[data-id="${live.case_id}"]`).waitFor({ timeout: 12000 });
		assert.equal(await rowsShown(page).count(), before + 1);
		assert.equal(await page.evaluate(() => window.__same), true, "the page was not reloaded");
		await page.context().close();
	});
});

describe("pages", () => {
	test("the cursor: a page at a time, and live updates keep what was loaded", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		await page.goto(d.base + "/#/queue?sort=new&limit=4");
		await page.waitForFunction(() => document.querySelectorAll("table.queue tbody tr[data-id]").length === 4);
		const total = (await d.get("/api/v1/cases?limit=1000")).json.cases.length;
		const more = page.getByRole("button", { name: "加载更多" });
		for (let shown = 4; shown < total; shown = Math.min(total, shown + 4)) {
			await more.click();
			await page.waitForFunction((n) => document.querySelectorAll("table.queue tbody tr[data-id]").length === n, Math.min(total, shown + 4));
		}
		await more.waitFor({ state: "hidden" });
		const ids = await page.locator("table.queue .case-link").allTextContents();
		assert.deepEqual(ids, [...ids].sort().reverse(), "newest first, no gap, no repeat");
		assert.equal(new Set(ids).size, total);
		await page.getByRole("button", { name: "刷新" }).click();
		await page.waitForTimeout(300);
		assert.equal(await rowsShown(page).count(), total, "a refresh keeps every page loaded");
		await page.context().close();
	});
});

describe("channel and shop", () => {
	test("the queue filters by the order's channel and shop; the counts follow", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		await page.locator("table.queue tbody tr[data-id]").first().waitFor();
		const jd = (await d.get("/api/v1/cases?channel=jd&limit=1000")).json.cases;
		assert.equal(jd.length, 3, "the scenario's jd cases");
		await page.getByLabel("渠道").fill("jd");
		await page.getByRole("button", { name: "筛选", exact: true }).click();
		await page.waitForURL(/channel=jd/);
		await page.waitForFunction(() => document.querySelectorAll("table.queue tbody tr[data-id]").length === 3);
		assert.deepEqual((await page.locator("table.queue .case-link").allTextContents()).sort(), jd.map((c) => c.case_id).sort());
		assert.match(await page.locator('.tabs [data-status=""]').textContent(), /全部状态\s*3/);
		// the shop too: 旗舰店 is tmall's, so nothing is both
		await page.getByLabel("店铺").fill("旗舰店");
		await page.getByLabel("店铺").press("Enter");
		await page.waitForURL(/shop=/);
		await page.locator("td.empty", { hasText: "没有符合条件的工单" }).waitFor();
		await page.goto(`${d.base}/#/queue?shop=${encodeURIComponent("旗舰店")}`);
		const shop = (await d.get(`/api/v1/cases?shop=${encodeURIComponent("旗舰店")}&limit=1000`)).json.cases;
		assert.ok(shop.length > 0);
		await page.waitForFunction((n) => document.querySelectorAll("table.queue tbody tr[data-id]").length === n, shop.length);
		assert.equal(await page.getByLabel("店铺").inputValue(), "旗舰店", "the form shows the URL's filter");
		await page.context().close();
	});
});

describe("keyboard", () => {
	test("Tab walks the case page in reading order: moves, assignment, note, checklist, resolution form, composer", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		const c = await caseOf("PH5");
		await page.goto(`${d.base}/#/cases/${c.case_id}`);
		await page.locator("ul.checklist").waitFor();
		await page.getByRole("link", { name: /返回队列/ }).focus();
		const seen = [];
		for (let i = 0; i < 40; i++) {
			await page.keyboard.press("Tab");
			seen.push(await page.evaluate(() => {
				const el = document.activeElement;
				return el.getAttribute("name") || el.dataset.to || el.id || el.textContent.trim().slice(0, 12);
			}));
		}
		const at = (what) => {
			const i = seen.indexOf(what);
			assert.ok(i >= 0, `Tab never reaches ${what}: ${seen.join(" | ")}`);
			return i;
		};
		const order = ["acknowledged", "assignee", "note", "chk-review_phone", "chk-hold_if_unreachable", "resolution", "root_cause", "resolve_note", "标记为已解决", "step"];
		const idx = order.map(at);
		assert.deepEqual(idx, [...idx].sort((a, b) => a - b), `in order: ${seen.join(" | ")}`);
		// Enter on a focused button acts: acknowledge from the keyboard
		await page.locator('[data-to="acknowledged"]').focus();
		await page.keyboard.press("Enter");
		await page.locator(".case-head .st-acknowledged").waitFor();
		assert.equal((await d.get(`/api/v1/cases/${c.case_id}`)).json.status, "acknowledged");
		await page.context().close();
	});
});

describe("languages", () => {
	test("English on a switch, remembered across a reload; times in Beijing time", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		await page.locator("table.queue tbody tr[data-id]").first().waitFor();
		await page.getByRole("button", { name: "English" }).click();
		await page.getByRole("link", { name: "Queue" }).waitFor();
		assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
		await page.reload();
		await page.getByRole("link", { name: "Queue" }).waitFor();
		await page.locator("table.queue tbody tr[data-id]").first().waitFor();
		assert.match(await page.locator(".tabs").textContent(), /All statuses/);
		const c = await caseOf("PH0");
		// the browser runs in UTC: the page still shows +08:00 wall time
		const opened = new Date(Date.parse(c.opened_at) + 8 * 3600e3).toISOString().slice(5, 16).replace("T", " ");
		assert.equal(await page.locator(`tr[data-id="${c.case_id}"] td`).nth(9).textContent(), opened);
		await page.locator(`tr[data-id="${c.case_id}"] .case-link`).click();
		await page.getByRole("heading", { name: "Reasons" }).waitFor();
		assert.match(await page.locator("ul.reasons").textContent(), /[a-z]{4}/);
		await assertContrast(page, "case (en)");
		await shot(page, "06-case-en");
		await page.getByRole("button", { name: "中文" }).click();
		await page.getByRole("heading", { name: "异常原因" }).waitFor();
		await page.context().close();
	});
});

describe("roles", () => {
	test("a viewer sees masked data and no action anywhere", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "vic");
		await page.locator("table.queue tbody tr[data-id]").first().waitFor();
		assert.equal(await page.locator("input.pick, .bulk button").count(), 0, "no bulk actions");
		const c = await caseOf("PH3");
		await page.goto(`${d.base}/#/cases/${c.case_id}`);
		await page.locator(".customer").waitFor();
		const customer = await page.locator(".customer").textContent();
		assert.ok(!/138123456\d/.test(customer) && !customer.includes("张三"), `masked: ${customer}`);
		assert.ok(!customer.includes("文三路"), "the address detail is masked");
		assert.equal(await page.locator(".moves button, form.resolve, form.inline button").count(), 0, "no work buttons");
		assert.equal(await page.getByRole("button", { name: /分派|标记为已解决|添加备注/ }).count(), 0);
		for (const box of await page.locator("ul.checklist input").all()) assert.equal(await box.isDisabled(), true);
		const nav = await page.locator("nav").textContent();
		for (const name of ["黑名单", "用户与令牌", "告警", "审计日志"]) assert.ok(!nav.includes(name));
		await shot(page, "07-case-viewer");
		await page.context().close();
	});

	test("an admin's pages: blacklist add and remove, users and tokens, alerts, audit", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "alice");
		for (const name of ["黑名单", "用户与令牌", "告警", "审计日志", "数据分析"]) await page.getByRole("link", { name }).waitFor();

		await page.getByRole("link", { name: "黑名单" }).click();
		await page.getByLabel("值", { exact: true }).fill("13800001111");
		await page.getByLabel("原因", { exact: true }).fill("拒收 3 次");
		await page.getByRole("button", { name: "加入黑名单" }).click();
		await page.locator("table.grid", { hasText: "13800001111" }).waitFor();
		assert.equal((await d.get("/api/v1/blacklist?kind=phone")).json.entries.length, 1);
		assert.equal(await page.locator('a[href="/api/v1/blacklist?format=csv"]').count(), 1, "CSV export");
		await assertLabelled(page, "blacklist");
		await assertContrast(page, "blacklist");
		await shot(page, "08-blacklist");
		page.once("dialog", (dlg) => dlg.accept());
		await page.getByRole("button", { name: /移除 .*13800001111/ }).click();
		await page.locator("table.grid", { hasText: "13800001111" }).waitFor({ state: "detached" });
		assert.equal((await d.get("/api/v1/blacklist?kind=phone")).json.entries.length, 0);
		// CSV import, then the export has it
		await page.getByLabel("CSV 文件").setInputFiles({ name: "bl.csv", mimeType: "text/csv",
			buffer: Buffer.from("kind,value,reason,expires_at\r\ndevice,dev-7f3a,模拟器,\r\nip,10.1.2.3,刷单,\r\n") });
		await page.getByRole("button", { name: "导入 CSV" }).click();
		await page.getByText("已导入 2 条").waitFor();
		await page.locator("table.grid", { hasText: "dev-7f3a" }).waitFor();
		const csv = await page.evaluate(() => fetch(document.querySelector('a[href$="format=csv"]').href).then((r) => r.text()));
		assert.match(csv, /dev-7f3a/);
		assert.match(csv, /10\.1\.2\.3/);

		await page.getByRole("link", { name: "用户与令牌" }).click();
		await page.locator("table.grid", { hasText: "li.na" }).waitFor();
		const users = page.locator("section", { has: page.getByRole("heading", { name: "用户", exact: true }) });
		await users.getByLabel("用户名", { exact: true }).fill("zhao.liu");
		await users.getByLabel("角色", { exact: true }).selectOption("agent");
		await users.getByLabel("团队（逗号分隔）", { exact: true }).fill("logistics, cs");
		await users.getByLabel("密码（至少 8 位）").fill("correct horse 2");
		await users.getByRole("button", { name: "创建用户" }).click();
		await page.locator("table.grid", { hasText: "zhao.liu" }).waitFor();
		const zhao = (await d.get("/api/v1/users")).json.users.find((u) => u.name === "zhao.liu");
		assert.deepEqual([zhao.role, zhao.teams], ["agent", ["logistics", "cs"]]);
		await page.getByLabel("令牌名").fill("shop-tmall");
		await page.getByRole("button", { name: "创建令牌" }).click();
		const secret = await page.locator("code.secret").textContent();
		assert.equal((await d.get("/api/v1/me", { token: secret })).json.principal.role, "ingest", "the token shown works");
		await assertLabelled(page, "users");
		await assertContrast(page, "users");
		await shot(page, "09-users");

		await page.getByRole("link", { name: "告警" }).click();
		// the alerts page, not the users page still on screen with its own team fields
		await page.getByRole("button", { name: "创建静默" }).waitFor();
		await page.getByLabel("团队", { exact: true }).selectOption("cs");
		await page.getByLabel("说明").fill("维护");
		await page.getByRole("button", { name: "创建静默" }).click();
		await page.locator("table.grid", { hasText: "维护" }).waitFor();
		await assertLabelled(page, "alerts");
		await shot(page, "10-alerts");

		await page.getByRole("link", { name: "审计日志" }).click();
		await page.locator("table.grid", { hasText: "blacklist.remove" }).waitFor();
		await assertContrast(page, "audit");
		await shot(page, "11-audit");

		await page.getByRole("link", { name: "数据分析" }).click();
		await page.locator('[data-slot="dashboards"]').waitFor();
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});
});

describe("dashboards", () => {
	/* The scenario's day, as the page asks for it: whole Beijing days. */
	const DAY = "from=2026-11-11&to=2026-11-11";
	const period = "from=2026-11-11T00:00:00%2B08:00&to=2026-11-12T00:00:00%2B08:00";
	const kpi = (page, k) => page.locator(`[data-kpi="${k}"] dd`).textContent();
	const openNow = async () => {
		const c = (await d.get("/api/v1/cases/counts")).json.counts;
		return Object.entries(c).filter(([s]) => !["resolved", "closed", "auto_resolved"].includes(s)).reduce((a, [, n]) => a + n, 0);
	};

	test("the figures are the API's; a resolved case moves them; charts have text; CSV; both languages", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		await page.goto(`${d.base}/#/dashboards?${DAY}`);
		await page.locator('[data-kpi="open"]').waitFor();
		// a KPI against a direct count of the cases API, and against the report
		const open = await openNow();
		assert.ok(open > 0);
		assert.equal(await kpi(page, "open"), String(open), "open cases = the cases API's count");
		const all = (await d.get("/api/v1/cases?limit=1000")).json.cases;
		const opened = all.filter((c) => c.opened_at.startsWith("2026-11-11")).length;
		assert.equal(await kpi(page, "opened"), String(opened), "opened in the period = the cases listed");
		const sum = (await d.get(`/api/v1/reports/summary?${period}`)).json.figures;
		assert.equal(await kpi(page, "resolved"), String(sum.resolved));
		assert.equal(await kpi(page, "sla"), sum.sla_compliance === null ? "—" : `${(sum.sla_compliance * 100).toFixed(1)}%`);
		// the charts are drawn (canvas) and each says what it shows
		await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 2);
		const captions = await page.locator("figure figcaption").allTextContents();
		assert.match(captions[0], new RegExp(`共 ${opened} 个工单`), captions[0]);
		const heat = (await d.get(`/api/v1/reports/heatmap?${period}`)).json.rows;
		const peak = heat.reduce((a, r) => (r.cases > a.cases ? r : a));
		assert.match(captions[1], new RegExp(`${peak.hour} 时，${peak.cases} 个工单`), captions[1]);
		assert.equal(await page.locator("figure .chart[role=img][aria-label]").count(), 2);
		// the province table: the report's first row, with its bar
		const regions = (await d.get(`/api/v1/reports/regions?${period}`)).json.rows;
		const first = page.locator("section", { has: page.getByRole("heading", { name: "高发区域" }) }).locator("tbody tr").first();
		assert.match(await first.textContent(), new RegExp(`${regions[0].province}.*${regions[0].cases}`));
		assert.equal(await first.locator("meter").count(), 1);
		// tables have headers; the compensation block says there is nothing yet
		assert.equal(await page.locator("main table:not(:has(thead th))").count(), 0, "every table has headers");
		await page.locator('[data-block="compensation"]', { hasText: "暂无数据" }).waitFor();
		// CSV exports of the same period
		const links = await page.locator("a.csv").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
		assert.ok(links.some((h) => h.startsWith("/api/v1/reports/regions?") && h.includes("format=csv") && h.includes("from=2026-11-11T00%3A00%3A00%2B08%3A00")), links.join(" "));
		const csv = await page.evaluate((u) => fetch(u).then((r) => r.text()), links.find((h) => h.includes("/regions?")));
		assert.match(csv, /province,cases,orders,cases_per_order/);
		await assertLabelled(page, "dashboards");
		await assertContrast(page, "dashboards");
		await shot(page, "16-dashboards-zh");

		// resolve a case: after a refresh the figures moved
		const before = { open: await kpi(page, "open"), resolved: await kpi(page, "resolved") };
		const target = all.find((c) => c.rule === "PAY_FAILED" && !["resolved", "closed", "auto_resolved"].includes(c.status));
		const r = await d.request("POST", `/api/v1/cases/${target.case_id}/transition`,
			{ body: { to: "resolved", resolution: "customer_paid", root_cause: "customer", note: "客户已重新付款" } });
		assert.equal(r.status, 200, r.text);
		await page.waitForFunction(async (n) => (await (await fetch("/api/v1/reports/summary")).json()).figures.open_cases === n, Number(before.open) - 1);
		await page.getByRole("button", { name: "刷新" }).click();
		await page.waitForFunction((n) => document.querySelector('[data-kpi="open"] dd')?.textContent === n, String(Number(before.open) - 1));
		assert.equal(await kpi(page, "open"), String(await openNow()));
		assert.equal(await kpi(page, "resolved"), String(Number(before.resolved) + 1));

		// filters go in the URL and to the API: a channel with no case
		await page.getByLabel("渠道").fill("no-such-channel");
		await page.getByRole("button", { name: "筛选", exact: true }).click();
		await page.waitForURL(/channel=no-such-channel/);
		await page.waitForFunction(() => document.querySelector('[data-kpi="opened"] dd')?.textContent === "0");
		assert.match(await page.locator("figure figcaption").first().textContent(), /期间没有工单/);

		// real compensation spend is shown by tests/browser/actions.test.mjs,
		// where a merchant takes the coupons

		// English
		await page.getByRole("button", { name: "English" }).click();
		await page.getByRole("heading", { name: "Key figures" }).waitFor();
		await page.goto(`${d.base}/#/dashboards?${DAY}`);
		await page.waitForFunction(() => document.querySelectorAll(".chart canvas").length >= 2);
		assert.match(await page.locator('[data-kpi="open"] dt').textContent(), /Open cases/);
		assert.match(await page.locator("figure figcaption").first().textContent(), /cases in all/);
		await assertContrast(page, "dashboards (en)");
		await shot(page, "17-dashboards-en");
		await page.getByRole("button", { name: "中文" }).click();
		assert.deepEqual(page.errors, []);
		await page.context().close();
	});

	test("an agent has no dashboards (no reports permission)", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "li.na");
		assert.ok(!(await page.locator("nav").textContent()).includes("数据分析"));
		await page.goto(`${d.base}/#/dashboards`);
		await page.waitForURL(/#\/queue$/);
		await page.context().close();
	});
});

describe("sessions", () => {
	test("an ended session sends the user back to sign in, and back to the page after", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "wang.lei");
		const c = await caseOf("PH4");
		await page.goto(`${d.base}/#/cases/${c.case_id}`);
		await page.locator("ul.checklist").waitFor();
		await page.context().clearCookies(); // as when the session expires
		await page.locator("#chk-review_phone").click();
		await page.getByText("登录已过期，请重新登录").waitFor();
		await page.getByLabel("用户名").fill("wang.lei");
		await page.getByLabel("密码").fill("correct horse 1");
		await page.getByRole("button", { name: "登录" }).click();
		await page.waitForURL(new RegExp(`#/cases/${c.case_id}$`));
		await page.getByRole("button", { name: "退出" }).click();
		await page.getByRole("button", { name: "登录" }).waitFor();
		assert.equal((await page.evaluate(() => fetch("/api/v1/me").then((r) => r.status))), 401, "signed out on the server too");
		await page.context().close();
	});
});
