/* inventory.c - INV_* rules (rules.md, "Inventory"): reservation failures and
 * overselling per order; negative stock and drift per SKU; and ordex's own
 * INV_LOW_STOCK per SKU, on its inventory.low_stock events.
 */
#include <stdlib.h>

#include "engine_impl.h"

enum { IN_RESERVE_FAILED = 1, IN_OVERSOLD = 2 };

static bool satisfied(const struct oxi_reservation *r)
{
	return r->reserved_ts != OX_TIME_NONE && r->reserved_ts >= r->failed_ts;
}

/* A case resolves when every SKU that failed in it was reserved later. */
static void check_resolved(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	static const struct {
		uint8_t bit;
		enum ox_rule rule;
	} kinds[] = { { IN_RESERVE_FAILED, OX_R_INV_RESERVE_FAILED }, { IN_OVERSOLD, OX_R_INV_OVERSOLD } };
	for (size_t k = 0; k < OX_ARRAY_LEN(kinds); k++) {
		bool all = true, any = false;
		for (uint32_t i = 0; i < o->reservations.n; i++) {
			const struct oxi_reservation *r = &o->reservations.v[i];
			if (r->in_case & kinds[k].bit) {
				any = true;
				all = all && satisfied(r);
			}
		}
		if (any && all && oxi_resolve_order(e, kinds[k].rule, o, ev->ts, ev))
			for (uint32_t i = 0; i < o->reservations.n; i++)
				o->reservations.v[i].in_case &= (uint8_t)~kinds[k].bit;
	}
}

static bool paid_now(const struct oxi_order *o)
{
	return o->first_paid_status != OX_TIME_NONE || oxi_net_paid(o, OXI_NOW) > 0;
}

static void on_reserved(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_reservation *r = oxi_reservation(e, o, ev->sku);
	if (r->reserved_ts == OX_TIME_NONE || ev->ts > r->reserved_ts)
		r->reserved_ts = ev->ts;
	check_resolved(e, o, ev);
}

static void on_reserve_failed(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_reservation *r = oxi_reservation(e, o, ev->sku);
	if (r->failed_ts == OX_TIME_NONE || ev->ts >= r->failed_ts) {
		r->failed_ts = ev->ts;
		r->insufficient = ox_str_eqz(ev->reason, "insufficient");
	}
	bool oversold = ox_str_eqz(ev->reason, "insufficient") && paid_now(o);
	struct oxi_fire f = { .rule = oversold ? OX_R_INV_OVERSOLD : OX_R_INV_RESERVE_FAILED, .key = o->id,
			      .at = ev->ts, .ev = ev };
	if (oversold)
		oxi_firef(e, &f, "已付款订单的 SKU %s 库存不足（占用 %lld 件失败）",
			  "SKU %s is short for a paid order (reserving %lld failed)", oxi_name(e, r->sku),
			  (long long)ev->qty);
	else
		oxi_firef(e, &f, "SKU %s 占用 %lld 件失败：%s", "reserving SKU %s (qty %lld) failed: %s",
			  oxi_name(e, r->sku), (long long)ev->qty, ev->reason.s);
	r->in_case |= oversold ? IN_OVERSOLD : IN_RESERVE_FAILED;
	check_resolved(e, o, ev); /* a late failure may be reserved since */
}

/* An order with an open shortage becomes paid: it is oversold now. */
static void on_change(struct ox_engine *e, struct oxi_order *o, const struct oxi_facts *before,
		      const struct oxi_facts *after, const struct ox_event *ev)
{
	if (before->paid || !after->paid || !oxi_order_case(e, OX_R_INV_RESERVE_FAILED, o))
		return;
	for (uint32_t i = 0; i < o->reservations.n; i++) {
		struct oxi_reservation *r = &o->reservations.v[i];
		if (!(r->in_case & IN_RESERVE_FAILED) || !r->insufficient || satisfied(r))
			continue;
		/* true since both held: the shortage and the payment */
		ox_time at = after->became_paid > r->failed_ts ? after->became_paid : r->failed_ts;
		struct oxi_fire f = { .rule = OX_R_INV_OVERSOLD, .key = o->id, .at = at, .ev = ev };
		oxi_firef(e, &f, "SKU %s 库存不足的订单已付款", "an order short of SKU %s was paid", oxi_name(e, r->sku));
		r->in_case |= IN_OVERSOLD;
	}
}

/* ---- SKU rules -------------------------------------------------------------- */

static struct oxi_level *level_slot(struct ox_engine *e, struct oxi_sku *s, struct ox_str source)
{
	if (ox_str_eqz(source, "oms"))
		return &s->oms;
	if (ox_str_eqz(source, "wms"))
		return &s->wms;
	uint32_t id = oxi_intern(e, source);
	for (uint32_t i = 0; i < s->channels.n; i++)
		if (s->channels.v[i].source == id)
			return &s->channels.v[i];
	struct oxi_level *l = OXI_PUSH(s->channels);
	l->source = id;
	l->ts = OX_TIME_NONE;
	return l;
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/* Describe the first out-of-tolerance pair into zh/en; false when none. */
static bool drift(const struct ox_engine *e, const struct oxi_sku *s, char *zh, char *en, size_t n)
{
	const struct ox_params *p = e->p;
	if (s->oms.ts == OX_TIME_NONE)
		return false;
	if (s->wms.ts != OX_TIME_NONE) {
		int64_t diff = abs64(s->wms.available - s->oms.available);
		int64_t pct = abs64(s->wms.available) * p->drift_pct; /* tolerance x100 */
		int64_t tol100 = p->drift_abs * 100 > pct ? p->drift_abs * 100 : pct;
		if (diff * 100 > tol100) {
			snprintf(zh, n, "仓库(WMS)库存 %lld 与系统(OMS)库存 %lld 相差 %lld，超过容差",
				 (long long)s->wms.available, (long long)s->oms.available, (long long)diff);
			snprintf(en, n, "warehouse (wms) stock %lld differs from system (oms) stock %lld by %lld, beyond tolerance",
				 (long long)s->wms.available, (long long)s->oms.available, (long long)diff);
			return true;
		}
	}
	for (uint32_t i = 0; i < s->channels.n; i++) {
		const struct oxi_level *c = &s->channels.v[i];
		int64_t over = c->available - s->oms.available;
		if (over > p->drift_abs) {
			const char *ch = oxi_name(e, c->source);
			snprintf(zh, n, "渠道 %s 上架库存 %lld 超过系统(OMS)库存 %lld 达 %lld", ch, (long long)c->available,
				 (long long)s->oms.available, (long long)over);
			snprintf(en, n, "channel %s lists %lld, %lld more than the system (oms) stock %lld", ch,
				 (long long)c->available, (long long)over, (long long)s->oms.available);
			return true;
		}
	}
	return false;
}

static void on_level(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	(void)o;
	struct oxi_sku *s = oxi_sku_get(e, ev->sku);
	struct oxi_level *l = level_slot(e, s, ev->source);
	if (l->ts == OX_TIME_NONE || ev->ts >= l->ts) {
		l->ts = ev->ts;
		l->available = ev->available;
	}
	bool stock = l == &s->oms || l == &s->wms;
	if (stock && ev->available < 0) {
		struct oxi_fire f = { .rule = OX_R_INV_NEGATIVE_STOCK, .key = s->sku, .at = ev->ts, .ev = ev };
		oxi_firef(e, &f, "%s 报告 SKU %s 可用库存为 %lld", "%s reports SKU %s at %lld available", ev->source.s,
			  s->sku, (long long)ev->available);
	}
	/* also right after a late negative level: the latest levels decide */
	if (stock && (s->oms.ts == OX_TIME_NONE || s->oms.available >= 0) &&
	    (s->wms.ts == OX_TIME_NONE || s->wms.available >= 0))
		oxi_resolve(e, OX_R_INV_NEGATIVE_STOCK, s->sku, ev->ts, ev);

	char zh[OXI_REASON_MAX], en[OXI_REASON_MAX];
	if (drift(e, s, zh, en, sizeof zh)) {
		if (s->drift_since == OX_TIME_NONE)
			s->drift_since = ev->ts;
		oxi_schedule_once(e, &s->dl_drift, s->drift_since + e->p->drift_window, OXI_DL_DRIFT, s, 0);
	} else {
		s->drift_since = OX_TIME_NONE;
		oxi_resolve(e, OX_R_INV_DRIFT, s->sku, ev->ts, ev);
	}
}

/* ordex's addition (docs/rules/inventory.md): low stock opens on any report
 * below the threshold, a late one included, like INV_NEGATIVE_STOCK; only the
 * latest report by ts says whether the stock is back. */
static void on_low_stock(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	(void)o;
	struct oxi_sku *s = oxi_sku_get(e, ev->sku);
	if (s->low_ts == OX_TIME_NONE || ev->ts >= s->low_ts) {
		s->low_ts = ev->ts;
		s->low_ok = ev->available >= ev->threshold;
	}
	if (ev->available < ev->threshold) {
		struct oxi_fire f = { .rule = OX_R_INV_LOW_STOCK, .key = s->sku, .at = ev->ts, .ev = ev };
		if (ev->has & OX_HAS_WAREHOUSE)
			oxi_firef(e, &f, "SKU %s 在仓库 %s 可用库存 %lld 件，低于预警线 %lld 件",
				  "SKU %s in warehouse %s has %lld available, below its threshold of %lld", s->sku,
				  ev->warehouse.s, (long long)ev->available, (long long)ev->threshold);
		else
			oxi_firef(e, &f, "SKU %s 可用库存 %lld 件，低于预警线 %lld 件",
				  "SKU %s has %lld available, below its threshold of %lld", s->sku,
				  (long long)ev->available, (long long)ev->threshold);
	}
	/* also right after a late low report: the latest one decides */
	if (s->low_ok)
		oxi_resolve(e, OX_R_INV_LOW_STOCK, s->sku, ev->ts, ev);
}

static void dl_drift(struct ox_engine *e, const struct ox_deadline *d)
{
	struct oxi_sku *s = d->target;
	if (s->drift_since == OX_TIME_NONE || d->due != s->drift_since + e->p->drift_window)
		return;
	char zh[OXI_REASON_MAX], en[OXI_REASON_MAX], w[OX_DUR_BUFSZ];
	if (!drift(e, s, zh, en, sizeof zh - 64))
		return;
	ox_duration_format(e->p->drift_window, w);
	size_t zl = strlen(zh), el = strlen(en);
	snprintf(zh + zl, sizeof zh - zl, "，已持续 %s", w);
	snprintf(en + el, sizeof en - el, ", for %s", w);
	struct oxi_fire f = { .rule = OX_R_INV_DRIFT, .key = s->sku, .at = d->due };
	oxi_fire(e, &f, zh, en);
}

const struct oxi_family oxi_inventory_family = {
	.name = "inventory",
	.on_event = {
		[OX_EV_INVENTORY_RESERVED] = on_reserved,
		[OX_EV_INVENTORY_RESERVE_FAILED] = on_reserve_failed,
		[OX_EV_INVENTORY_LEVEL] = on_level,
		[OX_EV_INVENTORY_LOW_STOCK] = on_low_stock,
	},
	.on_change = on_change,
	.deadlines = { { OXI_DL_DRIFT, dl_drift } },
};
