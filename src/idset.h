/* idset.h - the set of accepted event ids, as 128-bit hashes.
 *
 * Storing hashes instead of the ids keeps 16 bytes per event; two distinct
 * ids collide with probability ~n^2/2^129, far below any disk error rate.
 */
#ifndef OX_IDSET_H
#define OX_IDSET_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct ox_idset {
	struct ox_hash128 *slots; /* {0,0} is empty; a real {0,0} becomes {1,0} */
	size_t mask, count;       /* count: all ids, in both tables */
	struct ox_hash128 *old;   /* the table before the last grow, being copied; or NULL */
	size_t old_mask, migrated;
};

void ox_idset_init(struct ox_idset *s);
void ox_idset_release(struct ox_idset *s);
/* Adds the id; returns false when it was already there. */
bool ox_idset_add(struct ox_idset *s, const char *id, size_t len);
bool ox_idset_has(const struct ox_idset *s, const char *id, size_t len);
/* Bring the id's slot into the cache ahead of an add. */
void ox_idset_prefetch(const struct ox_idset *s, const char *id, size_t len);
/* Memory held by the tables. */
size_t ox_idset_bytes(const struct ox_idset *s);

/* Snapshots (snap.h): the tables slot for slot, a copy in progress
 * included. Load replaces s; -1 when the reader went bad (s empty). */
struct ox_snap_w;
struct ox_snap_r;
void ox_idset_save(const struct ox_idset *s, struct ox_snap_w *w);
int ox_idset_load(struct ox_idset *s, struct ox_snap_r *r);

#endif
