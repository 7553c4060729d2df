/* fuzz_http.c - libFuzzer harness for HTTP requests as bytes
 * (src/http_parse.h): one input is a head and what follows it, the
 * following part decoded as a chunked body (the whole input when it has no
 * head).
 *
 * Besides what ASan and UBSan catch (each parse works on a copy of exactly
 * its bytes, so a read past the end is caught), it checks:
 *   - ox_http_head_scan over the input in two pieces finds what
 *     ox_http_head_end finds over all of it;
 *   - ox_http_head_end returns 0 only below OX_HTTP_HEAD_MAX bytes, -1 only
 *     from there, and otherwise an end within both the input and the limit,
 *     just after an LF, found again at the same place in that prefix alone;
 *   - ox_http_parse_head, on the head or on all of the input, returns 0 or
 *     one of 400, 431, 501, 505 with a reason; on 0 every string it hands
 *     out (method, path, names, values) starts and ends (its NUL) inside the
 *     buffer, the method is not empty, the path starts with '/', the minor
 *     version is 0 or 1, the counts are within OX_HTTP_FIELDS_MAX, and
 *     chunked never comes with a Content-Length;
 *   - ox_http_chunks_feed gives the same result (status, bytes consumed,
 *     data decoded, done) for the body fed whole and split at two points,
 *     also when out's maximum (from the input) refuses the data; it never
 *     consumes more than it is given, and gives a reason on failure.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *copy(const uint8_t *data, size_t n)
{
	char *s = malloc(n ? n : 1);
	assert(s);
	memcpy(s, data, n);
	return s;
}

/* s lies in buf[0..n), its NUL too. */
static void within(const char *buf, size_t n, const char *s)
{
	assert(s >= buf && s < buf + n);
	assert(memchr(s, '\0', (size_t)(buf + n - s)));
}

static void fields_within(const char *buf, size_t n, const struct ox_http_field *f, size_t k)
{
	assert(k <= OX_HTTP_FIELDS_MAX);
	for (size_t i = 0; i < k; i++) {
		within(buf, n, f[i].name);
		within(buf, n, f[i].value);
	}
}

static void parse(const uint8_t *data, size_t n)
{
	static struct ox_http_head h;
	char *buf = copy(data, n);
	const char *why = NULL;
	int st = ox_http_parse_head(buf, n, &h, &why);
	if (st) {
		assert((st == 400 || st == 431 || st == 501 || st == 505) && why);
	} else {
		within(buf, n, h.method);
		within(buf, n, h.path);
		assert(*h.method && h.path[0] == '/' && (h.minor == 0 || h.minor == 1));
		fields_within(buf, n, h.headers, h.n_headers);
		fields_within(buf, n, h.args, h.n_args);
		fields_within(buf, n, h.cookies, h.n_cookies);
		assert(!(h.chunked && h.content_length));
	}
	free(buf);
}

struct decoded {
	ssize_t st;      /* -1, -2 or the bytes consumed */
	struct ox_buf out;
	bool done;
};

/* Decode body[0..n) fed in the pieces ending at cuts[], then at n. */
static void decode(const char *body, size_t n, const size_t *cuts, size_t ncuts, size_t max, struct decoded *d)
{
	struct ox_http_chunks c = { 0 };
	ox_buf_init(&d->out, max);
	size_t from = 0;
	d->st = 0;
	for (size_t i = 0; i <= ncuts && !c.done; i++) {
		size_t to = i < ncuts ? cuts[i] : n;
		const char *why = NULL;
		ssize_t r = ox_http_chunks_feed(&c, body + from, to - from, &d->out, &why);
		if (r < 0) {
			assert((r == -1 || r == -2) && why);
			d->st = r;
			break;
		}
		assert((size_t)r <= to - from && ((size_t)r == to - from || c.done));
		d->st += r;
		from = to;
	}
	d->done = c.done;
}

static void chunks(const uint8_t *data, size_t n)
{
	char *body = copy(data, n);
	uint64_t hash = 14695981039346656037u; /* FNV-1a: split points that follow the input */
	for (size_t i = 0; i < n; i++)
		hash = (hash ^ data[i]) * 1099511628211u;
	size_t cuts[2] = { hash % (n + 1), (hash >> 32) % (n + 1) };
	if (cuts[0] > cuts[1]) {
		size_t t = cuts[0];
		cuts[0] = cuts[1];
		cuts[1] = t;
	}
	size_t max = hash >> 60 ? SIZE_MAX : (size_t)(hash >> 40) % (n + 1);
	struct decoded whole, split;
	decode(body, n, NULL, 0, max, &whole);
	decode(body, n, cuts, 2, max, &split);
	assert(whole.st == split.st && whole.done == split.done);
	if (whole.st >= 0)
		assert(whole.out.len == split.out.len &&
		       (!whole.out.len || !memcmp(whole.out.data, split.out.data, whole.out.len)));
	ox_buf_release(&whole.out);
	ox_buf_release(&split.out);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = copy(data, size);
	ssize_t end = ox_http_head_end(buf, size);
	/* scanned in two pieces, as bytes arrive: the same end */
	struct ox_http_head_scan scan = { 0 };
	size_t cut = size ? data[0] % (size + 1) : 0;
	ssize_t first = ox_http_head_scan(&scan, buf, cut);
	assert(first > 0 ? first == end : ox_http_head_scan(&scan, buf, size) == end);
	free(buf);
	if (end == 0)
		assert(size < OX_HTTP_HEAD_MAX);
	else if (end < 0)
		assert(end == -1 && size >= OX_HTTP_HEAD_MAX);
	else
		assert((size_t)end <= size && (size_t)end <= OX_HTTP_HEAD_MAX && data[end - 1] == '\n');
	if (end > 0) {
		buf = copy(data, (size_t)end);
		assert(ox_http_head_end(buf, (size_t)end) == end);
		free(buf);
		parse(data, (size_t)end);
	}
	parse(data, size);
	size_t at = end > 0 ? (size_t)end : 0;
	chunks(data + at, size - at);
	return 0;
}
