// blacklist.js - the live blacklist: list (kind filter, search, pages),
// add, remove, CSV import and export (docs/blacklist.md).
import { del, get, post, withQuery } from "../api.js";
import { clear, field, h, select } from "../dom.js";
import { en, enumValues, t, time } from "../i18n.js";
import { problem, toast } from "../app.js";
import { table } from "./common.js";

export function blacklistPage(main) {
	const kinds = enumValues("bl_kind");
	const kind = select([["", t("any")], ...kinds.map((k) => [k, en("bl_kind", k)])], "", { name: "kind" });
	const q = h("input", { name: "q", type: "search", maxlength: 200 });
	const body = h("div");
	const pager = h("div.pager");
	let cursors = [null];

	async function show(i) {
		try {
			const page = await get(withQuery("/api/v1/blacklist", { kind: kind.value, q: q.value.trim(), limit: 100, cursor: cursors[i] }));
			cursors[i + 1] = page.next_cursor;
			clear(body).append(table([
				[t("bl_kind"), (e) => en("bl_kind", e.kind)], [t("bl_value"), (e) => h("span.code", e.value)], [t("bl_reason"), (e) => e.reason],
				[t("bl_expires"), (e) => (e.expires_at ? time(e.expires_at, true) : t("never"))], [t("bl_added_by"), (e) => e.added_by],
				[t("bl_added_at"), (e) => time(e.added_at, true)],
				["", (e) => h("button.danger", { type: "button", "aria-label": `${t("bl_remove")} ${e.value}`, on: { click: () => remove(e) } }, t("bl_remove"))],
			], page.entries, { "aria-label": t("bl_title") }));
			clear(pager).append(i > 0 ? h("button", { type: "button", on: { click: () => show(i - 1) } }, t("prev")) : null,
				page.next_cursor ? h("button", { type: "button", on: { click: () => show(i + 1) } }, t("next")) : null);
		} catch (e) {
			clear(body).append(h("p.error", problem(e)));
		}
	}

	async function remove(e) {
		if (!confirm(t("confirm_remove", { v: e.value }))) return;
		try {
			await del(withQuery("/api/v1/blacklist", { kind: e.kind, value: e.value }));
			toast(t("done"));
			show(0);
		} catch (err) {
			toast(problem(err), true);
		}
	}

	const addKind = select(kinds.map((k) => [k, en("bl_kind", k)]), "phone", { name: "add_kind" });
	const addValue = h("input", { name: "add_value", required: true, maxlength: 500 });
	const addReason = h("input", { name: "add_reason", maxlength: 500 });
	const addTtl = h("input", { name: "add_ttl", maxlength: 16, size: 8 });
	const add = h("form.inline", {
		on: {
			submit: async (e) => {
				e.preventDefault();
				try {
					await post("/api/v1/blacklist", { kind: addKind.value, value: addValue.value.trim(), reason: addReason.value.trim() || null, ...(addTtl.value.trim() ? { ttl: addTtl.value.trim() } : {}) });
					addValue.value = addReason.value = "";
					toast(t("done"));
					show(0);
				} catch (err) {
					toast(problem(err), true);
				}
			},
		},
	}, field(t("bl_kind"), addKind), field(t("bl_value"), addValue), field(t("bl_reason"), addReason), field(t("bl_ttl"), addTtl),
	h("button.primary", { type: "submit" }, t("bl_add")));

	const file = h("input", { type: "file", name: "csv", accept: ".csv,text/csv" });
	const importForm = h("form.inline", {
		on: {
			submit: async (e) => {
				e.preventDefault();
				if (!file.files[0]) return;
				try {
					const r = await post("/api/v1/blacklist/import", await file.files[0].text(), { type: "text/csv" });
					toast(`${t("bl_imported", { n: r.added + r.updated })}${r.rejected ? ` · ${r.errors.map((x) => `${x.line}: ${x.error}`).join("; ")}` : ""}`, r.rejected > 0);
					show(0);
				} catch (err) {
					toast(problem(err), true);
				}
			},
		},
	}, field(t("bl_import_file"), file), h("button", { type: "submit" }, t("bl_import")),
	h("a.button", { href: "/api/v1/blacklist?format=csv", download: "blacklist.csv" }, t("bl_export")));

	main.append(h("div.page", h("h1", t("bl_title")), add, importForm,
		h("form.inline", { role: "search", on: { submit: (e) => { e.preventDefault(); cursors = [null]; show(0); } } },
			field(t("bl_kind"), kind), field(t("bl_search"), q), h("button", { type: "submit" }, t("filter"))),
		body, pager));
	show(0);
}
