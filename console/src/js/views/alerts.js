// alerts.js - the channels and routes of the config file (read only: they
// change with the file), silences (list, create, end) and the alert outbox
// with its dead letters (retry), for roles with alerts:read; changing
// silences and retrying needs the silences permission.
import { del, get, post } from "../api.js";
import { clear, field, h, select } from "../dom.js";
import { en, t, time } from "../i18n.js";
import { may, state } from "../state.js";
import { problem, toast } from "../app.js";
import { section, table } from "./common.js";

const matchers = (m) => Object.entries(m ?? {}).map(([k, v]) => `${k}=${[].concat(v).join("|")}`).join(" ");

export function alertsPage(main) {
	const chans = h("div"), sil = h("div"), outbox = h("div"), dead = h("div");
	const write = may("silences");
	const show = async () => {
		try {
			const [s, o, d, c] = await Promise.all([get("/api/v1/silences"), get("/api/v1/alerts/outbox?limit=100"),
				get("/api/v1/alerts/dead?limit=100"), get("/api/v1/alerts/channels")]);
			channels(chans, c);
			clear(sil).append(table([
				["ID", (x) => String(x.id)], [t("filter"), (x) => h("span.code", matchers(x.matchers))], [t("starts_at"), (x) => time(x.starts_at, true)],
				[t("ends_at"), (x) => time(x.ends_at, true)], [t("state"), (x) => en("state", x.state)], [t("actor"), (x) => x.created_by], [t("silence_comment"), (x) => x.comment],
				["", (x) => (write && x.state !== "expired" ? h("button", { type: "button", on: { click: () => act(() => del(`/api/v1/silences/${x.id}`)) } }, t("expire")) : "")],
			], s.silences, { "aria-label": t("silences") }));
			const msgCols = (retry) => [
				["ID", (x) => String(x.id)], [t("receiver"), (x) => `${x.receiver} (${x.type})`], [t("state"), (x) => en("state", x.state)],
				[t("attempts"), (x) => String(x.attempts)], [t("created_at"), (x) => time(x.created_at, true)],
				[t("last_error"), (x) => x.last_error ?? ""],
				retry && write ? ["", (x) => h("button", { type: "button", on: { click: () => act(() => post(`/api/v1/alerts/dead/${x.id}/retry`)) } }, t("retry_send"))] : null,
			].filter(Boolean);
			clear(outbox).append(table(msgCols(false), o.messages, { "aria-label": t("outbox") }));
			clear(dead).append(table(msgCols(true), d.messages, { "aria-label": t("dead") }));
		} catch (e) {
			clear(sil).append(h("p.error", problem(e)));
		}
	};
	const act = async (fn) => {
		try {
			await fn();
			toast(t("done"));
			show();
		} catch (e) {
			toast(problem(e), true);
		}
	};
	let form = null;
	if (write) {
		const rule = select([["", t("any")], ...Object.keys(state.rules)], "", { name: "silence_rule" });
		const sev = select([["", t("any")], "P1", "P2", "P3", "P4"], "", { name: "silence_severity" });
		const team = select([["", t("any")], ...state.teams.map((x) => [x, en("team", x)])], "", { name: "silence_team" });
		const dur = h("input", { name: "silence_duration", value: "2h", required: true, size: 6 });
		const comment = h("input", { name: "silence_comment", maxlength: 500 });
		form = h("form.inline", {
			on: {
				submit: (e) => {
					e.preventDefault();
					const m = {};
					if (rule.value) m.rule = rule.value;
					if (sev.value) m.severity = sev.value;
					if (team.value) m.team = team.value;
					act(() => post("/api/v1/silences", { matchers: m, duration: dur.value.trim(), comment: comment.value.trim() }));
				},
			},
		}, field(t("silence_rule"), rule), field(t("silence_sev"), sev), field(t("silence_team"), team), field(t("silence_duration"), dur),
		field(t("silence_comment"), comment), h("button.primary", { type: "submit" }, t("create_silence")));
	}
	main.append(h("div.page", h("h1", t("alerts_title")), section(t("channels"), chans), section(t("silences"), form, sil),
		section(t("outbox"), outbox), section(t("dead"), dead)));
	show();
}

/* The routing tree, flattened in its order, each route indented by depth. */
function flatRoutes(r, depth = 0, out = []) {
	if (!r) return out;
	out.push({ ...r, depth });
	for (const x of r.routes) flatRoutes(x, depth + 1, out);
	return out;
}

function channels(el, c) {
	clear(el);
	if (!c.channels.length) {
		el.append(h("p.muted", t("channels_none")));
		return;
	}
	el.append(table([
		[t("receiver"), (x) => x.name], [t("channel_type"), (x) => x.type], [t("endpoint"), (x) => h("span.code", x.endpoint)],
		[t("signed"), (x) => t(x.signed ? "yes" : "no")],
	], c.channels, { "aria-label": t("channels") }));
	el.append(h("h3", t("routes")), table([
		["#", (x) => `${"· ".repeat(x.depth)}${x.id}`], [t("receiver"), (x) => x.receiver],
		[t("route_match"), (x) => h("span.code", matchers(x.match) || t("any"))], [t("route_group"), (x) => x.group_by.join(", ")],
		[t("route_repeat"), (x) => x.repeat_interval], [t("route_continue"), (x) => t(x.continue ? "yes" : "no")],
	], flatRoutes(c.route), { "aria-label": t("routes") }));
}
