// receiver.mjs - a real local HTTP receiver for alert deliveries (node's
// http module only, no npm dependencies): it records every request and
// verifies its signature, and answers as told (failures first, a status, a
// delay), so that daemon-level tests can watch ordex deliver, retry and give
// up (docs/alerts.md).
//
//   import { startReceiver } from "./receiver.mjs";
//   const rx = await startReceiver({ failFirst: 2, secret: "s3cret" });
//   // point a channel at rx.url + "/hook" (any path works)
//   await rx.waitFor(3);                    // three requests arrived
//   rx.requests[2].verified                 // true: the signature checked out
//   rx.requests[2].idempotencyKey           // the same on every retry
//   rx.set({ status: 400 });                // change behaviour on the fly
//   await rx.close();
//
// Options (all optional, all changeable with set()):
//   failFirst   answer failStatus to the first N requests (0)
//   failStatus  status of those failures (500)
//   status      status of the other answers (200)
//   delayMs     wait this long before answering each request (0): a slow or
//               hanging receiver
//   secret      the channel's secret, to verify signatures with
//   reply       the body of 2xx answers; default {"errcode":0,"errmsg":"ok",
//               "code":0,"msg":"success"}, which DingTalk, WeCom and Feishu
//               senders all read as success
//   port        listen on this port (0: a free one)
//
// Each request is recorded as { method, path, query, headers, body, json,
// at, idempotencyKey, scheme, verified, status }: headers with lowercase
// names, json the parsed body (or null), at Date.now() on arrival, scheme
// "webhook" (X-Ordex-Signature), "dingtalk" (timestamp and sign in the
// query), "feishu" (timestamp and sign in the body) or null, verified
// true/false when a scheme and a secret are known (else null), status the
// answer given.
//
// Run alone, it prints every request: node tests/http/receiver.mjs [--port N] [--secret S]
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

const DEFAULT_REPLY = JSON.stringify({ errcode: 0, errmsg: "ok", code: 0, msg: "success" });

function safeEqual(a, b) {
	const x = Buffer.from(String(a));
	const y = Buffer.from(String(b));
	return x.length === y.length && timingSafeEqual(x, y);
}

// The signature scheme of a request and whether it verifies with secret.
export function verifySignature(req, secret) {
	const h = req.headers;
	if (h["x-ordex-signature"] !== undefined) {
		// HMAC-SHA256(secret, timestamp + "." + body), hex, "sha256=" first
		const ts = h["x-ordex-timestamp"] ?? "";
		if (!secret) return { scheme: "webhook", verified: null };
		const want = "sha256=" + createHmac("sha256", secret).update(`${ts}.`).update(req.rawBody).digest("hex");
		return { scheme: "webhook", verified: safeEqual(want, h["x-ordex-signature"]) };
	}
	if (req.query.sign !== undefined && req.query.timestamp !== undefined) {
		// DingTalk: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)), milliseconds
		if (!secret) return { scheme: "dingtalk", verified: null };
		const want = createHmac("sha256", secret).update(`${req.query.timestamp}\n${secret}`).digest("base64");
		return { scheme: "dingtalk", verified: safeEqual(want, req.query.sign) };
	}
	if (req.json && typeof req.json.sign === "string" && req.json.timestamp !== undefined) {
		// Feishu: base64(HMAC-SHA256(key = timestamp + "\n" + secret, message = "")), seconds
		if (!secret) return { scheme: "feishu", verified: null };
		const want = createHmac("sha256", `${req.json.timestamp}\n${secret}`).update("").digest("base64");
		return { scheme: "feishu", verified: safeEqual(want, req.json.sign) };
	}
	return { scheme: null, verified: null };
}

export async function startReceiver(opts = {}) {
	const conf = { failFirst: 0, failStatus: 500, status: 200, delayMs: 0, secret: null, reply: DEFAULT_REPLY };
	const set = (o) => {
		for (const k of Object.keys(conf)) if (o[k] !== undefined) conf[k] = o[k];
	};
	set(opts);
	const requests = [];
	const waiters = new Set();
	const timers = new Set();
	const notify = () => {
		for (const w of waiters) if (requests.length >= w.n) w.resolve();
	};

	const server = createServer((req, res) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => {
			const raw = Buffer.concat(chunks);
			const url = new URL(req.url, "http://receiver");
			const rec = {
				method: req.method,
				path: url.pathname,
				query: Object.fromEntries(url.searchParams),
				headers: { ...req.headers },
				body: raw.toString("utf8"),
				rawBody: raw,
				json: null,
				at: Date.now(),
				idempotencyKey: req.headers["idempotency-key"] ?? null,
				scheme: null,
				verified: null,
				status: 0,
			};
			try {
				rec.json = JSON.parse(rec.body);
			} catch {}
			Object.assign(rec, verifySignature(rec, conf.secret));
			const n = requests.length;
			rec.status = n < conf.failFirst ? conf.failStatus : conf.status;
			requests.push(rec);
			notify();
			const answer = () => {
				timers.delete(t);
				if (res.destroyed) return; // the sender gave up waiting
				const ok = rec.status >= 200 && rec.status < 300;
				const body = ok ? conf.reply : JSON.stringify({ error: `status ${rec.status}` });
				res.writeHead(rec.status, { "content-type": "application/json" });
				res.end(body);
			};
			const t = setTimeout(answer, conf.delayMs);
			timers.add(t);
		});
	});
	await new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(opts.port ?? 0, "127.0.0.1", resolve);
	});
	const { port } = server.address();

	return {
		port,
		url: `http://127.0.0.1:${port}`,
		requests,
		set,
		// Resolve once n requests arrived; reject after timeoutMs.
		waitFor(n, timeoutMs = 10000) {
			if (requests.length >= n) return Promise.resolve();
			return new Promise((resolve, reject) => {
				const w = { n, resolve: () => (clearTimeout(w.t), waiters.delete(w), resolve()) };
				w.t = setTimeout(() => {
					waiters.delete(w);
					reject(new Error(`receiver: ${requests.length} of ${n} requests after ${timeoutMs} ms`));
				}, timeoutMs);
				waiters.add(w);
			});
		},
		// Stop listening; answers still delayed are dropped with their connections.
		async close() {
			for (const t of timers) clearTimeout(t);
			timers.clear();
			server.closeAllConnections?.();
			await new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

// Run alone: print each request as one JSON line.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
	const arg = (name) => {
		const i = process.argv.indexOf(name);
		return i > 0 ? process.argv[i + 1] : undefined;
	};
	const rx = await startReceiver({ port: Number(arg("--port") ?? 0), secret: arg("--secret") ?? null });
	console.error(`receiver: listening on ${rx.url}`);
	let shown = 0;
	setInterval(() => {
		for (; shown < rx.requests.length; shown++) {
			const { rawBody, ...r } = rx.requests[shown];
			console.log(JSON.stringify(r));
		}
	}, 100);
}
