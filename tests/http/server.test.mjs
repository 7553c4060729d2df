// server.test.mjs - the HTTP/1.1 server of `ordex serve` (src/http.c), spoken
// to over raw TCP: what fetch hides (pipelining, HTTP/1.0, 100-continue,
// chunked bodies in pieces, malformed heads, idle timeouts, the connection
// limit, HEAD).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";

import { ADMIN_TOKEN, startDaemon } from "./lib.mjs";

const AUTH = `Authorization: Bearer ${ADMIN_TOKEN}\r\n`;

// A raw connection: write bytes, read parsed answers (Content-Length bodies).
class Raw {
	constructor(port) {
		this.buf = Buffer.alloc(0);
		this.closed = false;
		this.waiters = [];
		this.sock = connect(port, "127.0.0.1");
		this.sock.on("data", (d) => {
			this.buf = Buffer.concat([this.buf, d]);
			this.wake();
		});
		this.sock.on("close", () => {
			this.closed = true;
			this.wake();
		});
		this.sock.on("error", () => {});
		this.opened = new Promise((res) => this.sock.once("connect", res));
	}
	wake() {
		for (const w of this.waiters.splice(0)) w();
	}
	async write(s) {
		await this.opened;
		this.sock.write(s);
	}
	// Wait until pred(buf) is true or the connection closes; 10 s at most.
	async until(pred, what) {
		const deadline = Date.now() + 10000;
		while (!pred(this.buf)) {
			if (this.closed) return false;
			const left = deadline - Date.now();
			assert.ok(left > 0, `timed out waiting for ${what}; got ${JSON.stringify(this.buf.toString())}`);
			await new Promise((res) => {
				this.waiters.push(res);
				setTimeout(res, Math.min(left, 200));
			});
		}
		return true;
	}
	// The next answer: { status, headers (lower-case names), body }.
	async answer({ head = false } = {}) {
		const ok = await this.until((b) => b.indexOf("\r\n\r\n") >= 0, "an answer's head");
		assert.ok(ok, `closed before an answer; got ${JSON.stringify(this.buf.toString())}`);
		const end = this.buf.indexOf("\r\n\r\n");
		const lines = this.buf.subarray(0, end).toString().split("\r\n");
		const status = Number(lines[0].split(" ")[1]);
		assert.match(lines[0], /^HTTP\/1\.1 \d{3} [A-Za-z -]+$/);
		const headers = {};
		for (const l of lines.slice(1)) {
			const i = l.indexOf(":");
			headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
		}
		const len = head || status === 100 ? 0 : Number(headers["content-length"] ?? 0);
		await this.until((b) => b.length >= end + 4 + len, "an answer's body");
		const body = this.buf.subarray(end + 4, end + 4 + len).toString();
		this.buf = this.buf.subarray(end + 4 + len);
		return { status, headers, body };
	}
	async closedByServer() {
		await this.until(() => false, "the server to close").catch(() => {});
		return this.closed;
	}
	end() {
		this.sock.destroy();
	}
}

function post(path, body, extra = "") {
	return `POST ${path} HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Type: application/json\r\n` +
		`Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
}

describe("the HTTP server", () => {
	let d;
	before(async () => {
		d = await startDaemon({ args: ["--idle-timeout", "2", "--max-connections", "8"] });
		const r = await d.request("PUT", "/api/v1/inventory/levels",
			{ body: JSON.stringify({ levels: [{ sku: "srv-1", on_hand: 10 }] }) });
		assert.equal(r.status, 200, r.text);
	});
	after(() => d.stop());

	test("keep-alive and pipelining: answers in order, parked requests included", async () => {
		const c = new Raw(d.port);
		const reserve = (o) => post("/api/v1/inventory/reserve",
			JSON.stringify({ order_id: o, channel: "tmall", items: [{ sku: "srv-1", qty: 1 }], ttl: 900 }));
		// A parked request (the writer answers it) between two answered at once.
		await c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + reserve("srv-o1") + reserve("srv-o2") +
			"GET /api/v1/inventory/srv-1 HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n");
		const a = [await c.answer(), await c.answer(), await c.answer(), await c.answer()];
		assert.deepEqual(a.map((x) => x.status), [200, 200, 200, 200]);
		assert.equal(JSON.parse(a[1].body).order_id, "srv-o1");
		assert.equal(JSON.parse(a[2].body).order_id, "srv-o2");
		assert.equal(JSON.parse(a[3].body).reserved, 2, a[3].body);
		assert.ok(a[0].headers.date, "a Date header");
		assert.equal(a[1].headers["cache-control"], "no-store");
		// and the connection is still open for more
		await c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
		assert.equal((await c.answer()).status, 200);
		c.end();
	});

	test("a read pipelined right behind a refusal finds the refusal's case", async () => {
		// The refusal is answered once the log is durable, before its case
		// is stored; the next request on the connection starts right then,
		// and reading the store it waits for the store to catch up.
		const r = await d.request("PUT", "/api/v1/inventory/levels",
			{ body: JSON.stringify({ levels: [{ sku: "srv-none", on_hand: 0 }] }) });
		assert.equal(r.status, 200, r.text);
		const c = new Raw(d.port);
		for (let i = 0; i < 30; i++) {
			const o = `srv-rw-${i}`;
			await c.write(post("/api/v1/inventory/reserve",
				JSON.stringify({ order_id: o, channel: "tmall", items: [{ sku: "srv-none", qty: 1 }], ttl: 900 })) +
				`GET /api/v1/cases?order_id=${o}&rule=INV_RESERVE_FAILED HTTP/1.1\r\nHost: x\r\n${AUTH}\r\n`);
			assert.equal((await c.answer()).status, 409);
			const a = await c.answer();
			assert.equal(a.status, 200, a.body);
			assert.equal(JSON.parse(a.body).cases.length, 1, `the case of ${o}: ${a.body}`);
		}
		c.end();
	});

	test("HTTP/1.0: closed after the answer unless keep-alive is asked", async () => {
		const c = new Raw(d.port);
		await c.write("GET /healthz HTTP/1.0\r\n\r\n");
		const a = await c.answer();
		assert.equal(a.status, 200);
		assert.equal(a.headers.connection, "close");
		assert.ok(await c.closedByServer());

		const k = new Raw(d.port);
		await k.write("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
		const b = await k.answer();
		assert.equal(b.headers.connection, "keep-alive");
		await k.write("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
		assert.equal((await k.answer()).status, 200);
		k.end();
	});

	test("Expect: 100-continue, and a refusal instead when the body would not be read", async () => {
		const c = new Raw(d.port);
		const body = JSON.stringify({ levels: [{ sku: "srv-2", on_hand: 3 }] });
		await c.write(`PUT /api/v1/inventory/levels HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Type: application/json\r\n` +
			`Content-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
		const cont = await c.answer();
		assert.equal(cont.status, 100);
		await c.write(body);
		const a = await c.answer();
		assert.equal(a.status, 200, a.body);
		c.end();

		const n = new Raw(d.port);
		await n.write("PUT /api/v1/inventory/levels HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
		const r = await n.answer();
		assert.equal(r.status, 401, "no token: refused without a 100");
		assert.ok(await n.closedByServer());
	});

	test("a chunked body arriving a few bytes at a time", async () => {
		const c = new Raw(d.port);
		const body = JSON.stringify({ levels: [{ sku: "srv-3", on_hand: 7 }] });
		const chunked = `${(10).toString(16)};ext=1\r\n${body.slice(0, 10)}\r\n` +
			`${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\nX-Trailer: y\r\n\r\n`;
		const msg = `PUT /api/v1/inventory/levels HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Type: application/json\r\n` +
			`Transfer-Encoding: chunked\r\n\r\n${chunked}GET /api/v1/inventory/srv-3 HTTP/1.1\r\nHost: x\r\n${AUTH}\r\n`;
		for (let i = 0; i < msg.length; i += 7) {
			await c.write(msg.slice(i, i + 7));
			await new Promise((res) => setTimeout(res, 1));
		}
		const a = await c.answer();
		assert.equal(a.status, 200, a.body);
		const b = await c.answer();
		assert.equal(JSON.parse(b.body).on_hand, 7, b.body);
		c.end();
	});

	test("malformed heads: 400, 431, 501, 505, and the connection closed", async () => {
		const cases = [
			["GET /healthz\r\n\r\n", 400],
			["GET healthz HTTP/1.1\r\n\r\n", 400],
			["GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n", 400],
			["POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", 400],
			["POST /api/v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
			["GET /healthz HTTP/2.0\r\n\r\n", 505],
			[`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(17000)}\r\n\r\n`, 431],
		];
		for (const [msg, status] of cases) {
			const c = new Raw(d.port);
			await c.write(msg);
			const a = await c.answer();
			assert.equal(a.status, status, `${JSON.stringify(msg.slice(0, 60))}: ${a.body}`);
			assert.equal(a.headers.connection, "close");
			assert.ok(JSON.parse(a.body).error, a.body);
			assert.doesNotMatch(a.body, /Host/, "refused for its own fault");
			assert.ok(await c.closedByServer(), "closed");
		}
		const r = await d.get("/healthz");
		assert.equal(r.status, 200, "and it still serves");
	});

	test("HEAD: the GET's headers and no body", async () => {
		const c = new Raw(d.port);
		await c.write("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
		const h = await c.answer({ head: true });
		assert.equal(h.status, 200);
		const g = await c.answer();
		assert.equal(g.status, 200);
		assert.equal(h.headers["content-length"], String(Buffer.byteLength(g.body)));
		c.end();
	});

	test("decoded paths and query strings", async () => {
		// %2F in an SKU stays a slash in the {param}; '+' in a query is a space
		const r = await d.request("PUT", "/api/v1/inventory/levels",
			{ body: JSON.stringify({ levels: [{ sku: "srv/4 x", on_hand: 2 }] }) });
		assert.equal(r.status, 200, r.text);
		const c = new Raw(d.port);
		await c.write(`GET /api/v1/inventory/srv%2F4%20x HTTP/1.1\r\nHost: x\r\n${AUTH}\r\n`);
		const a = await c.answer();
		assert.equal(a.status, 200, a.body);
		assert.equal(JSON.parse(a.body).sku, "srv/4 x");
		const add = await d.request("POST", "/api/v1/blacklist", { body: { kind: "customer", value: "srv buyer+1" } });
		assert.equal(add.status, 200, add.text);
		await c.write(`GET /api/v1/blacklist?kind=customer&q=srv+buyer%2B1&limit=5 HTTP/1.1\r\nHost: x\r\n${AUTH}\r\n`);
		const b = await c.answer();
		assert.equal(b.status, 200, b.body);
		assert.deepEqual(JSON.parse(b.body).entries.map((e) => e.value), ["srv buyer+1"]);
		c.end();
	});

	test("a client gone while its request is parked: the work is done, the server goes on", async () => {
		const c = new Raw(d.port);
		await c.write(post("/api/v1/inventory/reserve",
			JSON.stringify({ order_id: "srv-gone", channel: "tmall", items: [{ sku: "srv-1", qty: 1 }], ttl: 900 })));
		c.end(); // before the answer can have come
		for (let i = 0; i < 50; i++) {
			const r = await d.get("/api/v1/inventory/reservations/srv-gone");
			if (r.status === 200) {
				assert.equal(r.json.status, "held", r.text);
				return;
			}
			await new Promise((res) => setTimeout(res, 20));
		}
		assert.fail("the reservation of a client that left was not made");
	});

	test("a client that half-closes after its request still reads the answer", async () => {
		const c = new Raw(d.port);
		await c.write(post("/api/v1/inventory/reserve",
			JSON.stringify({ order_id: "srv-half", channel: "tmall", items: [{ sku: "srv-1", qty: 1 }], ttl: 900 })));
		c.sock.end(); // FIN: nothing more to send
		const a = await c.answer();
		assert.equal(a.status, 200, a.body);
		assert.equal(JSON.parse(a.body).order_id, "srv-half");
		assert.ok(await c.closedByServer(), "then closed");
	});

	test("a body that is not read is dropped, and the connection serves the next request", async () => {
		const c = new Raw(d.port);
		const body = "x".repeat(20000);
		// no such route (404) and no token (401): both answered after the body is read and dropped
		await c.write(`POST /api/v1/nothing-here HTTP/1.1\r\nHost: x\r\n${AUTH}Content-Length: ${body.length}\r\n\r\n${body}` +
			`POST /api/v1/inventory/reserve HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
			"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
		assert.equal((await c.answer()).status, 404);
		assert.equal((await c.answer()).status, 401);
		const h = await c.answer();
		assert.equal(h.status, 200, "the request after them");
		assert.notEqual(h.headers.connection, "close");
		c.end();
	});

	test("a client that does not read its answers is not read either, and others are served", async () => {
		// 11 MB of pipelined requests, more than the kernel's buffers on
		// both sides hold: a server that keeps reading (and keeps the
		// answers in memory) takes them all; one that stops at a few
		// hundred KiB of unsent answers leaves some on the client's side.
		const n = 300000;
		const c = new Raw(d.port);
		await c.opened;
		c.sock.pause(); // reads nothing
		c.sock.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(n));
		// well under --idle-timeout 2: a connection whose answers cannot
		// leave makes no progress, and is closed once that lasts 2 s
		await new Promise((res) => setTimeout(res, 1000));
		assert.ok(c.sock.writableLength > 0, "the server stopped reading from a client that reads nothing");
		const r = await d.get("/healthz");
		assert.equal(r.status, 200, "another client is served meanwhile");
		c.sock.resume();
		for (let i = 0; i < 1000; i++) assert.equal((await c.answer()).status, 200, "and the answers come once it reads");
		c.end();
	});

	test("idle connections are closed after --idle-timeout, busy ones are not", async () => {
		const idle = new Raw(d.port);
		await idle.opened;
		const slow = new Raw(d.port);
		const t0 = Date.now();
		// one header line a second: progress keeps it open past the timeout
		await slow.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
		for (let i = 0; i < 3; i++) {
			await new Promise((res) => setTimeout(res, 900));
			await slow.write(`X-Step-${i}: ${i}\r\n`);
		}
		await slow.write("\r\n");
		assert.equal((await slow.answer()).status, 200);
		assert.ok(await idle.closedByServer(), "the idle one is closed");
		assert.ok(Date.now() - t0 >= 1900, "not before the timeout");
		slow.end();
	});

	test("--max-connections: more are closed at once, the others still served", async () => {
		const held = [];
		for (let i = 0; i < 8; i++) {
			const c = new Raw(d.port);
			await c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
			assert.equal((await c.answer()).status, 200);
			held.push(c);
		}
		const extra = new Raw(d.port);
		await extra.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").catch(() => {});
		assert.ok(await extra.closedByServer(), "the ninth is closed");
		assert.equal(extra.buf.length, 0, "without an answer");
		held[0].end();
		await new Promise((res) => setTimeout(res, 200));
		const again = new Raw(d.port);
		await again.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
		assert.equal((await again.answer()).status, 200, "a freed slot is taken again");
		for (const c of [...held.slice(1), again]) c.end();
	});
});

describe("the HTTP server out of file descriptors", () => {
	let d;
	before(async () => (d = await startDaemon()));
	after(() => d.stop());

	// CPU seconds the daemon has used (utime + stime of /proc/PID/stat).
	const cpu = () => {
		const f = readFileSync(`/proc/${d.proc.pid}/stat`, "utf8").split(") ")[1].split(" ");
		return (Number(f[11]) + Number(f[12])) / 100;
	};

	test("waits for a free descriptor without spinning, then serves the connections that waited", async () => {
		const pid = String(d.proc.pid);
		const soft = String(spawnSync("prlimit", ["--pid", pid, "--nofile", "--output=SOFT", "--noheadings"]).stdout).trim();
		const open = readdirSync(`/proc/${pid}/fd`).length;
		const limit = spawnSync("prlimit", ["--pid", pid, `--nofile=${open + 4}:`]);
		assert.equal(limit.status, 0, String(limit.stderr));
		const held = [];
		for (let i = 0; i < 4; i++) {
			const c = new Raw(d.port);
			await c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
			held.push(c);
		}
		// descriptors are used up (some by the daemon's own files): the rest wait in the backlog
		const waiting = [];
		for (let i = 0; i < 6; i++) {
			const c = new Raw(d.port);
			await c.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
			waiting.push(c);
		}
		await new Promise((res) => setTimeout(res, 300));
		const t0 = cpu();
		await new Promise((res) => setTimeout(res, 2000));
		const used = cpu() - t0;
		assert.ok(used < 0.5, `the daemon used ${used} s of CPU in 2 s while out of descriptors`);
		for (const c of held) c.end();
		const raised = spawnSync("prlimit", ["--pid", pid, `--nofile=${soft}:`]);
		assert.equal(raised.status, 0, String(raised.stderr));
		for (const c of waiting) assert.equal((await c.answer()).status, 200, "served once descriptors are free");
		for (const c of waiting) c.end();
	});
});
