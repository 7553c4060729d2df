/* test_uses.c - the fraud index's uses: nothing inside the horizon is ever
 * lost, across incremental rebuilds, keys moved mid-copy included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "uses.h"

#define KEYS 20000

/* The model: per key, how many uses it got and the ts of the last one. */
struct model {
	uint32_t n;
	ox_time last;
};

/* Every use at or after the horizon is there, in the order added; nothing
 * that was never added is. */
static void check_key(const struct ox_uses *m, uint64_t key, const struct model *k, ox_time horizon)
{
	size_t n;
	const struct ox_use *u = ox_uses_get(m, key, &n);
	if (k->n == 0) {
		assert_int_equal(n, 0);
		return;
	}
	if (k->last >= horizon) {
		assert_true(n >= 1);
		assert_non_null(u);
		assert_int_equal(u[n - 1].ts, k->last);
		assert_int_equal(u[n - 1].order, (uint32_t)key);
	}
	for (size_t i = 1; i < n; i++)
		assert_true(u[i - 1].ts <= u[i].ts);
}

static void test_rebuilds_keep_the_window(void **state)
{
	(void)state;
	struct ox_uses m;
	ox_uses_init(&m);
	struct model *k = calloc(KEYS, sizeof *k);
	srand(11);
	ox_time t = 0;
	const ox_time window = 50000;
	size_t rebuilds_seen = 0;
	for (int i = 0; i < 600000; i++) {
		t += 1;
		/* most keys used once, some often (a hot address) */
		uint64_t key = rand() % 10 ? 1000 + (uint64_t)(rand() % KEYS) : 1000 + (uint64_t)(rand() % 50);
		struct ox_use use = { .ts = t, .customer = (uint32_t)rand(), .order = (uint32_t)key };
		size_t n;
		const struct ox_use *u = ox_uses_add(&m, key, use, t - window, &n);
		assert_true(n >= 1);
		assert_int_equal(u[n - 1].ts, t);
		struct model *km = &k[key - 1000];
		km->n++;
		km->last = t;
		if (m.old)
			rebuilds_seen++;
		/* every key of the old table is accounted for once: copied, moved
		 * or dropped (re-adding a key the copy dropped counted it twice) */
		assert_true(m.old_left <= (m.old ? m.old_mask + 1 - m.migrated : 0));
		if (i % 997 == 0)
			for (int j = 0; j < 64; j++) {
				uint64_t probe = 1000 + (uint64_t)(rand() % KEYS);
				check_key(&m, probe, &k[probe - 1000], t - window);
			}
	}
	assert_true(rebuilds_seen > 0); /* the copies did run while adding */
	for (uint64_t key = 1000; key < 1000 + KEYS; key++)
		check_key(&m, key, &k[key - 1000], t - window);
	/* memory follows the window: far fewer keys than were ever used */
	assert_true(m.count + (m.old ? m.old_mask + 1 : 0) < 4 * KEYS);
	ox_uses_release(&m);
	free(k);
}

/* A key unknown to both tables, and key 0 (stored as 1). */
static void test_absent_and_zero(void **state)
{
	(void)state;
	struct ox_uses m;
	ox_uses_init(&m);
	size_t n = 5;
	assert_null(ox_uses_get(&m, 42, &n));
	assert_int_equal(n, 0);
	struct ox_use use = { .ts = 10, .customer = 7, .order = 8 };
	ox_uses_add(&m, 0, use, 0, &n);
	assert_non_null(ox_uses_get(&m, 1, &n));
	assert_int_equal(n, 1);
	assert_null(ox_uses_get(&m, 42, &n));
	ox_uses_release(&m);
}

/* Released in the middle of a copy: each uses array freed once (ASan). */
static void test_release_mid_copy(void **state)
{
	(void)state;
	struct ox_uses m;
	ox_uses_init(&m);
	size_t n;
	int i = 0;
	for (bool copying = false; !copying || i % 7; i++) {
		struct ox_use use = { .ts = i, .customer = (uint32_t)i, .order = 1 };
		ox_uses_add(&m, 1 + (uint64_t)(i % 3000), use, 0, &n); /* many keys with arrays */
		copying = copying || (m.old && m.migrated > 0);
	}
	assert_non_null(m.old);
	ox_uses_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebuilds_keep_the_window),
		cmocka_unit_test(test_absent_and_zero),
		cmocka_unit_test(test_release_mid_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
