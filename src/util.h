/* util.h - small shared helpers: string slices, allocation, hashing, money.
 *
 * Memory policy: ordex is a server. Running out of memory is not an error a
 * caller can handle usefully, so ox_xmalloc() and friends abort with a message
 * (as Redis's zmalloc does). Everything else returns errors.
 */
#ifndef OX_UTIL_H
#define OX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A byte slice. Not necessarily NUL-terminated unless a producer says so. */
struct ox_str {
	const char *s;
	size_t len;
};

#define OX_STR_LIT(lit) ((struct ox_str){ (lit), sizeof(lit) - 1 })
#define OX_STR_NULL ((struct ox_str){ NULL, 0 })

static inline struct ox_str ox_str_z(const char *z)
{
	return (struct ox_str){ z, z ? strlen(z) : 0 };
}

static inline bool ox_str_eq(struct ox_str a, struct ox_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

static inline bool ox_str_eqz(struct ox_str a, const char *z)
{
	size_t n = strlen(z);
	return a.len == n && (n == 0 || memcmp(a.s, z, n) == 0);
}

/* Allocation that aborts on out-of-memory (see the policy above). */
void *ox_xmalloc(size_t n);
void *ox_xcalloc(size_t count, size_t size);
void *ox_xrealloc(void *p, size_t n);
char *ox_xstrndup(const char *s, size_t n);
#define OX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Zeroed memory for a large hash table, freed with ox_table_free() and the
 * same count and size. Tables of millions of slots are read at random, so
 * every lookup would also miss the TLB; from 2 MiB on they are mapped on
 * their own, aligned and advised to use huge pages, and zeroed lazily by
 * the kernel page by page. */
void *ox_table_alloc(size_t count, size_t size);
/* The same, NULL instead of an abort when the memory is not there (a size
 * read from a file). */
void *ox_table_try_alloc(size_t count, size_t size);
void ox_table_free(void *p, size_t count, size_t size);
/* Bytes of the tables currently mapped on their own (malloc's statistics
 * do not see them). */
size_t ox_table_bytes(void);

/* Leave a large structure to the process exit instead of freeing it: freeing
 * the millions of small blocks an engine holds after a day of orders took
 * minutes (longer than a supervisor waits for a stop), and the kernel takes
 * the whole address space back at once. Kept reachable here, so leak
 * checkers do not report it. Only for what lives until the process ends. */
void ox_keep_until_exit(void *p);

/* Grow *items (of *cap elements of size esize) so that it holds at least
 * need elements. Doubles; never shrinks. */
void ox_grow(void **items, size_t *cap, size_t need, size_t esize);
#define OX_GROW(arr, cap, need) ox_grow((void **)&(arr), &(cap), (need), sizeof(*(arr)))

/* Seconds on the monotonic clock: for durations and timeouts. */
double ox_mono_seconds(void);

/* 64-bit and 128-bit hashes (XXH3). The 128-bit one identifies event ids:
 * a collision among 2^32 ids has probability ~2^-64. */
uint64_t ox_hash64(const void *p, size_t n);
struct ox_hash128 {
	uint64_t lo, hi;
};
struct ox_hash128 ox_hash128(const void *p, size_t n);

/* Money is integer fen (1/100 CNY). */
/* Little-endian fields of the on-disk formats (the event log, snapshots,
 * archives): written byte by byte, never as a struct's memory, so neither
 * the compiler nor the platform changes a format. */
static inline void ox_put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t ox_get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A file named by a log seq: exactly 20 digits, then ext (".snap",
 * ".arch.tmp"). The seq, or 0 for any other name. */
uint64_t ox_seq_name_parse(const char *name, const char *ext);

typedef int64_t ox_money;

/* Writes "119.80" (or "-0.50") into buf; returns buf. */
#define OX_MONEY_BUFSZ 32
char *ox_money_format(ox_money fen, char buf[OX_MONEY_BUFSZ]);

/* A growable byte buffer with a hard maximum (like curl's dynbuf).
 * ox_buf_init() cannot fail; ox_buf_release() frees and re-inits. */
struct ox_buf {
	char *data;
	size_t len, cap, max;
};
void ox_buf_init(struct ox_buf *b, size_t max);
void ox_buf_release(struct ox_buf *b);
/* Return -1 (buffer unchanged) when the result would exceed max. */
int ox_buf_add(struct ox_buf *b, const void *p, size_t n);
int ox_buf_addz(struct ox_buf *b, const char *z);
int ox_buf_addf(struct ox_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append v in decimal (what printf's %lld writes, without printf). */
int ox_buf_add_int(struct ox_buf *b, int64_t v);
/* Append s as a JSON string literal, quotes included. */
int ox_buf_add_json_str(struct ox_buf *b, const char *s, size_t n);
void ox_buf_reset(struct ox_buf *b);
/* Room for n more bytes (and the NUL) without another allocation; -1 past max. */
int ox_buf_reserve(struct ox_buf *b, size_t n);

/* Length of the longest prefix of s (at most max bytes) that does not end
 * inside a UTF-8 sequence: for cutting text without breaking a character. */
size_t ox_utf8_clip(const char *s, size_t len, size_t max);

/* The messages of a module's error codes, one row per code, made from the
 * module's X(enum suffix, value, message) list:
 *	static const struct ox_errmsg msgs[] = { OX_EVLOG_ERRORS(OX_ERRMSG_ROW) };
 *	return ox_errmsg_find(msgs, OX_ARRAY_LEN(msgs), err);
 * An unknown code reads "unknown error". */
struct ox_errmsg {
	int err;
	const char *msg;
};
#define OX_ERRMSG_ROW(e, v, msg) { v, msg },
const char *ox_errmsg_find(const struct ox_errmsg *msgs, size_t n, int err);

/* Length of the well-formed UTF-8 sequence at s[i] (i < n: no overlongs,
 * surrogates or values above U+10FFFF) with its code point in *cp, or 0
 * when s[i] starts none. */
size_t ox_utf8_seq(const char *s, size_t n, size_t i, uint32_t *cp);

/* Is s[0..n) text a person may write into a name or a log line: valid
 * UTF-8 (no overlongs, surrogates, values above U+10FFFF) without C0
 * control characters or DEL, nor C1 control characters when no_c1? */
bool ox_utf8_text_ok(const char *s, size_t n, bool no_c1);

/* Count UTF-8 code points (input assumed valid UTF-8). */
size_t ox_utf8_len(const char *s, size_t n);

#endif
