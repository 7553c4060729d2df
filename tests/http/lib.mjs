// lib.mjs - run `ordex serve` for the HTTP tests: a daemon on a free port in a
// fresh temporary data directory, requests with fetch, a clean stop (SIGTERM,
// exit code 0) or a kill -9.
//
//   const d = await startDaemon({ args: ["--max-body", "4096"] });
//   const r = await d.request("GET", "/api/v1/cases?limit=2");
//   r.status, r.headers (a Headers), r.text, r.json (parsed when the answer is JSON)
//   await d.stop();           // asserts exit code 0; removes the data dir
//
// Every daemon is started with --bootstrap-token ADMIN_TOKEN, and requests
// carry it unless they name another { token } (null: no Authorization).
//
// The binary is $ORDEX_BIN, else build/ordex from the repository root.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// The spec's worked examples, as copied into the project's rule cases
// (tests/cases/spec-NN-*.ndjson): CI clones the project alone.
export const SPEC_EXAMPLES = resolve(ROOT, "tests/cases");
export const BIN = resolve(process.env.ORDEX_BIN || join(ROOT, "build/ordex"));
export const ADMIN_TOKEN = "ordex-test-admin-token-0123456789";

const LISTENING = /ordex serve: listening on (http:\/\/[^ ]+) /;
const running = new Set();

// A test that dies must not leave daemons (or their data) behind.
process.on("exit", () => {
	for (const d of running) {
		try {
			d.proc.kill("SIGKILL");
			if (d.ownDir) rmSync(d.dataDir, { recursive: true, force: true });
		} catch {}
	}
});

export function freshDataDir() {
	return mkdtempSync(join(tmpdir(), "ordex-http-"));
}

/* Start a daemon and wait for its listening line. opts.dataDir: reuse a
 * directory (a restart); otherwise a fresh one, removed by stop().
 * opts.args: more options. --clock event and --sync none unless opts.clock /
 * opts.sync say otherwise; a snapshot every 5000 records (and at every stop),
 * so that restarts read snapshots and replay what came after. opts.check(method, path, response) is called on
 * every response (openapi.mjs's checkHttp validates it against the spec). */
export async function startDaemon(opts = {}) {
	const own = !opts.dataDir;
	const dataDir = opts.dataDir ?? freshDataDir();
	const args = ["serve", "--data", dataDir, "--listen", "127.0.0.1:0", "--clock", opts.clock ?? "event",
		"--sync", opts.sync ?? "none", "--snapshot-every", "5000", "--snapshot-min-interval", "0", "--bootstrap-token", ADMIN_TOKEN,
		...(opts.args ?? [])];
	const proc = spawn(BIN, args, { stdio: ["ignore", "ignore", "pipe"] });
	const d = new Daemon(proc, dataDir, own);
	d.check = opts.check ?? null;
	running.add(d);
	await d.ready(opts.timeoutMs ?? 15000);
	return d;
}

export class Daemon {
	constructor(proc, dataDir, ownDir) {
		this.proc = proc;
		this.dataDir = dataDir;
		this.ownDir = ownDir;
		this.stderr = "";
		this.exited = new Promise((res) => {
			proc.on("exit", (code, signal) => res({ code, signal }));
			proc.on("error", (err) => res({ code: null, signal: null, error: err })); // e.g. spawn EACCES
		});
		proc.stderr.setEncoding("utf8");
		proc.stderr.on("data", (s) => (this.stderr += s));
		// A daemon a failed test left running must not keep the test process
		// alive: the "exit" handler above kills it.
		proc.unref();
		proc.stderr.unref?.();
	}

	ready(timeoutMs) {
		return new Promise((res, rej) => {
			const timer = setTimeout(() => done(new Error(`no listening line within ${timeoutMs} ms:\n${this.stderr}`)), timeoutMs);
			const check = () => {
				const m = LISTENING.exec(this.stderr);
				if (m) done(null, m[1]);
			};
			let settled = false;
			const done = (err, base) => {
				if (settled) return; // e.g. the exit of a daemon that did start
				settled = true;
				clearTimeout(timer);
				this.proc.stderr.off("data", check);
				if (err) {
					this.proc.kill("SIGKILL");
					running.delete(this);
					if (this.ownDir) rmSync(this.dataDir, { recursive: true, force: true });
					return rej(err);
				}
				this.base = base;
				this.port = Number(new URL(base).port);
				res();
			};
			this.proc.stderr.on("data", check);
			this.exited.then(({ code, signal, error }) => done(new Error(`ordex serve ${error ? `did not start (${error.message})` : `exited (${code ?? signal})`} before listening:\n${this.stderr}`)));
			check();
		});
	}

	/* One request. body: a string, a Buffer, or any other value sent as JSON
	 * (Content-Type application/json). */
	async request(method, path, { body, headers = {}, contentType, token = ADMIN_TOKEN } = {}) {
		let payload = body;
		const h = { ...headers };
		if (token && !Object.keys(h).some((k) => k.toLowerCase() === "authorization")) h.authorization = `Bearer ${token}`;
		if (body !== undefined && typeof body !== "string" && !(body instanceof Uint8Array) && !(body instanceof ReadableStream)) {
			payload = JSON.stringify(body);
			contentType ??= "application/json";
		}
		if (contentType) h["content-type"] = contentType;
		const init = { method, headers: h, body: payload };
		if (payload instanceof ReadableStream) init.duplex = "half";
		const r = await fetch(this.base + path, init);
		const text = await r.text();
		const ct = r.headers.get("content-type") ?? "";
		let json;
		if (ct.startsWith("application/json")) {
			try {
				json = JSON.parse(text);
			} catch (e) {
				throw new Error(`${method} ${path}: ${r.status} with an invalid JSON body (${e.message}): ${text.slice(0, 300)}`);
			}
		}
		const res = { status: r.status, headers: r.headers, text, json, contentType: ct };
		if (this.check) this.check(method, path, res); // e.g. openapi.mjs's checkHttp
		return res;
	}

	get(path, opts = {}) {
		return this.request("GET", path, opts);
	}

	/* POST /api/v1/events: lines (an array of strings, joined with "\n"), an
	 * NDJSON string or Buffer, or { array: [...] } for a JSON array body. */
	postEvents(what, opts = {}) {
		if (what instanceof Uint8Array) return this.request("POST", "/api/v1/events", { body: what, contentType: "application/x-ndjson", ...opts });
		if (Array.isArray(what)) return this.request("POST", "/api/v1/events", { body: what.join("\n") + "\n", contentType: "application/x-ndjson", ...opts });
		if (typeof what === "string") return this.request("POST", "/api/v1/events", { body: what, contentType: "application/x-ndjson", ...opts });
		return this.request("POST", "/api/v1/events", { body: JSON.stringify(what.array), contentType: "application/json", ...opts });
	}

	/* Every case of GET /api/v1/cases?query, following next_cursor. */
	async allCases(query = "", limit = 1000) {
		const out = [];
		let cursor = null;
		for (;;) {
			const q = new URLSearchParams(query);
			q.set("limit", String(limit));
			if (cursor) q.set("cursor", cursor);
			const r = await this.get(`/api/v1/cases?${q}`);
			assert.equal(r.status, 200, r.text);
			out.push(...r.json.cases);
			cursor = r.json.next_cursor;
			if (cursor === null) return out;
		}
	}

	/* SIGTERM; resolves with { code, signal } and asserts a clean exit. */
	async stop({ keepData = false, timeoutMs = 15000 } = {}) {
		this.proc.kill("SIGTERM");
		const res = await withTimeout(this.exited, timeoutMs, () => {
			this.proc.kill("SIGKILL");
			return `ordex serve did not stop within ${timeoutMs} ms of SIGTERM`;
		});
		running.delete(this);
		if (this.ownDir && !keepData) rmSync(this.dataDir, { recursive: true, force: true });
		assert.deepEqual(res, { code: 0, signal: null }, `ordex serve exit after SIGTERM; stderr:\n${this.stderr}`);
		return res;
	}

	/* kill -9: no shutdown at all; the data dir stays for a restart. */
	async kill9() {
		this.proc.kill("SIGKILL");
		const res = await withTimeout(this.exited, 15000, () => "ordex serve did not die of SIGKILL");
		running.delete(this);
		return res;
	}

	removeData() {
		rmSync(this.dataDir, { recursive: true, force: true });
	}
}

async function withTimeout(p, ms, onTimeout) {
	let timer;
	const t = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(onTimeout())), ms)));
	try {
		return await Promise.race([p, t]);
	} finally {
		clearTimeout(timer);
	}
}

/* The lines of an NDJSON file, without the final empty one. */
export function readLines(file) {
	const lines = readFileSync(file, "utf8").split("\n");
	if (lines.at(-1) === "") lines.pop();
	return lines;
}

export function parseNdjson(text) {
	return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/* `ordex replay FILE ARGS...` without blocking the event loop (other
 * daemons of a concurrent test keep being served): { cases, status, stderr }. */
export function replayAsync(file, args = []) {
	return new Promise((res, rej) => {
		const p = spawn(BIN, ["replay", file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
		const out = [], err = [];
		p.stdout.on("data", (b) => out.push(b));
		p.stderr.on("data", (b) => err.push(b));
		p.on("error", rej);
		p.on("close", (status) => res({ cases: parseNdjson(Buffer.concat(out).toString("utf8")), status, stderr: Buffer.concat(err).toString("utf8") }));
	});
}

/* `ordex replay FILE ARGS...`: { cases, status, stderr }. */
export function replay(file, args = []) {
	const r = spawnSync(BIN, ["replay", file, ...args], { encoding: "utf8", maxBuffer: 1 << 30 });
	if (r.error) throw r.error;
	return { cases: parseNdjson(r.stdout), status: r.status, stderr: r.stderr };
}

export function specExamples() {
	return readdirSync(SPEC_EXAMPLES).filter((f) => /^spec-\d\d-.*\.ndjson$/.test(f)).sort().map((f) => join(SPEC_EXAMPLES, f));
}

/* Run fn over items with at most n at a time; results in item order. */
export async function pool(items, n, fn) {
	const out = new Array(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const i = next++;
			out[i] = await fn(items[i], i);
		}
	};
	await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
	return out;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
