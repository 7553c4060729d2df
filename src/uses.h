/* uses.h - who used a value when: a multimap from a 64-bit feature key
 * (a hashed address, phone, device, ...) to its uses (ts, customer, order),
 * for counting distinct customers over sliding windows (fraud scoring).
 *
 * Compact because nearly every value is used once: a slot is 32 bytes with
 * the first use inline. Uses older than a horizon are dropped by periodic
 * rebuilds, done a few slots per insert, so memory follows the window, not
 * the history, and no insert waits for a whole table.
 */
#ifndef OX_USES_H
#define OX_USES_H

#include <stddef.h>
#include <stdint.h>

#include "timefmt.h"

struct ox_use {
	ox_time ts;
	uint32_t customer, order; /* hashes; see fraud.c for the collision odds */
};

struct ox_uses_slot {
	uint64_t key; /* 0 = empty */
	uint32_t n, cap;
	union {
		struct ox_use one;  /* n == 1 */
		struct ox_use *many; /* n > 1 */
	} u;
};

struct ox_uses {
	struct ox_uses_slot *slots;
	size_t mask, count, inserts;
	/* a rebuild in progress: the table being copied, how far, and the
	 * horizon its copy prunes to */
	struct ox_uses_slot *old;
	size_t old_mask, migrated, step;
	size_t old_left; /* keys of the old table not copied or moved yet */
	ox_time old_horizon;
};

void ox_uses_init(struct ox_uses *m);
void ox_uses_release(struct ox_uses *m);
/* Record a use of key; uses with ts < horizon may be forgotten. Returns the
 * key's uses (valid until the next call) and their number in *n. */
/* Bring key's home slot into the cache ahead of an add. */
void ox_uses_prefetch(const struct ox_uses *m, uint64_t key);
const struct ox_use *ox_uses_add(struct ox_uses *m, uint64_t key, struct ox_use use, ox_time horizon, size_t *n);
/* The uses of key, changing nothing: NULL with *n = 0 when it has none.
 * Valid until the next add. */
const struct ox_use *ox_uses_get(const struct ox_uses *m, uint64_t key, size_t *n);

/* Snapshots (snap.h): both tables slot for slot, a rebuild in progress
 * included, so pruning goes on exactly as it would have. Load replaces m;
 * -1 when the reader went bad (m empty). */
struct ox_snap_w;
struct ox_snap_r;
void ox_uses_save(const struct ox_uses *m, struct ox_snap_w *w);
int ox_uses_load(struct ox_uses *m, struct ox_snap_r *r);

#endif
