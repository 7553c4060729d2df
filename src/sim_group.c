/* sim_group.c - anomalies that take many orders at once: fraud rings
 * (FRD_SUSPECT), payment gateway outages (INC_PAYMENT_RATE) and a carrier's
 * choked sorting centre (INC_BURST). Rings and outages shape orders before
 * their lives are played; a carrier outage is written into finished lives.
 * Their FRD_SUSPECT and incident cases are labelled in sim_truth.c.
 */
#include <stdlib.h>

#include "phone.h"
#include "sim_int.h"

#define SEC OX_MS_SECOND
#define MIN OX_MS_MINUTE
#define HOUR OX_MS_HOUR
#define NONE OX_TIME_NONE

/* k free consecutive orders, created early enough to be re-timed within
 * the period; -1 if none turned up. */
static long free_run(struct ox_sim *s, size_t k)
{
	if (s->n_orders < k)
		return -1;
	for (int tries = 0; tries < 500; tries++) {
		size_t i = ox_sim_below(&s->rng, s->n_orders - k + 1), j = 0;
		while (j < k && ox_sim_is_free(&s->orders[i + j]))
			j++;
		if (j == k && s->orders[i].created < s->end - (ox_time)k * 40 * MIN)
			return (long)i;
	}
	return -1;
}

static void retime(struct ox_sim_order *o, ox_time t)
{
	int64_t d = t - o->created;
	o->created += d;
	o->pay_by += d;
	o->ship_by += d;
	if (o->deliver_by != NONE)
		o->deliver_by += d;
}

/* FRD_SUSPECT: rings of orders that share what honest buyers never do. The
 * scores and their cases are worked out in sim_truth.c over all orders. */
static void ring_address(struct ox_sim *s, long i, size_t k, uint32_t ring)
{
	struct ox_sim_place pl;
	uint16_t prov;
	ox_sim_home(s, &s->rng, &pl, &prov);
	char phone[32], norm[32];
	ox_sim_valid_phone(&s->rng, 0x40000000u + ring, phone, sizeof phone);
	ox_phone_normalize(ox_str_z(phone), norm, sizeof norm);
	for (size_t j = 0; j < k; j++) {
		struct ox_sim_order *o = &s->orders[i + (long)j];
		ox_sim_take(o, OX_R_FRD_SUSPECT);
		ox_sim_set_customer(s, o, ox_sim_fresh_customer(s, &s->rng));
		o->addr = pl; /* one drop address, typed a little differently */
		if (j % 2)
			snprintf(o->addr.detail, sizeof o->addr.detail, "%.80s ", pl.detail);
		o->province = prov;
		o->warehouse = ox_sim_geo_warehouse(s->geo, prov);
		snprintf(o->phone, sizeof o->phone, j % 3 == 1 ? "+86 %s" : "%s", norm);
	}
}

static void ring_device(struct ox_sim *s, long i, size_t k, uint32_t ring)
{
	uint64_t device = ox_sim_mix(s->opt.seed ^ 0xfa4au ^ (uint64_t)ring << 32) | 1;
	uint32_t ip = 45u << 24 | 154u << 16 | (ring & 0xffff);
	ox_time t = s->orders[i].created;
	for (size_t j = 0; j < k; j++) {
		struct ox_sim_order *o = &s->orders[i + (long)j];
		ox_sim_take(o, OX_R_FRD_SUSPECT);
		uint32_t ci = ox_sim_fresh_customer(s, &s->rng);
		if (j)
			t += ox_sim_range(&s->rng, MIN, 6 * MIN);
		retime(o, t);
		s->cust[ci].registered = t - ox_sim_range(&s->rng, 5 * MIN, 3 * HOUR);
		ox_sim_set_customer(s, o, ci);
		o->device = device;
		o->ip = ip;
		const struct ox_sim_coupon *cp = &ox_sim_coupons[OX_SIM_N_COUPONS - 1]; /* NEW-10 */
		o->coupon = cp->code;
		o->coupon_amount = cp->amount;
		struct ox_sim_item *it = &s->items[o->item0];
		for (ox_sim_set_total(s, o); o->total < cp->min_spend - cp->amount + 1; ox_sim_set_total(s, o))
			it->qty++;
	}
}

static void ring_new_account(struct ox_sim *s, long i, size_t k)
{
	uint32_t ci = ox_sim_fresh_customer(s, &s->rng);
	ox_time t = s->orders[i].created;
	s->cust[ci].registered = t - ox_sim_range(&s->rng, 10 * MIN, 2 * HOUR);
	char phone[32];
	ox_sim_break_phone(&s->rng, s->cust[ci].phone, phone, sizeof phone);
	for (size_t j = 0; j < k; j++) {
		struct ox_sim_order *o = &s->orders[i + (long)j];
		ox_sim_take(o, OX_R_FRD_SUSPECT);
		if (j)
			t += ox_sim_range(&s->rng, 5 * MIN, 40 * MIN);
		retime(o, t);
		ox_sim_set_customer(s, o, ci);
		snprintf(o->phone, sizeof o->phone, "%s", phone);
		o->n_items = 1; /* by the case */
		struct ox_sim_item *it = &s->items[o->item0];
		it->qty = (uint32_t)(it->price > 10000 ? ox_sim_range(&s->rng, 50, 60) : ox_sim_range(&s->rng, 50, 200));
		o->coupon = NULL;
		ox_sim_set_total(s, o);
		ox_sim_label(s, OX_R_CUS_PHONE_INVALID, (uint32_t)(i + (long)j), o->created, OX_SIM_OPEN);
	}
}

void ox_sim_rings(struct ox_sim *s, size_t count)
{
	for (size_t n = 0; n < count; n++) {
		size_t kind = (n + s->opt.seed) % 3, k = kind == 1 ? (size_t)ox_sim_range(&s->rng, 5, 7)
							       : (size_t)ox_sim_range(&s->rng, 3, 5);
		long i = free_run(s, k);
		if (i < 0)
			return;
		if (kind == 0)
			ring_address(s, i, k, (uint32_t)n);
		else if (kind == 1)
			ring_device(s, i, k, (uint32_t)n);
		else
			ring_new_account(s, i, k < 4 ? k : 4);
	}
}

/* INC_PAYMENT_RATE: the payment gateway is down for 5 to 7 minutes where
 * buyers are paying; everyone who tries then fails and retries. */
static size_t paying_in(const struct ox_sim *s, ox_time from, ox_time to, bool mark, uint8_t outage)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_orders; i++) {
		struct ox_sim_order *o = &s->orders[i];
		ox_time t = o->created + o->pay_delay;
		if (t < from || t >= to || !ox_sim_is_free(o) || (o->flags & OX_SIM_ABANDON))
			continue;
		n++;
		if (mark)
			o->outage = outage;
	}
	return n;
}

void ox_sim_outages(struct ox_sim *s, size_t count)
{
	s->outages = ox_xcalloc(count ? count : 1, sizeof *s->outages);
	for (size_t n = 0; n < count; n++) {
		struct ox_sim_outage best = { 0, 0, 0 };
		size_t best_n = 0;
		for (int tries = 0; tries < 40 && best_n < 8; tries++) {
			const struct ox_sim_order *o = &s->orders[ox_sim_below(&s->rng, s->n_orders)];
			ox_time from = o->created + o->pay_delay - ox_sim_range(&s->rng, 0, 30 * SEC);
			ox_time to = from + ox_sim_range(&s->rng, 5 * MIN, 7 * MIN);
			bool overlap = false;
			for (size_t j = 0; j < s->n_outages; j++)
				overlap |= from < s->outages[j].to + HOUR && to > s->outages[j].from - HOUR;
			size_t k = overlap ? 0 : paying_in(s, from, to, false, 0);
			if (k > best_n) {
				best_n = k;
				best = (struct ox_sim_outage){ from, to, 0 };
			}
		}
		if (best_n < 3)
			continue;
		/* enough retries for >= 50 attempts in 5 minutes */
		int64_t retry = (int64_t)best_n * 2200;
		best.retry = retry < 10 * SEC ? 10 * SEC : retry > 90 * SEC ? 90 * SEC : retry;
		s->outages[s->n_outages++] = best;
		paying_in(s, best.from, best.to, true, (uint8_t)s->n_outages);
		size_t give_up = best_n >= 8 ? (best_n / 8 < 3 ? best_n / 8 : 3) : 0;
		for (size_t i = 0; i < s->n_orders && give_up; i++)
			if (s->orders[i].outage == s->n_outages && ox_sim_chance(&s->rng, 0.3)) {
				s->orders[i].flags |= OX_SIM_GIVE_UP;
				give_up--;
			}
	}
}

/* INC_BURST: a carrier's sorting centre chokes, and 20-26 of its parcels
 * in transit turn into 疑难件 within ten minutes; each moves on at its next
 * scan. The burst itself is labelled from all cases in sim_truth.c. */
static bool burst_gap(const struct ox_sim *s, const struct ox_sim_order *o, ox_time x, uint16_t *hop)
{
	const struct ox_sim_rec *prev = NULL;
	for (uint32_t i = o->rec0; i < o->rec0 + o->n_rec; i++) {
		const struct ox_sim_rec *r = &s->recs[i];
		if (r->type != OX_EV_SHIPMENT_TRACK)
			continue;
		if (prev && prev->arg >> 8 == r->arg >> 8 && prev->ts <= x - 2 * MIN && r->ts >= x + 12 * MIN &&
		    (prev->sub == OX_TRK_COLLECTED || prev->sub == OX_TRK_IN_TRANSIT) &&
		    (r->sub == OX_TRK_IN_TRANSIT || r->sub == OX_TRK_OUT_FOR_DELIVERY)) {
			*hop = prev->arg;
			return true;
		}
		prev = r;
	}
	return false;
}

void ox_sim_bursts(struct ox_sim *s, size_t count)
{
	uint32_t *cand = ox_xmalloc((s->n_orders + 1) * sizeof *cand);
	uint16_t *hops = ox_xmalloc((s->n_orders + 1) * sizeof *hops);
	double cw[8];
	for (size_t i = 0; i < 8; i++)
		cw[i] = ox_sim_carriers[i].share;
	ox_time lo = s->opt.start + 6 * HOUR, hi = s->end + 30 * HOUR;
	for (size_t b = 0; b < count; b++)
		for (int tries = 0; tries < 200; tries++) {
			uint8_t carrier = (uint8_t)ox_sim_pick(&s->rng, cw, 8);
			ox_time x = ox_sim_range(&s->rng, lo, hi);
			size_t n = 0;
			for (uint32_t i = 0; i < s->n_orders; i++) {
				const struct ox_sim_order *o = &s->orders[i];
				if (ox_sim_is_free(o) && !(o->flags & OX_SIM_NOISY) && o->carrier == carrier &&
				    burst_gap(s, o, x, &hops[n]))
					cand[n++] = i;
			}
			if (n < 20)
				continue;
			size_t k = (size_t)ox_sim_range(&s->rng, 20, 26);
			for (size_t j = 0; j < k && j < n; j++) {
				size_t m = j + ox_sim_below(&s->rng, n - j); /* partial shuffle */
				uint32_t t = cand[j];
				uint16_t h = hops[j];
				cand[j] = cand[m], hops[j] = hops[m];
				cand[m] = t, hops[m] = h;
				ox_time at = x + ox_sim_range(&s->rng, 0, 9 * MIN);
				struct ox_sim_rec *rec = ox_sim_rec_add(s, OX_EV_SHIPMENT_TRACK, at, cand[j]);
				rec->sub = OX_TRK_EXCEPTION;
				rec->arg = hops[j];
				s->orders[cand[j]].rule = OX_R_LOG_CARRIER_EXCEPTION;
				ox_sim_label(s, OX_R_LOG_CARRIER_EXCEPTION, cand[j], at, OX_SIM_RESOLVED);
			}
			break;
		}
	free(cand);
	free(hops);
}
