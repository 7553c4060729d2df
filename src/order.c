/* order.c - per-order and per-SKU state: lookup, the facts every rule family
 * shares (created fields, statuses, paid, shipped, closed), as-of queries.
 */
#include <stddef.h>
#include <stdlib.h>

#include "engine_impl.h"

/* ---- lookup -------------------------------------------------------------- */

static bool order_eq(const void *val, const void *key)
{
	const struct oxi_order *o = val;
	const struct ox_str *k = key;
	return o->id_len == k->len && memcmp(o->id, k->s, k->len) == 0;
}

struct oxi_order *oxi_order_get(struct ox_engine *e, struct ox_str id, bool create)
{
	uint64_t h = ox_hash64(id.s, id.len);
	struct oxi_order *o = ox_hmap_get(&e->orders, h, order_eq, &id);
	if (o || !create)
		return o;
	o = ox_xcalloc(1, sizeof *o + id.len + 1);
	memcpy(o->id, id.s, id.len);
	o->id_len = (uint32_t)id.len;
	o->p = &e->p->order;
	o->ship_by = o->deliver_by = OX_TIME_NONE;
	o->first_failure = o->first_success = o->first_paid_status = o->first_shipped = OX_TIME_NONE;
	o->became_paid = o->latest_status_ts = o->last_event = OX_TIME_NONE;
	o->dl_failed = o->dl_settle = o->dl_reconcile = o->dl_ship = o->dl_deliver = o->dl_sync = OX_TIME_NONE;
	ox_hmap_put(&e->orders, h, o);
	e->n_orders++;
	return o;
}

static void free_payments(struct oxi_payment *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i].id);
	free(v);
}


void oxi_order_free(struct oxi_order *o)
{
	free(o->statuses.v);
	free_payments(o->payments.v, o->payments.n);
	free_payments(o->refunds.v, o->refunds.n);
	for (uint32_t i = 0; i < o->shipments.n; i++)
		free(o->shipments.v[i].tracking_no);
	free(o->shipments.v);
	free(o->syncs.v);
	free(o->reservations.v);
	free(o->skus.v);
	free(o->address);
	size_t n;
	struct ox_event *pending = oxi_order_take_pending(o, &n);
	oxi_order_free_pending(pending, n);
	free(o);
}

struct oxi_shipment *oxi_shipment(struct ox_engine *e, struct oxi_order *o, struct ox_str tracking_no)
{
	(void)e;
	for (uint32_t i = 0; i < o->shipments.n; i++) {
		struct oxi_shipment *s = &o->shipments.v[i];
		if (s->tracking_len == tracking_no.len && memcmp(s->tracking_no, tracking_no.s, tracking_no.len) == 0)
			return s;
	}
	struct oxi_shipment *s = OXI_PUSH(o->shipments);
	s->tracking_no = ox_xstrndup(tracking_no.s, tracking_no.len);
	s->tracking_len = (uint32_t)tracking_no.len;
	s->last_activity = s->last_status_ts = OX_TIME_NONE;
	s->first_delivered = s->last_delivered = OX_TIME_NONE;
	s->lost_ts = s->exception_ts = s->recovered_ts = s->dl_stall = OX_TIME_NONE;
	return s;
}

struct oxi_sync *oxi_sync(struct ox_engine *e, struct oxi_order *o, uint32_t system)
{
	(void)e;
	for (uint32_t i = 0; i < o->syncs.n; i++)
		if (o->syncs.v[i].system == system)
			return &o->syncs.v[i];
	struct oxi_sync *s = OXI_PUSH(o->syncs);
	s->system = system;
	s->first_ack = s->last_ack = s->last_failed = OX_TIME_NONE;
	return s;
}

struct oxi_reservation *oxi_reservation(struct ox_engine *e, struct oxi_order *o, struct ox_str sku)
{
	uint32_t id = oxi_intern(e, sku);
	for (uint32_t i = 0; i < o->reservations.n; i++)
		if (o->reservations.v[i].sku == id)
			return &o->reservations.v[i];
	struct oxi_reservation *r = OXI_PUSH(o->reservations);
	r->sku = id;
	r->failed_ts = r->reserved_ts = OX_TIME_NONE;
	return r;
}

static bool sku_eq(const void *val, const void *key)
{
	const struct oxi_sku *s = val;
	const struct ox_str *k = key;
	return strlen(s->sku) == k->len && memcmp(s->sku, k->s, k->len) == 0;
}

struct oxi_sku *oxi_sku_get(struct ox_engine *e, struct ox_str sku)
{
	uint64_t h = ox_hash64(sku.s, sku.len);
	struct oxi_sku *s = ox_hmap_get(&e->skus, h, sku_eq, &sku);
	if (s)
		return s;
	s = ox_xcalloc(1, sizeof *s);
	s->sku = ox_xstrndup(sku.s, sku.len);
	s->oms.ts = s->wms.ts = OX_TIME_NONE;
	s->drift_since = s->dl_drift = s->low_ts = OX_TIME_NONE;
	ox_hmap_put(&e->skus, h, s);
	e->n_skus++;
	return s;
}

void oxi_sku_free(struct oxi_sku *s)
{
	free(s->sku);
	free(s->channels.v);
	free(s);
}

/* ---- queries ------------------------------------------------------------- */

bool oxi_paid_status(enum ox_order_status s)
{
	return s == OX_ST_PAID || s == OX_ST_SHIPPED || s == OX_ST_DELIVERED || s == OX_ST_COMPLETED;
}

bool oxi_shipped_status(enum ox_order_status s)
{
	return s == OX_ST_SHIPPED || s == OX_ST_DELIVERED || s == OX_ST_COMPLETED;
}

static bool closing_status(enum ox_order_status s)
{
	return s == OX_ST_CANCELLED || s == OX_ST_CLOSED || s == OX_ST_REFUNDED;
}

ox_money oxi_net_paid(const struct oxi_order *o, ox_time as_of)
{
	if (as_of == OXI_NOW)
		return o->net_paid;
	ox_money net = 0;
	for (uint32_t i = 0; i < o->payments.n; i++)
		if (o->payments.v[i].ts <= as_of)
			net += o->payments.v[i].amount;
	for (uint32_t i = 0; i < o->refunds.n; i++)
		if (o->refunds.v[i].ts <= as_of)
			net -= o->refunds.v[i].amount;
	return net;
}

/* The latest status by ts (ties: the one applied last) among ts <= as_of. */
bool oxi_closed(const struct oxi_order *o, ox_time as_of)
{
	if (as_of == OXI_NOW)
		return o->latest_status_ts != OX_TIME_NONE && closing_status((enum ox_order_status)o->latest_status);
	const struct oxi_status *latest = NULL;
	for (uint32_t i = 0; i < o->statuses.n; i++) {
		const struct oxi_status *s = &o->statuses.v[i];
		if (s->ts <= as_of && (!latest || s->ts >= latest->ts))
			latest = s;
	}
	return latest && closing_status((enum ox_order_status)latest->status);
}

ox_time oxi_became_paid(const struct oxi_order *o)
{
	return o->became_paid;
}

void oxi_order_money_moved(struct oxi_order *o)
{
	o->net_paid = 0;
	for (uint32_t i = 0; i < o->payments.n; i++)
		o->net_paid += o->payments.v[i].amount;
	for (uint32_t i = 0; i < o->refunds.n; i++)
		o->net_paid -= o->refunds.v[i].amount;
	ox_time t = o->first_paid_status;
	for (uint32_t i = 0; i < o->payments.n; i++) {
		ox_time pt = o->payments.v[i].ts;
		if ((t == OX_TIME_NONE || pt < t) && oxi_net_paid(o, pt) > 0)
			t = pt;
	}
	o->became_paid = t;
}

/* The smallest payment, refund or status ts after t (NONE: from the start). */
static ox_time next_money_or_status(const struct oxi_order *o, ox_time t)
{
	ox_time next = OX_TIME_NONE;
	const struct oxi_payment_vec *vs[] = { &o->payments, &o->refunds };
	for (size_t k = 0; k < OX_ARRAY_LEN(vs); k++)
		for (uint32_t i = 0; i < vs[k]->n; i++) {
			ox_time x = vs[k]->v[i].ts;
			if ((t == OX_TIME_NONE || x > t) && (next == OX_TIME_NONE || x < next))
				next = x;
		}
	for (uint32_t i = 0; i < o->statuses.n; i++) {
		ox_time x = o->statuses.v[i].ts;
		if ((t == OX_TIME_NONE || x > t) && (next == OX_TIME_NONE || x < next))
			next = x;
	}
	return next;
}

ox_time oxi_since(const struct oxi_order *o, bool (*holds)(const struct oxi_order *o, ox_time t), ox_time fallback)
{
	ox_time since = OX_TIME_NONE, t = OX_TIME_NONE, next;
	while ((next = next_money_or_status(o, t)) != OX_TIME_NONE) {
		if (!(t != OX_TIME_NONE && holds(o, t)) && holds(o, next))
			since = next;
		t = next;
	}
	return since == OX_TIME_NONE ? fallback : since;
}

void oxi_facts_of(const struct oxi_order *o, struct oxi_facts *f)
{
	f->created = o->flags & OXI_O_CREATED;
	f->became_paid = oxi_became_paid(o);
	f->paid = o->first_paid_status != OX_TIME_NONE || oxi_net_paid(o, OXI_NOW) > 0;
	f->closed = oxi_closed(o, OXI_NOW);
	f->first_shipped = o->first_shipped;
	f->ship_by = o->ship_by;
	f->deliver_by = o->deliver_by;
}

static void set_min(ox_time *slot, ox_time t)
{
	if (*slot == OX_TIME_NONE || t < *slot)
		*slot = t;
}

/* ---- the shared facts of order events --------------------------------------- */

/* What cases record of the order (engine_impl.h): the customer, where the
 * parcel goes, the SKUs. An update changes the address fields it carries. */
static void note_origin(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	if (ev->has & OX_HAS_CUSTOMER_ID)
		o->customer = oxi_intern(e, ev->customer.id);
	if (ev->has & OX_HAS_PROVINCE)
		o->province = oxi_intern(e, ev->customer.address.province);
	if (ev->has & OX_HAS_CITY)
		o->city = oxi_intern(e, ev->customer.address.city);
	for (size_t i = 0; i < ev->n_items; i++) {
		uint32_t id = oxi_intern(e, ev->items[i].sku);
		uint32_t j = 0;
		while (j < o->skus.n && o->skus.v[j] != id)
			j++;
		if (j == o->skus.n)
			*OXI_PUSH(o->skus) = id;
	}
}

void oxi_order_apply_core(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	switch (ev->type) {
	case OX_EV_ORDER_CREATED:
		o->flags |= OXI_O_CREATED;
		o->total = ev->total;
		o->p = ox_params_for_channel(e->p, ev->channel.s, ev->channel.len);
		o->channel = oxi_intern(e, ev->channel);
		o->shop = ev->shop.len ? oxi_intern(e, ev->shop) : 0;
		o->ship_by = (ev->has & OX_HAS_SHIP_BY) ? ev->ship_by : ev->ts + o->p->ship_window;
		o->deliver_by = (ev->has & OX_HAS_DELIVER_BY) ? ev->deliver_by : OX_TIME_NONE;
		note_origin(e, o, ev);
		break;
	case OX_EV_ORDER_UPDATED:
		note_origin(e, o, ev);
		if (ev->has & OX_HAS_SHIP_BY)
			o->ship_by = ev->ship_by;
		if (ev->has & OX_HAS_DELIVER_BY)
			o->deliver_by = ev->deliver_by;
		break;
	case OX_EV_ORDER_STATUS: {
		struct oxi_status *s = OXI_PUSH(o->statuses);
		s->ts = ev->ts;
		s->status = (uint8_t)ev->status;
		if (o->latest_status_ts == OX_TIME_NONE || ev->ts >= o->latest_status_ts) {
			o->latest_status_ts = ev->ts;
			o->latest_status = (uint8_t)ev->status;
		}
		if (oxi_paid_status(ev->status)) {
			set_min(&o->first_paid_status, ev->ts);
			oxi_order_money_moved(o);
		}
		if (oxi_shipped_status(ev->status))
			set_min(&o->first_shipped, ev->ts);
		break;
	}
	case OX_EV_SHIPMENT_CREATED:
		set_min(&o->first_shipped, ev->ts);
		break;
	case OX_EV_PAYMENT_SUCCEEDED:
	case OX_EV_PAYMENT_FAILED:
		if (ev->has & OX_HAS_METHOD)
			o->pay_method = oxi_intern(e, ev->method);
		break;
	default:
		break;
	}
}

/* ---- order.updated before order.created ------------------------------------ */

struct oxi_pending_update {
	struct ox_event *evs;
	size_t n, cap;
};


void oxi_order_stash_update(struct oxi_order *o, const struct ox_event *ev)
{
	if (!o->pending)
		o->pending = ox_xcalloc(1, sizeof *o->pending);
	OX_GROW(o->pending->evs, o->pending->cap, o->pending->n + 1);
	struct ox_event *copy = &o->pending->evs[o->pending->n++];
	*copy = *ev;
	/* the line too: a snapshot keeps a waiting update as its line */
	copy->raw = ev->raw.s ? (struct ox_str){ ox_xstrndup(ev->raw.s, ev->raw.len), ev->raw.len } : OX_STR_NULL;
	copy->items = NULL;
	copy->n_items = 0;
	for (size_t i = 0; i < ox_event_string_count; i++) {
		struct ox_str *s = (struct ox_str *)((char *)copy + ox_event_string_offsets[i]);
		if (s->s)
			s->s = ox_xstrndup(s->s, s->len);
	}
}

const struct ox_event *oxi_order_pending(const struct oxi_order *o, size_t *n)
{
	*n = o->pending ? o->pending->n : 0;
	return o->pending ? o->pending->evs : NULL;
}

struct ox_event *oxi_order_take_pending(struct oxi_order *o, size_t *n)
{
	if (!o->pending) {
		*n = 0;
		return NULL;
	}
	struct ox_event *evs = o->pending->evs;
	*n = o->pending->n;
	free(o->pending);
	o->pending = NULL;
	return evs;
}

void oxi_order_free_pending(struct ox_event *evs, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < ox_event_string_count; i++)
			free((char *)(uintptr_t)((struct ox_str *)((char *)&evs[k] + ox_event_string_offsets[i]))->s);
		free((char *)(uintptr_t)evs[k].raw.s);
	}
	free(evs);
}
