/* hmap.c - see hmap.h. */
#include "hmap.h"

#include <stdlib.h>

#include "util.h"

static uint64_t fix(uint64_t h)
{
	return h ? h : 1;
}

void ox_hmap_init(struct ox_hmap *m)
{
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

void ox_hmap_release(struct ox_hmap *m)
{
	if (m->slots)
		ox_table_free(m->slots, m->mask + 1, sizeof *m->slots);
	ox_hmap_init(m);
}

void *ox_hmap_get(const struct ox_hmap *m, uint64_t hash, ox_hmap_eq eq, const void *key)
{
	if (!m->slots)
		return NULL;
	hash = fix(hash);
	for (size_t i = hash & m->mask;; i = (i + 1) & m->mask) {
		const struct ox_hmap_slot *s = &m->slots[i];
		if (!s->hash)
			return NULL;
		if (s->hash == hash && eq(s->val, key))
			return s->val;
	}
}

void ox_hmap_prefetch(const struct ox_hmap *m, uint64_t hash)
{
	if (m->slots)
		__builtin_prefetch(&m->slots[fix(hash) & m->mask]);
}

static void place(struct ox_hmap_slot *slots, size_t mask, uint64_t hash, void *val)
{
	size_t i = hash & mask;
	while (slots[i].hash)
		i = (i + 1) & mask;
	slots[i].hash = hash;
	slots[i].val = val;
}

void ox_hmap_put(struct ox_hmap *m, uint64_t hash, void *val)
{
	if (!m->slots || (m->count + 1) * 2 > m->mask + 1) {
		size_t ncap = m->slots ? (m->mask + 1) * 2 : 64;
		struct ox_hmap_slot *ns = ox_table_alloc(ncap, sizeof *ns);
		if (m->slots) {
			for (size_t i = 0; i <= m->mask; i++)
				if (m->slots[i].hash)
					place(ns, ncap - 1, m->slots[i].hash, m->slots[i].val);
			ox_table_free(m->slots, m->mask + 1, sizeof *m->slots);
		}
		m->slots = ns;
		m->mask = ncap - 1;
	}
	place(m->slots, m->mask, fix(hash), val);
	m->count++;
}

bool ox_hmap_del(struct ox_hmap *m, uint64_t hash, const void *val)
{
	if (!m->slots)
		return false;
	hash = fix(hash);
	size_t i = hash & m->mask;
	while (m->slots[i].hash && !(m->slots[i].hash == hash && m->slots[i].val == val))
		i = (i + 1) & m->mask;
	if (!m->slots[i].hash)
		return false;
	/* Backward-shift: pull later members of the probe run into the hole. */
	size_t hole = i;
	for (size_t j = (i + 1) & m->mask; m->slots[j].hash; j = (j + 1) & m->mask) {
		size_t home = m->slots[j].hash & m->mask;
		/* j may move to hole unless its home lies cyclically in (hole, j]. */
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			m->slots[hole] = m->slots[j];
			hole = j;
		}
	}
	m->slots[hole].hash = 0;
	m->slots[hole].val = NULL;
	m->count--;
	return true;
}
