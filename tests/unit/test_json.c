/* test_json.c - the strict JSON tokenizer (src/json.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static struct ox_json P;

static int setup(void **state)
{
	(void)state;
	ox_json_init(&P, 32);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ox_json_release(&P);
	return 0;
}

static void parse_ok(const char *s)
{
	if (ox_json_parse(&P, s, strlen(s)) != 0)
		fail_msg("rejected %s: %s at column %zu", s, P.err, P.err_col);
}

/* Expect a failure with this message at this column. */
static void parse_bad_n(const char *s, size_t n, const char *err, size_t col)
{
	if (ox_json_parse(&P, s, n) == 0)
		fail_msg("accepted %s", s);
	assert_string_equal(P.err, err);
	assert_int_equal(P.err_col, col);
}

static void parse_bad(const char *s, const char *err, size_t col)
{
	parse_bad_n(s, strlen(s), err, col);
}

static void assert_str_tok(size_t i, const char *want, size_t want_len)
{
	assert_int_equal(P.toks[i].type, OX_JSON_STRING);
	assert_int_equal(P.toks[i].len, want_len);
	assert_memory_equal(P.toks[i].s, want, want_len);
}

static void test_scalars(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum ox_json_type type;
		unsigned flags;
	} cases[] = {
		{ "null", OX_JSON_NULL, 0 },	     { "true", OX_JSON_TRUE, 0 },
		{ "false", OX_JSON_FALSE, 0 },	     { "0", OX_JSON_NUMBER, OX_JSON_F_INT },
		{ "-0", OX_JSON_NUMBER, OX_JSON_F_INT }, { "123", OX_JSON_NUMBER, OX_JSON_F_INT },
		{ "-5", OX_JSON_NUMBER, OX_JSON_F_INT }, { "5.0", OX_JSON_NUMBER, 0 },
		{ "5e0", OX_JSON_NUMBER, 0 },	     { "-1.5E+10", OX_JSON_NUMBER, 0 },
		{ "0.001e-3", OX_JSON_NUMBER, 0 },   { "\"\"", OX_JSON_STRING, 0 },
		{ " \t\r\n 7 \r\n", OX_JSON_NUMBER, OX_JSON_F_INT },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		parse_ok(cases[i].in);
		assert_int_equal(P.n, 1);
		assert_int_equal(P.toks[0].type, cases[i].type);
		assert_int_equal(P.toks[0].flags, cases[i].flags);
		assert_int_equal(P.toks[0].end, 1);
	}
	parse_ok("-1.5E+10");
	assert_int_equal(P.toks[0].len, 8);
	assert_memory_equal(P.toks[0].s, "-1.5E+10", 8);
}

static void test_structure(void **state)
{
	(void)state;
	const char *s = "{\"a\":[1,{\"b\":null},[]],\"c\":{},\"d\":\"x\"}";
	parse_ok(s);
	/* 0 {  1 "a"  2 [  3 1  4 {  5 "b"  6 null  7 []  8 "c"  9 {}  10 "d"  11 "x" */
	assert_int_equal(P.n, 12);
	assert_int_equal(P.toks[0].type, OX_JSON_OBJECT);
	assert_int_equal(P.toks[0].size, 3);
	assert_int_equal(P.toks[0].end, 12);
	assert_int_equal(P.toks[0].len, strlen(s));
	assert_str_tok(1, "a", 1);
	assert_int_equal(P.toks[2].type, OX_JSON_ARRAY);
	assert_int_equal(P.toks[2].size, 3);
	assert_int_equal(P.toks[2].end, 8);
	assert_int_equal(P.toks[4].type, OX_JSON_OBJECT);
	assert_int_equal(P.toks[4].end, 7);
	assert_int_equal(P.toks[4].len, strlen("{\"b\":null}"));
	assert_int_equal(P.toks[7].size, 0);
	assert_int_equal(P.toks[9].type, OX_JSON_OBJECT);
	assert_int_equal(P.toks[9].size, 0);
	assert_str_tok(11, "x", 1);
	/* Unescaped strings point into the input. */
	assert_ptr_equal(P.toks[11].s, s + strlen(s) - 3);
	assert_int_equal(P.toks[11].flags, 0);
}

static void test_whitespace_everywhere(void **state)
{
	(void)state;
	parse_ok(" { \"a\" : [ 1 , 2 ] , \"b\" : { } } ");
	assert_int_equal(P.n, 7);
	assert_int_equal(P.toks[0].size, 2);
}

static void test_escapes(void **state)
{
	(void)state;
	parse_ok("\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
	assert_true(P.toks[0].flags & OX_JSON_F_ESC);
	assert_str_tok(0, "a\"b\\c/d\be\ff\ng\rh\ti", 17);
	assert_int_equal(P.toks[0].s[P.toks[0].len], '\0');

	parse_ok("\"\\u0041\\u00e9\\u4E2D\\u20ac\"");
	assert_str_tok(0, "A\xC3\xA9\xE4\xB8\xAD\xE2\x82\xAC", 9);
	assert_false(P.toks[0].flags & OX_JSON_F_NUL);

	/* Escapes in keys are decoded too. */
	parse_ok("{\"\\u0069d\":1}");
	assert_str_tok(1, "id", 2);
}

static void test_surrogate_pairs(void **state)
{
	(void)state;
	parse_ok("\"\\ud83d\\ude00 ok\"");
	assert_str_tok(0, "\xF0\x9F\x98\x80 ok", 7);
	parse_ok("\"\\uD800\\uDC00\\uDBFF\\uDFFF\"");
	assert_str_tok(0, "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", 8);
	/* The same characters written raw. */
	parse_ok("\"\xF0\x9F\x98\x80\"");
	assert_str_tok(0, "\xF0\x9F\x98\x80", 4);
}

static void test_nul_escape_flagged(void **state)
{
	(void)state;
	parse_ok("\"a\\u0000b\"");
	assert_true(P.toks[0].flags & OX_JSON_F_NUL);
	assert_int_equal(P.toks[0].len, 3);
	assert_memory_equal(P.toks[0].s, "a\0b", 3);
}

static void test_utf8_accepted(void **state)
{
	(void)state;
	/* 2-, 3- and 4-byte forms at the edges of Unicode Table 3-7. */
	parse_ok("\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF"
		 "\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"");
	parse_ok("\"浙江省杭州市西湖区文三路100号\"");
}

static void test_utf8_rejected(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\"\xC4\xE3\xBA\xC3\"",	    /* GBK "你好" */
		"\"\xC0\xAF\"",		    /* overlong '/' */
		"\"\xC1\xBF\"",		    /* overlong */
		"\"\xE0\x80\xAF\"",	    /* overlong 3-byte */
		"\"\xF0\x80\x80\xAF\"",	    /* overlong 4-byte */
		"\"\xED\xA0\x80\"",	    /* U+D800 encoded in UTF-8 */
		"\"\xED\xBF\xBF\"",	    /* U+DFFF encoded in UTF-8 */
		"\"\xF4\x90\x80\x80\"",	    /* U+110000 */
		"\"\xF5\x80\x80\x80\"",	    /* lead byte F5 */
		"\"\xFF\"",		    /* never valid */
		"\"\x80\"",		    /* stray continuation */
		"\"\xE4\xB8\"",		    /* truncated before the quote */
		"\"\xE4\x41\xAD\"",	    /* bad continuation */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		parse_bad(bad[i], "invalid UTF-8", 2);
	/* Truncated at the very end of the input. */
	parse_bad_n("\"\xE4\xB8", 3, "invalid UTF-8", 2);
	/* After escapes, the slow path validates the same way. */
	parse_bad("\"\\n\xC4\xE3\"", "invalid UTF-8", 4);
}

static void test_control_characters(void **state)
{
	(void)state;
	parse_bad("\"a\tb\"", "control character in string", 3);
	parse_bad("\"a\nb\"", "control character in string", 3);
	parse_bad("\"\\n\x01\"", "control character in string", 4);
	parse_bad_n("\"a\0b\"", 5, "control character in string", 3);
	/* DEL is not a control character in JSON. */
	parse_ok("\"\x7F\"");
}

/* Every position of a special byte in strings of every length around the
 * 8-byte fast path: the scan must stop exactly there. */
static void test_scan_positions(void **state)
{
	(void)state;
	char buf[64];
	for (size_t len = 0; len < 40; len++) {
		memset(buf, 'x', sizeof buf);
		buf[0] = '"';
		buf[len + 1] = '"';
		if (ox_json_parse(&P, buf, len + 2) != 0)
			fail_msg("length %zu: %s", len, P.err);
		assert_int_equal(P.toks[0].len, len);
		for (size_t at = 0; at < len; at++) {
			static const char specials[] = { '\x1f', '\\', '\x80' };
			for (size_t k = 0; k < sizeof specials; k++) {
				buf[at + 1] = specials[k];
				assert_int_equal(ox_json_parse(&P, buf, len + 2), -1);
				/* A backslash last escapes the closing quote. */
				if (specials[k] == '\\' && at == len - 1)
					assert_int_equal(P.err_col, 1);
				else
					assert_int_equal(P.err_col, at + 2);
				buf[at + 1] = 'x';
			}
			buf[at + 1] = '"'; /* an early end: trailing data */
			assert_int_equal(ox_json_parse(&P, buf, len + 2), -1);
			assert_string_equal(P.err, "unexpected data after the value");
			assert_int_equal(P.err_col, at + 3);
			buf[at + 1] = 'x';
		}
	}
}

static void test_bad_escapes(void **state)
{
	(void)state;
	parse_bad("\"\\x\"", "invalid escape", 2);
	parse_bad("\"\\'\"", "invalid escape", 2);
	parse_bad("\"\\u12\"", "invalid \\u escape", 2);
	parse_bad("\"\\u12G4\"", "invalid \\u escape", 2);
	parse_bad("\"ab\\ud83d\"", "lone surrogate escape", 4);
	parse_bad("\"\\ud83dx\"", "lone surrogate escape", 2);
	parse_bad("\"\\ud83d\\u0041\"", "lone surrogate escape", 2);
	parse_bad("\"\\ud83d\\ud83d\"", "lone surrogate escape", 2);
	parse_bad("\"\\ude00\"", "lone surrogate escape", 2);
	parse_bad("\"\\", "unterminated string", 1);
	parse_bad("\"\\u", "invalid \\u escape", 2);
}

static void test_unterminated(void **state)
{
	(void)state;
	parse_bad("\"abc", "unterminated string", 1);
	parse_bad("{\"a\":\"0123456789abcdef", "unterminated string", 6);
	parse_bad("\"a\\nb", "unterminated string", 1);
}

static void test_numbers_rejected(void **state)
{
	(void)state;
	parse_bad("01", "leading zero in number", 1);
	parse_bad("-01", "leading zero in number", 2);
	parse_bad("-", "invalid number", 2);
	parse_bad("-a", "invalid number", 2);
	parse_bad("1.", "invalid number", 3);
	parse_bad("1.e5", "invalid number", 3);
	parse_bad("1e", "invalid number", 3);
	parse_bad("1e+", "invalid number", 4);
	parse_bad(".5", "expected a value", 1);
	parse_bad("+1", "expected a value", 1);
	parse_bad("0x10", "unexpected data after the value", 2);
	parse_bad("Infinity", "expected a value", 1);
	parse_bad("NaN", "expected a value", 1);
}

static void test_grammar_rejected(void **state)
{
	(void)state;
	parse_bad("", "unexpected end of input", 1);
	parse_bad("   ", "unexpected end of input", 4);
	parse_bad("not json", "expected a value", 1);
	parse_bad("tru", "expected a value", 1);
	parse_bad("nul", "expected a value", 1);
	parse_bad("True", "expected a value", 1);
	parse_bad("{\"a\":1} x", "unexpected data after the value", 9);
	parse_bad("{\"a\":1}{}", "unexpected data after the value", 8);
	parse_bad("{\"a\" 1}", "expected ':'", 6);
	parse_bad("{\"a\":1 \"b\":2}", "expected ',' or '}'", 8);
	parse_bad("{\"a\":1,}", "expected a string key", 8);
	parse_bad("{,}", "expected a string key", 2);
	parse_bad("{a:1}", "expected a string key", 2);
	parse_bad("{'a':1}", "expected a string key", 2);
	parse_bad("[1,]", "expected a value", 4);
	parse_bad("[1 2]", "expected ',' or ']'", 4);
	parse_bad("[", "unexpected end of input", 2);
	parse_bad("{", "expected a string key", 2);
	parse_bad("{\"a\":", "unexpected end of input", 6);
	parse_bad("{\"a\":1", "expected ',' or '}'", 7);
	parse_bad("]", "expected a value", 1);
	parse_bad("\xEF\xBB\xBF{}", "expected a value", 1); /* a BOM */
	parse_bad_n("{\"a\":1}\x00", 8, "unexpected data after the value", 8);
	parse_bad("[1]\x0c", "unexpected data after the value", 4); /* form feed */
}

static void test_depth_limit(void **state)
{
	(void)state;
	char buf[200];
	size_t n = 0;
	for (int i = 0; i < 32; i++)
		buf[n++] = '[';
	for (int i = 0; i < 32; i++)
		buf[n++] = ']';
	assert_int_equal(ox_json_parse(&P, buf, n), 0);
	n = 0;
	for (int i = 0; i < 33; i++)
		buf[n++] = '[';
	for (int i = 0; i < 33; i++)
		buf[n++] = ']';
	parse_bad_n(buf, n, "nesting too deep", 33);
	/* Objects count the same. */
	n = 0;
	for (int i = 0; i < 33; i++)
		n += (size_t)sprintf(buf + n, "{\"a\":");
	parse_bad_n(buf, n, "nesting too deep", 1 + 32 * 5);
}

static void test_depth_clamped(void **state)
{
	(void)state;
	struct ox_json p;
	ox_json_init(&p, 0);
	assert_int_equal(p.max_depth, 1);
	assert_int_equal(ox_json_parse(&p, "[]", 2), 0);
	assert_int_equal(ox_json_parse(&p, "[[]]", 4), -1);
	ox_json_release(&p);
	ox_json_init(&p, 1u << 30);
	assert_int_equal(p.max_depth, OX_JSON_DEPTH_MAX);
	ox_json_release(&p);
}

/* The parser is reused: big, then small, then big again; the token array
 * and the arena grow and stay consistent. */
static void test_reuse_and_growth(void **state)
{
	(void)state;
	size_t n = 20000;
	char *big = malloc(n * 10 + 16), *o = big;
	*o++ = '[';
	for (size_t i = 0; i < n; i++)
		o += sprintf(o, "%s\"\\u%04zx\"", i ? "," : "", 0x4e00 + i % 100);
	*o++ = ']';
	assert_int_equal(ox_json_parse(&P, big, (size_t)(o - big)), 0);
	assert_int_equal(P.n, n + 1);
	assert_int_equal(P.toks[0].size, n);
	assert_str_tok(n, "\xE4\xB9\xA3", 3); /* U+4E63 */
	parse_ok("[\"\\n\"]");
	assert_int_equal(P.n, 2);
	assert_str_tok(1, "\n", 1);
	assert_int_equal(ox_json_parse(&P, big, (size_t)(o - big)), 0);
	assert_int_equal(P.n, n + 1);
	free(big);
}

static void test_error_cleared(void **state)
{
	(void)state;
	parse_bad("[", "unexpected end of input", 2);
	parse_ok("[]");
	assert_null(P.err);
	assert_int_equal(P.err_col, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_whitespace_everywhere),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_surrogate_pairs),
		cmocka_unit_test(test_nul_escape_flagged),
		cmocka_unit_test(test_utf8_accepted),
		cmocka_unit_test(test_utf8_rejected),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_scan_positions),
		cmocka_unit_test(test_bad_escapes),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_numbers_rejected),
		cmocka_unit_test(test_grammar_rejected),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_depth_clamped),
		cmocka_unit_test(test_reuse_and_growth),
		cmocka_unit_test(test_error_cleared),
	};
	return cmocka_run_group_tests_name("json", tests, setup, teardown);
}
