/* counts.c - the reports' denominators (counts.h), kept by the engine as a
 * family of its own: it sees every event after the rule families, so the
 * order and shipment state it reads is up to date. The counts wait in a
 * small open-addressing table until the daemon takes them (one batch of the
 * group commit, or the start-up replay): no allocation per event.
 */
#include <stdlib.h>

#include "counts.h"
#include "engine_impl.h"

static const char *const metric_names[] = {
#define X(e, name, dim) name,
	OX_COUNT_METRICS(X)
#undef X
};

const char *ox_count_metric_name(enum ox_count_metric m)
{
	return metric_names[m];
}

struct slot {
	ox_time hour;
	uint32_t channel, shop, dim;
	uint8_t metric;
	int64_t n; /* 0: empty */
};

struct oxi_counts {
	struct slot *slots;
	size_t cap, used; /* cap: a power of two */
	OXI_VEC(struct ox_count) out;
};

static uint64_t slot_hash(const struct slot *k)
{
	uint64_t h = (uint64_t)k->hour * 0x9E3779B97F4A7C15u;
	h ^= ((uint64_t)k->channel << 32 | k->shop) * 0xC2B2AE3D27D4EB4Fu;
	h ^= ((uint64_t)k->dim << 8 | k->metric) * 0x165667B19E3779F9u;
	return h ^ (h >> 29);
}

static bool same_key(const struct slot *a, const struct slot *b)
{
	return a->hour == b->hour && a->channel == b->channel && a->shop == b->shop && a->dim == b->dim &&
	       a->metric == b->metric;
}

static void put(struct oxi_counts *t, const struct slot *k, int64_t n)
{
	size_t mask = t->cap - 1;
	for (size_t i = slot_hash(k) & mask;; i = (i + 1) & mask) {
		struct slot *s = &t->slots[i];
		if (!s->n) {
			*s = *k;
			s->n = n;
			t->used++;
			return;
		}
		if (same_key(s, k)) {
			s->n += n;
			return;
		}
	}
}

static void grow(struct oxi_counts *t)
{
	struct slot *old = t->slots;
	size_t old_cap = t->cap;
	t->cap = old_cap ? old_cap * 2 : 256;
	t->slots = ox_xcalloc(t->cap, sizeof *t->slots);
	t->used = 0;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].n)
			put(t, &old[i], old[i].n);
	free(old);
}

static void count(struct ox_engine *e, enum ox_count_metric m, ox_time ts, const struct oxi_order *o,
		  uint32_t dim)
{
	struct oxi_counts *t = e->counts;
	if (!t)
		return; /* counting is off */
	if ((t->used + 1) * 2 > t->cap)
		grow(t);
	ox_time hour = ts - ((ts % OX_HOUR_MS) + OX_HOUR_MS) % OX_HOUR_MS;
	struct slot k = { .hour = hour, .channel = o->channel, .shop = o->shop, .dim = dim, .metric = (uint8_t)m };
	put(t, &k, 1);
}

void oxi_count_payment(struct ox_engine *e, const struct oxi_order *o, ox_time ts, bool ok)
{
	count(e, OX_COUNT_PAY_ATTEMPTS, ts, o, o->pay_method);
	if (ok)
		count(e, OX_COUNT_PAY_SUCCEEDED, ts, o, o->pay_method);
}

/* ---- the family ------------------------------------------------------------- */

static void on_created(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	/* the engine calls it for the first one only; the province is known */
	count(e, OX_COUNT_ORDERS, ev->ts, o, o->province);
}

static struct oxi_shipment *shipment_of(struct oxi_order *o, const struct ox_event *ev)
{
	for (uint32_t i = 0; i < o->shipments.n; i++) {
		struct oxi_shipment *s = &o->shipments.v[i];
		if (ox_str_eq((struct ox_str){ s->tracking_no, s->tracking_len }, ev->tracking_no))
			return s;
	}
	return NULL;
}

/* Count once per parcel: the first time bit is seen. */
static bool first(struct oxi_shipment *s, uint8_t bit)
{
	if (s->counted & bit)
		return false;
	s->counted |= bit;
	return true;
}

static void on_shipment(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_shipment *s = shipment_of(o, ev); /* the logistics family made it */
	if (s && first(s, OXI_COUNTED_CREATED))
		count(e, OX_COUNT_SHIPMENTS, ev->ts, o, s->carrier);
}

static void on_track(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_shipment *s = shipment_of(o, ev);
	if (!s)
		return;
	if (ev->track_status == OX_TRK_DELIVERED && first(s, OXI_COUNTED_DELIVERED)) {
		count(e, OX_COUNT_DELIVERED, ev->ts, o, s->carrier);
		if (o->deliver_by != OX_TIME_NONE && ev->ts > o->deliver_by)
			count(e, OX_COUNT_DELIVERED_LATE, ev->ts, o, s->carrier);
	} else if (ev->track_status == OX_TRK_LOST && first(s, OXI_COUNTED_LOST)) {
		count(e, OX_COUNT_LOST, ev->ts, o, s->carrier);
	}
}

/* An order counts as shipped once it is both created (ship_by known) and
 * shipped, whichever came first. */
static void on_change(struct ox_engine *e, struct oxi_order *o, const struct oxi_facts *before,
		      const struct oxi_facts *after, const struct ox_event *ev)
{
	bool was = before->created && before->first_shipped != OX_TIME_NONE;
	if (was || !after->created || after->first_shipped == OX_TIME_NONE)
		return;
	count(e, OX_COUNT_SHIPPED, ev->ts, o, 0);
	if (after->ship_by == OX_TIME_NONE || after->first_shipped <= after->ship_by)
		count(e, OX_COUNT_SHIPPED_ON_TIME, ev->ts, o, 0);
}

const struct oxi_family oxi_counts_family = {
	.name = "counts",
	.on_event = {
		[OX_EV_ORDER_CREATED] = on_created,
		[OX_EV_SHIPMENT_CREATED] = on_shipment,
		[OX_EV_SHIPMENT_TRACK] = on_track,
	},
	.on_change = on_change,
};

/* ---- the engine's interface ------------------------------------------------------- */

void ox_engine_set_counting(struct ox_engine *e, bool on)
{
	if (on && !e->counts) {
		e->counts = ox_xcalloc(1, sizeof *e->counts);
	} else if (!on && e->counts) {
		oxi_counts_free(e->counts);
		e->counts = NULL;
	}
}

const struct ox_count *ox_engine_counts(struct ox_engine *e, size_t *n)
{
	struct oxi_counts *t = e->counts;
	*n = 0;
	if (!t)
		return NULL;
	t->out.n = 0;
	for (size_t i = 0; i < t->cap; i++) {
		const struct slot *s = &t->slots[i];
		if (!s->n)
			continue;
		*OXI_PUSH(t->out) = (struct ox_count){ .hour = s->hour, .metric = (enum ox_count_metric)s->metric,
						       .channel = oxi_name(e, s->channel), .shop = oxi_name(e, s->shop),
						       .dim = oxi_name(e, s->dim), .n = s->n };
	}
	*n = t->out.n;
	return t->out.v;
}

void ox_engine_counts_clear(struct ox_engine *e)
{
	struct oxi_counts *t = e->counts;
	if (t && t->used) {
		memset(t->slots, 0, t->cap * sizeof *t->slots);
		t->used = 0;
	}
}

void oxi_counts_free(struct oxi_counts *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t->out.v);
	free(t);
}
