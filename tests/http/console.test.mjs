// console.test.mjs - the web console's files as `ordex serve` serves them
// (src/console.c): every file of console/src at its path with its type,
// and echarts from console/node_modules under /assets/vendor/, ETag and 304, gzip on request, the Content-Security-Policy, nothing
// else under /assets/; and GET /api/v1/cases/counts, which its queue uses.
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { ROOT, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const SRC = join(ROOT, "console/src");
const files = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
const urlOf = (file) => (relative(SRC, file) === "index.html" ? "/" : `/assets/${relative(SRC, file)}`);
const TYPES = { html: "text/html; charset=utf-8", js: "text/javascript; charset=utf-8", css: "text/css; charset=utf-8", svg: "image/svg+xml" };

describe("the console's files", () => {
	let d;
	before(async () => (d = await startDaemon({ check: checkHttp })));
	after(() => d?.stop());

	test("every file of console/src, byte for byte, with its type, an ETag and the CSP", async () => {
		const all = files(SRC);
		assert.ok(all.length >= 10, `${all.length} files`);
		for (const file of all) {
			const url = urlOf(file);
			const r = await fetch(d.base + url, { headers: { "accept-encoding": "identity" } });
			assert.equal(r.status, 200, url);
			assert.equal(r.headers.get("content-type"), TYPES[file.split(".").pop()], url);
			assert.deepEqual(Buffer.from(await r.arrayBuffer()), readFileSync(file), `${url}: the binary embeds another file: rebuild (make)`);
			assert.match(r.headers.get("etag") ?? "", /^"[A-Za-z0-9_-]{22}"$/, url);
			assert.equal(r.headers.get("cache-control"), "no-cache", url);
			assert.equal(r.headers.get("x-content-type-options"), "nosniff");
			const csp = r.headers.get("content-security-policy") ?? "";
			assert.match(csp, /default-src 'none'/);
			assert.match(csp, /script-src 'self'(;|$)/, "no inline or eval script");
			assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
		}
	});

	test("no inline script or style, no other origin, in any file", () => {
		for (const file of files(SRC)) {
			const text = readFileSync(file, "utf8");
			assert.doesNotMatch(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${file} names another origin`);
			if (file.endsWith(".html")) {
				assert.doesNotMatch(text, /<script(?![^>]*\ssrc=)[^>]*>/, `${file}: an inline script`);
				assert.doesNotMatch(text, /\sstyle=|<style|\son[a-z]+=/i, `${file}: inline style or handler`);
			}
		}
	});

	test("If-None-Match gives 304; gzip when asked, with its own ETag", async () => {
		const first = await fetch(d.base + "/assets/js/app.js", { headers: { "accept-encoding": "identity" } });
		const etag = first.headers.get("etag");
		const again = await fetch(d.base + "/assets/js/app.js", { headers: { "if-none-match": etag, "accept-encoding": "identity" } });
		assert.equal(again.status, 304);
		assert.equal((await again.arrayBuffer()).byteLength, 0);
		const other = await fetch(d.base + "/assets/js/app.js", { headers: { "if-none-match": '"nope"', "accept-encoding": "identity" } });
		assert.equal(other.status, 200);
		const raw = await import("node:http");
		const gz = await new Promise((res, rej) => raw.get(d.base + "/assets/js/i18n.js", { headers: { "accept-encoding": "gzip, br" } }, (r) => {
			const parts = [];
			r.on("data", (c) => parts.push(c)).on("end", () => res({ headers: r.headers, body: Buffer.concat(parts) })).on("error", rej);
		}).on("error", rej));
		assert.equal(gz.headers["content-encoding"], "gzip");
		assert.equal(gz.headers.vary, "Accept-Encoding");
		assert.deepEqual(gunzipSync(gz.body), readFileSync(join(SRC, "js/i18n.js")));
		assert.notEqual(gz.headers.etag, (await fetch(d.base + "/assets/js/i18n.js", { headers: { "accept-encoding": "identity" } })).headers.get("etag"));
		const refused = await fetch(d.base + "/assets/js/i18n.js", { headers: { "accept-encoding": "gzip;q=0" } });
		assert.equal(refused.headers.get("content-encoding"), null);
	});

	test("echarts' prebuilt file from console/node_modules, byte for byte, gzipped on request", async () => {
		const file = join(ROOT, "console/node_modules/echarts/dist/echarts.min.js");
		const r = await fetch(d.base + "/assets/vendor/echarts.min.js", { headers: { "accept-encoding": "identity" } });
		assert.equal(r.status, 200);
		assert.equal(r.headers.get("content-type"), TYPES.js);
		assert.deepEqual(Buffer.from(await r.arrayBuffer()), readFileSync(file), "the binary embeds another echarts: rebuild (make)");
		const raw = await import("node:http");
		const gz = await new Promise((res, rej) => raw.get(d.base + "/assets/vendor/echarts.min.js", { headers: { "accept-encoding": "gzip" } }, (g) => {
			const parts = [];
			g.on("data", (c) => parts.push(c)).on("end", () => res({ headers: g.headers, body: Buffer.concat(parts) })).on("error", rej);
		}).on("error", rej));
		assert.equal(gz.headers["content-encoding"], "gzip");
		assert.ok(gz.body.length < readFileSync(file).length / 2, `gzip: ${gz.body.length} bytes`);
		assert.deepEqual(gunzipSync(gz.body), readFileSync(file));
	});

	test("anything else under /assets/ is 404; the API keeps no-store", async () => {
		for (const path of ["/assets/nope.js", "/assets/js/../index.html", "/assets/", "/assets/js"]) {
			const r = await d.get(path);
			assert.equal(r.status, 404, path);
		}
		const api = await d.get("/api/v1/cases");
		assert.equal(api.headers.get("cache-control"), "no-store");
	});
});

describe("GET /api/v1/cases/counts", () => {
	let d;
	const T0 = Date.parse("2026-11-11T10:00:00+08:00");
	const bad = (i, channel) => JSON.stringify({
		id: `k${i}`, type: "order.created", ts: new Date(T0 + i * 1000).toISOString(), order_id: `K${i}`, channel,
		customer: { id: `c${i}`, name: "张三", phone: "1381234567", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
		items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
	});
	before(async () => {
		d = await startDaemon({ check: checkHttp });
		const r = await d.postEvents([0, 1, 2, 3].map((i) => bad(i, "tmall")));
		assert.equal(r.status, 200, r.text);
	});
	after(() => d?.stop());

	test("counts each status under the list's filters, whatever status or page is asked", async () => {
		const list = await d.get("/api/v1/cases?limit=1000");
		const id = list.json.cases[0].case_id;
		assert.equal((await d.request("POST", `/api/v1/cases/${id}/transition`, { body: { to: "acknowledged" } })).status, 200);
		const all = await d.get("/api/v1/cases/counts?status=closed&limit=1&cursor=2");
		assert.equal(all.status, 200, all.text);
		assert.equal(all.json.total, list.json.cases.length);
		assert.equal(all.json.counts.acknowledged, 1);
		assert.equal(all.json.counts.open, list.json.cases.length - 1);
		assert.equal(Object.values(all.json.counts).reduce((a, b) => a + b, 0), all.json.total);
		const rule = list.json.cases[0].rule;
		const some = await d.get(`/api/v1/cases/counts?rule=${rule}&severity=${list.json.cases[0].severity}`);
		assert.equal(some.json.total, list.json.cases.filter((c) => c.rule === rule).length);
		const none = await d.get("/api/v1/cases/counts?team=nobody");
		assert.equal(none.json.total, 0);
		assert.equal(none.json.counts.open, 0);
	});

	test("sort=due: by the SLA deadline that matters now, paged with its own cursor", async () => {
		const all = (await d.get("/api/v1/cases?limit=1000")).json.cases;
		const due = (c) => (["resolved", "closed", "auto_resolved"].includes(c.status) ? Infinity
			: Date.parse(c.sla.responded_at ? c.sla.resolve_due : c.sla.respond_due));
		const want = [...all].sort((a, b) => due(a) - due(b) || (a.case_id < b.case_id ? -1 : 1)).map((c) => c.case_id);
		assert.notDeepEqual(want, all.map((c) => c.case_id), "the scenario tells the sorts apart");
		const got = [];
		let cursor = "";
		do {
			const r = await d.get(`/api/v1/cases?sort=due&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
			assert.equal(r.status, 200, r.text);
			got.push(...r.json.cases.map((c) => c.case_id));
			cursor = r.json.next_cursor;
			if (cursor) assert.match(cursor, /^[0-9]+\.[0-9]+$/);
		} while (cursor);
		assert.deepEqual(got, want);
		for (const [q, what] of [["sort=soon", /sort/], ["sort=due&cursor=3", /cursor/], ["cursor=1.2", /cursor/]]) {
			const r = await d.get(`/api/v1/cases?${q}`);
			assert.equal(r.status, 400, q);
			assert.match(r.json.detail, what);
		}
	});

	test("a bad filter is 400 as for the list", async () => {
		const r = await d.get("/api/v1/cases/counts?severity=P9");
		assert.equal(r.status, 400);
		assert.match(r.json.detail, /severity/);
	});
});
