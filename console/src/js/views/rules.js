// rules.js - 规则与阈值 / Rules and thresholds: the rule parameters in
// force (GET /api/v1/config/rules), edited and saved as one change with a
// note (PUT, all or nothing; docs/config.md "Live changes"). Without
// config:write the page only shows them.
import { api, get } from "../api.js";
import { clear, field, h, select } from "../dom.js";
import { en, getLang, t } from "../i18n.js";
import { problem, toast } from "../app.js";
import { section, table } from "./common.js";

const PATH = "/api/v1/config/rules";
const SEVERITIES = ["P1", "P2", "P3", "P4"];

/* A value of the API as the text of an input. */
function text(v) {
	if (Array.isArray(v)) return v.join(", ");
	if (v && typeof v === "object") return Object.entries(v).map(([k, x]) => `${k}: ${x}`).join(", ") || "—";
	return v === null || v === undefined ? "" : String(v);
}

/* What the user typed, as the API's value of that type: numbers stay
 * strings when they are not integers, so the server says what is wrong. */
function parse(type, s) {
	const v = s.trim();
	if (type === "integer" || type === "percent") return /^-?\d+$/.test(v) ? Number(v) : v;
	if (type === "names") return v.split(/[,，]/).map((x) => x.trim()).filter(Boolean);
	return v;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/* The key a refusal is about: "KEY: reason" or "'KEY' must ...". */
function keyOf(detail, keys) {
	return keys.filter((k) => detail.startsWith(`${k}:`) || detail.includes(`'${k}'`)).sort((a, b) => b.length - a.length)[0] ?? null;
}

const unit = (p) => (p.type === "duration" ? t("cfg_unit_duration") : p.type === "percent" ? "%" : p.type === "names" ? t("cfg_unit_names") : "");

/* A section's name; a section added later shows its key. */
function sectionName(name) {
	try {
		return t(`cfg_sec_${name}`);
	} catch {
		return name;
	}
}

function bounds(p) {
	if (p.min === null && p.max === null) return "";
	if (p.max === null) return `≥ ${p.min}`;
	return `${p.min} – ${p.max}`;
}

export function rulesPage(main) {
	const body = h("div", h("p.muted", t("loading")));
	main.append(h("div.page", h("h1", t("cfg_title")), body));
	let data = null;
	const pending = new Map(); // key -> the new value
	const inputs = new Map(); // key -> the control, for its error
	const errors = new Map(); // key -> the element showing its error

	function setValue(key, value, current) {
		if (same(value, current)) pending.delete(key);
		else pending.set(key, value);
		errors.get(key)?.replaceChildren();
		inputs.get(key)?.removeAttribute("aria-invalid");
		count.textContent = pending.size ? t("cfg_pending", { n: pending.size }) : "";
	}

	/* An input for key with its inline error; disabled when read only. */
	function control(key, type, current, label) {
		const ro = !data.writable;
		let el;
		if (type === "bool") {
			el = h("input", { type: "checkbox", checked: !!current, disabled: ro, "aria-label": label,
				on: { change: () => setValue(key, el.checked, current) } });
		} else if (type === "severity") {
			el = select(SEVERITIES, current, { disabled: ro, "aria-label": label });
			el.addEventListener("change", () => setValue(key, el.value, current));
		} else {
			el = h("input", { value: text(current), size: type === "names" ? 24 : 8, disabled: ro, "aria-label": label,
				dataset: { key }, on: { change: () => setValue(key, parse(type, el.value), current) } });
		}
		const err = h("span.error.cfg-error", { role: "alert" });
		inputs.set(key, el);
		errors.set(key, err);
		return h("span.cfg-control", el, err);
	}

	function rulesTable() {
		const title = (r) => (getLang() === "zh" ? r.title_zh : r.title_en);
		return table([
			[t("cfg_rule"), (r) => h("span", h("span.code", r.code), " ", title(r))],
			[t("f_category"), (r) => en("category", r.category)],
			[t("cfg_enabled"), (r) => control(`rules.${r.code}.enabled`, "bool", r.value.enabled, `${r.code} ${t("cfg_enabled")}`)],
			[t("f_severity"), (r) => control(`rules.${r.code}.severity`, "severity", r.value.severity, `${r.code} ${t("f_severity")}`)],
			[t("f_team"), (r) => control(`rules.${r.code}.team`, "team", r.value.team, `${r.code} ${t("f_team")}`)],
			[t("cfg_default"), (r) => h("span.muted", `${r.default.enabled ? t("cfg_on") : t("cfg_off")} · ${r.default.severity} · ${r.default.team}`)],
		], data.rules, { "aria-label": t("cfg_rules") });
	}

	function paramsTables() {
		const groups = new Map();
		for (const p of data.parameters) {
			const s = p.key.split(".")[0];
			if (!groups.has(s)) groups.set(s, []);
			groups.get(s).push(p);
		}
		return [...groups].map(([name, ps]) => h("div.cfg-group", h("h3", sectionName(name)), table([
			[t("cfg_key"), (p) => h("span.code", p.key)],
			[t("cfg_value"), (p) => (p.live && p.type !== "carriers"
				? control(p.key, p.type, p.value, p.key)
				: h("span", text(p.value), " ", h("span.muted", p.type === "carriers" ? t("cfg_carriers_hint") : t("cfg_file_only"))))],
			[t("cfg_unit"), (p) => unit(p)],
			[t("cfg_default"), (p) => h("span.muted", text(p.default))],
			[t("cfg_bounds"), (p) => h("span.muted", bounds(p))],
			[t("cfg_channel"), (p) => (p.channel ? "✓" : "")],
			[t("cfg_live"), (p) => (data.overrides[p.key] !== undefined ? h("span.cfg-live", t("cfg_changed")) : "")],
		], ps, { "aria-label": sectionName(name) })));
	}

	function channelsSection() {
		const per = data.parameters.filter((p) => p.channel);
		const rows = data.channels.flatMap((c) => per.map((p) => ({ channel: c.channel, p, value: c.values[p.key] })));
		const tbl = table([
			[t("channel"), (r) => r.channel],
			[t("cfg_key"), (r) => h("span.code", r.p.key)],
			[t("cfg_value"), (r) => control(`channels.${r.channel}.${r.p.key}`, r.p.type, r.value, `${r.channel} ${r.p.key}`)],
			[t("cfg_global"), (r) => h("span.muted", text(data.parameters.find((x) => x.key === r.p.key).value))],
		], rows, { "aria-label": t("cfg_channels") });
		if (!data.writable) return section(t("cfg_channels"), tbl);
		const ch = h("input", { name: "cfg_new_channel", maxlength: 63, size: 10 });
		const key = select(per.map((p) => [p.key, p.key]), per[0]?.key, { name: "cfg_new_key" });
		const val = h("input", { name: "cfg_new_value", size: 10 });
		const add = h("button", { type: "button", on: { click: () => {
			const p = per.find((x) => x.key === key.value);
			if (!ch.value.trim() || !p) return;
			const k = `channels.${ch.value.trim()}.${p.key}`;
			pending.set(k, parse(p.type, val.value));
			count.textContent = t("cfg_pending", { n: pending.size });
			toast(t("cfg_added", { k }));
		} } }, t("cfg_add_override"));
		return section(t("cfg_channels"), tbl, h("div.inline", field(t("channel"), ch), field(t("cfg_key"), key), field(t("cfg_value"), val), add));
	}

	function overridesSection() {
		const keys = Object.keys(data.overrides);
		return section(t("cfg_overrides"), keys.length
			? h("ul.cfg-overrides", keys.map((k) => h("li", h("span.code", k), " = ", text(data.overrides[k]),
				data.writable ? h("button.link", { type: "button", "aria-label": `${t("cfg_unset")} ${k}`, on: { click: () => {
					pending.set(k, null);
					count.textContent = t("cfg_pending", { n: pending.size });
				} } }, t("cfg_unset")) : null)))
			: h("p.muted", t("cfg_no_overrides")));
	}

	const note = h("input", { name: "cfg_note", maxlength: 500, size: 40 });
	const count = h("span.muted.cfg-count", { "aria-live": "polite" });
	const formError = h("p.error.cfg-form-error", { role: "alert" });

	async function save() {
		if (!pending.size) {
			toast(t("cfg_nothing"));
			return;
		}
		const set = {}, unset = [];
		for (const [k, v] of pending) if (v === null) unset.push(k); else set[k] = v;
		formError.replaceChildren();
		try {
			await api("PUT", PATH, { set, unset, note: note.value.trim() });
			pending.clear();
			note.value = "";
			toast(t("saved"));
			await load();
		} catch (e) {
			const detail = e.body?.detail ?? "";
			const k = keyOf(detail, [...pending.keys()]);
			if (k && errors.has(k)) {
				errors.get(k).textContent = detail;
				inputs.get(k).setAttribute("aria-invalid", "true");
				inputs.get(k).focus();
			}
			formError.textContent = problem(e);
		}
	}

	async function load() {
		try {
			data = await get(PATH);
		} catch (e) {
			clear(body).append(h("p.error", problem(e)));
			return;
		}
		inputs.clear();
		errors.clear();
		const editor = data.writable
			? h("form.inline.cfg-save", { on: { submit: (e) => { e.preventDefault(); save(); } } },
				field(t("cfg_note"), note), h("button.primary", { type: "submit" }, t("save")), count, formError)
			: h("p.muted.cfg-readonly", t("cfg_readonly"));
		clear(body).append(editor, h("p.hint", t("cfg_intro")),
			section(t("cfg_rules"), rulesTable()),
			section(t("cfg_params"), paramsTables()),
			channelsSection(), overridesSection());
	}
	load();
}
