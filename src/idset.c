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
	ox_idset_init(s);
}

static struct ox_hash128 key(const char *id, size_t len)
{
	struct ox_hash128 h = ox_hash128(id, len);
	if (!h.lo && !h.hi)
		h.lo = 1;
	return h;
}

static bool used(const struct ox_hash128 *slot)
{
	return slot->lo || slot->hi;
}

/* Index of h's slot, or of the empty slot where it belongs. */
static size_t find(const struct ox_hash128 *slots, size_t mask, struct ox_hash128 h)
{
	size_t i = h.lo & mask;
	while (used(&slots[i]) && !(slots[i].lo == h.lo && slots[i].hi == h.hi))
		i = (i + 1) & mask;
	return i;
}

static bool has(const struct ox_idset *s, struct ox_hash128 h)
{
	if (s->slots && used(&s->slots[find(s->slots, s->mask, h)]))
		return true;
	return s->old && used(&s->old[find(s->old, s->old_mask, h)]);
}

bool ox_idset_has(const struct ox_idset *s, const char *id, size_t len)
{
	return has(s, key(id, len));
}

void ox_idset_prefetch(const struct ox_idset *s, const char *id, size_t len)
{
	if (s->slots)
		__builtin_prefetch(&s->slots[key(id, len).lo & s->mask]);
}

/* Copy the next slots of the old table; free it once all are copied. */
static void migrate(struct ox_idset *s, size_t n)
{
	for (; s->old && n; n--) {
		const struct ox_hash128 *o = &s->old[s->migrated];
		if (used(o))
			s->slots[find(s->slots, s->mask, *o)] = *o;
		if (++s->migrated > s->old_mask) {
			ox_table_free(s->old, s->old_mask + 1, sizeof *s->old);
			s->old = NULL;
			s->old_mask = s->migrated = 0;
		}
	}
}

static void grow(struct ox_idset *s)
{
	migrate(s, SIZE_MAX); /* a rare catch-up: the last grow is long done */
	size_t ncap = s->slots ? (s->mask + 1) * 2 : 1024;
	s->old = s->slots;
	s->old_mask = s->mask;
	s->migrated = 0;
	s->slots = ox_table_alloc(ncap, sizeof *s->slots);
	s->mask = ncap - 1;
}

bool ox_idset_add(struct ox_idset *s, const char *id, size_t len)
{
	struct ox_hash128 h = key(id, len);
	if (has(s, h))
		return false;
	/* count is every id, copied or not: the new table holds them all once
	 * the copy is done, at most 3/4 full. The copy ends long before the
	 * next grow (MIGRATE_STEP slots per add, against a table a quarter as
	 * large as the adds until then). */
	if (!s->slots || (s->count + 1) * 4 > (s->mask + 1) * 3)
		grow(s);
	migrate(s, MIGRATE_STEP);
	s->slots[find(s->slots, s->mask, h)] = h;
	s->count++;
	return true;
}

size_t ox_idset_bytes(const struct ox_idset *s)
{
	return ((s->slots ? s->mask + 1 : 0) + (s->old ? s->old_mask + 1 : 0)) * sizeof(struct ox_hash128);
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
	save_table(w, s->slots, s->mask, count_used(s->slots, s->mask));
	save_table(w, s->old, s->old_mask, count_used(s->old, s->old_mask));
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

int ox_idset_load(struct ox_idset *s, struct ox_snap_r *r)
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
	if (!ox_snap_r_ok(r)) {
		ox_idset_release(s);
		return -1;
	}
	return 0;
}
