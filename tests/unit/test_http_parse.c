/* test_http_parse.c - HTTP requests as bytes (src/http_parse.c): the end
 * of a head, the head parsed (request line, decoding, headers, query
 * arguments, cookies, framing, keep-alive, each refusal with its status),
 * and chunked bodies fed whole, byte by byte and split everywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

static ssize_t head_end(const char *s)
{
	return ox_http_head_end(s, strlen(s));
}

static void test_head_end(void **state)
{
	(void)state;
	assert_int_equal(head_end("GET / HTTP/1.1\r\nHost: h\r\n\r\nbody"), 27);
	assert_int_equal(head_end("GET / HTTP/1.1\nHost: h\n\nbody"), 24);
	assert_int_equal(head_end("GET / HTTP/1.1\r\n\n"), 17);
	assert_int_equal(head_end("GET / HTTP/1.1\n\r\n"), 17);
	/* empty lines before the request line belong to the head */
	assert_int_equal(head_end("\r\n\nGET / HTTP/1.1\r\n\r\n"), 21);
	assert_int_equal(head_end("\r\n\r\n"), 0);
	assert_int_equal(head_end(""), 0);
	assert_int_equal(head_end("GET / HTTP/1.1\r\nHost: h\r\n\r"), 0);
	assert_int_equal(head_end("GET / HTTP/1.1\r\n\r\r\n"), 0); /* "\r" is not an empty line */

	/* the limit: a head of exactly OX_HTTP_HEAD_MAX bytes, one byte more */
	size_t max = OX_HTTP_HEAD_MAX;
	char *big = malloc(max + 2);
	memset(big, 'a', max + 2);
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	memcpy(big + max - 4, "\r\n\r\n", 4);
	assert_int_equal(ox_http_head_end(big, max), (ssize_t)max);
	assert_int_equal(ox_http_head_end(big, max - 1), 0);
	memcpy(big + max - 4, "a\r\n\r\n", 5);
	assert_int_equal(ox_http_head_end(big, max - 1), 0);
	assert_int_equal(ox_http_head_end(big, max), -1);
	assert_int_equal(ox_http_head_end(big, max + 1), -1);
	memset(big, '\n', max); /* only empty lines: never a head */
	assert_int_equal(ox_http_head_end(big, max), -1);
	free(big);
}

/* A head arriving a byte at a time: each byte looked at once, the end the
 * same as found whole. */
static void test_head_scan(void **state)
{
	(void)state;
	static const char *const heads[] = {
		"GET / HTTP/1.1\r\nHost: h\r\n\r\nbody", "\r\n\nGET / HTTP/1.1\n\r\n", "GET / HTTP/1.1\r\n\r\r\n",
		"\r\n\r\n",
	};
	for (size_t i = 0; i < OX_ARRAY_LEN(heads); i++) {
		size_t len = strlen(heads[i]);
		struct ox_http_head_scan s = { 0 };
		ssize_t end = 0;
		for (size_t n = 0; n <= len && end == 0; n++) {
			end = ox_http_head_scan(&s, heads[i], n);
			assert_true(s.pos == n || end > 0);
		}
		assert_int_equal(end, head_end(heads[i]));
	}
	/* a head longer than the limit, a byte at a time: -1 at the limit */
	char *big = malloc(OX_HTTP_HEAD_MAX + 1);
	memset(big, 'a', OX_HTTP_HEAD_MAX + 1);
	struct ox_http_head_scan s = { 0 };
	for (size_t n = 0; n < OX_HTTP_HEAD_MAX; n++)
		assert_int_equal(ox_http_head_scan(&s, big, n), 0);
	assert_int_equal(ox_http_head_scan(&s, big, OX_HTTP_HEAD_MAX), -1);
	free(big);
}

/* Parse the head at the start of s (with what follows); returns the
 * status, the reason in *why. The buffer is static: h points into it. */
static int parse(const char *s, struct ox_http_head *h, const char **why)
{
	static char buf[OX_HTTP_HEAD_MAX];
	ssize_t n = ox_http_head_end(s, strlen(s));
	assert_true(n > 0);
	memcpy(buf, s, (size_t)n);
	*why = NULL;
	int st = ox_http_parse_head(buf, (size_t)n, h, why);
	assert_true(st ? *why != NULL : *why == NULL);
	return st;
}

static struct ox_http_head head;

static void ok(const char *s)
{
	const char *why;
	int st = parse(s, &head, &why);
	if (st)
		fail_msg("%d %s: %s", st, why, s);
}

static void refused(const char *s, int status, const char *reason)
{
	const char *why;
	struct ox_http_head h;
	assert_int_equal(parse(s, &h, &why), status);
	assert_string_equal(why, reason);
}

static const char *header(const char *name)
{
	return ox_http_field(head.headers, head.n_headers, name, true);
}

static const char *arg(const char *name)
{
	return ox_http_field(head.args, head.n_args, name, false);
}

static const char *cookie(const char *name)
{
	return ox_http_field(head.cookies, head.n_cookies, name, false);
}

static void test_request_line(void **state)
{
	(void)state;
	ok("\r\n\nPATCH /api/v1/cases/7 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.method, "PATCH");
	assert_string_equal(head.path, "/api/v1/cases/7");
	assert_int_equal(head.minor, 1);
	assert_int_equal(head.n_args, 0);
	ok("GET / HTTP/1.0\n\n");
	assert_int_equal(head.minor, 0);
	ok("M-SEARCH! /x HTTP/1.1\r\nHost: h\r\n\r\n"); /* any token */
	assert_string_equal(head.method, "M-SEARCH!");

	refused("G(T / HTTP/1.1\r\n\r\n", 400, "malformed method");
	refused(" GET / HTTP/1.1\r\n\r\n", 400, "malformed method");
	refused("GET  / HTTP/1.1\r\n\r\n", 400, "malformed request target");
	refused("GET /a\tb HTTP/1.1\r\n\r\n", 400, "malformed request target");
	refused("GET /\x7f HTTP/1.1\r\n\r\n", 400, "malformed request target");
	refused("GET /\r HTTP/1.1\r\n\r\n", 400, "malformed request target");
	refused("GET / HTTP/1.1 \r\n\r\n", 400, "malformed HTTP version");
	refused("GET / HTTP/1.1\r\r\n\r\n", 400, "malformed HTTP version");
	refused("GET / http/1.1\r\n\r\n", 400, "malformed HTTP version");
	refused("GET / HTTP/1.x\r\n\r\n", 400, "malformed HTTP version");
	refused("GET / HTTP/11\r\n\r\n", 400, "malformed HTTP version");
	refused("GET /\r\n\r\n", 400, "malformed request target");
	refused("GET / HTTP/2.0\r\n\r\n", 505, "HTTP version not supported (only 1.0 and 1.1)");
	refused("GET / HTTP/1.2\r\n\r\n", 505, "HTTP version not supported (only 1.0 and 1.1)");
	refused("GET / HTTP/0.9\r\n\r\n", 505, "HTTP version not supported (only 1.0 and 1.1)");
	refused("GET * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "the target's path does not start with '/'");
	refused("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "the target's path does not start with '/'");
	refused("GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400, "the target's path does not start with '/'");
}

/* A NUL byte anywhere in the head: refused (strlen cannot build these). */
static void test_nul_bytes(void **state)
{
	(void)state;
#define NUL_CASE(s, why) { s, sizeof s - 1, why }
	static const struct {
		const char *s;
		size_t n;
		const char *why;
	} cases[] = {
		NUL_CASE("GET / HTTP/1.1\0\r\nHost: h\r\n\r\n", "malformed HTTP version"),
		NUL_CASE("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n", "malformed request target"),
		NUL_CASE("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n", "a control byte in a header value"),
		NUL_CASE("GET / HTTP/1.1\r\nHo\0st: h\r\n\r\n", "malformed header name"),
		NUL_CASE("\0GET / HTTP/1.1\r\nHost: h\r\n\r\n", "malformed method"),
	};
#undef NUL_CASE
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];
		struct ox_http_head h;
		const char *why = NULL;
		memcpy(buf, cases[i].s, cases[i].n);
		assert_int_equal(ox_http_head_end(buf, cases[i].n), (ssize_t)cases[i].n);
		assert_int_equal(ox_http_parse_head(buf, cases[i].n, &h, &why), 400);
		assert_string_equal(why, cases[i].why);
	}
	/* a head cut short (not as ox_http_head_end found it) */
	char buf[] = "GET / HTTP/1.1\r\nHost: h\r\n";
	struct ox_http_head h;
	const char *why;
	assert_int_equal(ox_http_parse_head(buf, sizeof buf - 1, &h, &why), 400);
	assert_string_equal(why, "incomplete head");
	assert_int_equal(ox_http_parse_head(buf, 0, &h, &why), 400);
}

static void test_target(void **state)
{
	(void)state;
	/* the path percent-decoded, '+' kept, "%zz" kept, a fragment dropped */
	ok("GET /a%20b/%E5%8F%B0+c%2Fd%zz%4 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.path, "/a b/台+c/d%zz%4");
	ok("GET /p#frag?x=1 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.path, "/p");
	assert_int_equal(head.n_args, 0);
	refused("GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "a NUL byte (%00) in the path");

	/* the query: '&' pieces, '+' a space, empty pieces skipped */
	ok("GET /s?q=a+b%26c&&flag&=v&x=1=2&%E5%8F%B0=%e5%8f%b0&last=#frag HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.path, "/s");
	assert_int_equal(head.n_args, 6);
	assert_string_equal(arg("q"), "a b&c");
	assert_string_equal(arg("flag"), "");
	assert_string_equal(arg(""), "v");
	assert_string_equal(arg("x"), "1=2");
	assert_string_equal(arg("台"), "台");
	assert_string_equal(arg("last"), "");
	assert_null(arg("Q"));
	assert_null(arg("frag"));
	ok("GET /?&&& HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(head.n_args, 0);
	refused("GET /?a=%00 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "a NUL byte (%00) in the query");
	refused("GET /?%00=a HTTP/1.1\r\nHost: h\r\n\r\n", 400, "a NUL byte (%00) in the query");

	/* absolute-form: the path taken */
	ok("GET http://example.com:8080/a%41?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
	assert_string_equal(head.path, "/aA");
	assert_string_equal(arg("x"), "1");
	ok("GET HTTPS://example.com HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.path, "/");
	ok("GET http://example.com?y=2 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.path, "/");
	assert_string_equal(arg("y"), "2");
	ok("GET http://#f HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_string_equal(head.path, "/");
}

/* A request with n query arguments a0=0&a1=1... (and empty pieces). */
static const char *with_args(int n)
{
	static char s[2048];
	strcpy(s, "GET /?");
	for (int i = 0; i < n; i++)
		sprintf(s + strlen(s), "a%d=%d&&", i, i);
	strcat(s, " HTTP/1.1\r\nHost: h\r\n\r\n");
	return s;
}

static void test_query_limit(void **state)
{
	(void)state;
	ok(with_args(OX_HTTP_FIELDS_MAX));
	assert_int_equal(head.n_args, OX_HTTP_FIELDS_MAX);
	assert_string_equal(arg("a63"), "63");
	refused(with_args(OX_HTTP_FIELDS_MAX + 1), 431, "too many query arguments");
}

static void test_headers(void **state)
{
	(void)state;
	ok("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Blank: \t v 1 \t\r\nx-case: a\r\nX-Case: b\r\n"
	   "X-Utf8: 中文\xff\r\n\r\n");
	assert_int_equal(head.n_headers, 6);
	assert_string_equal(head.headers[0].name, "Host");
	assert_string_equal(header("x-empty"), "");
	assert_string_equal(header("X-BLANK"), "v 1");
	assert_string_equal(header("X-Case"), "a"); /* the first one */
	assert_string_equal(header("X-Utf8"), "中文\xff");
	assert_null(header("X"));
	assert_string_equal(ox_http_field(head.headers, head.n_headers, "x-case", false), "a");
	assert_null(ox_http_field(head.headers, head.n_headers, "X-CASE", false));

	refused("GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "malformed header name");
	refused("GET / HTTP/1.1\r\n: h\r\n\r\n", 400, "malformed header name");
	refused("GET / HTTP/1.1\r\nHost h\r\n\r\n", 400, "malformed header name");
	refused("GET / HTTP/1.1\r\nX(y): h\r\n\r\n", 400, "malformed header name");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", 400, "a folded header line (obs-fold)");
	refused("GET / HTTP/1.1\r\nHost: h\r\n\tX: b\r\n\r\n", 400, "a folded header line (obs-fold)");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400, "a control byte in a header value");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\r\n\r\n", 400, "a control byte in a header value");
	refused("GET / HTTP/1.1\r\nHost: h\r\nX: \x7f\r\n\r\n", 400, "a control byte in a header value");
	ok("GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n");
	assert_string_equal(header("x"), "a\tb");

	refused("GET / HTTP/1.1\r\n\r\n", 400, "no Host header, or more than one");
	refused("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400, "no Host header, or more than one");
	refused("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "no Host header, or more than one");

	char s[4096] = "GET / HTTP/1.1\r\nHost: h\r\n";
	for (int i = 1; i < OX_HTTP_FIELDS_MAX; i++)
		sprintf(s + strlen(s), "X-%d: %d\r\n", i, i);
	strcat(s, "\r\n");
	ok(s);
	assert_int_equal(head.n_headers, OX_HTTP_FIELDS_MAX);
	assert_string_equal(header("x-63"), "63");
	strcpy(s + strlen(s) - 2, "X-64: 64\r\n\r\n");
	refused(s, 431, "too many headers");
}

static void test_cookies(void **state)
{
	(void)state;
	ok("GET / HTTP/1.1\r\nHost: h\r\nCookie: ordex_session=abc; theme=\"dark\";lang = zh ;; noval; =x; e=\r\n"
	   "cookie: q=\"\"; one=\"\r\n\r\n");
	assert_int_equal(head.n_cookies, 6);
	assert_string_equal(cookie("ordex_session"), "abc");
	assert_string_equal(cookie("theme"), "dark");
	assert_string_equal(cookie("lang"), "zh");
	assert_string_equal(cookie("e"), "");
	assert_string_equal(cookie("q"), "");
	assert_string_equal(cookie("one"), "\""); /* a lone quote is no quoting */
	assert_null(cookie("noval"));
	assert_null(cookie("Theme"));

	char s[4096] = "GET / HTTP/1.1\r\nHost: h\r\nCookie: c0=0";
	for (int i = 1; i < OX_HTTP_FIELDS_MAX; i++)
		sprintf(s + strlen(s), "; c%d=%d", i, i);
	strcat(s, "\r\n\r\n");
	ok(s);
	assert_int_equal(head.n_cookies, OX_HTTP_FIELDS_MAX);
	assert_string_equal(cookie("c63"), "63");
	strcpy(s + strlen(s) - 4, "\r\nCookie: z=1\r\n\r\n");
	refused(s, 431, "too many cookies");
}

static void test_framing(void **state)
{
	(void)state;
	ok("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_false(head.chunked);
	assert_int_equal(head.content_length, 0);
	ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551615\r\n\r\n");
	assert_true(head.content_length == UINT64_MAX);
	ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 12, 12 ,,12\r\ncontent-length: 012\r\n\r\n");
	assert_int_equal(head.content_length, 12);
	ok("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(head.content_length, 0);
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551616\r\n\r\n", 400,
		"malformed Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\n", 400, "malformed Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400, "malformed Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", 400, "malformed Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", 400, "malformed Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", 400, "empty Content-Length");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 2\r\n\r\n", 400, "different Content-Lengths");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 3\r\n\r\n", 400,
		"different Content-Lengths");

	ok("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n");
	assert_true(head.chunked);
	ok("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,chunked , \r\n\r\n");
	assert_true(head.chunked);
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
		"a transfer coding other than chunked");
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501,
		"a transfer coding other than chunked");
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", 501,
		"a transfer coding other than chunked");
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunkedx\r\n\r\n", 501,
		"a transfer coding other than chunked");
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		400, "chunked twice");
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", 400, "empty Transfer-Encoding");
	refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400,
		"both Content-Length and Transfer-Encoding");
	refused("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
		"both Content-Length and Transfer-Encoding");
	refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "Transfer-Encoding in HTTP/1.0");
}

static void test_keep_alive(void **state)
{
	(void)state;
	static const struct {
		const char *head;
		bool keep_alive, expect;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: h\r\n\r\n", true, false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", false, false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\n\r\n", false, false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n", true, false },
		{ "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false, false },
		{ "GET / HTTP/1.0\r\n\r\n", false, false },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true, false },
		{ "GET / HTTP/1.0\r\nConnection: te, keep-alive \r\n\r\n", true, false },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false, false },
		{ "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n", true, true },
		{ "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue-x\r\n\r\n", true, false },
		{ "POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", false, false }, /* ignored in 1.0 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ok(cases[i].head);
		assert_int_equal(head.keep_alive, cases[i].keep_alive);
		assert_int_equal(head.expect_continue, cases[i].expect);
	}
}

/* Decode body in the pieces ending at cuts[0..ncuts) and then at its end;
 * the result (bytes consumed, or -1 / -2) and the data in out. */
static ssize_t feed(const char *body, size_t n, const size_t *cuts, size_t ncuts, struct ox_buf *out,
		    const char **why)
{
	struct ox_http_chunks c = { 0 };
	size_t from = 0;
	ssize_t used = 0;
	for (size_t i = 0; i <= ncuts && !c.done; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		ssize_t r = ox_http_chunks_feed(&c, body + from, to - from, out, why);
		if (r < 0)
			return r;
		assert_true((size_t)r == to - from || c.done);
		used += r;
		from = to;
	}
	return c.done ? used : 0; /* 0: not done yet */
}

/* body decodes (whole, byte by byte, split at every one or two points) to
 * want with want_used bytes consumed (0: not done), or fails with status
 * (-1, -2 with out limited to max) and reason. */
static void chunks(const char *body, size_t n, ssize_t status, const char *want, size_t max, const char *reason)
{
	size_t cuts[2];
	size_t *every = malloc(n * sizeof *every);
	for (size_t i = 0; i < n; i++)
		every[i] = i;
	for (size_t way = 0; way < 2 + (n + 1) * (n + 1); way++) {
		struct ox_buf out;
		ox_buf_init(&out, max);
		const char *why = NULL;
		ssize_t r;
		if (way == 0) {
			r = feed(body, n, NULL, 0, &out, &why);
		} else if (way == 1) {
			r = feed(body, n, every, n, &out, &why);
		} else {
			cuts[0] = (way - 2) / (n + 1);
			cuts[1] = (way - 2) % (n + 1);
			if (cuts[0] > cuts[1])
				continue;
			r = feed(body, n, cuts, 2, &out, &why);
		}
		assert_int_equal(r, status);
		if (r >= 0) {
			assert_int_equal(out.len, strlen(want));
			assert_memory_equal(out.len ? out.data : "", want, out.len);
		} else {
			assert_string_equal(why, reason);
		}
		ox_buf_release(&out);
	}
	free(every);
}

#define OK(body, want) chunks(body, sizeof body - 1, sizeof body - 1, want, SIZE_MAX, NULL)
#define BAD(body, reason) chunks(body, sizeof body - 1, -1, NULL, SIZE_MAX, reason)

static void test_chunks(void **state)
{
	(void)state;
	OK("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
	OK("A;name=\"v;x\"\r\n0123456789\r\n00 ; last\r\n\r\n", "0123456789");
	OK("3\nabc\n1 \t;x\nd\r\n0\nTrailer: t\r\nOther: u\n\r\n", "abcd");
	OK("0\r\n\r\n", "");
	OK("000000001\r\nx\r\n0\r\n\r\n", "x");
	OK("2\r\n\r\n\r\n0\r\n\r\n", "\r\n"); /* data is data */

	/* what follows the body is left */
	static const char two[] = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
	chunks(two, sizeof two - 1, 13, "abc", SIZE_MAX, NULL);
	/* a body not finished yet: everything consumed, not done */
	static const char part[] = "3\r\nabc\r\n0\r\nX: y\r\n";
	chunks(part, sizeof part - 1, 0, "abc", SIZE_MAX, NULL);

	BAD("\r\n", "a chunk without a size");
	BAD("x\r\n", "malformed chunk size");
	BAD(";x\r\n", "malformed chunk size");
	BAD("1x\r\na\r\n", "malformed chunk size");
	BAD("1 2\r\na\r\n", "malformed chunk size");
	BAD("-1\r\n", "malformed chunk size");
	BAD("3\r\nabcd\r\n", "no CRLF after chunk data");
	BAD("3\r\nabc\rx", "a CR without LF in a chunked body");
	BAD("3\rx", "a CR without LF in a chunked body");
	BAD("0\r\nX: y\r\r\n", "a CR without LF in a chunked body");
	BAD("4000000000000001\r\n", "a chunk size over 2^62");
	BAD("10000000000000000\r\n", "a chunk size over 2^62");

	/* 2^62 itself is a size (whose data has not arrived) */
	static const char big[] = "4000000000000000\r\nab";
	chunks(big, sizeof big - 1, 0, "ab", SIZE_MAX, NULL);

	/* size and trailer lines up to 4 KiB, not beyond */
	char line[4200];
	struct ox_buf out;
	struct ox_http_chunks c;
	const char *why;
	ox_buf_init(&out, SIZE_MAX);
	for (int over = 0; over < 2; over++) {
		memset(line, ' ', sizeof line);
		memcpy(line, "1;", 2);
		memcpy(line + 4096 + over, "\r\nz\r\n0\r\n\r\n", 10);
		memset(&c, 0, sizeof c);
		assert_int_equal(ox_http_chunks_feed(&c, line, 4106 + (size_t)over, &out, &why), over ? -1 : 4106);
		memset(line, ' ', sizeof line);
		memcpy(line, "0\r\nX:", 5);
		memcpy(line + 3 + 4096 + over, "\r\n\r\n", 4);
		memset(&c, 0, sizeof c);
		assert_int_equal(ox_http_chunks_feed(&c, line, 4103 + (size_t)over, &out, &why), over ? -1 : 4103);
		assert_true(over ? !strcmp(why, "a chunk size or trailer line over 4 KiB") : c.done);
	}
	assert_string_equal(out.data, "z");
	ox_buf_release(&out);

	/* out's limit: the data of exactly the limit fits, one byte more not */
	static const char body[] = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
	chunks(body, sizeof body - 1, sizeof body - 1, "abcde", 5, NULL);
	chunks(body, sizeof body - 1, -2, NULL, 4, "body too large");

	/* done: nothing more consumed */
	memset(&c, 0, sizeof c);
	ox_buf_init(&out, SIZE_MAX);
	assert_int_equal(ox_http_chunks_feed(&c, "0\n\nrest", 7, &out, &why), 3);
	assert_int_equal(ox_http_chunks_feed(&c, "rest", 4, &out, &why), 0);
	assert_int_equal(out.len, 0);
	ox_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_end),    cmocka_unit_test(test_head_scan),
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_nul_bytes),   cmocka_unit_test(test_target),
		cmocka_unit_test(test_query_limit), cmocka_unit_test(test_headers),
		cmocka_unit_test(test_cookies),     cmocka_unit_test(test_framing),
		cmocka_unit_test(test_keep_alive),  cmocka_unit_test(test_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
