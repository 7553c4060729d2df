/* sim_inject.c - the anomalies: a table with a row per rule of rules.md,
 * the injectors of one order's anomaly, and the assignment of anomalies to
 * orders (group anomalies live in sim_group.c and sim_stock.c).
 *
 * An order injector starts from a clean normal life (no noise, paid,
 * shipped), bends it, and labels exactly the cases rules.md opens on the
 * result, with their opened_at. Where a bend would also trip another rule,
 * the injector either avoids it (deliver_by dropped, refund before the
 * closing status) or labels that case too. Half of the anomalies resolve
 * later in the stream where the rule allows it.
 */
#include <math.h>
#include <stdlib.h>

#include "blacklist.h"
#include "divisions.h"
#include "phone.h"
#include "sim_int.h"

#define SEC OX_MS_SECOND
#define MIN OX_MS_MINUTE
#define HOUR OX_MS_HOUR
#define DAY OX_MS_DAY
#define NONE OX_TIME_NONE

static int resolved(struct ox_sim_ctx *c, double p)
{
	return ox_sim_chance(c->r, p) ? OX_SIM_RESOLVED : OX_SIM_OPEN;
}

static void label(struct ox_sim_ctx *c, enum ox_rule rule, ox_time at, int status)
{
	ox_sim_label(c->s, rule, c->oi, at, status);
}

/* Refund everything at ts, then close as refunded: net paid is 0 before the
 * order closes, so PAY_ON_CLOSED stays quiet. */
static void refund_close(struct ox_sim_ctx *c, ox_time ts)
{
	ox_sim_refund_all(c->l, ts);
	ox_sim_close(c->l, ts + ox_sim_range(c->r, 5 * SEC, 2 * MIN), OX_ST_REFUNDED);
}

/* Keep the first n tracks. */
static void cut_tracks(struct ox_sim_ctx *c, int n)
{
	if (n < c->l->n_tracks)
		c->l->n_tracks = n;
	ox_sim_settle(c);
}

/* Index of a collected or in-transit track with at least one track after
 * it that is not the delivery. */
static int transit_track(struct ox_sim_ctx *c)
{
	const struct ox_sim_life *l = c->l;
	int n = 0;
	while (n < l->n_tracks && (l->track[n].st == OX_TRK_COLLECTED || l->track[n].st == OX_TRK_IN_TRANSIT))
		n++;
	return n ? (int)ox_sim_below(c->r, (uint64_t)n) : 0;
}

/* Index of the (first) out-for-delivery track. */
static int ofd_track(const struct ox_sim_life *l)
{
	for (int i = 0; i < l->n_tracks; i++)
		if (l->track[i].st == OX_TRK_OUT_FOR_DELIVERY)
			return i;
	return l->n_tracks - 1;
}

/* ---- payment ---------------------------------------------------------------- */

static void inj_pay_failed(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time f = c->o->created + c->o->pay_delay, t = f;
	ox_sim_unpaid(l);
	static const uint8_t reasons[] = { 0, 1, 2, 5 };
	int tries = (int)ox_sim_range(c->r, 1, 3);
	for (int i = 0; i < tries; i++, t += ox_sim_range(c->r, 20 * SEC, 4 * MIN))
		ox_sim_pay_add(l, OX_EV_PAYMENT_FAILED, t, 0, c->o->total, reasons[ox_sim_below(c->r, 4)]);
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) { /* came back later, past the retry window */
		ox_sim_pay_full(c, f + 15 * MIN + ox_sim_range(c->r, 30 * SEC, 25 * MIN));
		ox_sim_fulfil(c);
	} else {
		ox_time at = c->o->pay_by > t ? c->o->pay_by : t;
		ox_sim_close(l, at + ox_sim_range(c->r, SEC, MIN), OX_ST_CLOSED);
	}
	label(c, OX_R_PAY_FAILED, f + 15 * MIN, st);
}

static void inj_pay_duplicate(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time p2 = l->paid_at + ox_sim_range(c->r, 20 * SEC, 10 * MIN);
	l->method = (uint8_t)((c->o->method + 1) % 4);
	ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, p2, 1, c->o->total, 0);
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED)
		ox_sim_pay_add(l, OX_EV_PAYMENT_REFUNDED, p2 + ox_sim_range(c->r, 30 * MIN, 20 * HOUR), 1, c->o->total, 0);
	label(c, OX_R_PAY_DUPLICATE, p2, st);
}

static void inj_pay_amount_mismatch(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_money total = c->o->total;
	ox_money delta = ox_sim_range(c->r, 100, 5000);
	bool under = total > delta + 100 && ox_sim_chance(c->r, 0.5);
	l->pay[0].amount = under ? total - delta : total + delta;
	ox_time due = l->pay[0].ts + 5 * MIN;
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED && under) /* the buyer tops up */
		ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, due + ox_sim_range(c->r, MIN, 2 * HOUR), 1, delta, 0);
	else if (st == OX_SIM_RESOLVED) /* the shop refunds the excess */
		ox_sim_pay_add(l, OX_EV_PAYMENT_REFUNDED, due + ox_sim_range(c->r, 10 * MIN, DAY), 0, delta, 0);
	label(c, OX_R_PAY_AMOUNT_MISMATCH, due, st);
}

static void inj_pay_status_stale(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time due = l->paid_at + 5 * MIN;
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) {
		l->st_paid = due + ox_sim_range(c->r, 30 * SEC, 40 * MIN);
	} else { /* the OMS never hears of it; the warehouse ships anyway */
		l->st_paid = l->st_shipped = l->st_delivered = l->st_completed = NONE;
	}
	label(c, OX_R_PAY_STATUS_STALE, due, st);
}

static void inj_pay_on_closed(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	int st = resolved(c, 0.5);
	ox_time at;
	if (ox_sim_chance(c->r, 0.5)) { /* cancelled after paying, money held */
		at = l->paid_at + ox_sim_range(c->r, 10 * MIN, 4 * HOUR);
		ox_sim_unship(l);
		ox_sim_close(l, at, OX_ST_CANCELLED);
	} else { /* closed unpaid at pay_by, then the money came in */
		ox_sim_unpaid(l);
		ox_time closed = c->o->pay_by + ox_sim_range(c->r, SEC, 30 * SEC);
		ox_sim_close(l, closed, OX_ST_CLOSED);
		at = closed + ox_sim_range(c->r, MIN, 40 * MIN);
		ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, at, 0, c->o->total, 0);
	}
	if (st == OX_SIM_RESOLVED)
		ox_sim_refund_all(l, at + ox_sim_range(c->r, 5 * MIN, DAY));
	label(c, OX_R_PAY_ON_CLOSED, at, st);
}

static void inj_pay_unreconciled(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time s = c->o->created + c->o->pay_delay; /* the OMS says paid */
	l->n_pay = 0;
	l->n_pids = 0;
	l->paid_at = l->st_paid = s;
	ox_sim_fulfil(c);
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) /* the gateway's record turns up */
		ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, s + 30 * MIN + ox_sim_range(c->r, MIN, 3 * HOUR), 0,
			       c->o->total, 0);
	label(c, OX_R_PAY_UNRECONCILED, s + 30 * MIN, st);
}

/* ---- inventory (orders) ------------------------------------------------------ */

static const uint8_t reason_timeout = 1, reason_lock = 2, reason_insufficient = 0;

static void inj_reserve_failed(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	l->fail_item = (int)ox_sim_below(c->r, c->o->n_items);
	l->reserve_fail = l->reserve + ox_sim_range(c->r, 0, 3 * SEC);
	int st;
	if (ox_sim_chance(c->r, 0.7)) {
		l->fail_reason = ox_sim_chance(c->r, 0.5) ? reason_timeout : reason_lock;
		st = resolved(c, 0.6);
		if (st == OX_SIM_RESOLVED)
			l->reserve_retry = l->reserve_fail + ox_sim_range(c->r, 10 * SEC, 20 * MIN);
	} else { /* out of stock before payment: the buyer walks away */
		l->fail_reason = reason_insufficient;
		ox_sim_unpaid(l);
		ox_sim_close(l, c->o->created + ox_sim_range(c->r, 2 * MIN, 25 * MIN), OX_ST_CANCELLED);
		st = OX_SIM_OPEN;
	}
	label(c, OX_R_INV_RESERVE_FAILED, l->reserve_fail, st);
}

static void inj_oversold(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time oversold_at;
	bool before = ox_sim_chance(c->r, 0.4);
	l->fail_item = (int)ox_sim_below(c->r, c->o->n_items);
	l->fail_reason = reason_insufficient;
	if (before) { /* failed at creation; opens OVERSOLD once paid */
		l->reserve_fail = l->reserve;
		oversold_at = l->paid_at;
	} else { /* stock taken at payment */
		l->reserve = l->reserve_fail = l->paid_at + ox_sim_range(c->r, SEC, 30 * SEC);
		oversold_at = l->reserve_fail;
	}
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) { /* restocked, shipped after */
		ox_time room = c->o->ship_by - 4 * HOUR - oversold_at;
		l->reserve_retry = oversold_at + ox_sim_range(c->r, HOUR, room < 10 * HOUR ? room : 10 * HOUR);
		ox_time ship = l->reserve_retry + ox_sim_range(c->r, 30 * MIN, 2 * HOUR);
		if (l->ship < ship)
			ox_sim_ship_at(c, ship);
	} else {
		ox_sim_unship(l);
		refund_close(c, oversold_at + ox_sim_range(c->r, 30 * MIN, 4 * HOUR));
	}
	if (before)
		label(c, OX_R_INV_RESERVE_FAILED, l->reserve_fail, st);
	label(c, OX_R_INV_OVERSOLD, oversold_at, st);
}

/* ---- logistics -------------------------------------------------------------- */

static void inj_ship_overdue(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time due = c->o->ship_by;
	double x = ox_sim_unit(c->r);
	int st = x < 0.6 ? OX_SIM_RESOLVED : OX_SIM_OPEN;
	c->o->deliver_by = NONE;
	if (x < 0.4) {
		ox_sim_ship_at(c, due + ox_sim_range(c->r, HOUR, 20 * HOUR));
	} else {
		ox_sim_unship(l);
		if (x < 0.6)
			refund_close(c, due + ox_sim_range(c->r, HOUR, 10 * HOUR));
	}
	label(c, OX_R_LOG_SHIP_OVERDUE, due, st);
}

static void inj_stalled(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	c->o->deliver_by = NONE;
	int k = transit_track(c);
	ox_time due = l->track[k].ts + 72 * HOUR;
	cut_tracks(c, k + 1);
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) { /* moving again, delivered after */
		ox_sim_track(l, due + ox_sim_range(c->r, HOUR, 30 * HOUR), OX_TRK_IN_TRANSIT);
		ox_sim_route(c, ox_sim_last_track(l), (int)ox_sim_range(c->r, 0, 2));
		ox_sim_settle(c);
	}
	label(c, OX_R_LOG_STALLED, due, st);
}

static void inj_delivery_overdue(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	ox_time due = c->o->created + ox_sim_range(c->r, 48 * HOUR, 72 * HOUR);
	if (due < l->track[0].ts + 6 * HOUR)
		due = l->track[0].ts + 6 * HOUR;
	c->o->deliver_by = due;
	/* keep the hops made before the promise ran out */
	int n = 0;
	while (n < l->n_tracks && l->track[n].ts < due - 30 * MIN &&
	       (l->track[n].st == OX_TRK_COLLECTED || l->track[n].st == OX_TRK_IN_TRANSIT))
		n++;
	cut_tracks(c, n ? n : 1);
	int st = resolved(c, 0.5);
	ox_time late = due + ox_sim_range(c->r, 2 * HOUR, 36 * HOUR);
	ox_sim_hops_until(c, late);
	if (st == OX_SIM_RESOLVED) {
		ox_sim_deliver(c, ox_sim_last_track(l) > late - 3 * HOUR ? ox_sim_last_track(l) : late - 3 * HOUR);
	} else { /* lost on the way; refunded after the promise had passed */
		ox_time lost = ox_sim_last_track(l) + ox_sim_range(c->r, HOUR, 12 * HOUR);
		if (lost <= due)
			lost = due + ox_sim_range(c->r, HOUR, 12 * HOUR);
		ox_sim_track(l, lost, OX_TRK_LOST);
		refund_close(c, lost + ox_sim_range(c->r, 2 * HOUR, DAY));
		label(c, OX_R_LOG_LOST, lost, OX_SIM_OPEN);
	}
	ox_sim_settle(c);
	label(c, OX_R_LOG_DELIVERY_OVERDUE, due, st);
}

static void inj_lost(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	c->o->deliver_by = NONE;
	int k = transit_track(c);
	cut_tracks(c, k + 1);
	ox_time lost = l->track[k].ts + ox_sim_range(c->r, 3 * HOUR, 40 * HOUR);
	ox_sim_track(l, lost, OX_TRK_LOST);
	int st = resolved(c, 0.4);
	if (st == OX_SIM_RESOLVED) /* found, and delivered after all */
		ox_sim_track(l, lost + ox_sim_range(c->r, 12 * HOUR, 60 * HOUR), OX_TRK_DELIVERED);
	else
		refund_close(c, lost + ox_sim_range(c->r, 2 * HOUR, 30 * HOUR));
	ox_sim_settle(c);
	label(c, OX_R_LOG_LOST, lost, st);
}

static void inj_damaged(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	c->o->deliver_by = NONE;
	if (ox_sim_chance(c->r, 0.5)) { /* the carrier reports it */
		int k = ofd_track(l);
		cut_tracks(c, k + 1);
		ox_time at = l->track[k].ts + ox_sim_range(c->r, 30 * MIN, 4 * HOUR);
		ox_sim_track(l, at, OX_TRK_DAMAGED);
		refund_close(c, at + ox_sim_range(c->r, HOUR, DAY));
		ox_sim_settle(c);
		label(c, OX_R_LOG_DAMAGED, at, OX_SIM_OPEN);
		return;
	}
	/* the buyer does, through customer service: a ticket, two cases */
	ox_time at = ox_sim_last_track(l) + ox_sim_range(c->r, HOUR, 48 * HOUR);
	struct ox_sim_extra *x = ox_sim_extra(l, at, OX_EV_CS_TICKET);
	x->sub = OX_TK_DAMAGED;
	x->arg = (uint16_t)ox_sim_below(c->r, 2);
	label(c, OX_R_CUS_TICKET, at, OX_SIM_OPEN);
	label(c, OX_R_LOG_DAMAGED, at, OX_SIM_OPEN);
}

static void inj_rejected(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	c->o->deliver_by = NONE;
	int k = ofd_track(l);
	cut_tracks(c, k + 1);
	ox_time at = l->track[k].ts + ox_sim_range(c->r, 20 * MIN, 3 * HOUR);
	ox_sim_track(l, at, OX_TRK_REJECTED);
	ox_time back = at + ox_sim_range(c->r, 2 * HOUR, 20 * HOUR);
	ox_sim_track(l, back, OX_TRK_RETURNING);
	back += ox_sim_range(c->r, 20 * HOUR, 60 * HOUR);
	ox_sim_track(l, back, OX_TRK_RETURNED);
	refund_close(c, back + ox_sim_range(c->r, HOUR, DAY));
	ox_sim_settle(c);
	label(c, OX_R_LOG_REJECTED, at, OX_SIM_OPEN);
}

static void inj_failed_attempt(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	c->o->deliver_by = NONE;
	int k = ofd_track(l);
	cut_tracks(c, k + 1);
	ox_time t = l->track[k].ts;
	for (int i = 0; i < 2; i++) { /* nobody home, twice */
		t += ox_sim_range(c->r, HOUR, 6 * HOUR);
		ox_sim_track(l, t, OX_TRK_FAILED_ATTEMPT);
		if (i == 0) {
			t += ox_sim_range(c->r, 14 * HOUR, 20 * HOUR);
			ox_sim_track(l, t, OX_TRK_OUT_FOR_DELIVERY);
		}
	}
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) {
		ox_sim_deliver(c, t + 8 * HOUR);
	} else { /* sent back */
		ox_time back = t + ox_sim_range(c->r, 12 * HOUR, 30 * HOUR);
		ox_sim_track(l, back, OX_TRK_RETURNING);
		ox_time home = back + ox_sim_range(c->r, 20 * HOUR, 60 * HOUR);
		ox_sim_track(l, home, OX_TRK_RETURNED);
		refund_close(c, home + ox_sim_range(c->r, HOUR, DAY));
		label(c, OX_R_LOG_REJECTED, back, OX_SIM_OPEN);
	}
	ox_sim_settle(c);
	label(c, OX_R_LOG_FAILED_ATTEMPT, t, st);
}

static void inj_carrier_exception(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	c->o->deliver_by = NONE;
	int k = transit_track(c);
	cut_tracks(c, k + 1);
	ox_time at = l->track[k].ts + ox_sim_range(c->r, HOUR, 12 * HOUR);
	ox_sim_track(l, at, OX_TRK_EXCEPTION);
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) {
		ox_sim_track(l, at + ox_sim_range(c->r, 2 * HOUR, 30 * HOUR), OX_TRK_IN_TRANSIT);
		ox_sim_route(c, ox_sim_last_track(l), (int)ox_sim_range(c->r, 0, 2));
	} else { /* never heard of again */
		label(c, OX_R_LOG_STALLED, at + 72 * HOUR, OX_SIM_OPEN);
	}
	ox_sim_settle(c);
	label(c, OX_R_LOG_CARRIER_EXCEPTION, at, st);
}

/* ---- customer ------------------------------------------------------------- */

static const char *other_city(struct ox_sim_ctx *c, size_t not_p)
{
	size_t np = ox_div_province_count();
	for (;;) {
		size_t p = ox_sim_below(c->r, np);
		size_t nc = ox_div_city_count(p);
		if (p != not_p && nc && !ox_div_is_municipality(p))
			return ox_div_city_name(p, ox_sim_below(c->r, nc));
	}
}

static const char *other_district(struct ox_sim_ctx *c)
{
	for (;;) {
		size_t p = ox_sim_below(c->r, ox_div_province_count());
		size_t nc = ox_div_city_count(p);
		size_t ci = nc ? ox_sim_below(c->r, nc) : 0;
		size_t nd = ox_div_district_count(p, ci);
		if (nd)
			return ox_div_district_name(p, ci, ox_sim_below(c->r, nd));
	}
}

/* The ways buyers get an address wrong. */
static void break_address(struct ox_sim_ctx *c, struct ox_sim_place *a)
{
	for (int tries = 0; tries < 20 && ox_sim_place_valid(a); tries++)
		switch (ox_sim_below(c->r, 6)) {
		case 0: a->district = ""; break;
		case 1: a->city = "  "; break;
		case 2: snprintf(a->detail, sizeof a->detail, "%d号", (int)ox_sim_range(c->r, 1, 99)); break;
		case 3: a->city = other_city(c, c->o->province); break;
		case 4: a->district = other_district(c); break;
		default: a->province = ""; break;
		}
	if (ox_sim_place_valid(a))
		a->district = "";
}

static void inj_address_invalid(struct ox_sim_ctx *c)
{
	struct ox_sim_order *o = c->o;
	break_address(c, &o->addr);
	int st = resolved(c, 0.6);
	if (st == OX_SIM_RESOLVED) { /* customer service calls; the buyer fixes it */
		uint32_t u = ox_sim_add_update(c->s, OX_SIM_UPD_ADDRESS);
		c->s->upd[u].addr = c->s->cust[o->customer].home;
		ox_sim_extra(c->l, o->created + ox_sim_range(c->r, 5 * MIN, 3 * HOUR), OX_EV_ORDER_UPDATED)->upd = u;
	}
	label(c, OX_R_CUS_ADDRESS_INVALID, o->created, st);
}

/* A mistyped version of a valid phone. */
void ox_sim_break_phone(struct ox_sim_rng *r, const char *valid, char *out, size_t cap)
{
	char digits[32];
	size_t n = 0;
	for (const char *p = valid; *p && n < 11; p++)
		if (*p >= '0' && *p <= '9' && !(p == valid + 1 && valid[0] == '+'))
			digits[n++] = *p;
	digits[n] = '\0';
	if (valid[0] == '+') /* skip "86" */
		memmove(digits, digits + 1, n);
	for (int tries = 0; tries < 10; tries++) {
		switch (ox_sim_below(r, 6)) {
		case 0: snprintf(out, cap, "%.10s", digits); break;          /* a digit short */
		case 1: snprintf(out, cap, "%s%d", digits, (int)ox_sim_below(r, 10)); break;
		case 2: snprintf(out, cap, "12%.9s", digits + 2); break;     /* no such prefix */
		case 3: snprintf(out, cap, "%.3s-%.4s-%.4s", digits, digits + 3, digits + 7); break;
		case 4: snprintf(out, cap, "%.9sO%c", digits, digits[10]); break; /* letter O */
		default: snprintf(out, cap, "%s", ""); break;
		}
		if (!ox_phone_valid(ox_str_z(out)))
			return;
	}
	snprintf(out, cap, "%s", "");
}

static void inj_phone_invalid(struct ox_sim_ctx *c)
{
	struct ox_sim_order *o = c->o;
	const char *real = c->s->cust[o->customer].phone;
	ox_sim_break_phone(c->r, real, o->phone, sizeof o->phone);
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) {
		uint32_t u = ox_sim_add_update(c->s, OX_SIM_UPD_PHONE);
		snprintf(c->s->upd[u].phone, sizeof c->s->upd[u].phone, "%s", real);
		ox_sim_extra(c->l, o->created + ox_sim_range(c->r, 5 * MIN, 4 * HOUR), OX_EV_ORDER_UPDATED)->upd = u;
	}
	label(c, OX_R_CUS_PHONE_INVALID, o->created, st);
}

static void inj_remark(struct ox_sim_ctx *c)
{
	struct ox_sim_order *o = c->o;
	const char *remark = ox_sim_attention_remarks[ox_sim_below(c->r, OX_SIM_N_ATTENTION_REMARKS)];
	if (ox_sim_chance(c->r, 0.75)) {
		o->remark = remark;
		label(c, OX_R_CUS_REMARK_ATTENTION, o->created, OX_SIM_OPEN);
		return;
	}
	/* written after the order, through an update */
	uint32_t u = ox_sim_add_update(c->s, OX_SIM_UPD_REMARK);
	c->s->upd[u].remark = remark;
	ox_time at = o->created + ox_sim_range(c->r, 2 * MIN, 3 * HOUR);
	ox_sim_extra(c->l, at, OX_EV_ORDER_UPDATED)->upd = u;
	label(c, OX_R_CUS_REMARK_ATTENTION, at, OX_SIM_OPEN);
}

static void inj_ticket(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	static const uint8_t kinds[] = { OX_TK_COMPLAINT, OX_TK_INQUIRY, OX_TK_ADDRESS_CHANGE,
					 OX_TK_NOT_RECEIVED, OX_TK_OTHER };
	uint8_t kind = kinds[ox_sim_below(c->r, OX_ARRAY_LEN(kinds))];
	ox_time at;
	if (kind == OX_TK_INQUIRY || kind == OX_TK_ADDRESS_CHANGE)
		at = c->o->created + ox_sim_range(c->r, 5 * MIN, 2 * HOUR);
	else if (kind == OX_TK_NOT_RECEIVED)
		at = l->ship + ox_sim_range(c->r, 30 * HOUR, 60 * HOUR);
	else
		at = ox_sim_last_track(l) + ox_sim_range(c->r, HOUR, 48 * HOUR);
	struct ox_sim_extra *x = ox_sim_extra(l, at, OX_EV_CS_TICKET);
	x->sub = kind;
	x->arg = (uint16_t)ox_sim_below(c->r, 2);
	label(c, OX_R_CUS_TICKET, at, OX_SIM_OPEN);
}

/* ---- system -------------------------------------------------------------- */

static void inj_create_failed(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	int st = resolved(c, 0.5);
	if (st == OX_SIM_RESOLVED) { /* the retry went through */
		l->create_failed = c->o->created - ox_sim_range(c->r, 2 * SEC, 90 * SEC);
	} else { /* the order never came to be */
		ox_sim_life_clear(l);
		c->o->flags |= OX_SIM_NO_CREATE;
		l->create_failed = c->o->created;
	}
	label(c, OX_R_SYS_CREATE_FAILED, l->create_failed, st);
}

static void inj_sync_failed(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	double x = ox_sim_unit(c->r);
	int st = resolved(c, 0.5);
	if (x < 0.45) { /* no ack at all from wms or erp */
		uint8_t sys = (uint8_t)ox_sim_below(c->r, OX_SIM_N_REQUIRED);
		ox_time due = l->paid_at + 10 * MIN;
		l->ack[sys] = st == OX_SIM_RESOLVED ? due + ox_sim_range(c->r, MIN, 50 * MIN) : NONE;
		label(c, OX_R_SYS_SYNC_FAILED, due, st);
		return;
	}
	/* a failure report: from a required system, or from crm */
	l->sync_fail_sys = x < 0.8 ? (uint8_t)ox_sim_below(c->r, OX_SIM_N_REQUIRED) : OX_SIM_CRM;
	l->sync_fail = l->paid_at + ox_sim_range(c->r, 10 * SEC, 3 * MIN);
	l->ack[l->sync_fail_sys] = st == OX_SIM_RESOLVED ? l->sync_fail + ox_sim_range(c->r, MIN, 40 * MIN) : NONE;
	label(c, OX_R_SYS_SYNC_FAILED, l->sync_fail, st);
}

/* ---- fraud --------------------------------------------------------------- */

static void add_black(struct ox_sim *s, enum ox_bl_kind kind, const char *value)
{
	OX_GROW(s->black, s->cap_black, s->n_black + 1);
	struct ox_sim_black *b = &s->black[s->n_black++];
	b->kind = (uint8_t)kind;
	snprintf(b->value, sizeof b->value, "%s", value);
}

/* A known bad buyer orders again: the blacklist names them by one of the
 * five kinds, written as a risk team would (another phone format, the
 * GB/T 2260 city name). FRD_BLACKLIST is labelled in sim_truth.c. */
static void inj_blacklist(struct ox_sim_ctx *c)
{
	struct ox_sim *s = c->s;
	struct ox_sim_order *o = c->o;
	uint32_t ci = ox_sim_fresh_customer(s, c->r);
	ox_sim_set_customer(s, o, ci);
	const struct ox_sim_customer *cu = &s->cust[ci];
	char v[200];
	switch (ox_sim_below(c->r, 5)) {
	case OX_BL_CUSTOMER:
		ox_sim_customer_id(cu, v, sizeof v);
		add_black(s, OX_BL_CUSTOMER, v);
		break;
	case OX_BL_PHONE: {
		char norm[64];
		ox_phone_normalize(ox_str_z(cu->phone), norm, sizeof norm);
		snprintf(v, sizeof v, "+86 %s", norm);
		add_black(s, OX_BL_PHONE, v);
		break;
	}
	case OX_BL_DEVICE:
		if (!o->device)
			o->device = ox_sim_mix(s->opt.seed ^ 0xbadull ^ ci) | 1;
		ox_sim_device_id(o->device, v, sizeof v);
		add_black(s, OX_BL_DEVICE, v);
		break;
	case OX_BL_IP:
		o->ip = 45u << 24 | 153u << 16 | (uint32_t)((s->n_black + 1) & 0xffff);
		ox_sim_ip(o->ip, v, sizeof v);
		add_black(s, OX_BL_IP, v);
		break;
	default: {
		const struct ox_sim_place *a = &o->addr;
		const char *city = a->city;
		int p = ox_div_find_province(ox_str_z(a->province));
		if (p >= 0 && ox_div_is_municipality((size_t)p)) /* 市辖区 or 县, as GB/T 2260 */
			for (size_t k = 0; k < ox_div_city_count((size_t)p); k++)
				if (ox_div_find_district((size_t)p, k, ox_str_z(a->district)) >= 0)
					city = ox_div_city_name((size_t)p, k);
		snprintf(v, sizeof v, "%s/%s/%s/ %s", a->province, city, a->district, a->detail);
		add_black(s, OX_BL_ADDRESS, v);
		break;
	}
	}
}

/* ---- the table and the assignment ---------------------------------------------------------------- */

/* Weights are rough relative frequencies in a shop; group rows are per
 * incident or ring, each touching many orders. */
const struct ox_sim_injector ox_sim_injectors[OX_R__COUNT] = {
	[OX_R_PAY_FAILED] = { 6, inj_pay_failed, NULL, 0 },
	[OX_R_PAY_DUPLICATE] = { 2, inj_pay_duplicate, NULL, 0 },
	[OX_R_PAY_AMOUNT_MISMATCH] = { 1.5, inj_pay_amount_mismatch, NULL, 0 },
	[OX_R_PAY_STATUS_STALE] = { 3, inj_pay_status_stale, NULL, 0 },
	[OX_R_PAY_ON_CLOSED] = { 1.5, inj_pay_on_closed, NULL, 0 },
	[OX_R_PAY_UNRECONCILED] = { 1.5, inj_pay_unreconciled, NULL, 0 },
	[OX_R_INV_RESERVE_FAILED] = { 2, inj_reserve_failed, NULL, 0 },
	[OX_R_INV_OVERSOLD] = { 1.5, inj_oversold, NULL, 0 },
	[OX_R_INV_NEGATIVE_STOCK] = { 1, NULL, ox_sim_negative_stock, OX_SIM_AFTER },
	[OX_R_INV_DRIFT] = { 1.5, NULL, ox_sim_drift, OX_SIM_AFTER },
	[OX_R_INV_LOW_STOCK] = { 1, NULL, ox_sim_low_stock, OX_SIM_AFTER },
	[OX_R_LOG_SHIP_OVERDUE] = { 3, inj_ship_overdue, NULL, 0 },
	[OX_R_LOG_STALLED] = { 3, inj_stalled, NULL, 0 },
	[OX_R_LOG_DELIVERY_OVERDUE] = { 2, inj_delivery_overdue, NULL, 0 },
	[OX_R_LOG_LOST] = { 1, inj_lost, NULL, 0 },
	[OX_R_LOG_DAMAGED] = { 1, inj_damaged, NULL, 0 },
	[OX_R_LOG_REJECTED] = { 1.5, inj_rejected, NULL, 0 },
	[OX_R_LOG_FAILED_ATTEMPT] = { 1.5, inj_failed_attempt, NULL, 0 },
	[OX_R_LOG_CARRIER_EXCEPTION] = { 2, inj_carrier_exception, NULL, 0 },
	[OX_R_CUS_ADDRESS_INVALID] = { 3, inj_address_invalid, NULL, 0 },
	[OX_R_CUS_PHONE_INVALID] = { 2, inj_phone_invalid, NULL, 0 },
	[OX_R_CUS_REMARK_ATTENTION] = { 5, inj_remark, NULL, 0 },
	[OX_R_CUS_TICKET] = { 4, inj_ticket, NULL, 0 },
	[OX_R_SYS_CREATE_FAILED] = { 1, inj_create_failed, NULL, 0 },
	[OX_R_SYS_SYNC_FAILED] = { 2, inj_sync_failed, NULL, 0 },
	[OX_R_FRD_BLACKLIST] = { 1, inj_blacklist, NULL, 0 },
	[OX_R_FRD_SUSPECT] = { 1, NULL, ox_sim_rings, OX_SIM_BEFORE },
	[OX_R_INC_BURST] = { 0.5, NULL, ox_sim_bursts, OX_SIM_AFTER },
	[OX_R_INC_PAYMENT_RATE] = { 0.5, NULL, ox_sim_outages, OX_SIM_FIRST },
};

void ox_sim_inject_order(struct ox_sim_ctx *c)
{
	if (ox_sim_injectors[c->o->rule].order)
		ox_sim_injectors[c->o->rule].order(c);
}

void ox_sim_groups(struct ox_sim *s, int phase)
{
	for (int r = 0; r < OX_R__COUNT; r++)
		if (ox_sim_injectors[r].group && ox_sim_injectors[r].phase == phase)
			ox_sim_injectors[r].group(s, s->slots[r]);
}

/* Split a anomalies among the rules by weight (largest remainder), each
 * weighted rule getting at least one when there are enough. */
static void apportion(struct ox_sim *s, size_t a)
{
	double total = 0, rem[OX_R__COUNT];
	size_t rules = 0, given = 0;
	for (int r = 0; r < OX_R__COUNT; r++)
		if (s->opt.weight[r] > 0) {
			total += s->opt.weight[r];
			rules++;
		}
	if (!rules || !a)
		return;
	size_t base = a >= rules ? 1 : 0, rest = a - base * rules;
	for (int r = 0; r < OX_R__COUNT; r++) {
		rem[r] = -1;
		if (s->opt.weight[r] <= 0)
			continue;
		double q = (double)rest * s->opt.weight[r] / total;
		s->slots[r] = base + (size_t)q;
		given += (size_t)q;
		rem[r] = q - (double)(size_t)q;
	}
	for (; given < rest; given++) {
		int best = 0;
		for (int r = 1; r < OX_R__COUNT; r++)
			if (rem[r] > rem[best])
				best = r;
		s->slots[best]++;
		rem[best] = -1;
	}
}

bool ox_sim_is_free(const struct ox_sim_order *o)
{
	return o->rule == OX_R__COUNT && !o->outage;
}

void ox_sim_take(struct ox_sim_order *o, enum ox_rule rule)
{
	o->rule = (uint8_t)rule;
	o->flags &= (uint16_t)~(OX_SIM_NOISY | OX_SIM_ABANDON | OX_SIM_REFUND);
}

void ox_sim_assign(struct ox_sim *s)
{
	apportion(s, (size_t)llround((double)s->n_orders * s->opt.anomaly_rate));
	ox_sim_groups(s, OX_SIM_FIRST);
	ox_sim_groups(s, OX_SIM_BEFORE);

	uint32_t *pool = ox_xmalloc((s->n_orders + 1) * sizeof *pool);
	size_t n = 0;
	for (uint32_t i = 0; i < s->n_orders; i++)
		if (ox_sim_is_free(&s->orders[i]))
			pool[n++] = i;
	for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
		size_t j = ox_sim_below(&s->rng, i);
		uint32_t t = pool[i - 1];
		pool[i - 1] = pool[j];
		pool[j] = t;
	}
	/* round robin, so that no rule starves when orders run out */
	size_t next = 0, taken[OX_R__COUNT] = { 0 };
	for (bool more = true; more && next < n;) {
		more = false;
		for (int r = 0; r < OX_R__COUNT && next < n; r++)
			if (ox_sim_injectors[r].order && taken[r] < s->slots[r]) {
				ox_sim_take(&s->orders[pool[next++]], (enum ox_rule)r);
				taken[r]++;
				more = true;
			}
	}
	free(pool);
}
