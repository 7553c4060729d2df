/* idset.c - see idset.h.
 *
 * Growing is incremental, as Redis's dict does: when the table is 3/4 full
 * a table twice as large takes the new ids, and each add then copies
 * MIGRATE_STEP slots of the old table into it, so no single add pays for
 * rehashing millions of ids (tens of milliseconds, which every request
 * waiting behind that add would see). Until the copy is done, a lookup
 * checks both tables. The old table is never written to, so its probe
 * chains stay intact; an id is only ever added to the new table after a
 * lookup in both found it absent, so the copy never meets it twice.
 */
#include "idset.h"

#include <stdlib.h>

#include "snap.h"

#define MIGRATE_STEP 64
#define DAYS 65536u
#define DAY_MASK 0xffffu

void ox_idset_init(struct ox_idset *s)
{
	*s = (struct ox_idset){ 0 };
}

void ox_idset_release(struct ox_idset *s)
{
	if (s->slots)
		ox_table_free(s->slots, s->mask + 1, sizeof *s->slots);
	if (s->old)
		ox_table_free(s->old, s->old_mask + 1, sizeof *s->old);
	free(s->per_day);
	ox_idset_init(s);
}

void ox_idset_set_day(struct ox_idset *s, uint32_t day, uint32_t keep)
{
	s->today = (uint16_t)day;
	s->keep = (uint16_t)(keep < DAY_MASK ? keep : DAY_MASK);
}

/* An id's identity is lo and hi's upper 48 bits; hi's low 16 bits are the
 * day it was accepted on. */
static struct ox_hash128 key(const struct ox_idset *s, const char *id, size_t len)
{
	struct ox_hash128 h = ox_hash128(id, len);
	h.hi = (h.hi & ~(uint64_t)DAY_MASK) | s->today;
	if (!h.lo && !(h.hi >> 16))
		h.lo = 1;
	return h;
}

static bool used(const struct ox_hash128 *slot)
{
	return slot->lo || slot->hi;
}

static bool same(const struct ox_hash128 *a, const struct ox_hash128 *b)
{
	return a->lo == b->lo && a->hi >> 16 == b->hi >> 16;
}

static uint16_t day_of(const struct ox_hash128 *slot)
{
	return (uint16_t)(slot->hi & DAY_MASK);
}

static bool remembered(const struct ox_idset *s, const struct ox_hash128 *slot)
{
	return !s->keep || (uint16_t)(s->today - day_of(slot)) < s->keep;
}

static void count_day(struct ox_idset *s, uint16_t day, int delta)
{
	if (!s->per_day)
		s->per_day = ox_xcalloc(DAYS, sizeof *s->per_day);
	s->per_day[day] += (uint32_t)delta;
}

/* Index of h's slot, or of the empty slot where it belongs. */
static size_t find(const struct ox_hash128 *slots, size_t mask, struct ox_hash128 h)
{
	size_t i = h.lo & mask;
	while (used(&slots[i]) && !same(&slots[i], &h))
		i = (i + 1) & mask;
	return i;
}

/* The slot holding h's id in either table, remembered or not, and whether
 * it is in the new one; NULL. */
static struct ox_hash128 *lookup(const struct ox_idset *s, struct ox_hash128 h, bool *in_new)
{
	*in_new = true;
	if (s->slots) {
		struct ox_hash128 *x = &s->slots[find(s->slots, s->mask, h)];
		if (used(x))
			return x;
	}
	*in_new = false;
	if (s->old) {
		struct ox_hash128 *x = &s->old[find(s->old, s->old_mask, h)];
		if (used(x))
			return x;
	}
	return NULL;
}

bool ox_idset_has(const struct ox_idset *s, const char *id, size_t len)
{
	bool in_new;
	const struct ox_hash128 *x = lookup(s, key(s, id, len), &in_new);
	return x && remembered(s, x);
}

void ox_idset_prefetch(const struct ox_idset *s, const char *id, size_t len)
{
	if (s->slots)
		__builtin_prefetch(&s->slots[key(s, id, len).lo & s->mask]);
}

/* Copy the next slots of the old table, leaving forgotten ids behind; free
 * it once all are copied. */
static void migrate(struct ox_idset *s, size_t n)
{
	for (; s->old && n; n--) {
		const struct ox_hash128 *o = &s->old[s->migrated];
		if (used(o)) {
			struct ox_hash128 *to = &s->slots[find(s->slots, s->mask, *o)];
			if (remembered(s, o) && !used(to)) {
				*to = *o;
				s->used++;
			} else { /* forgotten, or accepted again since: the new table has it */
				s->count--;
				count_day(s, day_of(o), -1);
			}
		}
		if (++s->migrated > s->old_mask) {
			ox_table_free(s->old, s->old_mask + 1, sizeof *s->old);
			s->old = NULL;
			s->old_mask = s->migrated = 0;
		}
	}
}

/* The ids still remembered: every id, when none is forgotten. */
static size_t remembered_count(const struct ox_idset *s)
{
	if (!s->keep || !s->per_day)
		return s->count;
	size_t n = 0;
	for (uint32_t k = 0; k < s->keep; k++)
		n += s->per_day[(uint16_t)(s->today - k)];
	return n;
}

/* The table is 3/4 full: copy it into one where the ids remembered fill at
 * most 3/8, so the copy is done long before the next (MIGRATE_STEP slots per
 * add, against at least 3/8 of the table in adds). With nothing forgotten
 * that is twice the size: a grow. */
static void recopy(struct ox_idset *s)
{
	migrate(s, SIZE_MAX); /* a rare catch-up: the last copy is long done */
	size_t live = remembered_count(s), ncap = 1024;
	while (ncap * 3 < (live + 1) * 8)
		ncap *= 2;
	s->old = s->slots;
	s->old_mask = s->mask;
	s->migrated = 0;
	s->slots = ox_table_alloc(ncap, sizeof *s->slots);
	s->mask = ncap - 1;
	s->used = 0;
}

bool ox_idset_add(struct ox_idset *s, const char *id, size_t len)
{
	struct ox_hash128 h = key(s, id, len);
	bool in_new;
	struct ox_hash128 *x = lookup(s, h, &in_new);
	if (x && remembered(s, x))
		return false;
	if (x && in_new) {
		/* forgotten, still in the new table: accepted again today */
		count_day(s, day_of(x), -1);
		count_day(s, s->today, +1);
		*x = h;
		return true;
	}
	/* A forgotten copy in the old table stays there: the copy leaves it. */
	if (!s->slots || (s->used + 1) * 4 > (s->mask + 1) * 3)
		recopy(s);
	migrate(s, MIGRATE_STEP);
	s->slots[find(s->slots, s->mask, h)] = h;
	s->used++;
	s->count++;
	count_day(s, s->today, +1);
	return true;
}

size_t ox_idset_bytes(const struct ox_idset *s)
{
	return ((s->slots ? s->mask + 1 : 0) + (s->old ? s->old_mask + 1 : 0)) * sizeof(struct ox_hash128) +
	       (s->per_day ? DAYS * sizeof *s->per_day : 0);
}

/* ---- snapshots ----------------------------------------------------------------- */

static void save_table(struct ox_snap_w *w, const struct ox_hash128 *slots, size_t mask, size_t used_n)
{
	ox_snap_u64(w, slots ? mask + 1 : 0);
	ox_snap_u64(w, used_n);
	for (size_t i = 0; slots && i <= mask; i++)
		if (used(&slots[i])) {
			ox_snap_u64(w, i);
			ox_snap_u64(w, slots[i].lo);
			ox_snap_u64(w, slots[i].hi);
		}
}

static size_t count_used(const struct ox_hash128 *slots, size_t mask)
{
	size_t n = 0;
	for (size_t i = 0; slots && i <= mask; i++)
		n += used(&slots[i]);
	return n;
}

void ox_idset_save(const struct ox_idset *s, struct ox_snap_w *w)
{
	ox_snap_tag(w, "IDS1");
	ox_snap_u64(w, s->count);
	ox_snap_u64(w, s->migrated);
	save_table(w, s->slots, s->mask, s->used);
	save_table(w, s->old, s->old_mask, count_used(s->old, s->old_mask));
	ox_snap_u32(w, s->today);
	uint32_t days = 0;
	for (uint32_t d = 0; s->per_day && d < DAYS; d++)
		days += s->per_day[d] != 0;
	ox_snap_u64(w, days);
	for (uint32_t d = 0; s->per_day && d < DAYS; d++)
		if (s->per_day[d]) {
			ox_snap_u32(w, d);
			ox_snap_u32(w, s->per_day[d]);
		}
}

/* Format 2 kept no days: its ids count as accepted on day. */
static void stamp_all(struct ox_idset *s, uint16_t day)
{
	struct ox_hash128 *tables[] = { s->slots, s->old };
	size_t masks[] = { s->mask, s->old_mask };
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; tables[t] && i <= masks[t]; i++)
			if (used(&tables[t][i]))
				tables[t][i].hi = (tables[t][i].hi & ~(uint64_t)DAY_MASK) | day;
	s->today = day;
	if (s->count)
		count_day(s, day, (int)s->count);
}

/* A table as saved, slot for slot (so the copy in progress goes on where it
 * was). NULL for an empty one. The table is never much larger than the ids
 * there are (a grow at 3/4 doubles it), so a size out of proportion to
 * ids_max, the ids both tables may hold, is damage. */
static struct ox_hash128 *load_table(struct ox_snap_r *r, size_t *mask, uint64_t ids_max)
{
	uint64_t size = ox_snap_get_u64(r);
	uint64_t n = ox_snap_get_count(r, 24);
	*mask = 0;
	if (!ox_snap_r_ok(r) || size == 0) {
		if (n)
			ox_snap_r_fail(r, "id set: slots in an empty table");
		return NULL;
	}
	if ((size & (size - 1)) || n > size || (size > 1024 && size / 4 > ids_max)) {
		ox_snap_r_fail(r, "id set: bad table size");
		return NULL;
	}
	struct ox_hash128 *t = ox_table_try_alloc(size, sizeof *t);
	if (!t) {
		ox_snap_r_fail(r, "id set: no memory for its table");
		return NULL;
	}
	for (uint64_t k = 0; k < n && ox_snap_r_ok(r); k++) {
		uint64_t i = ox_snap_get_u64(r);
		struct ox_hash128 h = { ox_snap_get_u64(r), ox_snap_get_u64(r) };
		if (i >= size || used(&t[i]) || !used(&h))
			ox_snap_r_fail(r, "id set: bad slot");
		else
			t[i] = h;
	}
	*mask = size - 1;
	return t;
}

/* The counts per day, as saved: they must add up to the ids. */
static void load_days(struct ox_idset *s, struct ox_snap_r *r)
{
	s->today = (uint16_t)ox_snap_get_u32(r);
	uint64_t n = ox_snap_get_count(r, 8), total = 0;
	for (uint64_t k = 0; k < n && ox_snap_r_ok(r); k++) {
		uint32_t d = ox_snap_get_u32(r), c = ox_snap_get_u32(r);
		if (d >= DAYS || !c || (s->per_day && s->per_day[d])) {
			ox_snap_r_fail(r, "id set: bad day");
			return;
		}
		count_day(s, (uint16_t)d, (int)c);
		total += c;
	}
	if (ox_snap_r_ok(r) && total != s->count)
		ox_snap_r_fail(r, "id set: the days do not add up to the ids");
}

int ox_idset_load(struct ox_idset *s, struct ox_snap_r *r, uint32_t day)
{
	ox_idset_release(s);
	ox_snap_expect(r, "IDS1");
	s->count = ox_snap_get_u64(r);
	s->migrated = ox_snap_get_u64(r);
	/* the ids of both tables: the count, and at most what the file holds */
	uint64_t ids_max = (uint64_t)(r->end - r->p) / 24;
	s->slots = load_table(r, &s->mask, ids_max);
	s->old = load_table(r, &s->old_mask, ids_max);
	if (ox_snap_r_ok(r) && ((!s->slots && (s->count || s->old)) || (s->old && s->migrated > s->old_mask) || (!s->old && s->migrated)))
		ox_snap_r_fail(r, "id set: inconsistent tables");
	s->used = count_used(s->slots, s->mask);
	if (ox_snap_r_ok(r) && s->used + count_used(s->old, s->old_mask) < s->count)
		ox_snap_r_fail(r, "id set: fewer slots than ids");
	if (r->version >= 3)
		load_days(s, r);
	else if (ox_snap_r_ok(r))
		stamp_all(s, (uint16_t)day);
	if (!ox_snap_r_ok(r)) {
		ox_idset_release(s);
		return -1;
	}
	return 0;
}
