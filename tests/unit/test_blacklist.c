/* test_blacklist.c - FRD_BLACKLIST entries: the file format, normalized
 * lookups, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "blacklist.h"

/* Write text to a fresh temporary file; its path in path[64]. */
static void write_file(char path[64], const char *text, size_t len)
{
	snprintf(path, 64, "/tmp/ox_test_bl_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Load text; the return code, the message in err. */
static int load_text(struct ox_blacklist *bl, const char *text, char *err, size_t errsz,
		     char path[64])
{
	write_file(path, text, strlen(text));
	err[0] = '\0';
	int rc = ox_blacklist_load(bl, path, err, errsz);
	unlink(path);
	return rc;
}

static bool has(const struct ox_blacklist *bl, enum ox_bl_kind k, const char *v)
{
	return ox_blacklist_has(bl, k, ox_str_z(v));
}

static void test_kind_names(void **state)
{
	(void)state;
	static const char *const names[] = { "customer", "phone", "device", "ip", "address" };
	for (size_t i = 0; i < OX_BL__KINDS; i++) {
		enum ox_bl_kind k;
		assert_string_equal(ox_bl_kind_name((enum ox_bl_kind)i), names[i]);
		assert_true(ox_bl_kind_parse(ox_str_z(names[i]), &k));
		assert_int_equal(k, i);
	}
	enum ox_bl_kind k;
	assert_false(ox_bl_kind_parse(ox_str_z("Phone"), &k));
	assert_false(ox_bl_kind_parse(ox_str_z("phones"), &k));
	assert_false(ox_bl_kind_parse(OX_STR_NULL, &k));
	assert_null(ox_bl_kind_name(OX_BL__KINDS));
}

static void test_load_and_lookup(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256], path[64];
	const char *text =
		"\xEF\xBB\xBF# ordex blacklist\n"
		"\n"
		"   \t\n"
		"  # indented comment\n"
		"customer C1001\n"
		"customer\t\t C 2002  \n"
		"phone +86 139 1234 5678\n"
		"phone 010-62345678\r\n"
		"device dev-abc\n"
		"ip 10.0.0.7\n"
		"address 上海市/市辖区/浦东新区/世纪大道 100号 Ａ座\n"
		"address 广东省/广州市/天河区/体育西路1号/2楼\n"
		"ip 10.0.0.7"; /* no final newline, and a duplicate */
	assert_int_equal(load_text(bl, text, err, sizeof err, path), 0);
	assert_string_equal(err, "");
	assert_int_equal(ox_blacklist_count(bl), 8);

	assert_true(has(bl, OX_BL_CUSTOMER, "C1001"));
	assert_true(has(bl, OX_BL_CUSTOMER, " C1001 "));
	assert_false(has(bl, OX_BL_CUSTOMER, "c1001"));
	assert_true(has(bl, OX_BL_CUSTOMER, "C 2002"));
	assert_false(has(bl, OX_BL_DEVICE, "C1001")); /* kinds are apart */
	assert_true(has(bl, OX_BL_DEVICE, "dev-abc"));
	assert_true(has(bl, OX_BL_IP, "10.0.0.7"));
	assert_false(has(bl, OX_BL_IP, "10.0.0.70"));
	assert_false(has(bl, OX_BL_IP, ""));

	/* Phones compare normalized. */
	assert_true(has(bl, OX_BL_PHONE, "13912345678"));
	assert_true(has(bl, OX_BL_PHONE, "0086-139 1234 5678"));
	assert_true(has(bl, OX_BL_PHONE, "8613912345678"));
	assert_false(has(bl, OX_BL_PHONE, "13912345679"));
	assert_true(has(bl, OX_BL_PHONE, "+86 010-62345678"));
	assert_false(has(bl, OX_BL_PHONE, "01062345678")); /* the dash is kept */
	assert_false(has(bl, OX_BL_PHONE, ""));
	assert_false(has(bl, OX_BL_PHONE, "+86"));

	/* Addresses compare normalized, as structs or in the '/' form. */
	struct ox_address a = { OX_STR_LIT("上海市"), OX_STR_LIT("上海市"), OX_STR_LIT("浦东新区"),
				OX_STR_LIT("世纪大道100号a座") };
	assert_true(ox_blacklist_has_address(bl, &a));
	a.city = OX_STR_LIT(" 市辖区");
	a.detail = OX_STR_LIT("世纪大道１００号 A 座");
	assert_true(ox_blacklist_has_address(bl, &a));
	a.detail = OX_STR_LIT("世纪大道101号A座");
	assert_false(ox_blacklist_has_address(bl, &a));
	assert_true(has(bl, OX_BL_ADDRESS, "上海市/上海市/浦东新区/世纪大道100号A座"));
	assert_true(has(bl, OX_BL_ADDRESS, "广东省/广州市/天河区/体育西路1号/2楼"));
	assert_false(has(bl, OX_BL_ADDRESS, "广东省/广州市/天河区"));
	struct ox_address empty = { OX_STR_NULL, OX_STR_NULL, OX_STR_NULL, OX_STR_NULL };
	assert_false(ox_blacklist_has_address(bl, &empty));
	ox_blacklist_free(bl);
}

static void expect_error(const char *text, const char *want_suffix)
{
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256], path[64], want[256];
	assert_int_equal(load_text(bl, text, err, sizeof err, path), -1);
	snprintf(want, sizeof want, "%s:%s", path, want_suffix);
	assert_string_equal(err, want);
	ox_blacklist_free(bl);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("# a\ncustomer C1\nfoo bar\n",
		     "3: unknown kind \"foo\" (expected customer, phone, device, ip or address)");
	expect_error("\n\nPHONE 13812345678\n",
		     "3: unknown kind \"PHONE\" (expected customer, phone, device, ip or address)");
	expect_error("phone\n", "1: missing value for kind \"phone\"");
	expect_error("customer C1\nip   \t \n", "2: missing value for kind \"ip\"");
	expect_error("address 北京市/北京市/朝阳区\n",
		     "1: bad address \"北京市/北京市/朝阳区\": an address needs 4 parts: "
		     "province/city/district/detail");
	expect_error("phone 13812345678\nphone +86-\n", "2: bad phone \"+86-\": empty value");
	expect_error("address / / / \u3000\n", "1: bad address \"/ / /\": empty value");
}

static void test_error_keeps_earlier_lines(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256], path[64];
	assert_int_equal(load_text(bl, "ip 1.2.3.4\nbogus x\nip 5.6.7.8\n", err, sizeof err, path), -1);
	assert_true(has(bl, OX_BL_IP, "1.2.3.4"));
	assert_false(has(bl, OX_BL_IP, "5.6.7.8"));
	ox_blacklist_free(bl);
}

static void test_io_errors(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256];
	assert_int_equal(ox_blacklist_load(bl, "/nonexistent/ordex-bl.txt", err, sizeof err), -1);
	assert_string_equal(err, "cannot open /nonexistent/ordex-bl.txt: No such file or directory");
	assert_int_equal(ox_blacklist_load(bl, "/tmp", err, sizeof err), -1);
	assert_non_null(strstr(err, "/tmp: Is a directory"));
	/* A tiny err buffer is truncated, not overrun. */
	char tiny[8];
	assert_int_equal(ox_blacklist_load(bl, "/nonexistent/x", tiny, sizeof tiny), -1);
	assert_string_equal(tiny, "cannot ");
	ox_blacklist_free(bl);
}

static void test_line_limits(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256], path[64], want[256];
	size_t n = OX_BL_LINE_MAX + 10;
	char *text = malloc(n + 1);
	memcpy(text, "ip ", 3);
	memset(text + 3, '1', n - 4);
	text[n - 1] = '\n';
	text[n] = '\0';
	write_file(path, text, n);
	assert_int_equal(ox_blacklist_load(bl, path, err, sizeof err), -1);
	unlink(path);
	snprintf(want, sizeof want, "%s:1: line longer than %d bytes", path, OX_BL_LINE_MAX);
	assert_string_equal(err, want);

	/* A line of exactly OX_BL_LINE_MAX bytes is fine, but its value is
	 * over OX_BL_VALUE_MAX. */
	text[OX_BL_LINE_MAX] = '\n';
	write_file(path, text, OX_BL_LINE_MAX + 1);
	assert_int_equal(ox_blacklist_load(bl, path, err, sizeof err), -1);
	unlink(path);
	assert_non_null(strstr(err, ":1: bad ip \"1111"));
	assert_non_null(strstr(err, "\": value too long"));

	/* A NUL byte inside a line. */
	write_file(path, "ip 1.2\0.3.4\nip 9.9.9.9\n", 23);
	assert_int_equal(ox_blacklist_load(bl, path, err, sizeof err), -1);
	unlink(path);
	assert_non_null(strstr(err, ":1: NUL byte in line"));
	free(text);
	ox_blacklist_free(bl);
}

static void test_add_api(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	assert_int_equal(ox_blacklist_add(bl, OX_BL_PHONE, "+86 13812345678", 15), OX_BL_OK);
	assert_int_equal(ox_blacklist_add(bl, OX_BL_PHONE, "13812345678", 11), OX_BL_OK);
	assert_int_equal(ox_blacklist_count(bl), 1);
	assert_int_equal(ox_blacklist_add(bl, OX_BL_IP, "", 0), OX_BL_EEMPTY);
	assert_int_equal(ox_blacklist_add(bl, OX_BL_IP, NULL, 0), OX_BL_EEMPTY);
	assert_int_equal(ox_blacklist_add(bl, OX_BL_IP, " \t", 2), OX_BL_EEMPTY);
	assert_int_equal(ox_blacklist_add(bl, OX_BL_ADDRESS, "a/b", 3), OX_BL_EADDRESS);
	assert_int_equal(ox_blacklist_add(bl, OX_BL__KINDS, "x", 1), OX_BL_EKIND);
	assert_false(ox_blacklist_has(bl, OX_BL__KINDS, ox_str_z("x")));
	assert_false(ox_blacklist_has(bl, OX_BL_CUSTOMER, OX_STR_NULL));
	assert_string_equal(ox_bl_strerror(OX_BL_ETOOLONG), "value too long");
	assert_string_equal(ox_bl_strerror(12345), "unknown error");

	/* Many entries: the table grows and keeps every one. */
	char v[32];
	for (int i = 0; i < 20000; i++) {
		int len = snprintf(v, sizeof v, "cust-%d", i);
		assert_int_equal(ox_blacklist_add(bl, OX_BL_CUSTOMER, v, (size_t)len), OX_BL_OK);
	}
	assert_int_equal(ox_blacklist_count(bl), 20001);
	for (int i = 0; i < 20000; i++) {
		snprintf(v, sizeof v, "cust-%d", i);
		assert_true(has(bl, OX_BL_CUSTOMER, v));
		assert_false(has(bl, OX_BL_DEVICE, v));
	}
	assert_false(has(bl, OX_BL_CUSTOMER, "cust-20000"));
	ox_blacklist_free(bl);
	ox_blacklist_free(NULL);
}

/* The parser without a file: the same results and messages, the name in
 * place of the path, and not one byte read past len. */
static void test_load_buffer(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256];
	/* The last line ends at len, in the middle of the array. */
	static const char text[] = "\xEF\xBB\xBF# list\r\n"
				   "\n"
				   "phone +86 139 1234 5678\r\n"
				   "  # comment\n"
				   "address 上海市/市辖区/浦东新区/世纪大道 100号\n"
				   "ip 10.0.0.7XXXX";
	size_t len = sizeof text - 1 - 4;
	assert_int_equal(ox_blacklist_load_buffer(bl, "mem", text, len, err, sizeof err), 0);
	assert_int_equal(ox_blacklist_count(bl), 3);
	assert_true(has(bl, OX_BL_PHONE, "13912345678"));
	assert_true(has(bl, OX_BL_ADDRESS, "上海市/上海市/浦东新区/世纪大道100号"));
	assert_true(has(bl, OX_BL_IP, "10.0.0.7"));
	assert_false(has(bl, OX_BL_IP, "10.0.0.7XXXX"));

	/* Empty input, and nothing at all. */
	assert_int_equal(ox_blacklist_load_buffer(bl, "mem", "", 0, err, sizeof err), 0);
	assert_int_equal(ox_blacklist_load_buffer(bl, "mem", NULL, 0, err, sizeof err), 0);
	assert_int_equal(ox_blacklist_count(bl), 3);

	/* Errors name the buffer and the line; earlier lines stay added. */
	static const struct {
		const char *text;
		size_t len;
		const char *err;
	} errors[] = {
		{ "ip 1.1.1.1\nfoo bar\n", 19,
		  "mem:2: unknown kind \"foo\" (expected customer, phone, device, ip or address)" },
		{ "\n\nphone\n", 8, "mem:3: missing value for kind \"phone\"" },
		{ "address a/b\n", 12,
		  "mem:1: bad address \"a/b\": an address needs 4 parts: "
		  "province/city/district/detail" },
		{ "ip 1.2\0.3.4\n", 12, "mem:1: NUL byte in line" },
		{ "# ok\nip 1.2.3.4\0", 16, "mem:2: NUL byte in line" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(errors); i++) {
		err[0] = '\0';
		assert_int_equal(ox_blacklist_load_buffer(bl, "mem", errors[i].text, errors[i].len,
							  err, sizeof err),
				 -1);
		assert_string_equal(err, errors[i].err);
	}
	assert_true(has(bl, OX_BL_IP, "1.1.1.1"));

	/* Line length: OX_BL_LINE_MAX bytes are fine (the value is not). */
	char *big = malloc(OX_BL_LINE_MAX + 1);
	memcpy(big, "ip ", 3);
	memset(big + 3, '1', OX_BL_LINE_MAX - 3);
	assert_int_equal(ox_blacklist_load_buffer(bl, "mem", big, OX_BL_LINE_MAX, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "mem:1: bad ip \"1111"));
	big[OX_BL_LINE_MAX] = '1';
	assert_int_equal(ox_blacklist_load_buffer(bl, "mem", big, OX_BL_LINE_MAX + 1, err,
						  sizeof err),
			 -1);
	assert_string_equal(err, "mem:1: line longer than 4096 bytes");
	free(big);
	ox_blacklist_free(bl);
}

/* Bug: the file loader read lines with fgets() and took a NUL byte in the
 * last line, when no newline followed it, for the end of the line: "ip 5.6"
 * was added instead of an error. */
static void test_nul_in_last_line(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256], path[64], want[256];
	write_file(path, "ip 1.2.3.4\nip 5.6\0.7.8", 22);
	assert_int_equal(ox_blacklist_load(bl, path, err, sizeof err), -1);
	unlink(path);
	snprintf(want, sizeof want, "%s:2: NUL byte in line", path);
	assert_string_equal(err, want);
	assert_true(has(bl, OX_BL_IP, "1.2.3.4"));
	assert_false(has(bl, OX_BL_IP, "5.6"));
	assert_int_equal(ox_blacklist_count(bl), 1);
	ox_blacklist_free(bl);
}

/* Bug: a message quoted the first 64 bytes of the bad text as they were,
 * so it could end in the middle of a character, or carry bytes that are not
 * UTF-8 and control characters (a '\r' inside a line). Found by
 * fuzz/fuzz_blacklist.c (seeds fuzz/corpus/blacklist/09-*, 11-*, 12-*). */
static void test_error_quotes(void **state)
{
	(void)state;
	/* 30 bytes, then 3-byte characters: the 64th byte starts the 12th. */
	char text[2048];
	snprintf(text, sizeof text, "address 北京市/北京市/朝阳区/");
	while (strlen(text) < OX_BL_VALUE_MAX + 100)
		strcat(text, "长安街");
	strcat(text, "\n");
	expect_error(text, "1: bad address \"北京市/北京市/朝阳区/长安街长安街长安街长安\": value too long");
	/* Bytes that are not UTF-8 as \xXX, control characters as \u00XX. */
	expect_error("ph\xFFone\r1 x\n",
		     "1: unknown kind \"ph\\xFFone\\u000d1\" (expected customer, phone, device, ip "
		     "or address)");
	expect_error("address a/\xE5\xB9\x7F/\xED\xA0\x80\n",
		     "1: bad address \"a/\\xE5\\xB9\\u007f/\\xED\\xA0\\x80\": an address needs 4 "
		     "parts: province/city/district/detail");
	/* Escaping does not change how much is quoted: 64 bytes. */
	char line[80], msg[512], want[512];
	memset(line, '\x01', 70);
	memcpy(line + 70, " x\n", 3);
	struct ox_blacklist *bl = ox_blacklist_new();
	assert_int_equal(ox_blacklist_load_buffer(bl, "mem", line, 73, msg, sizeof msg), -1);
	size_t n = (size_t)snprintf(want, sizeof want, "mem:1: unknown kind \"");
	for (int i = 0; i < 64; i++)
		n += (size_t)snprintf(want + n, sizeof want - n, "\\u0001");
	snprintf(want + n, sizeof want - n, "\" (expected customer, phone, device, ip or address)");
	assert_string_equal(msg, want);
	ox_blacklist_free(bl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_load_and_lookup),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_keeps_earlier_lines),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_add_api),
		cmocka_unit_test(test_load_buffer),
		cmocka_unit_test(test_nul_in_last_line),
		cmocka_unit_test(test_error_quotes),
	};
	return cmocka_run_group_tests_name("blacklist", tests, NULL, NULL);
}
