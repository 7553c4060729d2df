// openapi.test.mjs - docs/openapi.json against the daemon's route table
// (src/api.c) and against itself, and the validator openapi.mjs uses to
// check every answer the other tests receive.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { BIN, ROOT, readLines, specExamples } from "./lib.mjs";
import { METHODS, checkResponse, resolveRef, spec, templateOf, validate } from "./openapi.mjs";

/* The rows { "GET", "/path", start, finish, body_max } of ox_api_new()'s table. */
function apiRoutes() {
	const src = readFileSync(join(ROOT, "src/api.c"), "utf8");
	const table = /const struct ox_route routes\[\] = \{([\s\S]*?)\n\t\};/.exec(src);
	assert.ok(table, "the route table of src/api.c");
	const rows = [...table[1].matchAll(/\{\s*"([A-Z]+)",\s*"([^"]+)",/g)].map((m) => `${m[1]} ${m[2]}`);
	assert.ok(rows.length >= 8, `${rows.length} routes parsed`);
	return rows;
}

function specOperations() {
	const ops = [];
	for (const [path, item] of Object.entries(spec.paths))
		for (const m of Object.keys(item)) {
			assert.ok(METHODS.includes(m) || m === "parameters" || m === "summary" || m === "description", `${path}: unexpected key ${m}`);
			if (METHODS.includes(m)) ops.push({ key: `${m.toUpperCase()} ${path}`, path, method: m, op: item[m] });
		}
	return ops;
}

/* Every node of the document with its JSON pointer. */
function* walk(node, ptr = "#") {
	yield [node, ptr];
	if (node && typeof node === "object")
		for (const [k, v] of Object.entries(node)) yield* walk(v, `${ptr}/${String(k).replace(/~/g, "~0").replace(/\//g, "~1")}`);
}

/* Every schema object of the document: components.schemas and the schemas of
 * parameters, bodies, responses and headers, and what they contain. */
function* schemas() {
	const visit = function* (s, where) {
		if (!s || typeof s !== "object") return;
		yield [s, where];
		for (const [k, v] of Object.entries(s.properties ?? {})) yield* visit(v, `${where}.properties.${k}`);
		if (s.items) yield* visit(s.items, `${where}.items`);
		if (s.additionalProperties && typeof s.additionalProperties === "object") yield* visit(s.additionalProperties, `${where}.additionalProperties`);
		for (const [i, v] of (s.oneOf ?? []).entries()) yield* visit(v, `${where}.oneOf[${i}]`);
	};
	for (const [name, s] of Object.entries(spec.components.schemas)) yield* visit(s, `components.schemas.${name}`);
	for (const [node, ptr] of walk(spec.paths, "#/paths")) if (node && typeof node === "object" && node.schema) yield* visit(node.schema, `${ptr}.schema`);
	for (const [node, ptr] of walk(spec.components.responses, "#/components/responses")) if (node && typeof node === "object" && node.schema) yield* visit(node.schema, `${ptr}.schema`);
}

describe("docs/openapi.json and src/api.c", () => {
	test("is OpenAPI 3.0.3 with a title, a version and a description", () => {
		assert.equal(spec.openapi, "3.0.3");
		assert.ok(spec.info.title && spec.info.version && spec.info.description);
	});

	test("every route of src/api.c is documented, and nothing else", () => {
		const routes = apiRoutes().sort();
		const documented = specOperations().map((o) => o.key).sort();
		assert.deepEqual(documented, routes);
		assert.equal(new Set(routes).size, routes.length, "a route twice in src/api.c");
	});

	test("operations: unique operationId, path parameters declared, every answer described", () => {
		const ids = new Set();
		for (const { key, path, op } of specOperations()) {
			assert.ok(op.operationId && !ids.has(op.operationId), `${key}: operationId`);
			ids.add(op.operationId);
			assert.ok(op.summary, `${key}: summary`);
			const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
			const declared = (op.parameters ?? []).filter((p) => p.in === "path");
			assert.deepEqual(declared.map((p) => p.name).sort(), inPath.sort(), `${key}: path parameters`);
			for (const p of declared) assert.equal(p.required, true, `${key}: path parameter ${p.name} must be required`);
			for (const p of op.parameters ?? []) assert.ok(p.schema && p.description, `${key}: parameter ${p.name}`);
			// the success answer: 200, or 201 for a route that creates something
			assert.ok(["200", "201"].some((s) => Object.keys(op.responses).includes(s)), `${key}: 200 or 201`);
			// The rate limit applies to /api/ only; monitors are never limited.
			assert.equal(Object.keys(op.responses).includes("429"), path.startsWith("/api/"), `${key}: 429 exactly under /api/`);
			for (const [status, r0] of Object.entries(op.responses)) {
				assert.match(status, /^[1-5][0-9][0-9]$/, `${key}: status ${status}`);
				const r = r0.$ref ? resolveRef(r0.$ref) : r0;
				assert.ok(r.description, `${key} ${status}: description`);
				// 304 Not Modified has no body (RFC 9110), so no content
				if (status === "304") {
					assert.equal(r.content, undefined, `${key} 304: no content`);
					continue;
				}
				assert.ok(r.content && Object.keys(r.content).length, `${key} ${status}: content`);
				for (const [type, media] of Object.entries(r.content)) assert.ok(media.schema, `${key} ${status} ${type}: schema`);
				if (status !== "200") assert.deepEqual(Object.keys(r.content), ["application/json"], `${key} ${status}: errors are JSON`);
			}
		}
		const post = spec.paths["/api/v1/events"].post;
		assert.deepEqual(Object.keys(post.requestBody.content).sort(), ["application/json", "application/x-ndjson"]);
		for (const status of ["400", "413", "503"]) assert.ok(post.responses[status], `POST /api/v1/events ${status}`);
		assert.ok(spec.paths["/api/v1/cases"].get.responses["400"]);
		assert.ok(spec.paths["/api/v1/cases/{id}"].get.responses["404"]);
		assert.ok(spec.paths["/api/v1/orders/{order_id}"].get.responses["404"]);
		const params = spec.paths["/api/v1/cases"].get.parameters.map((p) => p.name).sort();
		assert.deepEqual(params, ["assignee", "call_state", "category", "channel", "cursor", "limit", "order_id", "province", "rule", "severity", "shop", "since", "sku", "sla", "sort", "status", "team"]);
	});

	test("every $ref resolves, and every schema uses only what the validator checks", () => {
		let refs = 0;
		for (const [node, ptr] of walk(spec))
			if (node && typeof node === "object" && typeof node.$ref === "string") {
				assert.doesNotThrow(() => resolveRef(node.$ref), `${ptr}: ${node.$ref}`);
				assert.deepEqual(Object.keys(node), ["$ref"], `${ptr}: siblings of $ref are ignored in OpenAPI 3.0`);
				refs++;
			}
		assert.ok(refs > 20);
		let n = 0;
		for (const [s, where] of schemas()) {
			assert.doesNotThrow(() => validate(s, undefined, where), `${where}`);
			if (s.enum && s.nullable) assert.ok(s.enum.includes(null), `${where}: a nullable enum lists null (OpenAPI 3.0.3)`);
			if (s.required) for (const k of s.required) assert.ok(s.properties && k in s.properties, `${where}: required ${k} has no schema`);
			n++;
		}
		assert.ok(n > 100, `${n} schemas`);
	});

	test("the examples in the document conform to their schemas", () => {
		let n = 0;
		for (const [s, where] of schemas())
			if ("example" in s) {
				const { example, ...schema } = s;
				assert.deepEqual(validate(schema, example, where), [], where);
				n++;
			}
		for (const [node, ptr] of walk(spec.paths, "#/paths"))
			if (node && typeof node === "object" && node.schema && "example" in node && !ptr.includes("x-ndjson")) {
				assert.deepEqual(validate(node.schema, node.example, ptr), [], ptr);
				n++;
			}
		// the NDJSON example is lines of events
		const ndjson = spec.paths["/api/v1/events"].post.requestBody.content["application/x-ndjson"].example;
		for (const line of ndjson.split("\n").filter(Boolean)) assert.deepEqual(validate({ $ref: "#/components/schemas/Event" }, JSON.parse(line)), []);
		assert.ok(n >= 5, `${n} examples`);
	});

	test("the case schema lists what ox_case_to_json writes", () => {
		const src = readFileSync(join(ROOT, "src/case.c"), "utf8");
		const fn = src.slice(src.indexOf("void ox_case_to_json("));
		const written = new Set([...fn.slice(0, fn.indexOf("\n}\n")).matchAll(/\\"([a-z_]+)\\":/g)].map((m) => m[1]));
		// the dimensions are written by an X-macro over OX_CASE_DIMS (case.h)
		const h = readFileSync(join(ROOT, "src/case.h"), "utf8");
		const dims = h.slice(h.indexOf("#define OX_CASE_DIMS(X)"), h.indexOf("struct ox_case_dims"));
		assert.ok(fn.includes("OX_CASE_DIMS(X)"), "ox_case_to_json writes the dimensions");
		for (const m of dims.matchAll(/X\(([a-z_]+)\)/g)) written.add(m[1]);
		// playbook is not ox_case_to_json's: api.c splices it into the answers about one case
		const spliced = ["playbook"];
		const all = spec.components.schemas.Case.properties;
		for (const k of spliced) assert.ok(k in all, `Case.${k}`);
		const caseProps = Object.keys(all).filter((k) => !spliced.includes(k));
		const timelineProps = Object.keys(spec.components.schemas.TimelineEntry.properties);
		// and the members of the objects a case holds (sla, resolution)
		const nested = caseProps.map((k) => all[k])
			.map((s) => (s.$ref ? resolveRef(s.$ref) : s))
			.flatMap((s) => (s.type === "object" ? Object.keys(s.properties ?? {}) : []));
		assert.deepEqual([...written].sort(), [...new Set([...caseProps, ...nested, ...timelineProps])].sort());
		assert.deepEqual(Object.keys(spec.components.schemas.CaseSummary.properties), caseProps.filter((k) => k !== "timeline"));
	});

	test("the order picture schema lists the fields of src/order_view.h", () => {
		const h = readFileSync(join(ROOT, "src/order_view.h"), "utf8");
		const props = spec.components.schemas.OrderPicture.properties;
		for (const k of ["order_id", "status", "status_ts", "created_at", "channel", "shop", "total", "currency", "coupon", "pay_by", "remark", "ship_by", "deliver_by",
			"create_failed", "customer", "items", "payments", "refunds", "status_history", "inventory", "shipments", "syncs", "tickets", "events"]) {
			assert.ok(h.includes(`"${k}"`), `order_view.h mentions ${k}`);
			assert.ok(k in props, `OrderPicture.${k}`);
		}
		assert.ok("cases" in props);
	});
});

describe("the Event schema accepts every event the decoder accepts", () => {
	test("the spec's examples and every tests/cases stream", () => {
		// NAME.stderr lists the lines the decoder rejects ("line N: reason")
		const dir = join(ROOT, "tests/cases");
		const files = [...specExamples(), ...readdirSync(dir).filter((f) => f.endsWith(".ndjson")).map((f) => join(dir, f))];
		const event = { $ref: "#/components/schemas/Event" };
		let checked = 0;
		for (const file of files) {
			const base = file.replace(/\.ndjson$/, "");
			if (existsSync(`${base}.exit`)) continue; // a usage error: nothing is decoded
			const stderr = existsSync(`${base}.stderr`) ? readFileSync(`${base}.stderr`, "utf8") : "";
			const rejected = new Set(stderr.split("\n").filter(Boolean).map((l) => Number(/^line ([0-9]+):/.exec(l)[1])));
			readLines(file).forEach((line, i) => {
				if (/^[ \t\r]*$/.test(line) || rejected.has(i + 1)) return;
				assert.deepEqual(validate(event, JSON.parse(line)), [], `${file}:${i + 1}`);
				checked++;
			});
		}
		assert.ok(checked > 2000, `${checked} events`);
	});

	test("a simulated shop", () => {
		const r = spawnSync(BIN, ["sim", "--orders", "500", "--seed", "9"], { encoding: "utf8", maxBuffer: 1 << 28 });
		assert.equal(r.status, 0, r.stderr);
		const event = { $ref: "#/components/schemas/Event" };
		const lines = r.stdout.split("\n").filter(Boolean);
		for (const [i, line] of lines.entries()) assert.deepEqual(validate(event, JSON.parse(line)), [], `line ${i + 1}: ${line.slice(0, 200)}`);
	});
});

describe("the validator", () => {
	const v = (schema, value) => validate(schema, value);
	test("types, null, enums, strings, numbers, arrays", () => {
		assert.deepEqual(v({ type: "integer" }, 3), []);
		assert.equal(v({ type: "integer" }, 3.5).length, 1);
		assert.deepEqual(v({ type: "number" }, 3), []);
		assert.equal(v({ type: "string" }, null).length, 1);
		assert.deepEqual(v({ type: "string", nullable: true }, null), []);
		assert.equal(v({ type: "string", nullable: true, enum: ["a"] }, null).length, 1, "a nullable enum must list null");
		assert.deepEqual(v({ type: "string", nullable: true, enum: ["a", null] }, null), []);
		assert.equal(v({ type: "string", enum: ["a"] }, "b").length, 1);
		assert.equal(v({ type: "string", pattern: "^P[1-4]$" }, "P5").length, 1);
		assert.equal(v({ type: "string", maxLength: 2 }, "订单号").length, 1);
		assert.deepEqual(v({ type: "string", maxLength: 3 }, "订单号"), []);
		assert.equal(v({ type: "integer", minimum: 1 }, 0).length, 1);
		assert.equal(v({ type: "array", items: { type: "string" } }, ["a", 1, "b", 2]).length, 2);
		assert.equal(v({ type: "array", minItems: 1 }, []).length, 1);
		assert.equal(v({ type: "object" }, []).length, 1);
		assert.equal(v({ type: "array" }, {}).length, 1);
	});
	test("objects, oneOf, $ref", () => {
		const obj = { type: "object", required: ["a"], properties: { a: { type: "string" } }, additionalProperties: false };
		assert.deepEqual(v(obj, { a: "x" }), []);
		assert.equal(v(obj, {}).length, 1);
		assert.equal(v(obj, { a: "x", b: 1 }).length, 1);
		assert.deepEqual(v({ ...obj, additionalProperties: true }, { a: "x", b: 1 }), []);
		assert.equal(v({ type: "object", additionalProperties: { type: "integer" } }, { x: "1" }).length, 1);
		const one = { oneOf: [{ type: "string" }, { type: "string", enum: ["x"] }, { type: "integer" }] };
		assert.deepEqual(v(one, 3), []);
		assert.equal(v(one, "x").length, 1, "two alternatives match");
		assert.equal(v(one, true).length, 1, "none matches");
		assert.deepEqual(v({ $ref: "#/components/schemas/Error" }, { error: "e", detail: null }), []);
		assert.equal(v({ $ref: "#/components/schemas/Error" }, { error: "e" }).length, 1);
		assert.throws(() => v({ $ref: "#/components/schemas/Nope" }, 1));
		assert.throws(() => v({ anyOf: [] }, 1), /not supported/);
	});
	test("checkResponse and templateOf", () => {
		assert.equal(templateOf("/api/v1/cases"), "/api/v1/cases");
		assert.equal(templateOf("/api/v1/cases/C00000001"), "/api/v1/cases/{id}");
		assert.equal(templateOf("/api/v1/cases?limit=2"), "/api/v1/cases");
		assert.equal(templateOf("/api/v1/orders/A%2FB"), "/api/v1/orders/{order_id}");
		assert.equal(templateOf("/api/v1/cases/"), null);
		assert.equal(templateOf("/api/v1/openapi.json"), "/api/v1/openapi.json");
		assert.equal(templateOf("/nope"), null);
		checkResponse("GET", "/api/v1/cases", 200, { cases: [], next_cursor: null });
		assert.throws(() => checkResponse("GET", "/api/v1/cases", 200, { cases: [] }), /next_cursor/);
		assert.throws(() => checkResponse("GET", "/api/v1/cases", 201, {}), /not documented/);
		assert.throws(() => checkResponse("GET", null, 200, {}), /404/);
		checkResponse("GET", null, 404, { error: "not found", detail: "/x" });
		checkResponse("DELETE", "/api/v1/cases", 405, { error: "method not allowed", detail: "DELETE" });
		checkResponse("GET", "/metrics", 200, "# HELP x\n", { contentType: "text/plain; version=0.0.4; charset=utf-8" });
		assert.throws(() => checkResponse("GET", "/metrics", 200, "x", { contentType: "text/html" }), /not documented/);
		const h = new Headers();
		assert.throws(() => checkResponse("GET", "/healthz", 429, { error: "rate limited", detail: "x" }, { headers: h }), /Retry-After/);
		h.set("retry-after", "1");
		checkResponse("GET", "/healthz", 429, { error: "rate limited", detail: "x" }, { headers: h });
	});
});
