// admin-rules.test.mjs - the console's 规则与阈值 / Rules and thresholds page
// in a real browser against a real `ordex serve`: an admin edits a
// threshold, sees the server's own error inline, saves with a note and
// sees it saved (in the page and through the API); a supervisor sees the
// same page read only; an agent has no entry for it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon } from "../http/lib.mjs";
import { assertContrast, assertLabelled, launch, login, newPage, shot } from "./browser.mjs";

const USERS = [["alice", "admin"], ["wang.lei", "supervisor"], ["li.na", "agent"]];

let d, browser;
before(async () => {
	[d, browser] = await Promise.all([startDaemon(), launch()]);
	for (const [name, role] of USERS) {
		const r = await d.request("POST", "/api/v1/users", { body: { name, role, teams: ["cs"], password: "correct horse 1", display: name } });
		assert.equal(r.status, 201, r.text);
	}
});
after(async () => {
	await browser?.close();
	await d?.stop();
});

const threshold = (page) => page.getByLabel("fraud.threshold", { exact: true });

describe("rules and thresholds", () => {
	test("an admin edits a threshold: inline error, then saved with a note", async () => {
		const page = await newPage(browser);
		await login(page, d.base, "alice");
		await page.getByRole("link", { name: "规则与阈值" }).click();
		await page.getByRole("heading", { name: "规则与阈值" }).waitFor();
		await threshold(page).waitFor();
		assert.equal(await threshold(page).inputValue(), "60");
		assert.ok(await page.locator("table[aria-label='规则'] tbody tr").count() === 29, "29 rules");
		await assertLabelled(page, "rules page");
		await assertContrast(page, "rules page");

		// out of range: the server's message next to the field, nothing saved
		await threshold(page).fill("5000");
		await threshold(page).press("Tab");
		await page.getByLabel("修改说明").fill("太高了");
		await page.getByRole("button", { name: "保存" }).click();
		await page.locator(".cfg-error", { hasText: "'fraud.threshold' must be <= 1000" }).waitFor();
		assert.equal(await threshold(page).getAttribute("aria-invalid"), "true");
		await shot(page, "rules-01-inline-error");
		assert.deepEqual((await d.get("/api/v1/config/rules")).json.overrides, {});

		await threshold(page).fill("45");
		await threshold(page).press("Tab");
		await page.getByLabel("修改说明").fill("双十一前收紧风控");
		await page.getByRole("button", { name: "保存" }).click();
		await page.locator(".cfg-overrides li", { hasText: "fraud.threshold" }).waitFor();
		assert.equal(await threshold(page).inputValue(), "45");
		await shot(page, "rules-02-saved");

		const api = (await d.get("/api/v1/config/rules")).json;
		assert.deepEqual(api.overrides, { "fraud.threshold": 45 });
		const audit = (await d.get("/api/v1/audit?action=config.change")).json.entries;
		assert.equal(audit.length, 1);
		assert.equal(audit[0].actor, "alice");
		assert.deepEqual(audit[0].detail, { note: "双十一前收紧风控", changes: [{ key: "fraud.threshold", old: 60, new: 45 }] });

		// a rule's severity from the rules table
		await page.getByLabel("PAY_FAILED 严重度").selectOption("P1");
		await page.getByRole("button", { name: "保存" }).click();
		await page.locator(".cfg-overrides li", { hasText: "rules.PAY_FAILED.severity" }).waitFor();
		assert.equal((await d.get("/api/v1/config/rules")).json.overrides["rules.PAY_FAILED.severity"], "P1");
		assert.deepEqual(page.errors, []);
	});

	test("a supervisor sees it read only; an agent has no entry", async () => {
		const page = await newPage(browser, { locale: "en-GB" });
		await login(page, d.base, "wang.lei");
		await page.goto(d.base + "/#/admin/rules");
		await page.locator(".cfg-readonly").waitFor();
		await threshold(page).waitFor();
		assert.equal(await threshold(page).isDisabled(), true);
		assert.equal(await threshold(page).inputValue(), "45", "the admin's change");
		assert.equal(await page.getByRole("button", { name: /^(保存|Save)$/ }).count(), 0);
		await shot(page, "rules-03-supervisor-readonly");

		const agent = await newPage(browser);
		await login(agent, d.base, "li.na");
		assert.equal(await agent.getByRole("link", { name: "规则与阈值" }).count(), 0);
		await agent.goto(d.base + "/#/admin/rules");
		await agent.waitForURL(/#\/queue/);
		assert.deepEqual([...page.errors, ...agent.errors], []);
	});
});
