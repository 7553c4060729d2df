// actions.js - the case page's merchant actions panel (docs/actions.md):
// the case's calls with their states and outcomes, approve / reject for a
// supervisor (cases:assign) on calls awaiting approval, and the form that
// asks for a call of one of the playbook's kinds, with a dry run that shows
// the request without sending it; and the compensation form
// (docs/compensation.md): a coupon, points, a partial refund or a gift
// within the user's limit, above which a supervisor approves.
import { post } from "../api.js";
import { clear, field, h, select } from "../dom.js";
import { en, enumValues, pick, t, time } from "../i18n.js";
import { may, mayWork, state } from "../state.js";
import { problem, toast } from "../app.js";
import { table } from "./common.js";

/* The params the form asks for per kind (docs/actions.md's table): those
 * ordex checks first (required), then the ones people usually send. */
const PARAMS = {
	refund: { required: ["amount"], more: ["payment_id", "reason"] },
	partial_refund: { required: ["amount"], more: ["payment_id", "reason"] },
	reship: { required: [], more: ["address", "note"] },
	cancel_order: { required: [], more: ["reason"] },
	mark_paid: { required: [], more: ["payment_id", "amount"] },
	update_address: { required: [], more: ["address", "phone", "name"] }, // address or phone
	intercept_shipment: { required: [], more: ["tracking_no", "reason"] },
	issue_coupon: { required: ["amount"], more: ["coupon_type", "expires_at"] },
	add_points: { required: ["points"], more: ["reason"] },
	send_message: { required: ["text"], more: [] },
	carrier_claim: { required: [], more: ["tracking_no", "amount", "reason"] },
	query_payment: { required: [], more: ["payment_id"] },
	query_tracking: { required: [], more: ["tracking_no"] },
	send_gift: { required: ["gift", "amount"], more: ["reason"] },
};
const DONE_STATES = new Set(["succeeded", "failed", "rejected"]);

/* Are some of the case's calls still on their way (worth reloading for)? */
export const callsPending = (c) => (c.calls ?? []).some((x) => x.state === "requested" || x.state === "running");

/* A kind's name: the playbook's words for it, else the generic one. */
export const kindName = (c, k) => pick((c.playbook?.actions ?? []).find((a) => a.kind === k)) || en("call_kind", k);

export function actionsPanel(c, reload) {
	const calls = c.calls ?? [];
	const kinds = c.playbook?.actions ?? [];
	const canRequest = mayWork(c) && c.status !== "closed" && kinds.length > 0;
	return h("section.panel.actions-panel", { dataset: { slot: "merchant-actions" } },
		h("h2", t("actions_panel")),
		kinds.length ? [h("h3", t("playbook_actions")), h("ul.plain", kinds.map((a) => h("li", pick(a), " ", h("span.code", a.kind))))] : null,
		h("h3", t("calls")),
		calls.length ? callsTable(calls, (k) => kindName(c, k), reload) : h("p.muted", t("calls_none")),
		canRequest ? requestForm(c, kinds, reload) : null,
		mayWork(c) && c.status === "closed" ? h("p.muted", t("call_closed")) : null,
		h("div.compensation", { dataset: { slot: "compensation" } },
			mayWork(c) && c.status !== "closed" ? compensationForm(c, reload) : null));
}

function outcome(x) {
	const o = x.outcome;
	if (!o) return "";
	const parts = [o.http_status ? `HTTP ${o.http_status}` : null, t("call_attempts", { n: o.attempts }), o.error];
	const result = o.result && Object.keys(o.result).length ? JSON.stringify(o.result) : null;
	return [parts.filter(Boolean).join(" · "), result ? h("span.code", result) : null];
}

function callsTable(calls, kindName, reload) {
	const approver = may("cases:assign");
	const decide = async (x, verb) => {
		try {
			await post(`/api/v1/actions/${encodeURIComponent(x.id)}/${verb}`, {});
			toast(t(verb === "approve" ? "call_approved" : "call_rejected", { id: x.id }));
			await reload();
		} catch (e) {
			toast(problem(e), true);
		}
	};
	const cols = [
		[t("call_id"), (x) => h("span.code", x.id)],
		[t("call_kind"), (x) => [kindName(x.kind), x.automatic ? h("span.muted", ` (${t("call_auto")})`) : null]],
		[t("call_state"), (x) => h(`span.status.call-${x.state}`, { dataset: { call: x.id } }, en("call_state", x.state))],
		[t("call_by"), (x) => [x.requested_by ?? "", h("br"), h("span.muted.small", time(x.requested_at, true))]],
		[t("call_approver"), (x) => x.approved_by ?? ""],
		[t("amount"), (x) => x.amount ?? ""],
		[t("comp_value"), (x) => compensationCell(x.compensation)],
		[t("call_outcome"), (x) => [outcome(x), x.done_at && DONE_STATES.has(x.state) ? h("span.muted.small", ` ${time(x.done_at, true)}`) : null]],
	];
	if (approver && calls.some((x) => x.state === "awaiting_approval"))
		cols.push(["", (x) => (x.state === "awaiting_approval" ? [
			h("button", { type: "button", "aria-label": `${t("approve")} ${x.id}`, on: { click: () => decide(x, "approve") } }, t("approve")), " ",
			h("button.danger", { type: "button", "aria-label": `${t("reject")} ${x.id}`, on: { click: () => decide(x, "reject") } }, t("reject"))] : null)]);
	return h("div.scroll", table(cols, calls, { class: "grid calls", "aria-label": t("calls") }));
}

function requestForm(c, kinds, reload) {
	const kind = select(kinds.map((a) => [a.kind, `${kindName(c, a.kind)} (${a.kind})`]), kinds[0].kind, { name: "call_kind" });
	const params = h("div.params");
	const inputs = {}; // kept across kinds, so a typed amount survives a change of kind
	const note = h("input", { name: "call_note", maxlength: 500, size: 30 });
	const out = h("div.call-out", { "aria-live": "polite" });
	const drawParams = () => {
		clear(params);
		const spec = PARAMS[kind.value] ?? { required: [], more: [] };
		for (const p of [...spec.required, ...spec.more]) {
			inputs[p] ??= h("input", { name: `param_${p}`, maxlength: 500, size: p === "text" || p === "address" ? 30 : 12,
				inputmode: p === "amount" || p === "points" ? "decimal" : null });
			inputs[p].required = spec.required.includes(p);
			params.append(field(`${en("param", p)} (${p})${inputs[p].required ? " *" : ""}`, inputs[p]));
		}
	};
	kind.addEventListener("change", () => { drawParams(); clear(out); });
	drawParams();
	const body = (dry) => {
		const spec = PARAMS[kind.value] ?? { required: [], more: [] };
		const p = {};
		for (const k of [...spec.required, ...spec.more]) {
			const v = inputs[k].value.trim();
			if (v) p[k] = k === "points" && /^\d+$/.test(v) ? Number(v) : v;
		}
		return { kind: kind.value, params: p, note: note.value.trim() || undefined, dry_run: dry };
	};
	const send = async (dry) => {
		const url = `/api/v1/cases/${encodeURIComponent(c.case_id)}/actions`;
		try {
			const r = await post(url, body(dry));
			if (dry) {
				const q = r.request;
				clear(out).append(h("p", t("call_would_send")), h("pre.request", `${q.method} ${q.url}\n` +
					Object.entries(q.headers).map(([k, v]) => `${k}: ${v}`).join("\n") + `\n\n${q.body}`));
				return;
			}
			const made = r.calls?.[r.calls.length - 1];
			toast(t("call_requested", { id: made?.id ?? "" }));
			for (const el of Object.values(inputs)) el.value = ""; // not kept as a draft once sent
			note.value = "";
			await reload();
		} catch (e) {
			clear(out).append(h("p.error", { role: "alert" }, problem(e)));
		}
	};
	const form = h("form.call-form", { on: { submit: (e) => { e.preventDefault(); send(false); } } },
		h("h3", t("call_request")),
		h("div.row", field(t("call_kind"), kind), field(t("call_note"), note)),
		params,
		h("div.field.buttons",
			h("button", { type: "button", on: { click: () => (form.reportValidity() ? send(true) : null) } }, t("call_dry_run")),
			h("button.primary", { type: "submit" }, t("call_submit"))),
		out);
	return form;
}

/* A call's compensation: kind and value, why it waited, a repeat flag. */
function compensationCell(k) {
	if (!k) return "";
	return [en("comp_kind", k.kind), " ", k.value,
		k.waited ? h("span.muted.small", ` (${en("comp_wait", k.waited)})`) : null,
		k.repeat ? [" ", h("span.repeat", t("comp_repeat", { n: k.repeat }))] : null];
}

/* What the user may give at once (GET /api/v1/me's compensation_limit). */
function limitText() {
	if (state.compLimit === null || state.compLimit === undefined) return t("comp_no_limit");
	return Number(state.compLimit) === 0 ? t("comp_none_allowed") : t("comp_limit", { limit: state.compLimit });
}

function compensationForm(c, reload) {
	const kind = select(enumValues("comp_kind").map((k) => [k, en("comp_kind", k)]), "coupon", { name: "comp_kind" });
	const inputs = {
		amount: h("input", { name: "comp_amount", inputmode: "decimal", size: 10, maxlength: 12 }),
		points: h("input", { name: "comp_points", inputmode: "numeric", size: 10, maxlength: 9, pattern: "[0-9]+" }),
		gift: h("input", { name: "comp_gift", size: 20, maxlength: 200 }),
		reason: h("input", { name: "comp_reason", size: 24, maxlength: 200 }),
	};
	const labels = { amount: en("param", "amount"), points: en("param", "points"), gift: t("comp_gift"), reason: t("comp_reason") };
	const fields = h("div.row");
	const out = h("div.comp-out", { "aria-live": "polite" });
	const shown = () => [kind.value === "points" ? "points" : "amount", ...(kind.value === "gift" ? ["gift"] : []), "reason"];
	const draw = () => {
		clear(fields);
		for (const k of shown()) {
			inputs[k].required = k !== "reason";
			fields.append(field(`${labels[k]}${inputs[k].required ? " *" : ""}`, inputs[k]));
		}
	};
	kind.addEventListener("change", () => { draw(); clear(out); });
	draw();
	const body = (dry) => {
		const b = { kind: kind.value, dry_run: dry };
		for (const k of shown()) {
			const v = inputs[k].value.trim();
			if (v) b[k] = k === "points" ? Number(v) : v;
		}
		return b;
	};
	const send = async (dry) => {
		try {
			const r = await post(`/api/v1/cases/${encodeURIComponent(c.case_id)}/compensations`, body(dry));
			if (dry) {
				clear(out).append(h("p", r.approval ? t("comp_would_wait", { why: en("comp_wait", r.approval) }) : t("comp_goes_now")));
				return;
			}
			const made = r.calls?.[r.calls.length - 1];
			const waited = made?.compensation?.waited;
			toast(waited ? t("comp_waits", { id: made.id, why: en("comp_wait", waited) }) : t("call_requested", { id: made?.id ?? "" }));
			for (const el of Object.values(inputs)) el.value = "";
			await reload();
		} catch (e) {
			clear(out).append(h("p.error", { role: "alert" }, problem(e)));
		}
	};
	const form = h("form.comp-form", { on: { submit: (e) => { e.preventDefault(); send(false); } } },
		h("h3", t("comp_title")),
		h("p.muted", limitText()),
		h("div.row", field(t("comp_kind"), kind)),
		fields,
		h("div.field.buttons",
			h("button", { type: "button", on: { click: () => (form.reportValidity() ? send(true) : null) } }, t("comp_check")),
			h("button.primary", { type: "submit" }, t("comp_submit"))),
		out);
	return form;
}
