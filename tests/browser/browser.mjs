// browser.mjs - Debian's chromium driven by playwright-core (pinned in
// console/package-lock.json; it never downloads a browser), and the checks
// the console's browser tests share: sign-in, screenshots, labels and
// colour contrast computed from the page's own styles.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { ROOT } from "../http/lib.mjs";

const require = createRequire(join(ROOT, "console/package.json"));
const { chromium } = require("playwright-core");

export const SHOTS = resolve(ROOT, process.env.ORDEX_SCREENSHOTS ?? "build/screenshots");
mkdirSync(SHOTS, { recursive: true });

/* One browser per test file. launch() gives it a fresh temporary profile
 * (--user-data-dir) of its own; the flags keep chromium off the network
 * (without them it hangs on a closed network). */
export function launch() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
			"--disable-component-update", "--disable-sync"],
		timeout: 60000,
	});
}

/* A new page (its own cookies and storage) that fails the test on any
 * script error. */
export async function newPage(browser, opts = {}) {
	const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "zh-CN", timezoneId: "UTC", ...opts });
	const page = await ctx.newPage();
	page.errors = [];
	page.on("pageerror", (e) => page.errors.push(e.message));
	page.setDefaultTimeout(15000);
	return page;
}

export async function login(page, base, user, password = "correct horse 1") {
	await page.goto(base + "/");
	await page.getByLabel(/用户名|User name/).fill(user);
	await page.getByLabel(/^(密码|Password)$/).fill(password);
	await page.getByRole("button", { name: /^(登录|Sign in)$/ }).click();
	await page.waitForSelector("#top:not([hidden])");
}

export const shot = (page, name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/* Every input, select and textarea has a label a screen reader reads. */
export async function assertLabelled(page, where) {
	const unlabelled = await page.evaluate(() => [...document.querySelectorAll("input, select, textarea")]
		.filter((el) => el.type !== "hidden" && !(el.labels?.length && [...el.labels].some((l) => l.textContent.trim())) && !el.getAttribute("aria-label")?.trim())
		.map((el) => el.outerHTML.slice(0, 120)));
	assert.deepEqual(unlabelled, [], `${where}: controls without a label`);
}

/* The contrast of every visible text against the background it is drawn
 * on (the first opaque background up the tree), from computed styles. */
export async function assertContrast(page, where, min = 4.5) {
	const bad = await page.evaluate((min) => {
		const rgb = (s) => {
			const m = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(s);
			return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null;
		};
		const lum = ({ r, g, b }) => {
			const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
			return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
		};
		const over = (fg, bg) => ({ r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1 });
		const background = (el) => {
			for (let e = el; e; e = e.parentElement) {
				const c = rgb(getComputedStyle(e).backgroundColor);
				if (c && c.a > 0) return c.a === 1 ? c : over(c, background(e.parentElement) ?? { r: 255, g: 255, b: 255, a: 1 });
			}
			return { r: 255, g: 255, b: 255, a: 1 };
		};
		const out = [];
		const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		const done = new Set();
		for (let n; (n = walker.nextNode());) {
			const el = n.parentElement;
			if (!n.textContent.trim() || done.has(el)) continue;
			done.add(el);
			const st = getComputedStyle(el);
			const box = el.getBoundingClientRect();
			if (st.visibility === "hidden" || st.display === "none" || box.width === 0 || el.closest("[hidden], .sr, .skip, option")) continue;
			if (parseFloat(st.opacity) < 1 && el.closest(".toast")) continue;
			const bg = background(el);
			const fg = over(rgb(st.color), bg);
			const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
			const ratio = (a + 0.05) / (b + 0.05);
			if (ratio < min) out.push(`${ratio.toFixed(2)} ${el.tagName.toLowerCase()}.${el.className} "${n.textContent.trim().slice(0, 30)}" ${st.color} on ${JSON.stringify(bg)}`);
		}
		return out;
	}, min);
	assert.deepEqual(bad, [], `${where}: text under ${min}:1`);
}
