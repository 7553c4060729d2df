/* util.c - see util.h. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static void oom(size_t n)
{
	fprintf(stderr, "ordex: out of memory allocating %zu bytes\n", n);
	abort();
}

void *ox_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *ox_xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		oom(count * size);
	return p;
}

void *ox_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

#ifdef __SANITIZE_ADDRESS__
/* Leak checking scans the heap, not our own mappings: a table of pointers
 * must be declared a root, or what only it points to looks leaked. */
#include <sanitizer/lsan_interface.h>
#define TABLE_ROOT(p, n) __lsan_register_root_region((p), (n))
#define TABLE_UNROOT(p, n) __lsan_unregister_root_region((p), (n))
#else
#define TABLE_ROOT(p, n) ((void)0)
#define TABLE_UNROOT(p, n) ((void)0)
#endif

/* A table of at least this many bytes is mapped on its own. */
#define TABLE_HUGE ((size_t)2 << 20)

/* Bytes of the tables mapped on their own: outside malloc's accounting. */
static _Atomic size_t table_bytes;

size_t ox_table_bytes(void)
{
	return table_bytes;
}

void *ox_table_alloc(size_t count, size_t size)
{
	void *p = ox_table_try_alloc(count, size);
	if (!p)
		oom(size && count > SIZE_MAX / size ? SIZE_MAX : count * size);
	return p;
}

void *ox_table_try_alloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		return NULL;
	size_t n = count * size;
	if (n < TABLE_HUGE)
		return calloc(count ? count : 1, size ? size : 1);
	/* Fresh anonymous pages are zero: nothing is written now, each page is
	 * zeroed by the kernel when first touched. Zeroing tens of MiB at once
	 * stalled the one thread that applies events for tens of ms. The
	 * mapping is over-sized, then trimmed to 2 MiB alignment. */
	size_t len = n + TABLE_HUGE;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *q = (char *)(((uintptr_t)p + TABLE_HUGE - 1) & ~(uintptr_t)(TABLE_HUGE - 1));
	if (q > p)
		munmap(p, (size_t)(q - p));
	size_t tail = (size_t)(p + len - (q + n));
	if (tail)
		munmap(q + n, tail);
	madvise(q, n, MADV_HUGEPAGE); /* advice only: a refusal changes nothing */
	TABLE_ROOT(q, n);
	table_bytes += n;
	return q;
}

void ox_table_free(void *p, size_t count, size_t size)
{
	if (!p)
		return;
	if (count * size < TABLE_HUGE) {
		free(p);
	} else {
		TABLE_UNROOT(p, count * size);
		munmap(p, count * size);
		table_bytes -= count * size;
	}
}

const char *ox_errmsg_find(const struct ox_errmsg *msgs, size_t n, int err)
{
	for (size_t i = 0; i < n; i++)
		if (msgs[i].err == err)
			return msgs[i].msg;
	return "unknown error";
}

void ox_keep_until_exit(void *p)
{
	static void *kept[16];
	static _Atomic size_t n;
	size_t i = n++;
	if (i < OX_ARRAY_LEN(kept))
		kept[i] = p;
}

char *ox_xstrndup(const char *s, size_t n)
{
	char *p = ox_xmalloc(n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void ox_grow(void **items, size_t *cap, size_t need, size_t esize)
{
	if (need <= *cap)
		return;
	size_t c = *cap ? *cap : 4;
	while (c < need)
		c *= 2;
	*items = ox_xrealloc(*items, c * esize);
	*cap = c;
}

double ox_mono_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t ox_hash64(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

struct ox_hash128 ox_hash128(const void *p, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(p, n);
	return (struct ox_hash128){ h.low64, h.high64 };
}

char *ox_money_format(ox_money fen, char buf[OX_MONEY_BUFSZ])
{
	uint64_t a = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
	snprintf(buf, OX_MONEY_BUFSZ, "%s%llu.%02llu", fen < 0 ? "-" : "",
		 (unsigned long long)(a / 100), (unsigned long long)(a % 100));
	return buf;
}

void ox_buf_init(struct ox_buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void ox_buf_release(struct ox_buf *b)
{
	free(b->data);
	ox_buf_init(b, b->max);
}

void ox_buf_reset(struct ox_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Keeps room for a terminating NUL so data is always a C string. */
int ox_buf_reserve(struct ox_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return -1;
	size_t need = b->len + n + 1;
	if (need > b->cap) {
		size_t c = b->cap ? b->cap : 64;
		while (c < need)
			c *= 2;
		b->data = ox_xrealloc(b->data, c);
		b->cap = c;
	}
	return 0;
}

int ox_buf_add(struct ox_buf *b, const void *p, size_t n)
{
	if (ox_buf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int ox_buf_addz(struct ox_buf *b, const char *z)
{
	return ox_buf_add(b, z, strlen(z));
}

int ox_buf_addf(struct ox_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof tmp)
		return ox_buf_add(b, tmp, (size_t)n);
	if (ox_buf_reserve(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int ox_buf_add_int(struct ox_buf *b, int64_t v)
{
	char digits[24], *p = digits + sizeof digits;
	/* in unsigned arithmetic: -INT64_MIN does not fit an int64_t */
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	return ox_buf_add(b, p, (size_t)(digits + sizeof digits - p));
}

int ox_buf_add_json_str(struct ox_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	if (ox_buf_add(b, "\"", 1) < 0)
		return -1;
	size_t run = 0; /* bytes copied verbatim in one go */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (ox_buf_add(b, s + run, i - run) < 0)
			return -1;
		run = i + 1;
		char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
		size_t elen = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (ox_buf_add(b, esc, elen) < 0)
			return -1;
	}
	if (ox_buf_add(b, s + run, n - run) < 0)
		return -1;
	return ox_buf_add(b, "\"", 1);
}

size_t ox_utf8_clip(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	size_t n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--; /* s[n] continues a sequence: cut before its lead byte */
	return n;
}

size_t ox_utf8_len(const char *s, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

size_t ox_utf8_seq(const char *z, size_t n, size_t i, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)z;
	unsigned c = s[i];
	size_t k;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		k = 2, v = c & 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		k = 3, v = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		k = 4, v = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n - i < k)
		return 0;
	for (size_t j = 1; j < k; j++) {
		if ((s[i + j] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i + j] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return k;
}

bool ox_utf8_text_ok(const char *z, size_t n, bool no_c1)
{
	for (size_t i = 0, k; i < n; i += k) {
		uint32_t cp;
		k = ox_utf8_seq(z, n, i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7F || (no_c1 && cp >= 0x80 && cp <= 0x9F))
			return false;
	}
	return true;
}

uint64_t ox_seq_name_parse(const char *name, const char *ext)
{
	if (strlen(name) != 20 + strlen(ext) || strcmp(name + 20, ext) != 0)
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 20; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		unsigned d = (unsigned)(name[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}
