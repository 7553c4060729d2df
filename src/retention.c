/* retention.c - what detection stops remembering (docs/retention.md).
 *
 * Every order stays in the engine while anything could still happen to it
 * under the rules. Once it has been finished (completed, closed, cancelled
 * or refunded) for retention.finished after its last event, or silent for
 * retention.idle whatever its status, with no open case and no deadline of
 * its own still to come, it is retired: it goes from the engine, and
 * through the listener from the order index, so compaction stops archiving
 * its events. Its cases stay. The sweep runs when the event clock enters a
 * new day, in the daemon and in `ordex replay` alike, so both retire the
 * same orders at the same moment and stay equal.
 *
 * The sweep does not walk every order (175 ns each, cache misses: a
 * walk an hour cost a replay of 200,000 orders 30% of its time). Each order
 * is on one calendar day, the first whose sweep comes after it may go by
 * time (set again at each of its events, its status included), and the
 * sweep looks only at the orders of the days that came: one a case or a
 * deadline still holds goes on the next day.
 *
 * A retired order's id is remembered for retention.idle more: an event for
 * it in that time (a late track, an after-sales refund) is logged and left
 * out of detection, as a second order.created is, rather than starting a
 * new order from nothing, whose missing payment and statuses would open
 * cases that are not true.
 */
#include "engine_impl.h"

#include <stdlib.h>

static const bool final_status[OX_ST__COUNT] = {
	[OX_ST_COMPLETED] = true,
	[OX_ST_CANCELLED] = true,
	[OX_ST_CLOSED] = true,
	[OX_ST_REFUNDED] = true,
};

/* Days start at 04:00 Beijing time (UTC+8), 20:00 UTC the day before. */
#define DAY_STARTS_UTC (4 * OX_MS_HOUR)

uint32_t oxi_day(ox_time t)
{
	return t <= 0 ? 0 : (uint32_t)((t + DAY_STARTS_UTC) / OX_MS_DAY);
}

void oxi_retention_day(struct ox_engine *e, ox_time now)
{
	ox_idset_set_day(&e->ids, oxi_day(now), (uint32_t)(e->p->retention_event_ids / OX_MS_DAY));
	ox_idset_set_day(&e->retired, oxi_day(now), (uint32_t)(e->p->retention_idle / OX_MS_DAY));
}

bool ox_engine_order_retired(const struct ox_engine *e, struct ox_str order_id)
{
	return e->n_retired && ox_idset_has(&e->retired, order_id.s, order_id.len);
}

bool oxi_retired_event(struct ox_engine *e, const struct ox_event *ev)
{
	if (!ox_engine_order_retired(e, ev->order_id))
		return false;
	e->n_retired_events++;
	if (e->listener.order_retired)
		e->listener.order_retired(e->listener.ctx, ev->order_id.s, ev->order_id.len);
	return true;
}

/* ---- the calendar ---------------------------------------------------------- */

struct cal_day {
	uint32_t day;
	OXI_VEC(struct oxi_order *) orders; /* each knows its index (cal_index) */
};

static bool day_eq(const void *val, const void *key)
{
	return ((const struct cal_day *)val)->day == *(const uint32_t *)key;
}

static struct cal_day *cal_get(struct ox_engine *e, uint32_t day)
{
	return ox_hmap_get(&e->calendar, day, day_eq, &day);
}

/* Take o off its day (the last order of the day takes its place). */
static void leave_day(struct ox_engine *e, struct oxi_order *o)
{
	struct cal_day *d = o->retire_day ? cal_get(e, o->retire_day) : NULL;
	if (d) {
		struct oxi_order *last = d->orders.v[--d->orders.n];
		d->orders.v[o->cal_index] = last;
		last->cal_index = o->cal_index;
	}
	o->retire_day = 0;
}

static void put_on(struct ox_engine *e, struct oxi_order *o, uint32_t day)
{
	if (o->retire_day == day)
		return;
	leave_day(e, o);
	struct cal_day *d = cal_get(e, day);
	if (!d) {
		d = ox_xcalloc(1, sizeof *d);
		d->day = day;
		ox_hmap_put(&e->calendar, day, d);
	}
	o->retire_day = day;
	o->cal_index = d->orders.n;
	*OXI_PUSH(d->orders) = o;
}

static bool finished(const struct oxi_order *o)
{
	return o->latest_status_ts != OX_TIME_NONE && final_status[o->latest_status];
}

/* When the order may go by time, as it stands now. */
static ox_time due_of(const struct ox_engine *e, const struct oxi_order *o)
{
	const struct ox_params *p = e->p;
	int64_t keep = finished(o) && p->retention_finished < p->retention_idle ? p->retention_finished
										 : p->retention_idle;
	return o->last_event + keep;
}

/* The first day whose sweep comes at or after t: the sweep of day d runs
 * once the clock reaches the day's start, d * 24h - 4h (UTC). */
static uint32_t day_after(ox_time t)
{
	return t <= 0 ? 1 : (uint32_t)((t + DAY_STARTS_UTC + OX_MS_DAY - 1) / OX_MS_DAY);
}

/* The day to look at o next: when it may go, and never a day swept (before
 * the first sweep, never one before the clock's). */
static void schedule(struct ox_engine *e, struct oxi_order *o, uint32_t day)
{
	uint32_t first = e->swept_day ? e->swept_day + 1 : e->clock == OX_TIME_NONE ? 0 : oxi_day(e->clock);
	put_on(e, o, day > first ? day : first);
}

void oxi_retention_touch(struct ox_engine *e, struct oxi_order *o)
{
	if (o->last_event != OX_TIME_NONE)
		schedule(e, o, day_after(due_of(e, o)));
}

void oxi_retention_loaded(struct ox_engine *e)
{
	OX_HMAP_FOREACH(&e->orders, i) {
		struct oxi_order *o = e->orders.slots[i].val;
		uint32_t day = o->retire_day;
		o->retire_day = 0;
		if (day)
			put_on(e, o, day);
		else /* format 2: not on a day yet */
			oxi_retention_touch(e, o);
	}
}

void oxi_retention_free(struct ox_engine *e)
{
	OX_HMAP_FOREACH(&e->calendar, i) {
		struct cal_day *d = e->calendar.slots[i].val;
		free(d->orders.v);
		free(d);
	}
	ox_hmap_release(&e->calendar);
}

/* ---- the sweep ------------------------------------------------------------- */

/* A deadline of the order's own that has not fired yet: the clock has
 * passed every other (they fire up to it before the sweep). Older entries
 * in the queue for a moved due time are stale and do nothing. */
static bool deadline_ahead(const struct ox_engine *e, const struct oxi_order *o)
{
	const ox_time slots[] = { o->dl_failed, o->dl_settle, o->dl_reconcile, o->dl_ship, o->dl_deliver, o->dl_sync };
	for (size_t i = 0; i < OX_ARRAY_LEN(slots); i++)
		if (slots[i] != OX_TIME_NONE && slots[i] > e->clock)
			return true;
	for (uint32_t i = 0; i < o->payments.n; i++)
		if (o->payments.v[i].dl_status != OX_TIME_NONE && o->payments.v[i].dl_status > e->clock)
			return true;
	for (uint32_t i = 0; i < o->shipments.n; i++)
		if (o->shipments.v[i].stall_armed && o->shipments.v[i].dl_stall > e->clock)
			return true;
	return false;
}

static bool keep_deadline(void *ctx, const struct ox_deadline *d)
{
	(void)ctx;
	return d->kind > OXI_DL_SYNC || !(((const struct oxi_order *)d->target)->flags & OXI_O_RETIRING);
}

/* Look at the orders of one day, taken off the calendar: retire, or put on
 * a later day (the next one while a case or a deadline holds it). */
static void sweep_day(struct ox_engine *e, struct cal_day *d, struct oxi_order ***gone, size_t *n, size_t *cap)
{
	for (uint32_t i = 0; i < d->orders.n; i++) {
		struct oxi_order *o = d->orders.v[i];
		o->retire_day = 0;
		ox_time due = due_of(e, o);
		if (due > e->clock)
			schedule(e, o, day_after(due));
		else if (o->open_cases || deadline_ahead(e, o))
			schedule(e, o, d->day + 1);
		else {
			o->flags |= OXI_O_RETIRING;
			OX_GROW(*gone, *cap, *n + 1);
			(*gone)[(*n)++] = o;
		}
	}
}

static void retire(struct ox_engine *e, struct oxi_order **gone, size_t n)
{
	/* stale entries of theirs would point at freed orders */
	ox_deadlines_filter(&e->deadlines, keep_deadline, NULL);
	for (size_t i = 0; i < n; i++) {
		struct oxi_order *o = gone[i];
		ox_idset_add(&e->retired, o->id, o->id_len);
		if (e->listener.order_retired)
			e->listener.order_retired(e->listener.ctx, o->id, o->id_len);
		ox_hmap_del(&e->orders, ox_hash64(o->id, o->id_len), o);
		oxi_order_free(o);
	}
	e->n_orders -= n;
	e->n_retired += n;
}

void oxi_retention_tick(struct ox_engine *e)
{
	if (e->clock == OX_TIME_NONE)
		return;
	uint32_t today = oxi_day(e->clock);
	if (today <= e->swept_day)
		return;
	oxi_retention_day(e, e->clock); /* ticks move the clock without an id */
	if (!e->swept_day) /* the first clock: nothing is due before it */
		e->swept_day = today - 1;
	struct oxi_order **gone = NULL;
	size_t n = 0, cap = 0;
	while (e->swept_day < today) {
		uint32_t day = ++e->swept_day;
		struct cal_day *d = cal_get(e, day);
		if (!d)
			continue;
		ox_hmap_del(&e->calendar, day, d);
		sweep_day(e, d, &gone, &n, &cap);
		free(d->orders.v);
		free(d);
	}
	if (n)
		retire(e, gone, n);
	free(gone);
}
