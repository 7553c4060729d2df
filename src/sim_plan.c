/* sim_plan.c - who orders what, when, through which channel: every order's
 * attributes before its life cycle is played.
 */
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "divisions.h"
#include "phone.h"
#include "sim_int.h"

/* ---- when orders are created ---------------------------------------------- */

/* Relative order rate by hour of day in China: quiet at night, peaks at
 * 10-11, 14-16 and 20-22. */
static const double hour_curve[24] = {
	0.60, 0.35, 0.20, 0.12, 0.10, 0.12, 0.25, 0.45, 0.70, 0.95, 1.25, 1.20,
	0.95, 1.00, 1.15, 1.20, 1.10, 0.95, 0.90, 1.05, 1.35, 1.45, 1.25, 0.90,
};

static double intensity(const struct ox_sim *s, ox_time t)
{
	int64_t ms = ((t + OX_TZ_CST * OX_MS_MINUTE) % OX_MS_DAY + OX_MS_DAY) % OX_MS_DAY;
	double x = (double)ms / (double)OX_MS_HOUR - 0.5; /* values sit at mid-hour */
	if (x < 0)
		x += 24;
	int i = (int)x;
	double f = x - i, w = hour_curve[i] * (1 - f) + hour_curve[(i + 1) % 24] * f;
	if (s->d11 != OX_TIME_NONE) {
		int64_t dt = t - s->d11;
		if (dt >= 0) /* the midnight rush, decaying over the first hour */
			w *= 1.0 + 24.0 * exp(-(double)dt / (double)(12 * OX_MS_MINUTE));
		else if (dt > -20 * OX_MS_MINUTE) /* carts wait for midnight */
			w *= 0.6;
	}
	return w;
}

/* 11-11T00:00+08:00 of the year the period starts in, or the next. */
static ox_time find_d11(const struct ox_sim *s)
{
	time_t secs = (time_t)((s->opt.start + OX_TZ_CST * OX_MS_MINUTE) / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	for (int y = tm.tm_year + 1900; y <= tm.tm_year + 1901; y++) {
		char buf[40];
		ox_time t;
		snprintf(buf, sizeof buf, "%04d-11-11T00:00:00+08:00", y);
		if (ox_time_parse(buf, strlen(buf), &t) == 0 && t >= s->opt.start && t < s->end)
			return t;
	}
	return OX_TIME_NONE;
}

/* N sorted creation times drawn from the intensity: sorted uniforms (from
 * exponential spacings) mapped through the inverse of its integral. */
static void creation_times(struct ox_sim *s, ox_time *out, size_t n)
{
	size_t m = (size_t)((s->end - s->opt.start + OX_MS_MINUTE - 1) / OX_MS_MINUTE);
	double *cum = ox_xmalloc((m + 1) * sizeof *cum);
	cum[0] = 0;
	for (size_t k = 0; k < m; k++)
		cum[k + 1] = cum[k] + intensity(s, s->opt.start + (ox_time)k * OX_MS_MINUTE + 30 * OX_MS_SECOND);
	struct ox_sim_rng r;
	ox_sim_rng_seed(&r, s->opt.seed, 1);
	double *u = ox_xmalloc((n + 1) * sizeof *u), total = 0;
	for (size_t i = 0; i <= n; i++) {
		total += -log(1.0 - ox_sim_unit(&r));
		u[i] = total;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		double target = u[i] / total * cum[m];
		while (k + 1 < m && cum[k + 1] <= target)
			k++;
		double span = cum[k + 1] - cum[k];
		double f = span > 0 ? (target - cum[k]) / span : 0;
		ox_time t = s->opt.start + (ox_time)k * OX_MS_MINUTE + (ox_time)(f * (double)OX_MS_MINUTE);
		out[i] = t < s->end ? t : s->end - 1;
	}
	free(u);
	free(cum);
}

/* ---- the catalogue ------------------------------------------------------- */

/* Price bands (yuan) of the categories the shop sells, and their shares. */
static const struct {
	double share, lo, hi;
} categories[] = {
	{ 0.25, 9.9, 59 },   /* snacks */
	{ 0.30, 39, 399 },   /* clothing */
	{ 0.20, 19, 299 },   /* home */
	{ 0.15, 59, 699 },   /* beauty */
	{ 0.10, 99, 3999 },  /* electronics */
};

static void plan_skus(struct ox_sim *s)
{
	struct ox_sim_rng r;
	ox_sim_rng_seed(&r, s->opt.seed, 2);
	s->skus = ox_xcalloc(s->opt.skus, sizeof *s->skus);
	s->sku_cum = ox_xmalloc(s->opt.skus * sizeof *s->sku_cum);
	double w[OX_ARRAY_LEN(categories)], cum = 0;
	for (size_t i = 0; i < OX_ARRAY_LEN(categories); i++)
		w[i] = categories[i].share;
	for (size_t i = 0; i < s->opt.skus; i++) {
		struct ox_sim_sku *k = &s->skus[i];
		size_t c = ox_sim_pick(&r, w, OX_ARRAY_LEN(w));
		/* log-uniform in the band, priced like shops do: 129.00, 128.90 */
		double yuan = categories[c].lo * pow(categories[c].hi / categories[c].lo, ox_sim_unit(&r));
		k->price = (ox_money)yuan * 100 - (ox_sim_chance(&r, 0.4) ? 10 : 0);
		if (k->price < 100)
			k->price = 990;
		k->channel = (uint8_t)ox_sim_below(&r, 4);
		cum += 1.0 / pow((double)(i + 1), 0.8); /* popularity: a long tail */
		s->sku_cum[i] = cum;
	}
}

static uint32_t pick_sku(const struct ox_sim *s, struct ox_sim_rng *r)
{
	double x = ox_sim_unit(r) * s->sku_cum[s->opt.skus - 1];
	size_t lo = 0, hi = s->opt.skus - 1;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->sku_cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (uint32_t)lo;
}

/* ---- people --------------------------------------------------------------- */

static const char *const mobile_prefixes[] = {
	"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
	"153", "155", "156", "157", "158", "159", "166", "177", "180", "181", "182", "183",
	"185", "186", "187", "188", "189", "191", "198", "199",
};
static const char *const area_codes[] = { "010", "021", "020", "022", "023", "025", "027",
					  "028", "029", "0571", "0512", "0532", "0755" };

/* A valid phone that no other `unique` gets: the last 8 digits are a
 * bijection of unique (48271 and 8*10^7 are coprime). */
void ox_sim_valid_phone(struct ox_sim_rng *r, uint32_t unique, char *out, size_t cap)
{
	uint32_t tail = (uint32_t)(((uint64_t)unique * 48271u + 7654321u) % 80000000u + 20000000u);
	const char *pre = mobile_prefixes[ox_sim_below(r, OX_ARRAY_LEN(mobile_prefixes))];
	double form = ox_sim_unit(r);
	if (form < 0.80)
		snprintf(out, cap, "%s%08u", pre, tail);
	else if (form < 0.86) /* as typed on a phone keyboard */
		snprintf(out, cap, "+86 %s %04u %04u", pre, tail / 10000, tail % 10000);
	else if (form < 0.89)
		snprintf(out, cap, "+86-%s%08u", pre, tail);
	else if (form < 0.95) /* a platform's privacy number with extension */
		snprintf(out, cap, "%s%08u-%04u", pre, tail, (unsigned)ox_sim_range(r, 1000, 9999));
	else
		snprintf(out, cap, "%s-%08u", area_codes[ox_sim_below(r, OX_ARRAY_LEN(area_codes))], tail);
	if (!ox_phone_valid(ox_str_z(out))) /* never: the forms above are all valid */
		snprintf(out, cap, "%s%08u", pre, tail);
}

void ox_sim_home(struct ox_sim *s, struct ox_sim_rng *r, struct ox_sim_place *out, uint16_t *province)
{
	ox_sim_geo_place(s->geo, r, out, province);
}

static uint32_t new_customer(struct ox_sim *s, struct ox_sim_rng *r)
{
	uint32_t ci = ox_sim_add_customer(s);
	struct ox_sim_customer *c = &s->cust[ci];
	ox_sim_home(s, r, &c->home, &c->province);
	ox_sim_valid_phone(r, ci, c->phone, sizeof c->phone);
	ox_sim_person_name(r, c->name, sizeof c->name);
	if (ox_sim_chance(r, 0.85))
		c->device = ox_sim_mix(s->opt.seed ^ ((uint64_t)ci << 20) ^ 0xd1ceu) | 1;
	if (ox_sim_chance(r, 0.7)) /* accounts are years old */
		c->registered = s->opt.start - ox_sim_range(r, 30, 2000) * OX_MS_DAY -
				ox_sim_range(r, 0, OX_MS_DAY);
	return ci;
}

uint32_t ox_sim_fresh_customer(struct ox_sim *s, struct ox_sim_rng *r)
{
	uint32_t ci = new_customer(s, r);
	s->cust[ci].solo = true;
	return ci;
}

/* Give order o customer ci: address, phone and device as the customer's. */
void ox_sim_set_customer(struct ox_sim *s, struct ox_sim_order *o, uint32_t ci)
{
	const struct ox_sim_customer *c = &s->cust[ci];
	o->customer = ci;
	o->addr = c->home;
	o->province = c->province;
	snprintf(o->phone, sizeof o->phone, "%s", c->phone);
	o->device = c->device;
	o->warehouse = ox_sim_geo_warehouse(s->geo, c->province);
}

/* Chinese ISPs' address blocks; 45.x is kept for the anomalies. */
static const uint8_t ip_first[] = { 36,  39,  42,  49,  58,  59,  60,  61,  101, 106, 110, 111,
				    112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123,
				    124, 125, 171, 175, 180, 182, 183, 218, 219, 220, 221, 222 };

static uint32_t random_ip(struct ox_sim_rng *r)
{
	return (uint32_t)ip_first[ox_sim_below(r, sizeof ip_first)] << 24 |
	       (uint32_t)ox_sim_range(r, 0, 255) << 16 | (uint32_t)ox_sim_range(r, 0, 255) << 8 |
	       (uint32_t)ox_sim_range(r, 1, 254);
}

/* ---- orders --------------------------------------------------------------- */

/* Payment method shares per channel (alipay, wechatpay, unionpay, card). */
static const double method_w[5][4] = {
	{ 0.88, 0.00, 0.06, 0.06 }, /* tmall */
	{ 0.00, 0.60, 0.25, 0.15 }, /* jd */
	{ 0.45, 0.55, 0.00, 0.00 }, /* pdd */
	{ 0.50, 0.50, 0.00, 0.00 }, /* douyin */
	{ 0.40, 0.40, 0.10, 0.10 }, /* shop */
};

void ox_sim_set_total(struct ox_sim *s, struct ox_sim_order *o)
{
	ox_money sum = 0;
	for (size_t i = 0; i < o->n_items; i++)
		sum += s->items[o->item0 + i].price * (ox_money)s->items[o->item0 + i].qty;
	o->total = sum - (o->coupon ? o->coupon_amount : 0);
}

static void plan_items(struct ox_sim *s, struct ox_sim_order *o, struct ox_sim_rng *r)
{
	double x = ox_sim_unit(r);
	o->n_items = x < 0.72 ? 1 : x < 0.92 ? 2 : 3;
	OX_GROW(s->items, s->cap_items, s->n_items + o->n_items);
	o->item0 = (uint32_t)s->n_items;
	for (size_t i = 0; i < o->n_items; i++) {
		struct ox_sim_item *it = &s->items[s->n_items + i];
		bool again;
		do { /* distinct SKUs within one order */
			it->sku = pick_sku(s, r);
			again = false;
			for (size_t j = 0; j < i; j++)
				again |= s->items[s->n_items + j].sku == it->sku;
		} while (again);
		double q = ox_sim_unit(r);
		it->qty = q < 0.82 ? 1 : q < 0.94 ? 2 : (uint32_t)ox_sim_range(r, 3, 5);
		it->price = s->skus[it->sku].price;
	}
	s->n_items += o->n_items;
	o->coupon = NULL;
	ox_sim_set_total(s, o);
	if (ox_sim_chance(r, 0.3)) /* the best coupon the subtotal reaches */
		for (size_t c = 0; c < OX_SIM_N_COUPONS; c++)
			if (o->total >= ox_sim_coupons[c].min_spend) {
				o->coupon = ox_sim_coupons[c].code;
				o->coupon_amount = ox_sim_coupons[c].amount;
				break;
			}
	ox_sim_set_total(s, o);
}

static void plan_order(struct ox_sim *s, uint32_t oi, ox_time created, uint32_t **pool, size_t *n_pool,
		       size_t *cap_pool)
{
	struct ox_sim_order *o = &s->orders[oi];
	struct ox_sim_rng rr, *r = &rr;
	ox_sim_rng_seed(r, s->opt.seed, (UINT64_C(1) << 32) | oi);
	o->created = created;
	o->rule = OX_R__COUNT;
	double cw[5];
	for (size_t i = 0; i < 5; i++)
		cw[i] = ox_sim_channels[i].share;
	o->channel = (uint8_t)ox_sim_pick(r, cw, 5);
	o->shop = (uint8_t)ox_sim_below(r, 2);

	/* one order in five comes from a returning buyer */
	uint32_t ci;
	if (*n_pool && ox_sim_chance(r, 0.2)) {
		ci = (*pool)[ox_sim_below(r, *n_pool)];
	} else {
		ci = new_customer(s, r);
		if (ox_sim_chance(r, 0.2)) { /* signed up just now: buys once */
			s->cust[ci].registered = created - ox_sim_range(r, 3 * OX_MS_MINUTE, 20 * OX_MS_HOUR);
			s->cust[ci].solo = true;
		} else {
			OX_GROW(*pool, *cap_pool, *n_pool + 1);
			(*pool)[(*n_pool)++] = ci;
		}
	}
	ox_sim_set_customer(s, o, ci);
	o->ip = random_ip(r);
	plan_items(s, o, r);
	o->method = (uint8_t)ox_sim_pick(r, method_w[o->channel], 4);
	o->pay_delay = ox_sim_lognormal(r, 45 * OX_MS_SECOND, 1.0, 5 * OX_MS_SECOND, 10 * OX_MS_MINUTE);
	o->pay_by = created + 30 * OX_MS_MINUTE;

	/* promises per channel; Double 11 stretches shipping to 72h */
	static const int ship_hours[5] = { 48, 24, 48, 48, 72 };
	int64_t ship = ship_hours[o->channel] * OX_MS_HOUR;
	bool d11 = s->d11 != OX_TIME_NONE && created >= s->d11 - 2 * OX_MS_HOUR && created < s->d11 + 48 * OX_MS_HOUR;
	if (d11 && o->channel == 0)
		ship = 72 * OX_MS_HOUR;
	o->ship_by = created + ship;
	if (o->channel != 0 || d11)
		o->flags |= OX_SIM_SHIP_BY;
	if (o->channel >= 2)
		o->flags |= OX_SIM_PAY_BY;
	o->deliver_by = o->channel == 1 ? created + 72 * OX_MS_HOUR
			: o->channel == 3 ? created + 6 * OX_MS_DAY
					  : OX_TIME_NONE;

	double cr[8];
	for (size_t i = 0; i < 8; i++)
		cr[i] = ox_sim_carriers[i].share;
	o->carrier = o->channel == 1 && ox_sim_chance(r, 0.65) ? 6 /* jd */ : (uint8_t)ox_sim_pick(r, cr, 8);
	if (ox_sim_chance(r, 0.08))
		o->remark = ox_sim_safe_remarks[ox_sim_below(r, OX_SIM_N_SAFE_REMARKS)];
	if (s->opt.noise && ox_sim_chance(r, 0.3))
		o->flags |= OX_SIM_NOISY;
	if (ox_sim_chance(r, 0.5))
		o->flags |= OX_SIM_PENDING;
	double v = ox_sim_unit(r);
	if (v < 0.07)
		o->flags |= OX_SIM_ABANDON;
	else if (v < 0.085)
		o->flags |= OX_SIM_REFUND;
}

void ox_sim_plan(struct ox_sim *s)
{
	s->end = s->opt.start + s->opt.hours;
	s->d11 = find_d11(s);
	ox_sim_rng_seed(&s->rng, s->opt.seed, 0);
	s->id_key = ox_sim_mix(s->opt.seed ^ 0x1dull);
	plan_skus(s);

	size_t n = s->opt.orders;
	ox_time *times = ox_xmalloc(n * sizeof *times);
	creation_times(s, times, n);
	s->orders = ox_xcalloc(n, sizeof *s->orders);
	s->n_orders = n;
	uint32_t *pool = NULL;
	size_t n_pool = 0, cap_pool = 0;
	for (size_t i = 0; i < n; i++)
		plan_order(s, (uint32_t)i, times[i], &pool, &n_pool, &cap_pool);
	free(pool);
	free(times);
}
