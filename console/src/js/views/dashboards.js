// dashboards.js - the place of the analytics pages (GET /api/v1/reports/*,
// built separately). Until they exist the page says so and shows nothing
// made up.
import { h } from "../dom.js";
import { t } from "../i18n.js";

export function dashboardsPage(main) {
	main.append(h("div.page", h("h1", t("dash_title")), h("p.notice", { dataset: { slot: "dashboards" } }, t("dash_soon"))));
}
