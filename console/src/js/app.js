// app.js - the console's shell: sign-in state, the header and navigation
// (only what the user's role may use), and the routes of the hash
// (#/queue, #/cases/C00000001, #/admin/...). Pages live in views/.
import { ApiError, get, post, setCsrf, whenExpired } from "./api.js";
import { clear, h } from "./dom.js";
import { en, getLang, setLang, t } from "./i18n.js";
import { loadReference, may, state } from "./state.js";
import { loginPage } from "./views/login.js";
import { queuePage } from "./views/queue.js";
import { casePage } from "./views/case.js";
import { dashboardsPage } from "./views/dashboards.js";
import { blacklistPage } from "./views/blacklist.js";
import { usersPage } from "./views/users.js";
import { alertsPage } from "./views/alerts.js";
import { auditPage } from "./views/audit.js";
import { rulesPage } from "./views/rules.js";

/* The pages: hash pattern, page, permission needed, nav text (null: not in the nav). */
const ROUTES = [
	{ re: /^#\/queue(?:\?(.*))?$/, page: queuePage, perm: "cases:read", nav: "nav_queue", href: "#/queue" },
	{ re: /^#\/cases\/([^/?]+)$/, page: casePage, perm: "cases:read" },
	{ re: /^#\/dashboards(?:\?(.*))?$/, page: dashboardsPage, perm: "reports", nav: "nav_dash", href: "#/dashboards" },
	{ re: /^#\/admin\/blacklist$/, page: blacklistPage, perm: "blacklist", nav: "nav_blacklist", href: "#/admin/blacklist" },
	{ re: /^#\/admin\/users$/, page: usersPage, perm: ["users", "tokens"], nav: "nav_users", href: "#/admin/users" },
	{ re: /^#\/admin\/alerts$/, page: alertsPage, perm: "alerts:read", nav: "nav_alerts", href: "#/admin/alerts" },
	{ re: /^#\/admin\/audit$/, page: auditPage, perm: "audit:read", nav: "nav_audit", href: "#/admin/audit" },
	{ re: /^#\/admin\/rules$/, page: rulesPage, perm: "config:read", nav: "nav_rules", href: "#/admin/rules" },
];

const allowed = (route) => (Array.isArray(route.perm) ? route.perm.some(may) : may(route.perm));

const main = () => document.getElementById("main");
let leave = null; // the current page's cleanup (stop polling)
let loginNote = null; // why the user is asked to sign in again

export function toast(text, bad = false) {
	const el = document.getElementById("toast");
	el.textContent = text;
	el.className = bad ? "toast show bad" : "toast show";
	clearTimeout(toast.timer);
	toast.timer = setTimeout(() => (el.className = "toast"), 4000);
}

/* A failed call as a sentence for the user. */
export function problem(e) {
	if (e instanceof ApiError) {
		if (e.status === 403) return `${t("forbidden")}: ${e.body?.detail ?? ""}`;
		if (e.status === 404) return `${t("not_found")}: ${e.body?.detail ?? ""}`;
		return e.body?.detail ?? e.message;
	}
	return `${t("error")}: ${e.message}`;
}

function header() {
	const top = document.getElementById("top");
	clear(top);
	if (!state.me) {
		top.hidden = true;
		return;
	}
	top.hidden = false;
	const here = location.hash;
	const nav = h("nav", { "aria-label": t("app") }, h("ul",
		ROUTES.filter((r) => r.nav && allowed(r)).map((r) =>
			h("li", h("a", { href: r.href, "aria-current": here.startsWith(r.href) ? "page" : null }, t(r.nav))))));
	top.append(
		h("a.brand", { href: "#/queue" }, t("app")),
		nav,
		h("div.who",
			h("span", { title: t("signed_in_as") }, `${state.me.name} · ${en("role", state.me.role)}`),
			h("button.link#lang", { type: "button", title: t("lang_label"), lang: getLang() === "zh" ? "en" : "zh-CN",
				on: { click: () => { setLang(getLang() === "zh" ? "en" : "zh"); render(); } } }, t("lang_switch")),
			h("button.link#logout", { type: "button", on: { click: logout } }, t("logout"))));
}

async function logout() {
	try {
		await post("/api/v1/logout");
	} catch {}
	signedOut(null);
}

function signedOut(message) {
	state.me = null;
	setCsrf(null);
	sessionStorage.setItem("ordex.after", location.hash.startsWith("#/login") ? "" : location.hash);
	loginNote = message;
	if (location.hash === "#/login") render();
	else location.hash = "#/login"; // renders on hashchange
}

export async function signedIn(me, csrf) {
	loginNote = null;
	state.me = me.principal;
	state.compLimit = me.compensation_limit; // "20.00", or null: no limit
	setCsrf(csrf ?? me.csrf_token);
	await loadReference();
	const after = sessionStorage.getItem("ordex.after");
	sessionStorage.removeItem("ordex.after");
	location.hash = after && after !== "#/login" ? after : "#/queue";
	render();
}

export function render() {
	if (leave) leave();
	leave = null;
	document.title = t("app");
	document.getElementById("skip-link").textContent = t("skip");
	header();
	const m = clear(main());
	if (!state.me) {
		loginPage(m, loginNote);
		return;
	}
	const hash = location.hash || "#/queue";
	for (const r of ROUTES) {
		const match = r.re.exec(hash);
		if (!match) continue;
		if (!allowed(r)) break;
		leave = r.page(m, match[1] ? decodeURIComponent(match[1]) : "") ?? null;
		return;
	}
	if (hash !== "#/queue") location.replace("#/queue");
	else m.append(h("p", t("forbidden")));
}

whenExpired(() => {
	if (state.me) signedOut(t("login_expired"));
});

window.addEventListener("hashchange", () => {
	if (state.me && location.hash === "#/login") location.replace("#/queue");
	else render();
});
document.getElementById("skip-link").addEventListener("click", (e) => {
	e.preventDefault();
	main().focus();
});

(async function start() {
	try {
		const me = await get("/api/v1/me", { noExpiry: true });
		return await signedIn(me);
	} catch (e) {
		if (!(e instanceof ApiError && e.status === 401)) console.error(e);
	}
	if (!location.hash.startsWith("#/login")) sessionStorage.setItem("ordex.after", location.hash);
	location.hash = "#/login";
	render();
})();
