/* inventory.c - see inventory.h and docs/inventory.md. */
#include "inventory.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "hmap.h"
#include "json.h"
#include "snap.h"

static const char *const op_names[] = {
#define X(e, name) name,
	OX_INV_OPS(X)
#undef X
};

const char *ox_inv_op_name(enum ox_inv_op_kind k)
{
	return (unsigned)k < OX_INV__NOPS ? op_names[k] : NULL;
}

void ox_inv_op_release(struct ox_inv_op *op)
{
	free(op->items);
	free(op->levels);
	op->items = NULL;
	op->levels = NULL;
	op->n_items = op->n_levels = 0;
}

/* ---- parsing ----------------------------------------------------------------- */

static int refuse(char err[256], const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(char err[256], const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, 256, fmt, ap);
	va_end(ap);
	return -1;
}

/* Where a value sits, named in a refusal only (a reservation is parsed
 * without formatting anything): "ttl", "items[2].qty", "levels[0].quotas"
 * and "levels[0].quotas.tmall" (list "levels", n 0, member "quotas", key
 * "tmall"). */
struct place {
	const char *list; /* NULL: a member of the operation itself */
	size_t n;
	const char *member, *key;
};

#define MEMBER(name) ((struct place){ .member = (name) })
#define IN_LIST(l, i, name) ((struct place){ .list = (l), .n = (i), .member = (name) })
#define PLACE_NAME_MAX (32 + OX_INV_CHANNEL_MAX)

static const char *place_name(struct place at, char buf[PLACE_NAME_MAX])
{
	if (!at.list)
		return at.member;
	snprintf(buf, PLACE_NAME_MAX, "%s[%zu].%s%s%s", at.list, at.n, at.member, at.key ? "." : "",
		 at.key ? at.key : "");
	return buf;
}

/* A member's value as text of 1..max bytes, valid UTF-8 without control
 * characters, into out (max + 1 bytes). */
static int take_text(const struct ox_json_tok *t, char *out, size_t max, struct place at, char err[256])
{
	char name[PLACE_NAME_MAX];
	if (t->type != OX_JSON_STRING)
		return refuse(err, "%s: expected a string", place_name(at, name));
	if (t->len == 0 || t->len > max || (t->flags & OX_JSON_F_NUL) || !ox_utf8_text_ok(t->s, t->len, true))
		return refuse(err, "%s: expected 1..%zu bytes of text without control characters",
			      place_name(at, name), max);
	memcpy(out, t->s, t->len);
	out[t->len] = '\0';
	return 0;
}

static int take_int(const struct ox_json_tok *t, int64_t lo, int64_t hi, int64_t *out, struct place at,
		    char err[256])
{
	char buf[32], name[PLACE_NAME_MAX];
	if (t->type != OX_JSON_NUMBER || !(t->flags & OX_JSON_F_INT) || t->len >= sizeof buf)
		return refuse(err, "%s: expected an integer %" PRId64 "..%" PRId64, place_name(at, name), lo, hi);
	memcpy(buf, t->s, t->len);
	buf[t->len] = '\0';
	errno = 0;
	long long v = strtoll(buf, NULL, 10);
	if (errno || v < lo || v > hi)
		return refuse(err, "%s: expected an integer %" PRId64 "..%" PRId64, place_name(at, name), lo, hi);
	*out = v;
	return 0;
}

static bool key_is(const struct ox_json_tok *k, const char *name)
{
	return k->len == strlen(name) && memcmp(k->s, name, k->len) == 0;
}

/* The members of an object: key at toks[i], value at toks[i + 1]. */
#define EACH_MEMBER(p, obj, i, n) \
	for (size_t i = (obj) + 1, n = 0; n < (p)->toks[obj].size; n++, i = (p)->toks[i + 1].end)

static int take_items(struct ox_inv_op *op, const struct ox_json *p, size_t at, char err[256])
{
	const struct ox_json_tok *a = &p->toks[at];
	if (a->type != OX_JSON_ARRAY || a->size == 0 || a->size > OX_INV_ITEMS_MAX)
		return refuse(err, "items: expected an array of 1..%d items", OX_INV_ITEMS_MAX);
	op->items = ox_xcalloc(a->size, sizeof *op->items);
	size_t i = at + 1;
	for (size_t n = 0; n < a->size; n++, i = p->toks[i].end) {
		struct ox_inv_item *it = &op->items[n];
		if (p->toks[i].type != OX_JSON_OBJECT)
			return refuse(err, "items[%zu]: expected an object", n);
		bool sku = false, qty = false;
		EACH_MEMBER(p, i, m, mn) {
			const struct ox_json_tok *k = &p->toks[m];
			size_t v = m + 1;
			if (key_is(k, "sku")) {
				if (take_text(&p->toks[v], it->sku, OX_INV_SKU_MAX, IN_LIST("items", n, "sku"), err))
					return -1;
				sku = true;
			} else if (key_is(k, "qty")) {
				if (take_int(&p->toks[v], 1, OX_INV_QTY_MAX, &it->qty, IN_LIST("items", n, "qty"),
					     err))
					return -1;
				qty = true;
			}
		}
		if (!sku || !qty)
			return refuse(err, "items[%zu]: needs \"%s\"", n, sku ? "qty" : "sku");
		for (size_t j = 0; j < n; j++)
			if (strcmp(op->items[j].sku, it->sku) == 0)
				return refuse(err, "items[%zu].sku: %s is also items[%zu]", n, it->sku, j);
		op->n_items = n + 1;
	}
	return 0;
}

static int take_quotas(struct ox_inv_level *l, const struct ox_json *p, size_t at, size_t n, char err[256])
{
	const struct ox_json_tok *o = &p->toks[at];
	if (o->type != OX_JSON_OBJECT || o->size > OX_INV_QUOTAS_MAX)
		return refuse(err, "levels[%zu].quotas: expected an object of at most %d channels", n,
			      OX_INV_QUOTAS_MAX);
	int64_t sum = 0;
	EACH_MEMBER(p, at, k, kn) {
		size_t v = k + 1;
		struct ox_inv_quota *q = &l->quotas[l->n_quotas];
		struct place where = IN_LIST("levels", n, "quotas");
		if (take_text(&p->toks[k], q->channel, OX_INV_CHANNEL_MAX, where, err))
			return -1;
		where.key = q->channel;
		if (take_int(&p->toks[v], 0, OX_INV_ON_HAND_MAX, &q->units, where, err))
			return -1;
		for (size_t m = 0; m < l->n_quotas; m++)
			if (strcmp(l->quotas[m].channel, q->channel) == 0)
				return refuse(err, "levels[%zu].quotas: %s twice", n, q->channel);
		sum += q->units;
		l->n_quotas++;
	}
	if (sum > l->on_hand)
		return refuse(err, "levels[%zu].quotas: they add up to %" PRId64 ", more than on_hand %" PRId64, n,
			      sum, l->on_hand);
	return 0;
}

static int take_levels(struct ox_inv_op *op, const struct ox_json *p, size_t at, char err[256])
{
	const struct ox_json_tok *a = &p->toks[at];
	if (a->type != OX_JSON_ARRAY || a->size == 0 || a->size > OX_INV_LEVELS_MAX)
		return refuse(err, "levels: expected an array of 1..%d levels", OX_INV_LEVELS_MAX);
	op->levels = ox_xcalloc(a->size, sizeof *op->levels);
	size_t i = at + 1;
	for (size_t n = 0; n < a->size; n++, i = p->toks[i].end) {
		struct ox_inv_level *l = &op->levels[n];
		l->low_stock = -1;
		if (p->toks[i].type != OX_JSON_OBJECT)
			return refuse(err, "levels[%zu]: expected an object", n);
		bool sku = false, on_hand = false;
		size_t quotas = 0;
		EACH_MEMBER(p, i, m, mn) {
			const struct ox_json_tok *k = &p->toks[m];
			size_t v = m + 1;
			if (key_is(k, "sku")) {
				if (take_text(&p->toks[v], l->sku, OX_INV_SKU_MAX, IN_LIST("levels", n, "sku"), err))
					return -1;
				sku = true;
			} else if (key_is(k, "on_hand")) {
				if (take_int(&p->toks[v], 0, OX_INV_ON_HAND_MAX, &l->on_hand,
					     IN_LIST("levels", n, "on_hand"), err))
					return -1;
				on_hand = true;
			} else if (key_is(k, "low_stock")) {
				if (p->toks[v].type != OX_JSON_NULL &&
				    take_int(&p->toks[v], 0, OX_INV_ON_HAND_MAX, &l->low_stock,
					     IN_LIST("levels", n, "low_stock"), err))
					return -1;
			} else if (key_is(k, "quotas")) {
				quotas = v; /* checked against on_hand, which may come after */
			}
		}
		if (!sku || !on_hand)
			return refuse(err, "levels[%zu]: needs \"%s\"", n, sku ? "on_hand" : "sku");
		if (quotas && p->toks[quotas].type != OX_JSON_NULL && take_quotas(l, p, quotas, n, err))
			return -1;
		for (size_t j = 0; j < n; j++)
			if (strcmp(op->levels[j].sku, l->sku) == 0)
				return refuse(err, "levels[%zu].sku: %s is also levels[%zu]", n, l->sku, j);
		op->n_levels = n + 1;
	}
	return 0;
}

/* The members of a body or record: M(enum suffix, name). */
#define MEMBERS(M)                  \
	M(OP, "op")                 \
	M(AT, "at")                 \
	M(ORDER_ID, "order_id")     \
	M(CHANNEL, "channel")       \
	M(TTL, "ttl")               \
	M(ITEMS, "items")           \
	M(LEVELS, "levels")

enum member {
#define M(e, name) M_##e,
	MEMBERS(M)
#undef M
	M__COUNT
};
static const char *const member_names[] = {
#define M(e, name) name,
	MEMBERS(M)
#undef M
};
#define BIT(m) (1u << M_##m)

/* What each operation's body must have (a record adds "op" and "at"). */
static const unsigned required[OX_INV__NOPS] = {
	[OX_INV_RESERVE] = BIT(ORDER_ID) | BIT(CHANNEL) | BIT(ITEMS),
	[OX_INV_CONFIRM] = BIT(ORDER_ID),
	[OX_INV_RELEASE] = BIT(ORDER_ID),
	[OX_INV_LEVELS] = BIT(LEVELS),
};

static int take_member(struct ox_inv_op *op, enum member m, const struct ox_json *p, size_t v, char err[256])
{
	const struct ox_json_tok *t = &p->toks[v];
	switch (m) {
	case M_OP:
		for (int k = 0; k <= OX_INV_LEVELS; k++)
			if (t->type == OX_JSON_STRING && key_is(t, op_names[k])) {
				op->kind = (enum ox_inv_op_kind)k;
				return 0;
			}
		return refuse(err, "op: expected reserve, confirm, release or levels");
	case M_AT:
		return take_int(t, INT64_MIN / 4, INT64_MAX / 4, &op->at, MEMBER("at"), err);
	case M_ORDER_ID:
		return take_text(t, op->order_id, OX_INV_ORDER_MAX, MEMBER("order_id"), err);
	case M_CHANNEL:
		return take_text(t, op->channel, OX_INV_CHANNEL_MAX, MEMBER("channel"), err);
	case M_TTL:
		return take_int(t, 1, OX_INV_TTL_MAX, &op->ttl, MEMBER("ttl"), err);
	case M_ITEMS:
		return op->items ? refuse(err, "items: twice") : take_items(op, p, v, err);
	case M_LEVELS:
		return op->levels ? refuse(err, "levels: twice") : take_levels(op, p, v, err);
	case M__COUNT:
		break;
	}
	return refuse(err, "unknown member");
}

/* record: the members "op" and "at" are required and decide the kind. */
static int parse(struct ox_inv_op *op, enum ox_inv_op_kind kind, bool record, const char *json, size_t len,
		 char err[256])
{
	struct ox_json p;
	int rc = 0;
	unsigned seen = 0;
	ox_json_init(&p, 6);
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->ttl = OX_INV_TTL_DEFAULT;
	if (ox_json_parse(&p, json, len) < 0) {
		rc = refuse(err, "not JSON: %s at byte %zu", p.err, p.err_col);
		goto done;
	}
	if (p.toks[0].type != OX_JSON_OBJECT) {
		rc = refuse(err, "expected a JSON object");
		goto done;
	}
	EACH_MEMBER(&p, 0, k, kn) {
		int m = 0;
		while (m < M__COUNT && !key_is(&p.toks[k], member_names[m]))
			m++;
		if (m == M__COUNT || (!record && (m == M_OP || m == M_AT)))
			continue; /* not ours: ignored */
		if ((rc = take_member(op, (enum member)m, &p, k + 1, err)))
			goto done;
		seen |= 1u << m;
	}
	unsigned need = required[op->kind] | (record ? BIT(OP) | BIT(AT) : 0);
	for (int m = 0; m < M__COUNT && !rc; m++)
		if ((need & ~seen) & (1u << m))
			rc = refuse(err, "needs \"%s\"", member_names[m]);
done:
	ox_json_release(&p);
	if (rc)
		ox_inv_op_release(op);
	return rc;
}

int ox_inv_op_parse_body(struct ox_inv_op *op, enum ox_inv_op_kind kind, const char *json, size_t len,
			 char err[256])
{
	if (kind > OX_INV_LEVELS)
		return refuse(err, "not an operation with a body");
	return parse(op, kind, false, json, len, err);
}

int ox_inv_op_parse_record(struct ox_inv_op *op, const char *json, size_t len, char err[256])
{
	return parse(op, OX_INV_RESERVE, true, json, len, err);
}

/* The records, answers and events below are written for every reservation,
 * piece by piece: printf for each member was a tenth of the writer's time. */

/* ,"name": */
static void put_key(struct ox_buf *b, const char *name)
{
	ox_buf_add(b, ",\"", 2);
	ox_buf_addz(b, name);
	ox_buf_add(b, "\":", 2);
}

static void put_str(struct ox_buf *b, const char *name, const char *s)
{
	put_key(b, name);
	ox_buf_add_json_str(b, s, strlen(s));
}

static void put_int(struct ox_buf *b, const char *name, int64_t v)
{
	put_key(b, name);
	ox_buf_add_int(b, v);
}

void ox_inv_op_write(const struct ox_inv_op *op, struct ox_buf *out)
{
	ox_buf_addz(out, "{\"op\":\"");
	ox_buf_addz(out, op_names[op->kind]);
	ox_buf_addz(out, "\"");
	put_int(out, "at", op->at);
	if (op->kind == OX_INV_LEVELS) {
		ox_buf_addz(out, ",\"levels\":[");
		for (size_t i = 0; i < op->n_levels; i++) {
			const struct ox_inv_level *l = &op->levels[i];
			ox_buf_addz(out, i ? ",{\"sku\":" : "{\"sku\":");
			ox_buf_add_json_str(out, l->sku, strlen(l->sku));
			put_int(out, "on_hand", l->on_hand);
			if (l->low_stock >= 0)
				put_int(out, "low_stock", l->low_stock);
			if (l->n_quotas) {
				ox_buf_addz(out, ",\"quotas\":{");
				for (size_t q = 0; q < l->n_quotas; q++) {
					if (q)
						ox_buf_addz(out, ",");
					ox_buf_add_json_str(out, l->quotas[q].channel, strlen(l->quotas[q].channel));
					ox_buf_addz(out, ":");
					ox_buf_add_int(out, l->quotas[q].units);
				}
				ox_buf_addz(out, "}");
			}
			ox_buf_addz(out, "}");
		}
		ox_buf_addz(out, "]}");
		return;
	}
	put_str(out, "order_id", op->order_id);
	if (op->kind == OX_INV_RESERVE) {
		put_str(out, "channel", op->channel);
		put_int(out, "ttl", op->ttl);
		ox_buf_addz(out, ",\"items\":[");
		for (size_t i = 0; i < op->n_items; i++) {
			ox_buf_addz(out, i ? ",{\"sku\":" : "{\"sku\":");
			ox_buf_add_json_str(out, op->items[i].sku, strlen(op->items[i].sku));
			put_int(out, "qty", op->items[i].qty);
			ox_buf_addz(out, "}");
		}
		ox_buf_addz(out, "]");
	}
	ox_buf_addz(out, "}");
}

/* ---- the state ---------------------------------------------------------------- */

/* Units one channel holds of a SKU, whether or not it has a quota: quotas
 * may change under held reservations. */
struct tally {
	char channel[OX_INV_CHANNEL_MAX + 1];
	int64_t held;
};

struct sku {
	char name[OX_INV_SKU_MAX + 1];
	int64_t on_hand, reserved, confirmed, low_stock;
	ox_time updated_at;
	bool low;     /* below low_stock when last told (inventory.low_stock) */
	bool touched; /* in the inventory's touched list */
	size_t n_quotas;
	struct ox_inv_quota quotas[OX_INV_QUOTAS_MAX];
	size_t n_tallies, cap_tallies;
	struct tally *tallies;
};

#define RESV_STATUSES(X)          \
	X(HELD, "held")           \
	X(CONFIRMED, "confirmed") \
	X(RELEASED, "released")   \
	X(EXPIRED, "expired")

enum resv_status {
#define X(e, name) R_##e,
	RESV_STATUSES(X)
#undef X
};
static const char *const status_names[] = {
#define X(e, name) name,
	RESV_STATUSES(X)
#undef X
};

struct resv_item {
	struct sku *sku;
	int64_t qty;
};

/* A reservation has exactly one entry in the deadline queue while it
 * exists: its expiry while held, then the time it is forgotten. */
struct resv {
	char order_id[OX_INV_ORDER_MAX + 1];
	char channel[OX_INV_CHANNEL_MAX + 1];
	enum resv_status status;
	ox_time created_at, expires_at, finished_at;
	size_t n;
	struct resv_item items[];
};

struct ox_inventory {
	struct ox_hmap skus, resvs;
	struct sku **sorted; /* by name, for listing */
	size_t n_sorted, cap_sorted;
	struct ox_deadlines timers;
	struct sku **touched; /* whose counts changed since the last low-stock check */
	size_t n_touched, cap_touched;
	size_t held;
	uint64_t expired;
	uint64_t events; /* events made: their ids */
};

static uint64_t hash_str(const char *s)
{
	return ox_hash64(s, strlen(s));
}

static bool sku_eq(const void *val, const void *key)
{
	return strcmp(((const struct sku *)val)->name, key) == 0;
}

static bool resv_eq(const void *val, const void *key)
{
	return strcmp(((const struct resv *)val)->order_id, key) == 0;
}

static struct sku *find_sku(const struct ox_inventory *inv, const char *name)
{
	return ox_hmap_get(&inv->skus, hash_str(name), sku_eq, name);
}

static struct resv *find_resv(const struct ox_inventory *inv, const char *order_id)
{
	return ox_hmap_get(&inv->resvs, hash_str(order_id), resv_eq, order_id);
}

struct ox_inventory *ox_inventory_new(void)
{
	struct ox_inventory *inv = ox_xcalloc(1, sizeof *inv);
	ox_hmap_init(&inv->skus);
	ox_hmap_init(&inv->resvs);
	ox_deadlines_init(&inv->timers);
	return inv;
}

void ox_inventory_free(struct ox_inventory *inv)
{
	if (!inv)
		return;
	OX_HMAP_FOREACH(&inv->resvs, i)
	free(inv->resvs.slots[i].val);
	for (size_t i = 0; i < inv->n_sorted; i++) {
		free(inv->sorted[i]->tallies);
		free(inv->sorted[i]);
	}
	free(inv->sorted);
	free(inv->touched);
	ox_hmap_release(&inv->skus);
	ox_hmap_release(&inv->resvs);
	ox_deadlines_release(&inv->timers);
	free(inv);
}

void ox_inventory_stats(const struct ox_inventory *inv, struct ox_inv_stats *st)
{
	*st = (struct ox_inv_stats){ .skus = inv->n_sorted, .reservations = inv->resvs.count, .held = inv->held,
				     .expired = inv->expired };
}

static struct ox_inv_quota *quota_of(struct sku *s, const char *channel)
{
	for (size_t i = 0; i < s->n_quotas; i++)
		if (strcmp(s->quotas[i].channel, channel) == 0)
			return &s->quotas[i];
	return NULL;
}

static struct tally *tally_of(struct sku *s, const char *channel)
{
	for (size_t i = 0; i < s->n_tallies; i++)
		if (strcmp(s->tallies[i].channel, channel) == 0)
			return &s->tallies[i];
	OX_GROW(s->tallies, s->cap_tallies, s->n_tallies + 1);
	struct tally *t = &s->tallies[s->n_tallies++];
	memset(t, 0, sizeof *t);
	snprintf(t->channel, sizeof t->channel, "%s", channel);
	return t;
}

static int64_t quota_sum(const struct sku *s)
{
	int64_t sum = 0;
	for (size_t i = 0; i < s->n_quotas; i++)
		sum += s->quotas[i].units;
	return sum;
}

/* The shared pool: on_hand less the quotas, and what channels without a
 * quota hold of it. */
static void shared_pool(struct sku *s, int64_t *capacity, int64_t *held)
{
	*capacity = s->on_hand - quota_sum(s);
	*held = 0;
	for (size_t i = 0; i < s->n_tallies; i++)
		if (!quota_of(s, s->tallies[i].channel))
			*held += s->tallies[i].held;
}

/* What channel may still take of s: its quota's rest or the shared pool's,
 * and never more than the SKU has unheld. */
static int64_t available_for(struct sku *s, const char *channel)
{
	int64_t pool;
	struct ox_inv_quota *q = quota_of(s, channel);
	if (q) {
		pool = q->units - tally_of(s, channel)->held;
	} else {
		int64_t cap, held;
		shared_pool(s, &cap, &held);
		pool = cap - held;
	}
	int64_t all = s->on_hand - s->reserved;
	return pool < all ? pool : all;
}

/* s's counts changed: its low-stock state is checked at the next
 * operation or tick (check_low). */
static void touch(struct ox_inventory *inv, struct sku *s)
{
	if (s->touched)
		return;
	s->touched = true;
	OX_GROW(inv->touched, inv->cap_touched, inv->n_touched + 1);
	inv->touched[inv->n_touched++] = s;
}

static void hold(struct ox_inventory *inv, struct sku *s, const char *channel, int64_t qty)
{
	s->reserved += qty;
	tally_of(s, channel)->held += qty;
	touch(inv, s);
}

static void unhold(struct ox_inventory *inv, struct sku *s, const char *channel, int64_t qty)
{
	s->reserved -= qty;
	tally_of(s, channel)->held -= qty;
	touch(inv, s);
}

static void finish(struct ox_inventory *inv, struct resv *r, enum resv_status to, ox_time at)
{
	if (r->status == R_HELD)
		inv->held--;
	r->status = to;
	r->finished_at = at;
}

/* Held units go back to stock. */
static void expire(struct ox_inventory *inv, struct resv *r)
{
	for (size_t i = 0; i < r->n; i++)
		unhold(inv, r->items[i].sku, r->channel, r->items[i].qty);
	finish(inv, r, R_EXPIRED, r->expires_at);
	inv->expired++;
}

static void forget(struct ox_inventory *inv, struct resv *r)
{
	ox_hmap_del(&inv->resvs, hash_str(r->order_id), r);
	free(r);
}

static void expire_due(struct ox_inventory *inv, ox_time now)
{
	const struct ox_deadline *d;
	while ((d = ox_deadlines_peek(&inv->timers)) && d->due <= now) {
		struct ox_deadline t;
		ox_deadlines_pop(&inv->timers, &t);
		struct resv *r = t.target;
		if (r->status == R_HELD)
			expire(inv, r);
		ox_time gone = r->finished_at + OX_INV_KEEP_MS;
		if (gone <= now)
			forget(inv, r);
		else
			ox_deadlines_push(&inv->timers, gone, 0, r, 0);
	}
}

/* ---- answers -------------------------------------------------------------------- */

static void put_time(struct ox_buf *b, const char *name, ox_time t)
{
	put_key(b, name);
	ox_time_json(b, t);
}

static void resv_json(const struct resv *r, bool replayed, struct ox_buf *b)
{
	ox_buf_addz(b, "{\"order_id\":");
	ox_buf_add_json_str(b, r->order_id, strlen(r->order_id));
	put_str(b, "channel", r->channel);
	put_str(b, "status", status_names[r->status]);
	ox_buf_addz(b, ",\"items\":[");
	for (size_t i = 0; i < r->n; i++) {
		ox_buf_addz(b, i ? ",{\"sku\":" : "{\"sku\":");
		ox_buf_add_json_str(b, r->items[i].sku->name, strlen(r->items[i].sku->name));
		put_int(b, "qty", r->items[i].qty);
		ox_buf_addz(b, "}");
	}
	ox_buf_addz(b, "]");
	put_time(b, "created_at", r->created_at);
	put_time(b, "expires_at", r->expires_at);
	put_time(b, "finished_at", r->status == R_HELD ? OX_TIME_NONE : r->finished_at);
	ox_buf_addz(b, replayed ? ",\"replayed\":true}" : ",\"replayed\":false}");
}

static void pool_json(struct ox_buf *b, int64_t capacity, int64_t held)
{
	ox_buf_addz(b, "{\"quota\":");
	ox_buf_add_int(b, capacity);
	put_int(b, "reserved", held);
	put_int(b, "available", capacity - held);
	ox_buf_addz(b, "}");
}

static void level_json(struct sku *s, struct ox_buf *b)
{
	ox_buf_addz(b, "{\"sku\":");
	ox_buf_add_json_str(b, s->name, strlen(s->name));
	put_int(b, "on_hand", s->on_hand);
	put_int(b, "reserved", s->reserved);
	put_int(b, "available", s->on_hand - s->reserved);
	put_int(b, "confirmed", s->confirmed);
	if (s->low_stock >= 0)
		put_int(b, "low_stock", s->low_stock);
	else
		ox_buf_addz(b, ",\"low_stock\":null");
	ox_buf_addz(b, ",\"quotas\":{");
	for (size_t i = 0; i < s->n_quotas; i++) {
		if (i)
			ox_buf_addz(b, ",");
		ox_buf_add_json_str(b, s->quotas[i].channel, strlen(s->quotas[i].channel));
		ox_buf_addz(b, ":");
		pool_json(b, s->quotas[i].units, tally_of(s, s->quotas[i].channel)->held);
	}
	int64_t cap, held;
	shared_pool(s, &cap, &held);
	ox_buf_addz(b, "},\"shared\":{\"capacity\":");
	ox_buf_add_int(b, cap);
	put_int(b, "reserved", held);
	put_int(b, "available", cap - held);
	ox_buf_addz(b, "}");
	put_time(b, "updated_at", s->updated_at);
	ox_buf_addz(b, "}");
}

static void error_json(struct ox_inv_result *res, int status, const char *error, const char *detail)
{
	res->status = status;
	ox_buf_addz(res->body, "{\"error\":");
	ox_buf_add_json_str(res->body, error, strlen(error));
	ox_buf_addz(res->body, ",\"detail\":");
	ox_buf_add_json_str(res->body, detail, strlen(detail));
}

/* {"id":"ordex-inv-N","type":...,"ts":... of an event the state numbered */
static void event_head(struct ox_buf *events, uint64_t n, const char *type, ox_time ts)
{
	ox_buf_addz(events, "{\"id\":\"ordex-inv-");
	ox_buf_add_int(events, (int64_t)n);
	ox_buf_addz(events, "\",\"type\":\"");
	ox_buf_addz(events, type);
	ox_buf_addz(events, "\",\"ts\":");
	ox_time_json(events, ts);
}

/* An event of the order for detection (events.md), numbered by the state. */
static void event_json(struct ox_inventory *inv, const struct ox_inv_op *op, const char *type, const char *sku,
		       int64_t qty, const char *reason, struct ox_buf *events)
{
	if (!events)
		return;
	event_head(events, ++inv->events, type, op->at);
	put_str(events, "order_id", op->order_id);
	put_str(events, "source", "ordex");
	put_str(events, "sku", sku);
	put_int(events, "qty", qty);
	if (reason)
		put_str(events, "reason", reason);
	put_str(events, "channel", op->channel);
	ox_buf_addz(events, "}\n");
}

/* Tell detection of every touched SKU that crossed its low-stock line
 * since it was last told, either way (inventory.low_stock: INV_LOW_STOCK
 * opens below the line and resolves above it). Runs only at operations and
 * ticks, which the log records, so a replay tells at the same points. */
static bool check_low(struct ox_inventory *inv, ox_time at, struct ox_buf *events)
{
	bool told = false;
	for (size_t i = 0; i < inv->n_touched; i++) {
		struct sku *s = inv->touched[i];
		s->touched = false;
		int64_t available = s->on_hand - s->reserved;
		/* a threshold taken away: the line is 0 (a SKU that was told low
		 * is told back once it is not negative) */
		int64_t line = s->low_stock >= 0 ? s->low_stock : 0;
		bool low = (s->low_stock >= 0 || s->low) && available < line;
		if (low == s->low)
			continue;
		s->low = low;
		event_head(events, ++inv->events, "inventory.low_stock", at);
		put_str(events, "source", "ordex");
		put_str(events, "sku", s->name);
		put_int(events, "available", available);
		put_int(events, "threshold", line);
		ox_buf_addz(events, "}\n");
		told = true;
	}
	inv->n_touched = 0;
	return told;
}

void ox_inventory_advance(struct ox_inventory *inv, ox_time now, struct ox_buf *events)
{
	expire_due(inv, now);
	if (events)
		check_low(inv, now, events);
}

/* ---- operations --------------------------------------------------------------- */

static bool same_request(const struct resv *r, const struct ox_inv_op *op)
{
	if (strcmp(r->channel, op->channel) || r->n != op->n_items)
		return false;
	for (size_t i = 0; i < op->n_items; i++) {
		size_t j = 0;
		while (j < r->n && strcmp(r->items[j].sku->name, op->items[i].sku))
			j++;
		if (j == r->n || r->items[j].qty != op->items[i].qty)
			return false;
	}
	return true;
}

static void reserve(struct ox_inventory *inv, const struct ox_inv_op *op, struct ox_inv_result *res,
		    struct ox_buf *events)
{
	struct resv *r = find_resv(inv, op->order_id);
	if (r) {
		if (!same_request(r, op)) {
			error_json(res, 409, "conflict",
				   "the order already has a reservation with another channel or other items");
			ox_buf_addz(res->body, ",\"reservation\":");
			resv_json(r, true, res->body);
			ox_buf_addz(res->body, "}");
			return;
		}
		res->status = 200;
		resv_json(r, true, res->body);
		return;
	}
	/* All or nothing: look at every item before holding any. */
	struct ox_buf detail, shortages;
	ox_buf_init(&detail, 4096);
	ox_buf_init(&shortages, SIZE_MAX);
	size_t short_n = 0;
	for (size_t i = 0; i < op->n_items; i++) {
		const struct ox_inv_item *it = &op->items[i];
		struct sku *s = find_sku(inv, it->sku);
		int64_t avail = s ? available_for(s, op->channel) : 0;
		if (s && it->qty <= avail)
			continue;
		const char *reason = s ? "insufficient" : "unknown_sku";
		if (avail < 0)
			avail = 0;
		if (short_n)
			ox_buf_addz(&detail, "; ");
		ox_buf_addz(&detail, it->sku); /* "A: 2 asked, 1 available" */
		if (s) {
			ox_buf_addz(&detail, ": ");
			ox_buf_add_int(&detail, it->qty);
			ox_buf_addz(&detail, " asked, ");
			ox_buf_add_int(&detail, avail);
			ox_buf_addz(&detail, " available");
		} else {
			ox_buf_addz(&detail, ": no stock level");
		}
		ox_buf_addz(&shortages, short_n++ ? ",{\"sku\":" : "{\"sku\":");
		ox_buf_add_json_str(&shortages, it->sku, strlen(it->sku));
		put_int(&shortages, "asked", it->qty);
		put_int(&shortages, "available", avail);
		put_str(&shortages, "reason", reason);
		ox_buf_addz(&shortages, "}");
		event_json(inv, op, "inventory.reserve_failed", it->sku, it->qty, reason, events);
	}
	if (short_n) {
		res->changed = true; /* the failure events */
		error_json(res, 409, "insufficient stock", detail.data ? detail.data : "");
		ox_buf_addz(res->body, ",\"shortages\":[");
		ox_buf_add(res->body, shortages.data, shortages.len);
		ox_buf_addz(res->body, "]}");
		ox_buf_release(&detail);
		ox_buf_release(&shortages);
		return;
	}
	ox_buf_release(&detail);
	ox_buf_release(&shortages);
	r = ox_xcalloc(1, sizeof *r + op->n_items * sizeof r->items[0]);
	snprintf(r->order_id, sizeof r->order_id, "%s", op->order_id);
	snprintf(r->channel, sizeof r->channel, "%s", op->channel);
	r->status = R_HELD;
	r->created_at = op->at;
	r->expires_at = op->at + op->ttl * 1000;
	r->n = op->n_items;
	for (size_t i = 0; i < op->n_items; i++) {
		r->items[i] = (struct resv_item){ find_sku(inv, op->items[i].sku), op->items[i].qty };
		hold(inv, r->items[i].sku, r->channel, r->items[i].qty);
		event_json(inv, op, "inventory.reserved", op->items[i].sku, op->items[i].qty, NULL, events);
	}
	ox_hmap_put(&inv->resvs, hash_str(r->order_id), r);
	ox_deadlines_push(&inv->timers, r->expires_at, 0, r, 0);
	inv->held++;
	res->changed = true;
	res->status = 200;
	resv_json(r, false, res->body);
}

static void confirm(struct ox_inventory *inv, struct resv *r, ox_time at)
{
	for (size_t i = 0; i < r->n; i++) {
		struct sku *s = r->items[i].sku;
		int64_t q = r->items[i].qty;
		unhold(inv, s, r->channel, q);
		s->on_hand -= q;
		s->confirmed += q;
		struct ox_inv_quota *quota = quota_of(s, r->channel);
		if (quota) /* the channel's units are sold: the split stays */
			quota->units = quota->units > q ? quota->units - q : 0;
	}
	finish(inv, r, R_CONFIRMED, at);
}

static void release(struct ox_inventory *inv, struct resv *r, ox_time at)
{
	for (size_t i = 0; i < r->n; i++) {
		struct sku *s = r->items[i].sku;
		int64_t q = r->items[i].qty;
		if (r->status == R_HELD) {
			unhold(inv, s, r->channel, q);
			continue;
		}
		touch(inv, s);
		/* a confirmed order cancelled: its units come back to stock */
		s->on_hand += q;
		s->confirmed = s->confirmed > q ? s->confirmed - q : 0;
		struct ox_inv_quota *quota = quota_of(s, r->channel);
		if (quota)
			quota->units += q;
	}
	finish(inv, r, R_RELEASED, at);
}

static void settle(struct ox_inventory *inv, const struct ox_inv_op *op, struct ox_inv_result *res)
{
	struct resv *r = find_resv(inv, op->order_id);
	if (!r) {
		char d[128];
		snprintf(d, sizeof d, "order %s has no reservation", op->order_id);
		error_json(res, 404, "not found", d);
		ox_buf_addz(res->body, "}");
		return;
	}
	bool confirming = op->kind == OX_INV_CONFIRM;
	if (confirming && (r->status == R_RELEASED || r->status == R_EXPIRED)) {
		char d[128];
		snprintf(d, sizeof d, "the reservation is %s: nothing to confirm", status_names[r->status]);
		error_json(res, 409, "conflict", d);
		ox_buf_addz(res->body, ",\"reservation\":");
		resv_json(r, false, res->body);
		ox_buf_addz(res->body, "}");
		return;
	}
	if (confirming && r->status == R_HELD) {
		confirm(inv, r, op->at);
		res->changed = true;
	} else if (!confirming && (r->status == R_HELD || r->status == R_CONFIRMED)) {
		release(inv, r, op->at);
		res->changed = true;
	}
	res->status = 200;
	resv_json(r, !res->changed, res->body);
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct sku *const *)a)->name, (*(struct sku *const *)b)->name);
}

static void set_levels(struct ox_inventory *inv, const struct ox_inv_op *op, struct ox_inv_result *res)
{
	size_t before = inv->n_sorted;
	ox_buf_addz(res->body, "{\"levels\":[");
	for (size_t i = 0; i < op->n_levels; i++) {
		const struct ox_inv_level *l = &op->levels[i];
		struct sku *s = find_sku(inv, l->sku);
		if (!s) {
			s = ox_xcalloc(1, sizeof *s);
			snprintf(s->name, sizeof s->name, "%s", l->sku);
			ox_hmap_put(&inv->skus, hash_str(s->name), s);
			OX_GROW(inv->sorted, inv->cap_sorted, inv->n_sorted + 1);
			inv->sorted[inv->n_sorted++] = s;
		}
		s->on_hand = l->on_hand;
		s->low_stock = l->low_stock;
		s->confirmed = 0;
		s->updated_at = op->at;
		s->n_quotas = l->n_quotas;
		memcpy(s->quotas, l->quotas, l->n_quotas * sizeof l->quotas[0]);
		touch(inv, s);
		if (i)
			ox_buf_addz(res->body, ",");
		level_json(s, res->body);
	}
	ox_buf_addz(res->body, "]}");
	if (inv->n_sorted != before)
		qsort(inv->sorted, inv->n_sorted, sizeof *inv->sorted, by_name);
	res->changed = true;
	res->status = 200;
}

/* The first listed SKU after cursor (binary search). */
static size_t list_from(const struct ox_inventory *inv, const char *cursor)
{
	size_t lo = 0, hi = inv->n_sorted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(inv->sorted[mid]->name, cursor) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void list_levels(struct ox_inventory *inv, const struct ox_inv_op *op, struct ox_inv_result *res)
{
	size_t i = op->sku[0] ? list_from(inv, op->sku) : 0;
	size_t end = i + op->limit < inv->n_sorted ? i + op->limit : inv->n_sorted;
	ox_buf_addz(res->body, "{\"levels\":[");
	for (size_t k = i; k < end; k++) {
		if (k > i)
			ox_buf_addz(res->body, ",");
		level_json(inv->sorted[k], res->body);
	}
	ox_buf_addz(res->body, "],\"next_cursor\":");
	if (end < inv->n_sorted && end > i)
		ox_buf_add_json_str(res->body, inv->sorted[end - 1]->name, strlen(inv->sorted[end - 1]->name));
	else
		ox_buf_addz(res->body, "null");
	ox_buf_addz(res->body, "}");
	res->status = 200;
}

void ox_inventory_apply(struct ox_inventory *inv, const struct ox_inv_op *op, struct ox_inv_result *res,
			struct ox_buf *events)
{
	res->changed = false;
	expire_due(inv, op->at);
	switch (op->kind) {
	case OX_INV_RESERVE:
		reserve(inv, op, res, events);
		break;
	case OX_INV_CONFIRM:
	case OX_INV_RELEASE:
		settle(inv, op, res);
		break;
	case OX_INV_LEVELS:
		set_levels(inv, op, res);
		break;
	case OX_INV_GET_LEVEL: {
		struct sku *s = find_sku(inv, op->sku);
		if (s) {
			res->status = 200;
			level_json(s, res->body);
		} else {
			error_json(res, 404, "not found", "no stock level for this SKU");
			ox_buf_addz(res->body, "}");
		}
		return;
	}
	case OX_INV_LIST_LEVELS:
		list_levels(inv, op, res);
		return;
	case OX_INV_GET_RESERVATION: {
		struct resv *r = find_resv(inv, op->order_id);
		if (r) {
			res->status = 200;
			resv_json(r, false, res->body);
		} else {
			error_json(res, 404, "not found", "the order has no reservation");
			ox_buf_addz(res->body, "}");
		}
		return;
	}
	case OX_INV__NOPS:
		error_json(res, 400, "invalid operation", "");
		ox_buf_addz(res->body, "}");
		return;
	}
	/* a write: the low-stock crossings it made are its events too (reads
	 * leave them to the next write or tick, which the log records) */
	if (events && check_low(inv, op->at, events))
		res->changed = true;
}

/* ---- snapshots ------------------------------------------------------------------- */

void ox_inventory_save(const struct ox_inventory *inv, struct ox_snap_w *w)
{
	ox_snap_tag(w, "INV1");
	ox_snap_u64(w, inv->n_sorted);
	for (size_t i = 0; i < inv->n_sorted; i++) {
		const struct sku *s = inv->sorted[i];
		ox_snap_str(w, s->name);
		ox_snap_i64(w, s->on_hand);
		ox_snap_i64(w, s->reserved);
		ox_snap_i64(w, s->confirmed);
		ox_snap_i64(w, s->low_stock);
		ox_snap_i64(w, s->updated_at);
		ox_snap_u8(w, s->low);
		ox_snap_u64(w, s->n_quotas);
		for (size_t q = 0; q < s->n_quotas; q++) {
			ox_snap_str(w, s->quotas[q].channel);
			ox_snap_i64(w, s->quotas[q].units);
		}
		ox_snap_u64(w, s->n_tallies);
		for (size_t t = 0; t < s->n_tallies; t++) {
			ox_snap_str(w, s->tallies[t].channel);
			ox_snap_i64(w, s->tallies[t].held);
		}
	}
	ox_snap_u64(w, inv->n_touched);
	for (size_t i = 0; i < inv->n_touched; i++)
		ox_snap_str(w, inv->touched[i]->name);
	/* every reservation has exactly one timer: saved with it, in heap order */
	ox_snap_u64(w, inv->timers.next_seq);
	ox_snap_u64(w, inv->timers.n);
	for (size_t i = 0; i < inv->timers.n; i++) {
		const struct ox_deadline *d = &inv->timers.heap[i];
		const struct resv *r = d->target;
		ox_snap_i64(w, d->due);
		ox_snap_u64(w, d->seq);
		ox_snap_str(w, r->order_id);
		ox_snap_str(w, r->channel);
		ox_snap_u8(w, (uint8_t)r->status);
		ox_snap_i64(w, r->created_at);
		ox_snap_i64(w, r->expires_at);
		ox_snap_i64(w, r->finished_at);
		ox_snap_u64(w, r->n);
		for (size_t k = 0; k < r->n; k++) {
			ox_snap_str(w, r->items[k].sku->name);
			ox_snap_i64(w, r->items[k].qty);
		}
	}
	ox_snap_u64(w, inv->held);
	ox_snap_u64(w, inv->expired);
	ox_snap_u64(w, inv->events);
}

static struct sku *load_sku_ref(struct ox_snap_r *r, const struct ox_inventory *inv)
{
	char name[OX_INV_SKU_MAX + 1];
	ox_snap_get_strbuf(r, name, sizeof name);
	struct sku *s = ox_snap_r_ok(r) ? find_sku(inv, name) : NULL;
	if (!s)
		ox_snap_r_fail(r, "inventory: an unknown SKU");
	return s;
}

static void load_sku(struct ox_snap_r *r, struct ox_inventory *inv)
{
	struct sku *s = ox_xcalloc(1, sizeof *s);
	ox_snap_get_strbuf(r, s->name, sizeof s->name);
	if (!ox_snap_r_ok(r) || !s->name[0] || find_sku(inv, s->name) ||
	    (inv->n_sorted && strcmp(inv->sorted[inv->n_sorted - 1]->name, s->name) >= 0)) {
		ox_snap_r_fail(r, "inventory: SKUs out of order");
		free(s);
		return;
	}
	ox_hmap_put(&inv->skus, hash_str(s->name), s);
	OX_GROW(inv->sorted, inv->cap_sorted, inv->n_sorted + 1);
	inv->sorted[inv->n_sorted++] = s;
	s->on_hand = ox_snap_get_i64(r);
	s->reserved = ox_snap_get_i64(r);
	s->confirmed = ox_snap_get_i64(r);
	s->low_stock = ox_snap_get_i64(r);
	s->updated_at = ox_snap_get_i64(r);
	s->low = ox_snap_get_u8(r);
	uint64_t n = ox_snap_get_u64(r);
	if (n > OX_INV_QUOTAS_MAX) {
		ox_snap_r_fail(r, "inventory: too many quotas");
		return;
	}
	s->n_quotas = (size_t)n;
	for (size_t q = 0; q < s->n_quotas; q++) {
		ox_snap_get_strbuf(r, s->quotas[q].channel, sizeof s->quotas[q].channel);
		s->quotas[q].units = ox_snap_get_i64(r);
	}
	n = ox_snap_get_count(r, 12);
	for (uint64_t t = 0; t < n && ox_snap_r_ok(r); t++) {
		OX_GROW(s->tallies, s->cap_tallies, s->n_tallies + 1);
		struct tally *x = &s->tallies[s->n_tallies++];
		ox_snap_get_strbuf(r, x->channel, sizeof x->channel);
		x->held = ox_snap_get_i64(r);
	}
}

static void load_resv(struct ox_snap_r *r, struct ox_inventory *inv, struct ox_deadline *d)
{
	d->due = ox_snap_get_i64(r);
	d->seq = ox_snap_get_u64(r);
	char order_id[OX_INV_ORDER_MAX + 1], channel[OX_INV_CHANNEL_MAX + 1];
	ox_snap_get_strbuf(r, order_id, sizeof order_id);
	ox_snap_get_strbuf(r, channel, sizeof channel);
	uint8_t status = ox_snap_get_u8(r);
	ox_time created = ox_snap_get_i64(r), expires = ox_snap_get_i64(r), finished = ox_snap_get_i64(r);
	uint64_t n = ox_snap_get_u64(r);
	if (!ox_snap_r_ok(r) || status > R_EXPIRED || n == 0 || n > OX_INV_ITEMS_MAX || find_resv(inv, order_id)) {
		ox_snap_r_fail(r, "inventory: a malformed reservation");
		return;
	}
	struct resv *v = ox_xcalloc(1, sizeof *v + n * sizeof v->items[0]);
	snprintf(v->order_id, sizeof v->order_id, "%s", order_id);
	snprintf(v->channel, sizeof v->channel, "%s", channel);
	v->status = (enum resv_status)status;
	v->created_at = created;
	v->expires_at = expires;
	v->finished_at = finished;
	ox_hmap_put(&inv->resvs, hash_str(v->order_id), v);
	d->target = v;
	for (size_t k = 0; k < n && ox_snap_r_ok(r); k++) {
		v->items[k].sku = load_sku_ref(r, inv);
		v->items[k].qty = ox_snap_get_i64(r);
		v->n = k + 1;
	}
}

int ox_inventory_load(struct ox_inventory *inv, struct ox_snap_r *r)
{
	if (inv->n_sorted || inv->resvs.count) {
		ox_snap_r_fail(r, "inventory: not empty");
		return -1;
	}
	ox_snap_expect(r, "INV1");
	uint64_t n = ox_snap_get_count(r, 64);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++)
		load_sku(r, inv);
	n = ox_snap_get_count(r, 4);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct sku *s = load_sku_ref(r, inv);
		if (s && !s->touched)
			touch(inv, s);
	}
	inv->timers.next_seq = ox_snap_get_u64(r);
	n = ox_snap_get_count(r, 40);
	if (n && ox_snap_r_ok(r))
		OX_GROW(inv->timers.heap, inv->timers.cap, n);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		struct ox_deadline *d = &inv->timers.heap[i];
		*d = (struct ox_deadline){ 0 };
		load_resv(r, inv, d);
		if (d->target)
			inv->timers.n = i + 1;
	}
	inv->held = ox_snap_get_u64(r);
	inv->expired = ox_snap_get_u64(r);
	inv->events = ox_snap_get_u64(r);
	return ox_snap_r_ok(r) ? 0 : -1;
}
