/* hmap.h - open-addressing hash map from a 64-bit hash to a pointer.
 *
 * The map stores (hash, value) pairs only; callers keep the real key inside
 * the value and pass an equality callback, so one map type serves orders,
 * SKUs, open cases and fraud indices. Linear probing with backward-shift
 * deletion (no tombstones); the table doubles at 50% load.
 */
#ifndef OX_HMAP_H
#define OX_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ox_hmap_slot {
	uint64_t hash; /* 0 marks an empty slot; real hashes of 0 become 1 */
	void *val;
};

struct ox_hmap {
	struct ox_hmap_slot *slots;
	size_t mask, count;
};

/* Is the stored value the one for key? */
typedef bool (*ox_hmap_eq)(const void *val, const void *key);

void ox_hmap_init(struct ox_hmap *m);
void ox_hmap_release(struct ox_hmap *m);
void *ox_hmap_get(const struct ox_hmap *m, uint64_t hash, ox_hmap_eq eq, const void *key);
/* Bring hash's home slot into the cache ahead of a get. */
void ox_hmap_prefetch(const struct ox_hmap *m, uint64_t hash);
/* Insert a value whose key is not in the map. */
void ox_hmap_put(struct ox_hmap *m, uint64_t hash, void *val);
/* Remove the entry whose value is val (pointer identity); false if absent. */
bool ox_hmap_del(struct ox_hmap *m, uint64_t hash, const void *val);

#define OX_HMAP_FOREACH(m, i) \
	for (size_t i = 0; (m)->slots && i <= (m)->mask; i++) \
		if ((m)->slots[i].hash)

#endif
