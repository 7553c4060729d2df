/* sim_life.c - an order's life cycle as times (struct ox_sim_life), and its
 * events with the noise of real sources.
 *
 * A normal life opens no case at all: paid within minutes, the OMS status
 * within seconds of the callback, wms and erp acks within minutes, shipped
 * hours before ship_by, a track at least every day, delivered hours before
 * deliver_by. Noise never changes what a rule decides: an event arrives
 * late only before the clock can reach any deadline it must beat (each
 * event carries that bound), reordered statuses keep their ts, resends are
 * verbatim or repeat a payment_id.
 */
#include <stdlib.h>

#include "sim_int.h"

#define SEC OX_MS_SECOND
#define MIN OX_MS_MINUTE
#define HOUR OX_MS_HOUR
#define DAY OX_MS_DAY
#define NONE OX_TIME_NONE

/* Hour of day in China, 0..23. */
static int cst_hour(ox_time t)
{
	return (int)(((t + OX_TZ_CST * MIN) % DAY + DAY) % DAY / HOUR);
}

/* The next moment at or after t when China's clock shows hour h. */
static ox_time next_cst_hour(ox_time t, int h)
{
	ox_time local = t + OX_TZ_CST * MIN;
	ox_time day = local - ((local % DAY) + DAY) % DAY;
	ox_time at = day + h * HOUR - OX_TZ_CST * MIN;
	return at >= t ? at : at + DAY;
}

/* ---- building a life --------------------------------------------------- */

void ox_sim_life_clear(struct ox_sim_life *l)
{
	memset(l, 0, sizeof *l);
	ox_time *times[] = { &l->create_failed, &l->pending, &l->paid_at, &l->st_paid, &l->st_shipped,
			     &l->st_delivered, &l->st_completed, &l->close, &l->reserve,
			     &l->reserve_fail, &l->reserve_retry, &l->sync_fail, &l->ship, &l->ship2 };
	for (size_t i = 0; i < OX_ARRAY_LEN(times); i++)
		*times[i] = NONE;
	for (int i = 0; i < OX_SIM_N_SYSTEMS; i++)
		l->ack[i] = NONE;
	l->fail_item = -1;
}

void ox_sim_pay_add(struct ox_sim_life *l, uint8_t type, ox_time ts, uint8_t pid, ox_money amount,
		    uint8_t reason)
{
	if (l->n_pay >= OX_SIM_MAX_PAY)
		return;
	struct ox_sim_pay *p = &l->pay[l->n_pay++];
	*p = (struct ox_sim_pay){ ts, amount, type, pid, reason, l->method };
	if (type == OX_EV_PAYMENT_SUCCEEDED && pid >= l->n_pids)
		l->n_pids = (uint8_t)(pid + 1);
}

ox_time ox_sim_first_success(const struct ox_sim_life *l)
{
	ox_time t = NONE;
	for (int i = 0; i < l->n_pay; i++)
		if (l->pay[i].type == OX_EV_PAYMENT_SUCCEEDED && (t == NONE || l->pay[i].ts < t))
			t = l->pay[i].ts;
	return t;
}

/* The whole total paid at `at`, after whatever payments l already holds;
 * the OMS marks the order paid seconds after the last callback. A noisy
 * order may pay in two parts (net paid == total: not a duplicate) or have
 * its status recorded before the callback lands. */
void ox_sim_pay_full(struct ox_sim_ctx *c, ox_time at)
{
	struct ox_sim_life *l = c->l;
	const struct ox_sim_order *o = c->o;
	uint8_t pid = l->n_pids;
	l->paid_at = at;
	ox_time last = at;
	if ((o->flags & OX_SIM_NOISY) && o->total >= 2000 && ox_sim_chance(c->r, 0.08)) {
		ox_money a = o->total * ox_sim_range(c->r, 30, 70) / 100;
		last = at + ox_sim_range(c->r, 10 * SEC, 90 * SEC);
		ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, at, pid, a, 0);
		ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, last, (uint8_t)(pid + 1), o->total - a, 0);
	} else {
		ox_sim_pay_add(l, OX_EV_PAYMENT_SUCCEEDED, at, pid, o->total, 0);
		l->status_first = (o->flags & OX_SIM_NOISY) && ox_sim_chance(c->r, 0.12);
	}
	l->st_paid = last + ox_sim_range(c->r, 1 * SEC, 20 * SEC);
}

void ox_sim_unship(struct ox_sim_life *l)
{
	l->ship = l->st_shipped = l->st_delivered = l->st_completed = NONE;
	l->n_tracks = 0;
}

/* Never paid: no payment, no paid status, nothing downstream. */
void ox_sim_unpaid(struct ox_sim_life *l)
{
	l->n_pay = 0;
	l->n_pids = 0;
	l->paid_at = l->st_paid = NONE;
	for (int i = 0; i < OX_SIM_N_SYSTEMS; i++)
		l->ack[i] = NONE;
	ox_sim_unship(l);
}

void ox_sim_close(struct ox_sim_life *l, ox_time ts, uint8_t status)
{
	l->close = ts;
	l->close_status = status;
}

/* Refund every payment at ts (the refunded-and-closed path of a shop). */
void ox_sim_refund_all(struct ox_sim_life *l, ox_time ts)
{
	int n = l->n_pay;
	for (int i = 0; i < n; i++)
		if (l->pay[i].type == OX_EV_PAYMENT_SUCCEEDED)
			ox_sim_pay_add(l, OX_EV_PAYMENT_REFUNDED, ts + i * SEC, l->pay[i].pid, l->pay[i].amount, 0);
}

void ox_sim_track(struct ox_sim_life *l, ox_time ts, uint8_t st)
{
	if (l->n_tracks < OX_SIM_MAX_TRACKS)
		l->track[l->n_tracks++] = (struct ox_sim_track){ ts, st };
}

ox_time ox_sim_last_track(const struct ox_sim_life *l)
{
	return l->n_tracks ? l->track[l->n_tracks - 1].ts : l->ship;
}

/* In-transit hops from the last track until `until`, at most 20h apart. */
void ox_sim_hops_until(struct ox_sim_ctx *c, ox_time until)
{
	ox_time t = ox_sim_last_track(c->l);
	while (until - t > 20 * HOUR) {
		t += ox_sim_range(c->r, 6 * HOUR, 18 * HOUR);
		ox_sim_track(c->l, t, OX_TRK_IN_TRANSIT);
	}
}

/* Out for delivery in the morning after `from`, delivered hours later. */
void ox_sim_deliver(struct ox_sim_ctx *c, ox_time from)
{
	ox_time ofd = from + ox_sim_range(c->r, 3 * HOUR, 14 * HOUR);
	if (cst_hour(ofd) < 7 || cst_hour(ofd) >= 19)
		ofd = next_cst_hour(ofd, 7) + ox_sim_range(c->r, 0, 3 * HOUR);
	if (ofd - from > 20 * HOUR) /* the night's hub scan */
		ox_sim_track(c->l, from + (ofd - from) / 2, OX_TRK_IN_TRANSIT);
	ox_sim_track(c->l, ofd, OX_TRK_OUT_FOR_DELIVERY);
	ox_sim_track(c->l, ofd + ox_sim_range(c->r, 30 * MIN, 6 * HOUR), OX_TRK_DELIVERED);
}

/* Tracks from `from` (the last track, or the shipment's creation) on:
 * collected when starting from the creation, `hops` hubs, delivery. */
void ox_sim_route(struct ox_sim_ctx *c, ox_time from, int hops)
{
	struct ox_sim_life *l = c->l;
	ox_time t = from;
	if (l->n_tracks == 0) {
		t += ox_sim_lognormal(c->r, 2 * HOUR, 0.6, 20 * MIN, 8 * HOUR);
		ox_sim_track(l, t, OX_TRK_COLLECTED);
	}
	for (int i = 0; i < hops; i++) {
		t += ox_sim_range(c->r, 4 * HOUR, 18 * HOUR);
		ox_sim_track(l, t, OX_TRK_IN_TRANSIT);
	}
	ox_sim_deliver(c, t);
}

static ox_time delivered_at(const struct ox_sim_track *t, int n)
{
	return n && t[n - 1].st == OX_TRK_DELIVERED ? t[n - 1].ts : NONE;
}

/* The OMS statuses that follow the tracks: delivered once every parcel
 * is, completed (auto-confirmed) days later for most buyers. */
void ox_sim_settle(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	l->st_delivered = l->st_completed = NONE;
	ox_time d = delivered_at(l->track, l->n_tracks);
	if (l->ship2 != NONE) {
		ox_time d2 = delivered_at(l->track2, l->n_tracks2);
		d = d == NONE || d2 == NONE ? NONE : d > d2 ? d : d2;
	}
	if (d != NONE) {
		l->st_delivered = d + ox_sim_range(c->r, 5 * MIN, 3 * HOUR);
		if (ox_sim_chance(c->r, 0.6))
			l->st_completed = l->st_delivered + ox_sim_range(c->r, DAY, 5 * DAY);
	}
}

/* Shipped at `at` with a fresh route; deliver_by is met by compressing the
 * route, or dropped when there is no room (only orders whose life was
 * pushed back by an anomaly lack room). */
void ox_sim_ship_at(struct ox_sim_ctx *c, ox_time at)
{
	struct ox_sim_life *l = c->l;
	struct ox_sim_order *o = c->o;
	l->ship = at;
	l->st_shipped = at + ox_sim_range(c->r, 1 * MIN, 30 * MIN);
	l->n_tracks = 0;
	ox_sim_route(c, at, (int)ox_sim_range(c->r, 1, 3));
	if (o->deliver_by != NONE) {
		ox_time last = l->track[l->n_tracks - 1].ts;
		ox_time target = o->deliver_by - ox_sim_range(c->r, 2 * HOUR, 6 * HOUR);
		if (target < at + 6 * HOUR)
			o->deliver_by = NONE;
		else if (last > target)
			for (int i = 0; i < l->n_tracks; i++)
				l->track[i].ts = at + (ox_time)((double)(l->track[i].ts - at) *
								 (double)(target - at) / (double)(last - at));
	}
	ox_sim_settle(c);
}

/* Everything downstream of being paid at l->paid_at: acks, shipping. */
void ox_sim_fulfil(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	struct ox_sim_order *o = c->o;
	ox_time p = l->paid_at;
	l->ack[OX_SIM_WMS] = p + ox_sim_lognormal(c->r, 40 * SEC, 0.8, 3 * SEC, 6 * MIN);
	l->ack[OX_SIM_ERP] = p + ox_sim_lognormal(c->r, 60 * SEC, 0.8, 3 * SEC, 7 * MIN);
	l->ack[OX_SIM_CRM] = NONE;

	/* warehouses pick from 08:00 to 23:00 */
	ox_time ship = p + ox_sim_lognormal(c->r, 6 * HOUR, 0.7, 20 * MIN, 40 * HOUR);
	if (cst_hour(ship) >= 23 || cst_hour(ship) < 8)
		ship = next_cst_hour(ship, 8) + ox_sim_range(c->r, 0, 2 * HOUR);
	ox_time limit = o->ship_by - 30 * MIN;
	if (limit < p + 2 * HOUR) { /* paid too late for the promise: a new one */
		o->ship_by = p + 24 * HOUR;
		o->flags |= OX_SIM_SHIP_BY;
		limit = o->ship_by - 30 * MIN;
	}
	if (ship > limit)
		ship = limit - ox_sim_range(c->r, 0, limit - p - 60 * MIN);
	ox_sim_ship_at(c, ship);
}

/* ---- the default life ---------------------------------------------------- */

/* During a gateway outage every attempt fails; buyers retry until it ends
 * (then pay, within the 15m retry window) or, a few, give up. */
static void outage_payment(struct ox_sim_ctx *c, ox_time first)
{
	struct ox_sim_life *l = c->l;
	const struct ox_sim_outage *w = &c->s->outages[c->o->outage - 1];
	ox_time t = first, last = first;
	while (t < w->to && l->n_pay < OX_SIM_MAX_PAY - 2) {
		ox_sim_pay_add(l, OX_EV_PAYMENT_FAILED, t, 0, c->o->total, (uint8_t)(3 + l->n_pay % 2));
		last = t;
		t += w->retry * ox_sim_range(c->r, 80, 120) / 100;
	}
	if (c->o->flags & OX_SIM_GIVE_UP) {
		ox_sim_label(c->s, OX_R_PAY_FAILED, c->oi, first + 15 * MIN, OX_SIM_OPEN);
		ox_time close = (c->o->pay_by > last ? c->o->pay_by : last) + ox_sim_range(c->r, 1 * SEC, 60 * SEC);
		ox_sim_close(l, close, OX_ST_CLOSED);
		return;
	}
	ox_sim_pay_full(c, w->to + ox_sim_range(c->r, 5 * SEC, 120 * SEC));
	ox_sim_fulfil(c);
}

static void default_life(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	struct ox_sim_order *o = c->o;
	struct ox_sim_rng *r = c->r;
	ox_sim_life_clear(l);
	l->method = o->method;
	l->created = !(o->flags & OX_SIM_NO_CREATE);
	if (o->flags & OX_SIM_PENDING)
		l->pending = o->created + ox_sim_range(r, 0, 2 * SEC);
	l->reserve = o->created + ox_sim_range(r, 1 * SEC, 5 * SEC);
	ox_time first = o->created + o->pay_delay;

	if (o->flags & OX_SIM_ABANDON) {
		if (ox_sim_chance(r, 0.4))
			ox_sim_close(l, o->created + ox_sim_range(r, 1 * MIN, 25 * MIN), OX_ST_CANCELLED);
		else
			ox_sim_close(l, o->pay_by + ox_sim_range(r, 1 * SEC, 60 * SEC), OX_ST_CLOSED);
		return;
	}
	if (o->outage) {
		outage_payment(c, first);
		return;
	}
	if ((o->flags & OX_SIM_NOISY) && ox_sim_chance(r, 0.05)) {
		/* a wrong password, then success well within the retry window */
		ox_sim_pay_add(l, OX_EV_PAYMENT_FAILED, first, 0, o->total, (uint8_t)ox_sim_below(r, 3));
		first += ox_sim_range(r, 20 * SEC, 6 * MIN);
	}
	ox_sim_pay_full(c, first);
	ox_sim_fulfil(c);

	if (o->flags & OX_SIM_REFUND) {
		/* the buyer cancels before shipping: refund first, then close */
		ox_time latest = l->ship - 10 * MIN;
		ox_time lo = l->paid_at + 10 * MIN;
		if (latest > lo) {
			ox_time rf = ox_sim_range(r, lo, latest < lo + 5 * HOUR ? latest : lo + 5 * HOUR);
			ox_sim_unship(l);
			ox_sim_refund_all(l, rf);
			ox_sim_close(l, rf + ox_sim_range(r, 2 * SEC, 60 * SEC), OX_ST_REFUNDED);
		}
	}
}

/* Items from two warehouses ship as two parcels (拆单), each with its own
 * tracking number: planned as if it were the only one, then the first is
 * put back. */
static void second_parcel(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	struct ox_sim_track first[OX_SIM_MAX_TRACKS];
	int n = l->n_tracks;
	ox_time ship = l->ship, shipped = l->st_shipped;
	memcpy(first, l->track, sizeof first);
	ox_sim_ship_at(c, ox_sim_range(c->r, l->paid_at + HOUR, c->o->ship_by - HOUR));
	l->ship2 = l->ship;
	l->n_tracks2 = l->n_tracks;
	memcpy(l->track2, l->track, sizeof l->track2);
	l->ship = ship;
	l->n_tracks = n;
	memcpy(l->track, first, sizeof first);
	if (shipped < l->st_shipped)
		l->st_shipped = shipped;
	ox_sim_settle(c);
}

/* ---- benign updates ------------------------------------------------------ */

struct ox_sim_extra *ox_sim_extra(struct ox_sim_life *l, ox_time ts, uint8_t type)
{
	if (l->n_extra == OX_SIM_MAX_EXTRA) /* never: an injector adds one or two */
		l->n_extra--;
	struct ox_sim_extra *x = &l->extra[l->n_extra++];
	memset(x, 0, sizeof *x);
	x->ts = ts;
	x->type = type;
	return x;
}

/* A noisy order's buyer moves the parcel to another valid address before
 * it ships, or the shop agrees a later ship_by and ships in between. */
static void benign_updates(struct ox_sim_ctx *c)
{
	struct ox_sim_life *l = c->l;
	struct ox_sim_order *o = c->o;
	if (l->ship == NONE || l->close != NONE)
		return;
	double x = ox_sim_unit(c->r);
	if (x < 0.03 && l->ship - o->created > 40 * MIN) {
		ox_time at = ox_sim_range(c->r, o->created + 10 * MIN, l->ship - 10 * MIN);
		uint32_t u = ox_sim_add_update(c->s, OX_SIM_UPD_ADDRESS);
		uint16_t prov;
		ox_sim_home(c->s, c->r, &c->s->upd[u].addr, &prov);
		ox_sim_extra(l, at, OX_EV_ORDER_UPDATED)->upd = u;
	} else if (x < 0.06 && o->deliver_by == NONE && o->ship_by - l->paid_at > 3 * HOUR) {
		ox_time at = ox_sim_range(c->r, l->paid_at + 30 * MIN, o->ship_by - 2 * HOUR);
		uint32_t u = ox_sim_add_update(c->s, OX_SIM_UPD_SHIP_BY);
		c->s->upd[u].ship_by = o->ship_by + 24 * HOUR;
		ox_sim_extra(l, at, OX_EV_ORDER_UPDATED)->upd = u;
		ox_time ship = o->ship_by + ox_sim_range(c->r, 10 * MIN, 20 * HOUR);
		ox_sim_horizon(c->s, c->s->upd[u].ship_by);
		ox_sim_ship_at(c, ship > at ? ship : at + HOUR);
	}
}

/* ---- events ------------------------------------------------------------- */

/* When a noisy order's event may arrive: never after `bound` (the first
 * deadline it has to beat, minus a second), never more than 10m late. */
static ox_time arrival(struct ox_sim_ctx *c, ox_time ts, ox_time bound)
{
	if (!(c->o->flags & OX_SIM_NOISY) || bound - ts < 2 * SEC || !ox_sim_chance(c->r, 0.25))
		return ts;
	ox_time max = bound - ts < 10 * MIN ? bound - ts : 10 * MIN;
	return ts + ox_sim_range(c->r, 1 * SEC, max);
}

static struct ox_sim_rec *add(struct ox_sim_ctx *c, uint8_t type, ox_time ts, ox_time bound)
{
	struct ox_sim_rec *rec = ox_sim_rec_add(c->s, type, ts, c->oi);
	rec->arrival = arrival(c, ts, bound);
	return rec;
}

static void emit_payments(struct ox_sim_ctx *c, ox_time status_bound)
{
	struct ox_sim_life *l = c->l;
	uint8_t seen = 0, refunds = 0; /* pid bits that already succeeded */
	for (int i = 0; i < l->n_pay; i++) {
		const struct ox_sim_pay *p = &l->pay[i];
		struct ox_sim_rec *rec = add(c, p->type, p->ts, p->ts);
		rec->val = p->amount;
		rec->aux = p->method;
		rec->sub = p->reason;
		rec->arg = p->pid;
		if (p->type == OX_EV_PAYMENT_FAILED) {
			rec->flags = OX_SIM_R_ATTEMPT;
		} else if (p->type == OX_EV_PAYMENT_SUCCEEDED) {
			if (!(seen & (1u << p->pid)))
				rec->flags = OX_SIM_R_ATTEMPT | OX_SIM_R_OK;
			seen |= (uint8_t)(1u << p->pid);
			/* the callback lands after the OMS status it caused */
			if (l->status_first && l->st_paid != NONE && status_bound - l->st_paid > 2 * SEC)
				rec->arrival = l->st_paid + ox_sim_range(c->r, 1 * SEC, status_bound - l->st_paid);
		} else {
			rec->arg = (uint16_t)(p->pid | refunds++ << 8);
		}
	}
}

static void emit_status(struct ox_sim_ctx *c, ox_time ts, uint8_t st, ox_time bound)
{
	if (ts != NONE)
		add(c, OX_EV_ORDER_STATUS, ts, bound)->sub = st;
}

/* Resends: the same event verbatim (same id: a webhook retry), the same
 * payment under a new event id (one payment_id: one payment), the order
 * pushed again by the OMS under a new event id (a second order.created is
 * ignored). */
static void resends(struct ox_sim_ctx *c)
{
	struct ox_sim *s = c->s;
	struct ox_sim_order *o = c->o;
	uint32_t first = o->rec0, n = (uint32_t)s->n_recs - first;
	if (n && ox_sim_chance(c->r, 0.04)) {
		struct ox_sim_rec *rec = ox_sim_rec_resend(s, first + ox_sim_below(c->r, n), true);
		rec->arrival += ox_sim_range(c->r, 1 * SEC, 15 * MIN);
	}
	if (!(o->flags & OX_SIM_NOISY))
		return;
	for (uint32_t i = first; i < first + n; i++) {
		uint8_t type = s->recs[i].type;
		if (type == OX_EV_PAYMENT_SUCCEEDED && ox_sim_chance(c->r, 0.06)) {
			struct ox_sim_rec *rec = ox_sim_rec_resend(s, i, false);
			rec->ts = rec->arrival += ox_sim_range(c->r, 30 * SEC, 5 * MIN);
			return;
		}
		if (type == OX_EV_ORDER_CREATED && ox_sim_chance(c->r, 0.02)) {
			struct ox_sim_rec *rec = ox_sim_rec_resend(s, i, false);
			rec->arrival += ox_sim_range(c->r, 1 * MIN, 10 * MIN);
			return;
		}
	}
}

/* A shipment and its tracks. A track may be late until just before the
 * next one (or deliver_by); the WMS may push the shipment after the
 * carrier's first scan, but before ship_by. */
static void emit_parcel(struct ox_sim_ctx *c, uint16_t parcel, ox_time ship, const struct ox_sim_track *tr, int n)
{
	const struct ox_sim_order *o = c->o;
	struct ox_sim_rec *rec = add(c, OX_EV_SHIPMENT_CREATED, ship, ship);
	rec->arg = parcel;
	if ((o->flags & OX_SIM_NOISY) && n && ox_sim_chance(c->r, 0.1) && tr[0].ts + 20 * MIN < o->ship_by)
		rec->arrival = tr[0].ts + ox_sim_range(c->r, SEC, 20 * MIN);
	for (int i = 0; i < n; i++) {
		ox_time ts = tr[i].ts, bound = ts + 30 * MIN;
		if (i + 1 < n && tr[i + 1].ts - SEC < bound)
			bound = tr[i + 1].ts - SEC;
		if (tr[i].st == OX_TRK_DELIVERED && o->deliver_by != NONE && o->deliver_by - SEC < bound)
			bound = o->deliver_by - SEC;
		if (tr[i].st != OX_TRK_IN_TRANSIT && tr[i].st != OX_TRK_COLLECTED &&
		    tr[i].st != OX_TRK_OUT_FOR_DELIVERY && tr[i].st != OX_TRK_DELIVERED)
			bound = ts; /* what an anomaly writes arrives on time */
		rec = add(c, OX_EV_SHIPMENT_TRACK, ts, bound);
		rec->sub = tr[i].st;
		rec->arg = (uint16_t)(parcel << 8 | i);
	}
}

static void emit(struct ox_sim_ctx *c)
{
	struct ox_sim *s = c->s;
	struct ox_sim_life *l = c->l;
	struct ox_sim_order *o = c->o;
	o->rec0 = (uint32_t)s->n_recs;

	if (l->create_failed != NONE)
		add(c, OX_EV_ORDER_CREATE_FAILED, l->create_failed, l->create_failed)->sub =
			(uint8_t)ox_sim_below(c->r, 4);
	/* the order itself may come after its first events, but before the
	 * first callback's 5m settle deadline needs its total; the paid
	 * status before that callback's 5m status deadline; a late callback
	 * before the status' 30m reconcile one */
	ox_time first_ok = ox_sim_first_success(l);
	if (l->created)
		add(c, OX_EV_ORDER_CREATED, o->created,
		    first_ok != NONE ? first_ok + 5 * MIN - SEC : o->created + 10 * MIN);
	emit_status(c, l->pending, OX_ST_PENDING_PAYMENT, l->pending + 10 * MIN);

	ox_time status_bound = first_ok != NONE ? first_ok + 5 * MIN - SEC : l->st_paid;
	if (status_bound > l->st_paid + 2 * MIN)
		status_bound = l->st_paid + 2 * MIN;
	emit_payments(c, status_bound);
	emit_status(c, l->st_paid, OX_ST_PAID, status_bound);
	emit_status(c, l->st_shipped, OX_ST_SHIPPED, l->st_shipped + 10 * MIN);
	emit_status(c, l->st_delivered, OX_ST_DELIVERED, l->st_delivered + 10 * MIN);
	emit_status(c, l->st_completed, OX_ST_COMPLETED, l->st_completed + 10 * MIN);
	emit_status(c, l->close, l->close_status, l->close);

	for (uint16_t i = 0; i < o->n_items; i++) {
		if ((int)i == l->fail_item) {
			struct ox_sim_rec *rec = add(c, OX_EV_INVENTORY_RESERVE_FAILED, l->reserve_fail, l->reserve_fail);
			rec->arg = i;
			rec->sub = l->fail_reason;
			if (l->reserve_retry != NONE)
				add(c, OX_EV_INVENTORY_RESERVED, l->reserve_retry, l->reserve_retry)->arg = i;
		} else if (l->reserve != NONE) {
			add(c, OX_EV_INVENTORY_RESERVED, l->reserve, l->reserve + 10 * MIN)->arg = i;
		}
	}
	for (uint8_t k = 0; k < OX_SIM_N_SYSTEMS; k++)
		if (l->ack[k] != NONE)
			add(c, OX_EV_SYNC_ACK, l->ack[k], l->paid_at + 10 * MIN - SEC)->sub = k;
	if (l->sync_fail != NONE)
		add(c, OX_EV_SYNC_FAILED, l->sync_fail, l->sync_fail)->sub = l->sync_fail_sys;

	if (l->ship != NONE)
		emit_parcel(c, 0, l->ship, l->track, l->n_tracks);
	if (l->ship2 != NONE)
		emit_parcel(c, 1, l->ship2, l->track2, l->n_tracks2);
	for (int i = 0; i < l->n_extra; i++) {
		struct ox_sim_rec *rec = add(c, l->extra[i].type, l->extra[i].ts, l->extra[i].ts);
		rec->sub = l->extra[i].sub;
		rec->arg = l->extra[i].arg;
		rec->val = l->extra[i].upd;
	}
	if (s->opt.noise)
		resends(c);
	o->n_rec = (uint32_t)s->n_recs - o->rec0;

	ox_sim_horizon(s, o->ship_by);
	ox_sim_horizon(s, o->deliver_by);
}

void ox_sim_lives(struct ox_sim *s)
{
	struct ox_sim_life *l = ox_xmalloc(sizeof *l);
	for (uint32_t oi = 0; oi < s->n_orders; oi++) {
		struct ox_sim_rng r;
		ox_sim_rng_seed(&r, s->opt.seed, (UINT64_C(2) << 32) | oi);
		struct ox_sim_ctx c = { s, &s->orders[oi], oi, l, &r };
		default_life(&c);
		if (c.o->rule != OX_R__COUNT) {
			ox_sim_inject_order(&c);
		} else {
			if (c.o->flags & OX_SIM_NOISY)
				benign_updates(&c);
			if (c.o->n_items > 1 && l->ship != NONE && l->close == NONE && ox_sim_chance(&r, 0.15))
				second_parcel(&c);
		}
		emit(&c);
	}
	free(l);
}
