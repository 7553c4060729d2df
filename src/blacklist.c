/* blacklist.c - see blacklist.h. The entries live in one array, where an
 * entry's index is its id while it lives. Three structures point at them:
 *   - an open-addressing hash (linear probing, backward-shift deletion)
 *     finds an entry by (kind, value), for lookups and changes;
 *   - an array of ids in list order, (kind, value), for pages and exports;
 *     a removed entry stays there marked dead until a compaction (when the
 *     dead are more than a third), so that removing costs no move of the
 *     array, and new ids are merged in at the end of each change;
 *   - a binary heap of (expires_at, id), for expiry; an entry whose expiry
 *     changed or that died leaves a stale item, skipped when it surfaces
 *     (the heap is rebuilt when stale items outnumber the live ones).
 * A pthread rwlock guards all of it against the readers of other threads;
 * the one mutating thread reads without it (blacklist.h, Threads). */
#include "blacklist.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "address.h"
#include "phone.h"
#include "snap.h"
#include "textnorm.h"

static const char *const bl_kind_names[OX_BL__KINDS] = {
#define X(e, name) [OX_BL_##e] = name,
	OX_BL_KINDS(X)
#undef X
};

static const char *const bl_source_names[OX_BL__SOURCES] = {
#define X(e, name) [OX_BL_SRC_##e] = name,
	OX_BL_SOURCES(X)
#undef X
};

static const char *const bl_op_names[OX_BL__OPS] = {
#define X(e, name) [OX_BL_OP_##e] = name,
	OX_BL_OPS(X)
#undef X
};

const char *ox_bl_kind_name(enum ox_bl_kind k)
{
	return (size_t)k < OX_BL__KINDS ? bl_kind_names[k] : NULL;
}

bool ox_bl_kind_parse(struct ox_str s, enum ox_bl_kind *k)
{
	for (size_t i = 0; i < OX_BL__KINDS; i++)
		if (ox_str_eqz(s, bl_kind_names[i])) {
			*k = (enum ox_bl_kind)i;
			return true;
		}
	return false;
}

const char *ox_bl_source_name(enum ox_bl_source s)
{
	return (size_t)s < OX_BL__SOURCES ? bl_source_names[s] : NULL;
}

const char *ox_bl_op_name(enum ox_bl_op_kind op)
{
	return (size_t)op < OX_BL__OPS ? bl_op_names[op] : NULL;
}

const char *ox_bl_strerror(int err)
{
	static const struct ox_errmsg msgs[] = { OX_BL_ERRORS(OX_ERRMSG_ROW) };
	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
}

__attribute__((format(printf, 3, 4))) static int bl_refuse(char err[256], int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, 256, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- normalized values ----------------------------------------------------------- */

/* A normalized value's buffer: a cut output is longer than OX_BL_VALUE_MAX
 * too (textnorm.h), so "too long" needs no other test. */
#define BL_BUF (OX_BL_VALUE_MAX + 1 + OX_TEXTNORM_SLACK)
_Static_assert(BL_BUF == OX_BL_NORM_BUF, "OX_BL_NORM_BUF follows OX_TEXTNORM_SLACK");

/* Normalizers: raw (file or event form, not empty) into out[BL_BUF], the
 * length in *len; returns an enum ox_bl_err. */
typedef int bl_norm_fn(struct ox_str raw, char *out, size_t *len);

static int bl_norm_plain(struct ox_str raw, char *out, size_t *len)
{
	struct ox_str s = ox_textnorm_trim(raw);
	if (s.len > OX_BL_VALUE_MAX)
		return OX_BL_ETOOLONG;
	memcpy(out, s.s, s.len);
	*len = s.len;
	return OX_BL_OK;
}

static int bl_norm_phone(struct ox_str raw, char *out, size_t *len)
{
	*len = ox_phone_normalize(raw, out, BL_BUF);
	return *len <= OX_BL_VALUE_MAX ? OX_BL_OK : OX_BL_ETOOLONG;
}

/* Split "province/city/district/detail" (the detail may hold more '/');
 * false when there are fewer parts. */
static bool bl_split_address(struct ox_str raw, struct ox_address *a)
{
	struct ox_str part[4];
	const char *s = raw.s, *end = raw.s + raw.len;
	for (size_t i = 0; i < 3; i++) {
		const char *slash = memchr(s, '/', (size_t)(end - s));
		if (!slash)
			return false;
		part[i] = (struct ox_str){ s, (size_t)(slash - s) };
		s = slash + 1;
	}
	part[3] = (struct ox_str){ s, (size_t)(end - s) };
	*a = (struct ox_address){ part[0], part[1], part[2], part[3] };
	return true;
}

/* Would the part hold a '/' once normalized (full-width ／ folds to '/')?
 * Then the stored form would not read back as the same four parts. */
static bool bl_part_slash(struct ox_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.s[i] == '/' || (i + 2 < s.len && memcmp(s.s + i, "\xEF\xBC\x8F", 3) == 0))
			return true;
	return false;
}

/* The parts kept apart by '/': all four empty is an empty value. */
static int bl_norm_address(struct ox_str raw, char *out, size_t *len)
{
	struct ox_address a;
	if (!bl_split_address(raw, &a) || bl_part_slash(a.province) || bl_part_slash(a.city) ||
	    bl_part_slash(a.district))
		return OX_BL_EADDRESS;
	*len = ox_address_normalize_parts(&a, out, BL_BUF);
	if (*len == 3)
		return OX_BL_EEMPTY;
	return *len <= OX_BL_VALUE_MAX ? OX_BL_OK : OX_BL_ETOOLONG;
}

static bl_norm_fn *const bl_norms[OX_BL__KINDS] = {
	[OX_BL_CUSTOMER] = bl_norm_plain, [OX_BL_PHONE] = bl_norm_phone,
	[OX_BL_DEVICE] = bl_norm_plain,   [OX_BL_IP] = bl_norm_plain,
	[OX_BL_ADDRESS] = bl_norm_address,
};

/* raw normalized per kind into v[BL_BUF]; an empty result is an error, so
 * empty values are never stored nor found. */
static int bl_normalize(enum ox_bl_kind kind, struct ox_str raw, char *v, size_t *n)
{
	if ((size_t)kind >= OX_BL__KINDS)
		return OX_BL_EKIND;
	if (raw.len == 0)
		return OX_BL_EEMPTY;
	int rc = bl_norms[kind](raw, v, n);
	return rc == OX_BL_OK && *n == 0 ? OX_BL_EEMPTY : rc;
}

/* What is stored is also listed, exported and logged: it must be text.
 * (Lookups skip the check: such a value is never stored.) */
int ox_bl_normalize(enum ox_bl_kind kind, struct ox_str raw, char out[OX_BL_NORM_BUF], size_t *n)
{
	/* Raw bytes that are not UTF-8 are refused too, not only a result that
	 * is not text: removing white space could join them into a character
	 * (a full-width ／ that folds to '/' when read again), and the stored
	 * form would not normalize to itself. */
	int rc = bl_normalize(kind, raw, out, n);
	uint32_t cp;
	for (size_t i = 0, k; rc == OX_BL_OK && i < raw.len; i += k)
		if ((k = ox_utf8_seq(raw.s, raw.len, i, &cp)) == 0)
			rc = OX_BL_ETEXT;
	if (rc == OX_BL_OK && !ox_utf8_text_ok(out, *n, true))
		rc = OX_BL_ETEXT;
	return rc;
}

/* ---- the set ------------------------------------------------------------------------ */

struct bl_entry {
	char *value;        /* normalized, NUL-terminated; NULL: a free id */
	char *reason;       /* NULL when none */
	ox_time expires_at, added_at;
	uint64_t serial;    /* of its live item in the expiry heap; 0: none */
	uint32_t len, reason_len;
	uint32_t actor;     /* in actors[] */
	uint8_t kind, source;
	bool dead;          /* removed, but still in order[] or pending[] */
};

struct bl_slot {
	uint64_t hash;
	uint32_t id1; /* the entry's id + 1; 0: an empty slot */
};

struct bl_due {
	ox_time at;
	uint64_t serial;
	uint32_t id;
};

struct ox_blacklist {
	pthread_rwlock_t lock;
	struct bl_entry *e;
	size_t n_e, cap_e;
	uint32_t *free_ids; /* ids no structure points at */
	size_t n_free, cap_free;
	struct bl_slot *slots;
	size_t nslots; /* a power of two, at most half full */
	size_t count;  /* live entries */
	uint32_t *order; /* ids in list order, dead ones included */
	size_t n_order, cap_order, n_dead;
	uint32_t *pending; /* ids added by the change under way, merged at its end */
	size_t n_pending, cap_pending;
	struct bl_due *due; /* a min-heap on at */
	size_t n_due, cap_due;
	size_t n_expiring; /* live entries with an expiry */
	uint64_t serial;
	char **actors; /* who added entries: few, interned */
	size_t n_actors, cap_actors;
};

#define BL_MIN_SLOTS 64

struct ox_blacklist *ox_blacklist_new(void)
{
	struct ox_blacklist *bl = ox_xcalloc(1, sizeof *bl);
	pthread_rwlock_init(&bl->lock, NULL);
	bl->nslots = BL_MIN_SLOTS;
	bl->slots = ox_xcalloc(bl->nslots, sizeof *bl->slots);
	return bl;
}

/* Free everything the list holds, leaving it as ox_blacklist_new() made it
 * except for the lock. */
static void bl_release_all(struct ox_blacklist *bl)
{
	for (size_t i = 0; i < bl->n_e; i++) {
		free(bl->e[i].value);
		free(bl->e[i].reason);
	}
	for (size_t i = 0; i < bl->n_actors; i++)
		free(bl->actors[i]);
	free(bl->actors);
	free(bl->e);
	free(bl->free_ids);
	free(bl->slots);
	free(bl->order);
	free(bl->pending);
	free(bl->due);
	pthread_rwlock_t lock = bl->lock;
	*bl = (struct ox_blacklist){ .lock = lock, .nslots = BL_MIN_SLOTS };
	bl->slots = ox_xcalloc(bl->nslots, sizeof *bl->slots);
}

void ox_blacklist_free(struct ox_blacklist *bl)
{
	if (!bl)
		return;
	bl_release_all(bl);
	free(bl->slots);
	pthread_rwlock_destroy(&bl->lock);
	free(bl);
}

size_t ox_blacklist_count(const struct ox_blacklist *bl)
{
	return bl->count;
}

static uint64_t bl_hash(enum ox_bl_kind kind, const char *v, size_t n)
{
	/* Mixing the kind in keeps equal values of different kinds apart. */
	return ox_hash64(v, n) ^ ((uint64_t)kind + 1) * 0x9E3779B97F4A7C15ull;
}

/* The slot holding (kind, v), or the empty slot where it would go. */
static size_t bl_find(const struct ox_blacklist *bl, uint64_t h, enum ox_bl_kind kind, const char *v, size_t n)
{
	size_t mask = bl->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct bl_slot *s = &bl->slots[i];
		if (s->id1 == 0)
			return i;
		if (s->hash != h) /* the entry is read only for a likely match */
			continue;
		const struct bl_entry *e = &bl->e[s->id1 - 1];
		if (e->kind == kind && e->len == n && memcmp(e->value, v, n) == 0)
			return i;
	}
}

static void bl_grow(struct ox_blacklist *bl)
{
	struct bl_slot *old = bl->slots;
	size_t nold = bl->nslots;
	bl->nslots *= 2;
	bl->slots = ox_xcalloc(bl->nslots, sizeof *bl->slots);
	for (size_t i = 0; i < nold; i++) {
		if (old[i].id1 == 0)
			continue;
		size_t mask = bl->nslots - 1, j = old[i].hash & mask;
		while (bl->slots[j].id1 != 0)
			j = (j + 1) & mask;
		bl->slots[j] = old[i];
	}
	free(old);
}

/* Empty slot i, moving back the slots of its probe run that may then be
 * found earlier (linear probing needs no tombstones). */
static void bl_slot_delete(struct ox_blacklist *bl, size_t i)
{
	size_t mask = bl->nslots - 1;
	for (size_t j = (i + 1) & mask; bl->slots[j].id1 != 0; j = (j + 1) & mask) {
		size_t home = bl->slots[j].hash & mask;
		/* j may move to i unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			bl->slots[i] = bl->slots[j];
			i = j;
		}
	}
	bl->slots[i].id1 = 0;
}

/* List order: kind, then the value's bytes, a prefix first. */
static int bl_cmp_key(unsigned ka, const char *va, size_t na, unsigned kb, const char *vb, size_t nb)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	int c = memcmp(va, vb, na < nb ? na : nb);
	if (c)
		return c;
	return na < nb ? -1 : na > nb;
}

/* The first position of order[] from lo on whose key is >= (kind, v), or >
 * when after. */
static size_t bl_bound_from(const struct ox_blacklist *bl, size_t lo, unsigned kind, const char *v, size_t n,
			    bool after)
{
	size_t hi = bl->n_order;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bl_entry *e = &bl->e[bl->order[mid]];
		int c = bl_cmp_key(e->kind, e->value, e->len, kind, v, n);
		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t bl_bound(const struct ox_blacklist *bl, unsigned kind, const char *v, size_t n, bool after)
{
	return bl_bound_from(bl, 0, kind, v, n, after);
}

/* ---- the expiry heap ---- */

static bool bl_due_before(const struct bl_due *a, const struct bl_due *b)
{
	return a->at < b->at || (a->at == b->at && a->serial < b->serial);
}

static void bl_due_down(struct ox_blacklist *bl, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < bl->n_due && bl_due_before(&bl->due[l], &bl->due[m]))
			m = l;
		if (l + 1 < bl->n_due && bl_due_before(&bl->due[l + 1], &bl->due[m]))
			m = l + 1;
		if (m == i)
			return;
		struct bl_due t = bl->due[i];
		bl->due[i] = bl->due[m];
		bl->due[m] = t;
		i = m;
	}
}

static void bl_due_push(struct ox_blacklist *bl, struct bl_due d)
{
	OX_GROW(bl->due, bl->cap_due, bl->n_due + 1);
	size_t i = bl->n_due++;
	while (i > 0 && bl_due_before(&d, &bl->due[(i - 1) / 2])) {
		bl->due[i] = bl->due[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	bl->due[i] = d;
}

static struct bl_due bl_due_pop(struct ox_blacklist *bl)
{
	struct bl_due top = bl->due[0];
	bl->due[0] = bl->due[--bl->n_due];
	bl_due_down(bl, 0);
	return top;
}

static bool bl_due_live(const struct ox_blacklist *bl, const struct bl_due *d)
{
	const struct bl_entry *e = &bl->e[d->id];
	return e->value && !e->dead && e->serial == d->serial;
}

/* Keep the heap's stale items fewer than its live ones. */
static void bl_due_prune(struct ox_blacklist *bl)
{
	if (bl->n_due <= 2 * bl->n_expiring + 64)
		return;
	size_t k = 0;
	for (size_t i = 0; i < bl->n_due; i++)
		if (bl_due_live(bl, &bl->due[i]))
			bl->due[k++] = bl->due[i];
	bl->n_due = k;
	for (size_t i = k / 2; i-- > 0;)
		bl_due_down(bl, i);
}

static void bl_set_expiry(struct ox_blacklist *bl, uint32_t id, ox_time at)
{
	struct bl_entry *e = &bl->e[id];
	if (e->serial)
		bl->n_expiring--;
	e->serial = 0;
	e->expires_at = at;
	if (at == OX_TIME_NONE)
		return;
	e->serial = ++bl->serial;
	bl->n_expiring++;
	bl_due_push(bl, (struct bl_due){ at, e->serial, id });
	bl_due_prune(bl);
}

/* ---- entries ---- */

static uint32_t bl_actor(struct ox_blacklist *bl, const char *name)
{
	for (size_t i = 0; i < bl->n_actors; i++)
		if (strcmp(bl->actors[i], name) == 0)
			return (uint32_t)i;
	OX_GROW(bl->actors, bl->cap_actors, bl->n_actors + 1);
	bl->actors[bl->n_actors] = ox_xstrndup(name, strlen(name));
	return (uint32_t)bl->n_actors++;
}

static void bl_release_entry(struct ox_blacklist *bl, uint32_t id)
{
	struct bl_entry *e = &bl->e[id];
	free(e->value);
	free(e->reason);
	*e = (struct bl_entry){ .value = NULL };
	OX_GROW(bl->free_ids, bl->cap_free, bl->n_free + 1);
	bl->free_ids[bl->n_free++] = id;
}

/* What a change sets on an entry besides its key. */
struct bl_meta {
	struct ox_str reason;
	ox_time expires_at, added_at;
	uint32_t actor;
	enum ox_bl_source source;
};

/* Put normalized (kind, v) with m: a new entry (its id pending), or the
 * listed one updated. True when it was listed. The caller checked that a
 * new one fits. */
static bool bl_put(struct ox_blacklist *bl, enum ox_bl_kind kind, const char *v, size_t n, const struct bl_meta *m)
{
	uint64_t h = bl_hash(kind, v, n);
	size_t slot = bl_find(bl, h, kind, v, n);
	bool listed = bl->slots[slot].id1 != 0;
	uint32_t id;
	if (listed) {
		id = bl->slots[slot].id1 - 1;
		free(bl->e[id].reason);
	} else {
		if (bl->n_free) {
			id = bl->free_ids[--bl->n_free];
		} else {
			OX_GROW(bl->e, bl->cap_e, bl->n_e + 1);
			id = (uint32_t)bl->n_e++;
		}
		bl->e[id] = (struct bl_entry){ .value = ox_xstrndup(v, n), .len = (uint32_t)n, .kind = (uint8_t)kind,
					       .expires_at = OX_TIME_NONE };
		bl->slots[slot] = (struct bl_slot){ h, id + 1 };
		OX_GROW(bl->pending, bl->cap_pending, bl->n_pending + 1);
		bl->pending[bl->n_pending++] = id;
		if (++bl->count > bl->nslots / 2)
			bl_grow(bl);
	}
	struct bl_entry *e = &bl->e[id];
	e->reason = m->reason.len ? ox_xstrndup(m->reason.s, m->reason.len) : NULL;
	e->reason_len = (uint32_t)m->reason.len;
	e->added_at = m->added_at;
	e->actor = m->actor;
	e->source = (uint8_t)m->source;
	bl_set_expiry(bl, id, m->expires_at);
	return listed;
}

/* Remove the entry in slot: dead until the next compaction. */
static void bl_kill(struct ox_blacklist *bl, size_t slot)
{
	uint32_t id = bl->slots[slot].id1 - 1;
	bl_slot_delete(bl, slot);
	struct bl_entry *e = &bl->e[id];
	if (e->serial)
		bl->n_expiring--;
	e->serial = 0;
	e->dead = true;
	bl->n_dead++;
	bl->count--;
}

/* A pending id with its key, for sorting. */
struct bl_key {
	const char *v;
	uint32_t len, id;
	uint8_t kind;
};

static int bl_key_cmp(const void *a, const void *b)
{
	const struct bl_key *x = a, *y = b;
	return bl_cmp_key(x->kind, x->v, x->len, y->kind, y->v, y->len);
}

/* End of a change: the pending ids into order[], and the dead out of it
 * once they are more than a third. A few new ids are inserted one by one
 * (a move of the array each: cheap next to comparing keys); more are sorted
 * and merged in one pass. */
#define BL_INSERT_MAX 16
static void bl_settle(struct ox_blacklist *bl)
{
	size_t k = 0;
	for (size_t i = 0; i < bl->n_pending; i++) {
		uint32_t id = bl->pending[i];
		if (bl->e[id].dead) { /* added and removed in one change */
			bl_release_entry(bl, id);
			bl->n_dead--;
		} else {
			bl->pending[k++] = id;
		}
	}
	bl->n_pending = 0;
	bool compact = bl->n_dead > 64 && bl->n_dead * 3 > bl->n_order;
	if (k == 0 && !compact)
		return;
	if (!compact && k <= BL_INSERT_MAX) {
		OX_GROW(bl->order, bl->cap_order, bl->n_order + k);
		for (size_t i = 0; i < k; i++) {
			const struct bl_entry *e = &bl->e[bl->pending[i]];
			size_t at = bl_bound(bl, e->kind, e->value, e->len, false);
			memmove(bl->order + at + 1, bl->order + at, (bl->n_order - at) * sizeof *bl->order);
			bl->order[at] = bl->pending[i];
			bl->n_order++;
		}
		return;
	}
	struct bl_key *keys = ox_xmalloc((k ? k : 1) * sizeof *keys);
	for (size_t i = 0; i < k; i++) {
		const struct bl_entry *e = &bl->e[bl->pending[i]];
		keys[i] = (struct bl_key){ e->value, e->len, bl->pending[i], e->kind };
	}
	qsort(keys, k, sizeof *keys, bl_key_cmp);
	size_t cap = bl->n_order + k, n = 0, j = 0;
	uint32_t *out = ox_xmalloc((cap ? cap : 1) * sizeof *out);
	if (!compact) {
		/* each new key's place by binary search, the runs between copied:
		 * k log n comparisons rather than n */
		size_t from = 0;
		for (; j < k; j++) {
			size_t at = bl_bound_from(bl, from, keys[j].kind, keys[j].v, keys[j].len, false);
			if (at > from) /* order is NULL while empty */
				memcpy(out + n, bl->order + from, (at - from) * sizeof *out);
			n += at - from;
			from = at;
			out[n++] = keys[j].id;
		}
		if (bl->n_order > from)
			memcpy(out + n, bl->order + from, (bl->n_order - from) * sizeof *out);
		n += bl->n_order - from;
	}
	for (size_t i = 0; compact && i < bl->n_order; i++) {
		uint32_t id = bl->order[i];
		const struct bl_entry *e = &bl->e[id];
		if (compact && e->dead) {
			bl_release_entry(bl, id);
			continue;
		}
		while (j < k && bl_cmp_key(keys[j].kind, keys[j].v, keys[j].len, e->kind, e->value, e->len) < 0)
			out[n++] = keys[j++].id;
		out[n++] = id;
	}
	while (j < k)
		out[n++] = keys[j++].id;
	free(keys);
	free(bl->order);
	bl->order = out;
	bl->n_order = n;
	bl->cap_order = cap;
	if (compact)
		bl->n_dead = 0;
}

/* ---- lookups ---- */

static bool bl_has_normalized(const struct ox_blacklist *bl, enum ox_bl_kind kind, const char *v, size_t n)
{
	return n != 0 && bl->slots[bl_find(bl, bl_hash(kind, v, n), kind, v, n)].id1 != 0;
}

bool ox_blacklist_has(const struct ox_blacklist *bl, enum ox_bl_kind kind, struct ox_str raw)
{
	char v[BL_BUF];
	size_t n;
	return bl_normalize(kind, raw, v, &n) == OX_BL_OK && bl_has_normalized(bl, kind, v, n);
}

bool ox_blacklist_has_address(const struct ox_blacklist *bl, const struct ox_address *a)
{
	/* A '/' in the first three parts would make the key of other parts. */
	if (bl_part_slash(a->province) || bl_part_slash(a->city) || bl_part_slash(a->district))
		return false;
	char v[BL_BUF];
	size_t n = ox_address_normalize_parts(a, v, sizeof v);
	return n > 3 && n <= OX_BL_VALUE_MAX && bl_has_normalized(bl, OX_BL_ADDRESS, v, n);
}

/* ---- changes ------------------------------------------------------------------------- */

void ox_bl_op_init(struct ox_bl_op *op, enum ox_bl_op_kind kind)
{
	*op = (struct ox_bl_op){ .op = kind, .at = OX_TIME_NONE };
}

void ox_bl_op_release(struct ox_bl_op *op)
{
	for (size_t i = 0; i < op->n; i++) {
		free(op->items[i].value);
		free(op->items[i].reason);
	}
	free(op->items);
	op->items = NULL;
	op->n = op->cap = 0;
}

int ox_bl_op_item(struct ox_bl_op *op, enum ox_bl_kind kind, struct ox_str value, struct ox_str reason,
		  ox_time expires_at, int64_t ttl_ms, const char **member)
{
	char v[BL_BUF];
	size_t n = 0;
	const char *m = "value";
	int rc = OX_BL_OK;
	reason = ox_textnorm_trim(reason);
	if (op->n >= OX_BL_OP_MAX)
		m = "entries", rc = OX_BL_EFULL;
	else if ((size_t)kind >= OX_BL__KINDS)
		m = "kind", rc = OX_BL_EKIND;
	else if ((rc = ox_bl_normalize(kind, value, v, &n)) != OX_BL_OK)
		m = "value";
	else if (reason.len > OX_BL_REASON_MAX || !ox_utf8_text_ok(reason.s, reason.len, true))
		m = "reason", rc = OX_BL_EREASON;
	else if (expires_at != OX_TIME_NONE && (expires_at < 0 || expires_at > OX_BL_TIME_LAST))
		m = "expires_at", rc = OX_BL_EINVAL;
	else if (ttl_ms < 0 || (ttl_ms > 0 && expires_at != OX_TIME_NONE))
		m = "ttl", rc = OX_BL_EINVAL;
	if (rc != OX_BL_OK) {
		if (member)
			*member = m;
		return rc;
	}
	OX_GROW(op->items, op->cap, op->n + 1);
	op->items[op->n++] = (struct ox_bl_item){
		.kind = kind, .value = ox_xstrndup(v, n), .len = n,
		.reason = reason.len ? ox_xstrndup(reason.s, reason.len) : NULL, .reason_len = reason.len,
		.expires_at = expires_at, .ttl_ms = ttl_ms,
	};
	return OX_BL_OK;
}

/* Item i's expiry once it applies at `at`; false when it cannot be. */
static bool bl_item_expiry(const struct ox_bl_item *it, ox_time at, ox_time *exp)
{
	*exp = it->expires_at;
	if (it->ttl_ms <= 0)
		return true;
	if (at == OX_TIME_NONE || at > OX_BL_TIME_LAST - it->ttl_ms)
		return false;
	*exp = at + it->ttl_ms;
	return true;
}

/* Everything the change needs, checked before anything changes. */
static int bl_check(const struct ox_blacklist *bl, const struct ox_bl_op *op, char err[256])
{
	char t1[OX_TIME_BUFSZ], t2[OX_TIME_BUFSZ];
	if ((size_t)op->op >= OX_BL__OPS)
		return bl_refuse(err, OX_BL_EINVAL, "op: unknown");
	size_t fresh = 0;
	for (size_t i = 0; i < op->n; i++) {
		const struct ox_bl_item *it = &op->items[i];
		ox_time exp;
		if ((size_t)it->kind >= OX_BL__KINDS || !it->value || it->len == 0 || it->len > OX_BL_VALUE_MAX ||
		    it->reason_len > OX_BL_REASON_MAX || (it->reason_len && !it->reason) ||
		    (it->expires_at != OX_TIME_NONE && (it->expires_at < 0 || it->expires_at > OX_BL_TIME_LAST)))
			return bl_refuse(err, OX_BL_EINVAL, "entries[%zu]: not an entry", i);
		if (op->op != OX_BL_OP_ADD)
			continue;
		if (!bl_item_expiry(it, op->at, &exp))
			return bl_refuse(err, OX_BL_EINVAL, "entries[%zu].ttl: out of range", i);
		if (exp != OX_TIME_NONE && op->at != OX_TIME_NONE && exp <= op->at)
			return bl_refuse(err, OX_BL_EEXPIRED,
					 "entries[%zu].expires_at: %s is not after the time of the change, %s", i,
					 ox_time_format(exp, OX_TZ_CST, t1), ox_time_format(op->at, OX_TZ_CST, t2));
		fresh += !bl_has_normalized(bl, it->kind, it->value, it->len);
	}
	if (bl->count + fresh > OX_BL_ENTRIES_MAX)
		return bl_refuse(err, OX_BL_EFULL, "%zu entries listed: %zu more would pass the limit of %u",
				 bl->count, fresh, OX_BL_ENTRIES_MAX);
	return OX_BL_OK;
}

int ox_blacklist_apply(struct ox_blacklist *bl, struct ox_bl_op *op, struct ox_bl_counts *counts, char err[256])
{
	*counts = (struct ox_bl_counts){ 0 };
	int rc = bl_check(bl, op, err);
	if (rc != OX_BL_OK)
		return rc;
	pthread_rwlock_wrlock(&bl->lock);
	uint32_t actor = bl_actor(bl, op->actor);
	for (size_t i = 0; i < op->n; i++) {
		struct ox_bl_item *it = &op->items[i];
		if (op->op == OX_BL_OP_ADD) {
			bl_item_expiry(it, op->at, &it->expires_at);
			it->ttl_ms = 0;
			struct bl_meta m = { { it->reason, it->reason_len }, it->expires_at, op->at, actor, OX_BL_SRC_API };
			it->existed = bl_put(bl, it->kind, it->value, it->len, &m);
			*(it->existed ? &counts->updated : &counts->added) += 1;
			continue;
		}
		size_t slot = bl_find(bl, bl_hash(it->kind, it->value, it->len), it->kind, it->value, it->len);
		it->existed = bl->slots[slot].id1 != 0;
		if (it->existed)
			bl_kill(bl, slot);
		*(it->existed ? &counts->removed : &counts->absent) += 1;
	}
	bl_settle(bl);
	pthread_rwlock_unlock(&bl->lock);
	return OX_BL_OK;
}

size_t ox_blacklist_expire(struct ox_blacklist *bl, ox_time now)
{
	/* the mutating thread reads without the lock (blacklist.h) */
	if (bl->n_due == 0 || bl->due[0].at > now)
		return 0;
	size_t n = 0;
	pthread_rwlock_wrlock(&bl->lock);
	while (bl->n_due && bl->due[0].at <= now) {
		struct bl_due d = bl_due_pop(bl);
		if (!bl_due_live(bl, &d))
			continue;
		const struct bl_entry *e = &bl->e[d.id];
		bl_kill(bl, bl_find(bl, bl_hash(e->kind, e->value, e->len), e->kind, e->value, e->len));
		n++;
	}
	bl_settle(bl);
	pthread_rwlock_unlock(&bl->lock);
	return n;
}

/* ---- reading ---------------------------------------------------------------------------- */

static bool bl_contains(const char *s, size_t n, struct ox_str q)
{
	for (size_t i = 0; i + q.len <= n; i++)
		if (memcmp(s + i, q.s, q.len) == 0)
			return true;
	return false;
}

bool ox_blacklist_list(struct ox_blacklist *bl, const struct ox_bl_query *q,
		       void (*fn)(void *ctx, const struct ox_bl_entry *e), void *ctx)
{
	pthread_rwlock_rdlock(&bl->lock);
	size_t i = 0, given = 0;
	bool more = false;
	if (q->after_kind >= 0)
		i = bl_bound(bl, (unsigned)q->after_kind, q->after.s ? q->after.s : "", q->after.len, true);
	if (q->kind >= 0) {
		size_t first = bl_bound(bl, (unsigned)q->kind, "", 0, false);
		i = first > i ? first : i;
	}
	for (; i < bl->n_order; i++) {
		const struct bl_entry *e = &bl->e[bl->order[i]];
		if (e->dead)
			continue;
		if (q->kind >= 0 && e->kind != q->kind)
			break; /* past the kind's run */
		if (q->q.len && !bl_contains(e->value, e->len, q->q))
			continue;
		if (q->limit && given == q->limit) {
			more = true;
			break;
		}
		struct ox_bl_entry v = {
			.kind = (enum ox_bl_kind)e->kind, .value = { e->value, e->len },
			.reason = { e->reason ? e->reason : "", e->reason_len }, .expires_at = e->expires_at,
			.added_at = e->added_at, .added_by = bl->actors[e->actor],
			.source = (enum ox_bl_source)e->source,
		};
		fn(ctx, &v);
		given++;
	}
	pthread_rwlock_unlock(&bl->lock);
	return more;
}

/* ---- the file ------------------------------------------------------------------------- */

/* Add a file entry without settling (the caller holds the write lock and
 * settles once). */
static int bl_add_file(struct ox_blacklist *bl, enum ox_bl_kind kind, struct ox_str raw, uint32_t actor)
{
	char v[BL_BUF];
	size_t n;
	int rc = ox_bl_normalize(kind, raw, v, &n);
	if (rc != OX_BL_OK)
		return rc;
	if (!bl_has_normalized(bl, kind, v, n) && bl->count >= OX_BL_ENTRIES_MAX)
		return OX_BL_EFULL;
	struct bl_meta m = { OX_STR_NULL, OX_TIME_NONE, OX_TIME_NONE, actor, OX_BL_SRC_FILE };
	bl_put(bl, kind, v, n, &m);
	return OX_BL_OK;
}

int ox_blacklist_add(struct ox_blacklist *bl, enum ox_bl_kind kind, const char *value, size_t len)
{
	pthread_rwlock_wrlock(&bl->lock);
	int rc = bl_add_file(bl, kind, (struct ox_str){ value, len }, bl_actor(bl, "file"));
	bl_settle(bl);
	pthread_rwlock_unlock(&bl->lock);
	return rc;
}

/* "customer, phone, device, ip or address" */
static void bl_expected(char *out, size_t cap)
{
	struct ox_textnorm t;
	ox_textnorm_init(&t, out, cap);
	for (size_t i = 0; i < OX_BL__KINDS; i++) {
		const char *sep = i == 0 ? "" : i + 1 < OX_BL__KINDS ? ", " : " or ";
		ox_textnorm_put_raw(&t, sep, strlen(sep));
		ox_textnorm_put_raw(&t, bl_kind_names[i], strlen(bl_kind_names[i]));
	}
	ox_textnorm_finish(&t);
}

/* How much of a bad line an error message quotes, in bytes of the line. */
#define BL_QUOTE_MAX 64
/* Its room once escaped: "\u00XX" is the longest form of one byte. */
#define BL_QUOTE_BUF (BL_QUOTE_MAX * 6 + 1)

/* Up to BL_QUOTE_MAX bytes of s (file bytes, any) for a message, cut
 * between characters, control characters written \u00XX and bytes that are
 * not UTF-8 \xXX: the message stays one line of valid UTF-8. */
static const char *bl_quote(char out[BL_QUOTE_BUF], struct ox_str s)
{
	const unsigned char *u = (const unsigned char *)s.s;
	size_t o = 0;
	for (size_t i = 0, k; i < s.len; i += k) {
		uint32_t cp;
		k = ox_utf8_seq(s.s, s.len, i, &cp);
		if (i + (k ? k : 1) > BL_QUOTE_MAX)
			break;
		if (k == 0) {
			o += (size_t)snprintf(out + o, BL_QUOTE_BUF - o, "\\x%02X", u[i]);
			k = 1;
		} else if (u[i] < 0x20 || u[i] == 0x7F) {
			o += (size_t)snprintf(out + o, BL_QUOTE_BUF - o, "\\u%04x", u[i]);
		} else {
			memcpy(out + o, s.s + i, k);
			o += k;
		}
	}
	out[o] = '\0';
	return out;
}

/* One non-comment line; 0, or -1 with err set. */
static int bl_load_line(struct ox_blacklist *bl, struct ox_str s, const char *name, uint32_t actor,
			size_t lineno, char *err, size_t errsz)
{
	size_t k = 0;
	while (k < s.len && s.s[k] != ' ' && s.s[k] != '\t')
		k++;
	struct ox_str kname = { s.s, k };
	struct ox_str value = ox_textnorm_trim((struct ox_str){ s.s + k, s.len - k });
	enum ox_bl_kind kind;
	if (!ox_bl_kind_parse(kname, &kind)) {
		char expected[128], q[BL_QUOTE_BUF];
		bl_expected(expected, sizeof expected);
		snprintf(err, errsz, "%s:%zu: unknown kind \"%s\" (expected %s)", name, lineno,
			 bl_quote(q, kname), expected);
		return -1;
	}
	if (value.len == 0) {
		snprintf(err, errsz, "%s:%zu: missing value for kind \"%s\"", name, lineno,
			 bl_kind_names[kind]);
		return -1;
	}
	int rc = bl_add_file(bl, kind, value, actor);
	if (rc != OX_BL_OK) {
		char q[BL_QUOTE_BUF];
		snprintf(err, errsz, "%s:%zu: bad %s \"%s\": %s", name, lineno, bl_kind_names[kind],
			 bl_quote(q, value), ox_bl_strerror(rc));
		return -1;
	}
	return 0;
}

/* The file's entries are added by its name, when that is text. */
static uint32_t bl_file_actor(struct ox_blacklist *bl, const char *name)
{
	char who[OX_BL_ACTOR_MAX];
	size_t n = ox_utf8_clip(name, strlen(name), sizeof who - 1);
	memcpy(who, name, n);
	who[n] = '\0';
	return bl_actor(bl, n && ox_utf8_text_ok(who, n, true) ? who : "file");
}

static int bl_load_lines(struct ox_blacklist *bl, const char *name, const char *buf, size_t len, char *err,
			 size_t errsz)
{
	size_t lineno = 0;
	uint32_t actor = bl_file_actor(bl, name);
	for (size_t pos = 0; pos < len;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		/* A NUL within the first OX_BL_LINE_MAX + 1 bytes is reported
		 * before the length, as a line-at-a-time reader sees it. */
		size_t head = n < OX_BL_LINE_MAX + 1 ? n : OX_BL_LINE_MAX + 1;
		if (memchr(line, '\0', head)) {
			snprintf(err, errsz, "%s:%zu: NUL byte in line", name, lineno);
			return -1;
		}
		if (n > OX_BL_LINE_MAX) {
			snprintf(err, errsz, "%s:%zu: line longer than %d bytes", name, lineno,
				 OX_BL_LINE_MAX);
			return -1;
		}
		struct ox_str s = { line, n };
		if (lineno == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			s.s += 3;
			s.len -= 3;
		}
		s = ox_textnorm_trim(s);
		if (s.len > 0 && s.s[0] != '#' && bl_load_line(bl, s, name, actor, lineno, err, errsz) < 0)
			return -1;
	}
	return 0;
}

int ox_blacklist_load_buffer(struct ox_blacklist *bl, const char *name, const char *buf,
			     size_t len, char *err, size_t errsz)
{
	pthread_rwlock_wrlock(&bl->lock);
	int rc = bl_load_lines(bl, name, buf, len, err, errsz);
	bl_settle(bl);
	pthread_rwlock_unlock(&bl->lock);
	return rc;
}

int ox_blacklist_load(struct ox_blacklist *bl, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* The whole file, then one parse: the same path as for a buffer. */
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		OX_GROW(buf, cap, len + 65536);
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int rc;
	if (ferror(f)) {
		snprintf(err, errsz, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	} else {
		rc = ox_blacklist_load_buffer(bl, path, buf, len, err, errsz);
	}
	free(buf);
	fclose(f);
	return rc;
}

/* ---- snapshots ---------------------------------------------------------------------- */

void ox_blacklist_save(const struct ox_blacklist *bl, struct ox_snap_w *w)
{
	ox_snap_tag(w, "BLK1");
	ox_snap_u64(w, bl->count);
	for (size_t i = 0; i < bl->n_order; i++) {
		const struct bl_entry *e = &bl->e[bl->order[i]];
		if (e->dead)
			continue;
		ox_snap_u8(w, e->kind);
		ox_snap_strn(w, e->value, e->len);
		if (e->reason)
			ox_snap_strn(w, e->reason, e->reason_len);
		else
			ox_snap_str(w, NULL);
		ox_snap_i64(w, e->expires_at);
		ox_snap_i64(w, e->added_at);
		ox_snap_str(w, bl->actors[e->actor]);
		ox_snap_u8(w, e->source);
	}
}

int ox_blacklist_load_snapshot(struct ox_blacklist *bl, struct ox_snap_r *r)
{
	pthread_rwlock_wrlock(&bl->lock);
	bl_release_all(bl);
	ox_snap_expect(r, "BLK1");
	uint64_t n = ox_snap_get_count(r, 30);
	if (n > OX_BL_ENTRIES_MAX)
		ox_snap_r_fail(r, "blacklist: too many entries");
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		uint8_t kind = ox_snap_get_u8(r);
		size_t len, reason_len;
		char *v = ox_snap_get_str(r, OX_BL_VALUE_MAX, &len);
		char *reason = ox_snap_get_str(r, OX_BL_REASON_MAX, &reason_len);
		struct bl_meta m = { .reason = { reason, reason_len } };
		m.expires_at = ox_snap_get_i64(r);
		m.added_at = ox_snap_get_i64(r);
		char actor[OX_BL_ACTOR_MAX];
		ox_snap_get_strbuf(r, actor, sizeof actor);
		uint8_t source = ox_snap_get_u8(r);
		if (ox_snap_r_ok(r) && (kind >= OX_BL__KINDS || source >= OX_BL__SOURCES || !v || !len ||
					bl_has_normalized(bl, (enum ox_bl_kind)kind, v, len)))
			ox_snap_r_fail(r, "blacklist: a malformed entry");
		if (ox_snap_r_ok(r)) {
			m.actor = bl_actor(bl, actor);
			m.source = (enum ox_bl_source)source;
			bl_put(bl, (enum ox_bl_kind)kind, v, len, &m);
		}
		free(v);
		free(reason);
	}
	bl_settle(bl);
	if (!ox_snap_r_ok(r))
		bl_release_all(bl);
	pthread_rwlock_unlock(&bl->lock);
	return ox_snap_r_ok(r) ? 0 : -1;
}
