// case.js - one case: reasons, SLA timers and escalation, status moves and
// assignment, the playbook checklist, the customer message composer with
// previews, the resolution form, the merchant actions (actions.js), the
// whole order and the timeline. While a call is on its way the page reads
// the case again every few seconds.
import { ApiError, get, post } from "../api.js";
import { clear, field, h, select } from "../dom.js";
import { en, getLang, pick, t, time } from "../i18n.js";
import { may, mayWork, state } from "../state.js";
import { problem, toast } from "../app.js";
import { orderPanel } from "./order.js";
import { actionsPanel, callsPending, kindName } from "./actions.js";
import { DONE, MOVES, dueCell, ruleTitle, section, sevBadge, statusBadge } from "./common.js";

const CALL_POLL_MS = 2000;

export function casePage(main, id) {
	let stopped = false, timer = null;
	const load = async (focusSel) => {
		clearTimeout(timer);
		try {
			const c = await get(`/api/v1/cases/${encodeURIComponent(id)}`);
			const o = c.order_id ? await get(`/api/v1/orders/${encodeURIComponent(c.order_id)}`).catch((e) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e))) : null;
			if (stopped) return;
			// what the user was typing (a message, a resolution) survives the
			// redraw, and so does the focus (a redraw while a call runs)
			const drafts = [...main.querySelectorAll("input[name], select[name], textarea[name]")].map((el) => [el.name, el.value]);
			const was = main.contains(document.activeElement) && document.activeElement.name ? document.activeElement : null;
			clear(main).append(page(c, o, load));
			for (const [name, value] of drafts) {
				const el = main.querySelector(`[name="${CSS.escape(name)}"]`);
				if (el && el.type !== "checkbox" && el.value !== value) {
					el.value = value;
					el.dispatchEvent(new Event("change"));
				}
			}
			if (focusSel) main.querySelector(focusSel)?.focus();
			else if (was) refocus(main, was);
			if (callsPending(c)) timer = setTimeout(() => load(), CALL_POLL_MS);
		} catch (e) {
			if (!stopped) clear(main).append(h("p.error", { role: "alert" }, problem(e)), h("a", { href: "#/queue" }, t("back_queue")));
		}
	};
	main.append(h("p.loading", t("loading")));
	load();
	return () => {
		stopped = true;
		clearTimeout(timer);
	};
}

/* Focus the redrawn control of the same name, the caret where it was. */
function refocus(main, was) {
	const el = main.querySelector(`[name="${CSS.escape(was.name)}"]`);
	if (!el) return;
	el.focus();
	if (typeof was.selectionStart === "number" && typeof el.selectionStart === "number") el.setSelectionRange(was.selectionStart, was.selectionEnd);
}

/* Run an action on the case, then show the case again. */
async function act(c, what, body, reload, focusSel) {
	try {
		await post(`/api/v1/cases/${encodeURIComponent(c.case_id)}/${what}`, body);
		toast(t("saved"));
		await reload(focusSel);
		return true;
	} catch (e) {
		toast(problem(e), true);
		return false;
	}
}

function page(c, o, reload) {
	const work = mayWork(c);
	const reasons = getLang() === "en" ? c.reasons_en : c.reasons;
	return h("div.case-page",
		h("p", h("a", { href: "#/queue" }, "← ", t("back_queue"))),
		h("header.case-head",
			h("h1", sevBadge(c.severity), " ", c.case_id, " · ", ruleTitle(c.rule)),
			h("p.meta", statusBadge(c.status), " ", h("span.code", c.rule), " · ", en("category", c.category), " · ",
				t("team"), " ", en("team", c.team), " · ", t("assignee"), " ", c.assignee ?? t("unassigned"), " · ", time(c.opened_at))),
		h("div.cols",
			h("div.col",
				section(t("reasons"), h("ul.reasons", (reasons ?? []).map((r) => h("li", r)))),
				slaPanel(c),
				work ? workPanel(c, reload) : null,
				checklistPanel(c, work, reload),
				work && MOVES[c.status].includes("resolved") ? resolvePanel(c, reload) : null,
				composerPanel(c),
				actionsPanel(c, reload),
				section(t("timeline"), timeline(c))),
			h("div.col", o ? orderPanel(o) : section(t("order"), h("p.muted", c.order_id ? t("not_found") : t("order_none"))))));
}

function slaPanel(c) {
	const s = c.sla ?? {};
	const row = (label, v) => (v ? [h("dt", label), h("dd", v)] : null);
	return section(t("sla"),
		h("dl.kv",
			row(t("respond_due"), time(s.respond_due)),
			row(t("responded_at"), time(s.responded_at)),
			row(t("resolve_due"), time(s.resolve_due)),
			row(t("paused_since"), time(s.paused_since)),
			row(t("breached_at"), [s.respond_breached_at, s.resolve_breached_at].filter(Boolean).map((x) => time(x)).join(" / ")),
			h("dt", t("esc_level")), h("dd", h("span.esc", t("level", { n: c.escalation_level }))),
			DONE.has(c.status) ? null : [h("dt", t("col_due")), h("dd", dueCell(c))]));
}

function workPanel(c, reload) {
	const moves = MOVES[c.status].filter((s) => s !== "resolved");
	const note = h("textarea", { name: "note", rows: 2, maxlength: 2000 });
	const parts = [
		moves.length ? h("div.moves", h("span", t("transition_to"), ": "), moves.map((s) =>
			h("button", { type: "button", dataset: { to: s }, on: { click: () => act(c, "transition", { to: s }, reload) } }, en("status", s)))) : null,
	];
	if (may("cases:assign")) {
		const who = h("input", { name: "assignee", value: c.assignee ?? "", maxlength: 63, size: 12 });
		const team = select(state.teams.map((x) => [x, en("team", x)]), c.team, { name: "team" });
		parts.push(h("form.inline", { on: { submit: (e) => { e.preventDefault(); act(c, "assign", { assignee: who.value.trim() || undefined, team: team.value }, reload); } } },
			field(t("assignee"), who), field(t("team"), team), h("button", { type: "submit" }, t("assign"))));
	} else if (c.assignee !== (state.me.user ?? state.me.name)) {
		parts.push(h("button", { type: "button", on: { click: () => act(c, "assign", { assignee: state.me.user ?? state.me.name }, reload) } }, t("assign_to_me")));
	}
	const addNote = async (e) => {
		e.preventDefault();
		const text = note.value.trim();
		if (!text) return;
		note.value = ""; // not kept as a draft once saved
		if (!(await act(c, "notes", { note: text }, reload))) note.value = text;
	};
	parts.push(h("form.inline", { on: { submit: addNote } },
		field(t("note"), note), h("button", { type: "submit" }, t("add_note"))));
	return section(t("status_actions"), ...parts);
}

function checklistPanel(c, work, reload) {
	const items = c.playbook?.checklist ?? [];
	if (!items.length) return section(t("checklist"), h("p.muted", t("checklist_none")));
	const canTick = work && c.status !== "closed";
	return section(t("checklist"), h("ul.checklist", items.map((it) => {
		const box = h("input", { type: "checkbox", id: `chk-${it.id}`, checked: c.checked.includes(it.id), disabled: !canTick, dataset: { item: it.id } });
		box.addEventListener("change", () => act(c, "checklist", { item: it.id, done: box.checked }, reload, `#chk-${it.id}`));
		return h("li", box, h("label", { for: box.id }, pick(it)));
	})));
}

function resolvePanel(c, reload) {
	const tax = state.taxonomy;
	const names = Object.fromEntries(tax.resolutions.map((r) => [r.code, r]));
	const codes = c.playbook?.resolutions ?? tax.categories.find((x) => x.category === c.category)?.resolutions ?? [];
	const code = select([["", t("choose")], ...codes.map((k) => [k, names[k] ? pick(names[k]) : k])], "", { name: "resolution", required: true });
	const cause = select([["", t("choose")], ...tax.root_causes.map((r) => [r.code, pick(r)])], "", { name: "root_cause", required: true });
	const note = h("textarea", { name: "resolve_note", rows: 3, maxlength: 2000, required: true });
	return section(t("resolve_form"), h("form.resolve", {
		on: { submit: (e) => { e.preventDefault(); act(c, "transition", { to: "resolved", resolution: code.value, root_cause: cause.value, note: note.value.trim() }, reload); } },
	}, field(t("resolution"), code), field(t("root_cause"), cause), field(t("resolve_note"), note),
	h("button.primary", { type: "submit" }, t("resolve_submit"))));
}

function composerPanel(c) {
	const tpls = c.playbook?.templates ?? [];
	if (!tpls.length) return section(t("composer"), h("p.muted", t("preview_none")));
	const step = select(tpls.map((x) => [x.step, pick(x.label)]), tpls[0].step, { name: "step" });
	const lang = select([["zh", "中文"], ["en", "English"]], getLang(), { name: "msg_lang" });
	const vars = h("div.vars");
	const out = h("div.preview", { "aria-live": "polite" });
	const inputs = {};
	const drawVars = () => {
		clear(vars);
		const tpl = tpls.find((x) => x.step === step.value);
		for (const v of tpl.variables) {
			if (v === "order_id" || v === "sku") continue; // the case fills them
			inputs[v] ??= h("input", { name: `var_${v}`, maxlength: 500, size: 14 });
			const name = en("var", v);
			vars.append(field(name === v ? v : `${name} (${v})`, inputs[v]));
		}
	};
	step.addEventListener("change", drawVars);
	drawVars();
	return section(t("composer"), h("form.composer", {
		on: {
			submit: async (e) => {
				e.preventDefault();
				const tpl = tpls.find((x) => x.step === step.value);
				const values = {};
				for (const v of tpl.variables) if (inputs[v]?.value.trim()) values[v] = inputs[v].value.trim();
				try {
					const r = await post(`/api/v1/cases/${encodeURIComponent(c.case_id)}/messages/preview`, { step: step.value, lang: lang.value, vars: values });
					clear(out).append(h("p.msg", { lang: lang.value === "zh" ? "zh-CN" : "en" }, r.text),
						r.missing.length ? h("p.hint", t("preview_missing", { v: r.missing.join(", ") })) : null);
				} catch (err) {
					clear(out).append(h("p.error", problem(err)));
				}
			},
		},
	}, h("div.row", field(t("template"), step), field(t("msg_lang"), lang)), vars, h("button", { type: "submit" }, t("preview")), out));
}

/* A timeline note as a reader wants it: names instead of codes, the
 * automation's "zh / en" notes in the page's language. People's notes
 * (status changes, notes) are shown as they wrote them. */
const NOTES = {
	routed: (n) => en("team", n),
	sla_breached: (n) => en("sla_kind", n),
	escalated: (n) => n.replace(/^level (\d+)/, (_, l) => t("level", { n: l })),
	checked: (n, c) => checkItem(n, c),
	unchecked: (n, c) => checkItem(n, c),
	call: (n, c) => {
		const m = /^([a-z_]+) (\S+) (.+)$/.exec(n); // "refund C00000042-1 requested"
		return m ? `${kindName(c, m[1])} ${m[2]} ${en("call_step", m[3])}` : n;
	},
	csat: (n) => n.replace(/^([1-5])\b ?/, "$1/5 "), // "score comment"
	auto: (n) => bilingual(n),
	reminded: (n) => bilingual(n),
};
function checkItem(id, c) {
	const it = (c.playbook?.checklist ?? []).find((x) => x.id === id);
	return it ? pick(it) : id;
}
function bilingual(n) {
	const at = n.indexOf(" / ");
	return at < 0 ? n : getLang() === "en" ? n.slice(at + 3) : n.slice(0, at);
}

function timeline(c) {
	return h("ol.timeline", (c.timeline ?? []).slice().reverse().map((e) => h("li", { dataset: { action: e.action } },
		h("time", time(e.at)), " ",
		h("strong", en("action", e.action)), e.from || e.to ? ` ${e.from ? en("status", e.from) : ""} → ${e.to ? en("status", e.to) : ""}` : "",
		e.actor ? h("span.muted", ` · ${e.actor}`) : null,
		e.note ? h("div.note", NOTES[e.action] ? NOTES[e.action](e.note, c) : e.note) : null)));
}
