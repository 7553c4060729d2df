/* idset.h - the set of accepted event ids, as hashes, each with the day
 * it was accepted on, forgotten after a number of days (retention).
 *
 * Storing hashes instead of the ids keeps 16 bytes per event: 112 bits of
 * hash and a 16-bit day. Two distinct ids collide with probability
 * ~n^2/2^113, far below any disk error rate.
 */
#ifndef OX_IDSET_H
#define OX_IDSET_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct ox_idset {
	struct ox_hash128 *slots; /* {0,0} is empty; a real {0,0} becomes {1,0} */
	size_t mask, used;        /* used: slots of this table in use */
	size_t count;             /* all ids in both tables, forgotten ones included */
	struct ox_hash128 *old;   /* the table before the last grow, being copied; or NULL */
	size_t old_mask, migrated;
	uint16_t today;           /* the day ids are accepted on (days since 1970, mod 2^16) */
	uint16_t keep;            /* days an id is remembered; 0: forever */
	uint32_t *per_day;        /* ids accepted on each day (65536 entries), or NULL */
};

void ox_idset_init(struct ox_idset *s);
void ox_idset_release(struct ox_idset *s);
/* The day (event time) and how many days an id accepted on a day is
 * remembered (0: forever). An id accepted on day d counts as absent from
 * day d + keep on; its slot is reclaimed by the next copy of the table,
 * which a fill of 3/4 starts: at the same size when the ids remembered fit
 * comfortably, twice the size otherwise. */
void ox_idset_set_day(struct ox_idset *s, uint32_t day, uint32_t keep);
/* Adds the id; returns false when it was already there. */
bool ox_idset_add(struct ox_idset *s, const char *id, size_t len);
bool ox_idset_has(const struct ox_idset *s, const char *id, size_t len);
/* Bring the id's slot into the cache ahead of an add. */
void ox_idset_prefetch(const struct ox_idset *s, const char *id, size_t len);
/* Memory held by the tables. */
size_t ox_idset_bytes(const struct ox_idset *s);

/* Snapshots (snap.h): the tables slot for slot, a copy in progress
 * included, the day and the count per day. Load replaces s; -1 when the
 * reader went bad (s empty). A snapshot of format 2 has no days: its ids
 * count as accepted on day. */
struct ox_snap_w;
struct ox_snap_r;
void ox_idset_save(const struct ox_idset *s, struct ox_snap_w *w);
int ox_idset_load(struct ox_idset *s, struct ox_snap_r *r, uint32_t day);

#endif
