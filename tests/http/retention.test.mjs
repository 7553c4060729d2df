// retention.test.mjs - orders retention retires (docs/retention.md), seen
// through the daemon: the order picture of a retired order answers 404 with
// its cases, a late event of it opens nothing, /metrics counts it, and all of
// it holds after a clean restart and after kill -9; over ten days of a
// shop, the daemon retires what `ordex replay` retires, opens the same cases,
// and its compactions leave the retired orders' records out of the order
// archives. Answers are checked against docs/openapi.json.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { BIN, replayAsync, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const TMP = mkdtempSync(join(tmpdir(), "ordex-http-retention-"));
after(() => rmSync(TMP, { recursive: true, force: true }));
const CONFIG = join(TMP, "retention.yaml");
writeFileSync(CONFIG, "retention:\n  finished: 1d\n  idle: 6d\n  event_ids: 3d\n");

const start = (opts = {}) => startDaemon({ check: process.env.NOCHECK ? null : checkHttp, args: ["--config", CONFIG], ...opts });

const ev = (id, type, ts, fields) => JSON.stringify({ id, type, ts, order_id: "R1", ...fields });
const created = ev("r-2", "order.created", "2026-11-11T10:01:00.000+08:00", {
	channel: "tmall",
	customer: { id: "c1", phone: "13812345678", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
	items: [{ sku: "S1", qty: 1, price: "99.00" }],
	total: "99.00",
});
const tick = (id, ts) => JSON.stringify({ id, type: "tick", ts });

function metric(text, name) {
	const m = new RegExp(`^${name} ([0-9.e+-]+)$`, "m").exec(text);
	assert.ok(m, `metric ${name} not found`);
	return Number(m[1]);
}

async function expectRetired(d) {
	const r = await d.get("/api/v1/orders/R1");
	assert.equal(r.status, 404);
	assert.equal(r.json.error, "order retired");
	assert.equal(r.json.detail, "R1");
	assert.equal(r.json.retired, true);
	assert.deepEqual(r.json.cases.map((c) => [c.rule, c.status]), [["SYS_CREATE_FAILED", "auto_resolved"]]);
	const m = (await d.get("/metrics")).text;
	assert.equal(metric(m, "ordex_orders_retired_total"), 1);
	assert.equal(metric(m, "ordex_orders"), 0);
}

test("a retired order: 404 with its cases, late events left out, across restarts", async () => {
	let d = await start();
	try {
		const r = await d.postEvents([
			ev("r-1", "order.create_failed", "2026-11-11T10:00:00.000+08:00", { error: { code: "E_TIMEOUT", message: "upstream timeout" } }),
			created,
			ev("r-3", "order.status", "2026-11-11T10:02:00.000+08:00", { status: "cancelled" }),
			tick("t-1", "2026-11-13T03:00:00.000+08:00"),
		]);
		assert.equal(r.json.accepted, 4, JSON.stringify(r.json));
		// a day has passed, the daily sweep (04:00) has not come: the whole picture
		const kept = await d.get("/api/v1/orders/R1");
		assert.equal(kept.status, 200);
		assert.equal(kept.json.events.length, 3);

		await d.postEvents([tick("t-2", "2026-11-13T04:30:00.000+08:00")]);
		await expectRetired(d);
		const unknown = await d.get("/api/v1/orders/NEVER");
		assert.equal(unknown.status, 404);
		assert.equal(unknown.json.error, "order not found");
		assert.equal(unknown.json.retired, undefined);

		// money on a cancelled order: PAY_ON_CLOSED, had R1 been kept; retired, it opens nothing
		const late = await d.postEvents([
			ev("r-4", "payment.succeeded", "2026-11-13T06:00:00.000+08:00", { payment_id: "P1", amount: "99.00", method: "alipay" }),
			tick("t-3", "2026-11-13T07:00:00.000+08:00"),
		]);
		assert.equal(late.json.accepted, 2);
		await expectRetired(d);
		// a resend within the three days is a duplicate still
		assert.equal((await d.postEvents([created])).json.duplicates, 1);

		await d.stop({ keepData: true });
		d = await start({ dataDir: d.dataDir });
		await expectRetired(d);
		await d.kill9();
		d = await start({ dataDir: d.dataDir });
		await expectRetired(d);
		assert.equal((await d.get("/api/v1/cases?order_id=R1")).json.cases.length, 1);
	} finally {
		await d.stop();
	}
});

// The snapshot builder reads the config file again: edited since the daemon
// started, it would rebuild another state, so it refuses, and the daemon
// writes its snapshots by a forked copy of itself until a restart.
test("a snapshot builder that finds the config changed leaves snapshots to a fork", async () => {
	const config = join(TMP, "edited.yaml");
	writeFileSync(config, "retention:\n  finished: 2d\n");
	const d = await start({ args: ["--config", config, "--snapshot-every", "200"] });
	let n = 0;
	const ticks = (k) => Array.from({ length: k }, () => tick(`e-${n}`, new Date(Date.UTC(2026, 10, 11, 2, 0, n++)).toISOString()));
	// the writer learns that a snapshot is done at its next group (a
	// builder at the lowest priority under ASan and a busy suite is slow)
	const waitFor = async (re, what) => {
		for (let i = 0; i < 1200 && !re.test(d.stderr); i++) {
			await new Promise((r) => setTimeout(r, 50));
			await d.postEvents(ticks(1));
		}
		assert.match(d.stderr, re, `no ${what} within 60 s`);
	};
	const written = () => (d.stderr.match(/snapshot at record \d+ written/g) ?? []).length;
	try {
		await d.postEvents(ticks(250));
		await waitFor(/snapshot builder: records 1\.\.\d+ on snapshot 0/, "snapshot by the builder");
		await waitFor(/snapshot at record \d+ written/, "snapshot written");
		writeFileSync(config, "retention:\n  finished: 3d\n");
		await d.postEvents(ticks(250));
		await waitFor(/the config changed since the start/, "builder refusing");
		assert.equal(written(), 1);
		await d.postEvents(ticks(250));
		for (let i = 0; i < 1200 && written() < 2; i++) {
			await new Promise((r) => setTimeout(r, 50));
			await d.postEvents(ticks(1));
		}
		assert.equal(written(), 2, d.stderr);
		assert.equal((d.stderr.match(/snapshot builder: records/g) ?? []).length, 1);
	} finally {
		await d.stop();
	}
});

test("ten days of a shop: the cases of replay, retired orders out of the archives, across a restart", async () => {
	const config = join(TMP, "short.yaml");
	writeFileSync(config, "retention:\n  finished: 1d\n  idle: 6d\n  event_ids: 2d\n");
	const file = join(TMP, "days.ndjson");
	const sim = spawnSync(BIN, ["sim", "--orders", "3000", "--hours", "240", "--seed", "11", "--out", file]);
	assert.equal(sim.status, 0, String(sim.stderr));
	// a week later, and enough records after it for a compaction
	const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
	for (let i = 0; i < 5000; i++) lines.push(tick(`late-${i}`, new Date(Date.UTC(2026, 10, 28, 0, 0, i)).toISOString()));
	writeFileSync(file, lines.join("\n") + "\n");
	const want = await replayAsync(file, ["--config", config, "--stats"]);
	assert.equal(want.status, 0, want.stderr);
	const retired = Number(/orders \(([0-9]+) retired\)/.exec(want.stderr)[1]);
	assert.ok(retired > 2500, `replay retired ${retired} of 3000`);

	let d = await start({ args: ["--config", config, "--segment-max", "65536", "--snapshot-every", "4000", "--archives-max", "4"] });
	try {
		for (let i = 0; i < lines.length; i += 500) {
			const r = await d.postEvents(lines.slice(i, i + 500));
			assert.equal(r.status, 200, r.text);
		}
		// a compaction after the orders were retired: more records after
		// them until one comes (the writer learns of it at its next group)
		const pruned = () =>
			[...d.stderr.matchAll(/archives merged: \d+ into \d+, (\d+) of (\d+) records kept/g)].some(([, kept, of]) => Number(kept) * 2 < Number(of));
		for (let i = 0; i < 600 && !pruned(); i++) {
			await new Promise((r) => setTimeout(r, 200));
			await d.postEvents(Array.from({ length: 50 }, (_, k) => tick(`poke-${i}-${k}`, "2026-11-28T08:00:00.000+08:00")));
		}
		assert.ok(pruned(), `no merge left retired records out within 2 minutes:\n${d.stderr}`);
		const check = async () => {
			const got = await d.allCases();
			const key = (cs) => cs.map((c) => [c.case_id, c.rule, c.status, c.resolved_at]).sort((x, y) => x[0].localeCompare(y[0]));
			assert.deepEqual(key(got), key(want.cases));
			const m = (await d.get("/metrics")).text;
			assert.equal(metric(m, "ordex_orders_retired_total"), retired);
			// the first orders of the stream were retired: 404 with their cases
			const first = [...new Set(lines.slice(0, 1000).map((l) => JSON.parse(l).order_id).filter(Boolean))].slice(0, 40);
			const views = await Promise.all(first.map((id) => d.get(`/api/v1/orders/${encodeURIComponent(id)}`)));
			const gone = views.filter((v) => v.status === 404);
			assert.ok(gone.length >= 10, `${gone.length} of the first 40 orders retired`);
			// retired: its cases; once its id is forgotten too (retention.idle
			// after), an order without cases is one never seen
			for (const [i, v] of views.entries()) {
				const cases = want.cases.filter((c) => c.order_id === first[i]).length;
				if (v.status !== 404 || (!cases && !v.json.retired)) continue;
				assert.equal(v.json.retired, true, first[i]);
				assert.equal(v.json.cases.length, cases, first[i]);
			}
		};
		await check();
		await d.stop({ keepData: true });
		d = await start({ dataDir: d.dataDir, args: ["--config", config] });
		await check();
	} finally {
		await d.stop();
	}
});

test("more archives than --archives-max at a start (a crash between an archive and its merge): merged then", async () => {
	const file = join(TMP, "archives.ndjson");
	const sim = spawnSync(BIN, ["sim", "--orders", "4000", "--seed", "7", "--out", file]);
	assert.equal(sim.status, 0, String(sim.stderr));
	const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
	const args = ["--segment-max", "65536", "--snapshot-every", "8000"];
	let d = await startDaemon({ args: [...args, "--archives-max", "8"] });
	try {
		for (let i = 0; i < lines.length; i += 1000) {
			const r = await d.postEvents(lines.slice(i, i + 1000));
			assert.equal(r.status, 200, r.text);
		}
		// archives come from snapshot builders working beside the daemon,
		// which a busy machine slows: more records until more than 2 are on
		// disk (a minute at most)
		const archives = () => {
			try {
				return readdirSync(join(d.dataDir, "snapshots")).filter((f) => f.endsWith(".arch")).length;
			} catch (e) {
				if (e.code === "ENOENT") return 0; /* no snapshot written yet: the first builder still works */
				throw e;
			}
		};
		for (let i = 0; i < 300 && archives() <= 2; i++) {
			const r = await d.postEvents(Array.from({ length: 1000 }, (_, k) => tick(`arch-${i}-${k}`, "2026-11-22T00:00:00.000+08:00")));
			assert.equal(r.status, 200, r.text);
			await new Promise((res) => setTimeout(res, 200));
		}
		await d.stop({ keepData: true });
		const before = archives();
		assert.ok(before > 2, `${before} archives: the run should leave more than 2`);
		d = await startDaemon({ dataDir: d.dataDir, args: [...args, "--archives-max", "2"] });
		assert.ok(archives() <= 2, `${archives()} archives after a start with --archives-max 2 (${before} before)`);
		assert.match(d.stderr, /archives merged: \d+ into \d+/);
		// the first order's records are in the merged archives, all of them
		const first = JSON.parse(lines.find((l) => JSON.parse(l).order_id)).order_id;
		const v = await d.get(`/api/v1/orders/${encodeURIComponent(first)}`);
		assert.equal(v.status, 200, v.text);
		const ids = new Set(lines.map((l) => JSON.parse(l)).filter((e) => e.order_id === first).map((e) => e.id));
		assert.deepEqual(new Set(v.json.events.map((e) => e.id)), ids);
	} finally {
		await d.stop();
	}
});
