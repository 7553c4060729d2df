// openapi.mjs - docs/openapi.json as a test oracle: a validator for the JSON
// Schema subset the document uses, and checkResponse() for any answer the
// daemon gives.
//
// Supported keywords: type, nullable, enum, properties, required,
// additionalProperties (boolean or schema), items, minItems, maxItems,
// oneOf, $ref (local "#/..."), pattern, minLength, maxLength, minimum,
// maximum. Annotations (description, example, default, format, title,
// discriminator) are ignored. Any other keyword is an error, so the
// document cannot silently use something this validator does not check.
import assert from "node:assert/strict";
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./lib.mjs";

export const SPEC_FILE = join(ROOT, "docs/openapi.json");
export const spec = JSON.parse(readFileSync(SPEC_FILE, "utf8"));
export const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

const ANNOTATIONS = new Set(["description", "example", "default", "format", "title", "discriminator", "deprecated", "readOnly", "writeOnly", "externalDocs", "xml"]);
const KEYWORDS = new Set(["$ref", "type", "nullable", "enum", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "oneOf", "pattern", "minLength", "maxLength", "minimum", "maximum"]);

/* The node a local $ref points at. */
export function resolveRef(ref, doc = spec) {
	assert.ok(ref.startsWith("#/"), `only local $ref are supported: ${ref}`);
	let node = doc;
	for (const part of ref.slice(2).split("/")) {
		const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
		assert.ok(node && Object.hasOwn(node, key), `unresolvable $ref ${ref}`);
		node = node[key];
	}
	return node;
}

function typeOf(v) {
	if (v === null) return "null";
	if (Array.isArray(v)) return "array";
	if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
	return typeof v; // string, boolean, object
}

const patterns = new Map();
function regex(p) {
	if (!patterns.has(p)) patterns.set(p, new RegExp(p, "u"));
	return patterns.get(p);
}

/* Errors of value against schema: a list of "where: what" strings (empty when valid). */
export function validate(schema, value, where = "$", errors = [], doc = spec) {
	for (const k of Object.keys(schema))
		if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k) && !k.startsWith("x-"))
			throw new Error(`${where}: schema keyword "${k}" is not supported by this validator`);
	if (schema.$ref) return validate(resolveRef(schema.$ref, doc), value, where, errors, doc);
	if (value === null) {
		// OpenAPI 3.0: null is valid only with nullable (an enum must list it too).
		if (schema.nullable === true && (!schema.enum || schema.enum.includes(null))) return errors;
		if (schema.type !== undefined || schema.properties || schema.items) {
			errors.push(`${where}: null where ${schema.type ?? "a value"} is required (not nullable)`);
			return errors;
		}
	}
	if (schema.oneOf) {
		const ok = schema.oneOf.filter((s) => validate(s, value, where, [], doc).length === 0);
		if (ok.length !== 1) {
			const detail = ok.length === 0
				? schema.oneOf.map((s, i) => `  [${i}] ${validate(s, value, where, [], doc).slice(0, 3).join("; ")}`).join("\n")
				: "";
			errors.push(`${where}: matches ${ok.length} of the oneOf schemas, expected exactly 1${detail ? "\n" + detail : ""}`);
		}
	}
	if (schema.type !== undefined) {
		const t = typeOf(value);
		const okType = t === schema.type || (schema.type === "number" && t === "integer");
		if (!okType) {
			errors.push(`${where}: ${t} where ${schema.type} is required (${JSON.stringify(value)?.slice(0, 80)})`);
			return errors;
		}
	}
	if (schema.enum && !schema.enum.some((e) => e === value))
		errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
	if (typeof value === "string") {
		const n = [...value].length;
		if (schema.minLength !== undefined && n < schema.minLength) errors.push(`${where}: shorter than ${schema.minLength}`);
		if (schema.maxLength !== undefined && n > schema.maxLength) errors.push(`${where}: longer than ${schema.maxLength}`);
		if (schema.pattern !== undefined && !regex(schema.pattern).test(value))
			errors.push(`${where}: ${JSON.stringify(value)} does not match /${schema.pattern}/`);
	}
	if (typeof value === "number") {
		if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${where}: ${value} < minimum ${schema.minimum}`);
		if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${where}: ${value} > maximum ${schema.maximum}`);
	}
	if (Array.isArray(value)) {
		if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${where}: fewer than ${schema.minItems} items`);
		if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${where}: more than ${schema.maxItems} items`);
		if (schema.items) value.forEach((v, i) => validate(schema.items, v, `${where}[${i}]`, errors, doc));
	}
	if (typeOf(value) === "object") {
		for (const k of schema.required ?? [])
			if (!Object.hasOwn(value, k)) errors.push(`${where}: required property "${k}" is missing`);
		const props = schema.properties ?? {};
		for (const [k, v] of Object.entries(value)) {
			if (Object.hasOwn(props, k)) validate(props[k], v, `${where}.${k}`, errors, doc);
			else if (schema.additionalProperties === false) errors.push(`${where}: property "${k}" is not in the schema`);
			else if (schema.additionalProperties && typeof schema.additionalProperties === "object")
				validate(schema.additionalProperties, v, `${where}.${k}`, errors, doc);
		}
	}
	return errors;
}

/* The spec's path template that a concrete path (without query) matches, or
 * null. A {param} matches one non-empty segment; literal paths win. */
export function templateOf(path) {
	const p = path.split("?")[0];
	const templates = Object.keys(spec.paths);
	if (templates.includes(p)) return p;
	for (const t of templates) {
		if (!t.includes("{")) continue;
		const re = new RegExp("^" + t.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+") + "$");
		if (re.test(p)) return t;
	}
	return null;
}

function resolveResponse(r) {
	return r && r.$ref ? resolveResponse(resolveRef(r.$ref)) : r;
}

/* The documented response for (method, pathTemplate, status): an unknown
 * path is components.responses.NotFound, a known path with an undocumented
 * method components.responses.MethodNotAllowed; a 429 may come from any
 * request (the rate limit is checked before routing). */
export function responseSpec(method, pathTemplate, status) {
	const m = method.toLowerCase();
	const item = pathTemplate === null ? undefined : spec.paths[pathTemplate];
	if (status === 429) return { where: "components.responses.RateLimited", resp: resolveResponse(spec.components.responses.RateLimited) };
	if (!item) {
		assert.equal(status, 404, `${method} ${pathTemplate}: not a documented path, so only 404 is expected, got ${status}`);
		return { where: "components.responses.NotFound", resp: resolveResponse(spec.components.responses.NotFound) };
	}
	if (!item[m]) {
		assert.equal(status, 405, `${method} ${pathTemplate}: not a documented method of this path, so only 405 is expected, got ${status}`);
		return { where: "components.responses.MethodNotAllowed", resp: resolveResponse(spec.components.responses.MethodNotAllowed) };
	}
	const resp = item[m].responses[String(status)];
	assert.ok(resp, `${method} ${pathTemplate}: status ${status} is not documented (documented: ${Object.keys(item[m].responses).join(", ")})`);
	return { where: `paths["${pathTemplate}"].${m}.responses.${status}`, resp: resolveResponse(resp) };
}

/* Which (method, path, status) answers were checked: with
 * $ORDEX_HTTP_COVERAGE set, appended to that file at exit, one per line, so
 * that tests/run-http.sh can list the documented answers no test saw. */
const seen = new Set();
process.on("exit", () => {
	if (process.env.ORDEX_HTTP_COVERAGE && seen.size) appendFileSync(process.env.ORDEX_HTTP_COVERAGE, [...seen].join("\n") + "\n");
});

/* Every documented (METHOD path status), for the coverage summary. */
export function documentedResponses() {
	const out = [];
	for (const [path, item] of Object.entries(spec.paths))
		for (const m of METHODS) if (item[m]) for (const st of Object.keys(item[m].responses)) out.push(`${m.toUpperCase()} ${path} ${st}`);
	return out;
}

/* Assert that an answer conforms to docs/openapi.json. body: the parsed JSON
 * (or the text for a non-JSON answer). opts.contentType and opts.headers (a
 * Headers) are checked when given: the media type must be documented, and
 * every header the response documents as required must be present and valid. */
export function checkResponse(method, pathTemplate, status, body, opts = {}) {
	const { where, resp } = responseSpec(method, pathTemplate, status);
	seen.add(`${method.toUpperCase()} ${pathTemplate ?? "(unknown path)"} ${status}`);
	const content = resp.content ?? {};
	const types = Object.keys(content);
	let mediaType;
	if (opts.contentType !== undefined) {
		const base = opts.contentType.split(";")[0].trim().toLowerCase();
		assert.ok(types.includes(base), `${method} ${pathTemplate} ${status}: Content-Type ${opts.contentType} is not documented (${types.join(", ")}) at ${where}`);
		mediaType = base;
	} else {
		mediaType = typeof body === "string" && types.includes("text/plain") ? "text/plain" : "application/json";
	}
	const schema = content[mediaType]?.schema;
	assert.ok(schema, `${method} ${pathTemplate} ${status}: no ${mediaType} schema at ${where}`);
	const errors = validate(schema, body, "body");
	assert.deepEqual(errors, [], `${method} ${pathTemplate} ${status} does not conform to ${where}:\n${errors.slice(0, 20).join("\n")}`);
	if (opts.headers) {
		for (const [name, h] of Object.entries(resp.headers ?? {})) {
			const v = opts.headers.get(name);
			if (h.required) assert.ok(v !== null, `${method} ${pathTemplate} ${status}: required header ${name} is missing (${where})`);
			if (v !== null && h.schema) {
				const val = h.schema.type === "integer" && /^-?[0-9]+$/.test(v) ? Number(v) : v;
				const errs = validate(h.schema, val, `header ${name}`);
				assert.deepEqual(errs, [], `${method} ${pathTemplate} ${status}: header ${name}: ${errs.join("; ")}`);
			}
		}
	}
}

/* checkResponse() on a response of lib.mjs's Daemon.request(). */
export function checkHttp(method, path, res) {
	checkResponse(method, templateOf(path), res.status, res.json !== undefined ? res.json : res.text, {
		contentType: res.contentType,
		headers: res.headers,
	});
	return res;
}
