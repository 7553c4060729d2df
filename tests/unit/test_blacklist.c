/* test_blacklist.c - FRD_BLACKLIST entries: the file format, normalized
 * lookups, limits; the live list (metadata, changes, removal, expiry,
 * listing in order with cursors, readers beside the writer); the change as
 * a log record and a request body; CSV import and export. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
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

/* ---- the live list: metadata, changes, expiry, listing --------------------------- */

#define T0 INT64_C(1794362400000) /* 2026-11-11T10:00:00+08:00 */

/* An ADD (or REMOVE) op of "kind value reason" triples; reason NULL: none. */
static void op_of(struct ox_bl_op *op, enum ox_bl_op_kind kind, ox_time at, const char *actor,
		  const char *const *items, size_t n)
{
	ox_bl_op_init(op, kind);
	op->at = at;
	snprintf(op->actor, sizeof op->actor, "%s", actor);
	for (size_t i = 0; i < n; i += 3) {
		enum ox_bl_kind k;
		assert_true(ox_bl_kind_parse(ox_str_z(items[i]), &k));
		const char *bad = NULL;
		assert_int_equal(ox_bl_op_item(op, k, ox_str_z(items[i + 1]), ox_str_z(items[i + 2]), OX_TIME_NONE, 0, &bad),
				 OX_BL_OK);
	}
}

static int apply(struct ox_blacklist *bl, struct ox_bl_op *op, struct ox_bl_counts *c)
{
	char err[256];
	int rc = ox_blacklist_apply(bl, op, c, err);
	ox_bl_op_release(op);
	return rc;
}

/* The listing as "kind:value|reason|expires|added_by|source" lines. */
struct collect {
	char text[8192];
	size_t n;
};

static void collect_fn(void *ctx, const struct ox_bl_entry *e)
{
	struct collect *c = ctx;
	size_t len = strlen(c->text);
	snprintf(c->text + len, sizeof c->text - len, "%s:%.*s|%.*s|%lld|%s|%s\n", ox_bl_kind_name(e->kind),
		 (int)e->value.len, e->value.s, (int)e->reason.len, e->reason.s,
		 e->expires_at == OX_TIME_NONE ? -1LL : (long long)(e->expires_at - T0), e->added_by,
		 ox_bl_source_name(e->source));
	c->n++;
}

static bool list(struct ox_blacklist *bl, int kind, const char *q, const char *after, size_t limit, struct collect *c)
{
	struct ox_bl_query query = { .kind = kind, .q = ox_str_z(q), .after_kind = -1, .limit = limit };
	if (after)
		assert_int_equal(ox_bl_cursor_parse(ox_str_z(after), &query.after_kind, &query.after), 0);
	c->text[0] = '\0';
	c->n = 0;
	return ox_blacklist_list(bl, &query, collect_fn, c);
}

static void test_metadata_and_listing(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	char err[256];
	assert_int_equal(ox_blacklist_load_buffer(bl, "bl.txt", "ip 10.0.0.9\ncustomer C9\n", 24, err, sizeof err), 0);
	struct ox_bl_op op;
	struct ox_bl_counts c;
	static const char *const items[] = {
		"phone", "+86 139 1234 5678", " 拒收 3 次 ",
		"address", "上海市/市辖区/浦东新区/世纪大道 100号", "",
		"customer", "C1", "刷单",
		"ip", "10.0.0.9", "scalper", /* a file entry, now the API's */
	};
	op_of(&op, OX_BL_OP_ADD, T0, "li.na", items, OX_ARRAY_LEN(items));
	op.items[0].ttl_ms = 3 * OX_MS_DAY;
	op.items[2].expires_at = T0 + OX_MS_HOUR;
	assert_int_equal(ox_blacklist_apply(bl, &op, &c, err), 0);
	assert_int_equal(c.added, 3);
	assert_int_equal(c.updated, 1);
	assert_false(op.items[0].existed);
	assert_true(op.items[3].existed);
	/* the ttl became an expiry, the values are as stored */
	assert_int_equal(op.items[0].expires_at, T0 + 3 * OX_MS_DAY);
	assert_int_equal(op.items[0].ttl_ms, 0);
	assert_string_equal(op.items[0].value, "13912345678");
	assert_string_equal(op.items[0].reason, "拒收 3 次");
	assert_string_equal(op.items[1].value, "上海市/上海市/浦东新区/世纪大道100号");
	struct ox_bl_entry e;
	ox_bl_item_entry(&op, 0, &e);
	assert_int_equal(e.added_at, T0);
	assert_string_equal(e.added_by, "li.na");
	assert_int_equal(e.source, OX_BL_SRC_API);
	ox_bl_op_release(&op);
	assert_int_equal(ox_blacklist_count(bl), 5);
	assert_true(has(bl, OX_BL_PHONE, "13912345678"));
	assert_true(has(bl, OX_BL_ADDRESS, "上海市/上海市/浦东新区/世纪大道100号"));
	struct ox_address a = { OX_STR_LIT("上海市"), OX_STR_LIT("市辖区"), OX_STR_LIT("浦东新区"), OX_STR_LIT("世纪大道１００号") };
	assert_true(ox_blacklist_has_address(bl, &a));
	/* a '/' in the first parts never makes another key */
	struct ox_address slash = { OX_STR_LIT("上海市/上海市"), OX_STR_LIT("浦东新区"), OX_STR_LIT("世纪大道100号"), OX_STR_NULL };
	assert_false(ox_blacklist_has_address(bl, &slash));

	/* list order: kind as in OX_BL_KINDS, then the value's bytes */
	struct collect col;
	assert_false(list(bl, -1, "", NULL, 0, &col));
	assert_string_equal(col.text, "customer:C1|刷单|3600000|li.na|api\n"
				      "customer:C9||-1|bl.txt|file\n"
				      "phone:13912345678|拒收 3 次|259200000|li.na|api\n"
				      "ip:10.0.0.9|scalper|-1|li.na|api\n"
				      "address:上海市/上海市/浦东新区/世纪大道100号||-1|li.na|api\n");
	/* pages of two, by cursor */
	assert_true(list(bl, -1, "", NULL, 2, &col));
	assert_int_equal(col.n, 2);
	assert_true(list(bl, -1, "", "customer:C9", 2, &col));
	assert_string_equal(col.text, "phone:13912345678|拒收 3 次|259200000|li.na|api\nip:10.0.0.9|scalper|-1|li.na|api\n");
	assert_false(list(bl, -1, "", "ip:10.0.0.9", 2, &col));
	assert_int_equal(col.n, 1);
	/* a cursor that is no entry (removed since) still places the page */
	assert_false(list(bl, -1, "", "customer:C5", 0, &col));
	assert_int_equal(col.n, 4);
	/* filters */
	assert_false(list(bl, OX_BL_CUSTOMER, "", NULL, 0, &col));
	assert_int_equal(col.n, 2);
	assert_false(list(bl, OX_BL_CUSTOMER, "", "customer:C1", 5, &col));
	assert_string_equal(col.text, "customer:C9||-1|bl.txt|file\n");
	assert_false(list(bl, -1, "10.0", NULL, 0, &col));
	assert_string_equal(col.text, "ip:10.0.0.9|scalper|-1|li.na|api\n");
	assert_true(list(bl, -1, "C", NULL, 1, &col));
	assert_false(list(bl, OX_BL_DEVICE, "", NULL, 0, &col));
	assert_int_equal(col.n, 0);

	/* the cursor form */
	int k;
	struct ox_str v;
	assert_int_equal(ox_bl_cursor_parse(ox_str_z("address:a:b"), &k, &v), 0);
	assert_int_equal(k, OX_BL_ADDRESS);
	assert_true(ox_str_eqz(v, "a:b"));
	assert_int_equal(ox_bl_cursor_parse(ox_str_z("nope:x"), &k, &v), -1);
	assert_int_equal(ox_bl_cursor_parse(ox_str_z("phone"), &k, &v), -1);
	ox_blacklist_free(bl);
}

static void test_remove_and_compaction(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	struct ox_bl_op op;
	struct ox_bl_counts c;
	char v[32];
	/* 1000 customers in one op (sorted and merged), then removals */
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	op.at = T0;
	for (int i = 999; i >= 0; i--) {
		snprintf(v, sizeof v, "c%04d", i);
		assert_int_equal(ox_bl_op_item(&op, OX_BL_CUSTOMER, ox_str_z(v), OX_STR_NULL, OX_TIME_NONE, 0, NULL), 0);
	}
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_int_equal(c.added, 1000);
	static const char *const rm[] = { "customer", "c0001", "", "customer", "nobody", "", "phone", "c0002", "" };
	op_of(&op, OX_BL_OP_REMOVE, T0, "li.na", rm, OX_ARRAY_LEN(rm));
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_int_equal(c.removed, 1);
	assert_int_equal(c.absent, 2);
	assert_false(has(bl, OX_BL_CUSTOMER, "c0001"));
	assert_true(has(bl, OX_BL_CUSTOMER, "c0002"));
	/* remove most of them one op at a time: dead entries are compacted away */
	for (int i = 2; i < 900; i++) {
		snprintf(v, sizeof v, "c%04d", i);
		ox_bl_op_init(&op, OX_BL_OP_REMOVE);
		op.at = T0;
		assert_int_equal(ox_bl_op_item(&op, OX_BL_CUSTOMER, ox_str_z(v), OX_STR_NULL, OX_TIME_NONE, 0, NULL), 0);
		assert_int_equal(apply(bl, &op, &c), 0);
		assert_int_equal(c.removed, 1);
	}
	assert_int_equal(ox_blacklist_count(bl), 101);
	struct collect col;
	assert_false(list(bl, -1, "", NULL, 0, &col));
	assert_int_equal(col.n, 101);
	assert_int_equal(strncmp(col.text, "customer:c0000|", 15), 0);
	assert_non_null(strstr(col.text, "\ncustomer:c0900|"));
	/* re-added after removal, and added and removed in one op */
	static const char *const back[] = { "customer", "c0005", "again" };
	op_of(&op, OX_BL_OP_ADD, T0, "li.na", back, 3);
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_true(has(bl, OX_BL_CUSTOMER, "c0005"));
	assert_false(list(bl, -1, "c0005", NULL, 0, &col));
	assert_string_equal(col.text, "customer:c0005|again|-1|li.na|api\n");
	ox_blacklist_free(bl);
}

static void test_expiry(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	struct ox_bl_op op;
	struct ox_bl_counts c;
	char err[256];
	static const char *const items[] = { "phone", "13800000001", "", "phone", "13800000002", "", "phone",
					     "13800000003", "", "ip", "1.2.3.4", "" };
	op_of(&op, OX_BL_OP_ADD, T0, "a", items, OX_ARRAY_LEN(items));
	op.items[0].expires_at = T0 + 10;
	op.items[1].expires_at = T0 + 20;
	op.items[2].ttl_ms = 30;
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_int_equal(ox_blacklist_expire(bl, T0 + 9), 0);
	assert_int_equal(ox_blacklist_expire(bl, OX_TIME_NONE), 0);
	assert_int_equal(ox_blacklist_expire(bl, T0 + 10), 1); /* at expires_at: gone */
	assert_false(has(bl, OX_BL_PHONE, "13800000001"));
	assert_true(has(bl, OX_BL_PHONE, "13800000002"));
	/* a later add moves 2's expiry: the old one passes without effect */
	static const char *const again[] = { "phone", "13800000002", "kept" };
	op_of(&op, OX_BL_OP_ADD, T0 + 15, "b", again, 3);
	op.items[0].expires_at = T0 + 100;
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_int_equal(c.updated, 1);
	assert_int_equal(ox_blacklist_expire(bl, T0 + 50), 1); /* 3 (ttl 30) */
	assert_true(has(bl, OX_BL_PHONE, "13800000002"));
	assert_false(has(bl, OX_BL_PHONE, "13800000003"));
	/* an update without expiry makes it permanent */
	op_of(&op, OX_BL_OP_ADD, T0 + 60, "b", again, 3);
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_int_equal(ox_blacklist_expire(bl, T0 + 1000), 0);
	assert_true(has(bl, OX_BL_PHONE, "13800000002"));
	/* removed before its time: nothing left to expire */
	static const char *const ip[] = { "ip", "5.6.7.8", "" };
	op_of(&op, OX_BL_OP_ADD, T0 + 1000, "b", ip, 3);
	op.items[0].expires_at = T0 + 2000;
	assert_int_equal(apply(bl, &op, &c), 0);
	op_of(&op, OX_BL_OP_REMOVE, T0 + 1001, "b", ip, 3);
	assert_int_equal(apply(bl, &op, &c), 0);
	assert_int_equal(ox_blacklist_expire(bl, T0 + 3000), 0);
	assert_int_equal(ox_blacklist_count(bl), 2);

	/* an expiry at or before the change is refused, and nothing changes */
	static const char *const two[] = { "device", "d1", "", "device", "d2", "" };
	op_of(&op, OX_BL_OP_ADD, T0 + 5000, "b", two, 6);
	op.items[1].expires_at = T0 + 5000;
	assert_int_equal(ox_blacklist_apply(bl, &op, &c, err), OX_BL_EEXPIRED);
	assert_string_equal(err, "entries[1].expires_at: 2026-11-11T10:00:05.000+08:00 is not after the time "
				 "of the change, 2026-11-11T10:00:05.000+08:00");
	assert_false(has(bl, OX_BL_DEVICE, "d1"));
	ox_bl_op_release(&op);
	/* many expiries, each at its own time, in order */
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	op.at = T0;
	char v[32];
	for (int i = 0; i < 500; i++) {
		snprintf(v, sizeof v, "dev%d", i);
		assert_int_equal(ox_bl_op_item(&op, OX_BL_DEVICE, ox_str_z(v), OX_STR_NULL, T0 + 10000 + (i * 7919) % 500, 0, NULL), 0);
	}
	assert_int_equal(apply(bl, &op, &c), 0);
	size_t gone = 0;
	for (int t = 0; t < 500; t++) {
		gone += ox_blacklist_expire(bl, T0 + 10000 + t);
		assert_int_equal(gone, (size_t)t + 1);
	}
	assert_int_equal(ox_blacklist_count(bl), 2);
	ox_blacklist_free(bl);
}

static void test_op_item_errors(void **state)
{
	(void)state;
	struct ox_bl_op op;
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	const char *bad = NULL;
	char long_reason[OX_BL_REASON_MAX + 2];
	memset(long_reason, 'r', sizeof long_reason - 1);
	long_reason[sizeof long_reason - 1] = '\0';
	const struct {
		enum ox_bl_kind kind;
		const char *value, *reason;
		int64_t ttl;
		int rc;
		const char *member;
	} cases[] = {
		{ OX_BL__KINDS, "x", "", 0, OX_BL_EKIND, "kind" },
		{ OX_BL_PHONE, "  ", "", 0, OX_BL_EEMPTY, "value" },
		{ OX_BL_ADDRESS, "a/b/c", "", 0, OX_BL_EADDRESS, "value" },
		{ OX_BL_ADDRESS, " / / / ", "", 0, OX_BL_EEMPTY, "value" },
		{ OX_BL_CUSTOMER, "C\t1", "", 0, OX_BL_ETEXT, "value" },
		{ OX_BL_CUSTOMER, "C\xFF", "", 0, OX_BL_ETEXT, "value" },
		{ OX_BL_CUSTOMER, "C1", "line\nbreak", 0, OX_BL_EREASON, "reason" },
		{ OX_BL_CUSTOMER, "C1", long_reason, 0, OX_BL_EREASON, "reason" },
		{ OX_BL_CUSTOMER, "C1", "", -1, OX_BL_EINVAL, "ttl" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(cases); i++) {
		bad = NULL;
		assert_int_equal(ox_bl_op_item(&op, cases[i].kind, ox_str_z(cases[i].value), ox_str_z(cases[i].reason),
					       OX_TIME_NONE, cases[i].ttl, &bad),
				 cases[i].rc);
		assert_string_equal(bad, cases[i].member);
	}
	assert_int_equal(op.n, 0);
	/* a reason of exactly the limit, and a ttl with an expiry */
	long_reason[OX_BL_REASON_MAX] = '\0';
	assert_int_equal(ox_bl_op_item(&op, OX_BL_IP, ox_str_z("1.1.1.1"), ox_str_z(long_reason), OX_TIME_NONE, 0, &bad), 0);
	assert_int_equal(ox_bl_op_item(&op, OX_BL_IP, ox_str_z("1.1.1.2"), OX_STR_NULL, T0, 1000, &bad), OX_BL_EINVAL);
	/* a stored value is its own stored form */
	static const struct {
		enum ox_bl_kind kind;
		const char *raw;
	} norm[] = {
		{ OX_BL_PHONE, "+86 138-1234-5678" }, { OX_BL_PHONE, "0086 010-62345678" },
		{ OX_BL_ADDRESS, "北京市/市辖区/朝阳区/建国路 1 号/2 楼" }, { OX_BL_ADDRESS, "重庆市/县/城口县/Ａ路" },
		{ OX_BL_CUSTOMER, "  C 1  " },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(norm); i++) {
		char once[OX_BL_NORM_BUF], twice[OX_BL_NORM_BUF];
		size_t n1, n2;
		assert_int_equal(ox_bl_normalize(norm[i].kind, ox_str_z(norm[i].raw), once, &n1), 0);
		assert_int_equal(ox_bl_normalize(norm[i].kind, (struct ox_str){ once, n1 }, twice, &n2), 0);
		assert_int_equal(n1, n2);
		assert_memory_equal(once, twice, n1);
	}
	ox_bl_op_release(&op);
}

/* ---- text forms ------------------------------------------------------------------- */

static void test_op_record_round_trip(void **state)
{
	(void)state;
	struct ox_bl_op op, back;
	static const char *const items[] = { "phone", "13800000001", "拒收 \"3\" 次", "address",
					     "广东省/广州市/天河区/体育西路1号/2楼", "", "customer", "C\\1", "" };
	op_of(&op, OX_BL_OP_ADD, T0, "token:erp", items, OX_ARRAY_LEN(items));
	op.items[0].expires_at = T0 + OX_MS_DAY;
	struct ox_buf out, again;
	ox_buf_init(&out, SIZE_MAX);
	ox_buf_init(&again, SIZE_MAX);
	ox_bl_op_write(&op, SIZE_MAX, &out);
	ox_buf_add(&out, "", 1);
	assert_string_equal(out.data,
			    "{\"op\":\"add\",\"at\":1794362400000,\"by\":\"token:erp\",\"entries\":["
			    "{\"kind\":\"phone\",\"value\":\"13800000001\",\"reason\":\"拒收 \\\"3\\\" 次\",\"expires_at\":1794448800000},"
			    "{\"kind\":\"address\",\"value\":\"广东省/广州市/天河区/体育西路1号/2楼\",\"reason\":\"\",\"expires_at\":null},"
			    "{\"kind\":\"customer\",\"value\":\"C\\\\1\",\"reason\":\"\",\"expires_at\":null}]}");
	char err[256];
	assert_int_equal(ox_bl_op_parse(&back, out.data, out.len - 1, err), 0);
	assert_int_equal(back.op, OX_BL_OP_ADD);
	assert_int_equal(back.at, T0);
	assert_string_equal(back.actor, "token:erp");
	assert_int_equal(back.n, 3);
	assert_string_equal(back.items[0].reason, "拒收 \"3\" 次");
	assert_int_equal(back.items[0].expires_at, T0 + OX_MS_DAY);
	assert_null(back.items[1].reason);
	assert_int_equal(back.items[2].expires_at, OX_TIME_NONE);
	ox_bl_op_write(&back, SIZE_MAX, &again);
	ox_buf_add(&again, "", 1);
	assert_string_equal(again.data, out.data);
	ox_bl_op_release(&back);

	/* a removal keeps kind and value only */
	op.op = OX_BL_OP_REMOVE;
	ox_buf_reset(&out);
	ox_bl_op_write(&op, SIZE_MAX, &out);
	ox_buf_add(&out, "", 1);
	assert_non_null(strstr(out.data, "{\"kind\":\"phone\",\"value\":\"13800000001\"},"));
	assert_int_equal(ox_bl_op_parse(&back, out.data, out.len - 1, err), 0);
	assert_int_equal(back.op, OX_BL_OP_REMOVE);
	ox_bl_op_release(&back);

	/* an audit detail is cut to fit, with what it left out */
	op.op = OX_BL_OP_ADD;
	ox_buf_reset(&out);
	ox_bl_op_write(&op, 120, &out);
	ox_buf_add(&out, "", 1);
	assert_non_null(strstr(out.data, "]" ",\"omitted\":2}"));
	assert_int_equal(ox_bl_op_parse(&back, out.data, out.len - 1, err), OX_BL_EINVAL);
	assert_string_equal(err, "unknown member \"omitted\"");
	ox_bl_op_release(&op);
	ox_buf_release(&out);
	ox_buf_release(&again);

	static const struct {
		const char *rec, *err;
	} bad[] = {
		{ "", "not JSON: unexpected end of input at byte 1" },
		{ "[]", "expected a JSON object" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\"}", "entries: required" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[]}", "entries: expected a list of 1 to 5000 entries" },
		{ "{\"op\":\"move\",\"at\":1,\"by\":\"a\",\"entries\":[]}", "op: unknown value \"move\"" },
		{ "{\"at\":1,\"by\":\"a\",\"entries\":[]}", "op: required" },
		{ "{\"op\":\"add\",\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"1\"}]}", "at: required" },
		{ "{\"op\":\"add\",\"at\":-1,\"by\":\"a\",\"entries\":[]}", "at: expected milliseconds since the epoch" },
		{ "{\"op\":\"add\",\"at\":1.5,\"by\":\"a\",\"entries\":[]}", "at: expected milliseconds since the epoch" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"\",\"entries\":[]}", "by: 1 to 79 bytes of text" },
		{ "{\"op\":\"add\",\"op\":\"add\"}", "op: given twice" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"pc\",\"value\":\"1\"}]}",
		  "entries[0].kind: unknown kind \"pc\" (expected customer, phone, device, ip or address)" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\"}]}", "entries[0].value: required" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"\"}]}",
		  "entries[0].value: not a stored value" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"a\\u0000\"}]}",
		  "entries[0].value: holds a NUL character" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"a\",\"expires_at\":\"2026-11-11T10:00:00+08:00\"}]}",
		  "entries[0].expires_at: expected milliseconds since the epoch" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"a\",\"ttl\":\"1h\"}]}",
		  "entries[0]: unknown member \"ttl\"" },
		{ "{\"op\":\"remove\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"a\",\"reason\":\"x\"}]}",
		  "entries[0]: unknown member \"reason\"" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[1]}", "entries[0]: expected an object" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"entries\":[{\"kind\":\"ip\",\"value\":\"a\",\"reason\":\"a\\nb\"}]}",
		  "entries[0].reason: at most 500 bytes of UTF-8 text without control characters" },
		{ "{\"op\":\"add\",\"at\":1,\"by\":\"a\",\"x\\u0001y\":1}", "unknown member \"x?y\"" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++) {
		memset(err, 'x', sizeof err);
		assert_int_equal(ox_bl_op_parse(&back, bad[i].rec, strlen(bad[i].rec), err), OX_BL_EINVAL);
		assert_string_equal(err, bad[i].err);
		assert_int_equal(back.n, 0);
	}
}

static void test_request_parse(void **state)
{
	(void)state;
	struct ox_bl_op op;
	char err[256];
	const char *one = "{\"kind\":\"phone\",\"value\":\"+86 138 0000 0001\",\"reason\":\"拒收\",\"ttl\":\"72h\"}";
	assert_int_equal(ox_bl_request_parse(&op, one, strlen(one), 1000, err), 0);
	assert_int_equal(op.n, 1);
	assert_string_equal(op.items[0].value, "13800000001");
	assert_int_equal(op.items[0].ttl_ms, 72 * OX_MS_HOUR);
	assert_int_equal(op.items[0].expires_at, OX_TIME_NONE);
	ox_bl_op_release(&op);
	const char *many = "{\"entries\":[{\"kind\":\"ip\",\"value\":\"1.1.1.1\",\"expires_at\":\"2026-11-11T10:00:00+08:00\"},"
			   "{\"kind\":\"device\",\"value\":\"d\",\"expires_at\":null,\"reason\":null}]}";
	assert_int_equal(ox_bl_request_parse(&op, many, strlen(many), 1000, err), 0);
	assert_int_equal(op.n, 2);
	assert_int_equal(op.items[0].expires_at, T0);
	ox_bl_op_release(&op);
	static const struct {
		const char *body, *err;
	} bad[] = {
		{ "{\"entries\":[{\"kind\":\"ip\",\"value\":\"1\"},{\"kind\":\"foo\",\"value\":\"x\"}]}",
		  "entries[1].kind: unknown kind \"foo\" (expected customer, phone, device, ip or address)" },
		{ "{\"entries\":[{\"kind\":\"address\",\"value\":\"a/b\"}]}",
		  "entries[0].value: an address needs 4 parts: province/city/district/detail" },
		{ "{\"kind\":\"ip\"}", "value: required" },
		{ "{\"kind\":\"ip\",\"value\":5}", "value: expected a string" },
		{ "{\"kind\":\"ip\",\"value\":\"1\",\"expires_at\":1794362400000}",
		  "expires_at: expected an RFC 3339 time with an offset" },
		{ "{\"kind\":\"ip\",\"value\":\"1\",\"ttl\":\"0s\"}", "ttl: expected a duration such as \"72h\" or \"30d\"" },
		{ "{\"kind\":\"ip\",\"value\":\"1\",\"ttl\":\"1h\",\"expires_at\":\"2026-11-11T10:00:00+08:00\"}",
		  "body: give expires_at or ttl, not both" },
		{ "{\"kind\":\"ip\",\"value\":\"1\",\"why\":\"x\"}", "unknown member \"why\"" },
		{ "{\"entries\":[],\"kind\":\"ip\"}", "body: either one entry or {\"entries\":[...]} alone" },
		{ "{\"entries\":[]}", "entries: expected a list of 1 to 3 entries" },
		{ "{\"entries\":[{},{},{},{}]}", "entries: expected a list of 1 to 3 entries" },
		{ "{\"entries\":[{\"kind\":\"ip\",\"value\":\"1\",\"reason\":\"a\\tb\"}]}",
		  "entries[0].reason: at most 500 bytes of UTF-8 text without control characters" },
		{ "[]", "expected a JSON object" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++) {
		assert_int_equal(ox_bl_request_parse(&op, bad[i].body, strlen(bad[i].body), 3, err), OX_BL_EINVAL);
		assert_string_equal(err, bad[i].err);
		assert_int_equal(op.n, 0);
	}
}

static void test_csv(void **state)
{
	(void)state;
	struct ox_bl_op op;
	struct ox_bl_csv_report *rep = malloc(sizeof *rep);
	char err[256];
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	const char *csv = "\xEF\xBB\xBF"
			  "kind, value ,reason,expires_at\r\n"                       /* 1 */
			  "phone,+86 139 0000 0001,\"拒收, \"\"3\"\" 次\",\r\n"     /* 2 */
			  "\r\n"                                                     /* 3 */
			  "customer,\"C\n1\",,\n"                                    /* 4-5: a quoted line break */
			  "foo,x,,\n"                                                /* 6 */
			  "ip,1.1.1.1\n"                                             /* 7 */
			  "address,a/b,,\n"                                          /* 8 */
			  "device,d1,,2026-11-11T09:00:00+08:00\n"                   /* 9: expired */
			  "device,d2,,2026-11-12T10:00:00+08:00\n"                   /* 10 */
			  "device,d3,,tomorrow\n"                                    /* 11 */
			  "ip,\"2.2.2.2\"x,,\n"                                      /* 12 */
			  "ip,2.2\"2.3,,\n"                                          /* 13 */
			  "ip,3.3.3.3,\"line\nbreak\",\n"                            /* 14-15 */
			  "ip,4.4.4.4,,";                                            /* 16, no newline */
	assert_int_equal(ox_bl_csv_parse(&op, csv, strlen(csv), T0, rep, err), 0);
	assert_int_equal(rep->records, 12);
	assert_int_equal(op.n, 3);
	assert_string_equal(op.items[0].value, "13900000001");
	assert_string_equal(op.items[0].reason, "拒收, \"3\" 次");
	assert_string_equal(op.items[1].value, "d2");
	assert_int_equal(op.items[1].expires_at, T0 + OX_MS_DAY);
	assert_string_equal(op.items[2].value, "4.4.4.4");
	static const struct {
		size_t line;
		const char *error;
	} want[] = {
		{ 4, "value: not valid UTF-8 text without control characters" },
		{ 6, "kind: unknown kind \"foo\" (expected customer, phone, device, ip or address)" },
		{ 7, "expected 4 fields, got 2" },
		{ 8, "value: an address needs 4 parts: province/city/district/detail" },
		{ 9, "expires_at: 2026-11-11T09:00:00.000+08:00 is not after the event clock, 2026-11-11T10:00:00.000+08:00" },
		{ 11, "expires_at: expected an RFC 3339 time with an offset, or nothing" },
		{ 12, "text after a closing quote" },
		{ 13, "a quote inside an unquoted field (quote the field and double the quote)" },
		{ 14, "reason: at most 500 bytes of UTF-8 text without control characters" },
	};
	assert_int_equal(rep->rejected, OX_ARRAY_LEN(want));
	assert_int_equal(rep->n_errors, OX_ARRAY_LEN(want));
	for (size_t i = 0; i < OX_ARRAY_LEN(want); i++) {
		assert_int_equal(rep->errors[i].line, want[i].line);
		assert_string_equal(rep->errors[i].error, want[i].error);
	}
	ox_bl_op_release(&op);

	/* an unclosed quote ends the body at its line */
	const char *open = "kind,value\nip,1.1.1.1\nip,\"1.1\n\nip,9.9.9.9\n";
	assert_int_equal(ox_bl_csv_parse(&op, open, strlen(open), OX_TIME_NONE, rep, err), 0);
	assert_int_equal(op.n, 1);
	assert_int_equal(rep->rejected, 1);
	assert_int_equal(rep->errors[0].line, 3);
	assert_string_equal(rep->errors[0].error, "a quoted field is not closed");
	ox_bl_op_release(&op);

	/* bodies that cannot be read */
	static const struct {
		const char *body;
		size_t len;
		const char *err;
	} bad[] = {
		{ "", 0, "a header naming the columns is required, with kind and value at least" },
		{ "\n\n", 2, "a header naming the columns is required, with kind and value at least" },
		{ "phone,13800000000\n", 18, "line 1: unknown column \"phone\" (expected kind, value, reason, expires_at, added_by, added_at, source)" },
		{ "\nkind,reason\n", 13, "line 2: the header must name the columns kind and value at least" },
		{ "kind,value,kind\n", 16, "line 1: column kind twice" },
		{ "kind,value\nip,1\0\n", 17, "the body holds a NUL byte" },
		{ "kind,\"value\n", 12, "line 1: a quoted field is not closed" },
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(bad); i++) {
		ox_bl_op_init(&op, OX_BL_OP_ADD);
		assert_int_equal(ox_bl_csv_parse(&op, bad[i].body, bad[i].len, OX_TIME_NONE, rep, err), OX_BL_EINVAL);
		assert_string_equal(err, bad[i].err);
		assert_int_equal(op.n, 0);
	}
	/* at most OX_BL_CSV_ROWS_MAX records; a rejected one counts too */
	struct ox_buf big;
	ox_buf_init(&big, SIZE_MAX);
	ox_buf_addz(&big, "kind,value\n");
	for (int i = 0; i < OX_BL_CSV_ROWS_MAX; i++)
		ox_buf_addf(&big, i % 2 ? "ip,10.%d.%d.1\n" : "nope,10.%d.%d.1\n", i / 256, i % 256);
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	assert_int_equal(ox_bl_csv_parse(&op, big.data, big.len, OX_TIME_NONE, rep, err), 0);
	assert_int_equal(op.n, OX_BL_CSV_ROWS_MAX / 2);
	assert_int_equal(rep->rejected, OX_BL_CSV_ROWS_MAX / 2);
	assert_int_equal(rep->n_errors, OX_BL_CSV_ERRORS_MAX);
	ox_buf_addz(&big, "ip,1.1.1.1\n");
	assert_int_equal(ox_bl_csv_parse(&op, big.data, big.len, OX_TIME_NONE, rep, err), OX_BL_EINVAL);
	assert_string_equal(err, "more than 5000 records (line 5002)");
	assert_int_equal(op.n, OX_BL_CSV_ROWS_MAX / 2); /* what was there before stays */
	ox_bl_op_release(&op);
	ox_buf_release(&big);
	free(rep);
}

static void csv_of(void *ctx, const struct ox_bl_entry *e)
{
	ox_bl_entry_csv(e, ctx);
}

/* Exported, imported into another list, exported again: the same text. */
static void test_csv_round_trip(void **state)
{
	(void)state;
	struct ox_blacklist *a = ox_blacklist_new(), *b = ox_blacklist_new();
	struct ox_bl_op op;
	struct ox_bl_counts c;
	static const char *const items[] = {
		"phone", "13800000001", "拒收, \"三\" 次",
		"address", "广东省/广州市/天河区/体育西路1号/2楼", "",
		"customer", "C,1", "a\"b",
		"ip", "10.0.0.1", "",
	};
	op_of(&op, OX_BL_OP_ADD, T0, "li.na", items, OX_ARRAY_LEN(items));
	op.items[0].expires_at = T0 + OX_MS_DAY;
	assert_int_equal(apply(a, &op, &c), 0);
	struct ox_buf out1, out2;
	ox_buf_init(&out1, SIZE_MAX);
	ox_buf_init(&out2, SIZE_MAX);
	ox_buf_addz(&out1, OX_BL_CSV_HEADER);
	struct ox_bl_query q = { .kind = -1, .after_kind = -1 };
	ox_blacklist_list(a, &q, csv_of, &out1);
	assert_non_null(strstr(out1.data, "customer,\"C,1\",\"a\"\"b\",,li.na,2026-11-11T10:00:00.000+08:00,api\r\n"));
	assert_non_null(strstr(out1.data, "phone,13800000001,\"拒收, \"\"三\"\" 次\",2026-11-12T10:00:00.000+08:00,li.na,"));

	struct ox_bl_csv_report *rep = malloc(sizeof *rep);
	char err[256];
	ox_bl_op_init(&op, OX_BL_OP_ADD);
	assert_int_equal(ox_bl_csv_parse(&op, out1.data, out1.len, T0, rep, err), 0);
	assert_int_equal(rep->rejected, 0);
	op.at = T0;
	snprintf(op.actor, sizeof op.actor, "li.na");
	assert_int_equal(apply(b, &op, &c), 0);
	assert_int_equal(c.added, 4);
	ox_buf_addz(&out2, OX_BL_CSV_HEADER);
	ox_blacklist_list(b, &q, csv_of, &out2);
	assert_int_equal(out1.len, out2.len);
	assert_memory_equal(out1.data, out2.data, out1.len);
	free(rep);
	ox_buf_release(&out1);
	ox_buf_release(&out2);
	ox_blacklist_free(a);
	ox_blacklist_free(b);
}

/* Readers list while the writer changes the list (run under ASan and
 * TSan-like checks by hand: the point is that nothing tears). */
struct reader_arg {
	struct ox_blacklist *bl;
	size_t pages;
	bool stop;
};

static void count_fn(void *ctx, const struct ox_bl_entry *e)
{
	size_t *n = ctx;
	assert_true(e->value.len > 0 && e->added_by != NULL);
	(*n)++;
}

static void *reader_main(void *p)
{
	struct reader_arg *r = p;
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		size_t n = 0;
		struct ox_bl_query q = { .kind = -1, .after_kind = -1, .limit = 100 };
		ox_blacklist_list(r->bl, &q, count_fn, &n);
		assert_true(n <= 100);
		r->pages++;
	}
	return NULL;
}

static void test_readers_and_writer(void **state)
{
	(void)state;
	struct ox_blacklist *bl = ox_blacklist_new();
	struct reader_arg r[3];
	pthread_t t[3];
	for (int i = 0; i < 3; i++) {
		r[i] = (struct reader_arg){ .bl = bl };
		assert_int_equal(pthread_create(&t[i], NULL, reader_main, &r[i]), 0);
	}
	char v[32];
	struct ox_bl_counts c;
	for (int round = 0; round < 200; round++) {
		struct ox_bl_op op;
		ox_bl_op_init(&op, round % 3 == 2 ? OX_BL_OP_REMOVE : OX_BL_OP_ADD);
		op.at = T0 + round;
		snprintf(op.actor, sizeof op.actor, "actor%d", round % 7);
		for (int i = 0; i < 50; i++) {
			snprintf(v, sizeof v, "u%d", (round * 37 + i * 11) % 2000);
			assert_int_equal(ox_bl_op_item(&op, OX_BL_CUSTOMER, ox_str_z(v), OX_STR_NULL,
						       round % 2 ? T0 + round + 5 : OX_TIME_NONE, 0, NULL),
					 0);
		}
		assert_int_equal(apply(bl, &op, &c), 0);
		ox_blacklist_expire(bl, T0 + round);
	}
	for (int i = 0; i < 3; i++) {
		__atomic_store_n(&r[i].stop, true, __ATOMIC_RELEASE);
		pthread_join(t[i], NULL);
	}
	size_t n = 0;
	struct ox_bl_query q = { .kind = -1, .after_kind = -1 };
	ox_blacklist_list(bl, &q, count_fn, &n);
	assert_int_equal(n, ox_blacklist_count(bl));
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
		cmocka_unit_test(test_metadata_and_listing),
		cmocka_unit_test(test_remove_and_compaction),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_op_item_errors),
		cmocka_unit_test(test_op_record_round_trip),
		cmocka_unit_test(test_request_parse),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_csv_round_trip),
		cmocka_unit_test(test_readers_and_writer),
	};
	return cmocka_run_group_tests_name("blacklist", tests, NULL, NULL);
}
