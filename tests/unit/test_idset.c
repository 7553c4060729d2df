/* test_idset.c - the event-id set, across its incremental grows and as it
 * forgets old days. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "idset.h"

static size_t id(char buf[32], unsigned long n)
{
	return (size_t)snprintf(buf, 32, "ev-%lu", n);
}

/* Every id is new once and a duplicate ever after, before, during and after
 * each grow; ids never added are absent; the memory is the table's. */
static void test_grow_keeps_every_id(void **state)
{
	(void)state;
	struct ox_idset s;
	ox_idset_init(&s);
	char b[32];
	assert_false(ox_idset_has(&s, "x", 1));
	const unsigned long n = 300000;
	for (unsigned long i = 0; i < n; i++) {
		assert_true(ox_idset_add(&s, b, id(b, i)));
		assert_false(ox_idset_add(&s, b, id(b, i)));
		/* an early id, a recent one: found whichever table holds it */
		assert_false(ox_idset_add(&s, b, id(b, i / 2)));
		assert_true(ox_idset_has(&s, b, id(b, i / 3)));
		assert_false(ox_idset_has(&s, b, id(b, n + i)));
	}
	assert_int_equal(s.count, n);
	for (unsigned long i = 0; i < n; i++)
		assert_true(ox_idset_has(&s, b, id(b, i)));
	/* at most 3/4 full, and the old table long gone */
	assert_null(s.old);
	assert_true(s.count * 4 <= (s.mask + 1) * 3);
	assert_int_equal(ox_idset_bytes(&s), (s.mask + 1) * sizeof(struct ox_hash128) + 65536 * sizeof(uint32_t));
	ox_idset_release(&s);
	assert_int_equal(ox_idset_bytes(&s), 0);
}

/* Right after a grow both tables are live: ids of the old one that are not
 * copied yet are still found, and new ids are added once. */
static void test_during_migration(void **state)
{
	(void)state;
	struct ox_idset s;
	ox_idset_init(&s);
	char b[32];
	unsigned long i = 0;
	while (!s.old || s.mask < 4095)
		assert_true(ox_idset_add(&s, b, id(b, i++)));
	assert_non_null(s.old);
	assert_true(s.migrated < s.old_mask); /* the copy has just begun */
	for (unsigned long k = 0; k < i; k++)
		assert_true(ox_idset_has(&s, b, id(b, k)));
	size_t before = s.count;
	for (unsigned long k = 0; k < i; k++)
		assert_false(ox_idset_add(&s, b, id(b, k)));
	assert_int_equal(s.count, before);
	assert_true(ox_idset_bytes(&s) > (s.mask + 1) * sizeof(struct ox_hash128));
	ox_idset_release(&s);
}

/* 120 days of 5,000 ids a day, remembered 7 days: every id of the last 7
 * days is a duplicate, every older one is new again, and the table follows
 * the 7 days, not the 120. */
static void test_forgets_old_days(void **state)
{
	(void)state;
	struct ox_idset s;
	ox_idset_init(&s);
	char b[32];
	const unsigned long per_day = 5000, keep = 7, days = 120, first = 20000;
	size_t largest = 0;
	for (unsigned long d = first; d < first + days; d++) {
		ox_idset_set_day(&s, (uint32_t)d, (uint32_t)keep);
		for (unsigned long i = 0; i < per_day; i++)
			assert_true(ox_idset_add(&s, b, id(b, d * per_day + i)));
		if (s.mask + 1 > largest)
			largest = s.mask + 1;
		for (unsigned long back = 0; back < keep + 2 && back <= d - first; back++) {
			unsigned long probe = (d - back) * per_day + back * 7 % per_day;
			assert_int_equal(ox_idset_has(&s, b, id(b, probe)), back < keep);
		}
	}
	/* 35,000 remembered fill at most 3/8 of a copy's table: 131,072 slots */
	assert_true(largest <= 131072);
	/* a forgotten id comes back as new, today, and is remembered again */
	unsigned long old = (first + days - keep - 1) * per_day;
	assert_false(ox_idset_has(&s, b, id(b, old)));
	assert_true(ox_idset_add(&s, b, id(b, old)));
	assert_false(ox_idset_add(&s, b, id(b, old)));
	ox_idset_set_day(&s, (uint32_t)(first + days - 1 + keep - 1), (uint32_t)keep);
	assert_true(ox_idset_has(&s, b, id(b, old)));
	ox_idset_set_day(&s, (uint32_t)(first + days - 1 + keep), (uint32_t)keep);
	assert_false(ox_idset_has(&s, b, id(b, old)));
	/* keep 0 remembers all again (a retention made longer brings the ids
	 * not yet left behind by a copy back) */
	ox_idset_set_day(&s, (uint32_t)(first + days + keep), 0);
	assert_true(ox_idset_has(&s, b, id(b, old)));
	ox_idset_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_every_id),
		cmocka_unit_test(test_during_migration),
		cmocka_unit_test(test_forgets_old_days),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
