// common.js - pieces several pages show: severity and status badges, SLA
// due times, the statuses a person may move a case to.
import { h } from "../dom.js";
import { duration, en, pick, t, time } from "../i18n.js";
import { state } from "../state.js";

export const DONE = new Set(["resolved", "closed", "auto_resolved"]);

/* desk.c's allowed[]: where a person may move a case from each status. */
export const MOVES = {
	open: ["acknowledged", "in_progress", "waiting_customer", "resolved"],
	acknowledged: ["in_progress", "waiting_customer", "resolved"],
	in_progress: ["waiting_customer", "resolved"],
	waiting_customer: ["in_progress", "resolved"],
	resolved: ["closed", "open"],
	closed: [],
	auto_resolved: ["closed", "open"],
};

export const sevBadge = (sev) => h(`span.sev.sev-${(sev ?? "").toLowerCase()}`, sev);
export const statusBadge = (st) => h(`span.status.st-${st}`, en("status", st));
export const ruleTitle = (rule) => (state.rules[rule] ? pick(state.rules[rule].title) : rule);

/* The deadline that matters now: respond until answered, then resolve. */
export function nextDue(c) {
	if (DONE.has(c.status)) return null;
	const s = c.sla ?? {};
	return s.responded_at ? { at: s.resolve_due, breached: s.resolve_breached_at } : { at: s.respond_due, breached: s.respond_breached_at };
}

/* "11-11 10:05 · overdue by 2h" with a class saying how urgent. */
export function dueCell(c, now = Date.now()) {
	const d = nextDue(c);
	if (!d?.at) return h("span.muted", "—");
	const left = Date.parse(d.at) - now;
	const late = d.breached || left < 0;
	// the server's word on a breach stands even when the event clock runs
	// ahead of this browser's (a replay, a demo played fast)
	const since = now - Date.parse(d.breached ?? d.at);
	const say = !late ? t("remaining", { d: duration(left) }) : since >= 0 ? t("overdue", { d: duration(since) }) : t("sla_breached");
	return h(`span.due${late ? ".late" : left < 3600e3 ? ".soon" : ""}`, { title: time(d.at) }, time(d.at, true), " · ", say);
}

/* A table from rows and [header, cell(row)] columns. */
export function table(cols, rows, attrs = {}) {
	return h("table.grid", attrs,
		h("thead", h("tr", cols.map(([head]) => h("th", { scope: "col" }, head)))),
		h("tbody", rows.length ? rows.map((r) => h("tr", cols.map(([, cell]) => h("td", cell(r)))))
			: h("tr", h("td.empty", { colSpan: cols.length }, t("none")))));
}

export const section = (title, ...body) => h("section.panel", h("h2", title), ...body);
