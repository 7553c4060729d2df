/* test_util.c - the growable buffer (src/util.c): numbers and JSON strings
 * written without printf, room made ahead, the hard maximum. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"
#include "util.h"

static void test_add_int_as_printf(void **state)
{
	(void)state;
	static const int64_t values[] = { 0, 1, -1, 9, 10, -10, 1794326401123, INT64_MAX, INT64_MIN, INT64_MIN + 1 };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct ox_buf b;
		ox_buf_init(&b, SIZE_MAX);
		ox_buf_addz(&b, "n=");
		assert_int_equal(ox_buf_add_int(&b, values[i]), 0);
		char want[32];
		snprintf(want, sizeof want, "n=%" PRId64, values[i]);
		assert_string_equal(b.data, want);
		assert_int_equal(b.len, strlen(want));
		ox_buf_release(&b);
	}
}

static void test_add_int_over_max(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, 4);
	ox_buf_addz(&b, "ab");
	assert_int_equal(ox_buf_add_int(&b, 123), -1); /* 5 bytes */
	assert_string_equal(b.data, "ab");                /* unchanged */
	assert_int_equal(ox_buf_add_int(&b, -7), 0);
	assert_string_equal(b.data, "ab-7");
	ox_buf_release(&b);
}

static void test_reserve_makes_room(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_buf_reserve(&b, 500), 0);
	assert_true(b.cap >= 501);
	const char *data = b.data;
	for (int i = 0; i < 50; i++)
		ox_buf_addz(&b, "0123456789");
	assert_ptr_equal(b.data, data); /* no allocation for what fits */
	assert_int_equal(b.len, 500);
	ox_buf_reset(&b);
	assert_ptr_equal(b.data, data);
	assert_string_equal(b.data, "");
	ox_buf_release(&b);

	ox_buf_init(&b, 10);
	assert_int_equal(ox_buf_reserve(&b, 11), -1);
	assert_null(b.data);
	ox_buf_release(&b);
}

static void test_time_json(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_time_json(&b, INT64_C(1794326401123));
	ox_buf_addz(&b, ",");
	ox_time_json(&b, OX_TIME_NONE);
	assert_string_equal(b.data, "\"2026-11-11T00:00:01.123+08:00\",null");
	ox_buf_release(&b);

	ox_buf_init(&b, 20); /* the 31 bytes do not fit: nothing written */
	assert_int_equal(ox_time_json(&b, 0), -1);
	assert_int_equal(b.len, 0);
	ox_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_int_as_printf),
		cmocka_unit_test(test_add_int_over_max),
		cmocka_unit_test(test_reserve_makes_room),
		cmocka_unit_test(test_time_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
