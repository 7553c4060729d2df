// inventory.test.mjs - the inventory reservation service of `ordex serve`
// (docs/inventory.md, issue 5): a flash sale (秒杀) of 64 keep-alive clients
// on one hot SKU with reservations, confirmations, releases and real-time
// expiries, the counts checked all along, with a kill -9 in the middle;
// per-channel quotas and the shared pool; all or nothing over the items;
// idempotency per order; the outcomes as events that detection sees
// (INV_RESERVE_FAILED, INV_OVERSOLD); validation and who may call. Every
// answer is checked against docs/openapi.json.
import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { ADMIN_TOKEN, pool, sleep, startDaemon } from "./lib.mjs";
import { checkHttp } from "./openapi.mjs";

const check = checkHttp;

const T0 = Date.parse("2026-11-11T10:00:00+08:00");
const ts = (sec) => new Date(T0 + sec * 1000).toISOString();
let nextId = 0;
const tick = (sec) => JSON.stringify({ id: `it${nextId++}`, type: "tick", ts: ts(sec) });

/* ---- requests ------------------------------------------------------------ */

const skuPath = (sku) => `/api/v1/inventory/${encodeURIComponent(sku)}`;

async function setLevels(d, levels, token) {
	const r = await d.request("PUT", "/api/v1/inventory/levels", { body: { levels }, token });
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.levels.length, levels.length, r.text);
	return r.json.levels;
}

async function level(d, sku, token) {
	const r = await d.get(skuPath(sku), { token });
	assert.equal(r.status, 200, `GET ${sku}: ${r.text}`);
	return r.json;
}

const reserve = (d, order_id, items, { channel = "tmall", ttl, token } = {}) =>
	d.request("POST", "/api/v1/inventory/reserve", { body: { order_id, channel, items, ...(ttl === undefined ? {} : { ttl }) }, token });
const confirm = (d, order_id, token) => d.request("POST", "/api/v1/inventory/confirm", { body: { order_id }, token });
const release = (d, order_id, token) => d.request("POST", "/api/v1/inventory/release", { body: { order_id }, token });
const reservation = (d, order_id, token) => d.get(`/api/v1/inventory/reservations/${encodeURIComponent(order_id)}`, { token });

async function held(d, order_id, items, opts) {
	const r = await reserve(d, order_id, items, opts);
	assert.equal(r.status, 200, `reserve ${order_id}: ${r.text}`);
	assert.equal(r.json.status, "held", r.text);
	assert.equal(r.json.replayed, false, r.text);
	return r.json;
}

async function post(d, lines) {
	const r = await d.postEvents(lines);
	assert.equal(r.status, 200, r.text);
	assert.equal(r.json.rejected, 0, r.text);
	return r.json;
}

/* The counts of a LEVEL, as docs/inventory.md defines them, with the pools. */
function checkLevel(l, initial, where = "") {
	const at = `${where} ${JSON.stringify(l)}`;
	assert.equal(l.reserved + l.confirmed + l.available, initial, `reserved + confirmed + available == ${initial}:${at}`);
	assert.ok(l.reserved >= 0, `reserved >= 0:${at}`);
	assert.ok(l.available >= 0, `available >= 0:${at}`);
	assert.ok(l.confirmed >= 0, `confirmed >= 0:${at}`);
	assert.equal(l.available, l.on_hand - l.reserved, `available == on_hand - reserved:${at}`);
	const pools = [...Object.values(l.quotas ?? {}).map((q) => [q.quota, q]), [l.shared.capacity, l.shared]];
	for (const [size, p] of pools) {
		assert.ok(p.reserved >= 0 && p.available >= 0, `a pool below zero:${at}`);
		assert.equal(p.reserved + p.available, size, `a pool's reserved + available is its size:${at}`);
	}
	assert.equal(pools.reduce((s, [size]) => s + size, 0), l.on_hand, `quotas + shared capacity == on_hand:${at}`);
	assert.equal(pools.reduce((s, [, p]) => s + p.reserved, 0), l.reserved, `the pools' reserved add up:${at}`);
	assert.equal(pools.reduce((s, [, p]) => s + p.available, 0), l.available, `the pools' available add up:${at}`);
}

const counts = (l) => ({ on_hand: l.on_hand, reserved: l.reserved, available: l.available, confirmed: l.confirmed });

/* ---- the flash sale ------------------------------------------------------ */

/* One request on a keep-alive agent (a client's own connection). */
function call(agent, port, method, path, body, token = ADMIN_TOKEN) {
	return new Promise((resolve, reject) => {
		const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
		const headers = { authorization: `Bearer ${token}` };
		if (payload) Object.assign(headers, { "content-type": "application/json", "content-length": payload.length });
		const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers }, (res) => {
			const chunks = [];
			res.on("data", (c) => chunks.push(c));
			res.on("error", reject);
			res.on("end", () => {
				const text = Buffer.concat(chunks).toString("utf8");
				const contentType = res.headers["content-type"] ?? "";
				let json;
				if (contentType.startsWith("application/json")) {
					try {
						json = JSON.parse(text);
					} catch (e) {
						return reject(new Error(`${method} ${path}: ${res.statusCode} with an invalid JSON body: ${text.slice(0, 300)}`));
					}
				}
				const h = new Headers();
				for (const [k, v] of Object.entries(res.headers)) h.set(k, Array.isArray(v) ? v.join(", ") : String(v));
				const out = { status: res.statusCode, text, json, contentType, headers: h };
				try {
					check?.(method, path, out);
				} catch (e) {
					return reject(e);
				}
				resolve(out);
			});
		});
		req.setTimeout(20000, () => req.destroy(new Error(`${method} ${path}: no answer within 20 s`)));
		req.on("error", reject);
		req.end(payload);
	});
}

/* mulberry32: a seeded run can be repeated (ORDEX_INV_SEED). */
function prng(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe("flash sale (秒杀): 64 clients on one hot SKU, kill -9 in the middle", () => {
	const HOT = "SKU-HOT-秒杀-1111";
	const INITIAL = 500;
	const CLIENTS = 64;
	// a phase lasts PHASE_MS and PHASE_OPS answered operations, at most PHASE_MAX_MS
	const PHASE_MS = 3500, PHASE_OPS = 3000, PHASE_MAX_MS = 12000;
	const SLACK = 150; // ms: the test's clock against the daemon's
	const seed = Number(process.env.ORDEX_INV_SEED ?? Date.now() % 2 ** 31);
	const rnd = prng(seed);
	const pick = (a) => a[Math.floor(rnd() * a.length)];

	/* Every reservation the clients tried, by order id: { order_id, channel,
	 * qty, ttl, status: pending|held|confirmed|released|expired|refused,
	 * expiresAt } where status is what the client was told (pending: no
	 * answer yet). */
	const resv = new Map();
	const run = { on: false, killing: false, port: 0 };
	const stats = { reserve: 0, refused: 0, confirm: 0, confirmConflict: 0, release: 0, releaseConfirmed: 0, releasedExpired: 0, checkpoints: 0, inflightAtKill: 0, replayed: 0, resent: {} };
	let confirmedUnits = 0; // units of reservations answered 200 "confirmed", less those released since

	function addConfirmed(n) {
		confirmedUnits += n;
		assert.ok(confirmedUnits <= INITIAL, `oversold: ${confirmedUnits} units confirmed to clients, ${INITIAL} in stock`);
		assert.ok(confirmedUnits >= 0);
	}

	/* What the clients were told they hold, at this instant: the confirmed
	 * units and the held ones before their expires_at (the daemon's clock is
	 * never ahead of the real one), less those with a release in flight (it
	 * may have landed and its units be sold again). Never more than the stock. */
	function checkClientHolds(where) {
		const now = Date.now();
		let units = 0;
		for (const c of clients)
			for (const id of c.mine) {
				const e = resv.get(id);
				if (c.inflight?.kind === "release" && c.inflight.order_id === id) continue;
				if (e.status === "confirmed" || (e.status === "held" && now < e.expiresAt - SLACK)) units += e.qty;
			}
		assert.ok(units <= INITIAL, `oversold: the clients hold ${units} units of ${INITIAL} (${where})`);
	}

	function expiredBy(e, now = Date.now()) {
		return now >= e.expiresAt - SLACK;
	}

	function checkReservationBody(e, j, where) {
		assert.equal(j.order_id, e.order_id, where);
		assert.equal(j.channel, e.channel, where);
		assert.deepEqual(j.items, [{ sku: HOT, qty: e.qty }], where);
		assert.equal(Date.parse(j.expires_at) - Date.parse(j.created_at), e.ttl * 1000, `expires_at = created_at + ttl: ${where}`);
		assert.equal(j.finished_at === null, j.status === "held", `finished_at is null exactly while held: ${where}`);
	}

	/* Apply the answer to an operation to what the client knows; resend: the
	 * answer to a request resent after the kill (it may have landed before). */
	function apply(op, r, resend = false) {
		const e = resv.get(op.order_id);
		const where = `${op.kind} ${op.order_id}${resend ? " (resent)" : ""}: ${r.status} ${r.text}`;
		if (op.kind === "reserve") {
			stats.reserve++;
			if (r.status === 200) {
				checkReservationBody(e, r.json, where);
				if (resend && r.json.replayed) {
					// it had landed before the kill: held, or expired since
					stats.replayed++;
					assert.ok(["held", "expired"].includes(r.json.status), where);
				} else {
					assert.equal(r.json.replayed, false, where);
					assert.equal(r.json.status, "held", where);
				}
				e.status = r.json.status;
				e.expiresAt = Date.parse(r.json.expires_at);
				if (e.status === "expired") assert.ok(expiredBy(e), `expired before its time: ${where}`);
				checkClientHolds(where);
				return;
			}
			assert.equal(r.status, 409, where);
			assert.equal(r.json.error, "insufficient stock", where);
			assert.equal(typeof r.json.detail, "string", where);
			assert.equal(r.json.shortages.length, 1, where);
			const s = r.json.shortages[0];
			assert.equal(s.sku, HOT, where);
			assert.equal(s.asked, e.qty, where);
			assert.equal(s.reason, "insufficient", where);
			assert.ok(s.available >= 0 && s.available < e.qty, `a refusal with enough units: ${where}`);
			stats.refused++;
			e.status = "refused";
			return;
		}
		if (op.kind === "confirm") {
			assert.ok(["held", "confirmed"].includes(e.status), `${where} (client: ${e.status})`);
			stats.confirm++;
			if (r.status === 200) {
				assert.equal(r.json.status, "confirmed", where);
				checkReservationBody(e, r.json, where);
				if (e.status !== "confirmed") addConfirmed(e.qty);
				e.status = "confirmed";
				return;
			}
			// only an expired reservation cannot be confirmed: nobody else releases it
			assert.equal(r.status, 409, where);
			assert.equal(e.status, "held", where);
			assert.ok(expiredBy(e), `confirm refused before expires_at ${new Date(e.expiresAt).toISOString()}: ${where}`);
			stats.confirmConflict++;
			e.status = "expired";
			return;
		}
		// release
		assert.equal(r.status, 200, where);
		checkReservationBody(e, r.json, where);
		stats.release++;
		if (e.status === "confirmed") {
			assert.equal(r.json.status, "released", where);
			addConfirmed(-e.qty);
			stats.releaseConfirmed++;
		} else {
			assert.ok(["held", "released", "expired"].includes(e.status), where);
			assert.ok(["released", "expired"].includes(r.json.status), where);
			if (r.json.status === "expired") {
				assert.ok(expiredBy(e), `expired before its time: ${where}`);
				stats.releasedExpired++;
			}
		}
		e.status = r.json.status;
	}

	const CHANNELS = ["tmall", "tmall", "jd", "pdd", "douyin"];
	const clients = Array.from({ length: CLIENTS }, (_, k) => ({ k, n: 0, mine: [], inflight: null, agent: null }));

	function nextOp(c) {
		c.mine = c.mine.filter((id) => ["held", "confirmed"].includes(resv.get(id).status));
		const hs = c.mine.filter((id) => resv.get(id).status === "held");
		const cs = c.mine.filter((id) => resv.get(id).status === "confirmed");
		const r = rnd();
		if (hs.length && r < 0.3) return { kind: "confirm", order_id: pick(hs) };
		if (hs.length && r < 0.42) return { kind: "release", order_id: pick(hs) };
		if (cs.length && r < 0.52) return { kind: "release", order_id: pick(cs) };
		const order_id = `FS-${c.k}-${c.n++}`;
		const ttl = rnd() < 0.4 ? 1 + Math.floor(rnd() * 2) : 3 + Math.floor(rnd() * 4);
		const e = { order_id, channel: pick(CHANNELS), qty: 1 + Math.floor(rnd() * 3), ttl, status: "pending", expiresAt: null };
		resv.set(order_id, e);
		c.mine.push(order_id);
		return { kind: "reserve", order_id };
	}

	function body(op) {
		if (op.kind !== "reserve") return { order_id: op.order_id };
		const e = resv.get(op.order_id);
		return { order_id: e.order_id, channel: e.channel, items: [{ sku: HOT, qty: e.qty }], ttl: e.ttl };
	}

	/* One operation; false when the daemon was being killed and gave no answer. */
	async function send(c, op, resend = false) {
		c.inflight = op;
		if (resend) stats.resent[op.kind] = (stats.resent[op.kind] ?? 0) + 1;
		let r;
		try {
			r = await call(c.agent, run.port, "POST", `/api/v1/inventory/${op.kind}`, body(op));
		} catch (err) {
			if (run.killing && !resend) return false;
			throw err;
		}
		c.inflight = null;
		apply(op, r, resend);
		return true;
	}

	let answered = 0;
	async function client(c) {
		while (run.on) {
			if (!(await send(c, nextOp(c)))) return;
			answered++;
		}
	}

	/* Checkpoints: the level read again and again while the clients work (by
	 * a few connections: each read waits for its group's flush). */
	async function checker() {
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		try {
			while (run.on) {
				let r;
				try {
					r = await call(agent, run.port, "GET", skuPath(HOT));
				} catch (err) {
					if (run.killing) return;
					throw err;
				}
				assert.equal(r.status, 200, r.text);
				checkLevel(r.json, INITIAL, `checkpoint ${stats.checkpoints}`);
				checkClientHolds(`checkpoint ${stats.checkpoints}`);
				assert.ok(r.json.confirmed <= INITIAL);
				stats.checkpoints++;
				await sleep(5);
			}
		} finally {
			agent.destroy();
		}
	}

	async function hammer(ms, killAfter) {
		for (const c of clients) c.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
		run.on = true;
		run.killing = false;
		const work = Promise.all([...clients.map(client), checker(), checker(), checker(), checker()]);
		let killed = null;
		const start = Date.now(), from = answered;
		const long = async () => {
			await sleep(ms);
			while (answered - from < PHASE_OPS && Date.now() - start < PHASE_MAX_MS) await sleep(50);
		};
		await Promise.race([long(), work]);
		if (killAfter) {
			run.killing = true;
			killed = await killAfter();
		}
		run.on = false;
		await work;
		for (const c of clients) c.agent.destroy();
		return killed;
	}

	/* The status of every reservation a client thinks may hold units, with
	 * the level read before and after: equal counts mean no expiry happened in
	 * between, so the statuses and the counts are one picture. */
	async function settle(d, where) {
		for (let attempt = 0; ; attempt++) {
			const l1 = await level(d, HOT);
			const ids = [...resv.values()].filter((e) => ["held", "confirmed"].includes(e.status)).map((e) => e.order_id);
			const got = await pool(ids, 32, (id) => reservation(d, id));
			const l2 = await level(d, HOT);
			if (attempt < 10 && JSON.stringify(counts(l1)) !== JSON.stringify(counts(l2))) continue;
			checkLevel(l2, INITIAL, where);
			let heldUnits = 0, confirmed = 0;
			ids.forEach((id, i) => {
				const e = resv.get(id), r = got[i];
				const w = `${where}: ${id} (client: ${e.status}): ${r.status} ${r.text}`;
				assert.equal(r.status, 200, w);
				checkReservationBody(e, r.json, w);
				assert.equal(r.json.replayed, false, w);
				if (e.status === "confirmed") assert.equal(r.json.status, "confirmed", w);
				else if (r.json.status === "expired") {
					assert.ok(expiredBy(e), `expired before its time: ${w}`);
					e.status = "expired";
				} else assert.equal(r.json.status, "held", w);
				// a held one must not outlive its expiry by more than the tick
				if (r.json.status === "held") assert.ok(Date.now() < e.expiresAt + 2500, `held 2.5 s past expires_at: ${w}`);
				if (r.json.status === "held") heldUnits += e.qty;
				if (r.json.status === "confirmed") confirmed += e.qty;
			});
			assert.equal(l2.reserved, heldUnits, `${where}: reserved == units of the held reservations`);
			assert.equal(l2.confirmed, confirmed, `${where}: confirmed == units of the confirmed reservations`);
			assert.equal(l2.confirmed, confirmedUnits, `${where}: confirmed == units confirmed to the clients`);
			return l2;
		}
	}

	let d;
	after(async () => {
		run.on = false;
		if (d) {
			await d.stop();
			d.removeData();
		}
	});

	test("the counts hold at every checkpoint; no unit is sold twice; acknowledged reservations survive", async (t) => {
		t.diagnostic(`seed ${seed} (ORDEX_INV_SEED)`);
		const d1 = await startDaemon({ check, clock: "wall" });
		const dataDir = d1.dataDir;
		try {
			const [l0] = await setLevels(d1, [{ sku: HOT, on_hand: INITIAL, quotas: { tmall: 200, jd: 100 } }]);
			checkLevel(l0, INITIAL, "after the level was set");
			assert.deepEqual(counts(l0), { on_hand: INITIAL, reserved: 0, available: INITIAL, confirmed: 0 });
			assert.equal(l0.shared.capacity, 200);
			run.port = d1.port;

			// phase 1, then kill -9 while the clients are at it
			// (kill -9 needs no fdatasync: what was written is in the page cache)
			await hammer(PHASE_MS, async () => {
				await d1.kill9();
			});
			const inflight = clients.filter((c) => c.inflight).map((c) => c.inflight);
			stats.inflightAtKill = inflight.length;
			t.diagnostic(`before the kill: ${JSON.stringify(stats)}; ${inflight.length} requests in flight`);

			d = await startDaemon({ check, clock: "wall", dataDir });
			run.port = d.port;
			// the counts at once, then every acknowledged reservation as it was
			checkLevel(await level(d, HOT), INITIAL, "right after the restart");
			const busy = new Set(inflight.map((op) => op.order_id));
			const acked = [...resv.values()].filter((e) => e.status !== "pending" && !busy.has(e.order_id));
			const got = await pool(acked, 32, (e) => reservation(d, e.order_id));
			acked.forEach((e, i) => {
				const r = got[i];
				const w = `after the restart: ${e.order_id} (client: ${e.status}): ${r.status} ${r.text}`;
				if (e.status === "refused") return assert.equal(r.status, 404, w);
				assert.equal(r.status, 200, w);
				checkReservationBody(e, r.json, w);
				if (e.status === "held" && r.json.status === "expired") {
					assert.ok(expiredBy(e), `expired before its time: ${w}`);
					e.status = "expired";
				}
				assert.equal(r.json.status, e.status, w);
			});

			// resend what was in flight: idempotent
			for (const c of clients) c.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
			await Promise.all(clients.filter((c) => c.inflight).map((c) => send(c, c.inflight, true)));
			for (const c of clients) c.agent.destroy();
			await settle(d, "after the resends");

			// phase 2 on the restarted daemon
			await hammer(PHASE_MS);
			const mid = await settle(d, "at quiescence");
			t.diagnostic(`after phase 2: ${JSON.stringify(stats)}; at quiescence ${JSON.stringify(counts(mid))}`);

			// every ttl passed: nothing held, the confirmed units are the clients'
			const last = Math.max(0, ...[...resv.values()].filter((e) => e.status === "held").map((e) => e.expiresAt));
			await sleep(Math.max(0, last - Date.now() + 1200));
			let l;
			for (let i = 0; i < 40; i++) {
				l = await level(d, HOT);
				if (l.reserved === 0) break;
				await sleep(100);
			}
			checkLevel(l, INITIAL, "at the end");
			assert.equal(l.reserved, 0, `nothing held once every ttl passed: ${JSON.stringify(l)}`);
			assert.equal(l.confirmed + l.available, INITIAL);
			assert.equal(l.confirmed, confirmedUnits, "confirmed == units confirmed to the clients");
			assert.equal(l.on_hand, INITIAL - confirmedUnits);
			const end = await settle(d, "at the end");
			assert.equal(end.reserved, 0);
			const finals = [...resv.values()].map((e) => e.status);
			assert.ok(!finals.includes("pending"), "every request got its answer");
			assert.ok(!finals.includes("held"), "every held reservation expired");

			// the run did what it was meant to
			t.diagnostic(`end: ${JSON.stringify(stats)}; ${resv.size} orders; ${confirmedUnits} units sold`);
			assert.ok(stats.checkpoints >= 40, `${stats.checkpoints} checkpoints`);
			assert.ok(stats.refused > 0, "the stock ran out at some point");
			assert.ok(stats.confirm > 0 && stats.releaseConfirmed > 0, "confirmations and releases of confirmed units");
			assert.ok(finals.filter((s) => s === "expired").length > 0, "some reservations expired");
			assert.ok(stats.inflightAtKill > 0, "requests were in flight at the kill");
		} finally {
			run.on = false;
			if (!d) {
				await d1.kill9();
				d1.removeData();
			}
		}
	});
});

/* ---- levels and channels ------------------------------------------------- */

describe("levels, quotas and the shared pool", () => {
	let d;
	before(async () => {
		d = await startDaemon({ check });
		await post(d, [tick(0)]);
	});
	after(() => d.stop());

	test("a level as set: the counts, the quotas and the shared pool", async () => {
		const [l] = await setLevels(d, [{ sku: "L-1", on_hand: 100, quotas: { tmall: 40, jd: 30 }, low_stock: 10 }]);
		assert.equal(l.sku, "L-1");
		assert.deepEqual(counts(l), { on_hand: 100, reserved: 0, available: 100, confirmed: 0 });
		assert.equal(l.low_stock, 10);
		assert.deepEqual(l.quotas, { tmall: { quota: 40, reserved: 0, available: 40 }, jd: { quota: 30, reserved: 0, available: 30 } });
		assert.deepEqual(l.shared, { capacity: 30, reserved: 0, available: 30 });
		assert.equal(typeof l.updated_at, "string");
		assert.deepEqual(await level(d, "L-1"), l);
		const [n] = await setLevels(d, [{ sku: "L-2", on_hand: 7 }]);
		assert.deepEqual(n.shared, { capacity: 7, reserved: 0, available: 7 }, "no quotas: everything is shared");
		assert.equal((await d.get(skuPath("L-NONE"))).status, 404);
	});

	test("quotas {tmall: 5, jd: 3} of 10: tmall takes 5, jd 3, the other channels share 2", async () => {
		await setLevels(d, [{ sku: "Q-1", on_hand: 10, quotas: { tmall: 5, jd: 3 } }]);
		for (let i = 0; i < 5; i++) await held(d, `QT-${i}`, [{ sku: "Q-1", qty: 1 }], { channel: "tmall" });
		const sixth = await reserve(d, "QT-5", [{ sku: "Q-1", qty: 1 }], { channel: "tmall" });
		assert.equal(sixth.status, 409, sixth.text);
		assert.equal(sixth.json.error, "insufficient stock");
		assert.deepEqual(sixth.json.shortages, [{ sku: "Q-1", asked: 1, available: 0, reason: "insufficient" }]);
		await held(d, "QJ-0", [{ sku: "Q-1", qty: 3 }], { channel: "jd" });
		const jd = await reserve(d, "QJ-1", [{ sku: "Q-1", qty: 1 }], { channel: "jd" });
		assert.equal(jd.status, 409, jd.text);
		assert.deepEqual(jd.json.shortages, [{ sku: "Q-1", asked: 1, available: 0, reason: "insufficient" }]);
		// pdd asks 3 of the shared 2: refused with what is there; then 2 of them
		const big = await reserve(d, "QP-0", [{ sku: "Q-1", qty: 3 }], { channel: "pdd" });
		assert.equal(big.status, 409, big.text);
		assert.deepEqual(big.json.shortages, [{ sku: "Q-1", asked: 3, available: 2, reason: "insufficient" }]);
		assert.match(big.json.detail, /Q-1/);
		await held(d, "QP-1", [{ sku: "Q-1", qty: 1 }], { channel: "pdd" });
		await held(d, "QD-1", [{ sku: "Q-1", qty: 1 }], { channel: "douyin" });
		const more = await reserve(d, "QD-2", [{ sku: "Q-1", qty: 1 }], { channel: "douyin" });
		assert.equal(more.status, 409, more.text);
		let l = await level(d, "Q-1");
		checkLevel(l, 10);
		assert.deepEqual(counts(l), { on_hand: 10, reserved: 10, available: 0, confirmed: 0 });
		assert.deepEqual(l.quotas, { tmall: { quota: 5, reserved: 5, available: 0 }, jd: { quota: 3, reserved: 3, available: 0 } });
		assert.deepEqual(l.shared, { capacity: 2, reserved: 2, available: 0 });

		// a released tmall unit goes back to tmall, not to the others
		assert.equal((await release(d, "QT-0")).json.status, "released");
		const other = await reserve(d, "QD-3", [{ sku: "Q-1", qty: 1 }], { channel: "douyin" });
		assert.equal(other.status, 409, other.text);
		l = await level(d, "Q-1");
		assert.deepEqual(l.quotas.tmall, { quota: 5, reserved: 4, available: 1 });

		// a confirmation lowers the quota with on_hand: the split stays
		assert.equal((await confirm(d, "QT-1")).json.status, "confirmed");
		l = await level(d, "Q-1");
		checkLevel(l, 10);
		assert.deepEqual(counts(l), { on_hand: 9, reserved: 8, available: 1, confirmed: 1 });
		assert.deepEqual(l.quotas.tmall, { quota: 4, reserved: 3, available: 1 });
		assert.deepEqual(l.quotas.jd, { quota: 3, reserved: 3, available: 0 });
		assert.deepEqual(l.shared, { capacity: 2, reserved: 2, available: 0 });
		assert.equal((await confirm(d, "QP-1")).json.status, "confirmed");
		l = await level(d, "Q-1");
		checkLevel(l, 10);
		assert.deepEqual(l.shared, { capacity: 1, reserved: 1, available: 0 });
		assert.deepEqual(l.quotas.tmall.quota, 4);
	});

	test("quotas adding up to more than on_hand, or one above it, are refused", async () => {
		for (const quotas of [{ tmall: 6, jd: 5 }, { tmall: 11 }, { tmall: -1 }]) {
			const r = await d.request("PUT", "/api/v1/inventory/levels", { body: { levels: [{ sku: "Q-BAD", on_hand: 10, quotas }] } });
			assert.equal(r.status, 400, `${JSON.stringify(quotas)}: ${r.text}`);
			assert.equal(typeof r.json.error, "string");
			assert.match(r.json.detail, /quota/);
		}
		assert.equal((await d.get(skuPath("Q-BAD"))).status, 404);
		// exactly on_hand is fine: no shared pool
		const [l] = await setLevels(d, [{ sku: "Q-FULL", on_hand: 10, quotas: { tmall: 6, jd: 4 } }]);
		assert.deepEqual(l.shared, { capacity: 0, reserved: 0, available: 0 });
		const r = await reserve(d, "QF-1", [{ sku: "Q-FULL", qty: 1 }], { channel: "pdd" });
		assert.equal(r.status, 409, r.text);
	});

	test("a new level keeps held reservations and restarts confirmed", async () => {
		await setLevels(d, [{ sku: "N-1", on_hand: 10 }]);
		await held(d, "N-A", [{ sku: "N-1", qty: 3 }]);
		await held(d, "N-B", [{ sku: "N-1", qty: 2 }]);
		assert.equal((await confirm(d, "N-B")).status, 200);
		assert.deepEqual(counts(await level(d, "N-1")), { on_hand: 8, reserved: 3, available: 5, confirmed: 2 });
		const [l] = await setLevels(d, [{ sku: "N-1", on_hand: 20 }]);
		assert.deepEqual(counts(l), { on_hand: 20, reserved: 3, available: 17, confirmed: 0 });
		assert.equal((await reservation(d, "N-A")).json.status, "held");
		checkLevel(await level(d, "N-1"), 20);
	});

	test("all levels of a body apply, or none", async () => {
		const r = await d.request("PUT", "/api/v1/inventory/levels", { body: { levels: [{ sku: "B-OK", on_hand: 5 }, { sku: "B-BAD", on_hand: -1 }] } });
		assert.equal(r.status, 400, r.text);
		assert.equal((await d.get(skuPath("B-OK"))).status, 404);
		assert.equal((await d.get(skuPath("B-BAD"))).status, 404);
	});

	test("the list, in SKU order, page by page", async () => {
		await setLevels(d, ["P-3", "P-1", "P-5", "P-2", "P-4"].map((sku) => ({ sku, on_hand: 1 })));
		const all = [];
		let cursor = null;
		for (let pages = 0; pages < 100; pages++) {
			const r = await d.get(`/api/v1/inventory?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
			assert.equal(r.status, 200, r.text);
			assert.ok(r.json.levels.length <= 2);
			all.push(...r.json.levels.map((l) => l.sku));
			cursor = r.json.next_cursor;
			if (cursor === null) break;
		}
		const sorted = [...all].sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : Buffer.from(a) > Buffer.from(b) ? 1 : 0));
		assert.deepEqual(all, sorted);
		assert.equal(new Set(all).size, all.length);
		for (const s of ["P-1", "P-2", "P-3", "P-4", "P-5", "L-1", "Q-1"]) assert.ok(all.includes(s), s);
		for (const q of ["limit=0", "limit=1001", "limit=x"]) assert.equal((await d.get(`/api/v1/inventory?${q}`)).status, 400, q);
	});
});

/* ---- all or nothing, idempotency, time ----------------------------------- */

describe("reservations", () => {
	let d;
	before(async () => {
		d = await startDaemon({ check });
		await post(d, [tick(0)]);
	});
	after(async () => {
		await d.stop();
		d.removeData(); // a restart's daemon does not own its directory
	});

	test("all or nothing over the items: one short, nothing held", async () => {
		await setLevels(d, [{ sku: "A-1", on_hand: 5 }, { sku: "A-2", on_hand: 1 }]);
		const r = await reserve(d, "AN-1", [{ sku: "A-1", qty: 2 }, { sku: "A-2", qty: 2 }]);
		assert.equal(r.status, 409, r.text);
		assert.equal(r.json.error, "insufficient stock");
		assert.deepEqual(r.json.shortages, [{ sku: "A-2", asked: 2, available: 1, reason: "insufficient" }]);
		assert.match(r.json.detail, /A-2: 2 asked, 1 available/);
		assert.deepEqual(counts(await level(d, "A-1")), { on_hand: 5, reserved: 0, available: 5, confirmed: 0 });
		assert.deepEqual(counts(await level(d, "A-2")), { on_hand: 1, reserved: 0, available: 1, confirmed: 0 });
		assert.equal((await reservation(d, "AN-1")).status, 404, "a failed reservation is not kept");
		// an SKU nobody set a level for
		const u = await reserve(d, "AN-2", [{ sku: "A-1", qty: 1 }, { sku: "A-NOPE", qty: 1 }]);
		assert.equal(u.status, 409, u.text);
		assert.deepEqual(u.json.shortages.map((s) => [s.sku, s.asked, s.reason]), [["A-NOPE", 1, "unknown_sku"]]);
		assert.equal((await level(d, "A-1")).reserved, 0);
		// both fit: both held
		const ok = await held(d, "AN-3", [{ sku: "A-1", qty: 2 }, { sku: "A-2", qty: 1 }]);
		assert.deepEqual(ok.items, [{ sku: "A-1", qty: 2 }, { sku: "A-2", qty: 1 }]);
		assert.equal((await level(d, "A-1")).reserved, 2);
		assert.equal((await level(d, "A-2")).available, 0);
	});

	test("idempotent per order", async () => {
		await setLevels(d, [{ sku: "I-1", on_hand: 10 }]);
		const first = await held(d, "ID-1", [{ sku: "I-1", qty: 2 }], { ttl: 600 });
		assert.deepEqual(Object.keys(first).sort(), ["channel", "created_at", "expires_at", "finished_at", "items", "order_id", "replayed", "status"]);
		assert.equal(first.finished_at, null);
		assert.equal(Date.parse(first.created_at), T0);
		assert.equal(Date.parse(first.expires_at), T0 + 600000);
		const again = await reserve(d, "ID-1", [{ sku: "I-1", qty: 2 }], { ttl: 600 });
		assert.equal(again.status, 200, again.text);
		assert.deepEqual(again.json, { ...first, replayed: true });
		assert.equal((await level(d, "I-1")).reserved, 2, "a replay holds nothing more");
		assert.deepEqual((await reservation(d, "ID-1")).json, first);

		for (const [items, channel] of [[[{ sku: "I-1", qty: 3 }], "tmall"], [[{ sku: "I-1", qty: 2 }], "jd"], [[{ sku: "I-1", qty: 2 }, { sku: "A-1", qty: 1 }], "tmall"]]) {
			const c = await reserve(d, "ID-1", items, { channel, ttl: 600 });
			assert.equal(c.status, 409, `${channel} ${JSON.stringify(items)}: ${c.text}`);
			assert.equal(c.json.error, "conflict");
			assert.equal(typeof c.json.detail, "string");
		}
		assert.equal((await level(d, "I-1")).reserved, 2);

		const c1 = await confirm(d, "ID-1");
		assert.equal(c1.status, 200, c1.text);
		assert.equal(c1.json.status, "confirmed");
		assert.equal(typeof c1.json.finished_at, "string");
		const c2 = await confirm(d, "ID-1");
		assert.equal(c2.status, 200, c2.text);
		// "replayed" is reserve's word; a second confirm may say either
		assert.equal(typeof c2.json.replayed, "boolean");
		assert.deepEqual({ ...c2.json, replayed: null }, { ...c1.json, replayed: null }, "confirm twice: the reservation as it is");
		assert.deepEqual(counts(await level(d, "I-1")), { on_hand: 8, reserved: 0, available: 8, confirmed: 2 });
		const r3 = await reserve(d, "ID-1", [{ sku: "I-1", qty: 2 }], { ttl: 600 });
		assert.equal(r3.status, 200, r3.text);
		assert.deepEqual([r3.json.status, r3.json.replayed], ["confirmed", true]);

		// release of a confirmed reservation: the units go back to on_hand
		const rel = await release(d, "ID-1");
		assert.equal(rel.status, 200, rel.text);
		assert.equal(rel.json.status, "released");
		const l = await level(d, "I-1");
		assert.deepEqual(counts(l), { on_hand: 10, reserved: 0, available: 10, confirmed: 0 });
		checkLevel(l, 10);
		const rel2 = await release(d, "ID-1");
		assert.equal(rel2.status, 200, rel2.text);
		assert.deepEqual({ ...rel2.json, replayed: null }, { ...rel.json, replayed: null }, "release twice: the reservation as it is");
		const cr = await confirm(d, "ID-1");
		assert.equal(cr.status, 409, `confirm of a released reservation: ${cr.text}`);
		assert.equal((await reservation(d, "ID-1")).json.status, "released");
		assert.equal((await level(d, "I-1")).on_hand, 10);

		// held, then released: its units back to available
		await held(d, "ID-2", [{ sku: "I-1", qty: 4 }]);
		assert.equal((await level(d, "I-1")).available, 6);
		assert.equal((await release(d, "ID-2")).json.status, "released");
		assert.deepEqual(counts(await level(d, "I-1")), { on_hand: 10, reserved: 0, available: 10, confirmed: 0 });

		for (const [what, r] of [["confirm", await confirm(d, "ID-NOPE")], ["release", await release(d, "ID-NOPE")], ["get", await reservation(d, "ID-NOPE")]])
			assert.equal(r.status, 404, `${what} of an unknown order: ${r.text}`);
	});

	test("a reservation expires at created_at + ttl on the event clock", async () => {
		await post(d, [tick(1000)]);
		await setLevels(d, [{ sku: "E-1", on_hand: 3 }]);
		const r = await held(d, "EX-1", [{ sku: "E-1", qty: 2 }], { ttl: 60 });
		assert.equal(Date.parse(r.created_at), T0 + 1000e3);
		assert.equal(Date.parse(r.expires_at), T0 + 1060e3);
		const def = await held(d, "EX-DEF", [{ sku: "E-1", qty: 1 }]);
		assert.equal(Date.parse(def.expires_at) - Date.parse(def.created_at), 900e3, "ttl 900 by default");
		assert.equal((await release(d, "EX-DEF")).status, 200);
		await post(d, [tick(1059)]);
		assert.equal((await reservation(d, "EX-1")).json.status, "held");
		assert.equal((await level(d, "E-1")).reserved, 2);
		await post(d, [tick(1061)]);
		const x = await reservation(d, "EX-1");
		assert.equal(x.json.status, "expired", x.text);
		assert.equal(typeof x.json.finished_at, "string");
		assert.deepEqual(counts(await level(d, "E-1")), { on_hand: 3, reserved: 0, available: 3, confirmed: 0 });
		const c = await confirm(d, "EX-1");
		assert.equal(c.status, 409, `confirm of an expired reservation: ${c.text}`);
		const rel = await release(d, "EX-1");
		assert.equal(rel.status, 200, rel.text);
		assert.equal(rel.json.status, "expired");
		const again = await reserve(d, "EX-1", [{ sku: "E-1", qty: 2 }], { ttl: 60 });
		assert.equal(again.status, 200, again.text);
		assert.deepEqual([again.json.status, again.json.replayed], ["expired", true]);
		assert.equal((await level(d, "E-1")).reserved, 0);
	});

	test("acknowledged reservations survive kill -9, nothing applied twice", async () => {
		await setLevels(d, [{ sku: "K-1", on_hand: 10 }]);
		await held(d, "K-A", [{ sku: "K-1", qty: 2 }], { ttl: 600 });
		await held(d, "K-B", [{ sku: "K-1", qty: 3 }], { ttl: 600 });
		await held(d, "K-C", [{ sku: "K-1", qty: 1 }], { ttl: 600 });
		assert.equal((await confirm(d, "K-B")).status, 200);
		assert.equal((await release(d, "K-C")).status, 200);
		const before = { l: await level(d, "K-1"), a: (await reservation(d, "K-A")).json, b: (await reservation(d, "K-B")).json };
		await d.kill9();
		d = await startDaemon({ check, dataDir: d.dataDir });
		assert.deepEqual(await level(d, "K-1"), before.l);
		assert.deepEqual((await reservation(d, "K-A")).json, before.a);
		assert.deepEqual((await reservation(d, "K-B")).json, before.b);
		assert.equal((await reservation(d, "K-C")).json.status, "released");
		const re = await reserve(d, "K-A", [{ sku: "K-1", qty: 2 }], { ttl: 600 });
		assert.deepEqual(re.json, { ...before.a, replayed: true });
		assert.deepEqual(counts(await level(d, "K-1")), { on_hand: 7, reserved: 2, available: 5, confirmed: 3 });
	});
});

/* ---- events: detection sees every outcome -------------------------------- */

describe("reservation outcomes as events", () => {
	let d;
	before(async () => {
		d = await startDaemon({ check });
		await post(d, [tick(0)]);
	});
	after(() => d.stop());

	const created = (orderId, sec, sku, qty) =>
		JSON.stringify({
			id: `ie${nextId++}`, type: "order.created", ts: ts(sec), order_id: orderId, channel: "tmall", source: "tmall",
			customer: { id: `c-${orderId}`, phone: "13812345678", address: { province: "浙江省", city: "杭州市", district: "西湖区", detail: "文三路100号" } },
			items: [{ sku, qty, price: "10.00" }], total: `${qty * 10}.00`,
		});
	const paid = (orderId, sec, amount) =>
		JSON.stringify({ id: `ie${nextId++}`, type: "payment.succeeded", ts: ts(sec), order_id: orderId, payment_id: `pay-${orderId}`, amount, method: "alipay", source: "alipay" });

	async function caseOf(orderId, rule) {
		const r = await d.get(`/api/v1/cases?order_id=${orderId}&rule=${rule}`);
		assert.equal(r.status, 200, r.text);
		assert.ok(r.json.cases.length <= 1, r.text);
		return r.json.cases[0] ?? null;
	}

	const invEvents = (o) => o.events.filter((e) => e.type?.startsWith("inventory."));

	test("refused, then paid: INV_OVERSOLD, and the order lists the reserve_failed event; stock back and reserved: resolved", async () => {
		await post(d, [created("EV-1", 10, "S-EV", 3)]);
		await setLevels(d, [{ sku: "S-EV", on_hand: 2 }]);
		const r = await reserve(d, "EV-1", [{ sku: "S-EV", qty: 3 }]);
		assert.equal(r.status, 409, r.text);
		assert.deepEqual(r.json.shortages, [{ sku: "S-EV", asked: 3, available: 2, reason: "insufficient" }]);
		const rf = await caseOf("EV-1", "INV_RESERVE_FAILED");
		assert.ok(rf, "INV_RESERVE_FAILED opens for a refused unpaid order");
		assert.equal(rf.status, "open");
		assert.equal(await caseOf("EV-1", "INV_OVERSOLD"), null);

		let o = await d.get("/api/v1/orders/EV-1");
		assert.equal(o.status, 200, o.text);
		let inv = invEvents(o.json);
		assert.equal(inv.length, 1, JSON.stringify(o.json.events));
		assert.equal(inv[0].type, "inventory.reserve_failed");
		assert.match(inv[0].id, /^ordex-inv-[0-9]+$/);
		const ev = inv[0].event;
		assert.deepEqual([ev.type, ev.order_id, ev.sku, ev.qty, ev.reason, ev.source, ev.channel, ev.id],
			["inventory.reserve_failed", "EV-1", "S-EV", 3, "insufficient", "ordex", "tmall", inv[0].id]);
		assert.deepEqual(o.json.inventory.map((x) => [x.sku, x.qty, x.result, x.reason]), [["S-EV", 3, "reserve_failed", "insufficient"]]);

		await post(d, [paid("EV-1", 60, "30.00")]);
		const os = await caseOf("EV-1", "INV_OVERSOLD");
		assert.ok(os, "INV_OVERSOLD opens when the refused order is paid");
		assert.equal(os.status, "open");
		assert.equal(os.severity, "P1");

		// stock back: the same order reserves now, and both cases resolve
		await setLevels(d, [{ sku: "S-EV", on_hand: 5 }]);
		const ok = await held(d, "EV-1", [{ sku: "S-EV", qty: 3 }]);
		assert.equal(ok.channel, "tmall");
		assert.equal((await caseOf("EV-1", "INV_OVERSOLD")).status, "auto_resolved");
		assert.equal((await caseOf("EV-1", "INV_RESERVE_FAILED")).status, "auto_resolved");
		o = await d.get("/api/v1/orders/EV-1");
		inv = invEvents(o.json);
		assert.deepEqual(inv.map((e) => e.type), ["inventory.reserve_failed", "inventory.reserved"]);
		const rv = inv[1].event;
		assert.deepEqual([rv.sku, rv.qty, rv.channel, rv.source], ["S-EV", 3, "tmall", "ordex"]);
		assert.match(inv[1].id, /^ordex-inv-[0-9]+$/);
		assert.notEqual(inv[1].id, inv[0].id);
	});

	test("refused for an order already paid: INV_OVERSOLD at once", async () => {
		await post(d, [created("EV-2", 100, "S-EV2", 1), paid("EV-2", 110, "10.00")]);
		await setLevels(d, [{ sku: "S-EV2", on_hand: 0 }]);
		const r = await reserve(d, "EV-2", [{ sku: "S-EV2", qty: 1 }]);
		assert.equal(r.status, 409, r.text);
		const os = await caseOf("EV-2", "INV_OVERSOLD");
		assert.ok(os);
		assert.equal(os.status, "open");
	});

	test("one event per item refused; nothing for the items that could be held; a replay logs nothing", async () => {
		await setLevels(d, [{ sku: "S-M1", on_hand: 5 }, { sku: "S-M2", on_hand: 0 }]);
		const r = await reserve(d, "EV-3", [{ sku: "S-M1", qty: 1 }, { sku: "S-M2", qty: 2 }, { sku: "S-M3", qty: 1 }]);
		assert.equal(r.status, 409, r.text);
		assert.deepEqual(r.json.shortages.map((s) => [s.sku, s.reason]), [["S-M2", "insufficient"], ["S-M3", "unknown_sku"]]);
		let o = (await d.get("/api/v1/orders/EV-3")).json;
		assert.deepEqual(invEvents(o).map((e) => [e.type, e.event.sku, e.event.qty, e.event.reason]),
			[["inventory.reserve_failed", "S-M2", 2, "insufficient"], ["inventory.reserve_failed", "S-M3", 1, "unknown_sku"]]);
		const rf = await caseOf("EV-3", "INV_RESERVE_FAILED");
		assert.ok(rf);
		await setLevels(d, [{ sku: "S-M2", on_hand: 5 }, { sku: "S-M3", on_hand: 5 }]);
		await held(d, "EV-3", [{ sku: "S-M1", qty: 1 }, { sku: "S-M2", qty: 2 }, { sku: "S-M3", qty: 1 }]);
		const again = await reserve(d, "EV-3", [{ sku: "S-M1", qty: 1 }, { sku: "S-M2", qty: 2 }, { sku: "S-M3", qty: 1 }]);
		assert.equal(again.json.replayed, true);
		o = (await d.get("/api/v1/orders/EV-3")).json;
		assert.deepEqual(invEvents(o).filter((e) => e.type === "inventory.reserved").map((e) => e.event.sku), ["S-M1", "S-M2", "S-M3"]);
		assert.equal((await caseOf("EV-3", "INV_RESERVE_FAILED")).status, "auto_resolved");
	});
});

/* ---- validation and roles ------------------------------------------------ */

describe("validation and who may call", () => {
	let d;
	const tokens = {};
	before(async () => {
		d = await startDaemon({ check });
		await post(d, [tick(0)]);
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
		await setLevels(d, [{ sku: "V-1", on_hand: 100 }]);
	});
	after(() => d.stop());

	const ok = { order_id: "VO-1", channel: "tmall", items: [{ sku: "V-1", qty: 1 }], ttl: 60 };
	const without = (k) => Object.fromEntries(Object.entries(ok).filter(([key]) => key !== k));

	test("400 {error, detail} for a reservation that is not one; nothing held", async () => {
		const cases = [
			[{ ...ok, items: [{ sku: "V-1", qty: 0 }] }, /qty/],
			[{ ...ok, items: [{ sku: "V-1", qty: 1000001 }] }, /qty/],
			[{ ...ok, items: [{ sku: "V-1", qty: -1 }] }, /qty/],
			[{ ...ok, items: [{ sku: "V-1", qty: 1.5 }] }, /qty/],
			[{ ...ok, items: [{ sku: "V-1", qty: "1" }] }, /qty/],
			[{ ...ok, ttl: 604801 }, /ttl/],
			[{ ...ok, ttl: 0 }, /ttl/],
			[{ ...ok, items: [{ sku: "V-1", qty: 1 }, { sku: "V-1", qty: 2 }] }, /V-1|sku|SKU|duplicate/],
			[without("order_id"), /order_id/],
			[{ ...ok, order_id: "" }, /order_id/],
			[{ ...ok, order_id: "x".repeat(65) }, /order_id/],
			[without("channel"), /channel/],
			[{ ...ok, channel: "c".repeat(33) }, /channel/],
			[without("items"), /items/],
			[{ ...ok, items: [] }, /items/],
			[{ ...ok, items: Array.from({ length: 101 }, (_, i) => ({ sku: `V-${i}`, qty: 1 })) }, /items/],
			[{ ...ok, items: [{ sku: "", qty: 1 }] }, /sku/],
			[{ ...ok, items: [{ sku: "s".repeat(129), qty: 1 }] }, /sku/],
			[{ ...ok, items: [{ qty: 1 }] }, /sku/],
			["[]", null],
			["{", null],
			["", null],
		];
		for (const [body, detail] of cases) {
			const r = await d.request("POST", "/api/v1/inventory/reserve", typeof body === "string" ? { body, contentType: "application/json" } : { body });
			const what = typeof body === "string" ? JSON.stringify(body) : JSON.stringify(body).slice(0, 120);
			assert.equal(r.status, 400, `${what}: ${r.text}`);
			assert.equal(typeof r.json.error, "string", what);
			assert.equal(typeof r.json.detail, "string", what);
			if (detail) assert.match(r.json.detail, detail, what);
		}
		assert.equal((await reservation(d, "VO-1")).status, 404);
		// the path's own limits
		for (const [path, detail] of [[`/api/v1/inventory/reservations/${"x".repeat(65)}`, /order_id/], [skuPath("s".repeat(129)), /sku/]]) {
			const r = await d.get(path);
			assert.equal(r.status, 400, `${path}: ${r.text}`);
			assert.match(r.json.detail, detail);
		}
		assert.deepEqual(counts(await level(d, "V-1")), { on_hand: 100, reserved: 0, available: 100, confirmed: 0 });
		// the limits themselves are fine
		const edge = await held(d, "o".repeat(64), [{ sku: "V-1", qty: 3 }], { channel: "c".repeat(32), ttl: 604800 });
		assert.equal(Date.parse(edge.expires_at) - Date.parse(edge.created_at), 604800e3);
		assert.equal((await release(d, "o".repeat(64))).status, 200);
	});

	test("400 for confirm and release without an order, and for levels that are not levels", async () => {
		for (const path of ["/api/v1/inventory/confirm", "/api/v1/inventory/release"])
			for (const body of [{}, { order_id: "" }, { order_id: 5 }, "{"]) {
				const r = await d.request("POST", path, typeof body === "string" ? { body, contentType: "application/json" } : { body });
				assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.text}`);
				assert.equal(typeof r.json.error, "string");
				assert.equal(typeof r.json.detail, "string");
			}
		for (const [levels, detail] of [
			[[], /levels/],
			[Array.from({ length: 1001 }, (_, i) => ({ sku: `LV-${i}`, on_hand: 1 })), /levels/],
			[[{ sku: "LV-1", on_hand: -1 }], /on_hand/],
			[[{ sku: "LV-1", on_hand: 1e12 + 1 }], /on_hand/],
			[[{ sku: "LV-1", on_hand: 1.5 }], /on_hand/],
			[[{ sku: "LV-1" }], /on_hand/],
			[[{ on_hand: 1 }], /sku/],
			[[{ sku: "LV-1", on_hand: 1 }, { sku: "LV-1", on_hand: 2 }], /LV-1|sku|SKU|duplicate/],
		]) {
			const r = await d.request("PUT", "/api/v1/inventory/levels", { body: { levels } });
			assert.equal(r.status, 400, `${JSON.stringify(levels).slice(0, 100)}: ${r.text}`);
			assert.equal(typeof r.json.error, "string");
			assert.match(r.json.detail, detail);
		}
		assert.equal((await d.get(skuPath("LV-1"))).status, 404);
		const [big] = await setLevels(d, [{ sku: "LV-MAX", on_hand: 1e12 }]);
		assert.equal(big.on_hand, 1e12);
	});

	test("bodies: 64 KiB at most, 1 MiB for levels", async () => {
		const r = await d.request("POST", "/api/v1/inventory/reserve", { body: { ...ok, order_id: "BIG", pad: "x".repeat(70000) } });
		assert.equal(r.status, 413, r.text);
		assert.equal((await reservation(d, "BIG")).status, 404);
		for (const path of ["/api/v1/inventory/confirm", "/api/v1/inventory/release"]) {
			const c = await d.request("POST", path, { body: { order_id: "BIG", pad: "x".repeat(70000) } });
			assert.equal(c.status, 413, `${path}: ${c.text}`);
		}
		// 1000 levels of long SKUs: well over 64 KiB, under 1 MiB
		const levels = Array.from({ length: 1000 }, (_, i) => ({ sku: `BULK-${String(i).padStart(4, "0")}-${"s".repeat(100)}`, on_hand: i, quotas: { tmall: 0 } }));
		assert.ok(JSON.stringify({ levels }).length > 65536);
		const got = await setLevels(d, levels);
		assert.deepEqual(got.map((l) => [l.sku, l.on_hand]), levels.map((l) => [l.sku, l.on_hand]));
		const huge = await d.request("PUT", "/api/v1/inventory/levels", { body: { levels: [{ sku: "HUGE", on_hand: 1 }], pad: "x".repeat(1 << 20) } });
		assert.equal(huge.status, 413, huge.text);
		assert.equal((await d.get(skuPath("HUGE"))).status, 404);
	});

	test("every route needs inventory: ingest and supervisor may, viewer and agent may not, nobody without a token", async () => {
		const writes = [
			["PUT", "/api/v1/inventory/levels", { levels: [{ sku: "R-1", on_hand: 10 }] }],
			["POST", "/api/v1/inventory/reserve", { order_id: "R-O1", channel: "jd", items: [{ sku: "R-1", qty: 1 }] }],
			["POST", "/api/v1/inventory/confirm", { order_id: "R-O1" }],
			["POST", "/api/v1/inventory/release", { order_id: "R-O1" }],
		];
		const reads = [["GET", skuPath("V-1")], ["GET", "/api/v1/inventory"], ["GET", "/api/v1/inventory/reservations/R-O1"]];
		for (const role of ["viewer", "agent"])
			for (const [method, path, body] of [...writes, ...reads]) {
				const r = await d.request(method, path, { body, token: tokens[role] });
				assert.equal(r.status, 403, `${role} ${method} ${path}: ${r.text}`);
				assert.equal(r.json.error, "forbidden");
			}
		assert.equal((await d.get(skuPath("R-1"))).status, 404, "the refused writes did nothing");
		for (const [method, path, body] of [...writes, ...reads]) {
			const anon = await d.request(method, path, { body, token: null });
			assert.equal(anon.status, 401, `${method} ${path} without a token: ${anon.text}`);
		}
		// the merchant's machines: the warehouse sets the level, the order system reserves
		for (const [method, path, body] of writes) {
			const r = await d.request(method, path, { body, token: tokens.ingest });
			assert.equal(r.status, 200, `ingest ${method} ${path}: ${r.text}`);
		}
		for (const [method, path] of reads) {
			const r = await d.request(method, path, { token: tokens.ingest });
			assert.equal(r.status, 200, `ingest ${method} ${path}: ${r.text}`);
		}
		const s = await held(d, "R-O2", [{ sku: "R-1", qty: 2 }], { token: tokens.supervisor });
		assert.equal(s.order_id, "R-O2");
		assert.equal((await confirm(d, "R-O2", tokens.supervisor)).status, 200);
		const l = await level(d, "R-1", tokens.supervisor);
		assert.deepEqual(counts(l), { on_hand: 8, reserved: 0, available: 8, confirmed: 2 });
		const rv = await reservation(d, "R-O2", tokens.ingest);
		assert.equal(rv.status, 200, rv.text);
		assert.equal(rv.json.status, "confirmed");
	});
});
