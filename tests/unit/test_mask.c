/* test_mask.c - personal data masking (src/mask.c): phones, names, address
 * details and phones in free text, with malformed UTF-8, empty and very
 * long inputs. Every output is checked to be valid UTF-8. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"

typedef int (*mask_fn)(const char *, size_t, struct ox_buf *);

/* Strict UTF-8 (as mask.c's decoder, written again here on purpose). */
static bool utf8_valid(const char *z, size_t n)
{
	const unsigned char *s = (const unsigned char *)z;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k;
		uint32_t v, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 2, v = c & 0x1F, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 3, v = c & 0x0F, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 4, v = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i < k)
			return false;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			v = v << 6 | (s[i + j] & 0x3F);
		}
		if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
			return false;
		i += k;
	}
	return true;
}

/* Mask (s, n) after a prefix already in the buffer; the prefix must stay. */
static void check_n(mask_fn fn, const char *s, size_t n, const char *want)
{
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	ox_buf_addz(&b, "<");
	assert_int_equal(fn(s, n, &b), 0);
	assert_true(utf8_valid(b.data, b.len));
	if (strcmp(b.data + 1, want) != 0 || b.data[0] != '<') {
		fprintf(stderr, "input \"%.*s\": got \"%s\", want \"%s\"\n", (int)n, s, b.data + 1, want);
		fail();
	}
	ox_buf_release(&b);
}

static void check(mask_fn fn, const char *s, const char *want)
{
	check_n(fn, s, strlen(s), want);
}

/* ---- phones ---------------------------------------------------------------------------- */

static void test_phone_mobile(void **state)
{
	(void)state;
	check(ox_mask_phone, "13812345678", "138****5678");
	check(ox_mask_phone, "19912345678", "199****5678");
	check(ox_mask_phone, "+8613812345678", "+86138****5678");
	check(ox_mask_phone, "+86 13812345678", "+86 138****5678");
	check(ox_mask_phone, "+86 138-1234-5678", "+86 138-****-5678");
	check(ox_mask_phone, "86 13812345678", "86 138****5678");
	check(ox_mask_phone, "8613812345678", "86138****5678");
	check(ox_mask_phone, "0086 138 1234 5678", "0086 138 **** 5678");
	check(ox_mask_phone, "138 1234 5678", "138 **** 5678");
	check(ox_mask_phone, "138-1234-5678", "138-****-5678");
	check(ox_mask_phone, "+86-138-1234-5678", "+86-138-****-5678");
	check(ox_mask_phone, " 13812345678 ", " 138****5678 ");
}

static void test_phone_landline(void **state)
{
	(void)state;
	check(ox_mask_phone, "010-62345678", "010-******78");
	check(ox_mask_phone, "01062345678", "010******78");
	check(ox_mask_phone, "021 61234567", "021 ******67");
	check(ox_mask_phone, "0755-12345678", "0755-******78");
	check(ox_mask_phone, "0755 1234567", "0755 *****67");
	check(ox_mask_phone, "(0755) 8765 4321", "(0755) **** **21");
	check(ox_mask_phone, "+86 10 62345678", "+86 10 ******78");
	check(ox_mask_phone, "+86 755 12345678", "+86 755 ******78");
	check(ox_mask_phone, "+86 0755 12345678", "+86 0755 ******78");
	check(ox_mask_phone, "0086 21 61234567", "0086 21 ******67");
}

static void test_phone_other(void **state)
{
	(void)state;
	check(ox_mask_phone, "", "");
	check(ox_mask_phone, "1", "*");
	check(ox_mask_phone, "12", "1*");
	check(ox_mask_phone, "123", "1*3");
	check(ox_mask_phone, "12345", "1***5");
	check(ox_mask_phone, "1381234567", "1********7");            /* 10 digits: not a mobile */
	check(ox_mask_phone, "138123456789", "1**********9");        /* 12 */
	check(ox_mask_phone, "+1 415 555 0100", "+*************0");  /* foreign */
	check(ox_mask_phone, "13812345678-1234", "1**************4"); /* extension: masked whole */
	check(ox_mask_phone, "tel:13812345678", "t*************8");
	check(ox_mask_phone, "电话号码", "电**码");
	check(ox_mask_phone, "0123", "0**3");
	check(ox_mask_phone, "00000000000", "0*********0");
	check(ox_mask_phone, "++8613812345678", "+*************8");
	check(ox_mask_phone, "138\n12345678", "1**********8");
	/* bad bytes count as characters and are never copied */
	check_n(ox_mask_phone, "\xff" "1381234567\xfe", 12, "************");
	check_n(ox_mask_phone, "\xe5\x90", 2, "**");            /* a cut character: two bad bytes */
	check_n(ox_mask_phone, "a\xc0\x80z", 4, "a**z");        /* overlong NUL */
	check_n(ox_mask_phone, "\xed\xa0\x80xx", 5, "****x");   /* a UTF-8 surrogate: 3 bad bytes */
	check_n(ox_mask_phone, "138\0" "12345678", 12, "1**********8");
}

/* ---- names -------------------------------------------------------------------------------- */

static void test_name(void **state)
{
	(void)state;
	check(ox_mask_name, "", "");
	check(ox_mask_name, "张", "张");
	check(ox_mask_name, "张三", "张*");
	check(ox_mask_name, "李小明", "李**");
	check(ox_mask_name, "欧阳娜娜", "欧***");
	check(ox_mask_name, "阿沛·阿旺晋美", "阿******");
	check(ox_mask_name, "张 三", "张 *");                /* a CJK word's first character stays hidden */
	check(ox_mask_name, "John Smith", "J*** S****");
	check(ox_mask_name, "John  Smith", "J***  S****");
	check(ox_mask_name, "Mary-Jane Watson", "M******** W*****");
	check(ox_mask_name, "J", "J");
	check(ox_mask_name, " John", " J***");
	check(ox_mask_name, "王　小明", "王　**");            /* U+3000 kept */
	check(ox_mask_name, "José García", "J*** G*****");
	check(ox_mask_name, "Ölaf Ärger", "Ö*** *****");     /* non-ASCII initials of later words hidden */
	check(ox_mask_name, "李 Lee", "李 L**");
	check(ox_mask_name, "😀abc", "😀***");
	check_n(ox_mask_name, "\xff张三", 7, "***");
	check_n(ox_mask_name, "张\xe4\xb8", 5, "张**");
	check_n(ox_mask_name, "\x01" "abc", 4, "****");
	check_n(ox_mask_name, "a\0b", 3, "a**");
	check(ox_mask_name, "\xc2\x85" "abc", "****"); /* a C1 control is hidden too */
}

/* ---- address detail ------------------------------------------------------------------------- */

static void test_address_detail(void **state)
{
	(void)state;
	check(ox_mask_address_detail, "", "");
	check(ox_mask_address_detail, "科技园路1号腾讯大厦3楼", "****");
	check(ox_mask_address_detail, "x", "****");
	check_n(ox_mask_address_detail, "\xff\xfe", 2, "****");
	check(ox_mask_address_detail, "   ", "****");
}

/* ---- free text ------------------------------------------------------------------------------ */

static void test_text(void **state)
{
	(void)state;
	check(ox_mask_text, "", "");
	check(ox_mask_text, "no digits at all", "no digits at all");
	check(ox_mask_text, "13812345678", "138****5678");
	check(ox_mask_text, "客户13812345678来电", "客户138****5678来电");
	check(ox_mask_text, "电话: 13812345678, 备用 15900001111。", "电话: 138****5678, 备用 159****1111。");
	check(ox_mask_text, "+8613812345678", "+86138****5678");
	check(ox_mask_text, "008613812345678", "0086138****5678");
	check(ox_mask_text, "+86 138 1234 5678", "+86 138 **** 5678");
	check(ox_mask_text, "138-1234-5678.", "138-****-5678.");
	check(ox_mask_text, "138 1234-5678", "138 1234-5678");          /* separators must match */
	check(ox_mask_text, "138 1234 56789", "138 1234 56789");        /* the last group is longer */
	check(ox_mask_text, "１３８１２３４５６７８", "１３８****５６７８"); /* full-width digits */
	check(ox_mask_text, "order 123456789012 paid", "order 123456789012 paid"); /* 12 digits */
	check(ox_mask_text, "a 138123456789 b", "a 138123456789 b");    /* longer run */
	check(ox_mask_text, "1381234567", "1381234567");                /* 10 digits */
	check(ox_mask_text, "23812345678", "23812345678");              /* not starting with 1 */
	check(ox_mask_text, "ts 1731312000000", "ts 1731312000000");    /* 13 digits, not 86 */
	check(ox_mask_text, "x13812345678y13912345678z", "x138****5678y139****5678z");
	check(ox_mask_text, "13812345678\n13812345678", "138****5678\n138****5678");
	check(ox_mask_text, "金额119.80元", "金额119.80元");
	/* malformed UTF-8 becomes U+FFFD; digits around it still count */
	check_n(ox_mask_text, "\xff" "13812345678\xfe", 13, "\xEF\xBF\xBD" "138****5678\xEF\xBF\xBD");
	check_n(ox_mask_text, "abc\xe5\x90", 5, "abc\xEF\xBF\xBD\xEF\xBF\xBD");
	check_n(ox_mask_text, "\xf4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	check_n(ox_mask_text, "\xef\xbc", 2, "\xEF\xBF\xBD\xEF\xBF\xBD"); /* a cut full-width digit */
}

/* A NUL inside the text is copied like any character. */
static void test_text_nul(void **state)
{
	(void)state;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_mask_text("a\0" "13812345678", 13, &b), 0);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.data, "a\0" "138****5678", 13);
	ox_buf_release(&b);
}

/* ---- long inputs and the buffer maximum ------------------------------------------------------------ */

static void test_long(void **state)
{
	(void)state;
	size_t n = 1u << 20;
	char *s = malloc(n);
	/* "张" then "13812345678 " repeated: 12 bytes per phone */
	memcpy(s, "\xe5\xbc\xa0", 3);
	for (size_t i = 3; i + 12 <= n; i += 12)
		memcpy(s + i, "13812345678 ", 12);
	size_t used = 3 + (n - 3) / 12 * 12;
	struct ox_buf b;
	ox_buf_init(&b, SIZE_MAX);
	assert_int_equal(ox_mask_text(s, used, &b), 0);
	assert_int_equal(b.len, used);
	assert_true(utf8_valid(b.data, b.len));
	assert_memory_equal(b.data + 3, "138****5678 138****5678 ", 24);
	assert_null(strstr(b.data, "1234"));

	ox_buf_reset(&b);
	assert_int_equal(ox_mask_name(s, used, &b), 0);
	assert_int_equal(b.len, 3 + (used - 3)); /* 张 and one '*' per ASCII character */
	ox_buf_reset(&b);
	assert_int_equal(ox_mask_phone(s, used, &b), 0);
	assert_int_equal(b.len, used); /* not a phone: 张 and the last space kept, the rest '*' */
	assert_memory_equal(b.data, "\xe5\xbc\xa0**", 5);
	assert_true(utf8_valid(b.data, b.len));
	ox_buf_reset(&b);
	assert_int_equal(ox_mask_address_detail(s, used, &b), 0);
	assert_string_equal(b.data, "****");

	/* a run of a million digits is copied, never masked */
	memset(s, '1', n);
	ox_buf_reset(&b);
	assert_int_equal(ox_mask_text(s, n, &b), 0);
	assert_int_equal(b.len, n);
	assert_null(memchr(b.data, '*', b.len));
	/* random bytes: always valid UTF-8 out */
	srand(7);
	for (int round = 0; round < 50; round++) {
		size_t m = (size_t)(rand() % 200);
		for (size_t i = 0; i < m; i++)
			s[i] = (char)(rand() % 4 == 0 ? '0' + rand() % 10 : rand() % 256);
		mask_fn fns[] = { ox_mask_phone, ox_mask_name, ox_mask_address_detail, ox_mask_text };
		for (size_t f = 0; f < 4; f++) {
			ox_buf_reset(&b);
			assert_int_equal(fns[f](s, m, &b), 0);
			assert_true(utf8_valid(b.data ? b.data : "", b.len));
		}
	}
	ox_buf_release(&b);
	free(s);
}

static void test_buffer_max(void **state)
{
	(void)state;
	mask_fn fns[] = { ox_mask_phone, ox_mask_name, ox_mask_address_detail, ox_mask_text };
	const char *in = "客户张三13812345678";
	for (size_t f = 0; f < 4; f++) {
		struct ox_buf b;
		ox_buf_init(&b, 5);
		ox_buf_addz(&b, "ab");
		assert_int_equal(fns[f](in, strlen(in), &b), -1);
		assert_int_equal(b.len, 2);
		assert_string_equal(b.data, "ab");
		ox_buf_release(&b);
	}
	/* an exact fit succeeds */
	struct ox_buf b;
	ox_buf_init(&b, 11);
	assert_int_equal(ox_mask_phone("13812345678", 11, &b), 0);
	assert_string_equal(b.data, "138****5678");
	ox_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_phone_mobile),
		cmocka_unit_test(test_phone_landline),
		cmocka_unit_test(test_phone_other),
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_address_detail),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_nul),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_buffer_max),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
