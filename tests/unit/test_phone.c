/* test_phone.c - CUS_PHONE_INVALID: validity, normalization, masking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "phone.h"

static bool valid(const char *s)
{
	return ox_phone_valid(ox_str_z(s));
}

static void norm_eq(const char *in, const char *want)
{
	char buf[64];
	size_t n = ox_phone_normalize(ox_str_z(in), buf, sizeof buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void mask_eq(const char *in, const char *want)
{
	char buf[64];
	size_t n = ox_phone_mask(ox_str_z(in), buf, sizeof buf);
	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_mobile(void **state)
{
	(void)state;
	assert_true(valid("13812345678"));
	assert_true(valid("19912345678"));
	assert_false(valid("12812345678")); /* second digit 3-9 */
	assert_false(valid("10812345678"));
	assert_false(valid("1381234567"));  /* 10 digits */
	assert_false(valid("138123456789")); /* 12 digits */
	assert_false(valid("23812345678"));
	assert_false(valid("2381234567"));
	assert_false(valid("138-1234-5678"));
}

static void test_prefixes(void **state)
{
	(void)state;
	assert_true(valid("+86 139 1234 5678"));
	assert_true(valid("+8613912345678"));
	assert_true(valid("+86-13912345678"));
	assert_true(valid("0086-13912345678"));
	assert_true(valid("008613912345678"));
	assert_true(valid("8613812345678"));
	assert_true(valid("86 138 1234 5678"));
	assert_true(valid("+86 010-62345678"));
	assert_true(valid("86-010-62345678"));
	/* Only one prefix and one '-'. */
	assert_false(valid("+86--13912345678"));
	assert_false(valid("+86+8613912345678"));
	assert_false(valid("+86"));
	assert_false(valid("86"));
	assert_false(valid("86-"));
	/* Not a prefix: nothing national starts with 8 or 00 otherwise. */
	assert_false(valid("+8713912345678"));
	assert_false(valid("861381234567"));
	/* +86 with the trunk 0 dropped is not one of the spec's shapes. */
	assert_false(valid("+86 10 6234 5678"));
}

static void test_landline(void **state)
{
	(void)state;
	assert_true(valid("010-62345678"));
	assert_true(valid("01062345678"));      /* without the dash */
	assert_true(valid("0755-2345678"));     /* 4-digit area, 7 digits */
	assert_true(valid("075523456789"));     /* 4 + 8, no dash: 12 digits */
	assert_true(valid("010-6234567"));
	assert_true(valid("0106234567"));       /* 10 digits: shortest */
	assert_false(valid("010623456"));       /* 9 digits */
	assert_false(valid("0755234567890"));   /* 13 digits */
	assert_false(valid("010-623456"));      /* 6-digit number */
	assert_false(valid("010-623456789"));   /* 9-digit number */
	assert_false(valid("01-62345678"));     /* 1-digit area */
	assert_false(valid("07555-62345678"));  /* 4-digit area */
	assert_false(valid("10-62345678"));
	assert_false(valid("010--62345678"));
	assert_false(valid("-010-62345678"));
	assert_false(valid("(010)62345678"));
}

static void test_extension(void **state)
{
	(void)state;
	assert_true(valid("13812345678-1234"));
	assert_true(valid("13812345678-1"));
	assert_true(valid("13812345678-123456"));
	assert_false(valid("13812345678-1234567"));
	assert_false(valid("13812345678-"));
	assert_false(valid("13812345678-12-34"));
	assert_true(valid("010-62345678-12"));
	assert_true(valid("01062345678-12"));
	assert_true(valid("+86 138 1234 5678 - 1234"));
	assert_false(valid("010-62345678-1234567"));
	assert_false(valid("010-62345678-"));
}

static void test_bad_characters(void **state)
{
	(void)state;
	assert_false(valid(""));
	assert_false(valid("   \u3000"));
	assert_false(ox_phone_valid(OX_STR_NULL));
	/* Full-width and other non-ASCII digits are not \d. */
	assert_false(valid("１３８１２３４５６７８"));
	assert_false(valid("1381234567８"));
	assert_false(valid("١٣٨١٢٣٤٥٦٧٨"));
	assert_false(valid("1381234567a"));
	assert_false(valid("138.1234.5678"));
	assert_false(ox_phone_valid((struct ox_str){ "13812345678\0", 12 }));
	/* Any white space is removed, Unicode spaces too. */
	assert_true(valid("138\u30001234\u00a05678"));
	assert_true(valid("\t138 1234 5678\r\n"));
	/* 20 bytes is the longest valid phone; a cut is never taken for one. */
	assert_true(valid("0755-62345678-123456"));
	assert_false(valid("0755-62345678-123456\U0001F600"));
	assert_false(valid("0755-62345678-123456中"));
	assert_false(valid("0755-62345678-123456 7"));
	/* Long garbage is invalid, not a crash. */
	char buf[300];
	memset(buf, '1', sizeof buf - 1);
	buf[sizeof buf - 1] = '\0';
	assert_false(valid(buf));
}

static void test_normalize(void **state)
{
	(void)state;
	norm_eq("+86 139 1234 5678", "13912345678");
	norm_eq("0086-13912345678", "13912345678");
	norm_eq("8613812345678", "13812345678");
	norm_eq(" + 8 6 - 138 1234 5678 ", "13812345678");
	norm_eq("010-62345678", "010-62345678");
	norm_eq("13812345678-1234", "13812345678-1234");
	norm_eq("86", "");
	norm_eq("", "");
	norm_eq("８６１３８", "８６１３８"); /* not folded: stays invalid */
	norm_eq("+87 123", "+87123");
	/* Truncation keeps code points whole and reports the full length. */
	char small[4];
	assert_int_equal(ox_phone_normalize(ox_str_z("１３８"), small, sizeof small), 3);
	assert_string_equal(small, "１");
	assert_int_equal(ox_phone_normalize(ox_str_z("+8613812345678"), NULL, 0), 0);
}

static void test_mask(void **state)
{
	(void)state;
	mask_eq("13812345678", "138****5678");
	mask_eq("+86 138 1234 5678", "138****5678");
	mask_eq("13812345678-1234", "138****5678-1234");
	mask_eq("010-62345678", "010-****5678");
	mask_eq("0755-2345678", "075*-***5678"); /* digits, not parts */
	mask_eq("01062345678-12", "010****5678-12");
	mask_eq("abc-12", "***-**");
	mask_eq("１２３", "***");
	mask_eq("", "");
	char small[5];
	assert_int_equal(ox_phone_mask(ox_str_z("13812345678"), small, sizeof small), 4);
	assert_string_equal(small, "138*");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mobile),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_landline),
		cmocka_unit_test(test_extension),
		cmocka_unit_test(test_bad_characters),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_mask),
	};
	return cmocka_run_group_tests_name("phone", tests, NULL, NULL);
}
