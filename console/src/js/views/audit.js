// audit.js - the audit log, newest first, filtered by actor, action and
// target, page by page.
import { get, withQuery } from "../api.js";
import { clear, field, h } from "../dom.js";
import { t, time } from "../i18n.js";
import { problem } from "../app.js";
import { table } from "./common.js";

export function auditPage(main) {
	const actor = h("input", { name: "actor", maxlength: 128, size: 12 });
	const action = h("input", { name: "action", maxlength: 64, size: 12 });
	const target = h("input", { name: "target", maxlength: 256, size: 14 });
	const body = h("div"), pager = h("div.pager");
	let cursors = [null];
	async function show(i) {
		try {
			const r = await get(withQuery("/api/v1/audit", { actor: actor.value.trim(), action: action.value.trim(), target: target.value.trim(), limit: 100, cursor: cursors[i] }));
			cursors[i + 1] = r.next_cursor;
			clear(body).append(table([
				["ID", (e) => String(e.id)], [t("time"), (e) => time(e.at)], [t("actor"), (e) => e.actor], [t("audit_action"), (e) => h("span.code", e.action)],
				[t("audit_target"), (e) => e.target ?? ""], [t("audit_detail"), (e) => h("span.code", JSON.stringify(e.detail ?? {}))],
			], r.entries, { "aria-label": t("audit_title") }));
			clear(pager).append(i > 0 ? h("button", { type: "button", on: { click: () => show(i - 1) } }, t("prev")) : null,
				r.next_cursor ? h("button", { type: "button", on: { click: () => show(i + 1) } }, t("next")) : null);
		} catch (e) {
			clear(body).append(h("p.error", problem(e)));
		}
	}
	main.append(h("div.page", h("h1", t("audit_title")),
		h("form.inline", { role: "search", on: { submit: (e) => { e.preventDefault(); cursors = [null]; show(0); } } },
			field(t("actor"), actor), field(t("audit_action"), action), field(t("audit_target"), target), h("button", { type: "submit" }, t("filter"))),
		body, pager));
	show(0);
}
