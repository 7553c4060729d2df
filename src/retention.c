/* retention.c - what detection stops remembering (docs/retention.md).
 *
 * Every order stays in the engine while anything could still happen to it
 * under the rules. Once it has been finished (completed, closed, cancelled
 * or refunded) for retention.finished after its last event, or silent for
 * retention.idle whatever its status, with no open case and no deadline of
 * its own still to come, it is retired: it goes from the engine, and
 * through the listener from the order index, so compaction stops archiving
 * its events. Its cases stay. The sweep runs when the event clock enters a
 * new hour, in the daemon and in `ordex replay` alike, so both retire the
 * same orders at the same moment and stay equal.
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

uint32_t oxi_day(ox_time t)
{
	return t <= 0 ? 0 : (uint32_t)(t / OX_MS_DAY);
}

void oxi_retention_day(struct ox_engine *e, ox_time now)
{
	ox_idset_set_day(&e->ids, oxi_day(now), (uint32_t)(e->p->retention_event_ids / OX_MS_DAY));
	ox_idset_set_day(&e->retired, oxi_day(now), (uint32_t)(e->p->retention_idle / OX_MS_DAY));
}

bool oxi_retired_event(struct ox_engine *e, const struct ox_event *ev)
{
	if (!e->n_retired || !ox_idset_has(&e->retired, ev->order_id.s, ev->order_id.len))
		return false;
	e->n_retired_events++;
	if (e->listener.order_retired)
		e->listener.order_retired(e->listener.ctx, ev->order_id.s, ev->order_id.len);
	return true;
}

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

static bool expired(const struct ox_engine *e, const struct oxi_order *o)
{
	if (o->open_cases || o->last_event == OX_TIME_NONE)
		return false;
	int64_t keep = e->p->retention_idle;
	if (o->latest_status_ts != OX_TIME_NONE && final_status[o->latest_status] && e->p->retention_finished < keep)
		keep = e->p->retention_finished;
	return e->clock - o->last_event >= keep && !deadline_ahead(e, o);
}

static bool keep_deadline(void *ctx, const struct ox_deadline *d)
{
	(void)ctx;
	return d->kind > OXI_DL_SYNC || !(((const struct oxi_order *)d->target)->flags & OXI_O_RETIRING);
}

static void sweep(struct ox_engine *e)
{
	struct oxi_order **gone = NULL;
	size_t n = 0, cap = 0;
	OX_HMAP_FOREACH(&e->orders, i) {
		struct oxi_order *o = e->orders.slots[i].val;
		if (expired(e, o)) {
			o->flags |= OXI_O_RETIRING;
			OX_GROW(gone, cap, n + 1);
			gone[n++] = o;
		}
	}
	if (!n)
		return;
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
	free(gone);
}

void oxi_retention_tick(struct ox_engine *e, ox_time before)
{
	if (before == OX_TIME_NONE || e->clock == OX_TIME_NONE || e->clock / OX_MS_HOUR == before / OX_MS_HOUR)
		return;
	sweep(e);
}
