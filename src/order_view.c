/* order_view.c - see order_view.h.
 *
 * Three steps: decode every line and copy the decoded event out of the
 * decoder (its strings live only until the next ox_decode), sort the events
 * by (ts, seq), then write each section in one pass over the sorted events.
 * Shipments and syncs are grouped first (by tracking_no, by system) with a
 * per-group list threaded through the events; duplicate payment_ids and
 * refund_ids are found with the same group table. Everything is linear
 * after the sort, so an order with many thousands of events costs no more
 * than its size.
 */
#include "order_view.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "event.h"
#include "hmap.h"
#include "json.h"
#include "mask.h"

/* One line of the order, decoded and copied. */
struct vev {
	struct ox_event ev; /* strings and items in mem; raw in the caller's line */
	char *mem;
	char *err; /* undecodable: the decoder's message (in mem) */
	uint64_t seq;
	size_t idx; /* position in the input, the last tie-break */
	bool ok;
	struct vev *next; /* next member of its shipment or sync group */
};

/* ---- copying an event out of the decoder ----------------------------------- */

static struct ox_str *str_at(struct ox_event *ev, size_t i)
{
	return (struct ox_str *)(void *)((char *)ev + ox_event_string_offsets[i]);
}

static char *put_copy(char **p, struct ox_str *s)
{
	char *dst = *p;
	if (s->len)
		memcpy(dst, s->s, s->len);
	dst[s->len] = '\0';
	*p += s->len + 1;
	s->s = dst;
	return dst;
}

/* Copy ev's strings and items into one allocation owned by v. */
static void copy_event(struct vev *v, const struct ox_event *ev, struct ox_str line)
{
	v->ev = *ev;
	struct ox_event *c = &v->ev;
	size_t need = ev->n_items * sizeof(struct ox_item);
	for (size_t i = 0; i < ox_event_string_count; i++)
		if (str_at(c, i)->s)
			need += str_at(c, i)->len + 1;
	for (size_t i = 0; i < ev->n_items; i++)
		need += ev->items[i].sku.len + 1;
	v->mem = ox_xmalloc(need);
	struct ox_item *items = (struct ox_item *)(void *)v->mem;
	char *p = v->mem + ev->n_items * sizeof(struct ox_item);
	for (size_t i = 0; i < ox_event_string_count; i++)
		if (str_at(c, i)->s)
			put_copy(&p, str_at(c, i));
	for (size_t i = 0; i < ev->n_items; i++) {
		items[i] = ev->items[i];
		put_copy(&p, &items[i].sku);
	}
	c->items = ev->n_items ? items : NULL;
	/* the decoder's raw is a copy of the line without a final '\r' */
	c->raw = (struct ox_str){ line.s, ev->raw.len };
}

/* err without a UTF-8 sequence cut by its fixed-size buffer. */
static size_t clip_partial(const char *s, size_t n)
{
	size_t lead = n;
	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead == 0)
		return n;
	unsigned char c = (unsigned char)s[lead - 1];
	size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	return n - (lead - 1) >= need ? n : lead - 1;
}

static void decode_all(struct vev *evs, const struct ox_str *lines, const uint64_t *seqs, size_t n)
{
	/* the lines were validated on the way in: decode with the loosest limits */
	struct ox_limits lim = { OX_JSON_LEN_MAX, OX_JSON_DEPTH_MAX, SIZE_MAX };
	struct ox_decoder *d = ox_decoder_new(&lim);
	for (size_t i = 0; i < n; i++) {
		struct vev *v = &evs[i];
		v->seq = seqs[i];
		v->idx = i;
		char err[OX_ERR_BUFSZ] = "empty line";
		struct ox_event ev;
		if (lines[i].s && ox_decode(d, lines[i].s, lines[i].len, &ev, err) == 0) {
			copy_event(v, &ev, lines[i]);
			v->ok = true;
		} else {
			size_t len = clip_partial(err, strlen(err));
			v->mem = v->err = ox_xstrndup(err, len);
		}
	}
	ox_decoder_free(d);
}

/* Decoded events by (ts, seq); the undecodable ones last, by seq. */
static int cmp_vev(const void *a, const void *b)
{
	const struct vev *x = *(const struct vev *const *)a, *y = *(const struct vev *const *)b;
	if (x->ok != y->ok)
		return x->ok ? -1 : 1;
	if (x->ok && x->ev.ts != y->ev.ts)
		return x->ev.ts < y->ev.ts ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* ---- groups: events by a string key, in order of first appearance ----------- */

struct group {
	struct ox_str key;
	struct vev *head, *tail;
};

struct groups {
	struct ox_hmap map; /* ox_hash64(key) -> group index + 1 */
	struct group *v;
	size_t n, cap;
};

struct gkey {
	const struct groups *g;
	struct ox_str s;
};

static bool group_eq(const void *val, const void *key)
{
	const struct gkey *k = key;
	return ox_str_eq(k->g->v[(uintptr_t)val - 1].key, k->s);
}

/* The group of key, created (empty) when new; *is_new says which. */
static struct group *group_of(struct groups *g, struct ox_str key, bool *is_new)
{
	uint64_t h = ox_hash64(key.s, key.len);
	struct gkey k = { g, key };
	uintptr_t i = (uintptr_t)ox_hmap_get(&g->map, h, group_eq, &k);
	*is_new = i == 0;
	if (i)
		return &g->v[i - 1];
	OX_GROW(g->v, g->cap, g->n + 1);
	g->v[g->n] = (struct group){ key, NULL, NULL };
	ox_hmap_put(&g->map, h, (void *)(uintptr_t)++g->n);
	return &g->v[g->n - 1];
}

static void group_append(struct groups *g, struct ox_str key, struct vev *v)
{
	bool is_new;
	struct group *gr = group_of(g, key, &is_new);
	v->next = NULL;
	if (gr->tail)
		gr->tail->next = v;
	else
		gr->head = v;
	gr->tail = v;
}

static void groups_release(struct groups *g)
{
	ox_hmap_release(&g->map);
	free(g->v);
	memset(g, 0, sizeof *g);
}

/* ---- writing, with a sticky "out of room" ---------------------------------- */

struct w {
	struct ox_buf *b;
	bool full;
	bool mask;         /* personal data masked (mask.h) */
	struct ox_buf tmp; /* a masked value */
};

static void put(struct w *w, const char *s, size_t n)
{
	if (!w->full && ox_buf_add(w->b, s, n) < 0)
		w->full = true;
}

static void putz(struct w *w, const char *z)
{
	put(w, z, strlen(z));
}

/* A JSON string, or null for an absent one. */
static void put_str(struct w *w, struct ox_str s)
{
	if (!s.s)
		putz(w, "null");
	else if (!w->full && ox_buf_add_json_str(w->b, s.s, s.len) < 0)
		w->full = true;
}

/* Personal data: as it is, or through mask (when w masks). */
static void put_pii(struct w *w, struct ox_str s, int (*mask)(const char *, size_t, struct ox_buf *))
{
	if (!w->mask || !s.s) {
		put_str(w, s);
		return;
	}
	ox_buf_reset(&w->tmp);
	mask(s.s, s.len, &w->tmp);
	put_str(w, (struct ox_str){ w->tmp.data ? w->tmp.data : "", w->tmp.len });
}

/* A name of ours (enum names): nothing to escape. */
static void put_name(struct w *w, const char *z)
{
	putz(w, "\"");
	putz(w, z);
	putz(w, "\"");
}

static void put_time(struct w *w, ox_time t)
{
	if (!w->full && ox_time_json(w->b, t) < 0)
		w->full = true;
}

static void put_money(struct w *w, ox_money m)
{
	char mb[OX_MONEY_BUFSZ];
	put_name(w, ox_money_format(m, mb));
}

static void put_i64(struct w *w, int64_t v)
{
	char nb[24];
	putz(w, (snprintf(nb, sizeof nb, "%" PRId64, v), nb));
}

static void put_u64(struct w *w, uint64_t v)
{
	char nb[24];
	putz(w, (snprintf(nb, sizeof nb, "%" PRIu64, v), nb));
}

/* "," before every element but the first of a list. */
static void sep(struct w *w, bool *first)
{
	if (!*first)
		putz(w, ",");
	*first = false;
}

/* ---- the folded order -------------------------------------------------------- */

struct order {
	const struct ox_event *created, *status; /* the latest of each by (ts, seq) */
	struct ox_str remark;
	ox_time ship_by, deliver_by;
	bool has_customer;
	struct ox_customer cust;
};

#define CUSTOMER_BITS                                                                  \
	(OX_HAS_CUSTOMER_ID | OX_HAS_REGISTERED_AT | OX_HAS_NAME | OX_HAS_PHONE | OX_HAS_ADDRESS | \
	 OX_HAS_IP | OX_HAS_DEVICE_ID)

/* Overlay what ev carries (order.created or order.updated) onto o. */
static void overlay(struct order *o, const struct ox_event *ev)
{
	uint32_t has = ev->has;
	const struct ox_customer *c = &ev->customer;
	if (has & OX_HAS_REMARK)
		o->remark = ev->remark;
	if (has & OX_HAS_SHIP_BY)
		o->ship_by = ev->ship_by;
	if (has & OX_HAS_DELIVER_BY)
		o->deliver_by = ev->deliver_by;
	if (has & CUSTOMER_BITS)
		o->has_customer = true;
	if (has & OX_HAS_CUSTOMER_ID)
		o->cust.id = c->id;
	if (has & OX_HAS_REGISTERED_AT)
		o->cust.registered_at = c->registered_at;
	if (has & OX_HAS_NAME)
		o->cust.name = c->name;
	if (has & OX_HAS_PHONE)
		o->cust.phone = c->phone;
	if (has & OX_HAS_IP)
		o->cust.ip = c->ip;
	if (has & OX_HAS_DEVICE_ID)
		o->cust.device_id = c->device_id;
	if (has & OX_HAS_PROVINCE)
		o->cust.address.province = c->address.province;
	if (has & OX_HAS_CITY)
		o->cust.address.city = c->address.city;
	if (has & OX_HAS_DISTRICT)
		o->cust.address.district = c->address.district;
	if (has & OX_HAS_DETAIL)
		o->cust.address.detail = c->address.detail;
}

static void fold(struct order *o, struct vev *const *ord, size_t n)
{
	memset(o, 0, sizeof *o);
	o->ship_by = o->deliver_by = o->cust.registered_at = OX_TIME_NONE;
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type == OX_EV_ORDER_CREATED)
			o->created = ev;
		else if (ev->type == OX_EV_ORDER_STATUS)
			o->status = ev;
	}
	if (o->created)
		overlay(o, o->created);
	for (size_t i = 0; i < n && ord[i]->ok; i++)
		if (ord[i]->ev.type == OX_EV_ORDER_UPDATED)
			overlay(o, &ord[i]->ev);
}

static void write_header(struct w *w, const struct order *o)
{
	const struct ox_event *c = o->created;
	putz(w, ",\"status\":");
	if (o->status) {
		put_name(w, ox_order_status_name(o->status->status));
		putz(w, ",\"status_ts\":");
		put_time(w, o->status->ts);
	} else {
		putz(w, "null,\"status_ts\":null");
	}
	putz(w, ",\"created_at\":");
	put_time(w, c ? c->ts : OX_TIME_NONE);
	putz(w, ",\"channel\":");
	put_str(w, c ? c->channel : OX_STR_NULL);
	putz(w, ",\"shop\":");
	put_str(w, c ? c->shop : OX_STR_NULL);
	putz(w, ",\"total\":");
	if (c)
		put_money(w, c->total);
	else
		putz(w, "null");
	putz(w, ",\"currency\":");
	put_str(w, c ? c->currency : OX_STR_NULL);
	putz(w, ",\"coupon\":");
	if (c && (c->has & OX_HAS_COUPON)) {
		putz(w, "{\"code\":");
		put_str(w, c->coupon_code);
		putz(w, ",\"amount\":");
		put_money(w, c->coupon_amount);
		putz(w, "}");
	} else {
		putz(w, "null");
	}
	putz(w, ",\"remark\":");
	put_pii(w, o->remark, ox_mask_text);
	putz(w, ",\"pay_by\":");
	put_time(w, c ? c->pay_by : OX_TIME_NONE);
	putz(w, ",\"ship_by\":");
	put_time(w, o->ship_by);
	putz(w, ",\"deliver_by\":");
	put_time(w, o->deliver_by);
}

static void write_customer(struct w *w, const struct order *o)
{
	const struct ox_customer *c = &o->cust;
	const struct ox_address *a = &c->address;
	putz(w, ",\"customer\":");
	if (!o->has_customer) {
		putz(w, "null");
		return;
	}
	putz(w, "{\"id\":");
	put_str(w, c->id);
	putz(w, ",\"name\":");
	put_pii(w, c->name, ox_mask_name);
	putz(w, ",\"phone\":");
	put_pii(w, c->phone, ox_mask_phone);
	putz(w, ",\"registered_at\":");
	put_time(w, c->registered_at);
	putz(w, ",\"ip\":");
	put_str(w, c->ip);
	putz(w, ",\"device_id\":");
	put_str(w, c->device_id);
	putz(w, ",\"address\":");
	if (a->province.s || a->city.s || a->district.s || a->detail.s) {
		putz(w, "{\"province\":");
		put_str(w, a->province);
		putz(w, ",\"city\":");
		put_str(w, a->city);
		putz(w, ",\"district\":");
		put_str(w, a->district);
		putz(w, ",\"detail\":");
		put_pii(w, a->detail, ox_mask_address_detail);
		putz(w, "}");
	} else {
		putz(w, "null");
	}
	putz(w, "}");
}

static void write_items(struct w *w, const struct order *o)
{
	putz(w, ",\"items\":[");
	const struct ox_event *c = o->created;
	for (size_t i = 0; c && i < c->n_items; i++) {
		putz(w, i ? ",{\"sku\":" : "{\"sku\":");
		put_str(w, c->items[i].sku);
		putz(w, ",\"qty\":");
		put_i64(w, c->items[i].qty);
		putz(w, ",\"price\":");
		put_money(w, c->items[i].price);
		putz(w, "}");
	}
	putz(w, "]");
}

static void write_create_failed(struct w *w, struct vev *const *ord, size_t n)
{
	bool first = true;
	putz(w, ",\"create_failed\":[");
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type != OX_EV_ORDER_CREATE_FAILED)
			continue;
		sep(w, &first);
		putz(w, "{\"ts\":");
		put_time(w, ev->ts);
		putz(w, ",\"code\":");
		put_str(w, ev->error_code);
		putz(w, ",\"message\":");
		put_str(w, ev->error_message);
		putz(w, "}");
	}
	putz(w, "]");
}

static void write_payments(struct w *w, struct vev *const *ord, size_t n)
{
	struct groups seen = { 0 };
	bool first = true, is_new;
	putz(w, ",\"payments\":[");
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type == OX_EV_PAYMENT_SUCCEEDED) {
			group_of(&seen, ev->payment_id, &is_new);
			if (!is_new)
				continue; /* the same payment again */
		} else if (ev->type != OX_EV_PAYMENT_FAILED) {
			continue;
		}
		sep(w, &first);
		putz(w, "{\"payment_id\":");
		put_str(w, ev->payment_id);
		putz(w, ",\"ts\":");
		put_time(w, ev->ts);
		putz(w, ",\"amount\":");
		put_money(w, ev->amount);
		putz(w, ",\"method\":");
		put_str(w, ev->method);
		putz(w, ev->type == OX_EV_PAYMENT_SUCCEEDED ? ",\"status\":\"succeeded\",\"reason\":"
							   : ",\"status\":\"failed\",\"reason\":");
		put_str(w, ev->reason);
		putz(w, "}");
	}
	groups_release(&seen);

	first = true;
	putz(w, "],\"refunds\":[");
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type != OX_EV_PAYMENT_REFUNDED)
			continue;
		group_of(&seen, ev->refund_id, &is_new);
		if (!is_new)
			continue;
		sep(w, &first);
		putz(w, "{\"refund_id\":");
		put_str(w, ev->refund_id);
		putz(w, ",\"payment_id\":");
		put_str(w, ev->payment_id);
		putz(w, ",\"ts\":");
		put_time(w, ev->ts);
		putz(w, ",\"amount\":");
		put_money(w, ev->amount);
		putz(w, "}");
	}
	groups_release(&seen);
	putz(w, "]");
}

static void write_status_history(struct w *w, struct vev *const *ord, size_t n)
{
	bool first = true;
	putz(w, ",\"status_history\":[");
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type != OX_EV_ORDER_STATUS)
			continue;
		sep(w, &first);
		putz(w, "{\"ts\":");
		put_time(w, ev->ts);
		putz(w, ",\"status\":");
		put_name(w, ox_order_status_name(ev->status));
		putz(w, "}");
	}
	putz(w, "]");
}

static void write_inventory(struct w *w, struct vev *const *ord, size_t n)
{
	bool first = true;
	putz(w, ",\"inventory\":[");
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type != OX_EV_INVENTORY_RESERVED && ev->type != OX_EV_INVENTORY_RESERVE_FAILED)
			continue;
		sep(w, &first);
		putz(w, "{\"ts\":");
		put_time(w, ev->ts);
		putz(w, ",\"sku\":");
		put_str(w, ev->sku);
		putz(w, ",\"qty\":");
		put_i64(w, ev->qty);
		putz(w, ",\"warehouse\":");
		put_str(w, ev->warehouse);
		putz(w, ev->type == OX_EV_INVENTORY_RESERVED ? ",\"result\":\"reserved\",\"reason\":"
							    : ",\"result\":\"reserve_failed\",\"reason\":");
		put_str(w, ev->reason);
		putz(w, "}");
	}
	putz(w, "]");
}

static void write_shipments(struct w *w, struct vev *const *ord, size_t n)
{
	struct groups g = { 0 };
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		enum ox_event_type t = ord[i]->ev.type;
		if (t == OX_EV_SHIPMENT_CREATED || t == OX_EV_SHIPMENT_TRACK)
			group_append(&g, ord[i]->ev.tracking_no, ord[i]);
	}
	putz(w, ",\"shipments\":[");
	for (size_t k = 0; k < g.n; k++) {
		const struct ox_event *created = NULL, *last = NULL;
		for (const struct vev *v = g.v[k].head; v; v = v->next) {
			if (v->ev.type == OX_EV_SHIPMENT_TRACK)
				last = &v->ev;
			else if (!created)
				created = &v->ev;
		}
		putz(w, k ? ",{\"shipment_id\":" : "{\"shipment_id\":");
		put_str(w, created ? created->shipment_id : OX_STR_NULL);
		putz(w, ",\"carrier\":");
		put_str(w, created ? created->carrier : OX_STR_NULL);
		putz(w, ",\"tracking_no\":");
		put_str(w, g.v[k].key);
		putz(w, ",\"created_at\":");
		put_time(w, created ? created->ts : OX_TIME_NONE);
		putz(w, ",\"last_status\":");
		if (last)
			put_name(w, ox_track_status_name(last->track_status));
		else
			putz(w, "null");
		putz(w, ",\"tracks\":[");
		bool first = true;
		for (const struct vev *v = g.v[k].head; v; v = v->next) {
			const struct ox_event *ev = &v->ev;
			if (ev->type != OX_EV_SHIPMENT_TRACK)
				continue;
			sep(w, &first);
			putz(w, "{\"ts\":");
			put_time(w, ev->ts);
			putz(w, ",\"status\":");
			put_name(w, ox_track_status_name(ev->track_status));
			putz(w, ",\"location\":");
			put_str(w, ev->location);
			putz(w, ",\"description\":");
			put_str(w, ev->description);
			putz(w, "}");
		}
		putz(w, "]}");
	}
	putz(w, "]");
	groups_release(&g);
}

static void write_syncs(struct w *w, struct vev *const *ord, size_t n)
{
	struct groups g = { 0 };
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		enum ox_event_type t = ord[i]->ev.type;
		if (t == OX_EV_SYNC_ACK || t == OX_EV_SYNC_FAILED)
			group_append(&g, ord[i]->ev.system, ord[i]);
	}
	putz(w, ",\"syncs\":[");
	for (size_t k = 0; k < g.n; k++) {
		uint64_t acks = 0;
		ox_time last_ack = OX_TIME_NONE;
		for (const struct vev *v = g.v[k].head; v; v = v->next)
			if (v->ev.type == OX_EV_SYNC_ACK) {
				acks++;
				last_ack = v->ev.ts; /* sorted: the last is the latest */
			}
		putz(w, k ? ",{\"system\":" : "{\"system\":");
		put_str(w, g.v[k].key);
		putz(w, ",\"acks\":");
		put_u64(w, acks);
		putz(w, ",\"last_ack\":");
		put_time(w, last_ack);
		putz(w, ",\"failures\":[");
		bool first = true;
		for (const struct vev *v = g.v[k].head; v; v = v->next) {
			if (v->ev.type != OX_EV_SYNC_FAILED)
				continue;
			sep(w, &first);
			putz(w, "{\"ts\":");
			put_time(w, v->ev.ts);
			putz(w, ",\"error\":");
			put_str(w, v->ev.sync_error);
			putz(w, "}");
		}
		putz(w, "]}");
	}
	putz(w, "]");
	groups_release(&g);
}

static void write_tickets(struct w *w, struct vev *const *ord, size_t n)
{
	bool first = true;
	putz(w, ",\"tickets\":[");
	for (size_t i = 0; i < n && ord[i]->ok; i++) {
		const struct ox_event *ev = &ord[i]->ev;
		if (ev->type != OX_EV_CS_TICKET)
			continue;
		sep(w, &first);
		putz(w, "{\"ticket_id\":");
		put_str(w, ev->ticket_id);
		putz(w, ",\"ts\":");
		put_time(w, ev->ts);
		putz(w, ",\"kind\":");
		put_name(w, ox_ticket_kind_name(ev->ticket_kind));
		putz(w, ",\"text\":");
		put_pii(w, ev->text, ox_mask_text);
		putz(w, "}");
	}
	putz(w, "]");
}

static void write_events(struct w *w, struct vev *const *ord, size_t n)
{
	putz(w, ",\"events\":[");
	for (size_t i = 0; i < n; i++) {
		const struct vev *v = ord[i];
		putz(w, i ? ",{\"seq\":" : "{\"seq\":");
		put_u64(w, v->seq);
		if (!v->ok) {
			putz(w, ",\"type\":null,\"ts\":null,\"id\":null,\"undecodable\":true,\"error\":");
			put_str(w, ox_str_z(v->err));
			putz(w, ",\"event\":null}");
			continue;
		}
		putz(w, ",\"type\":");
		put_name(w, ox_event_type_name(v->ev.type));
		putz(w, ",\"ts\":");
		put_time(w, v->ev.ts);
		putz(w, ",\"id\":");
		put_str(w, v->ev.id);
		putz(w, ",\"event\":");
		if (w->mask) /* the raw event carries the customer unmasked */
			putz(w, "null,\"masked\":true");
		else
			put(w, v->ev.raw.s, v->ev.raw.len);
		putz(w, "}");
	}
	putz(w, "]");
}

int ox_order_view_json(struct ox_str order_id, const struct ox_str *lines, const uint64_t *seqs, size_t n,
		       bool mask, struct ox_buf *out)
{
	struct vev *evs = ox_xcalloc(n ? n : 1, sizeof *evs);
	struct vev **ord = ox_xmalloc((n ? n : 1) * sizeof *ord);
	decode_all(evs, lines, seqs, n);
	for (size_t i = 0; i < n; i++)
		ord[i] = &evs[i];
	if (n > 1)
		qsort(ord, n, sizeof *ord, cmp_vev);

	struct order o;
	fold(&o, ord, n);
	size_t start = out->len;
	struct w w = { .b = out, .mask = mask };
	ox_buf_init(&w.tmp, SIZE_MAX);
	putz(&w, "{\"order_id\":");
	put_str(&w, order_id.s ? order_id : OX_STR_LIT(""));
	write_header(&w, &o);
	write_create_failed(&w, ord, n);
	write_customer(&w, &o);
	write_items(&w, &o);
	write_payments(&w, ord, n);
	write_status_history(&w, ord, n);
	write_inventory(&w, ord, n);
	write_shipments(&w, ord, n);
	write_syncs(&w, ord, n);
	write_tickets(&w, ord, n);
	write_events(&w, ord, n);
	putz(&w, "}");

	for (size_t i = 0; i < n; i++)
		free(evs[i].mem);
	free(evs);
	free(ord);
	ox_buf_release(&w.tmp);
	if (w.full) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}
