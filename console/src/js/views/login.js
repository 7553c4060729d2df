// login.js - the sign-in form (POST /api/v1/login sets the session cookie).
import { ApiError, post } from "../api.js";
import { field, h } from "../dom.js";
import { getLang, setLang, t } from "../i18n.js";
import { render, signedIn } from "../app.js";

export function loginPage(main, message) {
	const user = h("input", { name: "user", autocomplete: "username", required: true, maxlength: 64 });
	const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
	const out = h("p.error", { role: "alert" }, message ?? "");
	const button = h("button.primary", { type: "submit" }, t("login_submit"));
	const form = h("form.login", {
		on: {
			submit: async (e) => {
				e.preventDefault();
				button.disabled = true;
				out.textContent = "";
				try {
					const r = await post("/api/v1/login", { user: user.value.trim(), password: password.value }, { noExpiry: true });
					await signedIn(r, r.csrf_token);
				} catch (err) {
					out.textContent = err instanceof ApiError && err.status === 401 ? t("login_failed")
						: err instanceof ApiError && err.status === 503 ? t("login_busy") : err.message;
					button.disabled = false;
					password.select();
				}
			},
		},
	},
	h("h1", t("login_title")),
	field(t("login_user"), user),
	field(t("login_password"), password),
	out,
	h("div.row", button,
		h("button.link", { type: "button", lang: getLang() === "zh" ? "en" : "zh-CN", on: { click: () => { setLang(getLang() === "zh" ? "en" : "zh"); render(); } } }, t("lang_switch"))));
	main.append(h("div.login-wrap", h("p.brand-big", t("app")), form));
	user.focus();
}
