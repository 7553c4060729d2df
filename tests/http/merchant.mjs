// merchant.mjs - a fake merchant for the calls ordex makes (docs/actions.md):
// a real local HTTP server (node's http module only) with one endpoint per
// action kind at /<kind>. It checks every request's signature
// (X-Ordex-Signature = "sha256=" + hex HMAC-SHA256(secret, timestamp + "." +
// body)), and honours the Idempotency-Key as a merchant must: the first
// request of a key that it answers 2xx performs the effect (counted), a
// repeat gets the same answer without a second effect.
//
//   const m = await startMerchant({ secret: "s3cret" });
//   // point actions.endpoints.<kind>.url at m.url + "/<kind>"
//   m.set("refund", { failFirst: 2, failStatus: 503 });   // per kind
//   await m.waitFor((m) => m.effects.size === 1);
//   m.requests          every request: { kind, key, body, json, verified, status, at }
//   m.effects           Map key -> number of effects (1, or the test found a bug)
//   await m.close();
//
// Per-kind behaviour (set(kind, {...}), all optional):
//   status      the answer's status (200)
//   failFirst   answer failStatus to the first N requests of the kind (0)
//   failStatus  (500)
//   delayMs     wait before answering each request (0); the effect is done
//               on arrival, as a slow merchant would
//   reply       the 2xx body (an object); query_payment's default is
//               {"status":"succeeded"}, query_tracking's {"status":"in_transit"}
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const DEFAULT_REPLY = {
	query_payment: { status: "succeeded", paid_at: "2026-11-11T10:01:00+08:00" },
	query_tracking: { status: "in_transit", events: [{ at: "2026-11-11T12:00:00+08:00", where: "杭州转运中心" }] },
};

function safeEqual(a, b) {
	const x = Buffer.from(String(a));
	const y = Buffer.from(String(b));
	return x.length === y.length && timingSafeEqual(x, y);
}

export function sign(secret, ts, body) {
	return "sha256=" + createHmac("sha256", secret).update(`${ts}.`).update(body).digest("hex");
}

export async function startMerchant({ secret = null } = {}) {
	const kinds = new Map(); // kind -> behaviour
	const seen = new Map(); // kind -> requests so far
	const answers = new Map(); // idempotency key -> { status, body } given
	const m = {
		requests: [],
		effects: new Map(),
		set(kind, behaviour) {
			kinds.set(kind, { ...(kinds.get(kind) ?? {}), ...behaviour });
		},
		reset(kind) {
			kinds.delete(kind);
			seen.delete(kind);
		},
		effectsOf(prefix) {
			return [...m.effects.entries()].filter(([k]) => k.startsWith(prefix));
		},
		async waitFor(pred, timeoutMs = 15000) {
			const t0 = Date.now();
			while (!pred(m)) {
				if (Date.now() - t0 > timeoutMs) throw new Error(`merchant: condition not met in ${timeoutMs} ms (${m.requests.length} requests)`);
				await new Promise((r) => setTimeout(r, 20));
			}
		},
	};
	const server = createServer((req, res) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", async () => {
			const raw = Buffer.concat(chunks);
			const kind = req.url.replace(/^\//, "").split("?")[0];
			const key = req.headers["idempotency-key"] ?? null;
			const ts = req.headers["x-ordex-timestamp"] ?? "";
			const sig = req.headers["x-ordex-signature"];
			const verified = secret ? sig !== undefined && safeEqual(sign(secret, ts, raw), sig) : sig === undefined;
			let json = null;
			try {
				json = JSON.parse(raw.toString("utf8"));
			} catch {}
			const b = kinds.get(kind) ?? {};
			const n = (seen.get(kind) ?? 0) + 1;
			seen.set(kind, n);
			const rec = { kind, key, body: raw.toString("utf8"), json, verified, at: Date.now(), status: 0 };
			m.requests.push(rec);
			let status, body;
			if (!verified) {
				status = 401;
				body = { error: "bad signature" };
			} else if (key && answers.has(key)) { // a repeat: the same answer, no second effect
				({ status, body } = answers.get(key));
			} else if (n <= (b.failFirst ?? 0)) {
				status = b.failStatus ?? 500;
				body = { error: "try again" };
			} else {
				status = b.status ?? 200;
				body = status < 300 ? (b.reply ?? DEFAULT_REPLY[kind] ?? { ok: true }) : { error: "refused" };
				if (status < 300 && key) {
					answers.set(key, { status, body });
					m.effects.set(key, (m.effects.get(key) ?? 0) + 1);
				}
			}
			rec.status = status;
			if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
			res.writeHead(status, { "content-type": "application/json" });
			res.end(JSON.stringify(body));
		});
	});
	await new Promise((r) => server.listen(0, "127.0.0.1", r));
	m.url = `http://127.0.0.1:${server.address().port}`;
	m.close = () =>
		new Promise((r) => {
			server.closeAllConnections?.();
			server.close(() => r());
		});
	return m;
}
