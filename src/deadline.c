/* deadline.c - see deadline.h. */
#include "deadline.h"

#include <stdlib.h>

#include "util.h"

void ox_deadlines_init(struct ox_deadlines *q)
{
	q->heap = NULL;
	q->n = q->cap = 0;
	q->next_seq = 0;
}

void ox_deadlines_release(struct ox_deadlines *q)
{
	free(q->heap);
	ox_deadlines_init(q);
}

static int before(const struct ox_deadline *a, const struct ox_deadline *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* A 4-ary heap: half the depth of a binary one, and the four children of
 * a node share two cache lines, which matters with millions pending. */
#define ARITY 4

void ox_deadlines_push(struct ox_deadlines *q, ox_time due, uint32_t kind, void *target, uint32_t aux)
{
	OX_GROW(q->heap, q->cap, q->n + 1);
	struct ox_deadline d = { due, q->next_seq++, target, kind, aux };
	size_t i = q->n++;
	while (i > 0) {
		size_t parent = (i - 1) / ARITY;
		if (!before(&d, &q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = d;
}

const struct ox_deadline *ox_deadlines_peek(const struct ox_deadlines *q)
{
	return q->n ? &q->heap[0] : NULL;
}

/* Move d down from slot i to its place among the first q->n entries. */
static void sift_down(struct ox_deadlines *q, size_t i, struct ox_deadline d)
{
	for (;;) {
		size_t first = ARITY * i + 1, c = first;
		if (first >= q->n)
			break;
		for (size_t k = first + 1; k < first + ARITY && k < q->n; k++)
			if (before(&q->heap[k], &q->heap[c]))
				c = k;
		if (!before(&q->heap[c], &d))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	q->heap[i] = d;
}

void ox_deadlines_pop(struct ox_deadlines *q, struct ox_deadline *out)
{
	*out = q->heap[0];
	struct ox_deadline last = q->heap[--q->n];
	if (q->n)
		sift_down(q, 0, last);
}

void ox_deadlines_filter(struct ox_deadlines *q, bool (*keep)(void *ctx, const struct ox_deadline *d), void *ctx)
{
	size_t n = 0;
	for (size_t i = 0; i < q->n; i++)
		if (keep(ctx, &q->heap[i]))
			q->heap[n++] = q->heap[i];
	if (n == q->n)
		return;
	q->n = n;
	/* Floyd's heap construction: every parent, last first. (due, seq) is
	 * a total order, so the pops that follow do not depend on the layout. */
	for (size_t i = n / ARITY + 1; i-- > 0;)
		if (i < n)
			sift_down(q, i, q->heap[i]);
}
