// api.js - calls to ordex's JSON API with the session cookie: the CSRF
// token on every unsafe call, and a 401 (an expired or ended session)
// sends the user back to the login page.

let csrf = null;
let onExpired = () => {};

export const setCsrf = (token) => (csrf = token ?? null);
export const whenExpired = (fn) => (onExpired = fn);

export class ApiError extends Error {
	constructor(status, body) {
		super(body?.detail ? `${body.error}: ${body.detail}` : body?.error ?? `HTTP ${status}`);
		this.status = status;
		this.body = body;
	}
}

/* api("POST", "/api/v1/cases/C1/notes", {note}) -> the parsed answer.
 * body: an object (sent as JSON) or a string with opts.type. */
export async function api(method, path, body, opts = {}) {
	const headers = { accept: "application/json" };
	let payload;
	if (body !== undefined) {
		if (typeof body === "string") {
			payload = body;
			headers["content-type"] = opts.type ?? "text/plain";
		} else {
			payload = JSON.stringify(body);
			headers["content-type"] = "application/json";
		}
	}
	if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
	const r = await fetch(path, { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
	const text = await r.text();
	let json = null;
	if ((r.headers.get("content-type") ?? "").startsWith("application/json") && text) json = JSON.parse(text);
	if (r.status === 401 && !opts.noExpiry) {
		onExpired();
		throw new ApiError(401, json);
	}
	if (!r.ok) throw new ApiError(r.status, json);
	return opts.text ? text : json;
}

export const get = (path, opts) => api("GET", path, undefined, opts);
export const post = (path, body, opts) => api("POST", path, body, opts);
export const del = (path) => api("DELETE", path);

/* "/api/v1/cases" + {a: 1, b: ""} -> "/api/v1/cases?a=1" (empty values left out). */
export function withQuery(path, q) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
	const s = p.toString();
	return s ? `${path}?${s}` : path;
}
