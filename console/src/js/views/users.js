// users.js - users (create, role, teams, disable) and API tokens (create
// with the secret shown once, revoke), each for the role allowed it.
import { del, get, post } from "../api.js";
import { clear, field, h, select } from "../dom.js";
import { en, enumValues, t, time } from "../i18n.js";
import { may } from "../state.js";
import { problem, toast } from "../app.js";
import { section, table } from "./common.js";

const roles = () => enumValues("role").map((r) => [r, en("role", r)]);
const teamList = (s) => s.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean);

async function run(fn, then) {
	try {
		await fn();
		toast(t("done"));
		then();
	} catch (e) {
		toast(problem(e), true);
	}
}

export function usersPage(main) {
	const page = h("div.page", h("h1", t("nav_users")));
	main.append(page);
	if (may("users")) page.append(users());
	if (may("tokens")) page.append(tokens());
}

function users() {
	const body = h("div");
	const show = async () => {
		try {
			const r = await get("/api/v1/users");
			clear(body).append(table([
				[t("user_name"), (u) => u.name], [t("display"), (u) => u.display ?? ""],
				[t("role"), (u) => {
					const s = select(roles(), u.role, { "aria-label": `${t("role")} ${u.name}` });
					s.addEventListener("change", () => run(() => post(`/api/v1/users/${encodeURIComponent(u.name)}`, { role: s.value }), show));
					return s;
				}],
				[t("teams"), (u) => {
					const i = h("input", { value: u.teams.join(","), size: 14, "aria-label": `${t("teams")} ${u.name}` });
					i.addEventListener("change", () => run(() => post(`/api/v1/users/${encodeURIComponent(u.name)}`, { teams: teamList(i.value) }), show));
					return i;
				}],
				[t("state"), (u) => (u.disabled ? t("disabled") : u.locked_until ? `🔒 ${time(u.locked_until, true)}` : "")],
				["", (u) => h("button", { type: "button", on: { click: () => run(() => post(`/api/v1/users/${encodeURIComponent(u.name)}`, { disabled: !u.disabled }), show) } },
					u.disabled ? t("enable") : t("disable"))],
			], r.users, { "aria-label": t("users_title") }));
		} catch (e) {
			clear(body).append(h("p.error", problem(e)));
		}
	};
	const name = h("input", { name: "new_user", required: true, maxlength: 64, pattern: "[A-Za-z0-9._\\-]{1,64}", autocomplete: "off" });
	const display = h("input", { name: "new_display", maxlength: 128 });
	const role = select(roles(), "agent", { name: "new_role" });
	const teams = h("input", { name: "new_teams", size: 12 });
	const password = h("input", { name: "new_password", type: "password", required: true, minlength: 8, autocomplete: "new-password" });
	const form = h("form.inline", {
		on: { submit: (e) => { e.preventDefault(); run(() => post("/api/v1/users", { name: name.value.trim(), display: display.value.trim() || undefined, role: role.value, teams: teamList(teams.value), password: password.value }), () => { form.reset(); show(); }); } },
	}, field(t("user_name"), name), field(t("display"), display), field(t("role"), role), field(t("teams"), teams), field(t("password"), password),
	h("button.primary", { type: "submit" }, t("create_user")));
	show();
	return section(t("users_title"), form, body);
}

function tokens() {
	const body = h("div");
	const secret = h("div", { "aria-live": "polite" });
	const show = async () => {
		try {
			const r = await get("/api/v1/tokens");
			clear(body).append(table([
				["ID", (x) => String(x.id)], [t("token_name"), (x) => x.name], [t("role"), (x) => en("role", x.role)], [t("token_user"), (x) => x.user ?? ""],
				[t("token_status"), (x) => en("state", x.status)], [t("created_at"), (x) => time(x.created_at, true)], [t("last_used"), (x) => time(x.last_used, true)],
				[t("bl_expires"), (x) => (x.expires_at ? time(x.expires_at, true) : t("never"))],
				["", (x) => (x.status === "active" ? h("button.danger", { type: "button", "aria-label": `${t("revoke")} ${x.name}`,
					on: { click: () => run(() => del(`/api/v1/tokens/${x.id}`), show) } }, t("revoke")) : "")],
			], r.tokens, { "aria-label": t("tokens_title") }));
		} catch (e) {
			clear(body).append(h("p.error", problem(e)));
		}
	};
	const name = h("input", { name: "token_name", required: true, maxlength: 64 });
	const role = select(roles(), "ingest", { name: "token_role" });
	const user = h("input", { name: "token_user", maxlength: 64 });
	const expires = h("input", { name: "token_expires", type: "datetime-local" });
	const form = h("form.inline", {
		on: {
			submit: async (e) => {
				e.preventDefault();
				try {
					const r = await post("/api/v1/tokens", { name: name.value.trim(), role: role.value, ...(user.value.trim() ? { user: user.value.trim() } : {}),
						...(expires.value ? { expires_at: `${expires.value}:00+08:00` } : {}) });
					clear(secret).append(h("p.notice", t("token_secret"), " ", h("code.secret", r.secret)));
					form.reset();
					show();
				} catch (err) {
					toast(problem(err), true);
				}
			},
		},
	}, field(t("token_name"), name), field(t("role"), role), field(t("token_user"), user), field(t("token_expires"), expires),
	h("button.primary", { type: "submit" }, t("create_token")));
	show();
	return section(t("tokens_title"), form, secret, body);
}
