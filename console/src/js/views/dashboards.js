// dashboards.js - 数据分析: the figures of GET /api/v1/reports/* for a
// period of Beijing dates (the last 7 days by default), a channel and a
// shop, all kept in the URL (#/dashboards?from=2026-11-05&to=2026-11-11).
// Charts are echarts (assets/vendor/echarts.min.js, loaded on this page
// only) drawn on canvas; each has a caption saying what it shows and its
// data as a table, and every figure has its CSV export.
import { get, withQuery } from "../api.js";
import { append, clear, field, h } from "../dom.js";
import { duration, en, enumValues, t, time } from "../i18n.js";
import { problem } from "../app.js";
import { section, table } from "./common.js";

const DAY = 86400e3;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;
/* The Beijing date of a time (Asia/Shanghai is UTC+8 all year). */
const ymd = (ms) => new Date(ms + 8 * 3600e3).toISOString().slice(0, 10);
const startOf = (date) => Date.parse(`${date}T00:00:00+08:00`);
const iso = (ms) => `${ymd(ms)}T${new Date(ms + 8 * 3600e3).toISOString().slice(11, 19)}+08:00`;
const pct = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);
const num = (x) => (x === null || x === undefined ? "—" : String(x));

let echartsLoad = null;
/* echarts is a 1 MB script: fetched once, when a dashboard is first shown. */
function loadEcharts() {
	echartsLoad ??= new Promise((resolve, reject) => {
		document.head.append(h("script", { src: "/assets/vendor/echarts.min.js", on: {
			load: () => resolve(window.echarts),
			error: () => { echartsLoad = null; reject(new Error("echarts.min.js")); },
		} }));
	});
	return echartsLoad;
}

/* The period, channel and shop of the URL, or the defaults: the last 7
 * days, to today (Beijing); at most MAX_DAYS. */
function readFilter(query) {
	const p = new URLSearchParams(query);
	const date = (v) => (DATE.test(v ?? "") && !Number.isNaN(startOf(v)) ? v : null);
	const to = date(p.get("to")) ?? ymd(Date.now());
	let from = date(p.get("from")) ?? ymd(startOf(to) - 6 * DAY);
	if (startOf(from) > startOf(to) || startOf(to) - startOf(from) >= MAX_DAYS * DAY) from = ymd(startOf(to) - 6 * DAY);
	return { from, to, channel: p.get("channel") ?? "", shop: p.get("shop") ?? "" };
}

export function dashboardsPage(main, query) {
	const f = readFilter(query);
	const fromMs = startOf(f.from), toMs = startOf(f.to) + DAY;
	const byDay = toMs - fromMs > 2 * DAY;
	const params = { from: iso(fromMs), to: iso(toMs), channel: f.channel, shop: f.shop };
	const url = (name, extra = {}) => withQuery(`/api/v1/reports/${name}`, { ...params, ...extra });
	const csv = (name, extra) => h("a.csv", { href: url(name, { ...extra, format: "csv" }), download: `ordex-${name}.csv` }, t("dash_csv"));
	const charts = [];
	let stopped = false, runs = 0;

	const controls = {
		from: h("input", { type: "date", name: "from", value: f.from, required: true }),
		to: h("input", { type: "date", name: "to", value: f.to, required: true }),
		channel: h("input", { name: "channel", value: f.channel, maxlength: 64, size: 10 }),
		shop: h("input", { name: "shop", value: f.shop, maxlength: 64, size: 12 }),
	};
	const go = (v) => {
		const q = new URLSearchParams(Object.entries(v).filter(([, x]) => x));
		location.hash = `#/dashboards?${q}`;
	};
	const form = h("form.filters", { role: "search", on: { submit: (e) => {
		e.preventDefault();
		go(Object.fromEntries(Object.entries(controls).map(([k, el]) => [k, el.value.trim()])));
	} } },
	field(t("dash_from"), controls.from), field(t("dash_to"), controls.to),
	field(t("f_channel"), controls.channel), field(t("f_shop"), controls.shop),
	h("div.field.buttons", h("button.primary", { type: "submit" }, t("apply")),
		h("button", { type: "button", on: { click: () => (location.hash = "#/dashboards") } }, t("reset")),
		h("button", { type: "button", on: { click: () => load() } }, t("refresh"))));

	const body = h("div.dash", { dataset: { slot: "dashboards" }, "aria-busy": "true" }, h("p.loading", t("loading")));
	main.append(h("div.page.dash-page", h("h1", t("dash_title")),
		h("p.muted", t("dash_period", { from: f.from, to: f.to })), form, body));

	async function load() {
		const run = ++runs;
		dispose();
		body.setAttribute("aria-busy", "true");
		try {
			// the review reads the period nine times (seconds on a big store):
			// only its compensation block waits for it
			const review = get(url("review")).then((rv) => ({ c: rv.compensation }), (e) => ({ e }));
			const names = ["summary", "cases", "regions", "skus", "heatmap", "carriers", "payments"];
			const extra = { cases: { bucket: byDay ? "day" : "hour" }, skus: { limit: 10 } };
			const [r, echarts] = await Promise.all([
				Promise.all(names.map((n) => get(url(n, extra[n])))).then((all) => Object.fromEntries(names.map((n, i) => [n, all[i]]))),
				loadEcharts(),
			]);
			if (stopped || run !== runs) return;
			const trend = chartBox(), heat = chartBox(true);
			const comp = h("div", { "aria-live": "polite" }, h("p.loading", t("loading")));
			clear(body).append(
				kpis(r.summary.figures, csv("summary")),
				section(t("dash_trend"), trendFigure(r.cases.rows, trend, fromMs, toMs, byDay), csv("cases", extra.cases)),
				h("div.dash-cols",
					section(t("dash_regions"), ranked(r.regions.rows, [[t("province"), (x) => x.province ?? "—"]],
						[[t("orders"), (x) => num(x.orders)], [t("cases_per_order"), (x) => num(x.cases_per_order)]], "dash_regions"), csv("regions")),
					section(t("dash_skus"), ranked(r.skus.rows, [[t("sku"), (x) => h("span.code", x.sku)]],
						[[t("orders"), (x) => num(x.orders)]], "dash_skus"), csv("skus", extra.skus))),
				section(t("dash_heatmap"), heatFigure(r.heatmap.rows, heat), csv("heatmap")),
				h("div.dash-cols",
					section(t("dash_carriers"), table([[t("carrier"), (x) => x.carrier ?? "—"], [t("shipments_n"), (x) => num(x.shipments)],
						[t("delivered"), (x) => num(x.delivered)], [t("lost_rate"), (x) => pct(x.lost_rate)], [t("late_rate"), (x) => pct(x.late_rate)],
						[t("stalled_rate"), (x) => pct(x.stalled_rate)], [t("cases"), (x) => num(x.cases)]], r.carriers.rows,
					{ "aria-label": t("dash_carriers") }), csv("carriers")),
					section(t("dash_payments"), table([[t("method"), (x) => en("pay_method", x.method) || "—"],
						[t("pay_attempts"), (x) => num(x.attempts)], [t("pay_succeeded"), (x) => num(x.succeeded)],
						[t("success_rate"), (x) => [h("meter", { min: 0, max: 1, value: x.success_rate ?? 0, "aria-hidden": "true" }), " ", pct(x.success_rate)]],
						[t("cases"), (x) => num(x.cases)]], r.payments.rows, { "aria-label": t("dash_payments") }), csv("payments"))),
				h("section.panel", { dataset: { block: "compensation" } }, h("h2", t("dash_comp")), comp, csv("review")));
			body.removeAttribute("aria-busy");
			review.then(({ c, e }) => {
				if (stopped || run !== runs) return;
				append(clear(comp), [e ? h("p.error", problem(e)) : compensation(c)]);
			});
			draw(echarts, trend, trendOption(r.cases.rows, fromMs, toMs, byDay));
			draw(echarts, heat, heatOption(r.heatmap.rows));
		} catch (e) {
			if (!stopped && run === runs) clear(body).append(h("p.error", { role: "alert" }, problem(e)));
		}
	}

	function draw(echarts, box, option) {
		const c = echarts.init(box, null, { renderer: "canvas" });
		// the box's own aria-label describes it (echarts' aria would replace it)
		c.setOption({ animation: false, tooltip: { renderMode: "richText" }, ...option });
		charts.push(c);
	}
	const resize = () => charts.forEach((c) => c.resize());
	window.addEventListener("resize", resize);
	const dispose = () => charts.splice(0).forEach((c) => c.dispose());
	load();
	return () => {
		stopped = true;
		window.removeEventListener("resize", resize);
		dispose();
	};
}

const chartBox = (tall = false) => h(tall ? "div.chart.tall" : "div.chart", { role: "img" });

function kpis(fig, link) {
	const items = [
		["open", fig.open_cases], ["opened", fig.opened], ["resolved", fig.resolved],
		["mttr", fig.mttr_minutes === null ? "—" : duration(fig.mttr_minutes * 60000)],
		["sla", pct(fig.sla_compliance)], ["auto", pct(fig.auto_resolve_rate)],
		["pay", pct(fig.payment_success_rate)], ["ship", pct(fig.on_time_shipping_rate)], ["orders", fig.orders],
	];
	return section(t("dash_kpis"), h("dl.kpis", items.map(([k, v]) =>
		h("div.kpi", { dataset: { kpi: k } }, h("dt", t(`kpi_${k}`)), h("dd", String(v))))), link);
}

/* Cases per bucket and category, every bucket of the period (zeros too). */
function trendSeries(rows, fromMs, toMs, byDay) {
	const step = byDay ? DAY : 3600e3;
	const buckets = [];
	for (let at = fromMs; at < toMs; at += step) buckets.push(at);
	const index = new Map(buckets.map((b, i) => [b, i]));
	const cats = enumValues("category");
	const n = Object.fromEntries(cats.map((c) => [c, buckets.map(() => 0)]));
	for (const r of rows) {
		const i = index.get(Date.parse(r.bucket));
		if (i !== undefined && n[r.category]) n[r.category][i] += r.cases;
	}
	const label = (b) => (byDay ? ymd(b).slice(5) : time(new Date(b).toISOString(), true));
	return { labels: buckets.map(label), cats: cats.filter((c) => n[c].some(Boolean)), n };
}

function trendFigure(rows, box, fromMs, toMs, byDay) {
	const s = trendSeries(rows, fromMs, toMs, byDay);
	const totals = s.cats.map((c) => [c, s.n[c].reduce((a, b) => a + b, 0)]).sort((a, b) => b[1] - a[1]);
	const all = totals.reduce((a, [, x]) => a + x, 0);
	const alt = all ? t("dash_trend_alt", { n: all, top: en("category", totals[0][0]), m: totals[0][1] }) : t("dash_empty_alt");
	box.setAttribute("aria-label", alt);
	const nonEmpty = s.labels.map((l, i) => [l, i]).filter(([, i]) => s.cats.some((c) => s.n[c][i]));
	return h("figure", box, h("figcaption", alt),
		h("details", h("summary", t("dash_data")), table([[t("dash_bucket"), ([l]) => l],
			...s.cats.map((c) => [en("category", c), ([, i]) => String(s.n[c][i])])], nonEmpty, { "aria-label": t("dash_trend") })));
}

function trendOption(rows, fromMs, toMs, byDay) {
	const s = trendSeries(rows, fromMs, toMs, byDay);
	return {
		legend: { top: 0 }, grid: { left: 40, right: 16, top: 32, bottom: 28 },
		xAxis: { type: "category", data: s.labels }, yAxis: { type: "value", minInterval: 1 },
		series: s.cats.map((c) => ({ name: en("category", c), type: "bar", stack: "cases", data: s.n[c] })),
	};
}

/* A ranked table: the key columns, the cases with a bar, then the rest. */
function ranked(rows, keys, rest, label) {
	const max = Math.max(1, ...rows.map((x) => x.cases));
	return table([...keys, [t("cases"), (x) => [h("meter", { min: 0, max, value: x.cases, "aria-hidden": "true" }), " ", String(x.cases)]], ...rest],
		rows, { "aria-label": t(label) });
}

const WEEK = [1, 2, 3, 4, 5, 6, 7];
const HOURS = [...Array(24).keys()];

function heatFigure(rows, box) {
	const peak = rows.reduce((a, r) => (!a || r.cases > a.cases ? r : a), null);
	const alt = peak ? t("dash_heat_alt", { day: en("weekday", String(peak.weekday)), hour: peak.hour, n: peak.cases }) : t("dash_empty_alt");
	box.setAttribute("aria-label", alt);
	const cell = new Map(rows.map((r) => [`${r.weekday}/${r.hour}`, r.cases]));
	return h("figure", box, h("figcaption", alt),
		h("details", h("summary", t("dash_data")), h("div.scroll", table([[t("weekday"), (d) => en("weekday", String(d))],
			...HOURS.map((hr) => [String(hr), (d) => String(cell.get(`${d}/${hr}`) ?? 0)])], WEEK, { "aria-label": t("dash_heatmap") }))));
}

function heatOption(rows) {
	const data = rows.map((r) => [r.hour, r.weekday - 1, r.cases]);
	return {
		grid: { left: 48, right: 16, top: 8, bottom: 64 },
		xAxis: { type: "category", data: HOURS.map(String), splitArea: { show: true } },
		yAxis: { type: "category", data: WEEK.map((d) => en("weekday", String(d))), inverse: true, splitArea: { show: true } },
		visualMap: { min: 0, max: Math.max(1, ...rows.map((r) => r.cases)), calculable: false, orient: "horizontal", left: "center", bottom: 0,
			inRange: { color: ["#eef2f7", "#1d4ed8"] } },
		series: [{ type: "heatmap", data, label: { show: false } }],
	};
}

/* The review's compensation section: spend by kind (docs/compensation.md). */
function compensation(rows) {
	if (!rows?.length) return h("p.muted", t("dash_no_data"));
	const total = rows.reduce((s, x) => s + Number(x.amount), 0);
	return [
		table([[t("comp_kind"), (x) => en("comp_kind", x.kind)], [t("comp_count"), (x) => num(x.granted)],
			[t("amount"), (x) => Number(x.amount).toFixed(2)], [en("call_state", "awaiting_approval"), (x) => num(x.awaiting_approval)],
			[t("comp_repeat", { n: "≥2" }), (x) => num(x.repeat_flagged)]],
		rows, { "aria-label": t("dash_comp") }),
		h("p", t("comp_total"), ": ", total.toFixed(2)),
	];
}
