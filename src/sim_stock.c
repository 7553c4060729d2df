/* sim_stock.c - inventory.level observations: every SKU's oms, wms and
 * marketplace listing agreeing as stock moves, and the series of the SKUs
 * an INV_NEGATIVE_STOCK or INV_DRIFT anomaly took over; the low-stock
 * reports of the SKUs an INV_LOW_STOCK anomaly took over.
 */
#include <stdlib.h>

#include "sim_int.h"

#define SEC OX_MS_SECOND
#define MIN OX_MS_MINUTE
#define HOUR OX_MS_HOUR
#define NONE OX_TIME_NONE

enum { SRC_OMS, SRC_WMS, SRC_CHANNEL }; /* inventory.level sources; channel: + index */

static ox_time level(struct ox_sim *s, uint32_t sku, ox_time ts, uint8_t src, int64_t available)
{
	struct ox_sim_rec *rec = ox_sim_rec_add(s, OX_EV_INVENTORY_LEVEL, ts, sku);
	rec->sub = src;
	rec->val = available;
	rec->aux = (uint8_t)(sku % OX_SIM_N_WAREHOUSES);
	return ts;
}

/* A SKU no anomaly has taken yet, now taken; UINT32_MAX if none turned up. */
static uint32_t free_sku(struct ox_sim *s)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t k = (uint32_t)ox_sim_below(&s->rng, s->opt.skus);
		if (!s->skus[k].custom) {
			s->skus[k].custom = 1;
			return k;
		}
	}
	return UINT32_MAX;
}

/* An hourly oms/wms (and listing) series of one SKU that goes wrong at
 * round x and is put right at round y (never, when y == rounds). */
static void sku_anomaly(struct ox_sim *s, enum ox_rule rule, uint32_t sku)
{
	struct ox_sim_rng rr, *r = &rr;
	ox_sim_rng_seed(r, s->opt.seed, UINT64_C(3) << 32 | sku);
	size_t rounds = (size_t)((s->end + 6 * HOUR - s->opt.start) / HOUR);
	if (rounds < 6)
		rounds = 6;
	size_t x = (size_t)ox_sim_range(r, 2, (int64_t)rounds - 3);
	int st = ox_sim_chance(r, 0.5) ? OX_SIM_RESOLVED : OX_SIM_OPEN;
	size_t y = st == OX_SIM_RESOLVED ? x + (size_t)ox_sim_range(r, 1, 4) : rounds;
	if (y >= rounds) {
		y = rounds;
		st = OX_SIM_OPEN;
	}
	bool listing = rule == OX_R_INV_DRIFT && ox_sim_chance(r, 0.4);
	uint8_t ch = (uint8_t)(SRC_CHANNEL + s->skus[sku].channel);
	int64_t v = ox_sim_range(r, 50, 800), neg = -ox_sim_range(r, 1, 20);
	int64_t d = 20 + v / 4; /* far beyond max(5, 10% of wms) */
	ox_time t0 = s->opt.start + ox_sim_range(r, 0, 50 * MIN), opened = NONE;
	for (size_t i = 0; i < rounds; i++) {
		ox_time t = t0 + (ox_time)i * HOUR;
		bool bad = i >= x && i < y;
		int64_t sale = ox_sim_range(r, 0, 3);
		if ((i + 1 < x || i > y) && v - sale >= 10)
			v -= sale;
		if (i == y && rule == OX_R_INV_NEGATIVE_STOCK)
			v += ox_sim_range(r, 100, 400); /* restocked */
		if (i == y && rule == OX_R_INV_DRIFT && !listing)
			v += d; /* the OMS learns of the stock-in */
		int64_t oms = v, wms = v, lst = v - ox_sim_range(r, 0, 2);
		if (bad && rule == OX_R_INV_NEGATIVE_STOCK)
			oms = wms = lst = neg;
		else if (bad && listing)
			lst = v + ox_sim_range(r, 10, 40);
		else if (bad)
			wms = v + d;
		ox_time to = level(s, sku, t, SRC_OMS, oms);
		ox_time tw = level(s, sku, t + ox_sim_range(r, 5 * SEC, 90 * SEC), SRC_WMS, wms);
		ox_time tl = NONE; /* a negative stock is not listed */
		if (rule == OX_R_INV_DRIFT)
			tl = level(s, sku, t + ox_sim_range(r, 100 * SEC, 200 * SEC), ch, lst);
		if (i == x)
			opened = rule == OX_R_INV_NEGATIVE_STOCK ? to : listing ? tl + 30 * MIN : tw + 30 * MIN;
	}
	ox_sim_label(s, rule, sku, opened, st);
}

void ox_sim_negative_stock(struct ox_sim *s, size_t count)
{
	uint32_t k;
	for (size_t i = 0; i < count && i < s->opt.skus / 4 && (k = free_sku(s)) != UINT32_MAX; i++)
		sku_anomaly(s, OX_R_INV_NEGATIVE_STOCK, k);
}

void ox_sim_drift(struct ox_sim *s, size_t count)
{
	uint32_t k;
	for (size_t i = 0; i < count && i < s->opt.skus / 4 && (k = free_sku(s)) != UINT32_MAX; i++)
		sku_anomaly(s, OX_R_INV_DRIFT, k);
}

/* The warehouse reports the SKU below its threshold at round x, lower
 * still at times, and back above it at round y (never, when y is past the
 * end): the crossings ordex's own inventory would report. */
static void low_anomaly(struct ox_sim *s, uint32_t sku)
{
	struct ox_sim_rng rr, *r = &rr;
	ox_sim_rng_seed(r, s->opt.seed, UINT64_C(5) << 32 | sku);
	size_t rounds = (size_t)((s->end + 6 * HOUR - s->opt.start) / HOUR);
	if (rounds < 6)
		rounds = 6;
	size_t x = (size_t)ox_sim_range(r, 1, (int64_t)rounds - 3);
	int st = ox_sim_chance(r, 0.5) ? OX_SIM_RESOLVED : OX_SIM_OPEN;
	size_t y = st == OX_SIM_RESOLVED ? x + (size_t)ox_sim_range(r, 1, 4) : rounds;
	if (y >= rounds) {
		y = rounds;
		st = OX_SIM_OPEN;
	}
	int64_t threshold = ox_sim_range(r, 5, 50), v = ox_sim_range(r, 0, threshold - 1);
	ox_time t0 = s->opt.start + ox_sim_range(r, 0, 50 * MIN), opened = t0 + (ox_time)x * HOUR;
	for (size_t i = x; i <= y && i < rounds; i++) {
		ox_time t = t0 + (ox_time)i * HOUR;
		if (i == y)
			v = threshold + ox_sim_range(r, 0, 200); /* restocked */
		else if (i > x && (v == 0 || ox_sim_chance(r, 0.6)))
			continue; /* nothing sold (or nothing left): no new report */
		else if (i > x)
			v -= ox_sim_range(r, 1, v);
		struct ox_sim_rec *rec = ox_sim_rec_add(s, OX_EV_INVENTORY_LOW_STOCK, t, sku);
		rec->val = v;
		rec->arg = (uint16_t)threshold;
		rec->aux = (uint8_t)(sku % OX_SIM_N_WAREHOUSES);
	}
	ox_sim_label(s, OX_R_INV_LOW_STOCK, sku, opened, st);
}

void ox_sim_low_stock(struct ox_sim *s, size_t count)
{
	uint32_t k;
	for (size_t i = 0; i < count && i < s->opt.skus / 4 && (k = free_sku(s)) != UINT32_MAX; i++)
		low_anomaly(s, k);
}

struct created_at {
	ox_time t;
	uint32_t i;
};

static int created_cmp(const void *a, const void *b)
{
	const struct created_at *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Every other SKU: oms and wms agree, the listing is a little below, each
 * observed every 2 hours while its stock moves; the stock starts above
 * everything the period sells, so it never goes negative. */
void ox_sim_stock(struct ox_sim *s)
{
	size_t n = s->opt.skus;
	int64_t *cur = ox_xcalloc(n, sizeof *cur);
	bool *moved = ox_xmalloc(n * sizeof *moved);
	struct created_at *by = ox_xmalloc((s->n_orders + 1) * sizeof *by);
	size_t nb = 0;
	for (uint32_t i = 0; i < s->n_orders; i++) {
		const struct ox_sim_order *o = &s->orders[i];
		if (o->flags & OX_SIM_NO_CREATE)
			continue;
		by[nb++] = (struct created_at){ o->created, i };
		for (size_t j = 0; j < o->n_items; j++)
			cur[s->items[o->item0 + j].sku] += s->items[o->item0 + j].qty;
	}
	qsort(by, nb, sizeof *by, created_cmp);
	struct ox_sim_rng r;
	ox_sim_rng_seed(&r, s->opt.seed, 4);
	for (size_t k = 0; k < n; k++) {
		cur[k] += ox_sim_range(&r, 30, 400);
		moved[k] = true;
	}
	size_t next = 0;
	for (ox_time t = s->opt.start; t < s->end + 2 * HOUR; t += 2 * HOUR) {
		for (; next < nb && by[next].t < t; next++) {
			const struct ox_sim_order *o = &s->orders[by[next].i];
			for (size_t j = 0; j < o->n_items; j++) {
				cur[s->items[o->item0 + j].sku] -= s->items[o->item0 + j].qty;
				moved[s->items[o->item0 + j].sku] = true;
			}
		}
		for (uint32_t k = 0; k < n; k++) {
			if (!moved[k] || s->skus[k].custom)
				continue;
			moved[k] = false;
			ox_time at = t + (ox_time)(ox_sim_mix(k) % (30 * MIN));
			level(s, k, at, SRC_OMS, cur[k]);
			level(s, k, at + ox_sim_range(&r, 5 * SEC, 90 * SEC), SRC_WMS, cur[k]);
			int64_t listed = cur[k] - ox_sim_range(&r, 0, 2);
			level(s, k, at + ox_sim_range(&r, 100 * SEC, 200 * SEC), (uint8_t)(SRC_CHANNEL + s->skus[k].channel),
			      listed > 0 ? listed : 0);
		}
	}
	free(cur);
	free(moved);
	free(by);
}

/* Hourly heartbeats from the ingest pipeline, and past the last deadline
 * anything set, so that every deadline is decided. */
