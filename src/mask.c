/* mask.c - personal data masking (mask.h). */
#include "mask.h"

#include <stdbool.h>
#include <stdint.h>

/* The UTF-8 sequence at s[i] (ox_utf8_seq), 0 for a byte that starts none
 * (the caller takes that byte alone as one character). */
static size_t u8_next(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
	return ox_utf8_seq((const char *)s, n, i, cp);
}

/* Undo a partial append after hitting out's maximum. */
static int overflow(struct ox_buf *out, size_t start)
{
	out->len = start;
	if (out->data)
		out->data[start] = '\0';
	return -1;
}

/* Characters (valid sequences or single bad bytes) in s. */
static size_t count_chars(const unsigned char *s, size_t n)
{
	size_t c = 0;
	uint32_t cp;
	for (size_t i = 0; i < n; c++) {
		size_t k = u8_next(s, n, i, &cp);
		i += k ? k : 1;
	}
	return c;
}

/* The first and last characters kept (when valid), every other one '*'. */
static int keep_ends(const unsigned char *s, size_t n, struct ox_buf *out)
{
	size_t start = out->len, total = count_chars(s, n), c = 0;
	uint32_t cp;
	for (size_t i = 0; i < n; c++) {
		size_t k = u8_next(s, n, i, &cp);
		bool keep = k && cp >= 0x20 && cp != 0x7F && total >= 2 && (c == 0 || (c == total - 1 && total >= 3));
		if ((keep ? ox_buf_add(out, s + i, k) : ox_buf_add(out, "*", 1)) < 0)
			return overflow(out, start);
		i += k ? k : 1;
	}
	return 0;
}

/* ---- phones ------------------------------------------------------------------- */

#define PHONE_DIGITS_MAX 20

/* Which digits of the phone to hide: a mask over its digits (bit i for
 * digit i), or 0 when s is not a phone of a known shape. */
static uint32_t phone_hide(const unsigned char *s, size_t n)
{
	char d[PHONE_DIGITS_MAX];
	size_t nd = 0;
	bool plus = false, seen = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c >= '0' && c <= '9') {
			if (nd == PHONE_DIGITS_MAX)
				return 0;
			d[nd++] = (char)c;
			seen = true;
		} else if (c == '+' && !seen && !plus) {
			plus = true;
			seen = true;
		} else if (c != ' ' && c != '-' && c != '(' && c != ')') {
			return 0;
		}
	}
	size_t pre = 0;
	if (plus) {
		if (nd < 2 || d[0] != '8' || d[1] != '6')
			return 0; /* a foreign number: no shape known */
		pre = 2;
	} else if (nd >= 4 && d[0] == '0' && d[1] == '0' && d[2] == '8' && d[3] == '6') {
		pre = 4;
	} else if (nd == 13 && d[0] == '8' && d[1] == '6' && d[2] == '1') {
		pre = 2;
	}
	const char *nat = d + pre;
	size_t nn = nd - pre, keep_head, keep_tail;
	if (nn == 11 && nat[0] == '1') {
		keep_head = 3; /* mobile */
		keep_tail = 4;
	} else if (nn >= 9 && (nat[0] == '0' || pre)) {
		/* landline: trunk 0 (dropped after a country prefix), then an
		 * area code of 2 digits for 10 and 2x, else 3 */
		size_t trunk = nat[0] == '0';
		if (nn < trunk + 1)
			return 0;
		size_t area = nat[trunk] == '1' || nat[trunk] == '2' ? 2 : 3;
		size_t sub = nn - trunk - area;
		if (nat[trunk] == '0' || sub < 7 || sub > 8)
			return 0;
		keep_head = trunk + area;
		keep_tail = 2;
	} else {
		return 0;
	}
	uint32_t hide = 0;
	for (size_t i = pre + keep_head; i < nd - keep_tail; i++)
		hide |= 1u << i;
	return hide;
}

int ox_mask_phone(const char *z, size_t n, struct ox_buf *out)
{
	const unsigned char *s = (const unsigned char *)z;
	uint32_t hide = n ? phone_hide(s, n) : 0;
	if (!hide)
		return keep_ends(s, n, out);
	size_t start = out->len, digit = 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)s[i];
		if (c >= '0' && c <= '9' && (hide >> digit++ & 1))
			c = '*';
		if (ox_buf_add(out, &c, 1) < 0)
			return overflow(out, start);
	}
	return 0;
}

/* ---- names and addresses -------------------------------------------------------- */

static bool name_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0x3000 || cp == 0xA0;
}

int ox_mask_name(const char *z, size_t n, struct ox_buf *out)
{
	const unsigned char *s = (const unsigned char *)z;
	size_t start = out->len;
	bool first = true, word_start = true;
	uint32_t cp = 0;
	for (size_t i = 0; i < n;) {
		size_t k = u8_next(s, n, i, &cp);
		bool keep;
		if (k && name_space(cp)) {
			keep = true;
			word_start = true;
		} else {
			bool letter = k == 1 && ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'));
			keep = k && cp >= 0x20 && cp != 0x7F && (cp < 0x80 || cp > 0x9F) && (first || (word_start && letter));
			first = word_start = false;
		}
		if ((keep ? ox_buf_add(out, s + i, k) : ox_buf_add(out, "*", 1)) < 0)
			return overflow(out, start);
		i += k ? k : 1;
	}
	return 0;
}

int ox_mask_address_detail(const char *s, size_t n, struct ox_buf *out)
{
	(void)s;
	return n ? ox_buf_add(out, "****", 4) : 0;
}

/* ---- free text -------------------------------------------------------------------- */

/* The digit at s[i] ('0'..'9' or full-width U+FF10..U+FF19) and its length
 * in *k, or -1. */
static int digit_at(const unsigned char *s, size_t n, size_t i, size_t *k)
{
	if (i >= n)
		return -1;
	if (s[i] >= '0' && s[i] <= '9') {
		*k = 1;
		return s[i] - '0';
	}
	if (n - i >= 3 && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 && s[i + 2] <= 0x99) {
		*k = 3;
		return s[i + 2] - 0x90;
	}
	return -1;
}

#define RUN_MAX 16

struct run {
	size_t start, end; /* bytes of the whole run */
	size_t m;          /* digits in it */
	size_t pos[RUN_MAX], len[RUN_MAX];
	char v[RUN_MAX];
};

static void read_run(const unsigned char *s, size_t n, size_t i, struct run *r)
{
	size_t k = 0;
	int d;
	r->start = i;
	r->m = 0;
	while ((d = digit_at(s, n, i, &k)) >= 0) {
		if (r->m < RUN_MAX) {
			r->pos[r->m] = i;
			r->len[r->m] = k;
			r->v[r->m] = (char)('0' + d);
		}
		r->m++;
		i += k;
	}
	r->end = i;
}

/* Copy the run, digits from..from+count-1 as '*'. */
static int emit_run(const unsigned char *s, const struct run *r, size_t from, size_t count, struct ox_buf *out)
{
	if (r->m > RUN_MAX || !count)
		return ox_buf_add(out, s + r->start, r->end - r->start);
	for (size_t j = 0; j < r->m; j++)
		if ((j >= from && j < from + count ? ox_buf_add(out, "*", 1) : ox_buf_add(out, s + r->pos[j], r->len[j])) < 0)
			return -1;
	return 0;
}

/* The first digit to hide of a mobile number run, or -1. */
static int mobile_at(const struct run *r)
{
	if (r->m == 11 && r->v[0] == '1')
		return 3;
	if (r->m == 13 && r->v[0] == '8' && r->v[1] == '6' && r->v[2] == '1')
		return 5;
	if (r->m == 15 && r->v[0] == '0' && r->v[1] == '0' && r->v[2] == '8' && r->v[3] == '6' && r->v[4] == '1')
		return 7;
	return -1;
}

int ox_mask_text(const char *z, size_t n, struct ox_buf *out)
{
	static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
	const unsigned char *s = (const unsigned char *)z;
	size_t start = out->len, k;
	uint32_t cp;
	struct run r1, r2, r3;
	for (size_t i = 0; i < n;) {
		if (digit_at(s, n, i, &k) < 0) {
			k = u8_next(s, n, i, &cp);
			if ((k ? ox_buf_add(out, s + i, k) : ox_buf_add(out, replacement, 3)) < 0)
				return overflow(out, start);
			i += k ? k : 1;
			continue;
		}
		read_run(s, n, i, &r1);
		int at = mobile_at(&r1);
		if (at >= 0) {
			if (emit_run(s, &r1, (size_t)at, 4, out) < 0)
				return overflow(out, start);
			i = r1.end;
			continue;
		}
		/* 138 1234 5678, 138-1234-5678: the same separator twice */
		if (r1.m == 3 && r1.v[0] == '1' && r1.end < n && (s[r1.end] == ' ' || s[r1.end] == '-')) {
			unsigned char sep = s[r1.end];
			read_run(s, n, r1.end + 1, &r2);
			if (r2.m == 4 && r2.end < n && s[r2.end] == sep) {
				read_run(s, n, r2.end + 1, &r3);
				if (r3.m == 4) {
					if (emit_run(s, &r1, 0, 0, out) < 0 || ox_buf_add(out, &sep, 1) < 0 ||
					    emit_run(s, &r2, 0, 4, out) < 0 || ox_buf_add(out, &sep, 1) < 0 ||
					    emit_run(s, &r3, 0, 0, out) < 0)
						return overflow(out, start);
					i = r3.end;
					continue;
				}
			}
		}
		if (emit_run(s, &r1, 0, 0, out) < 0)
			return overflow(out, start);
		i = r1.end;
	}
	return 0;
}
