/* idset.c - see idset.h. */
#include "idset.h"

#include <stdlib.h>

void ox_idset_init(struct ox_idset *s)
{
	s->slots = NULL;
	s->mask = 0;
	s->count = 0;
}

void ox_idset_release(struct ox_idset *s)
{
	free(s->slots);
	ox_idset_init(s);
}

static struct ox_hash128 key(const char *id, size_t len)
{
	struct ox_hash128 h = ox_hash128(id, len);
	if (!h.lo && !h.hi)
		h.lo = 1;
	return h;
}

/* Index of h's slot, or of the empty slot where it belongs. */
static size_t find(const struct ox_hash128 *slots, size_t mask, struct ox_hash128 h)
{
	size_t i = h.lo & mask;
	while ((slots[i].lo || slots[i].hi) && !(slots[i].lo == h.lo && slots[i].hi == h.hi))
		i = (i + 1) & mask;
	return i;
}

bool ox_idset_has(const struct ox_idset *s, const char *id, size_t len)
{
	if (!s->slots)
		return false;
	struct ox_hash128 h = key(id, len);
	size_t i = find(s->slots, s->mask, h);
	return s->slots[i].lo || s->slots[i].hi;
}

void ox_idset_prefetch(const struct ox_idset *s, const char *id, size_t len)
{
	if (s->slots)
		__builtin_prefetch(&s->slots[key(id, len).lo & s->mask]);
}

bool ox_idset_add(struct ox_idset *s, const char *id, size_t len)
{
	if (!s->slots || (s->count + 1) * 4 > (s->mask + 1) * 3) {
		size_t ncap = s->slots ? (s->mask + 1) * 2 : 1024;
		struct ox_hash128 *ns = ox_table_alloc(ncap, sizeof *ns);
		for (size_t i = 0; s->slots && i <= s->mask; i++)
			if (s->slots[i].lo || s->slots[i].hi)
				ns[find(ns, ncap - 1, s->slots[i])] = s->slots[i];
		free(s->slots);
		s->slots = ns;
		s->mask = ncap - 1;
	}
	struct ox_hash128 h = key(id, len);
	size_t i = find(s->slots, s->mask, h);
	if (s->slots[i].lo || s->slots[i].hi)
		return false;
	s->slots[i] = h;
	s->count++;
	return true;
}
