/* uses.c - see uses.h. */
#include "uses.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void ox_uses_init(struct ox_uses *m)
{
	memset(m, 0, sizeof *m);
}

static struct ox_use *uses_of(struct ox_uses_slot *s)
{
	return s->cap > 1 ? s->u.many : &s->u.one;
}

void ox_uses_release(struct ox_uses *m)
{
	for (size_t i = 0; m->slots && i <= m->mask; i++)
		if (m->slots[i].key && m->slots[i].cap > 1)
			free(m->slots[i].u.many);
	if (m->slots)
		ox_table_free(m->slots, m->mask + 1, sizeof *m->slots);
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

/* Rebuild into a table sized for what is left after the horizon. */
static void rebuild(struct ox_uses *m, ox_time horizon)
{
	size_t live = 0;
	for (size_t i = 0; m->slots && i <= m->mask; i++)
		if (m->slots[i].key && prune(&m->slots[i], horizon))
			live++;
		else
			m->slots[i].key = 0;
	size_t cap = 1024;
	while (cap < (live + 1) * 2)
		cap *= 2;
	struct ox_uses_slot *ns = ox_table_alloc(cap, sizeof *ns);
	for (size_t i = 0; m->slots && i <= m->mask; i++)
		if (m->slots[i].key)
			*probe(ns, cap - 1, m->slots[i].key) = m->slots[i];
	if (m->slots)
		ox_table_free(m->slots, m->mask + 1, sizeof *m->slots);
	m->slots = ns;
	m->mask = cap - 1;
	m->count = live;
	m->inserts = 0;
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

const struct ox_use *ox_uses_add(struct ox_uses *m, uint64_t key, struct ox_use use, ox_time horizon, size_t *n)
{
	key = key ? key : 1;
	if (!m->slots || (m->count + 1) * 10 > (m->mask + 1) * 7 || m->inserts > m->count + 65536)
		rebuild(m, horizon);
	m->inserts++;
	struct ox_uses_slot *s = probe(m->slots, m->mask, key);
	if (!s->key) {
		m->count++;
		s->key = key;
		s->n = 0;
		s->cap = 1;
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
	if (!s->key)
		return NULL;
	*n = s->n;
	return s->cap > 1 ? s->u.many : &s->u.one;
}
