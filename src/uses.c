/* uses.c - see uses.h.
 *
 * Forgetting old uses is a rebuild, and a rebuild is incremental, as in
 * idset.c: a new table takes the keys, and each add then copies (and
 * prunes) a few slots of the old one, so no single add pays for a table of
 * millions of slots (tens of milliseconds, which every request waiting
 * behind that add would see). Until the copy is done, a lookup checks both
 * tables; a key added to while still in the old table moves at once.
 */
#include "uses.h"

#include <stdlib.h>
#include <string.h>

#include "snap.h"
#include "util.h"

/* n of an old table's slot whose key moved to the new table: its uses are
 * there now (the slot only keeps the probe chains through it intact). */
#define MOVED UINT32_MAX

void ox_uses_init(struct ox_uses *m)
{
	memset(m, 0, sizeof *m);
}

static struct ox_use *uses_of(struct ox_uses_slot *s)
{
	return s->cap > 1 ? s->u.many : &s->u.one;
}

/* Free the uses arrays of slots [from, mask] and the table. */
static void free_table(struct ox_uses_slot *slots, size_t mask, size_t from)
{
	for (size_t i = from; slots && i <= mask; i++)
		if (slots[i].key && slots[i].n != MOVED && slots[i].cap > 1)
			free(slots[i].u.many);
	if (slots)
		ox_table_free(slots, mask + 1, sizeof *slots);
}

void ox_uses_release(struct ox_uses *m)
{
	free_table(m->slots, m->mask, 0);
	free_table(m->old, m->old_mask, m->migrated); /* the copied ones are the new table's */
	ox_uses_init(m);
}

static struct ox_uses_slot *probe(struct ox_uses_slot *slots, size_t mask, uint64_t key)
{
	size_t i = key & mask;
	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & mask;
	return &slots[i];
}

/* Keep the uses at or after horizon; false when none is left. */
static int prune(struct ox_uses_slot *s, ox_time horizon)
{
	struct ox_use *u = uses_of(s);
	uint32_t k = 0;
	for (uint32_t i = 0; i < s->n; i++)
		if (u[i].ts >= horizon)
			u[k++] = u[i];
	if (k == 1 && s->cap > 1) {
		struct ox_use only = u[0];
		free(s->u.many);
		s->u.one = only;
		s->cap = 1;
	}
	if (k == 0 && s->cap > 1) {
		free(s->u.many);
		s->cap = 1;
	}
	s->n = k;
	return k > 0;
}

/* Copy the next n slots of the old table into the new one, keeping only
 * their uses at or after the horizon of the rebuild; free it once all are
 * copied. */
static void migrate(struct ox_uses *m, size_t n)
{
	for (; m->old && n; n--) {
		struct ox_uses_slot *o = &m->old[m->migrated];
		if (o->key && o->n != MOVED) {
			m->old_left--;
			if (prune(o, m->old_horizon)) {
				*probe(m->slots, m->mask, o->key) = *o;
				m->count++;
			}
		}
		if (++m->migrated > m->old_mask) {
			ox_table_free(m->old, m->old_mask + 1, sizeof *m->old);
			m->old = NULL;
			m->old_mask = m->migrated = 0;
		}
	}
}

/* Start a rebuild into a table with room for every key there is, expired
 * or not: the copy forgets the expired uses as it goes. */
static void rebuild(struct ox_uses *m, ox_time horizon)
{
	migrate(m, SIZE_MAX); /* a rare catch-up: the last copy is long done */
	size_t cap = 1024;
	while (cap < (m->count + 1) * 2)
		cap *= 2;
	m->old = m->slots;
	m->old_mask = m->mask;
	m->old_horizon = horizon;
	m->old_left = m->count;
	m->migrated = 0;
	m->slots = ox_table_alloc(cap, sizeof *m->slots);
	m->mask = cap - 1;
	m->count = 0;
	m->inserts = 0;
	/* done well before the next rebuild: that comes after 65,536 inserts
	 * at the earliest, or when this table (twice as large) fills */
	m->step = m->old ? (m->old_mask + 1) / 16384 + 64 : 0;
}

void ox_uses_prefetch(const struct ox_uses *m, uint64_t key)
{
	if (m->slots)
		__builtin_prefetch(&m->slots[(key ? key : 1) & m->mask]);
}

/* Invariant: cap == 1 means the use is inline in the slot. */
static void append(struct ox_uses_slot *s, struct ox_use use)
{
	if (s->n == 0) {
		s->u.one = use;
		s->n = s->cap = 1;
		return;
	}
	if (s->cap == 1) {
		struct ox_use first = s->u.one;
		s->u.many = ox_xmalloc(4 * sizeof(struct ox_use));
		s->u.many[0] = first;
		s->cap = 4;
	} else if (s->n == s->cap) {
		s->cap *= 2;
		s->u.many = ox_xrealloc(s->u.many, s->cap * sizeof(struct ox_use));
	}
	s->u.many[s->n++] = use;
}

/* key's slot in the old table, if it is there and neither moved nor passed
 * by the copy yet. A slot the copy passed is the new table's business even
 * when it kept none of its uses (then the key is in neither table, and the
 * copy has counted it already). */
static struct ox_uses_slot *in_old(const struct ox_uses *m, uint64_t key)
{
	if (!m->old)
		return NULL;
	struct ox_uses_slot *o = probe(m->old, m->old_mask, key);
	return o->key && o->n != MOVED && (size_t)(o - m->old) >= m->migrated ? o : NULL;
}

const struct ox_use *ox_uses_add(struct ox_uses *m, uint64_t key, struct ox_use use, ox_time horizon, size_t *n)
{
	key = key ? key : 1;
	/* counting the keys still to copy, so that the catch-up fits */
	size_t keys = m->count + m->old_left;
	if (!m->slots || (keys + 1) * 10 > (m->mask + 1) * 7 || m->inserts > keys + 65536)
		rebuild(m, horizon);
	m->inserts++;
	migrate(m, m->step);
	struct ox_uses_slot *s = probe(m->slots, m->mask, key);
	if (!s->key) {
		/* A key still in the old table moves now; its slot there stays
		 * taken (MOVED), so the probe chains through it hold. */
		struct ox_uses_slot *o = in_old(m, key);
		if (o && prune(o, m->old_horizon)) {
			*s = *o;
		} else {
			s->key = key;
			s->n = 0;
			s->cap = 1;
		}
		if (o) {
			o->n = MOVED;
			m->old_left--;
		}
		m->count++;
	}
	if (s->n >= 64 && s->n == s->cap)
		prune(s, horizon); /* a hot value forgets expired uses before growing */
	append(s, use);
	*n = s->n;
	return uses_of(s);
}

const struct ox_use *ox_uses_get(const struct ox_uses *m, uint64_t key, size_t *n)
{
	*n = 0;
	if (!m->slots)
		return NULL;
	key = key ? key : 1;
	const struct ox_uses_slot *s = probe(m->slots, m->mask, key);
	if (!s->key && !(s = in_old(m, key)))
		return NULL;
	*n = s->n;
	return s->cap > 1 ? s->u.many : &s->u.one;
}

/* ---- snapshots ----------------------------------------------------------------- */

/* A table's slots from `from` on, as they are; the ones before it (an old
 * table's copied slots) by key only, since their uses are the new table's
 * now and a lookup finds the key there first. */
static void save_table(struct ox_snap_w *w, const struct ox_uses_slot *slots, size_t mask, size_t from)
{
	size_t n = 0;
	for (size_t i = 0; slots && i <= mask; i++)
		n += slots[i].key != 0;
	ox_snap_u64(w, slots ? mask + 1 : 0);
	ox_snap_u64(w, n);
	for (size_t i = 0; slots && i <= mask; i++) {
		const struct ox_uses_slot *s = &slots[i];
		if (!s->key)
			continue;
		bool copied = i < from;
		uint32_t sn = s->n == MOVED ? MOVED : copied ? 0 : s->n;
		ox_snap_u64(w, i);
		ox_snap_u64(w, s->key);
		ox_snap_u32(w, sn);
		ox_snap_u32(w, copied ? 1 : s->cap);
		if (sn == MOVED)
			continue;
		const struct ox_use *u = s->cap > 1 ? s->u.many : &s->u.one;
		for (uint32_t k = 0; k < sn; k++) {
			ox_snap_i64(w, u[k].ts);
			ox_snap_u32(w, u[k].customer);
			ox_snap_u32(w, u[k].order);
		}
	}
}

void ox_uses_save(const struct ox_uses *m, struct ox_snap_w *w)
{
	ox_snap_tag(w, "USE1");
	ox_snap_u64(w, m->count);
	ox_snap_u64(w, m->inserts);
	ox_snap_u64(w, m->migrated);
	ox_snap_u64(w, m->step);
	ox_snap_u64(w, m->old_left);
	ox_snap_i64(w, m->old_horizon);
	save_table(w, m->slots, m->mask, 0);
	save_table(w, m->old, m->old_mask, m->migrated);
}

static struct ox_uses_slot *load_table(struct ox_snap_r *r, size_t *mask)
{
	uint64_t size = ox_snap_get_u64(r);
	uint64_t n = ox_snap_get_count(r, 24);
	*mask = 0;
	if (!ox_snap_r_ok(r) || size == 0) {
		if (n)
			ox_snap_r_fail(r, "uses: slots in an empty table");
		return NULL;
	}
	if ((size & (size - 1)) || size > ((uint64_t)1 << 34) || n > size) {
		ox_snap_r_fail(r, "uses: bad table size");
		return NULL;
	}
	/* A rebuild sizes the table for every key it copies, and the copy may
	 * drop most of them: its size says little about what it holds. So the
	 * memory is asked for, not assumed (it is mapped lazily). */
	struct ox_uses_slot *t = ox_table_try_alloc(size, sizeof *t);
	if (!t) {
		ox_snap_r_fail(r, "uses: no memory for its table");
		return NULL;
	}
	*mask = size - 1;
	for (uint64_t k = 0; k < n && ox_snap_r_ok(r); k++) {
		uint64_t i = ox_snap_get_u64(r);
		uint64_t key = ox_snap_get_u64(r);
		uint32_t sn = ox_snap_get_u32(r), cap = ox_snap_get_u32(r);
		if (i >= size || t[i].key || !key || cap == 0 || (sn != MOVED && sn > cap) ||
		    (cap > 1 && cap > (uint64_t)(r->end - r->p) / 16 + 64)) {
			ox_snap_r_fail(r, "uses: bad slot");
			break;
		}
		struct ox_uses_slot *s = &t[i];
		s->key = key;
		s->n = sn;
		s->cap = sn == MOVED ? 1 : cap;
		if (sn == MOVED)
			continue;
		struct ox_use *u = &s->u.one;
		if (s->cap > 1)
			u = s->u.many = ox_xcalloc(s->cap, sizeof *u);
		for (uint32_t j = 0; j < sn; j++) {
			u[j].ts = ox_snap_get_i64(r);
			u[j].customer = ox_snap_get_u32(r);
			u[j].order = ox_snap_get_u32(r);
		}
	}
	return t;
}

int ox_uses_load(struct ox_uses *m, struct ox_snap_r *r)
{
	ox_uses_release(m);
	ox_snap_expect(r, "USE1");
	m->count = ox_snap_get_u64(r);
	m->inserts = ox_snap_get_u64(r);
	m->migrated = ox_snap_get_u64(r);
	m->step = ox_snap_get_u64(r);
	m->old_left = ox_snap_get_u64(r);
	m->old_horizon = ox_snap_get_i64(r);
	m->slots = load_table(r, &m->mask);
	m->old = load_table(r, &m->old_mask);
	if (ox_snap_r_ok(r) && ((!m->slots && (m->count || m->old)) || (m->old && m->migrated > m->old_mask) ||
				(!m->old && (m->migrated || m->old_left))))
		ox_snap_r_fail(r, "uses: inconsistent tables");
	if (!ox_snap_r_ok(r)) {
		/* the copied slots of an old table own nothing: release from 0 */
		m->migrated = 0;
		ox_uses_release(m);
		return -1;
	}
	return 0;
}
