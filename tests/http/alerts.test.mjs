// alerts.test.mjs - notices of `ordex serve` reaching a real local receiver
// (receiver.mjs): signed webhooks, retries after 500s with one idempotency
// key, delivery across a kill -9 of the daemon, escalations, silences made
// through the API (and audited), and dead letters sent again. Every answer of
// the daemon is checked against docs/openapi.json.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sleep, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";
import { startReceiver } from "./receiver.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-alerts-"));
after(() => rmSync(TMP, { recursive: true, force: true }));

const SECRET = "whsec-0123456789";
const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (min) => new Date(T0 + min * 60000).toISOString();
let nextId = 0;

/* An order with an empty phone: CUS_PHONE_INVALID, made P1 below, pages at once. */
const badOrder = (orderId, min) =>
	JSON.stringify({
		id: `a${nextId++}`, type: "order.created", ts: ts(min), order_id: orderId, channel: "tmall",
		customer: { id: "c1", phone: "", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
		items: [{ sku: "S1", qty: 1, price: "9.00" }], total: "9.00",
	});
const tick = (min) => JSON.stringify({ id: `a${nextId++}`, type: "tick", ts: ts(min) });

function config(url) {
	const file = join(TMP, `config-${nextId++}.yaml`);
	writeFileSync(file, `rules:
  CUS_PHONE_INVALID: { severity: P1 }
alerts:
  channels:
    hook: { type: webhook, url: "${url}/hook", secret: "${SECRET}" }
  route:
    receiver: hook
    group_by: [case, kind, level]
    group_wait: 1ms
    group_interval: 1ms
  delivery:
    timeout: 2s
    backoff_initial: 50ms
    backoff_max: 200ms
    give_up_after: 1h
`);
	return file;
}

/* Wait until pred(requests) holds, or fail after ms. */
async function until(rx, pred, what, ms = 15000) {
	const end = Date.now() + ms;
	while (!pred(rx.requests)) {
		if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms; got ${JSON.stringify(rx.requests.map((r) => [r.status, r.json?.kind, r.json?.case_id]))}`);
		await sleep(20);
	}
}

const delivered = (reqs, caseId, kind) => reqs.filter((r) => r.status === 200 && JSON.stringify(r.json).includes(caseId) && JSON.stringify(r.json).includes(kind));

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
}

async function caseOf(d, orderId) {
	const r = await d.get(`/api/v1/cases?order_id=${orderId}`);
	assert.equal(r.json.cases.length, 1, r.text);
	return r.json.cases[0].case_id;
}

describe("the alert channels as the console shows them", () => {
	test("channels without their secrets, the routing tree, the delivery policy; nothing without alerts", async () => {
		const file = join(TMP, `config-${nextId++}.yaml`);
		writeFileSync(file, `alerts:
  channels:
    ops: { type: dingtalk, url: "https://oapi.dingtalk.com/robot/send?access_token=tok-123", secret: "SECsecret" }
    cs: { type: webhook, url: "https://user:pw@hooks.example.com/ordex/abc?key=k9" }
    fs: { type: feishu, url: "https://open.feishu.cn/open-apis/bot/v2/hook/xyz", format: text }
  route:
    receiver: ops
    routes:
      - match: { severity: [P1, P2], team: [cs] }
        receiver: cs
        continue: true
      - match: { kind: [reminder] }
        receiver: fs
        group_by: [case]
        repeat_interval: 2h
  delivery:
    timeout: 3s
    language: en
`);
		const d = await startDaemon({ check: checkHttp, args: ["--config", file] });
		let d2;
		try {
			const r = await d.get("/api/v1/alerts/channels");
			assert.equal(r.status, 200, r.text);
			assert.deepEqual(r.json.channels, [
				{ name: "ops", type: "dingtalk", endpoint: "https://oapi.dingtalk.com", signed: true, format: "default" },
				{ name: "cs", type: "webhook", endpoint: "https://hooks.example.com", signed: false, format: "default" },
				{ name: "fs", type: "feishu", endpoint: "https://open.feishu.cn", signed: false, format: "text" },
			]);
			for (const secret of ["tok-123", "SECsecret", "pw", "k9", "xyz"]) assert.ok(!r.text.includes(secret), secret);
			assert.equal(r.json.route.receiver, "ops");
			assert.deepEqual(r.json.route.routes.map((x) => [x.receiver, x.match, x.continue]),
				[["cs", { severity: ["P1", "P2"], team: ["cs"] }, true], ["fs", { kind: ["reminder"] }, false]]);
			assert.deepEqual(r.json.route.routes[1].group_by, ["case"]);
			assert.equal(r.json.route.routes[1].repeat_interval, "2h");
			assert.equal(r.json.delivery.timeout, "3s");
			assert.equal(r.json.delivery.language, "en");
			const t = await d.request("POST", "/api/v1/tokens", { body: { name: "ag", role: "agent" } });
			assert.equal((await d.get("/api/v1/alerts/channels", { token: t.json.secret })).status, 403);
			d2 = await startDaemon({ check: checkHttp });
			const off = await d2.get("/api/v1/alerts/channels");
			assert.equal(off.status, 200, off.text);
			assert.deepEqual([off.json.channels, off.json.route], [[], null]);
		} finally {
			await d.stop();
			await d2?.stop();
		}
	});
});

describe("alert delivery", () => {
	test("a P1 case reaches the webhook, signed, after two 500s, with one idempotency key", async () => {
		const rx = await startReceiver({ failFirst: 2, secret: SECRET });
		const d = await startDaemon({ check: checkHttp, args: ["--config", config(rx.url)] });
		try {
			await post(d, [badOrder("W1", 0)]);
			const id = await caseOf(d, "W1");
			await until(rx, (q) => delivered(q, id, "opened").length === 1, "the opened notice");
			const tries = rx.requests.filter((r) => JSON.stringify(r.json).includes(id));
			assert.ok(tries.length >= 3, `${tries.length} attempts`);
			assert.deepEqual(tries.map((r) => r.status).slice(0, 3), [500, 500, 200]);
			assert.equal(new Set(tries.map((r) => r.idempotencyKey)).size, 1, "retries carry the same key");
			assert.ok(tries.every((r) => r.scheme === "webhook" && r.verified === true), "every attempt is signed");

			/* not acknowledged in 15 minutes: escalated to level 2 */
			await post(d, [tick(15)]);
			await until(rx, (q) => delivered(q, id, "escalated").length >= 1, "the escalation");
			const esc = delivered(rx.requests, id, "escalated")[0];
			assert.ok(JSON.stringify(esc.json).includes('"level":2'), JSON.stringify(esc.json));

			/* the receiver has it before the daemon marks it sent: wait for that */
			let sent;
			for (const end = Date.now() + 10000; Date.now() < end; await sleep(20)) {
				sent = await d.get("/api/v1/alerts/outbox?state=sent");
				assert.equal(sent.status, 200, sent.text);
				if (sent.json.messages.length >= 2) break;
			}
			assert.ok(sent.json.messages.length >= 2, sent.text);
		} finally {
			await d.stop();
			await rx.close();
		}
	});

	test("a kill -9 while the receiver is down loses nothing: delivered after the restart, same key", async () => {
		const rx = await startReceiver({ failFirst: 1e9, secret: SECRET });
		const cfg = config(rx.url);
		const d = await startDaemon({ check: checkHttp, args: ["--config", cfg] });
		await post(d, [badOrder("K1", 0)]);
		const id = await caseOf(d, "K1");
		await until(rx, (q) => q.filter((r) => JSON.stringify(r.json).includes(id)).length >= 2, "failing attempts");
		const key = rx.requests.find((r) => JSON.stringify(r.json).includes(id)).idempotencyKey;
		await d.kill9();
		rx.set({ failFirst: 0 });
		const d2 = await startDaemon({ check: checkHttp, dataDir: d.dataDir, args: ["--config", cfg] });
		try {
			await until(rx, (q) => delivered(q, id, "opened").length >= 1, "delivery after the restart");
			assert.equal(delivered(rx.requests, id, "opened")[0].idempotencyKey, key);
		} finally {
			await d2.stop();
			d.removeData();
			await rx.close();
		}
	});

	test("a receiver that hangs past the timeout is tried again, with the same key", async () => {
		const rx = await startReceiver({ delayMs: 4000, secret: SECRET }); /* the channel's timeout is 2 s */
		const d = await startDaemon({ check: checkHttp, args: ["--config", config(rx.url)] });
		try {
			await post(d, [badOrder("T1", 0)]);
			const id = await caseOf(d, "T1");
			await until(rx, (q) => q.some((r) => JSON.stringify(r.json).includes(id)), "the first, hanging attempt");
			rx.set({ delayMs: 0 });
			/* the hanging answer comes too late for ordex: it sends again */
			await until(rx, (q) => q.filter((r) => JSON.stringify(r.json).includes(id)).length >= 2, "the attempt after the timeout", 20000);
			const tries = rx.requests.filter((r) => JSON.stringify(r.json).includes(id));
			assert.equal(new Set(tries.map((r) => r.idempotencyKey)).size, 1);
			let sent;
			for (const end = Date.now() + 10000; Date.now() < end; await sleep(20)) {
				sent = (await d.get("/api/v1/alerts/outbox?state=sent")).json.messages;
				if (sent.length) break;
			}
			assert.equal(sent.length, 1, "sent once the receiver answered in time");
			const failed = await d.get("/metrics");
			assert.match(failed.text, /^ordex_alerts_failed_attempts_total [1-9]/m);
		} finally {
			await d.stop();
			await rx.close();
		}
	});

	test("silences stop notices and are audited; dead letters can be sent again", async () => {
		const rx = await startReceiver({ secret: SECRET });
		const d = await startDaemon({ check: checkHttp, args: ["--config", config(rx.url)] });
		try {
			const s = await d.request("POST", "/api/v1/silences", {
				body: { matchers: { rule: "CUS_PHONE_INVALID" }, duration: "2h", comment: "地址库升级，暂停通知" },
			});
			assert.equal(s.status, 201, s.text);
			await post(d, [badOrder("S1", 0)]);
			const quiet = await caseOf(d, "S1");
			const end = Date.now() + 10000;
			let silenced = [];
			while (Date.now() < end && silenced.length === 0) {
				silenced = (await d.get("/api/v1/alerts/outbox?state=silenced")).json.messages;
				await sleep(50);
			}
			assert.ok(silenced.length >= 1, "recorded as silenced");
			assert.equal(rx.requests.filter((r) => JSON.stringify(r.json).includes(quiet)).length, 0, "nothing sent");
			const audit = await d.get("/api/v1/audit?action=silence.create");
			assert.equal(audit.json.entries.length, 1, audit.text);
			assert.equal((await d.request("DELETE", `/api/v1/silences/${s.json.id}`)).status, 200);

			rx.set({ status: 400 }); /* the receiver will never take it: dead at once */
			await post(d, [badOrder("D1", 1)]);
			const id = await caseOf(d, "D1");
			let dead = [];
			const end2 = Date.now() + 10000;
			while (Date.now() < end2 && dead.length === 0) {
				dead = (await d.get("/api/v1/alerts/dead")).json.messages;
				await sleep(50);
			}
			assert.equal(dead.length, 1, "one dead letter");
			rx.set({ status: 200 });
			const again = await d.request("POST", `/api/v1/alerts/dead/${dead[0].id}/retry`);
			assert.equal(again.status, 200, again.text);
			await until(rx, (q) => delivered(q, id, "opened").length === 1, "the dead letter, sent again");
		} finally {
			await d.stop();
			await rx.close();
		}
	});
});
