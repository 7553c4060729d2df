// queue.js - the work queue: filters (kept in the URL), counts per status,
// cases sorted by SLA due time (by the server: sort=due), bulk assign and
// transition, live updates by polling without reloading, and "load more"
// with the cursor.
import { get, post, withQuery } from "../api.js";
import { append, clear, field, h, select } from "../dom.js";
import { en, enumValues, t, time } from "../i18n.js";
import { may, mayWork, state } from "../state.js";
import { problem, toast } from "../app.js";
import { DONE, dueCell, ruleTitle, sevBadge, statusBadge } from "./common.js";

const PAGE = 200; // cases per page; #/queue?limit=N says otherwise (1..1000)
const POLL_MS = 5000;
const FILTERS = ["category", "rule", "severity", "status", "team", "assignee", "sla", "order_id", "channel", "shop", "call_state"];
const STATUSES = enumValues("status");

export function queuePage(main, query) {
	const params = new URLSearchParams(query);
	const filter = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""]));
	const sort = params.get("sort") === "new" ? "new" : "due";
	const limit = Number(params.get("limit"));
	const page = Number.isInteger(limit) && limit >= 1 && limit <= 1000 ? limit : PAGE;
	let rows = [];          // the cases loaded, in the server's order
	let cursor = null;      // the next page's cursor
	const selected = new Set();
	const trs = new Map();  // case_id -> {json, tr}
	let timer = null, stopped = false;

	const go = (f, s = sort) => {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
		if (s !== "due") q.set("sort", s);
		if (page !== PAGE) q.set("limit", page);
		const qs = q.toString();
		location.hash = qs ? `#/queue?${qs}` : "#/queue";
	};

	// ---- the filter form
	const opt = (kind) => [["", t("any")], ...enumValues(kind).map((v) => [v, en(kind, v)])];
	const controls = {
		category: select(opt("category"), filter.category, { name: "category" }),
		rule: select([["", t("any")], ...Object.keys(state.rules).filter((r) => !filter.category || state.rules[r].category === filter.category)
			.map((r) => [r, `${ruleTitle(r)} (${r})`])], filter.rule, { name: "rule" }),
		severity: select([["", t("any")], "P1", "P2", "P3", "P4"], filter.severity, { name: "severity" }),
		status: select(opt("status"), filter.status, { name: "status" }),
		team: select([["", t("any")], ...state.teams.map((x) => [x, en("team", x)])], filter.team, { name: "team" }),
		assignee: h("input", { name: "assignee", value: filter.assignee, maxlength: 63, size: 10 }),
		sla: select([["", t("any")], ["breached", t("sla_breached")], ["due_soon", t("sla_due_soon")]], filter.sla, { name: "sla" }),
		order_id: h("input", { name: "order_id", value: filter.order_id, maxlength: 256, size: 16 }),
		channel: h("input", { name: "channel", value: filter.channel, maxlength: 256, size: 8 }), // the order's channel and shop (exact)
		shop: h("input", { name: "shop", value: filter.shop, maxlength: 256, size: 10 }),
		// a call waiting for a supervisor's approval (or failed): the approvals' queue
		call_state: select([["", t("any")], ...enumValues("call_state").map((v) => [v, en("call_state", v)])], filter.call_state,
			{ name: "call_state" }),
	};
	const sortSel = select([["due", t("sort_due")], ["new", t("sort_new")]], sort, { name: "sort" });
	const readForm = () => Object.fromEntries(FILTERS.map((k) => [k, controls[k].value.trim()]));
	for (const k of ["category", "rule", "severity", "status", "team", "sla"]) controls[k].addEventListener("change", () => go(readForm(), sortSel.value));
	sortSel.addEventListener("change", () => go(readForm(), sortSel.value));
	const form = h("form.filters", { role: "search", on: { submit: (e) => { e.preventDefault(); go(readForm(), sortSel.value); } } },
		field(t("f_category"), controls.category), field(t("f_rule"), controls.rule), field(t("f_severity"), controls.severity),
		field(t("f_status"), controls.status), field(t("f_team"), controls.team), field(t("f_assignee"), controls.assignee),
		field(t("f_sla"), controls.sla), field(t("f_order"), controls.order_id),
		field(t("f_channel"), controls.channel), field(t("f_shop"), controls.shop), field(t("f_call_state"), controls.call_state),
		field(t("f_sort"), sortSel),
		h("div.field.buttons", h("button.primary", { type: "submit" }, t("apply")),
			h("button", { type: "button", on: { click: () => go({}) } }, t("reset"))));

	// ---- counts per status: tabs that set the status filter
	const tabs = h("div.tabs", { role: "group", "aria-label": t("f_status") });
	function renderCounts(c) {
		clear(tabs);
		const tab = (value, label, n) => h("button.tab", { type: "button", "aria-pressed": String(filter.status === value), dataset: { status: value },
			on: { click: () => go({ ...filter, status: value }) } }, label, " ", h("span.count", String(n)));
		append(tabs, [tab("", t("all_statuses"), c.total), STATUSES.map((s) => tab(s, en("status", s), c.counts[s]))]);
	}

	// ---- bulk actions
	const workable = may("cases:work");
	const bulkInfo = h("span.muted");
	const bulk = h("div.bulk", { hidden: true });
	if (workable) {
		const moveSel = select([["", t("choose")], ...["acknowledged", "in_progress", "waiting_customer", "closed", "open"].map((s) => [s, en("status", s)])], "", { name: "bulk_to" });
		const parts = [bulkInfo, field(t("bulk_to"), moveSel), h("button", { type: "button", on: { click: () => moveSel.value && runBulk("transition", { to: moveSel.value }) } }, t("bulk_go"))];
		if (may("cases:assign")) {
			const who = h("input", { name: "bulk_assignee", maxlength: 63, size: 10 });
			parts.push(field(t("bulk_assign"), who), h("button", { type: "button", on: { click: () => who.value.trim() && runBulk("assign", { assignee: who.value.trim() }) } }, t("assign")));
		} else {
			parts.push(h("button", { type: "button", on: { click: () => runBulk("assign", { assignee: state.me.user ?? state.me.name }) } }, t("assign_to_me")));
		}
		bulk.append(...parts);
	}
	async function runBulk(what, body) {
		let ok = 0, fail = 0, last = "";
		for (const id of [...selected]) {
			try {
				await post(`/api/v1/cases/${encodeURIComponent(id)}/${what}`, body);
				ok++;
				selected.delete(id);
			} catch (e) {
				fail++;
				last = problem(e);
			}
		}
		toast(t("bulk_done", { ok, fail }) + (last ? ` — ${last}` : ""), fail > 0);
		await refresh();
	}

	// ---- the table
	const selectAll = h("input", { type: "checkbox", "aria-label": t("select_all") });
	selectAll.addEventListener("change", () => {
		for (const c of rows) if (selectAll.checked && mayWork(c)) selected.add(c.case_id); else selected.delete(c.case_id);
		paint(true);
	});
	const tbody = h("tbody");
	const cols = [workable ? h("th.narrow", { scope: "col" }, selectAll) : null,
		...["col_sev", "col_case", "col_rule", "col_key", "col_team", "col_assignee", "col_status", "col_due", "col_opened", "col_esc"]
			.map((k) => h("th", { scope: "col" }, t(k)))];
	const grid = h("table.grid.queue", h("caption.sr", t("nav_queue")), h("thead", h("tr", cols)), tbody);
	const more = h("button", { type: "button", hidden: true, on: { click: loadMore } }, t("load_more"));
	const status = h("p.muted.small", { "aria-live": "polite" });

	function row(c) {
		const link = h("a.case-link", { href: `#/cases/${encodeURIComponent(c.case_id)}` }, c.case_id);
		const cells = [
			workable ? h("td.narrow", mayWork(c) ? h("input.pick", { type: "checkbox", checked: selected.has(c.case_id), "aria-label": `${t("col_select")} ${c.case_id}`,
				on: { change: (e) => { e.target.checked ? selected.add(c.case_id) : selected.delete(c.case_id); paint(true); } } }) : null) : null,
			h("td", sevBadge(c.severity)),
			h("td", link),
			h("td.rule", h("span", ruleTitle(c.rule)), h("span.code", c.rule)),
			h("td.key", c.order_id ?? c.sku ?? c.group ?? ""),
			h("td", en("team", c.team)),
			h("td", c.assignee ?? h("span.muted", t("unassigned"))),
			h("td", statusBadge(c.status)),
			h("td", dueCell(c)),
			h("td", time(c.opened_at, true)),
			h("td.num", String(c.escalation_level)),
		];
		// a click anywhere on the row opens the case (the keyboard has the link)
		const open = (e) => { if (!e.target.closest("a, input, button")) location.hash = link.getAttribute("href"); };
		return h(`tr${DONE.has(c.status) ? ".done" : ""}`, { dataset: { id: c.case_id }, on: { click: open } }, cells);
	}

	/* Put the rows in the table, re-using the ones that did not change so
	 * that focus and selection stay where they were. */
	function paint(force = false) {
		const focusId = document.activeElement?.closest?.("tr")?.dataset?.id;
		const focusPick = document.activeElement?.classList?.contains("pick");
		const seen = new Set();
		const list = rows; // in the server's order (sort=due or newest first)
		list.forEach((c, i) => {
			const json = JSON.stringify(c) + selected.has(c.case_id);
			let e = trs.get(c.case_id);
			if (!e || e.json !== json || force) {
				const tr = row(c);
				if (e) e.tr.replaceWith(tr);
				e = { json, tr };
				trs.set(c.case_id, e);
			}
			seen.add(c.case_id);
			if (tbody.children[i] !== e.tr) tbody.insertBefore(e.tr, tbody.children[i] ?? null);
		});
		for (const [id, e] of trs) if (!seen.has(id)) { e.tr.remove(); trs.delete(id); }
		while (tbody.children.length > list.length) tbody.lastChild.remove();
		if (!list.length) tbody.append(h("tr", h("td.empty", { colspan: cols.filter(Boolean).length }, t("no_cases"))));
		if (focusId && trs.get(focusId) && !trs.get(focusId).tr.contains(document.activeElement))
			trs.get(focusId).tr.querySelector(focusPick ? ".pick" : ".case-link")?.focus();
		for (const id of selected) if (!trs.has(id)) selected.delete(id);
		bulk.hidden = selected.size === 0;
		bulkInfo.textContent = `${t("selected")} ${selected.size}`;
		selectAll.checked = rows.length > 0 && rows.every((c) => !mayWork(c) || selected.has(c.case_id));
		more.hidden = !cursor;
	}

	const apiFilter = () => ({ ...Object.fromEntries(Object.entries(filter).filter(([, v]) => v)), sort });

	async function refresh() {
		try {
			const n = Math.min(1000, Math.max(page, rows.length)); // as many as are shown
			const { sort: _, ...countFilter } = apiFilter();
			const [list, counts] = await Promise.all([get(withQuery("/api/v1/cases", { ...apiFilter(), limit: n })),
				get(withQuery("/api/v1/cases/counts", countFilter))]);
			if (stopped) return;
			rows = list.cases;
			cursor = list.next_cursor;
			renderCounts(counts);
			paint();
			status.textContent = `${t("shown")} ${rows.length} · ${t("updated_at")} ${time(new Date().toISOString())}`;
		} catch (e) {
			if (!stopped) status.textContent = problem(e);
		}
	}

	async function loadMore() {
		try {
			const list = await get(withQuery("/api/v1/cases", { ...apiFilter(), limit: page, cursor }));
			const have = new Set(rows.map((c) => c.case_id));
			rows = rows.concat(list.cases.filter((c) => !have.has(c.case_id)));
			cursor = list.next_cursor;
			paint();
		} catch (e) {
			toast(problem(e), true);
		}
	}

	const poll = async (first) => {
		if (first || !document.hidden) await refresh(); // a tab in the background asks nothing
		if (!stopped) timer = setTimeout(poll, POLL_MS);
	};

	main.append(h("div.queue-page",
		h("h1.sr", t("nav_queue")),
		form, tabs,
		h("div.toolbar", bulk, h("span.spacer"), status,
			h("button", { type: "button", on: { click: refresh } }, t("refresh"))),
		h("div.scroll", grid), more));
	poll(true);
	return () => { stopped = true; clearTimeout(timer); };
}
