/* json.c - see json.h.
 *
 * Recursive descent over the input, depth-limited. The hot loop is the
 * string scan: a chunk at a time while the bytes are plain ASCII, byte by
 * byte only around escapes, control characters and UTF-8 sequences.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util.h"

struct ctx {
	struct ox_json *p;
	const char *in, *cur, *end;
	char *out; /* next free byte of the arena */
	unsigned depth;
};

static int fail(struct ctx *c, const char *at, const char *msg)
{
	c->p->err = msg;
	c->p->err_col = (size_t)(at - c->in) + 1;
	return -1;
}

static void __attribute__((noinline)) grow_toks(struct ox_json *p)
{
	OX_GROW(p->toks, p->cap, p->n + 1);
}

static inline size_t push(struct ctx *c, enum ox_json_type type, const char *s)
{
	struct ox_json *p = c->p;
	if (p->n == p->cap)
		grow_toks(p);
	struct ox_json_tok *t = &p->toks[p->n];
	t->s = s;
	t->len = t->size = 0;
	t->end = (uint32_t)p->n + 1;
	t->type = (uint8_t)type;
	t->flags = 0;
	return p->n++;
}

static inline void skip_ws(struct ctx *c)
{
	/* Machine-written NDJSON has no white space: one test in that case. */
	if (c->cur < c->end && (unsigned char)*c->cur > ' ')
		return;
	while (c->cur < c->end &&
	       (*c->cur == ' ' || *c->cur == '\t' || *c->cur == '\n' || *c->cur == '\r'))
		c->cur++;
}

/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes available), or
 * 0. Unicode Table 3-7: this excludes overlongs (C0, C1, E0 80..9F,
 * F0 80..8F), surrogates (ED A0..BF) and code points above U+10FFFF. */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
				       (s[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

/* scan_chunk(q): how many of the SCAN_CHUNK bytes at q (all readable) come
 * before the first '"', '\\', control character or non-ASCII byte;
 * SCAN_CHUNK if none. SSE2 where the target has it (all of x86-64), else
 * eight bytes in a register. Building with -U__SSE2__ tests the latter. */
#if defined(__SSE2__)
#define SCAN_CHUNK 16
static inline size_t scan_chunk(const char *q)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
	/* Signed compare: bytes >= 0x80 are negative, so "< 0x20" takes them. */
	__m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
						_mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
				  _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	unsigned m = (unsigned)_mm_movemask_epi8(sp);
	return m ? (size_t)__builtin_ctz(m) : SCAN_CHUNK;
}
#else
#define SCAN_CHUNK 8
static inline size_t scan_chunk(const char *q)
{
	/* The high bit of each special byte, exactly (no carry crosses a byte,
	 * so the first set bit is the first special byte on either order). */
	const uint64_t ones = 0x0101010101010101u, low7 = ones * 0x7F, high = ones * 0x80;
	uint64_t v;
	memcpy(&v, q, 8);
	uint64_t qt = v ^ (ones * '"'), bs = v ^ (ones * '\\');
	uint64_t printable = (v & low7) + ones * (0x80 - 0x20); /* low 7 bits >= 0x20 */
	uint64_t not_qt = ((qt & low7) + low7) | qt, not_bs = ((bs & low7) + low7) | bs;
	uint64_t m = (~(printable & not_qt & not_bs) | v) & high;
	if (!m)
		return SCAN_CHUNK;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (size_t)__builtin_clzll(m) >> 3;
#else
	return (size_t)__builtin_ctzll(m) >> 3;
#endif
}
#endif

static inline int plain(unsigned char ch)
{
	return ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\';
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned ch = (unsigned char)s[i], d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			d = (ch | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* The single-character escapes of RFC 8259 section 7, by the letter after
 * the backslash ('u' is handled apart). */
static char unescape(char ch)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *f = ch ? strchr(from, ch) : NULL;
	return f ? to[f - from] : 0;
}

/* Decode the rest of a string from q (at a backslash) into the arena. */
static int string_escaped(struct ctx *c, struct ox_json_tok *t, const char *s, const char *q)
{
	char *start = c->out, *o = c->out;
	memcpy(o, s, (size_t)(q - s));
	o += q - s;
	t->flags |= OX_JSON_F_ESC;
	for (;;) {
		if (q >= c->end)
			return fail(c, c->cur, "unterminated string");
		unsigned char ch = (unsigned char)*q;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return fail(c, q, "control character in string");
		if (ch >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)q, (size_t)(c->end - q));
			if (!n)
				return fail(c, q, "invalid UTF-8");
			memcpy(o, q, n);
			o += n;
			q += n;
			continue;
		}
		if (ch != '\\') {
			*o++ = (char)ch;
			q++;
			continue;
		}
		if (c->end - q < 2)
			return fail(c, c->cur, "unterminated string");
		if (q[1] != 'u') {
			char u = unescape(q[1]);
			if (!u)
				return fail(c, q, "invalid escape");
			*o++ = u;
			q += 2;
			continue;
		}
		unsigned cp, lo;
		if (c->end - q < 6 || hex4(q + 2, &cp) < 0)
			return fail(c, q, "invalid \\u escape");
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail(c, q, "lone surrogate escape");
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (c->end - q < 12 || q[6] != '\\' || q[7] != 'u' || hex4(q + 8, &lo) < 0 ||
			    lo < 0xDC00 || lo > 0xDFFF)
				return fail(c, q, "lone surrogate escape");
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			q += 6;
		}
		if (cp == 0)
			t->flags |= OX_JSON_F_NUL;
		o = put_utf8(o, cp);
		q += 6;
	}
	*o = '\0';
	t->s = start;
	t->len = (uint32_t)(o - start);
	c->out = o + 1;
	c->cur = q + 1;
	return 0;
}

/* The general string loop, from q on: UTF-8, escapes, the last bytes of the
 * input, errors. Kept out of line so that parse_string() stays small. */
static int __attribute__((noinline)) string_slow(struct ctx *c, const char *s, const char *q)
{
	size_t ti = push(c, OX_JSON_STRING, s);
	struct ox_json_tok *t = &c->p->toks[ti];
	for (;;) {
		while (q < c->end && plain((unsigned char)*q))
			q++;
		if (q >= c->end)
			return fail(c, c->cur, "unterminated string");
		unsigned char ch = (unsigned char)*q;
		if (ch == '"')
			break;
		if (ch >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)q, (size_t)(c->end - q));
			if (!n)
				return fail(c, q, "invalid UTF-8");
			q += n;
			continue;
		}
		if (ch == '\\')
			return string_escaped(c, t, s, q);
		return fail(c, q, "control character in string");
	}
	t->len = (uint32_t)(q - s);
	c->cur = q + 1;
	return 0;
}

/* At the opening quote. The fast path: plain ASCII up to the closing quote,
 * a chunk at a time; anything else goes to string_slow(). */
static int parse_string(struct ctx *c)
{
	const char *s = c->cur + 1, *q = s;
	while (c->end - q >= SCAN_CHUNK) {
		size_t k = scan_chunk(q);
		q += k;
		if (k == SCAN_CHUNK)
			continue;
		if (*q != '"')
			break;
		size_t ti = push(c, OX_JSON_STRING, s);
		c->p->toks[ti].len = (uint32_t)(q - s);
		c->cur = q + 1;
		return 0;
	}
	return string_slow(c, s, q);
}

static int is_digit(const char *q, const char *end)
{
	return q < end && *q >= '0' && *q <= '9';
}

static int parse_number(struct ctx *c)
{
	size_t ti = push(c, OX_JSON_NUMBER, c->cur);
	struct ox_json_tok *t = &c->p->toks[ti];
	const char *q = c->cur;
	if (*q == '-')
		q++;
	if (!is_digit(q, c->end))
		return fail(c, q, "invalid number");
	if (*q == '0') {
		if (is_digit(++q, c->end))
			return fail(c, q - 1, "leading zero in number");
	} else {
		while (is_digit(q, c->end))
			q++;
	}
	t->flags = OX_JSON_F_INT;
	if (q < c->end && *q == '.') {
		if (!is_digit(++q, c->end))
			return fail(c, q, "invalid number");
		while (is_digit(q, c->end))
			q++;
		t->flags = 0;
	}
	if (q < c->end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < c->end && (*q == '+' || *q == '-'))
			q++;
		if (!is_digit(q, c->end))
			return fail(c, q, "invalid number");
		while (is_digit(q, c->end))
			q++;
		t->flags = 0;
	}
	t->len = (uint32_t)(q - c->cur);
	c->cur = q;
	return 0;
}

static int parse_literal(struct ctx *c, const char *word, enum ox_json_type type)
{
	size_t n = strlen(word);
	if ((size_t)(c->end - c->cur) < n || memcmp(c->cur, word, n) != 0)
		return fail(c, c->cur, "expected a value");
	size_t ti = push(c, type, c->cur);
	c->p->toks[ti].len = (uint32_t)n;
	c->cur += n;
	return 0;
}

static int parse_value(struct ctx *c);

/* At '[' or '{'. Objects and arrays share the loop: an object's element is
 * a key, a ':' and a value. */
static int parse_container(struct ctx *c, enum ox_json_type type)
{
	const int obj = type == OX_JSON_OBJECT;
	const char close = obj ? '}' : ']';
	if (++c->depth > c->p->max_depth)
		return fail(c, c->cur, "nesting too deep");
	const char *start = c->cur++;
	size_t i = push(c, type, start);
	uint32_t size = 0;
	skip_ws(c);
	if (c->cur < c->end && *c->cur == close)
		goto done;
	for (;;) {
		if (obj) {
			if (c->cur >= c->end || *c->cur != '"')
				return fail(c, c->cur, "expected a string key");
			if (parse_string(c) < 0)
				return -1;
			skip_ws(c);
			if (c->cur >= c->end || *c->cur != ':')
				return fail(c, c->cur, "expected ':'");
			c->cur++;
			skip_ws(c);
		}
		if (parse_value(c) < 0)
			return -1;
		size++;
		skip_ws(c);
		if (c->cur < c->end && *c->cur == ',') {
			c->cur++;
			skip_ws(c);
			continue;
		}
		if (c->cur < c->end && *c->cur == close)
			break;
		return fail(c, c->cur, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
done:
	c->cur++;
	c->depth--;
	struct ox_json_tok *t = &c->p->toks[i];
	t->size = size;
	t->len = (uint32_t)(c->cur - start);
	t->end = (uint32_t)c->p->n;
	return 0;
}

static int parse_value(struct ctx *c)
{
	if (c->cur >= c->end)
		return fail(c, c->cur, "unexpected end of input");
	switch (*c->cur) {
	case '"': return parse_string(c);
	case '{': return parse_container(c, OX_JSON_OBJECT);
	case '[': return parse_container(c, OX_JSON_ARRAY);
	case 't': return parse_literal(c, "true", OX_JSON_TRUE);
	case 'f': return parse_literal(c, "false", OX_JSON_FALSE);
	case 'n': return parse_literal(c, "null", OX_JSON_NULL);
	case '-': return parse_number(c);
	default:
		if (*c->cur >= '0' && *c->cur <= '9')
			return parse_number(c);
		return fail(c, c->cur, "expected a value");
	}
}

void ox_json_init(struct ox_json *p, unsigned max_depth)
{
	memset(p, 0, sizeof *p);
	p->max_depth = max_depth < 1 ? 1 : max_depth > OX_JSON_DEPTH_MAX ? OX_JSON_DEPTH_MAX
									: max_depth;
}

void ox_json_release(struct ox_json *p)
{
	free(p->toks);
	free(p->arena);
	memset(p, 0, sizeof *p);
}

int ox_json_parse(struct ox_json *p, const char *in, size_t len)
{
	p->n = 0;
	p->err = NULL;
	p->err_col = 0;
	struct ctx c = { p, in, in, in + len, NULL, 0 };
	if (len > OX_JSON_LEN_MAX)
		return fail(&c, in, "input too long");
	/* A decoded string plus its NUL never exceeds its quoted text, so an
	 * arena of len + 1 bytes holds every string of the input. */
	OX_GROW(p->arena, p->arena_cap, len + 1);
	c.out = p->arena;
	skip_ws(&c);
	if (parse_value(&c) < 0)
		return -1;
	skip_ws(&c);
	if (c.cur != c.end)
		return fail(&c, c.cur, "unexpected data after the value");
	return 0;
}
