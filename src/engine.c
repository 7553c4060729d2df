/* engine.c - event application, the clock and the deadline loop.
 *
 * The rules live in families (src/rules/), this file only routes events,
 * order changes and deadlines to them, in the order rules.md prescribes:
 * deadlines before the event's ts, the event, deadlines up to the clock.
 */
#include "engine_impl.h"

#include <stdarg.h>
#include <stdlib.h>

static const struct oxi_family *const families[] = {
	&oxi_payment_family,  &oxi_inventory_family, &oxi_logistics_family, &oxi_customer_family,
	&oxi_system_family,   &oxi_fraud_family,     &oxi_incident_family,
	&oxi_counts_family, /* last: it reads what the rule families made of the event */
};

void *oxi_vec_push(void **v, uint32_t *n, uint32_t *cap, size_t esize)
{
	if (*n == *cap) {
		/* Most lists of an order hold one item; small items (an order's
		 * statuses: paid, shipped, delivered, completed) start with a
		 * cache line's worth, which saves two reallocations. */
		uint32_t c = *cap ? *cap * 2 : esize <= 16 ? (uint32_t)(64 / esize) : 1;
		*v = ox_xrealloc(*v, (size_t)c * esize);
		*cap = c;
	}
	char *slot = (char *)*v + (size_t)(*n)++ * esize;
	memset(slot, 0, esize);
	return slot;
}

/* ---- names ------------------------------------------------------------- */

struct name_entry {
	uint32_t id, len;
	char s[];
};

static bool name_eq(const void *val, const void *key)
{
	const struct name_entry *n = val;
	const struct ox_str *k = key;
	return n->len == k->len && memcmp(n->s, k->s, k->len) == 0;
}

uint32_t oxi_intern(struct ox_engine *e, struct ox_str name)
{
	if (!name.len)
		return 0;
	uint64_t h = ox_hash64(name.s, name.len);
	const struct name_entry *found = ox_hmap_get(&e->names, h, name_eq, &name);
	if (found)
		return found->id;
	struct name_entry *n = ox_xmalloc(sizeof *n + name.len + 1);
	n->id = e->name_list.n;
	n->len = (uint32_t)name.len;
	memcpy(n->s, name.s, name.len);
	n->s[name.len] = '\0';
	ox_hmap_put(&e->names, h, n);
	*OXI_PUSH(e->name_list) = n->s;
	return n->id;
}

const char *oxi_name(const struct ox_engine *e, uint32_t id)
{
	return id < e->name_list.n ? e->name_list.v[id] : "";
}

void ox_engine_order_origin(struct ox_engine *e, const char *order_id, const char **channel,
			    const char **shop)
{
	const struct oxi_order *o = oxi_order_get(e, ox_str_z(order_id), false);
	*channel = o ? oxi_name(e, o->channel) : "";
	*shop = o ? oxi_name(e, o->shop) : "";
}

bool ox_engine_order_money(struct ox_engine *e, const char *order_id, struct ox_order_money *out)
{
	const struct oxi_order *o = oxi_order_get(e, ox_str_z(order_id), false);
	if (!o)
		return false;
	out->total = o->total;
	out->net_paid = o->net_paid;
	out->last_payment_id = o->payments.n ? o->payments.v[o->payments.n - 1].id : "";
	return true;
}

/* ---- deadlines ----------------------------------------------------------- */

static oxi_deadline_fn deadline_handler(enum oxi_deadline_kind kind)
{
	for (size_t i = 0; i < OX_ARRAY_LEN(families); i++)
		for (size_t j = 0; j < OX_ARRAY_LEN(families[i]->deadlines); j++)
			if (families[i]->deadlines[j].fn && families[i]->deadlines[j].kind == kind)
				return families[i]->deadlines[j].fn;
	return NULL;
}

void oxi_schedule(struct ox_engine *e, ox_time due, enum oxi_deadline_kind kind, void *target, uint32_t aux)
{
	ox_deadlines_push(&e->deadlines, due, (uint32_t)kind, target, aux);
}

void oxi_schedule_once(struct ox_engine *e, ox_time *slot, ox_time due, enum oxi_deadline_kind kind,
		       void *target, uint32_t aux)
{
	if (due == OX_TIME_NONE || *slot == due)
		return;
	*slot = due;
	oxi_schedule(e, due, kind, target, aux);
}

/* Fire every deadline < limit (inclusive: <= limit) in (due, seq) order,
 * including those that firing sets. */
static void fire_deadlines(struct ox_engine *e, ox_time limit, bool inclusive)
{
	const struct ox_deadline *d;
	while ((d = ox_deadlines_peek(&e->deadlines)) && (d->due < limit || (inclusive && d->due == limit))) {
		struct ox_deadline x;
		ox_deadlines_pop(&e->deadlines, &x);
		e->deadline_fns[x.kind](e, &x);
	}
}

/* ---- life cycle ---------------------------------------------------------- */

struct ox_engine *ox_engine_new(const struct ox_params *p, const struct ox_blacklist *bl)
{
	struct ox_engine *e = ox_xcalloc(1, sizeof *e);
	for (int k = 0; k < OXI_DL__COUNT; k++) {
		e->deadline_fns[k] = deadline_handler((enum oxi_deadline_kind)k);
		if (!e->deadline_fns[k]) {
			fprintf(stderr, "ordex: BUG: no handler for deadline kind %d\n", k);
			abort();
		}
	}
	e->p = p;
	e->bl = bl;
	e->clock = OX_TIME_NONE;
	ox_idset_init(&e->ids);
	ox_idset_init(&e->retired);
	ox_hmap_init(&e->orders);
	ox_hmap_init(&e->skus);
	ox_hmap_init(&e->names);
	ox_hmap_init(&e->open_cases);
	ox_hmap_init(&e->calendar);
	ox_deadlines_init(&e->deadlines);
	ox_buf_init(&e->scratch, 1 << 20);
	*OXI_PUSH(e->name_list) = "";
	e->fraud = oxi_fraud_new();
	e->rate_last_held = OX_TIME_NONE;
	e->rate_dl = OX_TIME_NONE;
	for (int r = 0; r < OX_R__COUNT; r++) {
		e->burst[r].last_member = OX_TIME_NONE;
		e->burst[r].dl_quiet = OX_TIME_NONE;
	}
	return e;
}


void ox_engine_free(struct ox_engine *e)
{
	if (!e)
		return;
	OX_HMAP_FOREACH(&e->orders, i)
	oxi_order_free(e->orders.slots[i].val);
	OX_HMAP_FOREACH(&e->skus, i)
	oxi_sku_free(e->skus.slots[i].val);
	OX_HMAP_FOREACH(&e->names, i)
	free(e->names.slots[i].val);
	free(e->name_list.v);
	for (uint32_t i = 0; i < e->cases.n; i++)
		oxi_case_free(e->cases.v[i]);
	free(e->cases.v);
	for (int r = 0; r < OX_R__COUNT; r++)
		free(e->burst[r].recent.v);
	free(e->attempts.v);
	oxi_fraud_free(e->fraud);
	oxi_retention_free(e);
	oxi_counts_free(e->counts);
	ox_idset_release(&e->ids);
	ox_idset_release(&e->retired);
	ox_hmap_release(&e->orders);
	ox_hmap_release(&e->skus);
	ox_hmap_release(&e->names);
	ox_hmap_release(&e->open_cases);
	ox_deadlines_release(&e->deadlines);
	ox_buf_release(&e->scratch);
	free(e);
}

void ox_engine_set_listener(struct ox_engine *e, struct ox_case_listener l)
{
	e->listener = l;
}

ox_time ox_engine_clock(const struct ox_engine *e)
{
	return e->clock;
}

size_t ox_engine_case_count(const struct ox_engine *e)
{
	return e->cases.n;
}

const struct ox_case *ox_engine_case(const struct ox_engine *e, size_t i)
{
	return i < e->cases.n ? e->cases.v[i] : NULL;
}

void ox_engine_stats(const struct ox_engine *e, struct ox_engine_stats *st)
{
	st->events = e->n_events;
	st->duplicates = e->n_duplicates;
	st->orders = e->n_orders;
	st->skus = e->n_skus;
	st->cases_open = e->n_open;
	st->deadlines_pending = e->deadlines.n;
	st->orders_retired = e->n_retired;
	st->retired_events = e->n_retired_events;
	st->id_set_bytes = ox_idset_bytes(&e->ids);
}

/* ---- live parameter changes ------------------------------------------------- */

_Static_assert(OXI_DL_PAY_FAILED == 0 && OXI_DL_SYNC + 1 == OXI_DL_DRIFT,
	       "the order deadline kinds come first, up to OXI_DL_SYNC");

void ox_engine_params_changed(struct ox_engine *e)
{
	OX_HMAP_FOREACH(&e->orders, i) {
		struct oxi_order *o = e->orders.slots[i].val;
		const char *ch = (o->flags & OXI_O_CREATED) ? oxi_name(e, o->channel) : "";
		o->p = ox_params_for_channel(e->p, ch, strlen(ch));
		oxi_retention_touch(e, o); /* retention may have changed */
	}
	/* the orders with a pending deadline, in the heap's order: a replay or
	 * a restart from a snapshot has the same heap and pushes alike */
	size_t k = 0;
	struct oxi_order **due = ox_xmalloc((e->deadlines.n + 1) * sizeof(*due));
	for (size_t i = 0; i < e->deadlines.n; i++)
		if (e->deadlines.heap[i].kind <= OXI_DL_SYNC)
			due[k++] = e->deadlines.heap[i].target;
	for (size_t i = 0; i < k; i++) {
		struct oxi_facts f;
		oxi_facts_of(due[i], &f);
		for (size_t j = 0; j < OX_ARRAY_LEN(families); j++)
			if (families[j]->on_change)
				families[j]->on_change(e, due[i], &f, &f, NULL);
	}
	free(due);
}

/* ---- applying events ------------------------------------------------------ */

/* o is NULL for events of no order (inventory.level, inventory.low_stock). */
static void to_families(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	struct oxi_facts before, after;
	if (o) {
		oxi_facts_of(o, &before);
		oxi_order_apply_core(e, o, ev);
	}
	for (size_t i = 0; i < OX_ARRAY_LEN(families); i++)
		if (families[i]->on_event[ev->type])
			families[i]->on_event[ev->type](e, o, ev);
	if (!o)
		return;
	oxi_facts_of(o, &after);
	for (size_t i = 0; i < OX_ARRAY_LEN(families); i++)
		if (families[i]->on_change)
			families[i]->on_change(e, o, &before, &after, ev);
}

static void apply_to_order(struct ox_engine *e, struct oxi_order *o, const struct ox_event *ev)
{
	/* An update before its order exists waits for the order.created. */
	if (ev->type == OX_EV_ORDER_UPDATED && !(o->flags & OXI_O_CREATED)) {
		oxi_order_stash_update(o, ev);
		return;
	}
	bool creating = ev->type == OX_EV_ORDER_CREATED && !(o->flags & OXI_O_CREATED);
	if (ev->type == OX_EV_ORDER_CREATED && !creating)
		return; /* a second order.created is ignored */
	to_families(e, o, ev);
	if (creating) {
		size_t n;
		struct ox_event *pending = oxi_order_take_pending(o, &n);
		for (size_t i = 0; i < n; i++)
			to_families(e, o, &pending[i]);
		oxi_order_free_pending(pending, n);
	}
}

static void apply_order_event(struct ox_engine *e, const struct ox_event *ev)
{
	/* SKU events: an order_id they may carry makes no order */
	if (ev->type == OX_EV_INVENTORY_LEVEL || ev->type == OX_EV_INVENTORY_LOW_STOCK) {
		to_families(e, NULL, ev);
		return;
	}
	struct oxi_order *o = oxi_order_get(e, ev->order_id, false);
	if (!o && oxi_retired_event(e, ev))
		return;
	if (!o)
		o = oxi_order_get(e, ev->order_id, true);
	if (ev->ts > o->last_event)
		o->last_event = ev->ts;
	apply_to_order(e, o, ev);
	oxi_retention_touch(e, o);
}

void oxi_case_opened_hooks(struct ox_engine *e, struct ox_case *c)
{
	for (size_t i = 0; i < OX_ARRAY_LEN(families); i++)
		if (families[i]->on_case_opened)
			families[i]->on_case_opened(e, c);
}

static void clock_moved(struct ox_engine *e)
{
	oxi_retention_tick(e);
	for (size_t i = 0; i < OX_ARRAY_LEN(families); i++)
		if (families[i]->on_clock)
			families[i]->on_clock(e);
	if (e->listener.clock)
		e->listener.clock(e->listener.ctx, e->clock);
}

void ox_engine_prefetch(const struct ox_engine *e, const struct ox_event *ev)
{
	ox_idset_prefetch(&e->ids, ev->id.s, ev->id.len);
	if (ev->order_id.s)
		ox_hmap_prefetch(&e->orders, ox_hash64(ev->order_id.s, ev->order_id.len));
}

bool ox_engine_seen(const struct ox_engine *e, struct ox_str id)
{
	return ox_idset_has(&e->ids, id.s, id.len);
}

enum ox_apply ox_engine_apply(struct ox_engine *e, const struct ox_event *ev)
{
	oxi_retention_day(e, e->clock == OX_TIME_NONE || ev->ts > e->clock ? ev->ts : e->clock);
	if (!ox_idset_add(&e->ids, ev->id.s, ev->id.len)) {
		e->n_duplicates++;
		return OX_DUPLICATE;
	}
	e->n_events++;
	if (e->clock == OX_TIME_NONE || ev->ts > e->clock)
		fire_deadlines(e, ev->ts, false);
	if (ev->type != OX_EV_TICK)
		apply_order_event(e, ev);
	if (e->clock == OX_TIME_NONE || ev->ts > e->clock)
		e->clock = ev->ts;
	fire_deadlines(e, e->clock, true);
	clock_moved(e);
	return OX_APPLIED;
}

void ox_engine_advance(struct ox_engine *e, ox_time t)
{
	if (e->clock != OX_TIME_NONE && t <= e->clock)
		return;
	fire_deadlines(e, t, false);
	e->clock = t;
	fire_deadlines(e, t, true);
	clock_moved(e);
}

const char *oxi_fmt_time(ox_time t, char buf[OX_TIME_BUFSZ])
{
	return ox_time_format(t, OX_TZ_CST, buf);
}
