/* deadline.h - the deadline queue: a 4-ary min-heap on (due, seq).
 *
 * seq is the order in which deadlines were set, so ties fire in that order
 * (rules.md, "order of evaluation"). Deadlines are never removed: a handler
 * re-derives the due time from the current state and ignores an entry that
 * no longer matches (lazy deletion), which keeps moves O(log n).
 */
#ifndef OX_DEADLINE_H
#define OX_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timefmt.h"

struct ox_deadline {
	ox_time due;
	uint64_t seq;
	void *target;  /* an order, a SKU, or NULL for engine-wide deadlines */
	uint32_t kind; /* index into the engine's deadline handler table */
	uint32_t aux;  /* e.g. the payment or shipment index within the order */
};

struct ox_deadlines {
	struct ox_deadline *heap;
	size_t n, cap;
	uint64_t next_seq;
};

void ox_deadlines_init(struct ox_deadlines *q);
void ox_deadlines_release(struct ox_deadlines *q);
void ox_deadlines_push(struct ox_deadlines *q, ox_time due, uint32_t kind, void *target, uint32_t aux);
/* The earliest deadline, or NULL when empty. */
const struct ox_deadline *ox_deadlines_peek(const struct ox_deadlines *q);
/* Remove the earliest deadline into *out. */
void ox_deadlines_pop(struct ox_deadlines *q, struct ox_deadline *out);
/* Remove every deadline keep() refuses, at once: for targets that go away
 * (retention), where lazy deletion would leave an entry to a freed order.
 * O(n); the rest fire in the same (due, seq) order as before. */
void ox_deadlines_filter(struct ox_deadlines *q, bool (*keep)(void *ctx, const struct ox_deadline *d), void *ctx);

#endif
