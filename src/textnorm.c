/* textnorm.c - see textnorm.h. */
#include "textnorm.h"

/* Multi-byte UTF-8 sequences of the White_Space code points. */
static const struct {
	unsigned char b[3];
	unsigned char last_hi; /* the last byte ranges over b[n-1]..last_hi */
	unsigned char n;
} tn_spaces[] = {
	{ { 0xC2, 0x85, 0 }, 0x85, 2 },       /* U+0085 */
	{ { 0xC2, 0xA0, 0 }, 0xA0, 2 },       /* U+00A0 */
	{ { 0xE1, 0x9A, 0x80 }, 0x80, 3 },    /* U+1680 */
	{ { 0xE2, 0x80, 0x80 }, 0x8A, 3 },    /* U+2000..U+200A */
	{ { 0xE2, 0x80, 0xA8 }, 0xA9, 3 },    /* U+2028, U+2029 */
	{ { 0xE2, 0x80, 0xAF }, 0xAF, 3 },    /* U+202F */
	{ { 0xE2, 0x81, 0x9F }, 0x9F, 3 },    /* U+205F */
	{ { 0xE3, 0x80, 0x80 }, 0x80, 3 },    /* U+3000 */
};

size_t ox_textnorm_space_len(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	unsigned char c = (unsigned char)s[0];
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	if (c < 0xC2 || c > 0xE3)
		return 0;
	for (size_t i = 0; i < OX_ARRAY_LEN(tn_spaces); i++) {
		size_t k = tn_spaces[i].n;
		if (n < k || memcmp(s, tn_spaces[i].b, k - 1) != 0)
			continue;
		unsigned char last = (unsigned char)s[k - 1];
		if (last >= tn_spaces[i].b[k - 1] && last <= tn_spaces[i].last_hi)
			return k;
	}
	return 0;
}

/* Length of the white-space code point that ends s[0..n), 0 if none. */
static size_t tn_space_suffix(const char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (ox_textnorm_space_len(s + n - k, k) == k)
			return k;
	return 0;
}

struct ox_str ox_textnorm_trim(struct ox_str s)
{
	size_t k;
	while (s.len && (k = ox_textnorm_space_len(s.s, s.len)) != 0) {
		s.s += k;
		s.len -= k;
	}
	while (s.len && (k = tn_space_suffix(s.s, s.len)) != 0)
		s.len -= k;
	return s;
}

/* Length of the code point at s[0]: 1 for ASCII and for any byte that does
 * not start a well-formed sequence. */
static size_t tn_cp_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 1;
	if (c >= 0xF5 || k > n)
		return 1;
	for (size_t i = 1; i < k; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return 1;
	return k;
}

void ox_textnorm_init(struct ox_textnorm *t, char *out, size_t cap)
{
	t->out = out;
	t->cap = cap;
	t->used = 0;
	t->full = cap == 0;
}

/* Append n bytes of whole code points; when they do not all fit, as many
 * whole code points as do, and nothing after. */
static void tn_emit(struct ox_textnorm *t, const char *s, size_t n)
{
	if (t->full)
		return;
	size_t room = t->cap - 1 - t->used;
	if (n > room) {
		/* Back off to a code point start (at most 3 continuation bytes). */
		for (size_t i = 0; i < 3 && room > 0 && ((unsigned char)s[room] & 0xC0) == 0x80; i++)
			room--;
		n = room;
		t->full = true;
	}
	memcpy(t->out + t->used, s, n);
	t->used += n;
}

void ox_textnorm_put_raw(struct ox_textnorm *t, const char *s, size_t n)
{
	if (n)
		tn_emit(t, s, n);
}

/* Can byte c be copied as it is? No for ASCII white space and, folding,
 * capitals, and for the lead bytes of white space (C2 E1 E2 E3) and of
 * full-width ASCII (EF). Copying runs of such bytes is what makes
 * normalization cheap. */
static bool tn_plain(unsigned char c, bool fold)
{
	if (c < 0x80)
		return c > ' ' ? !(fold && c >= 'A' && c <= 'Z') : c < '\t' || (c > '\r' && c < ' ');
	return c != 0xC2 && (c < 0xE1 || c > 0xE3) && !(fold && c == 0xEF);
}

void ox_textnorm_put(struct ox_textnorm *t, struct ox_str s, unsigned flags)
{
	bool fold = flags & OX_TEXTNORM_FOLD;
	for (size_t i = 0, k; i < s.len; i += k) {
		const char *p = s.s + i;
		for (k = 0; i + k < s.len && tn_plain((unsigned char)p[k], fold); k++)
			;
		if (k > 0) {
			tn_emit(t, p, k);
			continue;
		}
		if ((k = ox_textnorm_space_len(p, s.len - i)) != 0)
			continue;
		k = tn_cp_len(p, s.len - i);
		unsigned cp = (unsigned char)p[0];
		if (k == 3)
			cp = (cp & 0x0Fu) << 12 | ((unsigned char)p[1] & 0x3Fu) << 6 |
			     ((unsigned char)p[2] & 0x3Fu);
		if (k == 3 && cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0; /* the full-width block mirrors ASCII 0x21..0x7E */
		if (!fold || cp >= 0x80) {
			tn_emit(t, p, k);
			continue;
		}
		char c = (char)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
		tn_emit(t, &c, 1);
	}
}

size_t ox_textnorm_finish(struct ox_textnorm *t)
{
	if (t->cap)
		t->out[t->used] = '\0';
	return t->used;
}
