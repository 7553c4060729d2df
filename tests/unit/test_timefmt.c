/* test_timefmt.c - RFC 3339 timestamps and durations (src/timefmt.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "timefmt.h"

static ox_time parse_ok(const char *s)
{
	ox_time t = 0;
	if (ox_time_parse(s, strlen(s), &t) != 0)
		fail_msg("rejected %s", s);
	return t;
}

static void parse_bad(const char *s)
{
	ox_time t = 42;
	if (ox_time_parse(s, strlen(s), &t) == 0)
		fail_msg("accepted %s", s);
	assert_int_equal(t, 42); /* untouched */
}

static void test_parse_known_instants(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t ms;
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1970-01-01T08:00:00+08:00", 0 },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "2026-11-11T00:00:01.123+08:00", INT64_C(1794326401123) },
		{ "2026-11-10T16:00:01.123Z", INT64_C(1794326401123) },
		{ "2026-11-10T16:00:01.123z", INT64_C(1794326401123) },
		{ "2026-11-10t16:00:01.123Z", INT64_C(1794326401123) },
		{ "2024-02-29T12:00:00Z", INT64_C(1709208000000) },
		{ "2000-02-29T00:00:00-05:30", INT64_C(951802200000) },
		{ "1900-03-01T00:00:00Z", INT64_C(-2203891200000) },
		{ "0000-01-01T00:00:00Z", INT64_C(-62167219200000) },
		{ "9999-12-31T23:59:59.999Z", INT64_C(253402300799999) },
		{ "2026-01-01T00:00:00-00:00", INT64_C(1767225600000) },
		{ "2026-01-01T00:00:00+23:59", INT64_C(1767225600000) - 1439 * OX_MS_MINUTE },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ox_time t = parse_ok(cases[i].s);
		if (t != cases[i].ms)
			fail_msg("%s: got %lld, want %lld", cases[i].s, (long long)t,
				 (long long)cases[i].ms);
	}
}

static void test_parse_fraction_digits(void **state)
{
	(void)state;
	ox_time base = parse_ok("2026-11-11T00:00:01Z");
	assert_int_equal(parse_ok("2026-11-11T00:00:01.1Z"), base + 100);
	assert_int_equal(parse_ok("2026-11-11T00:00:01.12Z"), base + 120);
	assert_int_equal(parse_ok("2026-11-11T00:00:01.123Z"), base + 123);
	assert_int_equal(parse_ok("2026-11-11T00:00:01.000+08:00"), base - 8 * OX_MS_HOUR);
	parse_bad("2026-11-11T00:00:01.1234Z");
	parse_bad("2026-11-11T00:00:01.1230Z");
	parse_bad("2026-11-11T00:00:01.123456789Z");
	parse_bad("2026-11-11T00:00:01.Z");
	parse_bad("2026-11-11T00:00:01,123Z");
}

static void test_parse_calendar(void **state)
{
	(void)state;
	parse_ok("2024-02-29T00:00:00Z"); /* divisible by 4 */
	parse_ok("2000-02-29T00:00:00Z"); /* divisible by 400 */
	parse_bad("2026-02-29T00:00:00Z");
	parse_bad("1900-02-29T00:00:00Z"); /* divisible by 100 */
	parse_bad("2024-02-30T00:00:00Z");
	parse_bad("2026-04-31T00:00:00Z");
	parse_bad("2026-06-31T00:00:00Z");
	parse_ok("2026-12-31T00:00:00Z");
	parse_bad("2026-12-32T00:00:00Z");
	parse_bad("2026-00-10T00:00:00Z");
	parse_bad("2026-13-10T00:00:00Z");
	parse_bad("2026-01-00T00:00:00Z");
	parse_ok("2026-01-01T23:59:59Z");
	parse_bad("2026-01-01T24:00:00Z");
	parse_bad("2026-01-01T23:60:00Z");
	parse_bad("2026-01-01T23:59:60Z"); /* leap seconds are not accepted */
}

static void test_parse_offsets(void **state)
{
	(void)state;
	ox_time utc = parse_ok("2026-11-11T02:00:00Z");
	assert_int_equal(parse_ok("2026-11-11T10:00:00+08:00"), utc);
	assert_int_equal(parse_ok("2026-11-10T21:00:00-05:00"), utc);
	assert_int_equal(parse_ok("2026-11-11T07:45:00+05:45"), utc);
	parse_bad("2026-11-11T02:00:00");	/* no offset */
	parse_bad("2026-11-11T02:00:00+08");	/* short offset */
	parse_bad("2026-11-11T02:00:00+0800");	/* basic format */
	parse_bad("2026-11-11T02:00:00+24:00");
	parse_bad("2026-11-11T02:00:00+08:60");
	parse_bad("2026-11-11T02:00:00 +08:00");
	parse_bad("2026-11-11T02:00:00ZZ");
	parse_bad("2026-11-11T02:00:00Z ");
	parse_bad("2026-11-11T02:00:00UTC");
}

static void test_parse_syntax(void **state)
{
	(void)state;
	parse_bad("");
	parse_bad("yesterday");
	parse_bad("2026-11-11");
	parse_bad("2026-11-11 02:00:00Z"); /* RFC 3339 allows it only as a note */
	parse_bad("2026-1-11T02:00:00Z");
	parse_bad("26-11-11T02:00:00Z");
	parse_bad("+2026-11-11T02:00:00Z");
	parse_bad("2026/11/11T02:00:00Z");
	parse_bad("2026-11-11T2:00:00Z");
	parse_bad("2026-11-11T02:00Z");
	parse_bad("2026-11-11T02:00:0aZ");
	parse_bad("2026-11-11T02:00:00.-1Z");
	parse_bad("1794326401123");
}

static void test_format(void **state)
{
	(void)state;
	char buf[OX_TIME_BUFSZ];
	ox_time t = parse_ok("2026-11-11T10:16:00+08:00");
	assert_string_equal(ox_time_format(t, OX_TZ_CST, buf), "2026-11-11T10:16:00.000+08:00");
	assert_string_equal(ox_time_format(t, 0, buf), "2026-11-11T02:16:00.000Z");
	assert_string_equal(ox_time_format(t, -330, buf), "2026-11-10T20:46:00.000-05:30");
	assert_string_equal(ox_time_format(-1, 0, buf), "1969-12-31T23:59:59.999Z");
	assert_string_equal(ox_time_format(0, OX_TZ_CST, buf), "1970-01-01T08:00:00.000+08:00");
	assert_string_equal(ox_time_format(INT64_C(1709208000007), 0, buf),
			    "2024-02-29T12:00:00.007Z");
	assert_string_equal(ox_time_format(INT64_C(-62167219200000), 0, buf),
			    "0000-01-01T00:00:00.000Z");
	assert_string_equal(ox_time_format(INT64_C(253402300799999), 0, buf),
			    "9999-12-31T23:59:59.999Z");
	/* Outside what four-digit years can say. */
	assert_string_equal(ox_time_format(OX_TIME_NONE, OX_TZ_CST, buf), "-");
	assert_string_equal(ox_time_format(OX_TIME_MAX, OX_TZ_CST, buf), "-");
	assert_string_equal(ox_time_format(INT64_C(253402300799999), OX_TZ_CST, buf), "-");
	assert_string_equal(ox_time_format(INT64_C(-62167219200000), -60, buf), "-");
	/* Nonsense offsets fall back to UTC. */
	assert_string_equal(ox_time_format(0, 5000, buf), "1970-01-01T00:00:00.000Z");
}

/* Every day of 1999..2001 and 2099..2101 round-trips through the formatter
 * and the parser, in three offsets. */
static void test_round_trip(void **state)
{
	(void)state;
	static const int offsets[] = { 0, OX_TZ_CST, -600 };
	static const int64_t starts[] = { INT64_C(915148800000), INT64_C(4070908800000) };
	char buf[OX_TIME_BUFSZ];
	for (size_t s = 0; s < 2; s++) {
		for (int64_t day = 0; day < 3 * 366; day++) {
			ox_time t = starts[s] + day * OX_MS_DAY + day * 7919 % OX_MS_DAY;
			for (size_t o = 0; o < 3; o++) {
				ox_time back = 0;
				ox_time_format(t, offsets[o], buf);
				assert_int_equal(ox_time_parse(buf, strlen(buf), &back), 0);
				assert_int_equal(back, t);
			}
		}
	}
}

static void test_duration_parse(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = {
		{ "90s", 90 * OX_MS_SECOND },  { "15m", 15 * OX_MS_MINUTE },
		{ "72h", 72 * OX_MS_HOUR },    { "2d", 2 * OX_MS_DAY },
		{ "500ms", 500 },	       { "1h30m", 90 * OX_MS_MINUTE },
		{ "0", 0 },		       { "0s", 0 },
		{ "1d2h3m4s5ms", OX_MS_DAY + 2 * OX_MS_HOUR + 3 * OX_MS_MINUTE + 4005 },
		{ "1m500ms", 60500 },	       { "100000h", 100000 * OX_MS_HOUR },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t ms = -1;
		if (ox_duration_parse(ok[i].s, strlen(ok[i].s), &ms) != 0)
			fail_msg("rejected %s", ok[i].s);
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = {
		"", "h", "1", "10", "1x", "30m1h", "1m1m", "1ms1s", "-1s", "+1s", "1.5h",
		"1 h", " 1h", "1h ", "1H", "99999999999999999999h", "9223372036854775807d",
		"1hm",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 42;
		if (ox_duration_parse(bad[i], strlen(bad[i]), &ms) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, 42);
	}
}

static void test_duration_format(void **state)
{
	(void)state;
	static const struct {
		int64_t ms;
		const char *s;
	} cases[] = {
		{ 0, "0s" },
		{ 15 * OX_MS_MINUTE, "15m" },
		{ 72 * OX_MS_HOUR, "72h" },
		{ 2 * OX_MS_DAY, "48h" },
		{ 90 * OX_MS_MINUTE, "1h30m" },
		{ 90 * OX_MS_SECOND, "1m30s" },
		{ 500, "500ms" },
		{ 1500, "1s500ms" },
		{ -15 * OX_MS_MINUTE, "-15m" },
		{ INT64_MIN, "-2562047788015h12m55s808ms" },
		{ INT64_MAX, "2562047788015h12m55s807ms" },
	};
	char buf[OX_DUR_BUFSZ];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_string_equal(ox_duration_format(cases[i].ms, buf), cases[i].s);
		if (cases[i].ms >= 0) { /* the formatter's output parses back */
			int64_t back = -1;
			assert_int_equal(ox_duration_parse(buf, strlen(buf), &back), 0);
			assert_int_equal(back, cases[i].ms);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_known_instants),
		cmocka_unit_test(test_parse_fraction_digits),
		cmocka_unit_test(test_parse_calendar),
		cmocka_unit_test(test_parse_offsets),
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_duration_format),
	};
	return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
