/* engine_snap.c - the engine in a snapshot (snap.h, docs/retention.md).
 *
 * Everything detection knows goes in, field by field: the interned names,
 * the event-id set, every order and SKU, every case with its timeline and
 * desk fields, the deadline queue entry for entry (stale entries included:
 * they fire, are found stale and do nothing, as they would have), the fraud
 * index table for table, the incident windows, the clock and the counters.
 * Loaded into a fresh engine, the state answers every later event exactly
 * as the engine that wrote it would have: tests/snapshot-equivalence.sh
 * checks that against an uninterrupted replay.
 *
 * Pointers become names: a deadline's target is its order's id or its
 * SKU's name, a case is its seq. An order's parameters are looked up again
 * by its channel (they come from the config, not from the events).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "engine_impl.h"
#include "event.h"
#include "snap.h"
#include "uses.h"

#define ID_MAX (1u << 20)   /* an order id, a SKU, a name: the line limit */
#define TEXT_MAX (1u << 20) /* a reason, a note */

/* ---- deadlines' targets --------------------------------------------------------- */

enum target { T_NONE, T_ORDER, T_SKU };

static const uint8_t target_of[OXI_DL__COUNT] = {
	[OXI_DL_PAY_FAILED] = T_ORDER,   [OXI_DL_PAY_SETTLE] = T_ORDER,     [OXI_DL_PAY_STATUS] = T_ORDER,
	[OXI_DL_PAY_RECONCILE] = T_ORDER, [OXI_DL_SHIP_OVERDUE] = T_ORDER,  [OXI_DL_STALL] = T_ORDER,
	[OXI_DL_DELIVERY_OVERDUE] = T_ORDER, [OXI_DL_SYNC] = T_ORDER,       [OXI_DL_DRIFT] = T_SKU,
	[OXI_DL_BURST_QUIET] = T_NONE,   [OXI_DL_RATE_QUIET] = T_NONE,
};

/* ---- writing --------------------------------------------------------------------- */

static void put_payments(struct ox_snap_w *w, const struct oxi_payment_vec *v)
{
	ox_snap_u32(w, v->n);
	for (uint32_t i = 0; i < v->n; i++) {
		ox_snap_str(w, v->v[i].id);
		ox_snap_i64(w, v->v[i].ts);
		ox_snap_i64(w, v->v[i].amount);
		ox_snap_i64(w, v->v[i].dl_status);
	}
}

/* "province\0city\0district\0detail\0": four parts. */
static size_t address_len(const char *a)
{
	size_t n = 0;
	for (int part = 0; part < 4; part++)
		n += strlen(a + n) + 1;
	return n;
}

static void put_order(struct ox_snap_w *w, const struct oxi_order *o)
{
	ox_snap_strn(w, o->id, o->id_len);
	ox_snap_u32(w, o->flags);
	ox_snap_u32(w, o->open_cases);
	ox_snap_i64(w, o->total);
	const ox_time times[] = { o->ship_by,     o->deliver_by,      o->first_failure, o->first_success,
				  o->first_paid_status, o->first_shipped, o->became_paid,   o->net_paid,
				  o->latest_status_ts, o->dl_failed,     o->dl_settle,     o->dl_reconcile,
				  o->dl_ship,     o->dl_deliver,      o->dl_sync,       o->last_event };
	for (size_t i = 0; i < OX_ARRAY_LEN(times); i++)
		ox_snap_i64(w, times[i]);
	ox_snap_u8(w, o->latest_status);
	ox_snap_u32(w, o->retire_day);
	const uint32_t names[] = { o->channel, o->shop, o->province, o->city, o->customer, o->pay_method };
	for (size_t i = 0; i < OX_ARRAY_LEN(names); i++)
		ox_snap_u32(w, names[i]);
	ox_snap_u32(w, o->skus.n);
	for (uint32_t i = 0; i < o->skus.n; i++)
		ox_snap_u32(w, o->skus.v[i]);
	ox_snap_u64(w, o->phone_hash);
	ox_snap_u64(w, o->remark_hash);
	if (o->address)
		ox_snap_strn(w, o->address, address_len(o->address));
	else
		ox_snap_str(w, NULL);

	ox_snap_u32(w, o->statuses.n);
	for (uint32_t i = 0; i < o->statuses.n; i++) {
		ox_snap_i64(w, o->statuses.v[i].ts);
		ox_snap_u8(w, o->statuses.v[i].status);
	}
	put_payments(w, &o->payments);
	put_payments(w, &o->refunds);
	ox_snap_u32(w, o->shipments.n);
	for (uint32_t i = 0; i < o->shipments.n; i++) {
		const struct oxi_shipment *s = &o->shipments.v[i];
		ox_snap_strn(w, s->tracking_no, s->tracking_len);
		ox_snap_u32(w, s->carrier);
		const ox_time t[] = { s->last_activity,  s->last_status_ts, s->failed_attempt_ts[0],
				      s->failed_attempt_ts[1], s->first_delivered, s->last_delivered,
				      s->lost_ts,        s->exception_ts,   s->recovered_ts, s->dl_stall };
		for (size_t k = 0; k < OX_ARRAY_LEN(t); k++)
			ox_snap_i64(w, t[k]);
		ox_snap_u8(w, s->last_status);
		ox_snap_u8(w, s->failed_attempts);
		ox_snap_u8(w, s->in_case);
		ox_snap_u8(w, s->counted);
		ox_snap_u8(w, s->stall_armed);
	}
	ox_snap_u32(w, o->syncs.n);
	for (uint32_t i = 0; i < o->syncs.n; i++) {
		ox_snap_u32(w, o->syncs.v[i].system);
		ox_snap_i64(w, o->syncs.v[i].first_ack);
		ox_snap_i64(w, o->syncs.v[i].last_ack);
		ox_snap_i64(w, o->syncs.v[i].last_failed);
	}
	ox_snap_u32(w, o->reservations.n);
	for (uint32_t i = 0; i < o->reservations.n; i++) {
		const struct oxi_reservation *r = &o->reservations.v[i];
		ox_snap_u32(w, r->sku);
		ox_snap_i64(w, r->failed_ts);
		ox_snap_i64(w, r->reserved_ts);
		ox_snap_u8(w, r->insufficient);
		ox_snap_u8(w, r->in_case);
	}
	size_t n_pending;
	const struct ox_event *pending = oxi_order_pending(o, &n_pending);
	ox_snap_u32(w, (uint32_t)n_pending);
	for (size_t i = 0; i < n_pending; i++)
		ox_snap_strn(w, pending[i].raw.s, pending[i].raw.len);
}

static void put_level(struct ox_snap_w *w, const struct oxi_level *l)
{
	ox_snap_u32(w, l->source);
	ox_snap_i64(w, l->ts);
	ox_snap_i64(w, l->available);
}

static void put_sku(struct ox_snap_w *w, const struct oxi_sku *s)
{
	ox_snap_str(w, s->sku);
	put_level(w, &s->oms);
	put_level(w, &s->wms);
	ox_snap_u32(w, s->channels.n);
	for (uint32_t i = 0; i < s->channels.n; i++)
		put_level(w, &s->channels.v[i]);
	ox_snap_i64(w, s->drift_since);
	ox_snap_i64(w, s->dl_drift);
	ox_snap_i64(w, s->low_ts);
	ox_snap_u8(w, s->low_ok);
}

static void put_case(struct ox_snap_w *w, const struct ox_engine *e, const struct ox_case *c)
{
	ox_snap_u64(w, c->seq);
	ox_snap_str(w, c->id);
	ox_snap_u32(w, (uint32_t)c->rule);
	ox_snap_u32(w, (uint32_t)c->severity);
	ox_snap_u32(w, (uint32_t)c->status);
	ox_snap_str(w, c->key);
	ox_snap_u8(w, oxi_open_case((struct ox_engine *)(uintptr_t)e, c->rule, c->key) == c);
	ox_snap_u64(w, c->incident_seq);
	const ox_time t[] = { c->opened_at,   c->resolved_at,         c->respond_due,
			      c->resolve_due, c->responded_at,        c->paused_at,
			      c->respond_breached_at, c->resolve_breached_at, c->closed_at,
			      c->next_notice };
	for (size_t k = 0; k < OX_ARRAY_LEN(t); k++)
		ox_snap_i64(w, t[k]);
	ox_snap_u64(w, c->n_reasons);
	for (size_t i = 0; i < c->n_reasons; i++) {
		ox_snap_str(w, c->reasons[i].zh);
		ox_snap_str(w, c->reasons[i].en);
	}
	ox_snap_u64(w, c->n_event_ids);
	for (size_t i = 0; i < c->n_event_ids; i++)
		ox_snap_str(w, c->event_ids[i]);
	ox_snap_u64(w, c->n_timeline);
	for (size_t i = 0; i < c->n_timeline; i++) {
		const struct ox_timeline_entry *te = &c->timeline[i];
		ox_snap_i64(w, te->at);
		ox_snap_u32(w, (uint32_t)te->action);
		ox_snap_str(w, te->event_id);
		ox_snap_str(w, te->note);
		ox_snap_str(w, te->actor);
		ox_snap_u8(w, (uint8_t)te->from);
		ox_snap_u8(w, (uint8_t)te->to);
	}
	ox_snap_str(w, c->team);
	ox_snap_str(w, c->assignee);
	ox_snap_u32(w, (uint32_t)c->esc_level);
	ox_snap_u32(w, c->notices);
	ox_snap_u64(w, c->n_checked);
	for (size_t i = 0; i < c->n_checked; i++)
		ox_snap_str(w, c->checked[i]);
	ox_snap_str(w, c->resolution);
	ox_snap_str(w, c->root_cause);
#define X(f) ox_snap_str(w, c->dims.f);
	OX_CASE_DIMS(X)
#undef X
	ox_snap_u64(w, c->dims.n_skus);
	for (size_t i = 0; i < c->dims.n_skus; i++)
		ox_snap_str(w, c->dims.skus[i]);
	ox_snap_u8(w, c->csat_score);
	ox_snap_i64(w, c->csat_at);
	ox_snap_str(w, c->csat_comment);
	ox_snap_i64(w, c->progress_due);
	ox_snap_u64(w, c->n_calls);
	for (size_t i = 0; i < c->n_calls; i++) {
		const struct ox_call *k = &c->calls[i];
		ox_snap_str(w, k->id);
		ox_snap_u32(w, (uint32_t)k->kind);
		ox_snap_u32(w, (uint32_t)k->state);
		ox_snap_u8(w, k->automatic);
		ox_snap_str(w, k->actor);
		ox_snap_str(w, k->approver);
		ox_snap_i64(w, k->requested_at);
		ox_snap_i64(w, k->done_at);
		ox_snap_i64(w, k->amount);
		ox_snap_str(w, k->params);
		ox_snap_str(w, k->outcome);
		ox_snap_u8(w, (uint8_t)(k->comp + 1)); /* 0: not a compensation */
		ox_snap_u8(w, k->waited);
		ox_snap_u32(w, k->repeat);
		ox_snap_i64(w, k->value);
		ox_snap_str(w, k->team);
		ox_snap_i64(w, k->granted_at);
	}
}

static void put_deadline(struct ox_snap_w *w, const struct ox_deadline *d)
{
	ox_snap_i64(w, d->due);
	ox_snap_u64(w, d->seq);
	ox_snap_u32(w, d->kind);
	ox_snap_u32(w, d->aux);
	switch (target_of[d->kind]) {
	case T_ORDER: {
		const struct oxi_order *o = d->target;
		ox_snap_strn(w, o->id, o->id_len);
		break;
	}
	case T_SKU:
		ox_snap_str(w, ((const struct oxi_sku *)d->target)->sku);
		break;
	default:
		break;
	}
}

void ox_engine_save(const struct ox_engine *e, struct ox_snap_w *w)
{
	ox_snap_tag(w, "ENG1");
	ox_snap_i64(w, e->clock);
	ox_snap_u64(w, e->n_events);
	ox_snap_u64(w, e->n_duplicates);
	ox_snap_u64(w, e->n_retired);
	ox_snap_u32(w, e->swept_day);
	ox_snap_u64(w, e->name_list.n);
	for (uint32_t i = 1; i < e->name_list.n; i++)
		ox_snap_str(w, e->name_list.v[i]);
	ox_idset_save(&e->ids, w);
	ox_idset_save(&e->retired, w);
	ox_snap_u64(w, e->n_retired_events);

	ox_snap_tag(w, "ORDS");
	ox_snap_u64(w, e->n_orders);
	OX_HMAP_FOREACH(&e->orders, i)
	put_order(w, e->orders.slots[i].val);
	ox_snap_tag(w, "SKUS");
	ox_snap_u64(w, e->n_skus);
	OX_HMAP_FOREACH(&e->skus, i)
	put_sku(w, e->skus.slots[i].val);

	ox_snap_tag(w, "CASE");
	ox_snap_u64(w, e->cases.n);
	for (uint32_t i = 0; i < e->cases.n; i++)
		put_case(w, e, e->cases.v[i]);

	ox_snap_tag(w, "DLQ1");
	ox_snap_u64(w, e->deadlines.next_seq);
	ox_snap_u64(w, e->deadlines.n);
	for (size_t i = 0; i < e->deadlines.n; i++)
		put_deadline(w, &e->deadlines.heap[i]);

	ox_uses_save(oxi_fraud_uses(e->fraud), w);

	ox_snap_tag(w, "INC1");
	for (int r = 0; r < OX_R__COUNT; r++) {
		const struct oxi_burst *b = &e->burst[r];
		ox_snap_u32(w, b->recent.n);
		for (uint32_t i = 0; i < b->recent.n; i++) {
			ox_snap_i64(w, b->recent.v[i].at);
			ox_snap_u64(w, b->recent.v[i].seq);
		}
		ox_snap_i64(w, b->last_member);
		ox_snap_i64(w, b->dl_quiet);
	}
	ox_snap_u32(w, e->attempts.n);
	for (uint32_t i = 0; i < e->attempts.n; i++) {
		ox_snap_i64(w, e->attempts.v[i].ts);
		ox_snap_u8(w, e->attempts.v[i].ok);
	}
	ox_snap_u64(w, e->attempts_head);
	ox_snap_u64(w, e->attempts_ok);
	ox_snap_i64(w, e->rate_last_held);
	ox_snap_i64(w, e->rate_dl);
	ox_snap_tag(w, "ENG.");
}

/* ---- reading --------------------------------------------------------------------- */

/* A vector's count: bad when over max or more than the rest of the file. */
static uint32_t get_n(struct ox_snap_r *r, size_t min_bytes)
{
	uint32_t n = ox_snap_get_u32(r);
	if (min_bytes && n > (size_t)(r->end - r->p) / min_bytes) {
		ox_snap_r_fail(r, "count larger than the file can hold");
		return 0;
	}
	return ox_snap_r_ok(r) ? n : 0;
}

static uint32_t get_name(struct ox_snap_r *r, const struct ox_engine *e)
{
	uint32_t id = ox_snap_get_u32(r);
	if (id >= e->name_list.n) {
		ox_snap_r_fail(r, "unknown name id");
		return 0;
	}
	return id;
}

static void get_payments(struct ox_snap_r *r, struct oxi_payment_vec *v)
{
	uint32_t n = get_n(r, 28);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct oxi_payment *p = OXI_PUSH(*v);
		p->id = ox_snap_get_str(r, ID_MAX, NULL);
		p->ts = ox_snap_get_i64(r);
		p->amount = ox_snap_get_i64(r);
		p->dl_status = ox_snap_get_i64(r);
	}
}

/* The waiting updates: their lines decoded again and stashed as before. */
static void get_pending(struct ox_snap_r *r, struct oxi_order *o, struct ox_decoder **dec)
{
	uint32_t n = get_n(r, 4);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		size_t len;
		char *line = ox_snap_get_str(r, ID_MAX + 4096, &len);
		if (!line)
			break;
		if (!*dec) {
			struct ox_limits limits = ox_limits_default();
			*dec = ox_decoder_new(&limits);
		}
		struct ox_event ev;
		char err[OX_ERR_BUFSZ];
		if (ox_decode(*dec, line, len, &ev, err) < 0)
			ox_snap_r_fail(r, "a waiting update no longer decodes");
		else
			oxi_order_stash_update(o, &ev);
		free(line);
	}
}

static void get_order(struct ox_snap_r *r, struct ox_engine *e, struct ox_decoder **dec)
{
	size_t len;
	char *id = ox_snap_get_str(r, ID_MAX, &len);
	if (!id) {
		ox_snap_r_fail(r, "an order without an id");
		return;
	}
	struct ox_str sid = { id, len };
	if (oxi_order_get(e, sid, false)) {
		free(id);
		ox_snap_r_fail(r, "an order twice");
		return;
	}
	struct oxi_order *o = oxi_order_get(e, sid, true);
	free(id);
	o->flags = ox_snap_get_u32(r);
	o->open_cases = ox_snap_get_u32(r);
	o->total = ox_snap_get_i64(r);
	ox_time *times[] = { &o->ship_by,     &o->deliver_by,      &o->first_failure, &o->first_success,
			     &o->first_paid_status, &o->first_shipped, &o->became_paid,   &o->net_paid,
			     &o->latest_status_ts, &o->dl_failed,     &o->dl_settle,     &o->dl_reconcile,
			     &o->dl_ship,     &o->dl_deliver,      &o->dl_sync,       &o->last_event };
	/* format 2 had no last_event: the snapshot's clock stands for it */
	size_t n_times = OX_ARRAY_LEN(times) - (r->version < 3);
	for (size_t i = 0; i < n_times; i++)
		*times[i] = ox_snap_get_i64(r);
	if (r->version < 3)
		o->last_event = e->clock;
	o->latest_status = ox_snap_get_u8(r);
	if (r->version >= 3)
		o->retire_day = ox_snap_get_u32(r);
	uint32_t *names[] = { &o->channel, &o->shop, &o->province, &o->city, &o->customer, &o->pay_method };
	for (size_t i = 0; i < OX_ARRAY_LEN(names); i++)
		*names[i] = get_name(r, e);
	uint32_t n_skus = get_n(r, 4);
	for (uint32_t i = 0; i < n_skus && ox_snap_r_ok(r); i++)
		*OXI_PUSH(o->skus) = get_name(r, e);
	o->phone_hash = ox_snap_get_u64(r);
	o->remark_hash = ox_snap_get_u64(r);
	o->address = ox_snap_get_str(r, ID_MAX, &len);
	if (o->address) { /* four NUL-ended parts, as address_len() walks them */
		int parts = 0;
		for (size_t i = 0; i < len; i++)
			parts += o->address[i] == '\0';
		if (parts != 4 || len == 0 || o->address[len - 1] != '\0')
			ox_snap_r_fail(r, "a malformed address");
	}
	if (o->flags & OXI_O_CREATED) {
		const char *ch = oxi_name(e, o->channel);
		o->p = ox_params_for_channel(e->p, ch, strlen(ch));
	}

	uint32_t n = get_n(r, 9);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct oxi_status *s = OXI_PUSH(o->statuses);
		s->ts = ox_snap_get_i64(r);
		s->status = ox_snap_get_u8(r);
	}
	get_payments(r, &o->payments);
	get_payments(r, &o->refunds);
	n = get_n(r, 92);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct oxi_shipment *s = OXI_PUSH(o->shipments);
		s->tracking_no = ox_snap_get_str(r, ID_MAX, &len);
		if (!s->tracking_no)
			s->tracking_no = ox_xstrndup("", 0);
		s->tracking_len = (uint32_t)len;
		s->carrier = get_name(r, e);
		ox_time *t[] = { &s->last_activity,  &s->last_status_ts, &s->failed_attempt_ts[0],
				 &s->failed_attempt_ts[1], &s->first_delivered, &s->last_delivered,
				 &s->lost_ts,        &s->exception_ts,   &s->recovered_ts, &s->dl_stall };
		for (size_t k = 0; k < OX_ARRAY_LEN(t); k++)
			*t[k] = ox_snap_get_i64(r);
		s->last_status = ox_snap_get_u8(r);
		s->failed_attempts = ox_snap_get_u8(r);
		s->in_case = ox_snap_get_u8(r);
		s->counted = ox_snap_get_u8(r);
		s->stall_armed = ox_snap_get_u8(r);
	}
	n = get_n(r, 28);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct oxi_sync *s = OXI_PUSH(o->syncs);
		s->system = get_name(r, e);
		s->first_ack = ox_snap_get_i64(r);
		s->last_ack = ox_snap_get_i64(r);
		s->last_failed = ox_snap_get_i64(r);
	}
	n = get_n(r, 22);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct oxi_reservation *v = OXI_PUSH(o->reservations);
		v->sku = get_name(r, e);
		v->failed_ts = ox_snap_get_i64(r);
		v->reserved_ts = ox_snap_get_i64(r);
		v->insufficient = ox_snap_get_u8(r);
		v->in_case = ox_snap_get_u8(r);
	}
	get_pending(r, o, dec);
}

static void get_level(struct ox_snap_r *r, const struct ox_engine *e, struct oxi_level *l)
{
	l->source = get_name(r, e);
	l->ts = ox_snap_get_i64(r);
	l->available = ox_snap_get_i64(r);
}

static void get_sku(struct ox_snap_r *r, struct ox_engine *e)
{
	size_t len;
	char *name = ox_snap_get_str(r, ID_MAX, &len);
	if (!name) {
		ox_snap_r_fail(r, "a SKU without a name");
		return;
	}
	struct ox_str sname = { name, len };
	size_t before = e->n_skus;
	struct oxi_sku *s = oxi_sku_get(e, sname);
	free(name);
	if (e->n_skus == before) {
		ox_snap_r_fail(r, "a SKU twice");
		return;
	}
	get_level(r, e, &s->oms);
	get_level(r, e, &s->wms);
	uint32_t n = get_n(r, 20);
	for (uint32_t i = 0; i < n && ox_snap_r_ok(r); i++)
		get_level(r, e, OXI_PUSH(s->channels));
	s->drift_since = ox_snap_get_i64(r);
	s->dl_drift = ox_snap_get_i64(r);
	s->low_ts = ox_snap_get_i64(r);
	s->low_ok = ox_snap_get_u8(r);
}

static char **get_strs(struct ox_snap_r *r, size_t *n, size_t *cap)
{
	uint64_t k = ox_snap_get_count(r, 4);
	char **v = k ? ox_xcalloc(k, sizeof *v) : NULL;
	*n = *cap = 0;
	for (uint64_t i = 0; i < k && ox_snap_r_ok(r); i++) {
		v[i] = ox_snap_get_str(r, TEXT_MAX, NULL);
		*n = *cap = i + 1;
		if (!v[i])
			v[i] = ox_xstrndup("", 0);
	}
	if (!*n) {
		free(v);
		v = NULL;
	}
	return v;
}

static void get_case(struct ox_snap_r *r, struct ox_engine *e)
{
	struct ox_case *c = ox_xcalloc(1, sizeof *c);
	*OXI_PUSH(e->cases) = c; /* owned by the engine from here, complete or not */
	c->seq = ox_snap_get_u64(r);
	ox_snap_get_strbuf(r, c->id, sizeof c->id);
	uint32_t rule = ox_snap_get_u32(r), severity = ox_snap_get_u32(r), status = ox_snap_get_u32(r);
	c->key = ox_snap_get_str(r, ID_MAX, NULL);
	if (!c->key)
		c->key = ox_xstrndup("", 0);
	if (c->seq != e->cases.n || rule >= OX_R__COUNT || severity < 1 || severity > 4 ||
	    status >= OX_CASE__NSTATUS) {
		ox_snap_r_fail(r, "a malformed case");
		return;
	}
	c->rule = (enum ox_rule)rule;
	c->severity = (int)severity;
	c->status = (enum ox_case_status)status;
	bool in_open = ox_snap_get_u8(r);
	c->incident_seq = ox_snap_get_u64(r);
	ox_time *t[] = { &c->opened_at,   &c->resolved_at,         &c->respond_due,
			 &c->resolve_due, &c->responded_at,        &c->paused_at,
			 &c->respond_breached_at, &c->resolve_breached_at, &c->closed_at,
			 &c->next_notice };
	for (size_t k = 0; k < OX_ARRAY_LEN(t); k++)
		*t[k] = ox_snap_get_i64(r);
	uint64_t n = ox_snap_get_count(r, 8);
	if (n) {
		c->reasons = ox_xcalloc(n, sizeof *c->reasons);
		for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
			c->reasons[i].zh = ox_snap_get_str(r, TEXT_MAX, NULL);
			c->reasons[i].en = ox_snap_get_str(r, TEXT_MAX, NULL);
			c->n_reasons = c->cap_reasons = i + 1;
			if (!c->reasons[i].zh || !c->reasons[i].en) {
				ox_snap_r_fail(r, "a reason without words");
				break;
			}
		}
	}
	c->event_ids = get_strs(r, &c->n_event_ids, &c->cap_event_ids);
	n = ox_snap_get_count(r, 26);
	if (n) {
		c->timeline = ox_xcalloc(n, sizeof *c->timeline);
		for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
			struct ox_timeline_entry *te = &c->timeline[i];
			c->n_timeline = c->cap_timeline = i + 1;
			te->at = ox_snap_get_i64(r);
			uint32_t action = ox_snap_get_u32(r);
			te->event_id = ox_snap_get_str(r, ID_MAX, NULL);
			te->note = ox_snap_get_str(r, TEXT_MAX, NULL);
			te->actor = ox_snap_get_str(r, ID_MAX, NULL);
			te->from = (int8_t)ox_snap_get_u8(r);
			te->to = (int8_t)ox_snap_get_u8(r);
			if (action >= OX_ACT__COUNT)
				ox_snap_r_fail(r, "an unknown timeline action");
			te->action = (enum ox_case_action)action;
		}
	}
	ox_snap_get_strbuf(r, c->team, sizeof c->team);
	ox_snap_get_strbuf(r, c->assignee, sizeof c->assignee);
	c->esc_level = (int)ox_snap_get_u32(r);
	c->notices = ox_snap_get_u32(r);
	c->checked = get_strs(r, &c->n_checked, &c->cap_checked);
	ox_snap_get_strbuf(r, c->resolution, sizeof c->resolution);
	ox_snap_get_strbuf(r, c->root_cause, sizeof c->root_cause);
#define X(f) c->dims.f = ox_snap_get_str(r, ID_MAX, NULL);
	OX_CASE_DIMS(X)
#undef X
	size_t cap_skus;
	c->dims.skus = get_strs(r, &c->dims.n_skus, &cap_skus);
	c->csat_score = ox_snap_get_u8(r);
	c->csat_at = ox_snap_get_i64(r);
	c->csat_comment = ox_snap_get_str(r, TEXT_MAX, NULL);
	if (c->csat_score > 5)
		ox_snap_r_fail(r, "a survey score out of range");
	c->progress_due = ox_snap_get_i64(r);
	n = ox_snap_get_count(r, 64);
	if (n && ox_snap_r_ok(r)) {
		c->calls = ox_xcalloc(n, sizeof *c->calls);
		for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
			struct ox_call *k = &c->calls[i];
			c->n_calls = c->cap_calls = i + 1;
			ox_snap_get_strbuf(r, k->id, sizeof k->id);
			uint32_t kind = ox_snap_get_u32(r), state = ox_snap_get_u32(r);
			k->automatic = ox_snap_get_u8(r);
			ox_snap_get_strbuf(r, k->actor, sizeof k->actor);
			ox_snap_get_strbuf(r, k->approver, sizeof k->approver);
			k->requested_at = ox_snap_get_i64(r);
			k->done_at = ox_snap_get_i64(r);
			k->amount = ox_snap_get_i64(r);
			k->params = ox_snap_get_str(r, TEXT_MAX, NULL);
			k->outcome = ox_snap_get_str(r, TEXT_MAX, NULL);
			if (!k->params)
				k->params = ox_xstrndup("{}", 2);
			int comp = ox_snap_get_u8(r) - 1;
			k->waited = ox_snap_get_u8(r);
			uint32_t repeat = ox_snap_get_u32(r);
			k->value = ox_snap_get_i64(r);
			ox_snap_get_strbuf(r, k->team, sizeof k->team);
			k->granted_at = ox_snap_get_i64(r);
			if (kind >= OX_PB_A__COUNT || state >= OX_CALL__NSTATES)
				ox_snap_r_fail(r, "a call of an unknown kind or state");
			else if (comp != ox_comp_kind_of((enum ox_pb_action)kind) || k->waited >= OX_COMP__NWAITS ||
				 repeat > UINT16_MAX)
				ox_snap_r_fail(r, "a compensation that does not fit its call");
			k->comp = (int8_t)comp;
			k->repeat = (uint16_t)repeat;
			k->kind = (enum ox_pb_action)kind;
			k->state = (enum ox_call_state)state;
		}
	}
	if (in_open && ox_snap_r_ok(r)) {
		if (!ox_engine_reclaim_case(e, c))
			ox_snap_r_fail(r, "two open cases of one rule and key");
		/* reclaim sets the order's bit, which the order already has */
	}
}

static void get_deadline(struct ox_snap_r *r, struct ox_engine *e, struct ox_deadline *d)
{
	d->due = ox_snap_get_i64(r);
	d->seq = ox_snap_get_u64(r);
	d->kind = ox_snap_get_u32(r);
	d->aux = ox_snap_get_u32(r);
	d->target = NULL;
	if (d->kind >= OXI_DL__COUNT) {
		ox_snap_r_fail(r, "an unknown deadline kind");
		return;
	}
	if (target_of[d->kind] == T_NONE)
		return;
	size_t len;
	char *name = ox_snap_get_str(r, ID_MAX, &len);
	if (!name) {
		ox_snap_r_fail(r, "a deadline without its target");
		return;
	}
	struct ox_str s = { name, len };
	if (target_of[d->kind] == T_ORDER) {
		d->target = oxi_order_get(e, s, false);
	} else {
		size_t before = e->n_skus;
		d->target = oxi_sku_get(e, s);
		if (e->n_skus != before)
			d->target = NULL; /* it made a SKU: there was none */
	}
	free(name);
	if (!d->target)
		ox_snap_r_fail(r, "a deadline for an unknown order or SKU");
}

int ox_engine_load(struct ox_engine *e, struct ox_snap_r *r)
{
	if (e->n_events || e->cases.n || e->n_orders) {
		ox_snap_r_fail(r, "the engine is not empty");
		return -1;
	}
	ox_snap_expect(r, "ENG1");
	e->clock = ox_snap_get_i64(r);
	e->n_events = ox_snap_get_u64(r);
	e->n_duplicates = ox_snap_get_u64(r);
	if (r->version >= 3) {
		e->n_retired = ox_snap_get_u64(r);
		e->swept_day = ox_snap_get_u32(r);
	}
	uint64_t n_names = ox_snap_get_count(r, 4);
	for (uint64_t i = 1; i < n_names && ox_snap_r_ok(r); i++) {
		size_t len;
		char *s = ox_snap_get_str(r, ID_MAX, &len);
		if (!s || !len || oxi_intern(e, (struct ox_str){ s, len }) != i)
			ox_snap_r_fail(r, "names out of order");
		free(s);
	}
	if (ox_snap_r_ok(r))
		ox_idset_load(&e->ids, r, oxi_day(e->clock));
	if (ox_snap_r_ok(r) && r->version >= 3) { /* format 2 retired nothing */
		ox_idset_load(&e->retired, r, 0);
		e->n_retired_events = ox_snap_get_u64(r);
	}

	struct ox_decoder *dec = NULL;
	ox_snap_expect(r, "ORDS");
	uint64_t n = ox_snap_get_count(r, 16);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++)
		get_order(r, e, &dec);
	ox_decoder_free(dec);
	if (ox_snap_r_ok(r))
		oxi_retention_loaded(e);
	ox_snap_expect(r, "SKUS");
	n = ox_snap_get_count(r, 16);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++)
		get_sku(r, e);

	ox_snap_expect(r, "CASE");
	n = ox_snap_get_count(r, 64);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++)
		get_case(r, e);

	ox_snap_expect(r, "DLQ1");
	e->deadlines.next_seq = ox_snap_get_u64(r);
	n = ox_snap_get_count(r, 24);
	if (n && ox_snap_r_ok(r)) {
		OX_GROW(e->deadlines.heap, e->deadlines.cap, n);
		for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
			get_deadline(r, e, &e->deadlines.heap[i]);
			e->deadlines.n = i + 1;
		}
	}
	if (ox_snap_r_ok(r))
		ox_uses_load(oxi_fraud_uses(e->fraud), r);

	ox_snap_expect(r, "INC1");
	for (int k = 0; k < OX_R__COUNT && ox_snap_r_ok(r); k++) {
		struct oxi_burst *b = &e->burst[k];
		uint32_t m = get_n(r, 16);
		for (uint32_t i = 0; i < m && ox_snap_r_ok(r); i++) {
			OXI_PUSH(b->recent);
			b->recent.v[i].at = ox_snap_get_i64(r);
			b->recent.v[i].seq = ox_snap_get_u64(r);
			if (b->recent.v[i].seq == 0 || b->recent.v[i].seq > e->cases.n)
				ox_snap_r_fail(r, "an incident window names an unknown case");
		}
		b->last_member = ox_snap_get_i64(r);
		b->dl_quiet = ox_snap_get_i64(r);
	}
	uint32_t m = get_n(r, 9);
	for (uint32_t i = 0; i < m && ox_snap_r_ok(r); i++) {
		struct oxi_attempt *a = OXI_PUSH(e->attempts);
		a->ts = ox_snap_get_i64(r);
		a->ok = ox_snap_get_u8(r);
	}
	e->attempts_head = ox_snap_get_u64(r);
	e->attempts_ok = ox_snap_get_u64(r);
	e->rate_last_held = ox_snap_get_i64(r);
	e->rate_dl = ox_snap_get_i64(r);
	if (ox_snap_r_ok(r) && (e->attempts_head > e->attempts.n || e->attempts_ok > e->attempts.n))
		ox_snap_r_fail(r, "payment attempts out of range");
	ox_snap_expect(r, "ENG.");
	return ox_snap_r_ok(r) ? 0 : -1;
}
