/* orderidx.c - see orderidx.h.
 *
 * One allocation per order: a 5-byte header (count, id length), the id
 * inline, padding to 8, then the seq vector. The capacity is not stored: it
 * is a function of the count (1, 2, 3, 4, 6, 8, 12, 16, 24, ...: powers of two
 * and the midpoints between them), so a vector wastes at most a third of its
 * slots and usually far less. The id lives next to the seqs, so a lookup
 * touches the table slot and this one allocation.
 *
 * Measured (tests/unit/test_orderidx.c prints it): 1M orders of 15 events
 * with 17-byte ids take ~193 bytes per order: 120 of seqs, 8 of capacity
 * slack, 24 of header and id, 8 of malloc header, and ~34 of ox_hmap table
 * (16-byte slots, 25..50% full).
 */
#include "orderidx.h"

#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "snap.h"
#include "util.h"

struct rec {
	uint32_t n;    /* seqs held */
	uint8_t idlen; /* 1..OX_ORDERIDX_ID_MAX */
	char id[];     /* then padding to 8, then uint64_t seqs[cap_for(n)] */
};

struct ox_orderidx {
	struct ox_hmap map; /* ox_hash64(id) -> struct rec */
	size_t rec_bytes;   /* sum of chunk_bytes() over the records */
};

struct key {
	const char *id;
	size_t len;
};

static size_t seqs_offset(size_t idlen)
{
	return (offsetof(struct rec, id) + idlen + 7) & ~(size_t)7;
}

static uint64_t *seqs_of(struct rec *r)
{
	return (uint64_t *)(void *)((char *)r + seqs_offset(r->idlen));
}

/* Slots allocated for n seqs: the smallest of 1, 2, 3, 4, 6, 8, 12, ... >= n. */
static size_t cap_for(size_t n)
{
	if (n <= 2)
		return n ? n : 1;
	size_t p = 1;
	while (p * 2 <= n - 1)
		p *= 2;
	return n <= p + p / 2 ? p + p / 2 : 2 * p;
}

static size_t rec_size(size_t idlen, size_t n)
{
	return seqs_offset(idlen) + cap_for(n) * sizeof(uint64_t);
}

/* What malloc really takes for a request (glibc: an 8-byte header, 16-byte
 * granules, 32 bytes at least). An estimate elsewhere, never an undercount
 * by much. */
static size_t chunk_bytes(size_t req)
{
	size_t c = (req + 8 + 15) & ~(size_t)15;
	return c < 32 ? 32 : c;
}

static bool rec_eq(const void *val, const void *key)
{
	const struct rec *r = val;
	const struct key *k = key;
	return r->idlen == k->len && memcmp(r->id, k->id, k->len) == 0;
}

/* The table slot whose value is r (present): a realloc moves the record. */
static struct ox_hmap_slot *slot_holding(const struct ox_hmap *m, uint64_t h, const struct rec *r)
{
	size_t i = (h ? h : 1) & m->mask; /* hmap.h: a hash of 0 is stored as 1 */
	while (m->slots[i].val != r)
		i = (i + 1) & m->mask;
	return &m->slots[i];
}

struct ox_orderidx *ox_orderidx_new(void)
{
	struct ox_orderidx *x = ox_xcalloc(1, sizeof *x);
	ox_hmap_init(&x->map);
	return x;
}

void ox_orderidx_free(struct ox_orderidx *x)
{
	if (!x)
		return;
	OX_HMAP_FOREACH(&x->map, i)
		free(x->map.slots[i].val);
	ox_hmap_release(&x->map);
	free(x);
}

void ox_orderidx_add(struct ox_orderidx *x, const char *id, size_t len, uint64_t seq)
{
	if (len == 0 || len > OX_ORDERIDX_ID_MAX)
		return;
	uint64_t h = ox_hash64(id, len);
	struct key k = { id, len };
	struct rec *r = ox_hmap_get(&x->map, h, rec_eq, &k);
	if (!r) {
		size_t size = rec_size(len, 1);
		r = ox_xmalloc(size);
		r->n = 0;
		r->idlen = (uint8_t)len;
		memcpy(r->id, id, len);
		ox_hmap_put(&x->map, h, r);
		x->rec_bytes += chunk_bytes(size);
	} else if (r->n == UINT32_MAX) {
		return; /* 4G events for one order: not a real order */
	} else if (cap_for((size_t)r->n + 1) != cap_for(r->n)) {
		size_t old = rec_size(len, r->n), size = rec_size(len, (size_t)r->n + 1);
		struct ox_hmap_slot *slot = slot_holding(&x->map, h, r);
		r = ox_xrealloc(r, size);
		slot->val = r;
		x->rec_bytes += chunk_bytes(size) - chunk_bytes(old);
	}
	seqs_of(r)[r->n++] = seq;
}

bool ox_orderidx_remove(struct ox_orderidx *x, const char *id, size_t len)
{
	if (len == 0 || len > OX_ORDERIDX_ID_MAX)
		return false;
	uint64_t h = ox_hash64(id, len);
	struct key k = { id, len };
	struct rec *r = ox_hmap_get(&x->map, h, rec_eq, &k);
	if (!r || !ox_hmap_del(&x->map, h, r))
		return false;
	x->rec_bytes -= chunk_bytes(rec_size(r->idlen, r->n));
	free(r);
	return true;
}

void ox_orderidx_prefetch(const struct ox_orderidx *x, const char *id, size_t len)
{
	ox_hmap_prefetch(&x->map, ox_hash64(id, len));
}

const uint64_t *ox_orderidx_get(const struct ox_orderidx *x, const char *id, size_t len, size_t *n)
{
	*n = 0;
	if (len == 0 || len > OX_ORDERIDX_ID_MAX)
		return NULL;
	struct key k = { id, len };
	struct rec *r = ox_hmap_get(&x->map, ox_hash64(id, len), rec_eq, &k);
	if (!r)
		return NULL;
	*n = r->n;
	return seqs_of(r);
}

size_t ox_orderidx_orders(const struct ox_orderidx *x)
{
	return x->map.count;
}

size_t ox_orderidx_bytes(const struct ox_orderidx *x)
{
	size_t table = x->map.slots ? (x->map.mask + 1) * sizeof *x->map.slots : 0;
	return sizeof *x + table + x->rec_bytes;
}

void ox_orderidx_each(const struct ox_orderidx *x, ox_orderidx_each_fn *fn, void *ctx)
{
	OX_HMAP_FOREACH(&x->map, i) {
		struct rec *r = x->map.slots[i].val;
		fn(ctx, r->id, r->idlen, seqs_of(r), r->n);
	}
}

/* ---- snapshots ----------------------------------------------------------------- */

void ox_orderidx_save(const struct ox_orderidx *x, struct ox_snap_w *w)
{
	ox_snap_tag(w, "OIX1");
	ox_snap_u64(w, x->map.count);
	OX_HMAP_FOREACH(&x->map, i) {
		struct rec *r = x->map.slots[i].val;
		ox_snap_strn(w, r->id, r->idlen);
		ox_snap_u32(w, r->n);
		const uint64_t *seqs = seqs_of(r);
		for (uint32_t k = 0; k < r->n; k++)
			ox_snap_u64(w, seqs[k]);
	}
}

int ox_orderidx_load(struct ox_orderidx *x, struct ox_snap_r *r)
{
	ox_snap_expect(r, "OIX1");
	uint64_t n = ox_snap_get_count(r, 13);
	for (uint64_t i = 0; i < n && ox_snap_r_ok(r); i++) {
		size_t len;
		char *id = ox_snap_get_str(r, OX_ORDERIDX_ID_MAX, &len);
		uint32_t k = ox_snap_get_u32(r);
		if (!id || !len || k == 0 || k > (size_t)(r->end - r->p) / 8 || ox_orderidx_get(x, id, len, &(size_t){ 0 })) {
			ox_snap_r_fail(r, "order index: a malformed order");
			free(id);
			break;
		}
		for (uint32_t j = 0; j < k; j++)
			ox_orderidx_add(x, id, len, ox_snap_get_u64(r));
		free(id);
	}
	return ox_snap_r_ok(r) ? 0 : -1;
}
