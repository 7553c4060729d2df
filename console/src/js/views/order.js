// order.js - the whole order of a case (GET /api/v1/orders/{id}): items,
// the customer (masked by the server for roles without pii), payments and
// refunds, shipments with their tracking, system sync acks, tickets.
import { h } from "../dom.js";
import { en, t, time } from "../i18n.js";
import { section, table } from "./common.js";

const none = () => h("p.muted", t("none"));
const list = (rows, cols) => (rows?.length ? table(cols, rows) : none());

export function orderPanel(o) {
	const c = o.customer ?? {};
	const a = c.address ?? {};
	return h("div.order",
		section(`${t("order")} ${o.order_id}`,
			h("dl.kv",
				h("dt", t("order_status")), h("dd", o.status ? en("order_status", o.status) : "—"),
				h("dt", t("channel")), h("dd", `${o.channel ?? ""} / ${o.shop ?? ""}`),
				h("dt", t("created")), h("dd", time(o.created_at)),
				h("dt", t("total")), h("dd", `${o.total ?? ""} ${o.currency ?? ""}`),
				o.remark ? [h("dt", t("remark")), h("dd", o.remark)] : null),
			h("h3", t("items")),
			list(o.items, [[t("sku"), (i) => i.sku], [t("qty"), (i) => String(i.qty)], [t("price"), (i) => i.price]]),
			h("h3", t("customer")),
			h("dl.kv.customer",
				h("dt", t("name")), h("dd.pii", c.name ?? ""),
				h("dt", t("phone")), h("dd.pii", c.phone ?? ""),
				h("dt", t("address")), h("dd.pii", [a.province, a.city, a.district, a.detail].filter(Boolean).join(" ")))),
		section(t("payments"),
			list(o.payments, [[t("time"), (p) => time(p.ts, true)], [t("amount"), (p) => p.amount], [t("method"), (p) => p.method ?? ""],
				[t("state"), (p) => `${en("payment_status", p.status)}${p.reason ? ` (${p.reason})` : ""}`]]),
			o.refunds?.length ? [h("h3", t("refunds")), list(o.refunds, [[t("time"), (r) => time(r.ts, true)], [t("amount"), (r) => r.amount], ["ID", (r) => r.refund_id]])] : null),
		section(t("shipments"),
			o.shipments?.length ? o.shipments.map((s) => h("div.shipment",
				h("p", h("strong", `${s.carrier} ${s.tracking_no ?? ""}`), " · ", s.last_status ?? ""),
				h("ol.track", { "aria-label": `${t("tracking")} ${s.tracking_no ?? ""}` },
					(s.tracks ?? []).slice().reverse().map((k) => h(`li.tr-${k.status}`,
						h("time", time(k.ts, true)), " ", h("span.code", k.status), " ", k.description ?? k.location ?? ""))))) : none()),
		section(t("syncs"),
			list(o.syncs, [[t("system"), (s) => s.system], [t("acks"), (s) => String(s.acks)], [t("last_ack"), (s) => time(s.last_ack, true)],
				[t("failures"), (s) => (s.failures ?? []).map((f) => `${time(f.ts, true)} ${f.error ?? ""}`).join("; ") || "—"]])),
		section(t("tickets"),
			list(o.tickets, [[t("time"), (k) => time(k.ts, true)], ["ID", (k) => k.ticket_id ?? ""], [t("bl_kind"), (k) => k.kind], [t("note"), (k) => k.text ?? ""]])));
}
