/* fuzz_mask.c - libFuzzer harness for personal data masking (src/mask.h):
 * one input is one value, masked by each of ox_mask_phone, ox_mask_name,
 * ox_mask_address_detail and ox_mask_text.
 *
 * Besides what ASan and UBSan catch, it checks the promises of mask.h,
 * character by character (a character being a valid UTF-8 sequence or one
 * byte that starts none, decoded here independently):
 *   - every output is valid UTF-8, appended after what out held, and
 *     NUL-terminated;
 *   - each input character becomes exactly one output character: itself
 *     (only when valid), or '*' (phone, name), or '*' for a digit and U+FFFD
 *     for a bad byte (text); so a phone or name is never longer than its
 *     input and a text at most 3 times as long; an address detail is "****"
 *     or nothing;
 *   - a phone always hides something; a mobile number (11 digits starting
 *     with 1, with separators only) shows its first 3 and last 4 digits and
 *     hides the 4 between;
 *   - a name keeps white space, its first character (after any white
 *     space) and the ASCII letters starting a further word, when printable,
 *     and hides every other character;
 *   - the masked text holds no mainland mobile number: no run of exactly 11
 *     digits (ASCII or full-width) starting with 1, nor one with 86 or 0086
 *     before it, nor 1xx-xxxx-xxxx written 3-4-4 with one space or dash
 *     twice; and only digits of such numbers are hidden, 4 each;
 *   - a maximum of exactly the output's length is enough, and any smaller
 *     one gives -1 with out unchanged (length and content).
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mask.h"
#include "fuzz_utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fn { PHONE, NAME, ADDRESS, TEXT, NFN };

static int mask(enum fn f, const char *s, size_t n, struct ox_buf *out)
{
	switch (f) {
	case PHONE: return ox_mask_phone(s, n, out);
	case NAME: return ox_mask_name(s, n, out);
	case ADDRESS: return ox_mask_address_detail(s, n, out);
	default: return ox_mask_text(s, n, out);
	}
}

/* The length of the character at s[i]: a valid sequence, or 1 (*bad). */
static size_t char_len(const unsigned char *s, size_t n, size_t i, bool *bad)
{
	unsigned c = s[i];
	size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
	*bad = !k || k > n - i || !fuzz_valid_utf8(s + i, k);
	return *bad ? 1 : k;
}

/* The code point of a valid sequence. */
static uint32_t code_point(const unsigned char *s, size_t k)
{
	static const unsigned lead[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	uint32_t cp = s[0] & lead[k];
	for (size_t j = 1; j < k; j++)
		cp = cp << 6 | (s[j] & 0x3F);
	return cp;
}

/* 0..9 for an ASCII or full-width digit character, else -1. */
static int digit_of(const unsigned char *s, size_t k)
{
	if (k == 1 && s[0] >= '0' && s[0] <= '9')
		return s[0] - '0';
	if (k == 3 && s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99)
		return s[2] - 0x90;
	return -1;
}

static bool name_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0x3000 || cp == 0xA0;
}

static bool printable(uint32_t cp)
{
	return cp >= 0x20 && cp != 0x7F && (cp < 0x80 || cp > 0x9F);
}

#define MAXC 1100 /* characters: -max_len=1024 */

/* One character of the input and what became of it. */
struct ch {
	size_t at, len; /* in the input */
	bool bad;
	uint32_t cp;
	int digit;
	bool star; /* became '*' */
};

/* Walk input and output together: each input character is one output
 * character, as the function's rules allow. Returns the count. */
static size_t pair_chars(enum fn f, const unsigned char *s, size_t n, const unsigned char *o, size_t on,
			 struct ch *c)
{
	size_t i = 0, j = 0, m = 0;
	while (i < n) {
		assert(m < MAXC && j < on);
		struct ch *x = &c[m++];
		x->at = i;
		x->len = char_len(s, n, i, &x->bad);
		x->cp = x->bad ? 0 : code_point(s + i, x->len);
		x->digit = x->bad ? -1 : digit_of(s + i, x->len);
		x->star = false;
		bool same = !x->bad && on - j >= x->len && memcmp(o + j, s + i, x->len) == 0;
		if (f == TEXT && x->bad) {
			assert(on - j >= 3 && memcmp(o + j, "\xEF\xBF\xBD", 3) == 0);
			j += 3;
		} else if (o[j] == '*' && (f != TEXT || x->digit >= 0)) {
			x->star = true; /* also an input '*' kept: both read '*' */
			j++;
		} else {
			assert(same);
			j += x->len;
		}
		i += x->len;
	}
	assert(j == on);
	return m;
}

static void check_phone(const struct ch *c, size_t m, const unsigned char *s)
{
	size_t stars = 0, digits = 0;
	bool shape = true, plus = false;
	for (size_t i = 0; i < m; i++) {
		stars += c[i].star;
		if (c[i].len == 1 && s[c[i].at] >= '0' && s[c[i].at] <= '9')
			digits++;
		else if (c[i].len == 1 && s[c[i].at] == '+' && !plus && !digits)
			plus = true;
		else if (!(c[i].len == 1 && memchr(" -()", s[c[i].at], 4)))
			shape = false;
	}
	assert(m == 0 || stars >= 1); /* never shown whole */
	if (!shape || plus || digits != 11)
		return;
	/* a mobile without a country prefix: 3 shown, 4 hidden, 4 shown */
	size_t d = 0;
	for (size_t i = 0; i < m; i++) {
		if (!(s[c[i].at] >= '0' && s[c[i].at] <= '9'))
			continue;
		if (d == 0 && s[c[i].at] != '1')
			return;
		assert(c[i].star == (d >= 3 && d < 7));
		d++;
	}
}

/* The first character is the first that is not white space (white space
 * before it is kept like any other). */
static void check_name(const struct ch *c, size_t m, const unsigned char *s)
{
	bool first = true, word_start = true;
	for (size_t i = 0; i < m; i++) {
		const struct ch *x = &c[i];
		bool kept = !x->star || s[x->at] == '*', hidden = x->star;
		if (!x->bad && name_space(x->cp)) {
			assert(kept);
			word_start = true;
			continue;
		}
		bool letter = !x->bad && x->len == 1 &&
			      ((x->cp >= 'A' && x->cp <= 'Z') || (x->cp >= 'a' && x->cp <= 'z'));
		if (x->bad || !printable(x->cp))
			assert(hidden);
		else if (first || (word_start && letter))
			assert(kept); /* the first character, a Latin initial */
		else
			assert(hidden);
		first = word_start = false;
	}
}

/* Where 1xx xxxx xxxx or 1xx-xxxx-xxxx starts its middle run (each run
 * maximal: a digit on neither side). */
static bool middle_at(const struct ch *c, size_t m, const unsigned char *s, size_t k)
{
	if (k < 4 || k + 9 > m || c[k - 4].digit != 1 || (k > 4 && c[k - 5].digit >= 0))
		return false;
	const struct ch *x = &c[k - 4];
	bool shape = x[1].digit >= 0 && x[2].digit >= 0 && x[3].len == 1 && (s[x[3].at] == ' ' || s[x[3].at] == '-') &&
		     x[8].len == 1 && s[x[8].at] == s[x[3].at] && (k + 9 == m || c[k + 9].digit < 0);
	for (size_t j = 4; shape && j < 8; j++)
		shape = x[j].digit >= 0 && x[j + 5].digit >= 0;
	return shape;
}

/* The input's digits in runs (maximal, ASCII or full-width): a mobile
 * number has its 4 digits after the first 3 of the number hidden, the
 * middle of a 3-4-4 number all 4, any other run none. */
static void check_text(const struct ch *c, size_t m, const unsigned char *s)
{
	for (size_t i = 0; i < m;) {
		if (c[i].digit < 0) {
			i++;
			continue;
		}
		size_t e = i;
		while (e < m && c[e].digit >= 0)
			e++;
		size_t len = e - i, from = 0, hide = 0;
		if ((len == 11 && c[i].digit == 1) ||
		    (len == 13 && c[i].digit == 8 && c[i + 1].digit == 6 && c[i + 2].digit == 1) ||
		    (len == 15 && c[i].digit == 0 && c[i + 1].digit == 0 && c[i + 2].digit == 8 &&
		     c[i + 3].digit == 6 && c[i + 4].digit == 1)) {
			from = len - 8;
			hide = 4;
		} else if (len == 4 && middle_at(c, m, s, i)) {
			hide = 4;
		}
		for (size_t k = 0; k < len; k++)
			assert(c[i + k].star == (k >= from && k < from + hide));
		i = e;
	}
}

/* The output on its own: no run of exactly 11 digits starting with 1. */
static void check_text_output(const unsigned char *o, size_t on)
{
	size_t run = 0;
	int first = -1;
	for (size_t j = 0; j <= on;) {
		bool bad;
		size_t k = j < on ? char_len(o, on, j, &bad) : 1;
		int d = j < on ? digit_of(o + j, k) : -1;
		if (d >= 0) {
			first = run ? first : d;
			run++;
		} else {
			assert(!(run == 11 && first == 1));
			run = 0;
		}
		j += k;
	}
}

static void run(enum fn f, const char *s, size_t n, const char *prefix, size_t plen, struct ch *c)
{
	struct ox_buf out;
	ox_buf_init(&out, SIZE_MAX);
	assert(ox_buf_add(&out, prefix, plen) == 0);
	assert(mask(f, s, n, &out) == 0);
	assert(out.len >= plen && memcmp(out.data, prefix, plen) == 0);
	assert(out.data[out.len] == '\0');
	const unsigned char *o = (const unsigned char *)out.data + plen;
	size_t on = out.len - plen;
	assert(fuzz_valid_utf8(o, on));

	if (f == ADDRESS) {
		assert(on == (n ? 4 : 0) && (!n || memcmp(o, "****", 4) == 0));
	} else {
		assert(on <= (f == TEXT ? 3 * n : n));
		size_t m = pair_chars(f, (const unsigned char *)s, n, o, on, c);
		if (f == PHONE)
			check_phone(c, m, (const unsigned char *)s);
		else if (f == NAME)
			check_name(c, m, (const unsigned char *)s);
		else
			check_text(c, m, (const unsigned char *)s);
		if (f == TEXT)
			check_text_output(o, on);
	}

	/* a maximum of exactly the length suffices; every smaller one fails
	 * and leaves out as it was */
	struct ox_buf b;
	ox_buf_init(&b, out.len);
	assert(ox_buf_add(&b, prefix, plen) == 0);
	assert(mask(f, s, n, &b) == 0);
	assert(b.len == out.len && memcmp(b.data, out.data, out.len) == 0);
	ox_buf_release(&b);
	if (on > 0) {
		size_t small = plen + (size_t)(s[0] & 0x7F) % on; /* plen .. out.len - 1 */
		ox_buf_init(&b, small);
		assert(ox_buf_add(&b, prefix, plen) == 0);
		assert(mask(f, s, n, &b) == -1);
		assert(b.len == plen && (!b.data || (memcmp(b.data, prefix, plen) == 0 && b.data[plen] == '\0')));
		ox_buf_release(&b);
	}
	ox_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char prefix[] = "联系人: ";
	static struct ch c[MAXC];
	if (size > 1024)
		return 0;
	/* A copy of exactly size bytes, so ASan sees any read past the end. */
	char *s = malloc(size ? size : 1);
	memcpy(s, data, size);
	/* with or without something already in out */
	size_t plen = size % 2 ? sizeof prefix - 1 : 0;
	for (int f = 0; f < NFN; f++)
		run((enum fn)f, s, size, prefix, plen, c);
	free(s);
	return 0;
}
